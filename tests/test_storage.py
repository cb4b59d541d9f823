"""Storage: migrations match the models, timestamps stay timezone-aware, SQLite is set up for threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import migrate
from storage.db import Database
from storage.models import AuditEvent


def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def test_migrations_build_exactly_the_schema_of_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrating_twice_and_from_several_threads_at_once_is_harmless(database: Database) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate.upgrade(database)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.read() as session:
        assert session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()


def test_timestamps_come_back_timezone_aware(database: Database) -> None:
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with database.write() as session:
        session.add(AuditEvent(rollout_id=None, at=moment, actor="U1", action="test", details={"k": "v"}))
    with database.read() as session:
        stored = session.scalars(select(AuditEvent)).one()
    assert stored.at == moment
    assert stored.at.tzinfo is not None


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    database.dispose()


def test_concurrent_read_then_write_transactions_do_not_fail_with_busy(database: Database) -> None:
    """Each writer reads, then writes: with deferred transactions SQLite would raise 'database is locked'."""
    with database.write() as session:
        session.add(
            AuditEvent(rollout_id=None, at=datetime.now(UTC), actor="U0", action="counter", details={"n": 0})
        )
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with database.write() as session:
                    row = session.scalars(select(AuditEvent).where(AuditEvent.action == "counter")).one()
                    row.details = {"n": row.details["n"] + 1}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.read() as session:
        row = session.scalars(select(AuditEvent).where(AuditEvent.action == "counter")).one()
    # On SQLite BEGIN IMMEDIATE serialises the writers; on PostgreSQL read-committed may lose updates,
    # which is why the bot uses conditional updates and row locks for anything that counts.
    if database.is_sqlite:
        assert row.details["n"] == 80
