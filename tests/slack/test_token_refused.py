"""Scenario: the app is uninstalled or its token revoked. The bot stops calling Slack, keeps what it had to
deliver, says why in /readyz and once in the log, and delivers it all after a restart with a working token."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storage.models import OutboxItem
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import click, start_rollout, text_of, wait_step_message

REFUSED_LOG = "Slack refused the bot token"


def pending_notifications(bot: RunningBot) -> int:
    with bot.database.read() as session:
        return int(session.scalar(select(func.count()).where(OutboxItem.status == "pending")) or 0)  # type: ignore[arg-type]


def ready(bot: RunningBot) -> httpx.Response:
    return httpx.get(f"{bot.url}/readyz")


def event(kind: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": f"Ev-{kind}",
        "event_time": int(time.time()),
        "event": {"type": kind, "event_ts": f"{time.time():.6f}"},
    }


def test_a_revoked_token_stops_every_call_keeps_the_notifications_and_a_restart_delivers_them(
    database_url: str, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.slack.access")
    bot = RunningBot(database_url, fake_slack)
    try:
        start_rollout(bot)
        step1 = wait_step_message(bot, 1, "C_MKTO")
        fake_slack.revoked = "token_revoked"
        click(bot, step1, "msi_step_done", "U_MKTO")
        response = fake_slack.wait_for(lambda: (r := ready(bot)).status_code == 503 and r)
        assert "Slack refused the bot token (token_revoked)" in response.json()["reason"]
        assert httpx.get(f"{bot.url}/livez").status_code == 200
        # Nothing more is sent to Slack, however much there is to deliver.
        calls = len(fake_slack.calls)
        click(bot, step1, "msi_step_done", "U_MKTO")
        assert bot.slack.slash("start").status_code == 200  # would open a modal
        time.sleep(1.0)
        assert len(fake_slack.calls) == calls
        kept = pending_notifications(bot)
        assert kept >= 1
        assert [r.getMessage() for r in caplog.records if REFUSED_LOG in r.getMessage()].__len__() == 1
    finally:
        bot.stop()
    assert "Done by" not in text_of(step1)

    fake_slack.revoked = None  # a working token again, and a restart
    restarted = RunningBot(database_url, fake_slack)
    try:
        fake_slack.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1))
        wait_step_message(restarted, 2, "C_SFDC")
        fake_slack.wait_for(lambda: pending_notifications(restarted) == 0)
        assert ready(restarted).status_code == 200
    finally:
        restarted.stop()


def test_the_app_uninstalled_event_stops_calls_at_once(bot: RunningBot) -> None:
    start_rollout(bot)
    assert bot.slack.event(event("app_uninstalled")).status_code == 200
    response = bot.fake.wait_for(lambda: (r := ready(bot)).status_code == 503 and r)
    assert "(app_uninstalled)" in response.json()["reason"]
    opened = len(bot.fake.calls_to("views.open"))
    assert bot.slack.slash("start").status_code == 200
    time.sleep(0.5)
    assert len(bot.fake.calls_to("views.open")) == opened


def test_tokens_revoked_is_acknowledged_and_ends_access_too(bot: RunningBot) -> None:
    assert bot.slack.event(event("tokens_revoked")).status_code == 200
    assert (
        "(tokens_revoked)"
        in bot.fake.wait_for(lambda: (r := ready(bot)).status_code == 503 and r).json()["reason"]
    )
