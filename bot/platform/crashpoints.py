"""Named crash points for the crash-recovery tests: `MSI_CRASH_AT=<name>` makes the process kill itself
(SIGKILL, no clean-up) when it reaches that point. Unset in production, where `reach()` costs one comparison.

Read once from the environment at import, on purpose outside the settings object: it is a test hook, not
configuration, and must never appear in the README's table.
"""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger(__name__)

POINTS = frozenset(
    {
        "rollout_started",  # the rollout is committed, the modal not yet acknowledged
        "click_stored",  # a click is stored, not yet acknowledged nor acted on
        "click_claimed",  # a stored click is claimed by the click worker, not yet acted on
        "step_done",  # a completion is committed, the click not yet acknowledged
        "approval_decided",  # a decision is committed, the click not yet acknowledged
        "csv_downloaded",  # an upload's bytes are stored, no preview yet
        "csv_reading",  # an upload's rows are being read (a thousand so far), no preview yet
        "outbox_claimed",  # an outbox item is claimed, Slack not yet called
        "outbox_delivered",  # Slack accepted a post, the outbox has not recorded it
        "outbox_file_uploaded",  # a file's bytes are at Slack and its id stored, the upload not completed
        "reminder_claimed",  # a reminder is claimed and queued, nothing delivered yet
        "submission_acting",  # a valid modal submission is about to be acted on, nothing written yet
    }
)
_ARMED = os.environ.get("MSI_CRASH_AT", "")


def reach(point: str) -> None:
    if _ARMED and point == _ARMED:
        logger.critical("crash point %s reached: killing the process (MSI_CRASH_AT)", point)
        os.kill(os.getpid(), signal.SIGKILL)
