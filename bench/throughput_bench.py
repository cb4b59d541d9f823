"""The highest offered rate at which acknowledgements keep a p99 under 500 ms, ours against a bare Bolt app.

Run from the repository root: `.venv/bin/python bench/throughput_bench.py` (about 2-3 minutes). Not a test:
the figures depend on the machine. All traffic goes to 127.0.0.1; every loop is bounded in count and time.

Same servers and requests as bench/ack_bench.py (read its docstring). The offered rate steps up (50, 100,
200, 400, 800 requests/s by default, 5 s each) in an open loop: requests are due at fixed intervals and
taken by whichever of the 16 senders is free, and each request's latency is counted from when it was due,
so a server that falls behind is charged for the wait. Requests still unsent 3 s after a step's schedule
ends are given up and counted as never answered. A step passes when every request got a 200 and the p99 is
under 500 ms; a server's figure is the highest rate at which its step and every lower one passed. A
server's steps stop after two failed steps in a row (the curve is clear by then, and an overloaded bot's
outbox backlog takes long to drain), or after the first with --stop-at-first-failure; --all-steps runs them
all.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchlib as lib

P99_LIMIT = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="50,100,200,400,800,1200", help="offered rates, requests/s")
    parser.add_argument("--step-seconds", type=float, default=5.0, help="length of each step (5)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent senders (16)")
    parser.add_argument(
        "--stop-at-first-failure", action="store_true", help="skip a server's higher steps once one fails"
    )
    parser.add_argument("--all-steps", action="store_true", help="run every step, even after failures")
    arguments = parser.parse_args(argv)
    rates = sorted(min(max(float(rate), 1.0), 2000.0) for rate in arguments.rates.split(","))[:8]
    step_seconds = min(max(arguments.step_seconds, 1.0), 15.0)

    started = time.monotonic()
    print(f"throughput_bench: {lib.machine()}")
    workdir = lib.isolate_environment()
    log_path = lib.configure_logging(workdir)
    from tests.harness import SIGNING_SECRET

    fake = lib.start_fake()
    bot = lib.start_ours(workdir, fake)
    baseline = lib.start_baseline(workdir, fake)
    generator: lib.LoadGenerator | None = None
    best: dict[str, float | None] = {"ours": None, "baseline": None}
    try:
        seeded = lib.seed_rollout(bot)
        print(f"seeded rollout {seeded.rollout_id}: {seeded.audit_rows} audit rows, steps {seeded.states}")
        requests = lib.request_mix(seeded, fake.response_url("bench-click"))
        generator = lib.LoadGenerator()
        for url in (bot.url, baseline.url):  # warm-up, untimed
            generator.run(lib.LoadSpec(url=url, secret=SIGNING_SECRET, requests=requests, count=300))
        lib.wait_outbox_drained(bot.database)

        rows: list[list[object]] = []
        for label, url in (("ours", bot.url), ("baseline", baseline.url)):
            print(f"\n{label}:", flush=True)
            failed_once = False
            failures_in_a_row = 0
            for rate in rates:
                spec = lib.LoadSpec(
                    url=url,
                    secret=SIGNING_SECRET,
                    requests=requests,
                    threads=arguments.threads,
                    mode="open",
                    rate=rate,
                    duration=step_seconds,
                    grace=3.0,
                )
                figures = lib.figures(label, generator.run(spec))
                passed = figures.ok == figures.count and figures.p99 < P99_LIMIT
                drained = ""
                if label == "ours":
                    waited, left = lib.wait_outbox_drained(bot.database, timeout=60)
                    drained = f"; outbox drained in {waited:.0f} s" + (f", {left} left" if left else "")
                print(
                    f"  {rate:5.0f} req/s offered: {figures.rps:5.0f} answered/s, "
                    f"p50 {lib.ms(figures.p50)} ms, p99 {lib.ms(figures.p99)} ms, "
                    f"max {lib.ms(figures.max)} ms, failed {figures.failed}, "
                    f"never sent {figures.missed}, over 3 s {figures.over_deadline}: "
                    + ("pass" if passed else "FAIL")
                    + drained,
                    flush=True,
                )
                rows.append(
                    [
                        label,
                        f"{rate:.0f}",
                        f"{figures.rps:.0f}",
                        lib.ms(figures.p50),
                        lib.ms(figures.p99),
                        lib.ms(figures.max),
                        figures.failed + figures.missed,
                        figures.over_deadline,
                        "pass" if passed else "FAIL",
                    ]
                )
                if passed and not failed_once:
                    best[label] = rate
                failed_once = failed_once or not passed
                failures_in_a_row = 0 if passed else failures_in_a_row + 1
                if arguments.all_steps:
                    continue
                if failures_in_a_row >= (1 if arguments.stop_at_first_failure else 2):
                    break
        print("\nsummary")
        lib.print_table(
            ["server", "offered/s", "answered/s", "p50 ms", "p99 ms", "max ms", "lost", ">3 s", "p99<500ms"],
            rows,
        )
        for label in ("ours", "baseline"):
            top = best[label]
            print(
                f"  {label}: highest offered rate with p99 < 500 ms (and every lower step too): "
                + (f"{top:.0f} req/s" if top is not None else f"none (below {rates[0]:.0f} req/s)")
                + (f" (the highest step tried, {rates[-1]:.0f}, passed)" if top == rates[-1] else "")
            )
        if best["ours"] and best["baseline"]:
            print(f"  ours / baseline: {best['ours'] / best['baseline']:.2f}")
    finally:
        if generator is not None:
            generator.close()
        baseline.stop()
        bot.stop()
        fake.stop()
    print("\n" + lib.log_summary(log_path))
    print(f"throughput_bench finished in {time.monotonic() - started:.0f} s; {lib.load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
