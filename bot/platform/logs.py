"""Logging set-up with a last line of defence: known secrets are replaced in every record, at every level.

Plain text by default; `LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message,
and the rollout and request kind when the code that logs is handling one: see `context`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"
# Slack tokens of any kind, whatever variable they came from.
_TOKEN_PATTERN = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted(
            {secret for secret in secrets if secret and len(secret) >= 6}, key=len, reverse=True
        )

    def scrub(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return _TOKEN_PATTERN.sub(REDACTED, value)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if scrubbed != message or record.args:
            record.msg = scrubbed
            record.args = None
        return True


FORMATS = ("text", "json")
# Libraries that narrate their start-up at INFO (Alembic's "Context impl…", APScheduler's "Added job…",
# waitress's "Serving on…"): below INFO, so an INFO log shows the bot's own lines. Their warnings still show.
QUIET_LIBRARIES = ("alembic", "apscheduler", "waitress")

# What the current thread is handling, for JSON logs: the request kind and the rollout, once known.
_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("msi_log_context", default={})  # noqa: B039 - never mutated; each `context` sets a new dict


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Within the block, JSON log lines carry these fields (None values are left out), on top of any the
    caller's block set."""
    merged = {**_CONTEXT.get(), **{key: value for key, value in fields.items() if value is not None}}
    token = _CONTEXT.set(merged)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; the message is the one the secret filter left."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _CONTEXT.get().items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str, secrets: Iterable[str], *, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # DEBUG asks for everything, the libraries' narration included.
    quiet = logging.NOTSET if level == "DEBUG" else max(logging.getLevelName(level), logging.WARNING)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(quiet)
