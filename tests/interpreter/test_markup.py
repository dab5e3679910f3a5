"""Slack markup (mentions, channels, links, backticks, bold/italic/strike, emoji) is read through."""
import pytest

from bot.interpreter.text import normalize

PLAIN = "deploy phi-4-mini-instruct to aks-centralindia-dev-1"


@pytest.mark.parametrize("variant", [
    "<@U0BOT1234> deploy phi-4-mini-instruct to aks-centralindia-dev-1",
    "<@U0BOT1234|fleetops>: deploy phi-4-mini-instruct to aks-centralindia-dev-1",
    "deploy `phi-4-mini-instruct` to `aks-centralindia-dev-1`",
    "deploy ```phi-4-mini-instruct``` to *aks-centralindia-dev-1*",
    "*deploy* _phi-4-mini-instruct_ to ~aks-centralindia-dev-1~ :rocket:",
    "deploy <https://huggingface.co/microsoft/Phi-4-mini-instruct|phi-4-mini-instruct> to aks-centralindia-dev-1",
    "@fleetops deploy phi-4-mini-instruct to aks-centralindia-dev-1",
    "deploy phi-4-mini-instruct to aks-centralindia-dev-1 <!here>",
    "deploy phi-4-mini-instruct \u2192 aks-centralindia-dev-1",
])
def test_markup_variants_parse_like_plain_text(ask, variant):
    assert ask(variant) == ask(PLAIN)
    assert ask(PLAIN)["tool"] == "deploy"


def test_mentioned_user_becomes_the_actor(ask):
    got = ask("<@U0BOT1234> what did <@U024BE7LH> do this week?")
    assert got == {"kind": "tool_call", "tool": "search_audit", "args": {"actor": "U024BE7LH", "since": "7d"}}


def test_channel_and_entities():
    t = normalize("clusters in <#C0123|eu-ops> &amp; <!subteam^S1|@sre> h-100s")
    assert t.clean == "clusters in #eu-ops & @sre h-100s"
    assert "h100s" in t.low


def test_underscores_inside_instance_types_are_not_italics():
    assert normalize("deploy on Standard_NC24ads_A100_v4").clean == "deploy on Standard_NC24ads_A100_v4"
