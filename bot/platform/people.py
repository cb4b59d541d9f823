"""Which language a person reads: their Slack locale, looked up after the acknowledgement and cached.

Everything private (answers, refusals, previews, direct messages, modals, App Home) is in the reader's
language, from `users.info`'s `locale`, cached in the SlackPerson table (shared by every process) and asked
again after REFRESH_AFTER. Slack is never asked before an acknowledgement: a request from someone the table
does not know is answered in the fallback its caller gives (the language of the rollout in context, else
English), and `Readers.look_up_later`, called by the handlers once they have acknowledged, asks Slack on a
background thread. The person's next answer is in their own language.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.slack.directory import SlackProfile
from bot.texts import Texts, known_language, language_of_locale
from storage import queries
from storage.db import Database
from storage.models import Rollout, SlackPerson

logger = logging.getLogger(__name__)

# A locale rarely changes; a day-old one is asked again, and still used until the new answer is in.
REFRESH_AFTER = timedelta(hours=24)
# After a failed look-up (Slack unreachable, user_not_found) this process waits before asking again.
RETRY_AFTER_FAILURE_SECONDS = 300.0
# How long a process answers from its own memory of a person's language before reading the row again (a
# look-up by another process may have changed it).
KNOWN_LANGUAGE_SECONDS = 300.0
# How long `language_now` waits for a look-up already running (Slack's own timeout is 2 s: bot/services.py).
LOOKUP_WAIT_SECONDS = 2.0


def reader_language(session: Session, user_id: str, *, fallback: str | None = None) -> str:
    """The language `user_id` reads: their Slack locale's when it is known, else `fallback` (the rollout in
    context's language), else the default. Reads the cache only: Slack is never asked here."""
    return known_language_of(session, user_id) or known_language(fallback)


def known_language_of(session: Session, user_id: str) -> str | None:
    """The language of `user_id`'s Slack locale from the cache; None when it is not known (yet)."""
    person = session.get(SlackPerson, user_id) if user_id else None
    return language_of_locale(person.locale) if person is not None else None


def rollout_language(session: Session, rollout_id: int | None) -> str | None:
    """The language of a rollout's channel posts, the fallback for its readers; None without a rollout."""
    rollout = session.get(Rollout, rollout_id) if rollout_id is not None else None
    return rollout.language if rollout is not None else None


def reader_texts(session: Session, user_id: str, *, fallback: str | None = None) -> Texts:
    """The Texts of the language `user_id` reads (see `reader_language`)."""
    return Texts.of(reader_language(session, user_id, fallback=fallback))


class Readers:
    """Looks up people's Slack locales in the background, once per person at a time, and caches them."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        profile: Callable[[str], SlackProfile | None],
        *,
        pool_size: int = 2,
    ):
        self.database = database
        self.clock = clock
        self.profile = profile
        self._pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="locale-lookup")
        self._lock = threading.Lock()
        # The look-ups running, each with the event set when it is over (`language_now` may wait for one).
        self._in_flight: dict[str, threading.Event] = {}
        # Until when (time.monotonic) this process knows the person's row is fresh, or waits after a failure:
        # spares a database read on every request of someone already known.
        self._settled_until: dict[str, float] = {}
        # Languages known from stored rows, until when (time.monotonic) this process trusts them without
        # reading the row again: a private answer then costs no database read at all (it was two on every
        # /msi help, a fifth of its time and the largest part of its extra cost over a bare Bolt app).
        self._languages: dict[str, tuple[str, float]] = {}

    def close(self, *, wait: bool = False) -> None:
        """Stop: look-ups not started yet are dropped (the next request asks again), unless `wait`, which
        lets every look-up asked for so far finish first."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def texts(self, user_id: str, *, rollout_id: int | None = None, channel_id: str = "") -> Texts:
        """The Texts `user_id` reads, from the cache; until it is known, the language of the rollout in
        context (`rollout_id`, or the one rollout using `channel_id`), else English."""
        cached = self._remembered(user_id)
        if cached is not None:
            return Texts.of(cached)
        with self.database.read() as session:
            known = self._known_in(session, user_id)
            if known is not None:
                return Texts.of(known)
            # Not known yet: the rollout in context's language, read only now.
            fallback = rollout_language(session, rollout_id)
            if fallback is None and channel_id:
                here = queries.rollouts_using_channel(session, channel_id=channel_id)
                fallback = here[0].language if len(here) == 1 else None
            return Texts.of(known_language(fallback))

    def known_language(self, user_id: str) -> str | None:
        """The language of `user_id`'s Slack locale from the cache (this process's memory first, then the
        stored row); None when it is not known."""
        cached = self._remembered(user_id)
        if cached is not None:
            return cached
        with self.database.read() as session:
            return self._known_in(session, user_id)

    def _remembered(self, user_id: str) -> str | None:
        cached = self._languages.get(user_id)
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None

    def _known_in(self, session: Session, user_id: str) -> str | None:
        known = known_language_of(session, user_id)
        if known is not None:
            self._languages[user_id] = (known, time.monotonic() + KNOWN_LANGUAGE_SECONDS)
        return known

    def language_now(self, user_id: str) -> str | None:
        """`known_language`, asking Slack at once (short timeout) when the cache does not know it. Only for
        work done after the acknowledgement that cannot wait for the background look-up: the Start a
        rollout modal, opened after the ack, preselects its language from the owner's locale."""
        language = self.known_language(user_id)
        if language is not None:
            return language
        with self._lock:
            if self._settled_until.get(user_id, 0.0) > time.monotonic():
                return None  # asked lately, and Slack did not tell
            running = self._in_flight.get(user_id)
            if running is None:
                self._in_flight[user_id] = threading.Event()
        if running is not None:
            running.wait(LOOKUP_WAIT_SECONDS)  # the background look-up, already asking: its answer
        else:
            self._refresh(user_id)
        return self.known_language(user_id)

    def look_up_now(self, user_id: str) -> None:
        """Ask Slack for `user_id`'s locale and time zone at once, unless their row is fresh, a look-up is
        running or one failed lately. For background jobs only, never on a request path and never inside a
        write transaction: the reminder sweep learns the zones of people who never used the bot."""
        if not user_id:
            return
        with self._lock:
            if self._settled_until.get(user_id, 0.0) > time.monotonic():
                return
            running = self._in_flight.get(user_id)
            if running is None:
                self._in_flight[user_id] = threading.Event()
        if running is not None:
            running.wait(LOOKUP_WAIT_SECONDS)
            return
        self._refresh(user_id)

    def look_up_later(self, user_id: str) -> None:
        """Refresh `user_id`'s locale on a background thread, unless it is fresh or already being looked up.
        Only called once the person's request has been acknowledged; returns at once."""
        if not user_id:
            return
        with self._lock:
            if user_id in self._in_flight or self._settled_until.get(user_id, 0.0) > time.monotonic():
                return
            self._in_flight[user_id] = threading.Event()
        try:
            self._pool.submit(self._refresh, user_id)
        except RuntimeError:  # shutting down: the next process asks
            with self._lock:
                self._in_flight.pop(user_id).set()

    def _refresh(self, user_id: str) -> None:
        settled_for = RETRY_AFTER_FAILURE_SECONDS
        try:
            settled_for = self._refresh_row(user_id)
        except Exception:
            logger.exception("storing a person's Slack locale failed")
        finally:
            with self._lock:
                self._settled_until[user_id] = time.monotonic() + settled_for
                self._languages.pop(user_id, None)  # the row may have changed: read it again next time
                done = self._in_flight.pop(user_id, None)
            if done is not None:
                done.set()

    def _refresh_row(self, user_id: str) -> float:
        """Ask Slack unless the stored row is fresh; how long (seconds) this process need not ask again."""
        with self.database.read() as session:
            person = session.get(SlackPerson, user_id)
            fetched_at = person.fetched_at if person is not None else None
        if fetched_at is not None:
            age = self.clock() - fetched_at
            if age < REFRESH_AFTER:
                return (REFRESH_AFTER - age).total_seconds()
        found = self.profile(user_id)
        if found is None:
            return RETRY_AFTER_FAILURE_SECONDS
        now = self.clock()
        try:
            with self.database.write() as session:
                person = session.get(SlackPerson, user_id)
                if person is None:
                    session.add(
                        SlackPerson(user_id=user_id, locale=found.locale, tz=found.tz, fetched_at=now)
                    )
                else:
                    person.locale, person.tz, person.fetched_at = found.locale, found.tz, now
        except IntegrityError:
            pass  # another process stored the same person in the meantime: its answer is as good
        return REFRESH_AFTER.total_seconds()
