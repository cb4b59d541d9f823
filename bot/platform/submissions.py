"""Modal submissions act once: a view retried by Slack or replayed by anyone is acknowledged and ignored.

A modal closes when its submission is acted on, so a view id seen acting before can only come back as a
retry or a replay (bot buttons are idempotent in their services; free-text modals such as Need help are
not: each submission would flag, audit and tell the owner again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.db import Database, affected_rows
from storage.models import ActedSubmission

logger = logging.getLogger(__name__)

# Signed requests are refused after 5 minutes, so a day is ample to recognise any replay.
KEEP = timedelta(days=1)
MAX_VIEW_ID = 64


def first_time(database: Database, *, now: datetime, view_id: str, callback_id: str, user_id: str) -> bool:
    """True the first time a view's submission is acted on; False for the same view again."""
    if not view_id or len(view_id) > MAX_VIEW_ID:
        return not view_id  # no id: nothing to recognise it by; an over-long one Slack never sends
    try:
        with database.write() as session:
            session.add(
                ActedSubmission(
                    view_id=view_id, callback_id=callback_id[:64], user_id=user_id[:32], acted_at=now
                )
            )
    except IntegrityError:
        logger.info("a submission of view %s arrived again and was ignored", view_id)
        return False
    return True


def prune(database: Database, now: datetime) -> int:
    with database.write() as session:
        return affected_rows(
            session.execute(delete(ActedSubmission).where(col(ActedSubmission.acted_at) < now - KEEP))
        )
