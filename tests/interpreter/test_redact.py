"""Secret-looking strings never leave the process."""
import pytest

from bot.interpreter.redact import REDACTED, has_secret, redact


@pytest.mark.parametrize("secret", [
    "xoxb-1234567890-abcdefghijkl", "hf_abcdefghijklmnopqrstuvwx", "sk-proj-AbCdEfGhIjKlMnOp1234",
    "ghp_abcdefghijklmnopqrstuvwxyz0123", "AKIAABCDEFGHIJKLMNOP",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlc2lnbmF0dXJl",
    "password=hunter2hunter2", "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt",
])
def test_redacts(secret):
    text = f"deploy phi-4 with {secret} please"
    assert has_secret(text)
    out = redact(text)
    assert secret not in out and REDACTED in out and out.startswith("deploy phi-4")


def test_leaves_fleet_words_alone():
    text = "deploy qwen2.5-coder-7b to aks-eastus-prod-1 on Standard_NC24ads_A100_v4 as coder-eu"
    assert redact(text) == text and not has_secret(text)
