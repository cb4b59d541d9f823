"""What `GET /metrics` shows, in Prometheus' text format (prometheus-client).

No label carries personal data or people's ids: requests are labelled by kind and HTTP status, Slack errors
by Web API method and Slack's error code, reminders by what was reminded of. Queue depths and ages are read
from the database at each scrape, so every process of a deployment reports the same, whole queues.

One registry per process (not prometheus-client's global one) so that tests starting several bots in one
process each see their own counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from storage.db import Database
from storage.models import CsvDraft, DraftStatus, OutboxItem, OutboxStatus, PendingClick

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# What a request from Slack is; anything else a signed body says is counted as "other".
REQUEST_KINDS = frozenset(
    {"command", "block_actions", "view_submission", "view_closed", "event_callback", "url_verification"}
)
# Up to Slack's 3 s deadline, finer where acknowledgements usually are.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


def request_kind(body: object) -> str:
    """The kind of a parsed request body, one of REQUEST_KINDS or "other"."""
    if not isinstance(body, dict):
        return "other"
    if body.get("command"):
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in REQUEST_KINDS else "other"


class Metrics:
    def __init__(self, database: Database, clock: Callable[[], datetime]):
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "msi_requests",
            "Requests from Slack, by kind and HTTP status (refused ones included: kind 'unverified')",
            ["kind", "status"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "msi_ack_seconds",
            "Time from a request's arrival to its acknowledgement, by kind",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.slack_errors = Counter(
            "msi_slack_errors",
            "Web API calls Slack answered with an error, by method and Slack's error code",
            ["method", "error"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "msi_slack_rate_limited",
            "Web API calls Slack refused with 429 (rate limited), by method",
            ["method"],
            registry=self.registry,
        )
        self.reminder_sweeps = Counter(
            "msi_reminder_sweeps", "Reminder sweeps run by this process", registry=self.registry
        )
        self.reminders_sent = Counter(
            "msi_reminders_sent",
            "Reminders sent, by what they remind of (step, approval), and digests (kind digest)",
            ["kind"],
            registry=self.registry,
        )
        self.csv_imports = Counter(
            "msi_csv_imports",
            "Uploaded CSV files read, by outcome (previewed, refused)",
            ["outcome"],
            registry=self.registry,
        )
        self.csv_rows = Counter(
            "msi_csv_rows_read", "Rows read from uploaded CSV files", registry=self.registry
        )
        self.registry.register(QueueCollector(database, clock))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class QueueCollector(Collector):
    """The depth and the age of the oldest due item of each queue, read from the database at scrape time."""

    def __init__(self, database: Database, clock: Callable[[], datetime]):
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("msi_queue_depth", "Items waiting in each queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "msi_queue_oldest_seconds",
            "How long the oldest due item of each queue has waited",
            labels=["queue"],
        )
        now = self.clock()
        try:
            with self.database.read() as session:
                queues = (
                    ("outbox", OutboxItem.not_before, col(OutboxItem.status) == OutboxStatus.PENDING),
                    ("clicks", PendingClick.not_before, None),
                    ("csv_imports", CsvDraft.not_before, col(CsvDraft.status) == DraftStatus.PENDING),
                )
                for name, due_column, waiting in queues:
                    query = select(func.count(), func.min(col(due_column)))
                    if waiting is not None:
                        query = query.where(waiting)
                    count, first = session.execute(query).one()
                    depth.add_metric([name], float(count))
                    age = max((now - first).total_seconds(), 0.0) if first is not None else 0.0
                    oldest.add_metric([name], age)
        except SQLAlchemyError as error:
            # A scrape during a database outage shows the other metrics; /readyz says the database is down.
            logger.debug("queue metrics unavailable: %s", type(error).__name__)
            return
        yield depth
        yield oldest
