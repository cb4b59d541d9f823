"""The services handlers call, built once and passed in (constructor injection, no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.approvals import ApprovalService
from bot.clicks import ClickQueue
from bot.config import Settings
from bot.flow import StepService
from bot.invitations import InvitationService
from bot.reminders import ReminderService
from bot.reports import ReportService
from bot.rollouts import RolloutService
from bot.slack_directory import SlackDirectory
from bot.uploads import UploadService
from bot.verification import VerificationService
from storage.db import Database

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    database: Database
    clock: Clock
    directory: SlackDirectory
    rollouts: RolloutService
    steps: StepService
    reports: ReportService
    approvals: ApprovalService
    invitations: InvitationService
    uploads: UploadService
    clicks: ClickQueue
    reminders: ReminderService | None = None  # set once built (it needs the scheduler's settings)
    verification: VerificationService | None = None  # only when a Salesforce org is configured
    # Called after an upload was recorded, to wake the import worker without waiting for its next poll.
    on_upload: list[Callable[[], None]] = field(default_factory=list)
