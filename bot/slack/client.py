"""The Web API client the bot uses: slack_sdk's, counting Slack's refusals for `/metrics`, and silent once
Slack refuses the token (bot/slack/access.py)."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.platform.metrics import Metrics
from bot.slack.access import REVOKED, TOKEN_ERRORS, SlackAccess

# Calls made whatever Slack thinks of the bot token: auth.test is how `doctor` tells whether it works
# again, and apps.connections.open (Socket Mode) is made with the app-level token, whose refusals are
# Socket Mode's own to report.
_ALWAYS_ASKED = frozenset({"auth.test", "apps.connections.open"})

# Slack's error codes are short snake_case words and its method names dotted camelCase ones; anything else
# is not let into a label.
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,64}")
_METHOD = re.compile(r"[A-Za-z0-9_.]{1,64}")


class MeteredWebClient(WebClient):
    """Every call that Slack answers with an error (or 429) is counted by method and error code, then
    raised as before: the callers' handling is unchanged."""

    def __init__(
        self, *args: Any, metrics: Metrics | None = None, access: SlackAccess | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        self.access = access

    def __deepcopy__(self, memo: dict[int, Any]) -> MeteredWebClient:
        # Bolt deep-copies each request, client included, for its lazy listeners. This client holds no
        # per-request state (its token is fixed) and is shared by every thread already; a copy would also
        # copy the process's metrics and token state, which must stay one.
        return self

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        refused = self.access.refused if self.access is not None else None
        if refused is not None and api_method not in _ALWAYS_ASKED:
            # Answered here as Slack would answer it, so every caller handles it as it handles Slack's.
            raise SlackApiError(
                f"not called: the token was refused ({refused})", self._refusal(api_method, refused)
            )
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            if self.metrics is not None:
                self._count(api_method, error)
            code = str(error.response.get("error", "")) if isinstance(error.response.data, dict) else ""
            if self.access is not None and code in TOKEN_ERRORS and api_method not in _ALWAYS_ASKED:
                self._token_refused(code)
            raise

    def _token_refused(self, code: str) -> None:
        """A call was refused for the token. Revocation is final; a bare `invalid_auth` is first confirmed
        by auth.test, so that one odd answer does not stop the bot until a restart."""
        assert self.access is not None
        if code not in REVOKED:
            try:
                self.auth_test()
                return
            except SlackApiError as confirmation:
                confirmed = confirmation.response.get("error", "")
                if confirmed not in TOKEN_ERRORS:
                    return
                code = str(confirmed)
            except (OSError, ValueError):
                return  # Slack unreachable: nothing is known about the token
        self.access.refuse(code)

    def _refusal(self, api_method: str, refused: str) -> SlackResponse:
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + api_method,
            req_args={},
            data={"ok": False, "error": refused if refused in TOKEN_ERRORS else "token_revoked"},
            headers={},
            status_code=200,
        )

    def _count(self, api_method: str, error: SlackApiError) -> None:
        assert self.metrics is not None
        method = api_method if _METHOD.fullmatch(api_method) else "other"
        if error.response.status_code == 429:
            self.metrics.rate_limited.labels(method).inc()
            return
        code = str(error.response.get("error", "") or "unknown")
        self.metrics.slack_errors.labels(method, code if _ERROR_CODE.fullmatch(code) else "other").inc()
