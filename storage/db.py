"""Engine and transaction handling for SQLite (embedded, threads) and PostgreSQL (several processes).

Every request or job runs in exactly one transaction obtained from `read()` or `write()`. On SQLite a write
transaction starts with `BEGIN IMMEDIATE`: a deferred transaction that reads first and then writes fails with
SQLITE_BUSY whatever the busy timeout, because SQLite cannot upgrade its lock while another writer waits.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

_WRITE_OPTION = "msi_write_transaction"
# Work to add to the next write transaction this thread commits: see `Database.finishing_with`.
_URGENT: ContextVar[bool] = ContextVar("msi_urgent_writes", default=False)
_FINISHERS: ContextVar[list[Callable[[Session], None]] | None] = ContextVar("msi_finishers", default=None)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on both back ends: SQLite hands datetimes back naive, so UTC is restored."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def affected_rows(result: Any) -> int:
    """Rows changed by an UPDATE or DELETE (what conditional updates are checked by)."""
    return int(result.rowcount or 0)


class Database:
    """Owns the engine and hands out one session per transaction."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = _create_engine(url, echo=echo)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        # SQLite has one writer at a time; threads that queue on this lock wait their turn instead of
        # polling SQLite's busy handler (which sleeps and retries, and made tail latencies seconds long),
        # and writes made while answering a request go before background ones (see `urgent_writes`).
        # PostgreSQL needs no such lock: its writers wait on row locks only.
        self._sqlite_writer = WriterLock() if self.is_sqlite else None
        # Shared by every worker of this process, so an outage is logged once, not once per worker per pass.
        self.outage = Outage()
        # (hook, mark): a hook runs after each committed write transaction that marked its session with
        # `mark` (see `mark`), or after every one when its mark is None.
        self._after_commit_hooks: list[tuple[Callable[[], None], str | None]] = []
        self._kept_writer: Connection | None = None
        self._kept_driver: PoolProxiedConnection | None = None
        # Committed write transactions that wrote an audit row, in this process. On SQLite, where one
        # process owns the database, this tells exactly when a status answer may have changed.
        self.audit_generation = 0
        self._generation_lock = threading.Lock()

    def on_commit(self, hook: Callable[[], None], *, marked: str | None = None) -> None:
        """Run `hook` after every committed write transaction, or with `marked` only after those whose
        session was marked so (the outbox worker is woken by the transactions that queued a message, not by
        every stored click)."""
        self._after_commit_hooks.append((hook, marked))

    @staticmethod
    def mark(session: Session, mark: str) -> None:
        """Note on this transaction that the hooks registered with `marked=mark` are to run after it."""
        session.info[mark] = True

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        if self._sqlite_writer is None:
            with (
                Session(self._write_engine, expire_on_commit=False, autoflush=True) as session,
                session.begin(),
            ):
                yield session
                _run_finishers(session)
        else:
            with (
                self._sqlite_writer,
                Session(self._write_engine, expire_on_commit=False, autoflush=True) as session,
                session.begin(),
            ):
                yield session
                _run_finishers(session)
            if session.info.get("msi_audited"):
                # Counted after the commit: whoever reads the count before reading the data never sees a
                # count newer than the data (an older one only costs a recomputation).
                with self._generation_lock:
                    self.audit_generation += 1
        for hook, marked in self._after_commit_hooks:
            if marked is None or session.info.get(marked):
                hook()

    @contextmanager
    def write_connection(self, *, run_hooks: bool = True) -> Iterator[Connection]:
        """A write transaction on a bare connection, for a hot path's single statement: the same locking
        and commit hooks as `write()`, without a Session's unit of work. `run_hooks=False` for writes that
        nobody waits for (a heartbeat wakes no worker)."""
        if self._sqlite_writer is None:
            with self._write_engine.begin() as connection:
                yield connection
        else:
            with self._sqlite_writer:
                # One connection kept for these, used only under the writer lock: checking one out of the
                # pool and building its wrapper cost as much as the insert itself.
                if self._kept_writer is None or self._kept_writer.closed or self._kept_writer.invalidated:
                    self._kept_writer = self._write_engine.connect()
                with self._kept_writer.begin():
                    yield self._kept_writer
        if run_hooks:
            for hook, marked in self._after_commit_hooks:
                if marked is None:  # a bare connection carries no marks
                    hook()

    @contextmanager
    def driver_write(self) -> Iterator[Any]:
        """A write transaction on the DB-API connection itself (yielded), for the hottest path's one
        statement: the same writer lock and unmarked commit hooks as `write_connection`, without
        SQLAlchemy's execution of BEGIN and COMMIT (on SQLite, BEGIN IMMEDIATE through its "begin" event
        was as costly as the insert). Errors are raised as SQLAlchemy's, so `is_outage` sees them alike."""
        if self._sqlite_writer is None:
            # PostgreSQL: a pooled connection; psycopg begins the transaction with the first statement.
            pooled = self.engine.raw_connection()
            try:
                with self._driver_errors(pooled):
                    driver = pooled.driver_connection
                    assert driver is not None
                    try:
                        yield driver
                        driver.commit()
                    except BaseException:
                        if pooled.is_valid:
                            driver.rollback()
                        raise
            finally:
                pooled.close()
        else:
            with self._sqlite_writer:
                if self._kept_driver is None or not self._kept_driver.is_valid:
                    self._kept_driver = self.engine.raw_connection()
                kept = self._kept_driver
                with self._driver_errors(kept):
                    driver = kept.driver_connection
                    assert driver is not None
                    driver.execute("BEGIN IMMEDIATE")
                    try:
                        yield driver
                        driver.execute("COMMIT")
                    except BaseException:
                        if driver.in_transaction:
                            driver.execute("ROLLBACK")
                        raise
                if not kept.is_valid:
                    self._kept_driver = None
        for hook, marked in self._after_commit_hooks:
            if marked is None:  # a bare connection carries no marks
                hook()

    @contextmanager
    def _driver_errors(self, pooled: PoolProxiedConnection) -> Iterator[None]:
        """The driver's errors as SQLAlchemy would raise them; a lost connection is not handed out again."""
        dialect = self.engine.dialect
        try:
            yield
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, pooled.dbapi_connection, None)
            if lost:
                pooled.invalidate(error)
            raise DBAPIError.instance(
                None, None, error, dialect.loaded_dbapi.Error, lost, dialect=dialect
            ) from error

    @staticmethod
    @contextmanager
    def finishing_with(finish: Callable[[Session], None]) -> Iterator[Callable[[], bool]]:
        """Add `finish` to the first write transaction this thread commits inside the block, so that a
        piece of queued work is marked done atomically with the change it caused (a crash in between
        cannot make it run twice). Yields a function that tells whether `finish` has run."""
        pending = [finish]
        token = _FINISHERS.set(pending)
        try:
            yield lambda: not pending
        finally:
            _FINISHERS.reset(token)

    @staticmethod
    def defer_finish(session: Session) -> None:
        """This transaction is not the one the queued work finishes with: a later one in the same block is
        (a batch written in chunks finishes its click with its last chunk, so a crash before that leaves
        the click stored and it is tried again)."""
        session.info["msi_defer_finish"] = True

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot on SQLite in WAL mode)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception as error:
            # Probes ask every few seconds: an outage is logged once by `Outage`, not once per probe with
            # its traceback.
            logger.debug("database ping failed: %s", type(error).__name__)
            return False

    def dispose(self) -> None:
        if self._kept_driver is not None:
            self._kept_driver.close()
            self._kept_driver = None
        if self._kept_writer is not None:
            self._kept_writer.close()
            self._kept_writer = None
        self.engine.dispose()


@contextmanager
def urgent_writes() -> Iterator[None]:
    """Write transactions this thread opens inside the block go first on SQLite's writer lock: they
    belong to a request whose acknowledgement Slack expects within 3 seconds."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


class _Batch:
    __slots__ = ("done", "error", "rows")

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...] | dict[str, Any]] = []
        self.done = False
        self.error: BaseException | None = None


class GroupInsert:
    """Rows inserted by many request threads at once, written in one transaction per batch (group commit).

    On SQLite every transaction queues for the one writer, and a thread that holds the writer has to win
    the interpreter lock back from every busy request thread each time SQLite lets go of it (begin,
    insert, commit): under a burst of clicks that queue was most of the acknowledgement's p99. Here the
    first thread to arrive writes its row and every row that arrived meanwhile, in one transaction; the
    others wait, blocked, for the transaction that holds their row. `insert` returns once the row is
    committed, and raises if its transaction failed, so an acknowledgement still means stored.

    The rows go straight to the DB-API cursor (`executemany` of an `INSERT` compiled once for the
    database's dialect, in its paramstyle: `?` for sqlite3, `%(name)s` for psycopg), each value through
    its column type's bind processing, computed once, in a transaction of `Database.driver_write`:
    SQLAlchemy's per-execution compile-cache lookup and parameter processing were half of the insert's
    0.15 ms, and its BEGIN IMMEDIATE as much again. Every row must give exactly `columns`; the
    table's other columns get their database defaults (or NULL), not SQLAlchemy's Python-side ones."""

    def __init__(self, database: Database, table: Table, columns: Sequence[str]):
        self.database = database
        self.columns = tuple(columns)
        dialect = database.engine.dialect
        compiled = table.insert().compile(dialect=dialect, column_keys=list(self.columns))
        self._sql = compiled.string
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        if sorted(names) != sorted(self.columns):
            raise ValueError(f"the insert's parameters {names} are not the columns {list(self.columns)}")
        self._names = tuple(names)
        # Per parameter, the column type's conversion to what the driver takes (UTCDateTime: naive UTC on
        # SQLite), or None when the driver takes the Python value as it is.
        self._processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        )
        self._positional = compiled.positional
        self._state = threading.Condition(threading.Lock())
        self._filling = _Batch()
        self._writing = False

    def _parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if len(row) != len(self._names):
            raise ValueError(f"a row must give exactly {list(self.columns)}")
        values = tuple(
            row[name] if process is None else process(row[name])
            for name, process in zip(self._names, self._processors, strict=True)
        )
        return values if self._positional else dict(zip(self._names, values, strict=True))

    def _execute(self, rows: list[tuple[Any, ...] | dict[str, Any]]) -> None:
        with self.database.driver_write() as driver:
            cursor = driver.cursor()
            try:
                cursor.executemany(self._sql, rows)
            finally:
                cursor.close()

    def insert(self, row: dict[str, Any]) -> None:
        parameters = self._parameters(row)  # a bad row fails its own insert, not its batch
        with self._state:
            batch = self._filling
            batch.rows.append(parameters)
            while self._writing and not batch.done:
                self._state.wait()
            if batch.done:
                if batch.error is not None:
                    raise RuntimeError("storing the row failed") from batch.error
                return
            self._writing = True  # this thread writes the batch; later arrivals fill the next one
            self._filling = _Batch()
        try:
            self._execute(batch.rows)
        except BaseException as error:
            batch.error = error
            raise
        finally:
            with self._state:
                batch.done = True
                self._writing = False
                self._state.notify_all()


class WriterLock:
    """A re-entrant lock where urgent holders (requests being answered) go before waiting background
    work, and background work waiting longer than BACKGROUND_PATIENCE goes anyway, so it is never starved."""

    BACKGROUND_PATIENCE = 0.25

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0
        self._overdue_waiting = 0

    def __enter__(self) -> WriterLock:
        me = threading.get_ident()
        with self._state:
            if self._owner == me:
                self._depth += 1
                return self
            if _URGENT.get():
                self._urgent_waiting += 1
                try:
                    self._state.wait_for(lambda: self._owner is None and not self._overdue_waiting)
                finally:
                    self._urgent_waiting -= 1
            else:
                deadline = time.monotonic() + self.BACKGROUND_PATIENCE
                overdue = False
                try:
                    while True:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0 and not overdue:
                            overdue = True  # from now on urgent newcomers wait for this one
                            self._overdue_waiting += 1
                        if self._owner is None and (overdue or not self._urgent_waiting):
                            break
                        self._state.wait(remaining if remaining > 0 else None)
                finally:
                    if overdue:
                        self._overdue_waiting -= 1
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._state:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._state.notify_all()


def _run_finishers(session: Session) -> None:
    if session.info.get("msi_defer_finish"):
        return
    pending = _FINISHERS.get()
    while pending:
        pending.pop(0)(session)


def _create_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    in_memory = parsed.database in (None, "", ":memory:")
    if in_memory:
        raise ValueError("an in-memory SQLite database cannot be shared by threads; use a file")
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=10,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how each transaction starts (pysqlite would BEGIN lazily).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_sqlite(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_outage(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached (down, restarting, network cut), as opposed to
    a query or data problem: those keep their tracebacks."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):
        message = str(error.orig or error).lower()
        return any(sign in message for sign in _OUTAGE_SIGNS)
    return isinstance(error, ConnectionError)


_OUTAGE_SIGNS = (
    "connection",
    "server closed",
    "terminating",
    "could not connect",
    "timeout",
    "shutting down",
    "the database system is starting up",
    "unable to open database",
    "disk i/o error",
)


class Outage:
    """Whether the database is down, for every worker of the process: one warning when an outage starts,
    one line when it ends, and a capped exponential back-off meanwhile (no traceback per failed pass)."""

    FIRST_WAIT = 0.5
    MAX_WAIT = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failures = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException, who: str) -> float:
        """Note a failure of `who` that is_outage() said is an outage; returns how long `who` should wait."""
        with self._lock:
            self._failures += 1
            if self._since is None:
                self._since = time.monotonic()
                logger.warning(
                    "the database is unreachable (%s, seen by %s); workers wait and retry",
                    type(getattr(error, "orig", None) or error).__name__,
                    who,
                )
            return min(self.FIRST_WAIT * 2 ** min(self._failures - 1, 10), self.MAX_WAIT)

    def guard(self, job: Callable[[], Any], who: str) -> Callable[[], Any]:
        """A scheduled job that, while the database is down, notes the outage instead of raising (the
        scheduler would log a traceback every period); the next run simply tries again."""

        @functools.wraps(job)
        def run() -> Any:
            try:
                result = job()
            except Exception as error:
                if not is_outage(error):
                    raise
                self.failed(error, who)
                return None
            self.succeeded()
            return result

        return run

    def succeeded(self) -> None:
        if self._since is None:
            return
        with self._lock:
            if self._since is None:
                return
            lasted = time.monotonic() - self._since
            self._since, self._failures = None, 0
        logger.warning("the database is reachable again after %.0f s; workers carry on", lasted)
