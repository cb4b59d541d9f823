"""What `/readyz` checks beyond the process's own threads: the schema and the outbox.

Shared by the probe and by `doctor`: a notification due longer than STUCK_AFTER and still undelivered
means the outbox is not draining (Slack refusing every call, or no process delivering).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.platform import outbox
from storage import migrate
from storage.db import Database

STUCK_AFTER = timedelta(minutes=10)


def not_ready(database: Database, now: datetime, *, schema_head: str | None) -> str | None:
    """Why the deployment cannot work from this process's view, or None."""
    try:
        current = migrate.current(database)
        if current != schema_head:
            return f"the database schema is at {current or 'none'}, this version needs {schema_head}"
        with database.read() as session:
            count, oldest = outbox.due_backlog(session, now=now)
    except SQLAlchemyError:
        return "the database does not answer"
    if oldest is not None and now - oldest > STUCK_AFTER:
        return f"the outbox is stuck: {count} notifications due since {oldest.isoformat(timespec='seconds')}"
    return None
