"""Leased queues: work stored in a table, claimed by one process at a time, taken over within seconds when
the process holding a claim dies, and never while it lives, however long its work runs.

Why heartbeats rather than leases that expire: a lease long enough for the slowest piece of work (a Slack
call that takes its time, a 5 MB file to read) keeps the work of a crashed process waiting just as long,
and a lease short enough to recover quickly runs out under slow work, so a second process does the same
work again. A heartbeat tells the two cases apart: each process has a `worker_process` row whose
`heartbeat_at` a small thread refreshes every second; a claim stores its holder's id; a claim is free when
its holder's heartbeat is older than `STALE_AFTER` or its row is gone (a clean stop deletes it). Locks that
die with the database session would do the same on PostgreSQL but do not exist on SQLite.

The heartbeat is written with the database's clock (PostgreSQL's `statement_timestamp()`) and compared
with the same clock, so processes on hosts whose clocks disagree still agree on who is alive. (On SQLite
every process is on one host and Python's clock is that clock.)

A process that cannot heartbeat (the database is unreachable from it, its writes are stuck) may have been
declared dead by the others, who then take its claims over. So it stops starting work on claims as soon as
its last heartbeat that reached the database began more than `SAFE_FOR` ago (less than `STALE_AFTER`: the
margin covers the time between that check and the side effect it guards), and when its heartbeats come
back after more than `STALE_AFTER` it registers again under a new id: everything it held under the old id
is free for any process, itself included. Work finishes with a conditional update on its claim (`held`),
so work taken over meanwhile can never be recorded twice; the side effect left unguarded is the one call
already in flight when the heartbeat stopped, which the outbox's retry looks for before repeating it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, insert, literal, select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import func
from sqlmodel import col

from bot.platform.foreground import Foreground
from storage.db import Database, UTCDateTime, affected_rows, is_outage
from storage.models import WorkerProcess

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 1.0
# A claim whose holder has not heartbeat for this long is free: three missed beats.
STALE_AFTER = timedelta(seconds=3)
# How recent this process's last heartbeat must be for it to start work on its claims.
SAFE_FOR = timedelta(seconds=2)
# Rows of processes silent this long are removed (they show recent crashes until then).
FORGET_AFTER = timedelta(hours=1)
# The longest a beat waits for a burst of requests to be answered: beats stay at most this much late, far
# inside the margin between HEARTBEAT_EVERY and SAFE_FOR, so a live process never looks stale for it.
BEAT_YIELD_SECONDS = 0.25


class NotAlive(Exception):
    """This process cannot show it is alive (its heartbeats do not reach the database): its claims may be
    taken over any moment, so no work starts on them."""


class Liveness:
    """This process's row in `worker_process`, kept fresh by a heartbeat thread; one per process."""

    def __init__(
        self,
        database: Database,
        *,
        beat_every: float = HEARTBEAT_EVERY,
        stale_after: timedelta = STALE_AFTER,
        safe_for: timedelta = SAFE_FOR,
        foreground: Foreground | None = None,
        beat_yield: float = BEAT_YIELD_SECONDS,
    ):
        self.database = database
        # Requests being answered, which each beat lets go first, for `beat_yield` at most: beats then
        # start at most `beat_every + beat_yield` apart, which must stay well under `safe_for`.
        self.foreground = foreground
        self.beat_yield = beat_yield
        if beat_every + beat_yield >= safe_for.total_seconds():
            raise ValueError("a beat delayed by a burst of requests would make this process look unsafe")
        self.beat_every = beat_every
        self.stale_after = stale_after
        self.safe_for = safe_for
        self._state = threading.Condition(threading.Lock())
        self._id: int | None = None
        self._beat_began: float | None = None  # time.monotonic() when the last successful beat began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the queues ask

    @property
    def id(self) -> int | None:
        """The id this process holds claims under now (None before the first heartbeat)."""
        with self._state:
            return self._id

    @property
    def beating(self) -> bool:
        """Whether the last heartbeat is recent enough for this process's claims to be safe (/readyz)."""
        with self._state:
            return self._fresh()

    def holder(self, wait: float | None = None) -> int:
        """The id to claim under, once the last heartbeat is recent enough; waits up to `wait` seconds
        (two beats by default) for one, then raises NotAlive."""
        if self._thread is None and not self._stop.is_set():
            with self._state:
                fresh = self._fresh()
            if not fresh:
                # Never started (a test or a tool driving run_once by hand): beat on demand instead.
                self.beat()
        deadline = time.monotonic() + (self.beat_every * 2 if wait is None else wait)
        with self._state:
            while True:
                if self._fresh():
                    assert self._id is not None
                    return self._id
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    raise NotAlive
                self._state.wait(remaining)

    def holds(self, holder: int) -> bool:
        """Whether claims made under `holder` are still safe to work on (see the module's docstring).

        When they are not, the id is given up at the next beat: a claim this process stopped working on
        must not stay held by a process that then looks alive again."""
        with self._state:
            if self._id != holder:
                return False
            if self._fresh():
                return True
            self._beat_began = None
            return False

    def give_up(self) -> None:
        """Drop the current id at the next beat, and with it every claim made under it (for a claim that
        could not even be released: it must not stay held by a process that is not working on it)."""
        with self._state:
            self._beat_began = None

    def _fresh(self) -> bool:
        return (
            self._id is not None
            and self._beat_began is not None
            and time.monotonic() - self._beat_began < self.safe_for.total_seconds()
        )

    # -- the process's life

    def start(self) -> None:
        """Register (so claims can be made at once) and start the heartbeat thread."""
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the row: whatever this process still holds is free at once."""
        self._stop.set()
        with self._state:
            self._state.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._state:
            gone, self._id, self._beat_began = self._id, None, None
        if gone is None:
            return
        try:
            with self.database.write_connection(run_hooks=False) as connection:
                connection.execute(delete(WorkerProcess).where(col(WorkerProcess.id) == gone))
        except Exception:
            # The claims free themselves once the heartbeat is stale; a stop must not fail for this.
            logger.warning("could not remove this process's heartbeat row; it goes stale by itself")

    def _loop(self) -> None:
        # Beats are due every `beat_every` from the last one's due time, so the waits for bursts of
        # requests never add up into a late beat.
        due = time.monotonic() + self.beat_every
        while not self._stop.wait(max(due - time.monotonic(), 0.0)):
            now = time.monotonic()
            due = due + self.beat_every if due + self.beat_every > now else now + self.beat_every
            if self.foreground is not None:
                self.foreground.yield_to_requests(max_wait=self.beat_yield)
            try:
                self.beat()
            except Exception as error:
                if is_outage(error):
                    self.database.outage.failed(error, "heartbeat")
                else:
                    logger.exception("heartbeat failed; trying again in %.0f s", self.beat_every)
            else:
                self.database.outage.succeeded()

    def beat(self) -> None:
        """One heartbeat: a one-row update (a new registration when the last beat is too old to trust)."""
        began = time.monotonic()
        with self._state:
            current, last = self._id, self._beat_began
        lapsed = last is None or began - last >= self.stale_after.total_seconds()
        with self.database.write_connection(run_hooks=False) as connection:
            refreshed = 0
            if current is not None and not lapsed:
                refreshed = affected_rows(
                    connection.execute(
                        update(WorkerProcess)
                        .where(col(WorkerProcess.id) == current)
                        .values(heartbeat_at=database_now(self.database))
                    )
                )
            if refreshed != 1:
                # First beat, or others may have declared this process dead (its row gone, or its beats
                # stale): claims made under the old id are given up, and it lives on under a new one.
                if current is not None:
                    connection.execute(delete(WorkerProcess).where(col(WorkerProcess.id) == current))
                    logger.warning(
                        "heartbeat %s lapsed; its claims may be taken over; carrying on under a new id",
                        current,
                    )
                connection.execute(
                    delete(WorkerProcess).where(
                        col(WorkerProcess.heartbeat_at) < seconds_ago(self.database, FORGET_AFTER)
                    )
                )
                now = database_now(self.database)
                result = connection.execute(
                    insert(WorkerProcess).values(
                        host=socket.gethostname()[:255], pid=os.getpid(), started_at=now, heartbeat_at=now
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                current = int(key[0])
        with self._state:
            self._id, self._beat_began = current, began
            self._state.notify_all()


def database_now(database: Database) -> Any:
    """ "Now" on the database's clock, as a SQL expression (see the module's docstring)."""
    if database.is_sqlite:
        return literal(datetime.now(UTC), UTCDateTime())
    return func.statement_timestamp()


def seconds_ago(database: Database, span: timedelta) -> Any:
    if database.is_sqlite:
        return literal(datetime.now(UTC) - span, UTCDateTime())
    return func.statement_timestamp() - literal(span)


class LeasedQueue:
    """One table of queued work, claimed through `Liveness`: which rows are due, claiming one, backing off,
    counting attempts, and the condition that finishes work only while its claim is still held.

    The table has `id`, `attempts`, `not_before` and `claimed_by`. `ready` narrows what may be claimed
    (a status, say); `backoff(attempts)` is the wait before a failed attempt is tried again;
    `max_attempts` (None: without end) is what `exhausted` compares with.
    """

    def __init__(
        self,
        database: Database,
        liveness: Liveness,
        model: type[Any],
        *,
        ready: Callable[[], ColumnElement[bool]] | None = None,
        backoff: Callable[[int], timedelta] = lambda attempts: timedelta(seconds=2**attempts),
        max_attempts: int | None = None,
    ):
        self.database = database
        self.liveness = liveness
        self.model = model
        self._ready = ready
        self.backoff = backoff
        self.max_attempts = max_attempts

    def _is_ready(self) -> ColumnElement[bool]:
        return self._ready() if self._ready is not None else true()

    def free(self) -> ColumnElement[bool]:
        """Unclaimed, or claimed by a process that is gone or has not heartbeat for STALE_AFTER."""
        holder = self.model.claimed_by
        return holder.is_(None) | ~exists().where(
            col(WorkerProcess.id) == holder,
            col(WorkerProcess.heartbeat_at) >= seconds_ago(self.database, self.liveness.stale_after),
        )

    def due(self, *, now: datetime, limit: int, columns: Sequence[Any] | None = None) -> Sequence[Any]:
        """The ids (or `columns`) of the rows that may be claimed now, oldest first."""
        with self.database.read() as session:
            return session.execute(
                select(*(columns or [self.model.id]))
                .where(self._is_ready(), self.model.not_before <= now, self.free())
                .order_by(self.model.id)
                .limit(limit)
            ).all()

    def claim(
        self, session: Session, item_id: int, *, holder: int, also: ColumnElement[bool] | None = None
    ) -> bool:
        """Claim one due row for `holder` in the caller's write transaction (`also`: a further condition);
        counts the attempt. False when another process was first or the row is no longer due."""
        conditions = [self.model.id == item_id, self._is_ready(), self.free()]
        if also is not None:
            conditions.append(also)
        claimed = session.execute(
            update(self.model)
            .where(*conditions)
            .values(claimed_by=holder, attempts=self.model.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(claimed) == 1

    def held(self, item_id: int, holder: int | None = None) -> ColumnElement[bool]:
        """The row, while still claimed by `holder` (this process's current id by default): what work is
        finished with, so that work another process took over is never recorded twice."""
        return (self.model.id == item_id) & (
            self.model.claimed_by == (holder if holder is not None else self.liveness.id)
        )

    def release(self, session: Session, item_id: int, **values: Any) -> bool:
        """Give the claim up (setting `values` too) if this process still holds it."""
        released = session.execute(
            update(self.model)
            .where(self.held(item_id))
            .values(claimed_by=None, **values)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(released) == 1

    def retry_later(
        self, session: Session, item_id: int, *, now: datetime, attempts: int, after: timedelta | None = None
    ) -> bool:
        """Give the claim up and make the row due again after the back-off (or `after`)."""
        wait = self.backoff(attempts) if after is None else after
        return self.release(session, item_id, not_before=now + wait)

    def abandon(self, item_id: int) -> None:
        """Work on a claim stopped short (the database went away mid-way): give the claim up, so that it is
        tried again at once rather than left held by a live process no longer working on it; if even that
        fails, this process gives up its id and every claim with it."""
        try:
            with self.database.write() as session:
                self.release(session, item_id)
        except Exception:
            self.liveness.give_up()

    def exhausted(self, attempts: int) -> bool:
        return self.max_attempts is not None and attempts >= self.max_attempts
