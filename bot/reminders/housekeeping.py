"""Scheduled housekeeping: delivered outbox rows are kept a week for inspection, then removed, and so are
the records of sent reminder digests; personal data of ended rollouts is erased after MSI_RETENTION
(bot/records)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import delete
from sqlmodel import col

from bot.platform import submissions
from bot.records.service import RecordService
from bot.uploads.service import UploadService
from storage.db import Database, affected_rows
from storage.models import OutboxItem, OutboxStatus, ReminderDigest

logger = logging.getLogger(__name__)

KEEP_DELIVERED = timedelta(days=7)
JOB_ID = "msi-outbox-prune"
EXPIRE_JOB_ID = "msi-expire-csv-drafts"


def prune_outbox(database: Database, now: datetime) -> int:
    with database.write() as session:
        removed = affected_rows(
            session.execute(
                delete(OutboxItem).where(
                    col(OutboxItem.status) == OutboxStatus.DONE,
                    col(OutboxItem.delivered_at) < now - KEEP_DELIVERED,
                )
            )
        )
    if removed:
        logger.info("removed %s delivered outbox rows older than %s", removed, KEEP_DELIVERED)
    return removed


# A digest's row matters on its own local date (one digest a day) and until the reminders it listed are
# claimed, in the same sweep: a week is ample.
KEEP_DIGESTS = timedelta(days=7)
DIGESTS_JOB_ID = "msi-prune-reminder-digests"


def prune_digests(database: Database, now: datetime) -> int:
    with database.write() as session:
        removed = affected_rows(
            session.execute(delete(ReminderDigest).where(col(ReminderDigest.sent_at) < now - KEEP_DIGESTS))
        )
    if removed:
        logger.info("removed %s reminder digest records older than %s", removed, KEEP_DIGESTS)
    return removed


SUBMISSIONS_JOB_ID = "msi-prune-acted-submissions"
ABANDONED_JOB_ID = "msi-discard-abandoned-batches"
RETENTION_JOB_ID = "msi-erase-expired-personal-data"


def schedule(
    scheduler: BaseScheduler,
    database: Database,
    clock: Callable[[], datetime],
    uploads: UploadService,
    *,
    records: RecordService,
    retention: timedelta | None,
) -> None:
    def every(job: Callable[[], object], job_id: str, period: timedelta) -> None:
        # Explicit ids with replace_existing: a restart replaces the jobs instead of adding them again.
        scheduler.add_job(
            database.outage.guard(job, job_id),
            "interval",
            seconds=period.total_seconds(),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(min(period.total_seconds(), 3600)),
        )

    every(lambda: prune_outbox(database, clock()), JOB_ID, timedelta(hours=6))
    every(lambda: prune_digests(database, clock()), DIGESTS_JOB_ID, timedelta(hours=6))
    every(lambda: submissions.prune(database, clock()), SUBMISSIONS_JOB_ID, timedelta(hours=1))
    every(uploads.expire_old, EXPIRE_JOB_ID, timedelta(minutes=10))
    # A batch left half written by a click that was given up (invitations.ABANDONED_AFTER).
    every(uploads.invitations.discard_abandoned, ABANDONED_JOB_ID, timedelta(minutes=10))
    if retention is not None:
        # Hourly, though retention counts in days: a restart never postpones an erasure by more than an hour.
        keep = retention
        every(lambda: records.expire(now=clock(), keep=keep), RETENTION_JOB_ID, timedelta(hours=1))
