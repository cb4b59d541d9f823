"""`msi-bot playground` as a person runs it, and `msi-bot run`, which never loads the emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MSI_", "DATABASE_URL"))
    }
    environment["PYTHONPATH"] = str(REPO)
    return environment


def test_msi_bot_run_never_loads_the_emulator(tmp_path: Path) -> None:
    # Everything `msi-bot run` builds, up to a started and stopped Runtime; then no playground module.
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "from bot.config import load_settings\n"
        "from bot.runtime import Runtime\n"
        "settings = load_settings(slack_bot_token='xoxb-1', slack_signing_secret='s', host='127.0.0.1',"
        " port=0, database_url='sqlite:///run.db', slack_api_url='http://127.0.0.1:9/api/')\n"
        "runtime = Runtime(settings)\n"
        "runtime.start()\n"
        "runtime.stop()\n"
        "assert main(['run']) == 2  # no settings: refused before starting\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'playground')\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_msi_bot_playground_prints_its_url_serves_the_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "playground", "--port", "0", "--database", "p.db"],
        cwd=tmp_path,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:") and line.endswith("/"), line
        page = httpx.get(line, timeout=10)
        assert page.status_code == 200 and "You are" in page.text
        answer = httpx.post(
            line + "pg/message",
            json={"user": "UOWNER", "channel": "CMKTO", "text": "/msi help"},
            timeout=10,
        )
        assert answer.json() == {"ok": True}
        assert (tmp_path / "p.db").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert process.stdout.read().strip() == ""  # one line, nothing else
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
