"""Whether Slack still accepts the bot's token, shared by every Web API client of the process.

Once Slack says the app was uninstalled or its token revoked (the `app_uninstalled` and `tokens_revoked`
events, or a call answered `token_revoked`, `invalid_auth`, …), the bot stops calling Slack: the outbox
keeps every undelivered notification, `/readyz` says why, and the log says it once. The state lives in the
process, so a restart with a working token resumes by itself: each process learns a refusal from its own
first refused call, or from the event if it is the one that receives it.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)

# Slack's errors that mean the token itself is refused, whatever the call; REVOKED ones say it for good.
REVOKED = frozenset({"account_inactive", "token_revoked", "token_expired"})
TOKEN_ERRORS = REVOKED | {"invalid_auth", "not_authed"}


class SlackAccess:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refused: str | None = None

    @property
    def refused(self) -> str | None:
        """Why Slack refuses the token (an error code or event type), or None while it accepts it."""
        return self._refused

    def refuse(self, reason: str) -> None:
        with self._lock:
            if self._refused is not None:
                return
            self._refused = reason
        logger.error(
            "Slack refused the bot token (%s): no more calls to Slack until the bot is restarted with a "
            "working SLACK_BOT_TOKEN; undelivered notifications are kept and will be delivered then",
            reason,
        )

    def not_ready(self) -> str | None:
        reason = self._refused
        if reason is None:
            return None
        return f"Slack refused the bot token ({reason}); reinstall the app and restart with the new token"
