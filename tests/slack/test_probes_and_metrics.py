"""`/livez`, `/readyz` (and its alias `/healthz`) and `/metrics` over HTTP, on the running bot."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.platform import readiness
from bot.runtime import MeteredSocketModeHandler
from storage import migrate
from storage.db import Database
from storage.models import OutboxItem
from tests.conftest import RunningBot
from tests.flow_helpers import start_rollout
from tests.harness import start_form_values, view_submission
from tests.uploads.test_uploads_scenario import GOOD_CSV, upload, wait_preview


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition, 0 when it is absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(pattern, _sorted_labels(line))
        if match:
            return float(match.group(1))
    return 0.0


def _sorted_labels(line: str) -> str:
    head, _, value = line.rpartition(" ")
    if "{" not in head:
        return line
    name, _, rest = head.partition("{")
    labels = sorted(rest.rstrip("}").split(","))
    return f"{name}{{{','.join(labels)}}} {value}"


def test_livez_and_readyz_answer_200_when_all_is_well(bot: RunningBot) -> None:
    assert httpx.get(f"{bot.url}/livez").json() == {"status": "ok"}
    for path in ("/readyz", "/healthz"):
        response = httpx.get(f"{bot.url}{path}")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert httpx.post(f"{bot.url}/readyz").status_code == 405


def test_readyz_says_why_when_a_worker_stopped_and_livez_stays_200(bot: RunningBot) -> None:
    bot.runtime.importer.stop(timeout=2)
    response = httpx.get(f"{bot.url}/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "the import worker is not running"}
    assert httpx.get(f"{bot.url}/healthz").json() == response.json()
    assert httpx.get(f"{bot.url}/livez").status_code == 200


def test_readiness_reports_an_outbox_that_does_not_drain(database: Database) -> None:
    now = datetime.now(UTC)
    head = migrate.head()
    assert readiness.not_ready(database, now, schema_head=head) is None
    long_ago = now - timedelta(minutes=30)
    with database.write() as session:
        session.add(
            OutboxItem(kind="post", target="C1", payload={}, not_before=long_ago, created_at=long_ago)
        )
    reason = readiness.not_ready(database, now, schema_head=head)
    assert reason is not None and reason.startswith("the outbox is stuck: 1 notifications due since ")
    # Due a moment ago only: delivering, not stuck.
    assert readiness.not_ready(database, long_ago + timedelta(minutes=5), schema_head=head) is None
    assert readiness.not_ready(database, now, schema_head="9999") == (
        f"the database schema is at {head}, this version needs 9999"
    )


def test_metrics_count_requests_by_kind_and_status_and_show_the_queues(bot: RunningBot) -> None:
    start_rollout(bot)
    assert bot.slack.slash("help").status_code == 200
    assert (
        bot.slack.post_raw("command=%2Fmsi", "application/x-www-form-urlencoded", sign=False).status_code
        == 401
    )
    bot.fake.fail("users.info", "user_not_found")
    response = httpx.get(f"{bot.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert metric(text, "msi_requests_total", kind="command", status="200") >= 1
    assert metric(text, "msi_requests_total", kind="view_submission", status="200") >= 1
    assert metric(text, "msi_requests_total", kind="unverified", status="401") == 1
    assert metric(text, "msi_ack_seconds_count", kind="command") >= 1
    assert 'msi_queue_depth{queue="outbox"}' in text and 'msi_queue_oldest_seconds{queue="clicks"}' in text
    # No label carries a person's id.
    assert "U_OWNER" not in text and "U_MKTO" not in text


def test_slack_errors_are_counted_by_method_and_error(bot: RunningBot) -> None:
    bot.fake.fail("chat.postMessage", "channel_not_found", times=1)
    # The first step's post is refused: the bot tells the owner, and counts Slack's error.
    assert bot.slack.interact(view_submission("msi_start_rollout", start_form_values())).status_code == 200
    bot.fake.wait_for(
        lambda: (
            metric(
                httpx.get(f"{bot.url}/metrics").text,
                "msi_slack_errors_total",
                method="chat.postMessage",
                error="channel_not_found",
            )
            == 1
        )
    )


class RecordingSocket:
    """Stands for the WebSocket client: keeps the responses the handler sends back over it."""

    def __init__(self) -> None:
        self.sent: list[SocketModeResponse] = []
        self.logger = logging.getLogger("test.socket")

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent.append(response)


def test_socket_mode_requests_are_answered_and_counted_like_http_ones(bot: RunningBot) -> None:
    handler = MeteredSocketModeHandler(
        bot.runtime.app, "xapp-1-A111-socket", metrics=bot.runtime.services.metrics
    )
    socket = RecordingSocket()
    request = SocketModeRequest(
        type="slash_commands",
        envelope_id="env-1",
        payload={
            "command": "/msi",
            "text": "help",
            "user_id": "U_MKTO",
            "channel_id": "C_MKTO",
            "team_id": "T111",
            "trigger_id": "t",
            "response_url": bot.fake.response_url("socket"),
        },
    )
    handler.handle(socket, request)  # type: ignore[arg-type]
    (sent,) = socket.sent
    assert sent.envelope_id == "env-1" and "/msi start" in str(sent.payload)
    text = httpx.get(f"{bot.url}/metrics").text
    assert metric(text, "msi_requests_total", kind="command", status="200") == 1
    assert metric(text, "msi_ack_seconds_count", kind="command") == 1


def samples(bot: RunningBot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, read with prometheus-client's own parser (so the exposition is valid)."""
    text = httpx.get(f"{bot.url}/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_exposition_parses_and_csv_imports_are_counted_with_their_rows(bot: RunningBot) -> None:
    start_rollout(bot)
    before = samples(bot)
    assert before[("msi_csv_rows_read_total", ())] == 0
    upload(bot, "F1", "users.csv", GOOD_CSV)
    wait_preview(bot)
    after = samples(bot)
    assert after[("msi_csv_imports_total", (("outcome", "previewed"),))] == 1
    assert after[("msi_csv_rows_read_total", ())] == 5
    assert after[("msi_requests_total", (("kind", "event_callback"), ("status", "200")))] >= 2
    upload(bot, "F2", "broken.csv", b"\x00\x01\x02 not a csv at all")
    bot.fake.wait_for(lambda: samples(bot).get(("msi_csv_imports_total", (("outcome", "refused"),))) == 1)
