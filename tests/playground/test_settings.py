"""The playground's settings: Slack's side is always the emulator; time is made visible unless the
environment says otherwise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from playground.launcher import playground_settings


def settings(tmp_path: Path) -> Settings:
    return playground_settings(
        "http://127.0.0.1:5000/api/", "127.0.0.1:5000", tmp_path / "p.db", "xoxb-playground-x", "secret"
    )


def test_reminders_come_after_minutes_at_any_hour_by_default(tmp_path: Path) -> None:
    chosen = settings(tmp_path)
    assert chosen.msi_reminder_after == timedelta(minutes=3)
    assert chosen.msi_working_hours.always
    assert chosen.database_url == f"sqlite:///{tmp_path / 'p.db'}"
    assert chosen.token_hosts == frozenset({"127.0.0.1:5000"})


def test_real_settings_in_the_environment_still_win_but_never_slacks_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSI_REMINDER_AFTER", "1h")
    monkeypatch.setenv("MSI_WORKING_HOURS", "Mon-Fri 09:00-17:00")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-a-real-workspace")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-a-real-workspace")
    monkeypatch.setenv("SLACK_API_URL", "https://slack.com/api/")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://prod/db")
    chosen = settings(tmp_path)
    assert chosen.msi_reminder_after == timedelta(hours=1)
    assert not chosen.msi_working_hours.always
    assert chosen.slack_bot_token.get_secret_value() == "xoxb-playground-x"
    assert not chosen.socket_mode
    assert chosen.slack_api_url == "http://127.0.0.1:5000/api/"
    assert chosen.database_url.startswith("sqlite:///")
