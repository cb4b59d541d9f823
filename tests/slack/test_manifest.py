"""The Slack app manifest of SPEC section 8: valid against Slack's schema, wired as the bot expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack.scopes import BOT_SCOPES

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = REPO_ROOT / "manifest.yml"
SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "slack" / "manifest.schema.1.0.0.json"

EVENTS = [
    "app_home_opened",
    "file_shared",
    "message.channels",
    "message.groups",
    "message.im",
    "app_uninstalled",
    "tokens_revoked",
]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_manifest_validates_against_slacks_manifest_schema(manifest: dict[str, Any]) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(manifest)]
    assert errors == []


def test_the_app_and_its_bot_user_are_called_msi_rollouts(manifest: dict[str, Any]) -> None:
    assert manifest["display_information"]["name"] == "MSI Rollouts"
    assert manifest["features"]["bot_user"]["display_name"] == "MSI Rollouts"
    assert manifest["features"]["bot_user"]["always_online"] is False


def test_the_msi_slash_command_posts_to_slack_events(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [command["command"] for command in commands] == ["/msi"]
    assert commands[0]["url"].endswith("/slack/events")
    assert commands[0]["description"]
    assert commands[0]["usage_hint"]


def test_app_home_has_the_home_tab_and_a_messages_tab_users_can_write_in(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }


def test_interactivity_and_events_point_at_slack_events(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")


def test_the_bot_subscribes_to_exactly_the_five_events_it_handles(manifest: dict[str, Any]) -> None:
    assert sorted(manifest["settings"]["event_subscriptions"]["bot_events"]) == sorted(EVENTS)


def test_the_bot_asks_for_exactly_the_scopes_it_needs(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    # bot/slack/scopes.py is what `doctor` compares the granted scopes with.
    assert sorted(scopes["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in scopes
    # Personas may be user groups (SPEC section 2): their lists and members need usergroups:read.
    assert "usergroups:read" in scopes["bot"]


def test_token_rotation_socket_mode_and_org_deploy_are_off(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["token_rotation_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
