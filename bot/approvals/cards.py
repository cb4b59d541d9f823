"""What an approval request shows, as data other surfaces can list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApprovalCard:
    """What an approval request message shows."""

    approval_id: int
    rollout_name: str
    environment: str
    subject: str
    why: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
