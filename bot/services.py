"""The services handlers call, built once by `build_services()` and passed in (constructor injection, no
globals, nothing patched in afterwards)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.approvals.service import ApprovalService
from bot.config import Settings
from bot.doctor.service import Doctor
from bot.invitations.service import InvitationService
from bot.platform.clicks import ClickQueue
from bot.platform.foreground import Foreground
from bot.platform.leases import Liveness
from bot.platform.metrics import Metrics
from bot.platform.outbox import Producer
from bot.platform.people import Readers
from bot.records.service import RecordService
from bot.reminders.service import ReminderService
from bot.reports.service import ReportService
from bot.rollouts.service import RolloutService
from bot.slack.access import SlackAccess
from bot.slack.directory import SlackDirectory
from bot.slack.files import FileFetcher
from bot.slack.usergroups import UserGroups
from bot.steps import cards
from bot.steps.salesforce import SalesforceClient
from bot.steps.service import StepService
from bot.steps.verification import VerificationService
from bot.uploads import parsing
from bot.uploads.service import REPORT_SOURCE, UnusableRowsReport, UploadService
from storage.db import Database

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    database: Database
    clock: Clock
    directory: SlackDirectory
    # Slack user groups standing for personas: their members, cached briefly (bot/slack/usergroups.py).
    groups: UserGroups
    # Looks up the Slack locale of the people who ask, after their request was acknowledged.
    readers: Readers
    rollouts: RolloutService
    steps: StepService
    reports: ReportService
    approvals: ApprovalService
    invitations: InvitationService
    uploads: UploadService
    clicks: ClickQueue
    # This process's heartbeat, which every leased queue's claims name (bot/platform/leases.py).
    liveness: Liveness
    reminders: ReminderService
    records: RecordService
    # This process's counters and the queues' depths, for GET /metrics.
    metrics: Metrics
    # Whether Slack still accepts the token; every client of the process stops calling Slack once it does not.
    slack_access: SlackAccess
    doctor: Doctor
    # One client per environment whose Salesforce org is configured (SALESFORCE_*, SALESFORCE_SANDBOX_*).
    salesforce: dict[str, SalesforceClient]
    verification: VerificationService | None  # only when a Salesforce org is configured
    # Set after an upload was recorded: wakes the import worker without waiting for its next poll.
    upload_arrived: threading.Event
    # The files the outbox worker writes only when it sends them (outbox.upload_produced), by source name.
    producers: dict[str, Producer]

    def close(self) -> None:
        self.readers.close()
        self.directory.close()
        for client in self.salesforce.values():
            client.close()


def build_services(
    settings: Settings,
    database: Database,
    *,
    clock: Clock,
    foreground: Foreground,
    slack_client: Callable[..., Any],
) -> Services:
    """Every service, wired once. `slack_client(timeout=…, metrics=…)` makes a Web API client with the bot
    token."""
    metrics = Metrics(database, clock)
    slack_access = SlackAccess()

    def client(**options: Any) -> Any:
        return slack_client(metrics=metrics, access=slack_access, **options)

    directory = SlackDirectory(client(timeout=2))
    groups = UserGroups(client(timeout=2), clock)
    approvals = ApprovalService(database, clock, groups=groups.known)
    invitations = InvitationService(database, clock, approvals, seats=settings.msi_seats, groups=groups.known)
    steps = StepService(
        database, clock, approvals, on_steps_opened=[invitations.steps_opened], groups=groups.known
    )
    rollouts = RolloutService(
        database,
        directory,
        clock,
        approvals,
        groups=groups,
        on_cancel=[invitations.rollout_cancelled],
        on_language_change=[approvals.language_changed, invitations.language_changed],
    )
    salesforce = {
        environment: SalesforceClient(credentials)
        for environment, credentials in settings.salesforce_orgs().items()
    }
    cards.configure_verification(frozenset(salesforce))
    liveness = Liveness(database, foreground=foreground)
    readers = Readers(database, clock, directory.profile)
    uploads = UploadService(
        database,
        clock,
        invitations,
        client(),
        FileFetcher(
            settings.slack_bot_token.get_secret_value(), settings.token_hosts, max_bytes=parsing.MAX_BYTES
        ),
        foreground=foreground,
        liveness=liveness,
        metrics=metrics,
    )
    return Services(
        settings=settings,
        database=database,
        clock=clock,
        directory=directory,
        groups=groups,
        readers=readers,
        rollouts=rollouts,
        steps=steps,
        reports=ReportService(database, clock, approvals, invitations, readers, groups=groups.known),
        approvals=approvals,
        invitations=invitations,
        uploads=uploads,
        # Each click is decided on the current members of the user groups that stand for personas.
        clicks=ClickQueue(
            database,
            clock=clock,
            foreground=foreground,
            liveness=liveness,
            before_each=lambda: groups.refresh_in_use(database),
        ),
        liveness=liveness,
        reminders=ReminderService(
            database,
            clock,
            approvals,
            after=settings.msi_reminder_after,
            escalate_after=settings.msi_escalate_after,
            working_hours=settings.msi_working_hours,
            holidays=settings.msi_holidays,
            is_active_user=directory.is_active_user,
            look_up_person=readers.look_up_now,
            groups=groups,
            metrics=metrics,
        ),
        records=RecordService(database),
        metrics=metrics,
        slack_access=slack_access,
        doctor=Doctor(database, client(timeout=5), salesforce, clock, groups=groups.known),
        salesforce=salesforce,
        verification=VerificationService(database, clock, salesforce, groups=groups.known)
        if salesforce
        else None,
        upload_arrived=threading.Event(),
        producers={REPORT_SOURCE: UnusableRowsReport(uploads)},
    )
