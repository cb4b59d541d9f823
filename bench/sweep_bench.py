"""What one reminder sweep costs with 1,000 and with 10,000 active rollouts stored and the same 10 items due.

Run from the repository root: `.venv/bin/python bench/sweep_bench.py` (under a minute on SQLite). With
`MSI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test` it also runs on PostgreSQL, in a
freshly created database that it drops at the end (as tests/conftest.py does). Not a test: the figures
depend on the machine.

The database is migrated as the bot does, then filled with SQLAlchemy core bulk inserts: rollouts in
realistic stages (7 steps each, in states that respect the runbook's dependencies, pending approvals for
steps awaiting one, the kept Slack messages of every posted step, 2 admins each). Steps and approvals that
wait have `remind_from` within the last 23 hours or, for snoozed ones, later: not due. Exactly 10 items are
due (8 steps and 2 approvals, among the first 1,000 rollouts). `ReminderService` is built as
tests/test_reminders.py's make_service does (working hours "always", reminders after 24 h); `find_due` and a
full `sweep()` (which claims the 10 and writes their outbox rows) are timed best of 5, the 10 items being
made due again before each run. The target: the 10k/1k ratio close to 1 (the cost follows what is due, not
what is stored). The plan of the due query shows whether the index on remind_from is used.

A last row adds what a long-lived database also holds: 1,000 cancelled rollouts (cancelling leaves the
steps' remind_from as it was) and 100 paused ones, their waiting steps' remind_from days old.

Then, unless --no-what-if, what-ifs on this benchmark's own database (the shipped schema is not changed):
on SQLite, `ANALYZE` (statistics for the planner), then instead composite indexes (state, remind_from) and
(status, remind_from), then also the cancelled rollouts' steps without remind_from (what cancelling could
do); on PostgreSQL, that last one. Each is measured on the last database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import benchlib as lib

RUNS = 5
DUE_STEPS = 8
DUE_APPROVALS = 2
AFTER = timedelta(hours=24)

# Step states by number (1..7) for the stages a rollout goes through; every one respects the dependencies
# 2,3 <- 1; 4 <- 2,3; 5 <- 4; 7 <- 5,6.
STAGES: list[tuple[str, ...]] = [
    ("open", "locked", "locked", "locked", "locked", "open", "locked"),
    ("done", "open", "open", "locked", "locked", "open", "locked"),
    ("done", "done", "open", "locked", "locked", "done", "locked"),
    ("done", "done", "done", "awaiting_approval", "locked", "done", "locked"),
    ("done", "done", "done", "approved", "locked", "done", "locked"),
    ("done", "done", "done", "done", "open", "done", "locked"),
    ("done", "done", "done", "done", "done", "done", "open"),
    ("done", "done", "done", "done", "done", "done", "done"),
]
WAITING = ("open", "approved")
MARKETO_STEPS = (1, 2, 3, 4, 5)
SALESFORCE_STEPS = (2, 6, 7)


@dataclass
class Due:
    kind: str  # "step" or "approval"
    item_id: int
    remind_from: datetime


@dataclass
class Loader:
    """Bulk-inserts rollouts with ids it hands out itself, so rows can refer to each other."""

    database: Any
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311 - test data
    rollouts: int = 0
    steps: int = 0
    messages: int = 0
    approvals: int = 0
    members: int = 0
    due: list[Due] = field(default_factory=list)

    def recent(self) -> datetime:
        """When a wait began, for a wait that is not due: within the last 23 hours, or later (snoozed)."""
        if self.rng.random() < 0.1:
            return self.now + timedelta(minutes=self.rng.randint(1, 12 * 60))
        return self.now - timedelta(minutes=self.rng.randint(0, 23 * 60))

    def stale(self) -> datetime:
        return self.now - timedelta(days=self.rng.randint(2, 60), minutes=self.rng.randint(0, 1440))

    def add(self, count: int, *, status: str = "active", paused: bool = False, waits: str = "recent") -> None:
        from sqlalchemy import insert

        from storage.models import Approval, Rollout, RolloutMember, SlackMessage, Step

        rollouts: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        approvals: list[dict[str, Any]] = []
        for _ in range(count):
            self.rollouts += 1
            rollout_id = self.rollouts
            created = self.now - timedelta(days=self.rng.randint(1, 90))
            marketo, salesforce = f"C_MKTO_{rollout_id}", f"C_SFDC_{rollout_id}"
            rollouts.append(
                {
                    "id": rollout_id,
                    "name": f"Rollout {rollout_id:06d}",
                    "name_key": f"rollout {rollout_id:06d}",
                    "environment": "production" if rollout_id % 3 else "sandbox",
                    "owner_id": f"U_OWNER{rollout_id % 97}",
                    "time_zone": ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC")[rollout_id % 4],
                    "marketo_channel": marketo,
                    "salesforce_channel": salesforce,
                    "status": status,
                    "reminders_paused": paused,
                    "created_at": created,
                    "updated_at": created,
                    "cancelled_at": self.now if status == "cancelled" else None,
                }
            )
            for persona, user in (("marketo_admin", "U_MKTO"), ("salesforce_admin", "U_SFDC")):
                self.members += 1
                members.append(
                    {
                        "id": self.members,
                        "rollout_id": rollout_id,
                        "persona": persona,
                        "user_id": f"{user}{rollout_id % 53}",
                    }
                )
            stage = STAGES[self.rng.randrange(len(STAGES))]
            for number, state in enumerate(stage, start=1):
                self.steps += 1
                step_id = self.steps
                waiting = state in WAITING
                remind_from = (self.stale() if waits == "stale" else self.recent()) if waiting else None
                steps.append(
                    {
                        "id": step_id,
                        "rollout_id": rollout_id,
                        "number": number,
                        "state": state,
                        "blocked": False,
                        "opened_at": created if state != "locked" else None,
                        "done_at": created if state == "done" else None,
                        "done_by": f"U_MKTO{rollout_id % 53}" if state == "done" else None,
                        "changed_at": created,
                        "reminder_count": 0,
                        "remind_from": remind_from,
                    }
                )
                if state == "locked":
                    continue
                channels = [marketo] if number in MARKETO_STEPS else []
                channels += [salesforce] if number in SALESFORCE_STEPS else []
                for channel in channels:
                    self.messages += 1
                    messages.append(self._message(rollout_id, f"step:{step_id}", channel, created))
                if state == "awaiting_approval":
                    # Cancelling a rollout closes its pending approvals (and clears their remind_from).
                    closed = status != "active"
                    self.approvals += 1
                    approvals.append(
                        {
                            "id": self.approvals,
                            "rollout_id": rollout_id,
                            "subject_kind": "step",
                            "subject_id": step_id,
                            "requested_by": f"U_MKTO{rollout_id % 53}",
                            "requested_at": created,
                            "status": "cancelled" if closed else "pending",
                            "reminder_count": 0,
                            "remind_from": None
                            if closed
                            else (self.stale() if waits == "stale" else self.recent()),
                        }
                    )
                    self.messages += 1
                    messages.append(
                        self._message(rollout_id, f"approval:{self.approvals}", salesforce, created)
                    )
        batches: list[tuple[Any, list[dict[str, Any]]]] = [
            (Rollout, rollouts),
            (RolloutMember, members),
            (Step, steps),
            (SlackMessage, messages),
            (Approval, approvals),
        ]
        with self.database.engine.begin() as connection:
            for table, rows in batches:
                for start in range(0, len(rows), 5000):
                    connection.execute(insert(table.__table__), rows[start : start + 5000])

    def _message(self, rollout_id: int, purpose: str, channel: str, created: datetime) -> dict[str, Any]:
        return {
            "id": self.messages,
            "rollout_id": rollout_id,
            "purpose": purpose,
            "channel_id": channel,
            "ts": f"1700000000.{self.messages:06d}",
            "posted_channel": channel,
            "text": "step",
            "blocks": [],
            "version": 1,
            "posted_version": 1,
            "gone": False,
            "created_at": created,
        }

    def make_due(self) -> None:
        """Pick the 10 due items among active, unpaused rollouts loaded so far; remember them."""
        from sqlalchemy import select
        from sqlmodel import col

        from storage.models import Approval, Rollout, Step

        with self.database.read() as session:
            step_ids = session.scalars(
                select(col(Step.id))
                .join(Rollout, col(Rollout.id) == col(Step.rollout_id))
                .where(
                    col(Step.state).in_(WAITING),
                    col(Rollout.status) == "active",
                    col(Rollout.reminders_paused) == False,  # noqa: E712 - SQL comparison
                )
                .order_by(col(Step.id))
            ).all()
            approval_ids = session.scalars(
                select(col(Approval.id))
                .join(Rollout, col(Rollout.id) == col(Approval.rollout_id))
                .where(col(Approval.status) == "pending", col(Rollout.status) == "active")
                .order_by(col(Approval.id))
            ).all()
        picked_steps = self.rng.sample(list(step_ids), DUE_STEPS)
        picked_approvals = self.rng.sample(list(approval_ids), DUE_APPROVALS)
        self.due = [
            Due("step", i, self.now - AFTER - timedelta(hours=1 + n)) for n, i in enumerate(picked_steps)
        ]
        self.due += [
            Due("approval", i, self.now - AFTER - timedelta(hours=3 + n))
            for n, i in enumerate(picked_approvals)
        ]
        self.reset_due()

    def reset_due(self) -> None:
        """Make the 10 items due again, as before the first sweep (a sweep moves their remind_from to now)."""
        from sqlalchemy import update

        from storage.models import Approval, Step

        with self.database.engine.begin() as connection:
            for item in self.due:
                model: Any = Step if item.kind == "step" else Approval
                connection.execute(
                    update(model.__table__)
                    .where(model.__table__.c.id == item.item_id)
                    .values(remind_from=item.remind_from, reminder_count=0)
                )


def make_service(database: Any, now: datetime) -> Any:
    """tests/test_reminders.py's make_service, with working hours "always" and a fixed clock."""
    from bot.approvals.service import ApprovalService
    from bot.config import parse_working_hours
    from bot.reminders.service import ReminderService
    from bot.steps.service import StepApprovals

    def clock() -> datetime:
        return now

    approvals = ApprovalService(database, clock)
    approvals.register(StepApprovals())
    return ReminderService(
        database,
        clock,
        approvals,
        after=AFTER,
        escalate_after=3,
        working_hours=parse_working_hours("always"),
        is_active_user=lambda _user_id: True,
    )


@contextmanager
def captured(database: Any) -> Iterator[list[tuple[str, Any]]]:
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def query_plans(database: Any, service: Any, now: datetime) -> list[str]:
    """The plan of each query find_due runs, as the database explains it."""
    with captured(database) as statements:
        service.find_due(now)
    lines: list[str] = []
    with database.engine.connect() as connection:
        for statement, parameters in statements:
            table = (
                "step" if "FROM step" in statement else "approval" if "FROM approval" in statement else "?"
            )
            lines.append(f"due query on {table}:")
            if database.is_sqlite:
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                lines += [f"  {row[-1]}" for row in rows]
            else:
                rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
                lines += [f"  {row[0]}" for row in rows]
    return lines


def counts(database: Any) -> str:
    from sqlalchemy import func, select
    from sqlmodel import col

    from storage.models import Approval, Rollout, SlackMessage, Step

    models: tuple[Any, ...] = (Rollout, Step, Approval, SlackMessage)
    with database.read() as session:
        values = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in models
        }
        waiting = session.scalar(
            select(func.count()).select_from(Step).where(col(Step.remind_from).is_not(None))
        )
    return ", ".join(f"{n} {t}" for t, n in values.items()) + f" ({waiting} steps with remind_from)"


@dataclass
class Measure:
    label: str
    find_due: float
    sweep: float
    found: int
    sent: int


def measure(label: str, loader: Loader, service: Any) -> Measure:
    found = len(service.find_due(loader.now))
    find_due = lib.best_of(RUNS, lambda: service.find_due(loader.now))
    sent: list[int] = []
    sweep = lib.best_of(RUNS, lambda: sent.append(service.sweep()), before=loader.reset_due)
    loader.reset_due()
    return Measure(label, find_due, sweep, found, min(sent))


def run_backend(name: str, url: str, show_plans: bool, what_if: bool) -> list[Measure]:
    from storage import migrate
    from storage.db import Database

    print(f"\n{name}: {url.split('@')[-1]}", flush=True)
    database = Database(url)
    migrate.upgrade(database)
    loader = Loader(database, now=datetime.now(UTC).replace(microsecond=0))
    service = make_service(database, loader.now)
    results: list[Measure] = []
    try:
        scenarios: list[tuple[str, int, dict[str, Any]]] = [
            ("1k active", 1000, {}),
            ("10k active", 9000, {}),
            ("10k active + 1.1k stale", 1000, {"status": "cancelled", "waits": "stale"}),
        ]
        for label, add, kwargs in scenarios:
            started = time.perf_counter()
            loader.add(add, **kwargs)
            if label.endswith("stale"):
                loader.add(100, paused=True, waits="stale")
            if not loader.due:
                loader.make_due()
            if not database.is_sqlite:
                with database.engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
            print(
                f"  {label}: loaded in {time.perf_counter() - started:.1f} s: {counts(database)}", flush=True
            )
            result = measure(label, loader, service)
            results.append(result)
            print(
                f"    find_due {result.find_due * 1000:.2f} ms ({result.found} due), "
                f"sweep {result.sweep * 1000:.2f} ms ({result.sent} reminders), best of {RUNS}",
                flush=True,
            )
            if show_plans and label != "1k active":
                for line in query_plans(database, service, loader.now):
                    print("    " + line)
        if what_if:
            results += what_ifs(database, loader, service, show_plans)
    finally:
        database.dispose()
    return results


def what_ifs(database: Any, loader: Loader, service: Any, show_plans: bool) -> list[Measure]:
    """Changes to this benchmark's own database only (not the shipped schema), for the findings: statistics
    for SQLite's planner, then composite indexes that serve the due queries' state/status filter and their
    remind_from range together."""
    results: list[Measure] = []
    steps: list[tuple[str, list[str]]] = []
    clear_cancelled = (
        "UPDATE step SET remind_from = NULL WHERE remind_from IS NOT NULL AND rollout_id IN "
        "(SELECT id FROM rollout WHERE status = 'cancelled')"
    )
    if database.is_sqlite:
        steps.append(("what-if: ANALYZE", ["ANALYZE"]))
        steps.append(
            (
                "what-if: composite indexes",
                [
                    "DROP TABLE IF EXISTS sqlite_stat1",
                    "CREATE INDEX bench_step_state_remind ON step (state, remind_from)",
                    "CREATE INDEX bench_approval_status_remind ON approval (status, remind_from)",
                ],
            )
        )
        steps.append(("what-if: + cancel clears remind_from", [clear_cancelled]))
    else:
        steps.append(("what-if: cancel clears remind_from", [clear_cancelled, "ANALYZE"]))
    for label, statements in steps:
        with database.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        result = measure(label, loader, service)
        results.append(result)
        print(
            f"  {label} ({'; '.join(statements)}), 10k active + 1.1k stale: find_due "
            f"{result.find_due * 1000:.2f} ms ({result.found} due), sweep {result.sweep * 1000:.2f} ms",
            flush=True,
        )
        if show_plans:
            for line in query_plans(database, service, loader.now):
                print("    " + line)
    return results


@contextmanager
def fresh_postgres(base_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"msi_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-plans", action="store_true", help="don't print the query plans")
    parser.add_argument(
        "--no-what-if", action="store_true", help="skip the what-if runs (statistics, composite indexes)"
    )
    arguments = parser.parse_args(argv)

    started = time.monotonic()
    print(f"sweep_bench: {lib.machine()}")
    workdir = lib.isolate_environment()
    lib.configure_logging(workdir)
    everything: dict[str, list[Measure]] = {}
    everything["SQLite"] = run_backend(
        "SQLite", f"sqlite:///{workdir / 'sweep.db'}", not arguments.no_plans, not arguments.no_what_if
    )
    postgres = os.environ.get("MSI_TEST_POSTGRES_URL", "")
    if postgres:
        with fresh_postgres(postgres) as url:
            everything["PostgreSQL"] = run_backend(
                "PostgreSQL", url, not arguments.no_plans, not arguments.no_what_if
            )
    else:
        print("\nPostgreSQL: skipped (MSI_TEST_POSTGRES_URL is not set)")

    print("\nsummary (best of 5, milliseconds)")
    rows: list[list[object]] = []
    for backend, results in everything.items():
        for result in results:
            rows.append(
                [
                    backend,
                    result.label,
                    f"{result.find_due * 1000:.2f}",
                    f"{result.sweep * 1000:.2f}",
                    result.sent,
                ]
            )
    lib.print_table(["database", "rollouts stored", "find_due", "sweep", "reminders"], rows)
    for backend, results in everything.items():
        one, ten, stale = results[:3]
        print(
            f"  {backend}: 10k/1k find_due {ten.find_due / one.find_due:.2f}, "
            f"sweep {ten.sweep / one.sweep:.2f} (target: close to 1); "
            f"with stale rows: find_due {stale.find_due / one.find_due:.2f}, "
            f"sweep {stale.sweep / one.sweep:.2f}"
        )
        for extra in results[3:]:
            print(
                f"  {backend}: {extra.label}: find_due {extra.find_due / one.find_due:.2f} of the 1k figure, "
                f"sweep {extra.sweep / one.sweep:.2f}"
            )
    print(f"sweep_bench finished in {time.monotonic() - started:.0f} s; {lib.load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
