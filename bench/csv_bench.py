"""How long reading a 5 MB invitation CSV takes, against a bare csv.reader pass, and the memory it needs.

Run from the repository root: `.venv/bin/python bench/csv_bench.py`. Not a test: timings vary by machine.
"""

from __future__ import annotations

import csv
import io
import random
import sys
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The imports below need the repository root on sys.path, set just above.
from bot.invitations import emails
from bot.uploads.parsing import MAX_BYTES, extract, parse

ROWS = 80_000
RUNS = 5
FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Hiroshi", "Yuki", "José", "Lena", "Mohammed", "Olivia"]
LAST = ["Smith", "Müller", "Tanaka", "García", "Johnson", "Suzuki", "Rossi", "Nguyen", "Kowalski", "O'Brien"]
DOMAINS = ["example.com", "corp.example.co.jp", "sales.example.org", "Example.DE"]
TEAMS = [f"Team {name}" for name in ("Sales", "Marketing", "Ops", "APAC", "EMEA", "Inside Sales", "営業部")]
BROKEN = ["{0}@", "{0} {1}@example.com", "{0}@example", "{0}@@example.com", "{0}..{1}@example.com"]


def build(rows: int = ROWS, seed: int = 2026) -> bytes:
    """About 5 MB of rows like a CRM export, one address in a hundred broken in one of a few common ways.

    Local parts are mostly ASCII transliterations ("jose.garcia"); one in twenty keeps its accents.
    """
    generator = random.Random(seed)  # noqa: S311  (test data, not secrets)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Email", "First Name", "Last Name", "Team"])
    for number in range(rows):
        first, last = generator.choice(FIRST), generator.choice(LAST)
        local = f"{first}.{last}{number}".lower().replace("'", "")
        if number % 20:
            local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        if number % 100 == 99:
            email = generator.choice(BROKEN).format(local, last)
        else:
            email = f"{local}@{generator.choice(DOMAINS)}"
        writer.writerow([email, first, last, generator.choice(TEAMS)])
    data = buffer.getvalue().encode("utf-8")
    assert len(data) <= MAX_BYTES, f"{len(data)} bytes is over the upload limit"
    return data


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        # Cold caches each time: a real upload meets addresses (and mostly domains) it has not seen.
        emails._domain.cache_clear()
        emails._validate.cache_clear()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    data = build()

    def parse_and_extract() -> None:
        parsed = parse(data)
        extract(parsed, parsed.mapping)

    def plain_reader() -> None:
        for _ in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            pass

    parsed = parse(data)
    result = extract(parsed, parsed.mapping)
    ours = best_of(RUNS, parse_and_extract)
    plain = best_of(RUNS, plain_reader)
    parse_only = best_of(RUNS, lambda: parse(data))

    emails._domain.cache_clear()
    emails._validate.cache_clear()
    tracemalloc.start()
    parse_and_extract()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    megabytes = len(data) / 1_000_000
    print(f"file: {megabytes:.2f} MB, {result.total_rows} rows, encoding {parsed.encoding}")
    print(
        f"verdicts: {len(result.accepted)} accepted, {len(result.invalid)} invalid, "
        f"{len(result.duplicates)} duplicates, {len(result.flagged)} flagged"
    )
    print(f"parse + extract: {ours:.3f} s (parse alone {parse_only:.3f} s), best of {RUNS}")
    print(f"plain decode + csv.reader: {plain:.3f} s, best of {RUNS}")
    print(f"ratio: {ours / plain:.1f}x")
    print(f"peak memory of parse + extract (tracemalloc): {peak / 1_000_000:.1f} MB", end=" ")
    print(f"({peak / len(data):.1f}x the file)")


if __name__ == "__main__":
    main()
