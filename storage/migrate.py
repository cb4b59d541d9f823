"""Apply Alembic migrations at start, safely when several processes start at once.

PostgreSQL: a transaction-scoped advisory lock serialises the processes; the second one finds the schema at
head and does nothing. SQLite: the migration runs in a `BEGIN IMMEDIATE` transaction, which holds the
database's single write lock for the same effect. DDL is transactional on both, so a crash mid-way leaves
the previous schema.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# An arbitrary, fixed key for pg_advisory_xact_lock: "msi-bot" in ASCII, as an integer.
_ADVISORY_LOCK_KEY = 0x6D73692D626F74


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    config = alembic_config()
    with database.write() as session:
        connection = session.connection()
        if not database.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(database: Database) -> str | None:
    """The database's revision (None for an empty database)."""
    with database.read() as session:
        return MigrationContext.configure(session.connection()).get_current_revision()


def current_and_head(database: Database) -> tuple[str | None, str | None]:
    return current(database), head()


def at_head(database: Database) -> bool:
    current, head = current_and_head(database)
    return current == head
