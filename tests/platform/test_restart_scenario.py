"""Everything survives a restart: buttons posted before keep working, undelivered notifications go out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from storage.db import Database
from storage.models import OutboxItem
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import click, start_rollout, step_states, text_of, wait_step_message
from tests.harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackSender,
    block_action,
    start_form_values,
    view_submission,
)
from tests.test_cli import bot_env, free_port


def test_buttons_posted_before_a_restart_keep_working(database_url: str, fake_slack: FakeSlack) -> None:
    first = RunningBot(database_url, fake_slack)
    try:
        rollout_id = start_rollout(first)
        step1 = wait_step_message(first, 1, "C_MKTO")
    finally:
        first.stop()
    second = RunningBot(database_url, fake_slack)
    try:
        click(second, step1, "msi_step_done", "U_MKTO")
        second.fake.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1))
        wait_step_message(second, 3, "C_MKTO")
        assert step_states(second, rollout_id)[3] == "open"
    finally:
        second.stop()


def test_notifications_not_delivered_before_a_stop_are_delivered_after_the_restart(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", "500", times=1000)
    first = RunningBot(database_url, fake_slack)
    try:
        response = first.slack.interact(view_submission("msi_start_rollout", start_form_values()))
        assert response.status_code == 200 and not response.content
        fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 3)
    finally:
        first.stop()
    assert fake_slack.posts() == []
    fake_slack.failures.clear()
    second = RunningBot(database_url, fake_slack)
    try:
        wait_step_message(second, 1, "C_MKTO")
        wait_step_message(second, 6, "C_SFDC")
        fake_slack.wait_for(lambda: fake_slack.posts("D_OWNER"))
    finally:
        second.stop()


def _spawn(tmp_path: Path, database_url: str, fake: FakeSlack, port: int) -> subprocess.Popen[str]:
    env = bot_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        MSI_WORKING_HOURS="always",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the bot did not become healthy")


def test_kill_9_right_after_a_rollout_starts_loses_nothing(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack
) -> None:
    port = free_port()
    # Slack is failing while the rollout starts, so nothing is delivered before the process dies.
    fake_slack.fail("chat.postMessage", "500", times=1000)
    process = _spawn(tmp_path, database_url, fake_slack, port)
    sender = SlackSender(f"http://127.0.0.1:{port}")
    try:
        response = sender.interact(view_submission("msi_start_rollout", start_form_values()))
        assert response.status_code == 200 and not response.content
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    fake_slack.failures.clear()
    process = _spawn(tmp_path, database_url, fake_slack, port)
    try:
        posted = fake_slack.wait_for(
            lambda: [m for m in fake_slack.posts("C_MKTO") if m["blocks"]], timeout=20
        )
        step1 = posted[0]
        fake_slack.wait_for(lambda: fake_slack.posts("D_OWNER"))
        done_button = next(
            e
            for b in step1["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "msi_step_done"
        )
        sender.interact(
            block_action(
                "msi_step_done",
                done_button["value"],
                user="U_MKTO",
                channel="C_MKTO",
                message_ts=step1["ts"],
                response_url=fake_slack.response_url("k9"),
            )
        )
        fake_slack.wait_for(lambda: "Done by <@U_MKTO>" in text_of(step1), timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        sender.close()
    database = Database(database_url)
    try:
        with database.read() as session:
            statuses = {item.status for item in session.scalars(select(OutboxItem))}
        assert statuses <= {"done", "pending"}
    finally:
        database.dispose()
