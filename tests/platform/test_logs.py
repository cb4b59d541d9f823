"""Log lines: the JSON form carries the context fields, and the secret filter applies to both forms."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.platform import logs
from tests.conftest import RunningBot
from tests.flow_helpers import start_rollout

SECRET = "signing-secret-abcdef"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in before[0]:
        root.addHandler(handler)
    root.setLevel(before[1])
    for library in logs.QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.NOTSET)


def configure(stream: io.StringIO, level: str = "INFO", log_format: str = "text") -> None:
    logs.configure(level, [SECRET], log_format=log_format)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def test_json_lines_carry_the_context_and_no_secret(captured: io.StringIO) -> None:
    configure(captured, log_format="json")
    log = logging.getLogger("bot.test")
    with logs.context(kind="block_actions"):
        with logs.context(rollout=12, ignored=None):
            log.info("token %s and secret %s", "xoxb-123-abc", SECRET)
        log.warning("outer")
    log.error("no context")
    first, second, third = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["message"] == "token [redacted] and secret [redacted]"
    assert (first["kind"], first["rollout"], first["level"], first["logger"]) == (
        "block_actions",
        12,
        "INFO",
        "bot.test",
    )
    assert "ignored" not in first
    assert second["kind"] == "block_actions" and "rollout" not in second
    assert "kind" not in third and third["level"] == "ERROR"


def test_an_exception_is_one_json_line_with_its_traceback_scrubbed(captured: io.StringIO) -> None:
    configure(captured, log_format="json")
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        logging.getLogger("bot.test").exception("it failed")
    (line,) = captured.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "it failed"
    assert "RuntimeError: failed with [redacted]" in entry["exception"] and SECRET not in line


def test_library_narration_is_below_info_unless_debug_is_asked_for(captured: io.StringIO) -> None:
    configure(captured)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("apscheduler.scheduler").warning("job missed")
    logging.getLogger("bot.x").info("ours")
    text = captured.getvalue()
    assert "Context impl" not in text and "job missed" in text and "ours" in text
    configure(captured, level="DEBUG")
    logging.getLogger("alembic.runtime.migration").info("Will assume transactional DDL.")
    assert "transactional DDL" in captured.getvalue()


def test_an_outbox_delivery_logs_with_its_rollout_and_kind(captured: io.StringIO, bot: RunningBot) -> None:
    configure(captured, log_format="json")
    bot.fake.fail("chat.postMessage", "internal_error")
    rollout_id = start_rollout(bot)
    entries = [json.loads(line) for line in captured.getvalue().splitlines() if line.startswith("{")]
    retried = [e for e in entries if e["logger"] == "bot.platform.outbox" and "will retry" in e["message"]]
    assert retried and retried[0]["rollout"] == rollout_id and retried[0]["kind"] == "outbox"
