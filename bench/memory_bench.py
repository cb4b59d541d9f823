"""Resident memory of the bot, idle and after previewing a 5 MB CSV upload, and how long the preview takes.

Run from the repository root: `.venv/bin/python bench/memory_bench.py` (about 20 seconds). Linux only (reads
/proc/self/status). Not a test: the figures depend on the machine. Traffic goes to 127.0.0.1 only.

Everything runs in this one process, as the test suite does it: the real Runtime (tests/conftest.py's
RunningBot, SQLite file), the fake Slack and this script. So RSS here is the bot plus the fake Slack plus the
script: the CSV file (about 5 MB, 80,000 rows, one address in a hundred broken) is built before anything is
measured, and the figures that matter are the differences. The upload goes through as in
tests/test_uploads_scenario.py: the file is added to the fake, then the `message` (file_share) and
`file_shared` events are sent; the clock runs from sending the first event until the preview message
appears in the uploader's direct messages on the fake. Three uploads, to see whether memory keeps growing.
A plain csv.reader pass over the same bytes is timed for comparison (target: the preview in under 2 s).

`--files` compares peak memory across files under the 5 MB limit instead (issue 14, item 3): the 80,000-row
file above, 2,000,000 lines of `x`, 1,600,000 rows of `a@`, and about 430,000 short valid addresses. Each is
uploaded once by a fresh bot in its own child process, so one file's peak (VmHWM) is not another's; the
table gives each peak RSS, its growth over the idle bot, and both as ratios to the 80,000-row file's.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchlib as lib

ROWS = 80_000
TARGET_SECONDS = 2.0
FIRST = [
    "Anna",
    "Ben",
    "Chloé",
    "David",
    "Emma",
    "Hiroshi",
    "Yuki",
    "José",
    "Lena",
    "Mohammed",
    "Olivia",
    "Sven",
]
LAST = ["Smith", "Müller", "Tanaka", "García", "Johnson", "Suzuki", "Rossi", "Nguyen", "Kowalski", "O'Brien"]
DOMAINS = ["example.com", "corp.example.co.jp", "sales.example.org", "Example.DE"]
TEAMS = [f"Team {name}" for name in ("Sales", "Marketing", "Ops", "APAC", "EMEA", "Inside Sales", "営業部")]
BROKEN = ["{0}@", "{0} {1}@example.com", "{0}@example", "{0}@@example.com", "{0}..{1}@example.com"]


def build_csv(rows: int = ROWS, seed: int = 2026) -> bytes:
    """About 5 MB of rows like a CRM export, one address in a hundred broken in one of a few common ways."""
    from bot.uploads.parsing import MAX_BYTES

    generator = random.Random(seed)  # noqa: S311 - test data
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Email", "First Name", "Last Name", "Team"])
    for number in range(rows):
        first, last = generator.choice(FIRST), generator.choice(LAST)
        local = f"{first}.{last}{number}".lower().replace("'", "")
        if number % 100 == 99:
            email = generator.choice(BROKEN).format(local, last)
        else:
            email = f"{local}@{generator.choice(DOMAINS)}"
        writer.writerow([email, first, last, generator.choice(TEAMS)])
    data = buffer.getvalue().encode("utf-8")
    assert len(data) <= MAX_BYTES, f"{len(data)} bytes is over the upload limit of {MAX_BYTES}"
    return data


def message_event(file_id: str, name: str, number: int) -> dict[str, Any]:
    """tests/test_uploads_scenario.py's message_event (a message with a file, subtype file_share)."""
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": f"EvMemM{number}",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "subtype": "file_share",
            "text": "",
            "files": [{"id": file_id, "name": name, "mimetype": "text/csv", "filetype": "csv"}],
            "user": "U_MKTO",
            "channel": "C_MKTO",
            "ts": f"{time.time():.6f}",
            "channel_type": "channel",
        },
    }


def shared_event(file_id: str, number: int) -> dict[str, Any]:
    """tests/test_uploads_scenario.py's shared_event."""
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": f"EvMemS{number}",
        "event_time": int(time.time()),
        "event": {
            "type": "file_shared",
            "file_id": file_id,
            "user_id": "U_MKTO",
            "file": {"id": file_id},
            "channel_id": "C_MKTO",
            "event_ts": "1.1",
        },
    }


def previews(fake: Any) -> list[dict[str, Any]]:
    from tests.flow_helpers import text_of

    return [m for m in fake.posts("D_MKTO") if "Invitations from" in text_of(m)]


def draft_state(database: Any, file_id: str) -> tuple[str | None, bool]:
    from sqlalchemy import select
    from sqlmodel import col

    from storage.models import CsvDraft

    query = select(col(CsvDraft.status), col(CsvDraft.content).is_not(None)).where(
        col(CsvDraft.file_id) == file_id
    )
    with database.read() as session:
        row = session.execute(query).one_or_none()
    return (str(row[0]), bool(row[1])) if row is not None else (None, False)


class ClickProbe:
    """Mark done on an already-done step, every 100 ms from another thread while an upload is read: how
    long a click's acknowledgement waits meanwhile (each click needs a write transaction)."""

    def __init__(self, bot: Any, step_id: int, message: dict[str, Any]):
        from tests.harness import SlackSender, block_action

        self.sender = SlackSender(bot.url)
        self.payload = block_action(
            "msi_step_done",
            str(step_id),
            user="U_MKTO",
            channel=message["channel"],
            message_ts=message["ts"],
            response_url=bot.fake.response_url("probe"),
        )
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.stop.clear()
        self.latencies = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for _ in range(600):  # at most 60 s
            if self.stop.is_set():
                return
            sent = time.perf_counter()
            assert self.sender.interact(self.payload).status_code == 200
            self.latencies.append(time.perf_counter() - sent)
            self.stop.wait(max(0.0, 0.1 - (time.perf_counter() - sent)))

    def finish(self) -> list[float]:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(15)
        return sorted(self.latencies)

    def close(self) -> None:
        self.sender.close()


def upload_once(
    bot: Any, data: bytes, number: int, probe: ClickProbe | None = None
) -> dict[str, float | str]:
    """One upload end to end; times from the first event: stored (downloaded), ready (parsed, preview
    queued), shown (the preview message is on the fake)."""
    file_id, name = f"FMEM{number}", f"invitations-{number}.csv"
    bot.fake.add_file(file_id, name, data, user="U_MKTO")
    before = len(previews(bot.fake))
    if probe is not None:
        probe.start()
    started = time.perf_counter()
    assert bot.slack.event(message_event(file_id, name, number)).status_code == 200
    acked = time.perf_counter() - started
    assert bot.slack.event(shared_event(file_id, number)).status_code == 200
    marks: dict[str, float | str] = {"ack": acked}
    deadline = started + 60
    while time.perf_counter() < deadline:
        now = time.perf_counter() - started
        if "shown" not in marks and len(previews(bot.fake)) > before:
            marks["shown"] = now
        if "stored" not in marks or "ready" not in marks:
            status, has_content = draft_state(bot.database, file_id)
            if has_content and "stored" not in marks:
                marks["stored"] = now
            if status not in (None, "pending") and "ready" not in marks:
                marks["ready"] = now
                marks["status"] = str(status)
        if "shown" in marks and "ready" in marks:
            break
        time.sleep(0.005)
    if probe is not None:
        clicks = probe.finish()
        marks["clicks"] = len(clicks)
        marks["click_p50"] = lib.percentile(clicks, 0.5) if clicks else float("nan")
        marks["click_max"] = clicks[-1] if clicks else float("nan")
    return marks


def profile_upload(bot: Any, data: bytes, number: int) -> None:
    """One more upload, read by this thread under pyinstrument instead of the import worker."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  pyinstrument is not installed: no profile (.venv/bin/pip install pyinstrument)")
        return
    uploads = bot.runtime.services.uploads
    bot.runtime.importer.stop(timeout=5)
    file_id, name = f"FMEM{number}", f"invitations-{number}.csv"
    bot.fake.add_file(file_id, name, data, user="U_MKTO")
    assert bot.slack.event(message_event(file_id, name, number)).status_code == 200
    assert bot.slack.event(shared_event(file_id, number)).status_code == 200
    draft_id = None
    deadline = time.monotonic() + 10
    while draft_id is None and time.monotonic() < deadline:
        draft_id = uploads.claim_next()
        time.sleep(0.01)
    if draft_id is None:
        print("  no draft to profile")
        return
    profiler = Profiler(interval=0.001)
    profiler.start()
    uploads.process(draft_id)
    profiler.stop()
    print(f"\n  pyinstrument: UploadService.process of upload {number} (download, read, preview):")
    lib.print_profile(profiler, 1, top=30)


def build_bad_x(lines: int = 2_000_000) -> bytes:
    """Issue 14's worst case: a header, then 3.8 MB of one-letter rows, every one an invalid address."""
    return b"Email\n" + b"x\n" * lines


def build_bad_at(lines: int = 1_600_000) -> bytes:
    """1.6 million `a@` rows: invalid for another reason (nothing after the @-sign), 4.8 MB."""
    return b"Email\n" + b"a@\n" * lines


def build_short_good(limit: int = 5 * 1024 * 1024 - 1024) -> bytes:
    """As many distinct short valid addresses as fit under the limit: the most accepted rows a file holds."""
    buffer = io.BytesIO()
    buffer.write(b"Email\n")
    number = 0
    while buffer.tell() < limit - 16:
        buffer.write(b"u%d@ex.io\n" % number)
        number += 1
    return buffer.getvalue()


FILES = {
    "80k": ("80,000 rows, 1 % broken (the benchmark above)", build_csv),
    "x2m": ("2,000,000 lines of `x`", build_bad_x),
    "at16m": ("1,600,000 rows of `a@`", build_bad_at),
    "short": ("short valid addresses up to 5 MB", build_short_good),
}


def run_case(name: str) -> dict[str, Any]:
    """One upload of one file by a fresh bot, in this process: its peak RSS and what the preview said."""
    import re

    from tests.flow_helpers import start_rollout, text_of

    workdir = lib.isolate_environment()
    lib.configure_logging(workdir)
    data = FILES[name][1]()
    fake = lib.start_fake()
    bot = lib.start_ours(workdir, fake)
    try:
        start_rollout(bot)
        lib.wait_outbox_drained(bot.database, timeout=30)
        gc.collect()
        idle, _ = lib.rss_bytes()
        resettable = lib.reset_peak_rss()
        marks = upload_once(bot, data, 1)
        lib.wait_outbox_drained(bot.database, timeout=60)
        _, peak = lib.rss_bytes()
        shown = previews(fake)
        text = text_of(shown[-1]) if shown else ""
        with bot.database.read() as session:
            from sqlalchemy import func, select
            from sqlmodel import col

            from storage.models import CsvDraft

            stored = session.execute(
                select(func.length(col(CsvDraft.headers)), func.length(col(CsvDraft.content)))
            ).one()
        rows = re.search(r"([\d,]+) row\(s\) read", text)
        # The "and N more" of the rows that can't be used (the summary above has its own).
        more = re.search(r"and ([\d,]+) more", text.partition("Rows that can't be used")[2])
        return {
            "case": name,
            "bytes": len(data),
            "idle": idle,
            "peak": peak if resettable else 0,
            "preview_s": float(marks.get("shown", float("nan"))),
            "rows": rows.group(1) if rows else "?",
            "more": more.group(1) if more else "",
            "headers_json": int(stored[0] or 0),
            "content": int(stored[1] or 0),
        }
    finally:
        bot.stop()
        fake.stop()


def compare_files(names: list[str]) -> int:
    """Each file in a child process of its own (see the module's docstring), then one table."""
    print(f"memory_bench --files: {lib.machine()}; code {lib.code_version()}")
    results = []
    for name in names:
        child = subprocess.run(  # noqa: S603 - this script, with our own arguments
            [sys.executable, __file__, "--case", name],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        line = next((s for s in reversed(child.stdout.splitlines()) if s.startswith("{")), None)
        if child.returncode != 0 or line is None:
            print(f"  {name}: failed\n{child.stdout[-2000:]}\n{child.stderr[-2000:]}")
            return 1
        results.append(json.loads(line))
        print(f"  {name}: done", flush=True)
    base = results[0]
    rows = []
    for result in results:
        grown = result["peak"] - result["idle"]
        rows.append(
            [
                FILES[result["case"]][0],
                f"{result['bytes'] / 1e6:.1f} MB",
                result["rows"],
                result["more"] or "-",
                f"{result['preview_s']:.1f}",
                lib.mib(result["idle"]),
                lib.mib(result["peak"]),
                f"{result['peak'] / base['peak']:.2f}x" if base["peak"] else "n/a",
                f"+{lib.mib(grown)}",
                f"{grown / max(base['peak'] - base['idle'], 1):.2f}x",
                f"{result['headers_json']:,} B",
            ]
        )
    print()
    lib.print_table(
        [
            "file",
            "size",
            "rows read",
            "'and N more'",
            "preview s",
            "idle RSS",
            "peak RSS",
            "vs 80k",
            "peak - idle",
            "vs 80k",
            "draft headers",
        ],
        rows,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=3, help="uploads, one after another (3)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then profile one more upload's reading and preview with pyinstrument (in this thread)",
    )
    parser.add_argument(
        "--files",
        action="store_true",
        help="compare peak memory across files (80,000 rows, 2,000,000 x, 1.6M a@, short addresses)",
    )
    parser.add_argument("--case", choices=sorted(FILES), help=argparse.SUPPRESS)  # one child of --files
    arguments = parser.parse_args(argv)
    if arguments.case:
        print(json.dumps(run_case(arguments.case)))
        return 0
    if arguments.files:
        return compare_files(list(FILES))
    uploads = min(max(arguments.uploads, 1), 10)

    started = time.monotonic()
    print(f"memory_bench: {lib.machine()}")
    workdir = lib.isolate_environment()
    log_path = lib.configure_logging(workdir)
    from bot.uploads import parsing
    from tests.flow_helpers import start_rollout, wait_step_message

    data = build_csv()
    print(f"CSV: {len(data):,} bytes, {ROWS:,} rows (+ header)")
    gc.collect()
    rss_start, _ = lib.rss_bytes()
    fake = lib.start_fake()
    bot = lib.start_ours(workdir, fake)
    rows: list[list[object]] = []
    probe: ClickProbe | None = None
    try:
        rollout_id = start_rollout(bot)
        lib.mark_done(bot, 1, "C_MKTO", "U_MKTO")
        probe = ClickProbe(
            bot, lib.step_ids(bot.database, rollout_id)[1], wait_step_message(bot, 1, "C_MKTO")
        )
        for text in ("help", "status", "list", "status Production"):
            assert bot.slack.slash(text, channel="C_MKTO").status_code == 200
        lib.wait_outbox_drained(bot.database, timeout=30)
        time.sleep(0.5)
        gc.collect()
        rss_idle, _ = lib.rss_bytes()
        print(
            f"RSS: script + imports {lib.mib(rss_start)}; idle bot (started, a rollout, a few requests) "
            f"{lib.mib(rss_idle)} (+{lib.mib(rss_idle - rss_start)})"
        )
        probe.start()
        time.sleep(2)
        idle_clicks = probe.finish()
        lib.wait_outbox_drained(bot.database, timeout=30)
        print(
            f"Mark done clicks (already done) every 100 ms, no upload: {len(idle_clicks)} clicks, ack p50 "
            f"{lib.ms(lib.percentile(idle_clicks, 0.5))} ms, max {lib.ms(idle_clicks[-1])} ms"
        )
        peak_resettable = lib.reset_peak_rss()
        timings = []
        for number in range(1, uploads + 1):
            lib.reset_peak_rss()
            marks = upload_once(bot, data, number, probe)
            lib.wait_outbox_drained(bot.database, timeout=30)
            gc.collect()
            rss, peak = lib.rss_bytes()
            shown = float(marks.get("shown", float("nan")))
            timings.append(shown)
            rows.append(
                [
                    number,
                    marks.get("status", "?"),
                    f"{float(marks['ack']) * 1000:.0f}",
                    f"{float(marks.get('stored', float('nan'))):.2f}",
                    f"{float(marks.get('ready', float('nan'))):.2f}",
                    f"{shown:.2f}",
                    f"{marks.get('clicks', 0)}: {lib.ms(float(marks.get('click_p50', float('nan'))))}"
                    f" / {lib.ms(float(marks.get('click_max', float('nan'))))}",
                    lib.mib(rss),
                    f"+{lib.mib(rss - rss_idle)}",
                    lib.mib(peak) if peak_resettable else "n/a",
                ]
            )
            print(f"  upload {number}: preview shown after {shown:.2f} s", flush=True)
        print()
        lib.print_table(
            [
                "upload",
                "draft",
                "1st ack ms",
                "stored s",
                "ready s",
                "preview s",
                "clicks meanwhile: n: p50 / max ms",
                "RSS after",
                "vs idle",
                "peak RSS",
            ],
            rows,
        )

        def plain_reader() -> None:
            for _ in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
                pass

        def parse_and_extract() -> None:
            parsed = parsing.parse(data)
            parsing.extract(parsed, parsed.mapping)

        plain = lib.best_of(3, plain_reader)
        ours_cpu = lib.best_of(3, parse_and_extract)
        best = min(timings)
        print(
            f"\n  preview end to end: best {best:.2f} s, worst {max(timings):.2f} s "
            f"(target < {TARGET_SECONDS:.0f} s: "
            + ("MET" if max(timings) < TARGET_SECONDS else "MISSED")
            + ")"
        )
        print(f"  plain csv.reader pass over the same bytes (decode + iterate): {plain:.3f} s, best of 3")
        print(
            f"  bot.csv_import.parse + extract alone (what the importer computes): {ours_cpu:.3f} s, "
            "best of 3"
        )
        print(f"  preview / csv.reader: {best / plain:.1f}x")
        gc.collect()
        rss_end, _ = lib.rss_bytes()
        print(f"  RSS at the end: {lib.mib(rss_end)} (+{lib.mib(rss_end - rss_idle)} over idle)")
        if lib.malloc_trim():
            rss_trimmed, _ = lib.rss_bytes()
            print(
                f"  after glibc malloc_trim(0): {lib.mib(rss_trimmed)} "
                f"(+{lib.mib(rss_trimmed - rss_idle)} over idle): what it gave back was freed memory the "
                "allocator had kept, not live objects"
            )
        if arguments.profile:
            profile_upload(bot, data, uploads + 1)
    finally:
        if probe is not None:
            probe.close()
        bot.stop()
        fake.stop()
    print("\n" + lib.log_summary(log_path))
    print(f"memory_bench finished in {time.monotonic() - started:.0f} s; {lib.load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
