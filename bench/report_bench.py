"""Peak memory of the Download report of a 5 MB file's worth of bad rows, beside the preview of the same file.

Run from the repository root: `.venv/bin/python bench/report_bench.py` (about a minute). Linux only (reads
/proc/self/status). Not a test: the figures depend on the machine.

Each (file, what) pair runs in a child process of its own, so one peak (VmHWM) is not another's. The file is
built first and the peak reset; "preview" then does what the import worker does before rendering (parse,
extract, the file's summary and its wording), "report" what Download report does (the same reading, the
verdicts of the accepted rows by line, that reading let go, then the file read again and every bad row
written to the CSV as it comes: bot/uploads/service.py, unusable_rows_csv). Classify's database look-up is
left out of both: it adds the same to each. The report's growth is the preview's plus the report text
itself (twice, while StringIO hands it over), which is what is uploaded; no list of bad rows is held.

Files: memory_bench.py's 80,000-row CRM export (1 % broken), 2,000,000 lines of `x`, 1,600,000 of `a@`, and
80,000 rows all listed twice (every second row repeats the row before it).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
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
    from bot.uploads.service import _file_summary, classified_rows, unusable_rows_csv

    data = FILES[name][1]()
    texts = Texts.of("en")
    gc.collect()
    base, _ = lib.rss_bytes()
    resettable = lib.reset_peak_rss()
    started = time.perf_counter()
    size = rows = unusable = 0
    parsed = parsing.parse(data)
    extraction = parsing.extract(parsed, parsed.mapping)
    if what == "preview":
        summary_parts(texts, _file_summary(extraction), item_limit=5)
    else:
        classified = classified_rows(Summary())  # classify's verdicts: none without a rollout's database
        del extraction
        text, rows, unusable = unusable_rows_csv(texts, parsed, parsed.mapping, classified)
        size = len(text.encode("utf-8"))
    seconds = time.perf_counter() - started
    _, peak = lib.rss_bytes()
    return {
        "case": name,
        "what": what,
        "bytes": len(data),
        "growth": peak - base if resettable else 0,
        "seconds": seconds,
        "report_rows": rows,
        "unusable": unusable,
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
    print(f"{'file':34} {'size':>9} {'preview peak':>13} {'report peak':>12} {'report':>10} {'rows':>10}")
    for name in args.files:
        results = {}
        for what in WHAT:
            child = subprocess.run(  # noqa: S603 - this script, with our own arguments
                [sys.executable, __file__, "--case", name, what], capture_output=True, text=True, check=True
            )
            results[what] = json.loads(child.stdout.strip().splitlines()[-1])
        preview, report = results["preview"], results["report"]
        sizes = (preview["bytes"], preview["growth"], report["growth"], report["report_bytes"])
        size, preview_peak, report_peak, report_size = (lib.mib(value) for value in sizes)
        print(
            f"{FILES[name][0]:34} {size:>9} {preview_peak:>13} {report_peak:>12} {report_size:>10} "
            f"{report['report_rows']:>10,} of {report['unusable']:,}"
        )
    print(
        "peak: growth of VmHWM over the process with the file built; report: the CSV uploaded (UTF-8), and"
        " its rows of all the rows that can't be used (it stops at REPORT_CHARACTERS)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
