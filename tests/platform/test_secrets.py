"""Secrets stay secret: `msi-bot run` as a real process at LOG_LEVEL=DEBUG, driven through a rollout with
Salesforce checks (one refused for a bad client), a CSV upload, an audit file and Slack failures, then
stopped with SIGTERM. No token, signing secret or Salesforce credential (nor an access token the org issued)
may show in the process's output, in anything the bot sent to Slack, or anywhere in its database."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from storage.db import Database
from tests.fake_salesforce import FakeSalesforce
from tests.fake_slack import FakeSlack
from tests.flow_helpers import text_of
from tests.harness import SlackSender, block_action, start_form_values, view_submission
from tests.test_cli import bot_env, free_port
from tests.uploads.test_uploads_scenario import GOOD_CSV, message_event, shared_event

BOT_TOKEN = "xoxb-SECRETBOT-91a7c3e5d2f4-8b6a"
SIGNING_SECRET = "SIGNING-SECRET-0f9e8d7c6b5a"
SALESFORCE_CLIENT_ID = "3MVG9-CLIENTID-SECRET-77d1e0c4"
SALESFORCE_CLIENT_SECRET = "SF-CLIENT-SECRET-4c3b2a190f"
# A secret may leak cut or re-encoded: look for distinctive pieces too.
FRAGMENTS = [
    "SECRETBOT-91a7c3e5d2f4",
    "0f9e8d7c6b5a",
    "CLIENTID-SECRET-77d1e0c4",
    "SF-CLIENT-SECRET",
    "4c3b2a190f",
]
WAIT = 20.0


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce(SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET).start()
    yield server
    server.stop()


class BotProcess:
    """`python -m bot.cli run` with its output in files, driven over signed HTTP."""

    def __init__(self, tmp_path: Path, database_url: str, fake: FakeSlack, org: FakeSalesforce):
        self.port = free_port()
        self.stdout_path, self.stderr_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
        env = bot_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            LOG_LEVEL="DEBUG",
            MSI_WORKING_HOURS="always",
            SALESFORCE_URL=org.url,
            SALESFORCE_CLIENT_ID=SALESFORCE_CLIENT_ID,
            SALESFORCE_CLIENT_SECRET=SALESFORCE_CLIENT_SECRET,
        )
        with self.stdout_path.open("w") as stdout, self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env, stdout=stdout, stderr=stderr
            )
        self.slack = SlackSender(f"http://127.0.0.1:{self.port}", SIGNING_SECRET)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the bot did not become healthy: {self.output()[-2000:]}")

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(errors="replace")

    def stop(self) -> int:
        self.slack.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def wait(fake: FakeSlack, predicate: Callable[[], Any]) -> Any:
    return fake.wait_for(predicate, timeout=WAIT)


def step_message(fake: FakeSlack, number: int, channel: str) -> dict[str, Any] | None:
    for message in fake.posts(channel):
        blocks = message["blocks"] or []
        if (
            blocks
            and blocks[0].get("type") == "header"
            and blocks[0]["text"]["text"].startswith(f"Step {number}")
        ):
            return message
    return None


def click(
    bot: BotProcess, fake: FakeSlack, message: dict[str, Any], action_id: str, user: str, name: str
) -> str:
    button = next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    )
    url = fake.response_url(name)
    payload = block_action(
        action_id,
        button["value"],
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=url,
    )
    assert bot.slack.interact(payload).status_code == 200
    return url


def answer_at(fake: FakeSlack, url: str) -> str:
    path = "/" + url.split("127.0.0.1:", 1)[1].split("/", 1)[1]
    found = wait(fake, lambda: [r["body"].get("text", "") for r in fake.responses if r["path"] == path])
    return str(found[0])


def everything_sent_to_slack(fake: FakeSlack) -> str:
    """Every message, update, private answer, view and file the bot sent: bodies, never the headers."""
    with fake.lock:
        parts = [json.dumps(call.params, ensure_ascii=False) for call in fake.calls]
        parts += [json.dumps(response["body"], ensure_ascii=False) for response in fake.responses]
        parts += [json.dumps(view, ensure_ascii=False) for view in fake.views]
        for upload in fake.uploads.values():
            content = upload.get("content") or b""
            parts.append(content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content))
            parts.append(
                json.dumps(
                    {k: v for k, v in upload.items() if k not in ("content", "upload_headers")}, default=str
                )
            )
    return "\n".join(parts)


def everything_in_the_database(database_url: str) -> str:
    database = Database(database_url)
    try:
        rows = []
        with database.read() as session:
            for table in SQLModel.metadata.sorted_tables:
                for row in session.execute(select(table)).all():
                    rows.append(table.name + " " + " ".join(_text(value) for value in row))
        return "\n".join(rows)
    finally:
        database.dispose()


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def leaks(text: str, org: FakeSalesforce) -> list[str]:
    secrets = [BOT_TOKEN, SIGNING_SECRET, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, *FRAGMENTS]
    secrets += org.issued_tokens
    secrets += [token.split("!", 1)[1] for token in org.issued_tokens]  # the token without its org prefix
    return [secret for secret in secrets if secret in text]


def test_no_secret_reaches_the_logs_slack_or_the_database_even_at_debug_level(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, org: FakeSalesforce
) -> None:
    fake = fake_slack
    fake.expected_token = BOT_TOKEN  # the fake serves shared files only with the right bearer token
    bot = BotProcess(tmp_path, database_url, fake, org)
    try:
        # Slack fails now and then: errors and retries get logged, with whatever they carry.
        fake.fail("chat.postMessage", "500")
        fake.fail("chat.postMessage", "drop")
        fake.fail("chat.postMessage", "429")
        fake.fail("conversations.history", "invalid_auth")  # a permanent error, logged, on a look-up
        fake.fail("chat.update", "drop_after")
        fake.fail("conversations.history", "500")
        response = bot.slack.interact(view_submission("msi_start_rollout", start_form_values()))
        assert response.status_code == 200 and not response.content, response.text
        step6 = wait(fake, lambda: step_message(fake, 6, "C_SFDC"))

        passed = answer_at(fake, click(bot, fake, step6, "msi_step_verify", "U_SFDC", "verify-1"))
        assert "every check passed" in passed
        assert org.issued_tokens

        # The org now refuses the client: the session is gone and a new token is refused.
        org.token_error = (400, "invalid_client", "invalid client credentials")
        org.expire_tokens()
        refused = answer_at(fake, click(bot, fake, step6, "msi_step_verify", "U_SFDC", "verify-2"))
        assert "refused the client ID or secret" in refused
        org.token_error = None
        again = answer_at(fake, click(bot, fake, step6, "msi_step_verify", "U_SFDC", "verify-3"))
        assert "every check passed" in again
        click(bot, fake, step6, "msi_step_done", "U_SFDC", "done-6")
        wait(fake, lambda: "Done by <@U_SFDC>" in text_of(step6))

        fake.add_file("F1", "users.csv", GOOD_CSV)
        assert bot.slack.event(message_event("F1", "users.csv")).status_code == 200
        assert bot.slack.event(shared_event("F1")).status_code == 200
        wait(fake, lambda: [m for m in fake.posts("D_MKTO") if "Invitations from" in text_of(m)])
        assert [d for d in fake.downloads if d["path"].startswith("/files/F1")]

        audit = bot.slack.slash("audit", user="U_OWNER", channel="C_MKTO")
        assert audit.status_code == 200
        wait(fake, lambda: [u for u in fake.completed_uploads() if "audit" in str(u["filename"])])

        # And requests that are refused: wrongly signed, unsigned.
        wrong = SlackSender(bot.slack.base_url, "not-the-signing-secret")
        assert wrong.slash("status").status_code == 401
        wrong.close()
        assert (
            bot.slack.post_raw(
                "command=/msi&text=status", "application/x-www-form-urlencoded", sign=False
            ).status_code
            == 401
        )
    finally:
        try:
            status = bot.stop()
        finally:
            bot.kill()
    output = bot.output()
    assert status == 0, output[-3000:]
    assert " DEBUG " in output  # the DEBUG level really was on
    assert "Salesforce" in output or "salesforce" in output  # the Salesforce calls were logged at all
    assert leaks(output, org) == []
    assert leaks(everything_sent_to_slack(fake), org) == []
    assert leaks(everything_in_the_database(database_url), org) == []
