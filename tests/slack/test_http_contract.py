"""The HTTP contract of SPEC section 1: signatures, sizes, health, url_verification."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from storage.models import AuditEvent
from tests.conftest import RunningBot


def audit_count(bot: RunningBot) -> int:
    with bot.database.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def command_body(text: str = "help") -> str:
    return urlencode(
        {
            "command": "/msi",
            "text": text,
            "user_id": "U_OWNER",
            "channel_id": "C_MKTO",
            "team_id": "T111",
            "trigger_id": "t",
        }
    )


def test_health_is_200_with_json_when_the_database_answers(bot: RunningBot) -> None:
    response = httpx.get(f"{bot.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unsigned_wrongly_signed_and_stale_requests_get_401_and_change_nothing(bot: RunningBot) -> None:
    body = command_body("start")
    assert bot.slack.post_raw(body, "application/x-www-form-urlencoded", sign=False).status_code == 401
    wrong = bot.slack.post_raw(
        body,
        "application/x-www-form-urlencoded",
        sign=False,
        headers={"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert wrong.status_code == 401
    stale = bot.slack.post_raw(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60)
    assert stale.status_code == 401
    assert bot.fake.calls_to("views.open") == []
    assert audit_count(bot) == 0


def test_a_body_over_the_limit_gets_413(bot: RunningBot) -> None:
    body = command_body("x" * (1024 * 1024 + 10))
    response = bot.slack.post_raw(body, "application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_url_verification_returns_the_challenge(bot: RunningBot) -> None:
    response = bot.slack.event(
        {
            "type": "url_verification",
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        }
    )
    assert response.status_code == 200
    assert response.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def test_message_events_the_bot_does_not_act_on_are_acknowledged(bot: RunningBot) -> None:
    event = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": "Ev1",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "text": "hello",
            "user": "U_OTHER",
            "channel": "C_MKTO",
            "ts": "1.1",
            "channel_type": "channel",
        },
    }
    assert bot.slack.event(event).status_code == 200


def test_unknown_paths_are_404(bot: RunningBot) -> None:
    assert httpx.get(f"{bot.url}/nope").status_code == 404
    assert httpx.get(f"{bot.url}/slack/events").status_code == 405


def test_a_failing_command_still_gets_a_clear_private_answer(bot: RunningBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(**_kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(bot.runtime.services.reports, "status", broken)
    response = bot.slack.slash("status")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "nothing was changed" in body["text"]
    assert "database went away" not in body["text"]
