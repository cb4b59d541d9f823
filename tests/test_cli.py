"""`msi-bot run` as a real process: exit 2 on bad settings without echoing them, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fake_slack import FakeSlack

REPO_ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-CLI-BOT-TOKEN-4242"
SIGNING_SECRET = "cli-signing-secret-8c1f0e"
CLEARED = ("SLACK_", "MSI_")


@dataclass
class Finished:
    status: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def lines_naming(self, variable: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(f"msi-bot: {variable}:")]


def bot_env(**values: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CLEARED) and name not in ("DATABASE_URL", "HOST", "PORT", "LOG_LEVEL")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env.update(values)
    return env


def run_to_end(cwd: Path, **values: str) -> Finished:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=cwd,
        env=bot_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Finished(result.returncode, result.stdout, result.stderr)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_a_bot_token_run_exits_2_naming_the_variable(tmp_path: Path) -> None:
    finished = run_to_end(tmp_path)
    assert finished.status == 2
    assert len(finished.lines_naming("SLACK_BOT_TOKEN")) == 1
    assert "Traceback" not in finished.stderr


def test_bad_settings_exit_2_with_one_line_each_and_never_print_the_token(tmp_path: Path) -> None:
    finished = run_to_end(
        tmp_path,
        SLACK_BOT_TOKEN="xoxp-SUPER-SECRET-999",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        MSI_SWEEP_EVERY="soon",
    )
    assert finished.status == 2
    assert len(finished.lines_naming("SLACK_BOT_TOKEN")) == 1
    assert len(finished.lines_naming("MSI_SWEEP_EVERY")) == 1
    assert len(finished.stderr.strip().splitlines()) == 2
    assert "SUPER-SECRET-999" not in finished.output
    assert SIGNING_SECRET not in finished.output
    assert "soon" not in finished.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MSI_WORKING_HOURS", "Mon-Fry 09:00-18:00"), ("MSI_HOLIDAYS", "JP,XX")],
    ids=["malformed working hours", "unknown holiday country"],
)
def test_a_bad_value_exits_2_naming_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    finished = run_to_end(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, **{variable: value}
    )
    assert finished.status == 2
    assert len(finished.lines_naming(variable)) == 1
    assert "Traceback" not in finished.stderr


def launch(tmp_path: Path, fake_slack: FakeSlack, **values: str) -> tuple[subprocess.Popen[str], int]:
    """`msi-bot run` against the fake Slack, on a free port, its output piped; `values` add to or replace
    the environment's settings."""
    port = free_port()
    env = bot_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        HOST="127.0.0.1",
        PORT=str(port),
        **values,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, port


def start_bot(tmp_path: Path, fake_slack: FakeSlack, **values: str) -> tuple[subprocess.Popen[str], int]:
    """`msi-bot run` over HTTP (Slack's requests signed with SIGNING_SECRET)."""
    return launch(tmp_path, fake_slack, SLACK_SIGNING_SECRET=SIGNING_SECRET, **values)


def test_a_valid_configuration_serves_health_and_stops_cleanly_on_sigterm_without_leaking_secrets(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process, port = start_bot(tmp_path, fake_slack, LOG_LEVEL="DEBUG")
    try:
        response = health(port)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        stdout, stderr = stop_within_10_seconds(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = stdout + stderr
    assert "DEBUG" in output  # the DEBUG level really was on
    assert BOT_TOKEN not in output
    assert "CLI-BOT-TOKEN" not in output
    assert SIGNING_SECRET not in output


def run_in_socket_mode(tmp_path: Path, fake_slack: FakeSlack) -> tuple[subprocess.Popen[str], int]:
    return launch(tmp_path, fake_slack, SLACK_APP_TOKEN="xapp-1-A111-socket-token")


def health(port: int, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop_within_10_seconds(process: subprocess.Popen[str]) -> tuple[str, str]:
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert time.monotonic() - signalled < 10, stderr[-3000:]
    assert process.returncode == 0, stderr[-3000:]
    return stdout, stderr


def test_socket_mode_asks_for_a_connection_with_the_app_token_and_serves_health_meanwhile(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process, port = run_in_socket_mode(tmp_path, fake_slack)
    try:
        opened = fake_slack.wait_for(lambda: fake_slack.calls_to("apps.connections.open"))
        assert opened[0].headers["authorization"] == "Bearer xapp-1-A111-socket-token"
        # The fake's WebSocket URL answers nobody: not connected, so not ready, and it says why.
        answer = health(port)
        assert answer.status_code == 503 and "socket mode not connected" in answer.json()["reason"]
        # Without a signing secret there is no HTTP endpoint for Slack's requests in Socket Mode.
        assert httpx.post(f"http://127.0.0.1:{port}/slack/events", content=b"{}").status_code == 404
    finally:
        stdout, stderr = stop_within_10_seconds(process)
    assert "xapp-1-A111-socket-token" not in stdout + stderr


def test_socket_mode_with_a_bad_app_token_is_not_ready_says_why_once_and_stops_on_sigterm(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.socket_mode_error = "invalid_auth"
    process, port = run_in_socket_mode(tmp_path, fake_slack)
    try:
        fake_slack.wait_for(lambda: len(fake_slack.calls_to("apps.connections.open")) >= 2, timeout=15)
        answer = health(port)
        assert answer.status_code == 503
        assert answer.json()["reason"] == "socket mode not connected: invalid_auth"
    finally:
        stdout, stderr = stop_within_10_seconds(process)
    output = stdout + stderr
    assert output.count("Socket Mode could not connect (invalid_auth)") == 1, output[-3000:]
    assert "Failed to retrieve WSS URL" not in output
    assert "cannot schedule new futures" not in output
    assert "Traceback" not in output
    assert "xapp-1-A111-socket-token" not in output


def test_log_format_json_writes_one_json_object_per_line_without_library_start_up_noise(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process, port = start_bot(tmp_path, fake_slack, LOG_FORMAT="JSON")
    try:
        assert health(port).status_code == 200
        stdout, stderr = stop_within_10_seconds(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = [line for line in (stdout + stderr).splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    messages = [entry["message"] for entry in entries]
    assert any(message.startswith("msi-bot listening on 127.0.0.1:") for message in messages)
    assert "msi-bot stopped" in messages
    # Alembic's and APScheduler's start-up narration stays below INFO.
    assert not [e for e in entries if e["logger"].startswith(("alembic", "apscheduler"))], entries
    assert BOT_TOKEN not in stdout + stderr and SIGNING_SECRET not in stdout + stderr


def test_an_unknown_log_format_exits_2_naming_the_variable(tmp_path: Path) -> None:
    finished = run_to_end(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, LOG_FORMAT="yaml"
    )
    assert finished.status == 2
    assert finished.lines_naming("LOG_FORMAT") == ["msi-bot: LOG_FORMAT: must be text or json"]
