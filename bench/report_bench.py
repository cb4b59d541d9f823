"""Peak memory of the Download report of a 5 MB file's worth of bad rows, beside the preview of the same file.

Run from the repository root: `.venv/bin/python bench/report_bench.py` (a few minutes: tracemalloc slows
Python down). Not a test: the figures depend on the machine.

Each (file, what) pair runs in a child process of its own. The file is built first, then tracemalloc is
started, so the peak is what the work itself allocated at most at once (Python's allocations; the file's
bytes are not counted). "preview" does what the import worker does before rendering (parse, extract, the
file's summary and its wording); "report" what the outbox worker's producer does when it sends the report
(bot/uploads/service.py, UploadService.write_report): the same reading, the verdicts of the accepted rows by
line, that reading let go, then the file read again and every bad row written as it comes, through
write_unusable_rows, into a temporary file (tempfile.TemporaryFile, as bot/platform/outbox.py's _upload),
which the outbox then streams to Slack in 64 KiB pieces. Classify's database look-up is left out of both:
it adds the same to each. The report's file is on disk, not in memory: its size is the last column.

Files: memory_bench.py's 80,000-row CRM export (1 % broken), 2,000,000 lines of `x`, 1,600,000 of `a@`, and
80,000 rows all listed twice (every second row repeats the row before it).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchlib as lib
from bench.memory_bench import build_bad_at, build_bad_x, build_csv


def build_repeated(rows: int = 80_000) -> bytes:
    return b"Email,Name\n" + b"".join(b"u%d@example.com,Name %d\n" % (n // 2, n) for n in range(rows))


FILES = {
    "80k": ("80,000 rows, 1 % broken", build_csv),
    "x2m": ("2,000,000 lines of `x`", build_bad_x),
    "at16m": ("1,600,000 rows of `a@`", build_bad_at),
    "twice": ("80,000 rows, half listed twice", build_repeated),
}
WHAT = ("preview", "report")


def run_case(name: str, what: str) -> dict[str, Any]:
    from bot.invitations.service import Summary, summary_parts
    from bot.texts import Texts
    from bot.uploads import parsing
    from bot.uploads.service import _file_summary, classified_rows, write_unusable_rows

    data = FILES[name][1]()
    texts = Texts.of("en")
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    size = rows = 0
    parsed = parsing.parse(data)
    extraction = parsing.extract(parsed, parsed.mapping)
    if what == "preview":
        summary_parts(texts, _file_summary(extraction), item_limit=5)
    else:
        classified = classified_rows(Summary())  # classify's verdicts: none without a rollout's database
        del extraction
        with tempfile.TemporaryFile() as spool:
            rows = write_unusable_rows(texts, parsed, parsed.mapping, classified, spool)
            size = spool.tell()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "case": name,
        "what": what,
        "bytes": len(data),
        "peak": peak,
        "seconds": seconds,
        "report_rows": rows,
        "report_bytes": size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="*", choices=sorted(FILES), default=list(FILES))
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)  # one child: file, what
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return 0
    print(f"report_bench: {lib.machine()}; code {lib.code_version()}")
    headers = f"{'file':34} {'size':>9} {'preview peak':>13} {'report peak':>12} {'report file':>12}"
    print(f"{headers} {'rows':>10}")
    for name in args.files:
        results = {}
        for what in WHAT:
            child = subprocess.run(  # noqa: S603 - this script, with our own arguments
                [sys.executable, __file__, "--case", name, what], capture_output=True, text=True, check=True
            )
            results[what] = json.loads(child.stdout.strip().splitlines()[-1])
        preview, report = results["preview"], results["report"]
        sizes = (preview["bytes"], preview["peak"], report["peak"], report["report_bytes"])
        size, preview_peak, report_peak, report_size = (lib.mib(value) for value in sizes)
        print(
            f"{FILES[name][0]:34} {size:>9} {preview_peak:>13} {report_peak:>12} {report_size:>12} "
            f"{report['report_rows']:>10,}  ({preview['seconds']:.1f} s, {report['seconds']:.1f} s)"
        )
    print(
        "peak: tracemalloc's peak of Python allocations during the work, the file already built; report"
        " file: the CSV written to a temporary file (UTF-8) and uploaded from it; rows: every row that"
        " can't be used; then the preview's and the report's seconds (under tracemalloc)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
