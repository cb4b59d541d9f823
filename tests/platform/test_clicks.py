"""The click queue on a real database: stored clicks are acted on once, in order, and a click whose action
keeps failing ends with a private apology instead of retrying for ever."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.platform.clicks import MAX_ATTEMPTS, ClickQueue, QueuedClick
from storage import queries
from storage.db import Database
from storage.models import AuditEvent, OutboxItem, PendingClick


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def body(action_id: str, value: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "actions": [{"action_id": action_id, "value": value}],
        "response_url": "https://hooks.slack.com/actions/T1/1/x",
        **extra,
    }


def pending(database: Database) -> list[PendingClick]:
    with database.read() as session:
        return list(session.scalars(select(PendingClick).order_by(PendingClick.id)))


def test_clicks_are_acted_on_in_order_and_forgotten_with_the_change_they_made(database: Database) -> None:
    queue = ClickQueue(database, clock=Clock())
    seen: list[tuple[str, str, bool]] = []

    def act(queued: QueuedClick) -> None:
        seen.append((queued.value, queued.click.user_id, queued.from_home))
        with database.write() as session:
            queries.audit(session, now=queue.clock(), rollout_id=None, actor=queued.click.user_id, action="x")

    queue.register("b", act)
    assert queue.accept(body("b", "1", user="U1"))
    assert queue.accept(body("b", "2", user="U2", container={"type": "view"}))
    assert len(pending(database)) == 2
    assert queue.run_once() == 2
    assert seen == [("1", "U1", False), ("2", "U2", True)]
    assert pending(database) == []
    assert queue.run_once() == 0 and len(seen) == 2


def test_payloads_no_registered_button_sends_are_not_stored(database: Database) -> None:
    queue = ClickQueue(database, clock=Clock())
    queue.register("b", lambda queued: None)
    assert not queue.accept(body("other", "1"))
    assert not queue.accept(body("b", "x" * 201))
    assert not queue.accept(body("b", ""))
    assert not queue.accept({"actions": []})
    assert not queue.accept(body("b", "1", response_url=["not", "a", "string"]))
    assert pending(database) == []


def test_an_action_that_changes_nothing_still_clears_its_click(database: Database) -> None:
    queue = ClickQueue(database, clock=Clock())
    queue.register("b", lambda queued: None)
    queue.accept(body("b", "7"))
    assert queue.run_once() == 1
    assert pending(database) == []


def test_a_failing_click_is_retried_with_back_off_then_the_clicker_is_told(database: Database) -> None:
    clock = Clock()
    queue = ClickQueue(database, clock=clock)
    attempts: list[int] = []

    def fail(queued: QueuedClick) -> None:
        attempts.append(queued.attempts)
        raise RuntimeError("boom")

    queue.register("b", fail)
    queue.accept(body("b", "1"))
    for _ in range(MAX_ATTEMPTS):
        assert queue.run_once() == 1
        assert queue.run_once() == 0  # backing off: not due again yet
        clock.now += timedelta(minutes=5)
    assert attempts == list(range(1, MAX_ATTEMPTS + 1))
    assert pending(database) == []
    with database.read() as session:
        answers = list(session.scalars(select(OutboxItem)))
    assert len(answers) == 1 and "couldn't act on your click" in answers[0].payload["text"]


def test_a_failure_after_the_change_rolls_both_back_so_the_retry_is_clean(database: Database) -> None:
    clock = Clock()
    queue = ClickQueue(database, clock=clock)
    calls: list[int] = []

    def change_then_fail(queued: QueuedClick) -> None:
        calls.append(queued.attempts)
        with database.write() as session:
            queries.audit(session, now=clock(), rollout_id=None, actor="U1", action="changed")
            if queued.attempts == 1:
                raise RuntimeError("failed before commit")

    queue.register("b", change_then_fail)
    queue.accept(body("b", "1"))
    queue.run_once()
    assert len(pending(database)) == 1  # the click is kept: its change was rolled back with it
    clock.now += timedelta(minutes=1)
    queue.run_once()
    assert calls == [1, 2] and pending(database) == []
    with database.read() as session:
        assert len(list(session.scalars(select(AuditEvent)))) == 1


def test_a_click_finished_elsewhere_meanwhile_rolls_this_attempt_back(database: Database) -> None:
    clock = Clock()
    queue = ClickQueue(database, clock=clock)

    def act_after_another_process_finished_it(queued: QueuedClick) -> None:
        def other_process() -> None:
            with database.write() as session:
                session.execute(delete(PendingClick).where(PendingClick.id == queued.id))

        elsewhere = threading.Thread(target=other_process)  # its own context: not this click's transaction
        elsewhere.start()
        elsewhere.join(10)
        with database.write() as session:
            queries.audit(session, now=clock(), rollout_id=None, actor="U1", action="done twice")

    queue.register("b", act_after_another_process_finished_it)
    queue.accept(body("b", "1"))
    assert queue.run_once() == 1
    with database.read() as session:
        assert list(session.scalars(select(AuditEvent))) == []
        assert list(session.scalars(select(OutboxItem))) == []
    assert pending(database) == []


def test_the_queue_wants_single_clicks_of_registered_buttons_and_leaves_the_rest_to_the_listeners(
    database: Database,
) -> None:
    queue = ClickQueue(database, clock=Clock())
    queue.register("always", lambda queued: None)
    queue.register("sometimes", lambda queued: None, store_when=lambda value: value == "quiet")

    assert queue.wants(body("always", "1"))
    assert queue.wants(body("sometimes", "quiet"))
    # Left to the button's Bolt listener: a click that needs the request path (a modal to open), an unknown
    # button, and anything that is not a single block action.
    assert not queue.wants(body("sometimes", "needs-a-modal"))
    assert not queue.wants(body("unknown", "1"))
    assert not queue.wants({**body("always", "1"), "type": "view_submission"})
    two = body("always", "1")
    two["actions"] = two["actions"] * 2
    assert not queue.wants(two)
    assert not queue.wants({**body("always", "1"), "actions": ["always"]})
    assert pending(database) == []  # asking stores nothing
    # and what accept() refuses is not stored
    assert not queue.accept(body("always", "1", user=""))
    assert not queue.accept(body("always", ""))
    assert queue.accept(body("always", "1"))
    assert [(click.action_id, click.value) for click in pending(database)] == [("always", "1")]


def test_a_menu_choice_is_stored_with_the_chosen_options_value(database: Database) -> None:
    queue = ClickQueue(database, clock=Clock())
    seen: list[str] = []
    queue.register("menu", lambda queued: seen.append(queued.value))
    chosen = body("menu", "")
    chosen["actions"] = [
        {"action_id": "menu", "type": "static_select", "selected_option": {"value": "hour:step:7"}}
    ]
    assert queue.wants(chosen) and queue.accept(chosen)
    # A menu with nothing chosen (or a mangled option) carries nothing to act on: not stored.
    for action in (
        {"action_id": "menu", "selected_option": None},
        {"action_id": "menu", "selected_option": "x"},
    ):
        assert not queue.accept({**chosen, "actions": [action]})
    assert queue.run_once() == 1
    assert seen == ["hour:step:7"]
