"""The reader's language cache (bot/platform/people.py): what is read, when Slack is asked again, dedupe."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.platform.people import REFRESH_AFTER, Readers, reader_language
from bot.slack.directory import SlackProfile
from bot.texts import language_of_locale
from storage.db import Database
from storage.models import SlackPerson

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Profiles:
    """users.info as the Readers see it: counts the asks, can hold them until released."""

    def __init__(self, locale: str | None = "ja-JP") -> None:
        self.locale = locale
        self.asked: list[str] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, user_id: str) -> SlackProfile | None:
        self.asked.append(user_id)
        self.release.wait(5)
        return None if self.locale is None else SlackProfile(locale=self.locale, tz="Asia/Tokyo")


def store(database: Database, user_id: str, locale: str | None, fetched_at: datetime) -> None:
    with database.write() as session:
        session.add(SlackPerson(user_id=user_id, locale=locale, tz=None, fetched_at=fetched_at))


def language(database: Database, user_id: str, fallback: str | None = None) -> str:
    with database.read() as session:
        return reader_language(session, user_id, fallback=fallback)


def settle(readers: Readers) -> None:
    """Let the look-ups asked for so far finish."""
    readers.close(wait=True)


@pytest.mark.parametrize(
    ("locale", "language"), [("ja-JP", "ja"), ("ja", "ja"), ("en-US", "en"), ("fr-FR", "en"), (None, None)]
)
def test_a_slack_locale_maps_to_a_catalog_language(locale: str | None, language: str | None) -> None:
    assert language_of_locale(locale) == language


def test_an_unknown_reader_gets_the_fallback_and_a_known_one_their_own(database: Database) -> None:
    assert language(database, "U1") == "en"
    assert language(database, "U1", fallback="ja") == "ja"
    store(database, "U1", "ja-JP", NOW)
    assert language(database, "U1", fallback="en") == "ja"
    store(database, "U2", None, NOW)  # Slack did not say: as unknown
    assert language(database, "U2", fallback="ja") == "ja"


def test_a_look_up_stores_the_locale_and_time_zone(database: Database) -> None:
    profiles = Profiles()
    readers = Readers(database, lambda: NOW, profiles, pool_size=1)
    readers.look_up_later("U1")
    settle(readers)
    with database.read() as session:
        person = session.get(SlackPerson, "U1")
        assert person is not None and (person.locale, person.tz, person.fetched_at) == (
            "ja-JP",
            "Asia/Tokyo",
            NOW,
        )
    assert profiles.asked == ["U1"]


def test_a_fresh_row_is_not_asked_again_and_a_stale_one_is(database: Database) -> None:
    store(database, "FRESH", "en-US", NOW - REFRESH_AFTER + timedelta(minutes=5))
    store(database, "STALE", "en-US", NOW - REFRESH_AFTER - timedelta(minutes=5))
    profiles = Profiles()
    readers = Readers(database, lambda: NOW, profiles, pool_size=1)
    readers.look_up_later("FRESH")
    readers.look_up_later("STALE")
    settle(readers)
    assert profiles.asked == ["STALE"]
    assert language(database, "STALE") == "ja"
    assert language(database, "FRESH") == "en"


def test_concurrent_look_ups_of_one_person_ask_slack_once(database: Database) -> None:
    profiles = Profiles()
    profiles.release.clear()
    readers = Readers(database, lambda: NOW, profiles, pool_size=2)
    for _ in range(5):
        readers.look_up_later("U1")
    profiles.release.set()
    settle(readers)
    again = Readers(database, lambda: NOW, profiles, pool_size=1)
    again.look_up_later("U1")  # another process: reads the fresh row, does not ask
    settle(again)
    assert profiles.asked == ["U1"]


def test_a_failed_look_up_leaves_the_reader_unknown(database: Database) -> None:
    profiles = Profiles(locale=None)
    readers = Readers(database, lambda: NOW, profiles, pool_size=1)
    readers.look_up_later("U1")
    readers._pool.submit(lambda: None).result(5)  # one thread: the look-up before it is over
    readers.look_up_later("U1")  # not asked again at once
    settle(readers)
    assert profiles.asked == ["U1"]
    assert language(database, "U1", fallback="ja") == "ja"
    with database.read() as session:
        assert session.get(SlackPerson, "U1") is None
