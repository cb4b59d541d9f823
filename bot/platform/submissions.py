"""Modal submissions act once: a view retried by Slack or replayed by anyone is acknowledged and ignored.

A modal closes when its submission is acted on, so a view id seen acting before can only come back as a
retry or a replay (bot buttons are idempotent in their services; free-text modals such as Need help are
not: each submission would flag, audit and tell the owner again).

The view is recorded in the same transaction as the change its submission makes, not before it: a crash
or an error in between would otherwise leave the view recorded and the change not made, and the person's
next try of the same modal would be ignored, losing what they typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.platform import crashpoints
from storage.db import Database, affected_rows
from storage.models import ActedSubmission

logger = logging.getLogger(__name__)

# Signed requests are refused after 5 minutes, so a day is ample to recognise any replay.
KEEP = timedelta(days=1)
MAX_VIEW_ID = 64


def act_once(
    database: Database,
    *,
    now: datetime,
    view_id: str,
    callback_id: str,
    user_id: str,
    act: Callable[[], object],
) -> bool:
    """Call `act` (which acts on a valid submission) unless this view's submission was acted on before.

    The first write transaction `act` commits also records the view, so a second submission of the same
    view fails that transaction, which rolls back: nothing of it is kept. An `act` that wrote nothing
    records the view afterwards. True when `act` ran to the end."""
    if len(view_id) > MAX_VIEW_ID:
        return False  # Slack never sends one
    if not view_id:
        act()  # nothing to recognise it by
        return True

    def remember(session: Session) -> None:
        session.add(
            ActedSubmission(view_id=view_id, callback_id=callback_id[:64], user_id=user_id[:32], acted_at=now)
        )
        session.flush()  # a repeated view fails here, inside the transaction of the change it would make

    try:
        with database.finishing_with(remember) as recorded:
            crashpoints.reach("submission_acting")
            act()
        if not recorded():
            with database.write() as session:
                remember(session)
    except IntegrityError as error:
        if ActedSubmission.__tablename__ not in str(error.orig):
            raise
        logger.info("a submission of view %s arrived again and was ignored", view_id)
        return False
    return True


def prune(database: Database, now: datetime) -> int:
    with database.write() as session:
        return affected_rows(
            session.execute(delete(ActedSubmission).where(col(ActedSubmission.acted_at) < now - KEEP))
        )
