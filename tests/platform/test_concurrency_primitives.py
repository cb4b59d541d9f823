"""The small concurrency pieces behind fast acknowledgements: SQLite's in-process writer lock lets writes
made for a request go before background ones, workers let requests in flight go first, and the count of
audited commits moves exactly when a status may have changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.platform.foreground import Foreground
from storage import migrate, queries
from storage.db import Database, GroupInsert, WriterLock, urgent_writes
from storage.models import PendingClick


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_a_write_for_a_request_goes_before_background_writes_already_waiting() -> None:
    lock = WriterLock()
    lock.BACKGROUND_PATIENCE = 30.0  # no patience run-out in this test
    order: list[str] = []
    holder_may_leave = threading.Event()

    def holder() -> None:
        with lock:
            holder_may_leave.wait(10)

    def background() -> None:
        with lock:
            order.append("background")

    def urgent() -> None:
        with urgent_writes(), lock:
            order.append("urgent")

    first = threading.Thread(target=holder)
    first.start()
    wait_until(lambda: lock._owner is not None)
    waiting_background = threading.Thread(target=background)
    waiting_background.start()
    time.sleep(0.05)  # let it queue first
    waiting_urgent = threading.Thread(target=urgent)
    waiting_urgent.start()
    wait_until(lambda: lock._urgent_waiting == 1)
    holder_may_leave.set()
    for thread in (first, waiting_background, waiting_urgent):
        thread.join(10)
    assert order == ["urgent", "background"]


def test_background_writes_are_not_starved_by_a_stream_of_urgent_ones() -> None:
    lock = WriterLock()
    lock.BACKGROUND_PATIENCE = 0.05
    stop = threading.Event()
    got_it = threading.Event()

    def urgent_stream() -> None:
        with urgent_writes():
            while not stop.is_set():
                with lock:
                    time.sleep(0.001)

    streams = [threading.Thread(target=urgent_stream) for _ in range(3)]
    for thread in streams:
        thread.start()

    def background() -> None:
        with lock:
            got_it.set()

    waiting = threading.Thread(target=background)
    waiting.start()
    try:
        assert got_it.wait(10)
    finally:
        stop.set()
        for thread in [*streams, waiting]:
            thread.join(10)


def test_the_writer_lock_is_reentrant_for_its_holder() -> None:
    lock = WriterLock()
    with lock, lock:
        assert lock._depth == 2
    assert lock._owner is None


def test_workers_yield_until_requests_in_flight_are_answered() -> None:
    foreground = Foreground()
    foreground.yield_to_requests(max_wait=10)  # idle: returns at once (or this test would hang)
    in_request = threading.Event()
    leave = threading.Event()
    yielded = threading.Event()

    def request() -> None:
        with foreground.request():
            in_request.set()
            leave.wait(10)

    def worker() -> None:
        foreground.yield_to_requests(max_wait=30)
        yielded.set()

    serving = threading.Thread(target=request)
    serving.start()
    assert in_request.wait(10)
    waiting = threading.Thread(target=worker)
    waiting.start()
    assert not yielded.wait(0.1)  # still a request in flight
    leave.set()
    assert yielded.wait(10)  # woken when the request ended, long before its 30 s bound
    serving.join(10)
    waiting.join(10)
    assert foreground.in_flight() == 0


def test_the_audit_generation_moves_with_audited_commits_only(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'generation.db'}")
    migrate.upgrade(database)
    try:
        now = datetime.now(UTC)
        start = database.audit_generation
        with database.write() as session:
            queries.audit(session, now=now, rollout_id=None, actor="U1", action="something")
        assert database.audit_generation == start + 1
        with database.write():
            pass
        with database.write_connection():
            pass
        assert database.audit_generation == start + 1
        try:
            with database.write() as session:
                queries.audit(session, now=now, rollout_id=None, actor="U1", action="rolled back")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        assert database.audit_generation == start + 1  # nothing committed, nothing to recompute
    finally:
        database.dispose()


def group_database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'group.db'}")
    migrate.upgrade(database)
    return database


CLICK_COLUMNS = (
    "action_id",
    "value",
    "user_id",
    "response_url",
    "from_home",
    "attempts",
    "not_before",
    "received_at",
)


def click_row(value: str, *, action_id: str | None = "msi_step_done") -> dict[str, object]:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return {
        "action_id": action_id,
        "value": value,
        "user_id": "U1",
        "response_url": None,
        "from_home": False,
        "attempts": 0,
        "not_before": now,
        "received_at": now,
    }


def stored_values(database: Database) -> list[str]:
    with database.read() as session:
        return sorted(str(row.value) for row in session.scalars(select(PendingClick)))


def test_rows_arriving_while_a_batch_is_written_are_stored_together_in_the_next_transaction(
    tmp_path: Path,
) -> None:
    database = group_database(tmp_path)
    commits: list[int] = []
    database.on_commit(lambda: commits.append(1))
    group = GroupInsert(database, PendingClick.__table__, CLICK_COLUMNS)  # type: ignore[attr-defined]
    writer = database._sqlite_writer
    assert writer is not None
    writer.__enter__()  # the first arrival's transaction waits for the writer; the others queue meanwhile
    threads = [threading.Thread(target=group.insert, args=(click_row(str(n)),)) for n in range(10)]
    threads[0].start()
    wait_until(lambda: group._writing)
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: len(group._filling.rows) == 9)
    writer.__exit__()
    for thread in threads:
        thread.join(10)
    assert stored_values(database) == sorted(str(n) for n in range(10))
    assert len(commits) == 2  # the first row alone, then the nine that queued behind it
    database.dispose()


def test_when_a_batch_fails_every_row_of_it_is_refused_and_none_is_stored(tmp_path: Path) -> None:
    database = group_database(tmp_path)
    group = GroupInsert(database, PendingClick.__table__, CLICK_COLUMNS)  # type: ignore[attr-defined]
    writer = database._sqlite_writer
    assert writer is not None
    writer.__enter__()
    outcomes: dict[str, str] = {}

    def insert(row: dict[str, object]) -> None:
        try:
            group.insert(row)
            outcomes[str(row["value"])] = "stored"
        except Exception:
            outcomes[str(row["value"])] = "refused"

    first = threading.Thread(target=insert, args=(click_row("first"),))
    first.start()
    wait_until(lambda: group._writing)
    second = [
        threading.Thread(target=insert, args=(click_row("good"),)),
        threading.Thread(target=insert, args=(click_row("bad", action_id=None),)),  # NOT NULL fails
    ]
    for thread in second:
        thread.start()
    wait_until(lambda: len(group._filling.rows) == 2)
    writer.__exit__()
    for thread in [first, *second]:
        thread.join(10)
    assert outcomes == {"first": "stored", "good": "refused", "bad": "refused"}
    assert stored_values(database) == ["first"]
    group.insert(click_row("later"))  # the failed batch was rolled back: its connection works on
    assert stored_values(database) == ["first", "later"]
    database.dispose()


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_transaction_is_rolled_back(
    database: Database,
) -> None:
    group = GroupInsert(database, PendingClick.__table__, CLICK_COLUMNS)  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError):
        group.insert(click_row("bad", action_id=None))
    group.insert(click_row("good"))
    assert stored_values(database) == ["good"]


def test_rows_stored_through_the_driver_read_back_as_through_sqlalchemy(database: Database) -> None:
    """The insert bypasses SQLAlchemy's parameter processing: timestamps (whole seconds too), flags and
    NULLs must come back, and compare in queries, exactly as rows SQLAlchemy wrote do."""
    group = GroupInsert(database, PendingClick.__table__, CLICK_COLUMNS)  # type: ignore[attr-defined]
    whole = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    fraction = datetime(2026, 12, 1, 9, 30, 0, 250_000, tzinfo=UTC)
    group.insert({**click_row("whole"), "not_before": whole, "received_at": whole})
    group.insert(
        {**click_row("fraction"), "not_before": fraction, "from_home": True, "response_url": "https://x/r"}
    )
    with database.read() as session:
        rows = {row.value: row for row in session.scalars(select(PendingClick))}
        due = session.scalars(
            select(PendingClick.value).where(PendingClick.not_before <= whole)  # type: ignore[arg-type]
        ).all()
    assert rows["whole"].not_before == whole and rows["whole"].received_at == whole
    assert rows["fraction"].not_before == fraction
    assert rows["whole"].from_home is False and rows["fraction"].from_home is True
    assert rows["whole"].response_url is None and rows["fraction"].response_url == "https://x/r"
    assert rows["whole"].claimed_by is None and rows["whole"].attempts == 0
    assert list(due) == ["whole"]  # 09:30:00.25 is later than 09:30, on SQLite's stored text too


def test_a_row_that_does_not_give_exactly_the_columns_is_refused_before_it_joins_a_batch(
    tmp_path: Path,
) -> None:
    database = group_database(tmp_path)
    group = GroupInsert(database, PendingClick.__table__, CLICK_COLUMNS)  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        group.insert({**click_row("extra"), "claimed_by": 7})
    assert stored_values(database) == []
    database.dispose()
