"""Drives the real app over HTTP the way Slack does: signed slash commands, interactions and events."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret-8f742231b10e8888"
BOT_TOKEN = "xoxb-test-token-1234567890"

_SERIAL = itertools.count(1)


def fresh_trigger() -> str:
    """A trigger id as Slack issues one with each command or click, valid once for 3 seconds; the fake Slack
    reads the issue time after the "@" (tests/fake_slack.py)."""
    return f"{next(_SERIAL)}.222.trigger@{time.time():.3f}"


class SlackSender:
    def __init__(self, base_url: str, secret: str = SIGNING_SECRET):
        self.base_url = base_url
        self.verifier = SignatureVerifier(secret)
        self.http = httpx.Client(timeout=15.0)
        self.sent = 0

    def close(self) -> None:
        self.http.close()

    def post_raw(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        sign: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = self.verifier.generate_signature(timestamp=stamp, body=body)
        self.sent += 1
        return self.http.post(
            f"{self.base_url}/slack/events", content=body.encode("utf-8"), headers=all_headers
        )

    def slash(
        self,
        text: str,
        *,
        user: str = "U_OWNER",
        channel: str = "C_MKTO",
        response_url: str = "https://hooks.slack.com/commands/T111/1/x",
        trigger_id: str | None = None,
    ) -> httpx.Response:
        self.sent += 0
        body = urlencode(
            {
                "token": "verification_token",
                "team_id": "T111",
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": channel.lower(),
                "user_id": user,
                "user_name": user.lower(),
                "command": "/msi",
                "text": text,
                "api_app_id": "A111",
                "response_url": response_url,
                "trigger_id": trigger_id or fresh_trigger(),
            }
        )
        return self.post_raw(body, "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        body = "payload=" + quote(json.dumps(payload))
        return self.post_raw(body, "application/x-www-form-urlencoded")

    def event(self, payload: dict[str, Any], *, retry_num: int | None = None) -> httpx.Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_raw(json.dumps(payload), "application/json", headers=headers)


def start_form_values(
    *,
    name: str = "Production",
    environment: str = "production",
    marketo_admins: list[str] | None = None,
    salesforce_admins: list[str] | None = None,
    marketo_channel: str = "C_MKTO",
    salesforce_channel: str = "C_SFDC",
    prerequisites: tuple[str, ...] = ("actions_enabled", "crm_sync"),
    marketo_groups: list[str] | None = None,
    salesforce_groups: list[str] | None = None,
    off_dates: str | None = None,
) -> dict[str, Any]:
    """view.state.values of the Start a rollout modal, shaped as Slack sends them; the user-group selects and
    the Edit modal's non-working dates only when given."""
    extra: dict[str, Any] = {}
    for block_id, chosen in (("marketo_groups", marketo_groups), ("salesforce_groups", salesforce_groups)):
        if chosen is not None:
            extra[block_id] = {
                block_id: {
                    "type": "multi_static_select",
                    "selected_options": [
                        {"text": {"type": "plain_text", "text": f"@{group}"}, "value": group}
                        for group in chosen
                    ],
                }
            }
    if off_dates is not None:
        extra["off_dates"] = {"off_dates": {"type": "plain_text_input", "value": off_dates or None}}
    return extra | {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "environment": {
            "environment": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": environment},
                    "value": environment,
                },
            }
        },
        "marketo_admins": {
            "marketo_admins": {
                "type": "multi_users_select",
                "selected_users": marketo_admins if marketo_admins is not None else ["U_MKTO"],
            }
        },
        "salesforce_admins": {
            "salesforce_admins": {
                "type": "multi_users_select",
                "selected_users": salesforce_admins if salesforce_admins is not None else ["U_SFDC"],
            }
        },
        "marketo_channel": {
            "marketo_channel": {"type": "conversations_select", "selected_conversation": marketo_channel}
        },
        "salesforce_channel": {
            "salesforce_channel": {
                "type": "conversations_select",
                "selected_conversation": salesforce_channel,
            }
        },
        "prerequisites": {
            "prerequisites": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": p}, "value": p} for p in prerequisites
                ],
            }
        },
    }


def app_home_opened(user: str) -> dict[str, Any]:
    """The Events API callback Slack sends when `user` opens the bot's Home tab."""
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D111",
            "tab": "home",
            "event_ts": "1.1",
        },
    }


def view_submission(
    callback_id: str, values: dict[str, Any], *, user: str = "U_OWNER", private_metadata: str = ""
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T111", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T111"},
        "api_app_id": "A111",
        "token": "verification_token",
        "trigger_id": fresh_trigger(),
        "view": {
            # Each modal Slack opens has an id of its own; a retried or replayed submission repeats it.
            "id": f"V{next(_SERIAL)}",
            "team_id": "T111",
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": "1596530361.3wRYuk3R",
            "title": {"type": "plain_text", "text": "Start a rollout"},
            "root_view_id": "V111",
            "app_id": "A111",
            "bot_id": "B111",
        },
        "response_urls": [],
    }


def block_action(
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    message_ts: str,
    response_url: str,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T111"},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or fresh_trigger(),
        "team": {"id": "T111", "domain": "test"},
        "channel": {"id": channel, "name": channel.lower()},
        "message": {"ts": message_ts, "type": "message"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
