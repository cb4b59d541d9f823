"""Shared pieces of the benchmark scripts: the bot and a bare-Bolt baseline started in this process on free
ports, a seeded rollout, signed request bodies, and a load generator in a child process.

Not a test and not imported by the bot. Every loop here is bounded in count and in time, and all traffic goes
to 127.0.0.1.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import itertools
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

EVENTS_PATH = "/slack/events"
SLACK_DEADLINE = 3.0  # Slack shows an error when an acknowledgement takes longer than this


# --------------------------------------------------------------------------- the machine and the environment


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, nproc={cores}, {cpu}, "
        f"Python {platform.python_version()} ({sys.executable}), {platform.system()} {platform.release()}\n"
        f"  code: {code_version()}; {load()} at start"
    )


def load() -> str:
    """The machine's load average: other work on these 2 cores skews every figure."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def code_version() -> str:
    """The commit measured, and whether the bot's code had uncommitted changes (read-only git calls)."""
    import subprocess

    try:
        head = subprocess.run(  # noqa: S603
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        changed = subprocess.run(  # noqa: S603
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "bot", "handlers", "storage"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "git unavailable"
    return f"commit {head or '?'}" + (
        f" + uncommitted changes in {len(changed)} files of bot/, handlers/, storage/" if changed else ""
    )


def isolate_environment() -> Path:
    """What tests/conftest.py does per test: run in an empty directory (no .env), no SLACK_/MSI_ settings."""
    workdir = Path(tempfile.mkdtemp(prefix="msi-bench-"))
    os.chdir(workdir)
    atexit.register(_remove_databases, workdir)
    for name in list(os.environ):
        if (name.startswith(("SLACK_", "MSI_")) and name != "MSI_TEST_POSTGRES_URL") or name in (
            "DATABASE_URL",
            "PORT",
            "HOST",
            "LOG_LEVEL",
        ):
            del os.environ[name]
    return workdir


def _remove_databases(workdir: Path) -> None:
    """At exit: the SQLite files go (tens of MB for the sweep); the bot's log stays for inspection."""
    for path in workdir.glob("*.db*"):
        path.unlink(missing_ok=True)


def configure_logging(workdir: Path) -> Path:
    """As `msi-bot run` does with its default LOG_LEVEL=INFO (secrets scrubbed), so logging costs what it
    costs in production; but written to a file in `workdir` rather than flooding the terminal."""
    import logging

    from bot.platform import logs
    from tests.harness import BOT_TOKEN, SIGNING_SECRET

    logs.configure("INFO", [BOT_TOKEN, SIGNING_SECRET])
    path = workdir / "bot.log"
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(path.open("a", encoding="utf-8"))
    return path


def log_summary(path: Path) -> str:
    """How many lines the bot logged, and how many of them were warnings or errors (shown)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    bad = [line for line in lines if " WARNING " in line or " ERROR " in line or " CRITICAL " in line]
    shown = "".join(f"\n    {line[:200]}" for line in bad[:5])
    return f"{len(lines)} log lines in {path}, {len(bad)} warnings or errors{shown}"


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each live thread of this process, by thread name
    (numbered pool threads grouped), read from /proc: interpreter-lock time and time in C code alike."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = names.get(int(task.name), "unnamed (C or exited)")
        group = name.rstrip("0123456789-_ ").removesuffix(" Thread").removesuffix("Thread")
        totals[group] = totals.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals


def cpu_by_thread(before: dict[str, float], after: dict[str, float]) -> str:
    used = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in after}
    busy = sorted(((v, k) for k, v in used.items() if v >= 0.05), reverse=True)
    return ", ".join(f"{name or '?'} {seconds:.2f} s" for seconds, name in busy)


def rss_bytes() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in bytes, from /proc/self/status."""
    values = {"VmRSS": 0, "VmHWM": 0}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in values:
            values[key] = int(rest.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def malloc_trim() -> bool:
    """Ask glibc to give freed heap memory back to the system (what RSS keeps but Python no longer uses)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):
        return False


def mib(value: float) -> str:
    return f"{value / (1024 * 1024):.1f} MiB"


# --------------------------------------------------------------------------- fake Slack, ours, the baseline


def start_fake() -> Any:
    """tests/conftest.py's fake_slack fixture."""
    from tests.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.add_channel("C_MKTO", members=["U_OWNER", "U_MKTO"])
    fake.add_channel("C_SFDC", members=["U_SFDC"])
    for user in ("U_OWNER", "U_MKTO", "U_MKTO2", "U_SFDC", "U_SFDC2", "U_OTHER"):
        fake.add_user(user)
    return fake


def start_ours(workdir: Path, fake: Any) -> Any:
    """tests/conftest.py's RunningBot: the real Runtime on a SQLite file, on a free port, against the fake;
    then the interpreter's turns are shortened and the start-up heap is frozen, as `msi-bot run` does
    (bot.runtime.shorten_interpreter_turns, bot.runtime.freeze_startup_heap). The turns are a setting of
    the whole process, so the baseline, measured in the same process, runs with them too."""
    from bot.runtime import freeze_startup_heap, shorten_interpreter_turns
    from tests.conftest import RunningBot

    bot = RunningBot(f"sqlite:///{workdir / 'msi-bot.db'}", fake)
    shorten_interpreter_turns()
    freeze_startup_heap()
    return bot


@dataclass
class Baseline:
    """A bare slack_bolt.App whose listeners only ack, behind the same WSGI app and HTTP server as ours."""

    server: Any
    database: Any
    url: str

    def stop(self) -> None:
        self.server.stop()
        self.database.dispose()


def start_baseline(workdir: Path, fake: Any) -> Baseline:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.server import HttpServer, SlackWsgiApp
    from storage.db import Database
    from tests.harness import BOT_TOKEN, SIGNING_SECRET

    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=fake.url, timeout=2),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
        # As in ours (bot/app.py): the front door below checks the signature, once, before parsing the body.
        request_verification_enabled=False,
    )

    @app.command("/msi")
    def command(ack: Ack) -> None:
        ack()

    @app.action("msi_step_done")
    def step_done(ack: Ack) -> None:
        ack()

    database = Database(f"sqlite:///{workdir / 'baseline-health.db'}")  # only /healthz would use it
    server = HttpServer(SlackWsgiApp(app, database, signing_secret=SIGNING_SECRET), "127.0.0.1", 0)
    server.start()
    return Baseline(server=server, database=database, url=f"http://127.0.0.1:{server.port}")


# --------------------------------------------------------------------------- the seeded rollout


@dataclass
class Seeded:
    rollout_id: int
    channel: str
    done_step: dict[str, Any]  # the message of step 1 (done) as the fake shows it
    done_step_id: int
    audit_rows: int
    states: dict[int, str]
    status_text: str


def _click(bot: Any, message: dict[str, Any], action_id: str, user: str) -> str:
    from tests.flow_helpers import click

    return str(click(bot, message, action_id, user))


def step_ids(database: Any, rollout_id: int) -> dict[int, int]:
    from sqlalchemy import select
    from sqlmodel import col

    from storage.models import Step

    with database.read() as session:
        rows = session.execute(
            select(col(Step.number), col(Step.id)).where(col(Step.rollout_id) == rollout_id)
        ).all()
    return {int(number): int(step_id) for number, step_id in rows}


def _click_step(bot: Any, message: dict[str, Any], step_id: int, user: str) -> None:
    from tests.harness import block_action

    payload = block_action(
        "msi_step_done",
        str(step_id),
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
        response_url=bot.fake.response_url("seed-click"),
    )
    response = bot.slack.interact(payload)
    assert response.status_code == 200, response.text


def mark_done(bot: Any, number: int, channel: str, user: str) -> None:
    from tests.flow_helpers import text_of, wait_step_message

    message = wait_step_message(bot, number, channel)
    _click(bot, message, "msi_step_done", user)
    bot.fake.wait_for(lambda: "Done by" in text_of(message))


def seed_rollout(bot: Any) -> Seeded:
    """One rollout with a full history over HTTP: five steps done (one through an approval, one reopened and
    done again), step 5 blocked by Need help, step 7 locked, an invitation batch waiting for approval, and
    refused clicks, for 50+ audit rows and a rich /msi status."""
    from tests.flow_helpers import (
        audit_actions,
        start_rollout,
        step_states,
        text_of,
        wait_approval_request,
        wait_step_message,
    )
    from tests.harness import view_submission

    rollout_id = start_rollout(bot)
    mark_done(bot, 1, "C_MKTO", "U_MKTO")
    mark_done(bot, 2, "C_SFDC", "U_SFDC")
    mark_done(bot, 3, "C_MKTO", "U_MKTO")
    step4 = wait_step_message(bot, 4, "C_MKTO")
    _click(bot, step4, "msi_step_done", "U_MKTO")
    request = wait_approval_request(bot, "Step 4 of 7")
    _click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(step4))
    mark_done(bot, 4, "C_MKTO", "U_MKTO")
    mark_done(bot, 6, "C_SFDC", "U_SFDC")
    # Step 5 open: Need help flags it blocked, with a note.
    step5 = wait_step_message(bot, 5, "C_MKTO")
    _click(bot, step5, "msi_step_help", "U_MKTO")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    values = {"problem": {"problem": {"type": "plain_text_input", "value": "The invite email bounces"}}}
    answer = bot.slack.interact(
        view_submission(
            "msi_step_help_view", values, user="U_MKTO", private_metadata=modal["private_metadata"]
        )
    )
    assert answer.status_code == 200, answer.text
    bot.fake.wait_for(lambda: "Blocked since" in text_of(step5))
    # An invitation batch waiting for a Salesforce admin's approval.
    invited = bot.slack.slash(
        "invite " + " ".join(f"user{n}@example.com" for n in range(12)), user="U_MKTO", channel="C_MKTO"
    )
    assert invited.status_code == 200, invited.text
    # Refused clicks, each one an audit row: people outside the step's persona clicking Mark done on a
    # stale copy of a done step's message (the updated message shows no button any more).
    ids = step_ids(bot.database, rollout_id)
    step1 = wait_step_message(bot, 1, "C_MKTO")
    step6 = wait_step_message(bot, 6, "C_SFDC")
    for round_number in range(20):
        _click_step(bot, step1, ids[1], "U_OTHER" if round_number % 2 else "U_SFDC")
        _click_step(bot, step6, ids[6], "U_MKTO" if round_number % 2 else "U_OTHER")
    bot.fake.wait_for(lambda: len(audit_actions(bot, rollout_id)) >= 50, timeout=30)
    wait_outbox_drained(bot.database, timeout=60)
    status = bot.slack.slash("status", channel="C_MKTO").json()
    step1_id = ids[1]
    return Seeded(
        rollout_id=rollout_id,
        channel="C_MKTO",
        done_step=step1,
        done_step_id=int(step1_id),
        audit_rows=len(audit_actions(bot, rollout_id)),
        states=step_states(bot, rollout_id),
        status_text=json.dumps(status, ensure_ascii=False),
    )


def pending_outbox(database: Any) -> int:
    from sqlalchemy import func, select
    from sqlmodel import col

    from storage.models import OutboxItem, PendingClick

    query = select(func.count()).select_from(OutboxItem).where(col(OutboxItem.status) == "pending")
    # Clicks acknowledged but not yet acted on are work still to do too (they write outbox rows later).
    clicks = select(func.count()).select_from(PendingClick)
    with database.read() as session:
        return int(session.scalar(query) or 0) + int(session.scalar(clicks) or 0)


def wait_outbox_drained(database: Any, timeout: float = 120.0) -> tuple[float, int]:
    """Wait (bounded) until the click and outbox workers have done everything; (seconds waited, still
    pending)."""
    started = time.monotonic()
    left = pending_outbox(database)
    while left and time.monotonic() - started < timeout:
        time.sleep(0.1)
        left = pending_outbox(database)
    return time.monotonic() - started, left


# --------------------------------------------------------------------------- request bodies


@dataclass(frozen=True)
class Request:
    kind: str
    body: bytes
    content_type: str


def slash_body(text: str, *, user: str, channel: str, response_url: str) -> bytes:
    """A /msi slash command as tests/harness.py SlackSender.slash builds it."""
    return urlencode(
        {
            "token": "verification_token",
            "team_id": "T111",
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": "/msi",
            "text": text,
            "api_app_id": "A111",
            "response_url": response_url,
            "trigger_id": "trigger-bench",
        }
    ).encode()


def request_mix(seeded: Seeded, response_url: str) -> list[Request]:
    """`/msi help`, `/msi status` in the rollout's channel, and Mark done on the already-done step 1 by one
    of its Marketo admins: the full load-lock-check path, answered "already done" through response_url."""
    from tests.harness import block_action

    form = "application/x-www-form-urlencoded"
    step = seeded.done_step
    # The updated message no longer shows the button; a stale copy (another client) still carries its id.
    click = block_action(
        "msi_step_done",
        str(seeded.done_step_id),
        user="U_MKTO",
        channel=step["channel"],
        message_ts=step["ts"],
        response_url=response_url,
    )
    return [
        Request(
            "help", slash_body("help", user="U_MKTO", channel=seeded.channel, response_url=response_url), form
        ),
        Request(
            "status",
            slash_body("status", user="U_MKTO", channel=seeded.channel, response_url=response_url),
            form,
        ),
        Request("click", ("payload=" + quote(json.dumps(click))).encode(), form),
    ]


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature (what slack_sdk.signature.SignatureVerifier.generate_signature makes)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


def check_signing(secret: str) -> None:
    from slack_sdk.signature import SignatureVerifier

    body = "a=1&b=%E2%9C%93"
    expected = SignatureVerifier(secret).generate_signature(timestamp="1700000000", body=body)
    assert sign(secret.encode(), "1700000000", body.encode()) == expected


# --------------------------------------------------------------------------- the load generator


@dataclass(frozen=True)
class LoadSpec:
    url: str  # base URL; requests go to url + /slack/events
    secret: str
    requests: Sequence[Request]
    threads: int = 16
    mode: str = "closed"  # "closed": `count` requests back to back; "open": `rate` per second
    count: int = 2000
    rate: float = 200.0
    duration: float = 10.0
    grace: float = 5.0  # open loop: requests not sent by the end of the schedule + grace are given up
    max_seconds: float = 120.0  # a closed loop stops by itself after this, whatever is left
    timeout: float = 10.0


@dataclass
class Sample:
    kind: str
    scheduled: float  # open loop: when it was due; closed loop: when it was sent
    sent: float
    done: float
    status: int  # HTTP status; -1 an error (timeout, reset); -2 never sent (the schedule was given up)


@dataclass
class LoadResult:
    spec_mode: str
    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    errors: list[str] = field(default_factory=list)


def run_load(spec: LoadSpec) -> LoadResult:
    """Drive `spec` with `threads` senders, each with its own keep-alive httpx client. Bounded in count
    and in time; returns every request's timings."""
    import httpx

    secret = spec.secret.encode()
    target = spec.url + EVENTS_PATH
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult(spec.mode)
    total = spec.count if spec.mode == "closed" else round(spec.rate * spec.duration)
    interval = 1.0 / spec.rate if spec.mode == "open" else 0.0
    clients = [httpx.Client(timeout=spec.timeout) for _ in range(spec.threads)]
    barrier = threading.Barrier(spec.threads + 1)
    start_at = [0.0]

    def sender(client: httpx.Client) -> None:
        mine: list[Sample] = []
        errors: list[str] = []
        barrier.wait()
        begin = start_at[0]
        stop_at = begin + (spec.max_seconds if spec.mode == "closed" else spec.duration + spec.grace)
        while True:
            index = next(counter)
            if index >= total:
                break
            request = spec.requests[index % len(spec.requests)]
            scheduled = begin + index * interval
            now = time.perf_counter()
            if now < scheduled:
                time.sleep(scheduled - now)
            elif now > stop_at:
                mine.append(Sample(request.kind, scheduled, now, now, -2))
                continue
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": request.content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(secret, stamp, request.body),
            }
            sent = time.perf_counter()
            if spec.mode == "closed":
                scheduled = sent
            try:
                status = client.post(target, content=request.body, headers=headers).status_code
            except httpx.HTTPError as error:
                status = -1
                if len(errors) < 5:
                    errors.append(f"{type(error).__name__}: {error}")
            mine.append(Sample(request.kind, scheduled, sent, time.perf_counter(), status))
        with lock:
            result.samples.extend(mine)
            result.errors.extend(errors)

    threads = [threading.Thread(target=sender, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    start_at[0] = time.perf_counter() + 0.05
    result.started = start_at[0]
    barrier.wait()
    for thread in threads:
        thread.join(spec.max_seconds + spec.duration + spec.grace + spec.timeout + 5)
    result.finished = time.perf_counter()
    for client in clients:
        client.close()
    return result


class LoadGenerator:
    """run_load in a child process, so the senders don't share the servers' interpreter lock.

    `in_process=True` runs it in this process instead (what a test suite's client would see)."""

    def __init__(self, *, in_process: bool = False):
        self.in_process = in_process
        self.pool: ProcessPoolExecutor | None = None
        if not in_process:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
            self.pool.submit(_warm_child).result(timeout=60)

    def run(self, spec: LoadSpec) -> LoadResult:
        if self.pool is None:
            return run_load(spec)
        return self.pool.submit(run_load, spec).result(timeout=spec.max_seconds + spec.duration + 60)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _warm_child() -> None:
    import httpx  # noqa: F401  (imported once, before the first timed run)


# --------------------------------------------------------------------------- figures


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (inf where a request never completed)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))  # ceil(fraction * n)
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Figures:
    label: str
    count: int
    ok: int
    failed: int  # non-200 answers and transport errors
    missed: int  # open loop: never sent
    seconds: float
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    over_deadline: int
    by_kind: dict[str, tuple[int, float, float, float]]  # kind -> (count, p50, p99, max)
    service_p99: float  # open loop: send-to-answer only, without time spent waiting for a free sender
    statuses: dict[int, int]


def figures(label: str, result: LoadResult) -> Figures:
    samples = result.samples

    def latency(sample: Sample) -> float:
        if sample.status == -2:
            return float("inf")
        return sample.done - sample.scheduled

    completed = [s for s in samples if s.status != -2]
    latencies = sorted(latency(s) for s in samples)
    service = sorted(s.done - s.sent for s in completed)
    if completed:
        first = min(s.sent for s in completed)
        last = max(s.done for s in completed)
        seconds = max(last - first, 1e-9)
    else:
        seconds = 0.0
    by_kind: dict[str, tuple[int, float, float, float]] = {}
    for kind in sorted({s.kind for s in samples}):
        values = sorted(latency(s) for s in samples if s.kind == kind)
        by_kind[kind] = (len(values), percentile(values, 0.5), percentile(values, 0.99), values[-1])
    statuses: dict[int, int] = {}
    for s in samples:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return Figures(
        label=label,
        count=len(samples),
        ok=sum(1 for s in samples if s.status == 200),
        failed=sum(1 for s in samples if s.status not in (200, -2)),
        missed=sum(1 for s in samples if s.status == -2),
        seconds=seconds,
        rps=(len(completed) / seconds) if seconds else 0.0,
        p50=percentile(latencies, 0.5),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        max=latencies[-1] if latencies else float("nan"),
        over_deadline=sum(1 for value in latencies if value > SLACK_DEADLINE),
        by_kind=by_kind,
        service_p99=percentile(service, 0.99),
        statuses=statuses,
    )


def ms(value: float) -> str:
    if value != value:  # nan
        return "n/a"
    if value == float("inf"):
        return "never"
    return f"{value * 1000:.1f}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if number == 0:
            print("  " + "  ".join("-" * w for w in widths))


def latency_rows(items: Sequence[Figures]) -> list[list[object]]:
    return [
        [
            f.label,
            f.count,
            f.ok,
            f.failed + f.missed,
            f"{f.rps:.0f}",
            ms(f.p50),
            ms(f.p95),
            ms(f.p99),
            ms(f.max),
            f.over_deadline,
        ]
        for f in items
    ]


LATENCY_HEADERS = [
    "server",
    "requests",
    "200",
    "failed",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    ">3 s",
]


def kind_rows(items: Sequence[Figures]) -> list[list[object]]:
    rows: list[list[object]] = []
    for f in items:
        for kind, (count, p50, p99, top) in f.by_kind.items():
            rows.append([f.label, kind, count, ms(p50), ms(p99), ms(top)])
    return rows


@contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  ({label}: {time.perf_counter() - started:.1f} s)", flush=True)


def best_of(runs: int, work: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


# --------------------------------------------------------------------------- profiles


def short(frame_name: str) -> str:
    """`function (path:line)` with the path from site-packages or the repository."""
    name, _, where = frame_name.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", str(REPO) + "/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


def print_profile(profiler: Any, runs: int, top: int) -> None:
    """A pyinstrument profile flattened: the functions with the most time, inclusive (once per stack) and
    self, as shares of the whole."""
    session = profiler.last_session
    root = session.root_frame() if session is not None else None
    if root is None:
        print("    (no samples)")
        return
    total = session.duration
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()

    def walk(frame: Any, seen: frozenset[str]) -> None:
        path = frame.file_path_short or frame.file_path
        label = short(f"{frame.function} ({path}:{frame.line_no})")
        key = short(f"{frame.function} ({path})")
        self_time[label] += frame.total_self_time
        if key not in seen:
            inclusive[key] += frame.time
        for child in frame.children:
            walk(child, seen | {key})

    walk(root, frozenset())
    print(
        f"    inclusive (share of {total * 1000 / runs:.2f} ms per run; a function counted once per stack):"
    )
    for name, value in inclusive.most_common(top):
        print(f"      {100 * value / total:5.1f}%  {name}")
    print("    self:")
    for name, value in self_time.most_common(top // 2):
        print(f"      {100 * value / total:5.1f}%  {name}")
