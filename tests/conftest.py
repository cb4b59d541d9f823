from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import Runtime
from storage import migrate
from storage.db import Database
from tests.fake_slack import FakeSlack
from tests.harness import BOT_TOKEN, SIGNING_SECRET, SlackSender

POSTGRES_URL = os.environ.get("MSI_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings read .env from the working directory; tests must not pick up a developer's file."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if (name.startswith(("SLACK_", "MSI_")) and name != "MSI_TEST_POSTGRES_URL") or name in (
            "DATABASE_URL",
            "PORT",
            "HOST",
            "LOG_LEVEL",
        ):
            monkeypatch.delenv(name, raising=False)


def _fresh_postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("MSI_TEST_POSTGRES_URL is not set")
    name = f"msi_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'msi-bot.db'}"
    else:
        yield from _fresh_postgres_database()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.add_channel("C_MKTO", members=["U_OWNER", "U_MKTO"])
    fake.add_channel("C_SFDC", members=["U_SFDC"])
    for user in ("U_OWNER", "U_MKTO", "U_MKTO2", "U_SFDC", "U_SFDC2", "U_OTHER"):
        fake.add_user(user)
    yield fake
    fake.stop()
    # Whatever the test checked, the bot must never have sent Slack something Slack refuses.
    assert fake.refused == [], f"Slack would have refused: {fake.refused[:3]}"


def make_settings(database_url: str, slack_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_url,
        "database_url": database_url,
        "host": "127.0.0.1",
        "port": 0,
        "msi_working_hours": "always",
    }
    values.update(extra)
    return Settings(**values)


class RunningBot:
    """The real app, started in this process on a free port, and a sender to talk to it like Slack."""

    def __init__(self, database_url: str, fake: FakeSlack, *, clock: Any = None, **settings: Any):
        self.database_url = database_url
        self.fake = fake
        self.settings = make_settings(database_url, fake.url, **settings)
        self.runtime = Runtime(
            self.settings,
            **({"clock": clock} if clock is not None else {}),
            worker_options={"idle_wait": 0.05, "backoff_base": 0.05, "pace": timedelta(milliseconds=20)},
        )
        self.runtime.start()
        self.url = f"http://127.0.0.1:{self.runtime.server.port}"
        self.slack = SlackSender(self.url)

    @property
    def database(self) -> Database:
        return self.runtime.database

    def stop(self) -> None:
        self.slack.close()
        self.runtime.stop()


@pytest.fixture
def bot(database_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    running = RunningBot(database_url, fake_slack)
    yield running
    running.stop()
