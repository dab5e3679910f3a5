"""manifest.yaml follows Slack's app manifest format (v1) and grants what the code needs, no more."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCOPES = {"commands", "channels:history", "chat:write", "files:write", "app_mentions:read", "im:history", "im:read", "im:write",
          "usergroups:read", "users:read"}
# Web API methods the Slack package calls → the bot scope each needs (views.* need none)
METHOD_SCOPES = {"chat_postMessage": "chat:write", "chat_update": "chat:write", "chat_postEphemeral": "chat:write",
                 "usergroups_list": "usergroups:read", "usergroups_users_list": "usergroups:read",
                 "users_info": "users:read", "views_open": None, "views_update": None, "views_publish": None,
                 "auth_test": None, "conversations_history": "channels:history", "files_upload_v2": "files:write"}
KNOWN_TOP = {"_metadata", "display_information", "features", "oauth_config", "settings", "functions", "workflows",
             "outgoing_domains"}


def load() -> dict:
    return yaml.safe_load((ROOT / "manifest.yaml").read_text())


def test_structure_and_limits():
    m = load()
    assert set(m) <= KNOWN_TOP
    assert m["_metadata"]["major_version"] == 1
    info = m["display_information"]
    assert 1 <= len(info["name"]) <= 35 and len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])

    f = m["features"]
    assert f["bot_user"]["display_name"] and len(f["bot_user"]["display_name"]) <= 80
    assert isinstance(f["bot_user"]["always_online"], bool)
    assert f["app_home"]["home_tab_enabled"] is True and f["app_home"]["messages_tab_enabled"] is True
    assert f["app_home"]["messages_tab_read_only_enabled"] is False  # DMs to the bot must be possible
    [cmd] = f["slash_commands"]
    assert cmd["command"] == "/fleet" and len(cmd["command"]) <= 32
    assert len(cmd["description"]) <= 2000 and len(cmd["usage_hint"]) <= 1000
    assert isinstance(cmd["should_escape"], bool)

    assert set(m["oauth_config"]["scopes"]["bot"]) == SCOPES

    s = m["settings"]
    assert set(s["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert s["interactivity"]["is_enabled"] is True
    assert s["org_deploy_enabled"] is False
    assert s["socket_mode_enabled"] is False  # HTTP by default; the file says how to switch
    urls = {cmd["url"], s["event_subscriptions"]["request_url"], s["interactivity"]["request_url"]}
    assert len(urls) == 1 and next(iter(urls)).startswith("https://") and next(iter(urls)).endswith("/slack/events")


def test_comment_explains_socket_mode():
    text = (ROOT / "manifest.yaml").read_text()
    assert "socket_mode_enabled" in text and "fleetops serve --socket" in text and "SLACK_APP_TOKEN" in text


def test_scopes_cover_every_web_api_method_the_app_calls():
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "slack").glob("*.py"))
    called = set(re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", source))
    assert called, "expected Web API calls in bot/slack"
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {unknown}"
    needed = {METHOD_SCOPES[m] for m in called} - {None}
    assert needed <= set(load()["oauth_config"]["scopes"]["bot"])
