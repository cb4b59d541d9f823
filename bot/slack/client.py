"""The Web API client the bot uses: slack_sdk's, counting Slack's refusals for `/metrics`."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.platform.metrics import Metrics

# Slack's error codes are short snake_case words and its method names dotted camelCase ones; anything else
# is not let into a label.
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,64}")
_METHOD = re.compile(r"[A-Za-z0-9_.]{1,64}")


class MeteredWebClient(WebClient):
    """Every call that Slack answers with an error (or 429) is counted by method and error code, then
    raised as before: the callers' handling is unchanged."""

    def __init__(self, *args: Any, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            if self.metrics is not None:
                self._count(api_method, error)
            raise

    def _count(self, api_method: str, error: SlackApiError) -> None:
        assert self.metrics is not None
        method = api_method if _METHOD.fullmatch(api_method) else "other"
        if error.response.status_code == 429:
            self.metrics.rate_limited.labels(method).inc()
            return
        code = str(error.response.get("error", "") or "unknown")
        self.metrics.slack_errors.labels(method, code if _ERROR_CODE.fullmatch(code) else "other").inc()
