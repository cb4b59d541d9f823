"""Alembic environment: always run from storage.migrate with a connection already in a transaction."""

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers the tables on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.migrate.upgrade(), which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
