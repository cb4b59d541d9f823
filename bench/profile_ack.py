"""Where the bot's acknowledgement time goes, against the bare Bolt baseline of bench/ack_bench.py.

Run from the repository root: `.venv/bin/python bench/profile_ack.py` (about 1 minute). Needs pyinstrument
for part A and py-spy for part B (`.venv/bin/pip install pyinstrument py-spy`); a part whose tool is missing
is skipped. Not a test: the figures depend on the machine. Traffic goes to 127.0.0.1 only.

A. One request at a time, straight into the WSGI app (no HTTP, no other thread busy: the outbox worker is
   stopped for this part): the CPU cost of each request kind, ours against the baseline, then a pyinstrument
   profile of ours per kind, flattened to the functions with the most time (self and inclusive).
B. The closed-loop load of ack_bench (16 senders in a child process; the outbox worker running as in
   production), with py-spy sampling every thread of this process, idle time included: where the HTTP
   worker threads spend their wall time while answering, including waiting for SQLite's write lock.
   (B runs first.)
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchlib as lib


def environ_for(request: lib.Request, secret: str) -> dict[str, Any]:
    stamp = str(int(time.time()))
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": lib.EVENTS_PATH,
        "QUERY_STRING": "",
        "CONTENT_TYPE": request.content_type,
        "CONTENT_LENGTH": str(len(request.body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": lib.sign(secret.encode(), stamp, request.body),
        "wsgi.input": io.BytesIO(request.body),
    }


def call(wsgi_app: Callable[..., Iterable[bytes]], request: lib.Request, secret: str) -> str:
    status: list[str] = []

    def start_response(line: str, _headers: list[tuple[str, str]]) -> None:
        status.append(line)

    b"".join(wsgi_app(environ_for(request, secret), start_response))
    return status[0]


def per_request_cost(
    wsgi_app: Callable[..., Iterable[bytes]], request: lib.Request, secret: str, runs: int
) -> float:
    for _ in range(20):
        assert call(wsgi_app, request, secret).startswith("200")
    started = time.perf_counter()
    for _ in range(runs):
        call(wsgi_app, request, secret)
    return (time.perf_counter() - started) / runs


def pyinstrument_top(
    wsgi_app: Callable[..., Iterable[bytes]], request: lib.Request, secret: str, runs: int, top: int
) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(runs):
        call(wsgi_app, request, secret)
    profiler.stop()
    lib.print_profile(profiler, runs, top)


def part_a(bot: Any, baseline: lib.Baseline, requests: list[lib.Request], secret: str, runs: int) -> None:
    print("\nA. one request at a time, straight into the WSGI app (outbox and click workers stopped)")
    bot.runtime.worker.stop(timeout=3)
    bot.runtime.clicks.stop(timeout=3)
    ours_app = bot.runtime.server.wsgi_app
    base_app = baseline.server.wsgi_app
    rows = []
    for request in requests:
        ours = per_request_cost(ours_app, request, secret, runs)
        base = per_request_cost(base_app, request, secret, runs)
        rows.append([request.kind, f"{ours * 1000:.2f}", f"{base * 1000:.2f}", f"{ours / base:.1f}x"])
    lib.print_table(["kind", "ours ms", "baseline ms", "ratio"], rows)
    # The clicks above were stored and acknowledged; what the click worker does later with each one.
    stored = lib.pending_outbox(bot.database) - _pending_outbox_items(bot.database)
    bot.runtime.clicks._stop.clear()  # run_once below, in this thread; the worker thread stays stopped
    started = time.perf_counter()
    handled = 0
    while True:
        done = bot.runtime.clicks.run_once()
        if not done:
            break
        handled += done
    if handled:
        per_click = (time.perf_counter() - started) / handled
        print(
            f"  after the ack, the click worker took {per_click * 1000:.2f} ms per click "
            f"({handled} of {stored} stored clicks; the decision, its audit row and the private answer)"
        )
    statements_per_request(bot, ours_app, requests, secret)
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        print("  pyinstrument is not installed: no profile (.venv/bin/pip install pyinstrument)")
        return
    for request in requests:
        print(f"\n  pyinstrument, ours, {request.kind} ({runs} requests):")
        pyinstrument_top(ours_app, request, secret, runs, top=24)
    print(f"\n  pyinstrument, baseline, click ({runs} requests):")
    pyinstrument_top(base_app, requests[-1], secret, runs, top=16)


def _pending_outbox_items(database: Any) -> int:
    from sqlalchemy import func, select

    from storage.models import OutboxItem

    with database.read() as session:
        return int(
            session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending"))
            or 0
        )


def statements_per_request(
    bot: Any, wsgi_app: Callable[..., Iterable[bytes]], requests: list[lib.Request], secret: str
) -> None:
    """The SQL each request kind of ours runs (one request each), counted at the cursor."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = bot.database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for request in requests:
            seen.clear()
            call(wsgi_app, request, secret)
            print(f"  {request.kind}: {len(seen)} SQL statements")
            for statement in seen:
                print(f"    {statement[:150]}")
    finally:
        event.remove(engine, "before_cursor_execute", record)


def parse_collapsed(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def part_b(
    bot: Any, requests: list[lib.Request], secret: str, count: int, threads: int, gil: bool = False
) -> None:
    if gil:
        print("\nB. closed loop under py-spy --gil (ours only): which thread holds the interpreter lock")
    else:
        print("\nB. closed loop under py-spy (ours only), every thread of this process, idle time included")
    worker_thread = getattr(bot.runtime.worker, "_thread", None)
    if worker_thread is not None and not worker_thread.is_alive():
        print("  warning: the outbox worker is not running")
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("  py-spy is not installed: skipped (.venv/bin/pip install py-spy)")
        return
    generator = lib.LoadGenerator()
    try:
        spec = lib.LoadSpec(url=bot.url, secret=secret, requests=requests, threads=threads, count=200)
        generator.run(spec)  # warm
        lib.wait_outbox_drained(bot.database)
        out = Path(tempfile.mkdtemp(prefix="msi-pyspy-")) / "stacks.txt"
        recorder = subprocess.Popen(  # noqa: S603 - our own py-spy on our own pid
            [
                py_spy,
                "record",
                "--pid",
                str(os.getpid()),
                "--gil" if gil else "--idle",
                "--threads",
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(out),
                "--duration",
                "60",
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        spec = lib.LoadSpec(url=bot.url, secret=secret, requests=requests, threads=threads, count=count)
        result = generator.run(spec)
        recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        try:
            recorder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            recorder.kill()
        figures = lib.figures("ours", result)
        print(f"  {figures.count} requests, {figures.rps:.0f} req/s, p99 {lib.ms(figures.p99)} ms")
        lib.wait_outbox_drained(bot.database)
    finally:
        generator.close()
    if not out.exists():
        print("  py-spy wrote nothing:", (recorder.stderr.read() if recorder.stderr else b"").decode()[-500:])
        return
    if gil:
        summarize_gil(parse_collapsed(out))
    else:
        summarize_stacks(parse_collapsed(out))


def summarize_gil(stacks: list[tuple[list[str], int]]) -> None:
    """CPU time (samples holding the interpreter lock) by what the thread was doing."""
    kinds = [
        ("HTTP request handling", "_dispatch (bot/server.py"),
        ("cheroot outside the app (parsing, sockets)", "cheroot/"),
        ("click worker", "clicks.py"),
        ("outbox worker", "outbox.py"),
        ("import worker", "uploads.py"),
        ("scheduler", "apscheduler"),
        ("fake Slack (in this process)", "fake_slack.py"),
    ]
    totals: Counter[str] = Counter()
    for frames, n in stacks:
        label = next((name for name, marker in kinds if any(marker in f for f in frames)), "other")
        totals[label] += n
    everything = sum(totals.values()) or 1
    print(f"  {everything} samples holding the interpreter lock:")
    for label, n in totals.most_common():
        print(f"    {100 * n / everything:5.1f}%  {label}")
    other: Counter[str] = Counter()
    for frames, n in stacks:
        if not any(any(marker in f for f in frames) for _, marker in kinds):
            other[lib.short(frames[-1])] += n
    for frame, n in other.most_common(8):
        print(f"           {100 * n / everything:5.1f}%  other: {frame}")


def summarize_stacks(stacks: list[tuple[list[str], int]]) -> None:
    # The HTTP worker threads, while they handle a request (not while they wait for one).
    handling = [(frames, n) for frames, n in stacks if any("_dispatch (bot/server.py" in f for f in frames)]
    total = sum(n for _, n in handling)
    if not total:
        print("  no samples of request handling")
        return

    def share(predicate: Callable[[list[str]], bool]) -> float:
        return 100 * sum(n for frames, n in handling if predicate(frames)) / total

    def has(text: str) -> Callable[[list[str]], bool]:
        return lambda frames: any(text in f for f in frames)

    print(f"  {total} samples of HTTP worker threads handling a request (wall time, 5 ms each):")
    categories = [
        ("waiting to BEGIN IMMEDIATE (SQLite write lock)", has("_begin_sqlite")),
        (
            "COMMIT (write transactions)",
            lambda f: any("commit (" in x for x in f) and not has("_begin_sqlite")(f),
        ),
        ("Mark done click listener (all of it)", has("mark_done (handlers/actions.py")),
        ("/msi status answer (all of it)", has("status (bot/reports.py")),
        ("/msi help blocks", has("help_blocks")),
        ("signature check", has("RequestVerification")),
        ("starting lazy listeners (request copy + executor)", has("_start_lazy_function")),
        ("Bolt listener matching", has("matches")),
    ]
    for label, predicate in categories:
        print(f"    {share(predicate):5.1f}%  {label}")
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    for frames, n in handling:
        seen = set()
        for frame in frames[1:]:
            key = lib.short(frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") else frame)
            if key not in seen:
                inclusive[key] += n
                seen.add(key)
        leaf[lib.short(frames[-1])] += n
    print("  inclusive (top 30):")
    for name, n in inclusive.most_common(30):
        print(f"    {100 * n / total:5.1f}%  {name}")
    print("  innermost frame (top 15):")
    for name, n in leaf.most_common(15):
        print(f"    {100 * n / total:5.1f}%  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="part A: requests per kind (300)")
    parser.add_argument("--requests", type=int, default=2000, help="part B: closed-loop requests (2000)")
    parser.add_argument("--threads", type=int, default=16, help="part B: concurrent senders (16)")
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument("--gil", action="store_true", help="part B: sample only the thread holding the GIL")
    arguments = parser.parse_args(argv)
    arguments.runs = min(max(arguments.runs, 10), 5000)
    arguments.requests = min(max(arguments.requests, 100), 20_000)

    started = time.monotonic()
    print(f"profile_ack: {lib.machine()}")
    workdir = lib.isolate_environment()
    log_path = lib.configure_logging(workdir)
    from tests.harness import SIGNING_SECRET

    fake = lib.start_fake()
    bot = lib.start_ours(workdir, fake)
    baseline = lib.start_baseline(workdir, fake)
    try:
        seeded = lib.seed_rollout(bot)
        print(f"seeded rollout {seeded.rollout_id}: {seeded.audit_rows} audit rows, steps {seeded.states}")
        requests = lib.request_mix(seeded, fake.response_url("bench-click"))
        # B first: A stops the outbox worker for good (a stopped OutboxWorker does not start again).
        if not arguments.skip_b:
            part_b(bot, requests, SIGNING_SECRET, arguments.requests, arguments.threads, gil=arguments.gil)
        if not arguments.skip_a:
            part_a(bot, baseline, requests, SIGNING_SECRET, arguments.runs)
    finally:
        baseline.stop()
        bot.stop()
        fake.stop()
    print("\n" + lib.log_summary(log_path))
    print(f"profile_ack finished in {time.monotonic() - started:.0f} s; {lib.load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
