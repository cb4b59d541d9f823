"""The leased queue's heartbeat rules on a real database, with two `Liveness` objects standing for two
processes (short thresholds, so the test does not wait seconds): a live holder keeps its claim, a holder
that stopped heartbeating loses it, stops working on it, and cannot record work that was taken over."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot.platform.foreground import Foreground
from bot.platform.leases import LeasedQueue, Liveness
from storage.db import Database, affected_rows
from storage.models import PendingClick, WorkerProcess

STALE = timedelta(seconds=0.6)
SAFE = timedelta(seconds=0.4)


def a_process(database: Database) -> Liveness:
    return Liveness(database, beat_every=0.1, stale_after=STALE, safe_for=SAFE)


def stored_click(database: Database) -> int:
    now = datetime.now(UTC)
    with database.write() as session:
        click = PendingClick(action_id="b", value="1", user_id="U1", not_before=now, received_at=now)
        session.add(click)
        session.flush()
        assert click.id is not None
        return click.id


def claim(queue: LeasedQueue, item_id: int) -> bool:
    holder = queue.liveness.holder()
    with queue.database.write() as session:
        return queue.claim(session, item_id, holder=holder)


def test_a_live_holder_keeps_its_claim_and_a_clean_stop_frees_it_at_once(database: Database) -> None:
    first, second = a_process(database), a_process(database)
    first.start()
    try:
        mine, theirs = LeasedQueue(database, first, PendingClick), LeasedQueue(database, second, PendingClick)
        click_id = stored_click(database)
        assert claim(mine, click_id)
        time.sleep(STALE.total_seconds() * 3)  # far longer than the threshold: the heartbeat keeps it
        assert not claim(theirs, click_id)
        assert first.holds(first.holder())
    finally:
        first.stop()
    with database.read() as session:
        assert [p.id for p in session.scalars(select(WorkerProcess))] == [second.id]
    assert claim(theirs, click_id)  # the stopped process's row is gone: free without waiting


def test_a_holder_that_stopped_heartbeating_loses_its_claim_and_cannot_finish_it(database: Database) -> None:
    silent, survivor = a_process(database), a_process(database)
    held_by_silent = LeasedQueue(database, silent, PendingClick)
    held_by_survivor = LeasedQueue(database, survivor, PendingClick)
    click_id = stored_click(database)
    old_id = silent.holder()  # never started: it beat once, on demand, and then goes quiet
    assert claim(held_by_silent, click_id)
    assert not claim(held_by_survivor, click_id)

    time.sleep(STALE.total_seconds() + 0.2)
    # It may have been declared dead: it starts no work on what it holds...
    assert not silent.holds(old_id)
    # ...and the survivor takes the claim over.
    assert claim(held_by_survivor, click_id)
    with database.write() as session:
        late = session.execute(delete(PendingClick).where(held_by_silent.held(click_id, old_id)))
        assert affected_rows(late) == 0  # finishing under the old claim changes nothing
    # When it beats again it lives on under a new id, so nothing it held under the old one stays stuck.
    assert silent.holder() != old_id
    with database.read() as session:
        assert old_id not in set(session.scalars(select(WorkerProcess.id)))
        assert session.get(PendingClick, click_id).claimed_by == survivor.id  # type: ignore[union-attr]


def test_a_process_registered_after_another_is_gone_never_gets_its_id(database: Database) -> None:
    gone = a_process(database)
    gone_id = gone.holder()
    click_id = stored_click(database)
    assert claim(LeasedQueue(database, gone, PendingClick), click_id)
    gone.stop()  # its row is deleted; its claim is left behind (a stop that could not release it, say)
    successor = a_process(database)
    # Were the id handed out again (SQLite reuses a deleted row's id unless told not to), the successor
    # would look like the holder of that claim and nobody would ever take it.
    assert successor.holder() != gone_id
    assert claim(LeasedQueue(database, successor, PendingClick), click_id)


def heartbeat_at(database: Database, process_id: int | None) -> datetime | None:
    with database.read() as session:
        row = session.get(WorkerProcess, process_id)
        return None if row is None else row.heartbeat_at


def test_beats_wait_while_requests_are_being_answered_and_go_once_they_are(database: Database) -> None:
    foreground = Foreground()
    # A long allowance (and thresholds to match) so that "waiting" is plain to see: no beat for 0.5 s.
    process = Liveness(
        database,
        beat_every=0.1,
        stale_after=timedelta(seconds=10),
        safe_for=timedelta(seconds=8),
        foreground=foreground,
        beat_yield=5.0,
    )
    process.start()
    try:
        with foreground.request():
            time.sleep(0.2)  # a beat already in flight when the request came may still land
            during = heartbeat_at(database, process.id)
            time.sleep(0.5)
            assert heartbeat_at(database, process.id) == during
        deadline = time.monotonic() + 5
        while heartbeat_at(database, process.id) == during and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heartbeat_at(database, process.id) != during
    finally:
        process.stop()


def test_a_live_holder_keeps_its_claim_while_requests_never_stop(database: Database) -> None:
    """Yielding to requests is bounded: a burst that never ends delays beats, never stops them."""
    # Wider thresholds than the other tests': beats are 0.1 s apart plus up to 0.25 s of yielding, and a
    # beat on a loaded machine (PostgreSQL, CI) takes its own time on top; the margin to `safe_for` must
    # hold that, as the real 1 s + 0.25 s against 2 s does.
    stale, safe = timedelta(seconds=1.8), timedelta(seconds=1.2)
    foreground = Foreground()
    holder = Liveness(database, beat_every=0.1, stale_after=stale, safe_for=safe, foreground=foreground)
    other = Liveness(database, beat_every=0.1, stale_after=stale, safe_for=safe)
    holder.start()
    try:
        with foreground.request():
            click_id = stored_click(database)
            assert claim(LeasedQueue(database, holder, PendingClick), click_id)
            for _ in range(20):  # 4 s, more than twice the stale threshold
                time.sleep(0.2)
                assert holder.holds(holder.holder(wait=0))
            assert not claim(LeasedQueue(database, other, PendingClick), click_id)
    finally:
        holder.stop()


def test_a_beat_allowed_to_wait_past_the_safety_margin_is_refused() -> None:
    with pytest.raises(ValueError):
        Liveness(None, beat_every=1.0, safe_for=timedelta(seconds=2), beat_yield=1.0)  # type: ignore[arg-type]
