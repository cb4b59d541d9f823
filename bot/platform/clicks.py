"""Buttons acknowledged at once and acted on by a worker: the acknowledgement costs one small insert.

Slack wants every click acknowledged within 3 seconds, and a busy bot answers faster when the click's
work (locking the rollout, deciding, writing the audit and the messages) happens after the ack. The
click is first stored in `pending_click` on the request path, so a crash after the acknowledgement
loses nothing; the `ClickWorker` then runs the registered action and deletes the row in the same
transaction as the change it caused, so a crash mid-way never runs a click twice.

Buttons that open a modal stay on the request path: a `trigger_id` works once, for 3 seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.platform import crashpoints
from bot.platform.access import Click, tell
from bot.platform.foreground import Foreground
from bot.platform.leases import LeasedQueue, Liveness
from bot.platform.people import reader_texts
from bot.platform.workers import PollingWorker
from bot.slack import ids
from storage.db import Database, GroupInsert, affected_rows, is_outage
from storage.models import PendingClick

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

MAX_ATTEMPTS = 5
MAX_VALUE_LENGTH = 200
# What intake stores of a click (`claimed_by` stays NULL: nobody holds a click yet).
_STORED_COLUMNS = (
    "action_id",
    "value",
    "user_id",
    "response_url",
    "from_home",
    "attempts",
    "not_before",
    "received_at",
)


def clicked_value(action: dict[str, Any]) -> str:
    """What a click carries: a button's value, or the value of the option chosen in a select menu or an
    overflow menu (Slack sends it as `selected_option`); empty when there is neither."""
    if "value" in action:
        return str(action.get("value") or "")
    chosen = action.get("selected_option")
    return str(chosen.get("value") or "") if isinstance(chosen, dict) else ""


@dataclass(frozen=True)
class QueuedClick:
    """A stored click, as the action registered for its button receives it."""

    id: int
    action_id: str
    value: str
    click: Click
    from_home: bool
    attempts: int


Action = Callable[[QueuedClick], object]


class ClickTakenOver(Exception):
    """The stored click was already gone when its change was about to commit."""


class ClickQueue(PollingWorker):
    """Stores clicks on the request path and acts on them in a worker thread."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        idle_wait: float = 0.5,
        liveness: Liveness | None = None,
        foreground: Foreground | None = None,
        before_each: Callable[[], None] | None = None,
    ):
        super().__init__("click-worker", idle_wait=idle_wait, outage=database.outage)
        self.database = database
        self.foreground = foreground
        self.clock = clock
        # Run before each click is acted on, outside any transaction: the look-ups the action's checks
        # then read from memory (e.g. the members of user groups standing for personas).
        self.before_each = before_each
        # A failed click is tried again after 2, 4, 8, 16 s; after MAX_ATTEMPTS the clicker is told.
        self.queue = LeasedQueue(
            database,
            liveness or Liveness(database),
            PendingClick,
            backoff=lambda attempts: timedelta(seconds=2**attempts),
            max_attempts=MAX_ATTEMPTS,
        )
        self.actions: dict[str, Action] = {}
        self._store_when: dict[str, Callable[[str], bool]] = {}
        # An insert compiled once, run on the DB-API cursor: a Session, or even a Core statement's compile
        # and bind processing, costs more than the rest of the acknowledgement.
        self._store = GroupInsert(database, PendingClick.__table__, _STORED_COLUMNS)  # type: ignore[attr-defined]

    def register(
        self, action_id: str, action: Action, *, store_when: Callable[[str], bool] | None = None
    ) -> None:
        """`action` runs in the worker for each stored click of the button. `store_when(value)` says which of
        its clicks intake may store; the others (a modal to open, say) go to the button's Bolt listener."""
        self.actions[action_id] = action
        if store_when is not None:
            self._store_when[action_id] = store_when

    # -- the request path

    def wants(self, body: dict[str, Any]) -> bool:
        """Whether this request is a click of a deferred button that is to be stored rather than routed to
        a listener: its button is in the table (`register`), and its `store_when` agrees."""
        if body.get("type") != "block_actions":
            return False
        actions = body.get("actions")
        if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
            return False
        action_id = actions[0].get("action_id")
        if not isinstance(action_id, str) or ids.base_action(action_id) not in self.actions:
            return False
        store_when = self._store_when.get(ids.base_action(action_id))
        return store_when is None or store_when(clicked_value(actions[0]))

    def accept(self, body: dict[str, Any]) -> bool:
        """Store a click for later. False (and nothing stored) for a payload no registered button sent."""
        try:
            action = body["actions"][0]
            action_id = ids.base_action(str(action["action_id"]))
            value = clicked_value(action)
            user_id = str(body["user"]["id"])
        except (KeyError, IndexError, TypeError):
            return False
        response_url = body.get("response_url")
        if (
            action_id not in self.actions
            or not value
            or len(value) > MAX_VALUE_LENGTH
            or not user_id
            or (response_url is not None and (not isinstance(response_url, str) or len(response_url) > 500))
        ):
            return False  # not a button of ours: its value is always short; nothing to act on
        now = self.clock()
        # Committed before this returns; clicks arriving together share one transaction (GroupInsert).
        self._store.insert(
            {
                "action_id": action_id,
                "value": value,
                "user_id": user_id,
                "response_url": response_url,
                "from_home": (body.get("container") or {}).get("type") == "view",
                "attempts": 0,
                "not_before": now,
                "received_at": now,
            }
        )
        crashpoints.reach("click_stored")
        self._wake.set()
        return True

    # -- the worker (the thread's life is PollingWorker's; stored clicks stay for the next start)

    def run_once(self, limit: int = 100) -> int:
        """Act on the clicks waiting now, oldest first; returns how many were taken."""
        holder = self.queue.liveness.holder()
        waiting = self.queue.due(now=self.clock(), limit=limit)
        handled = 0
        for (click_id,) in waiting:
            if self._stop.is_set() or click_id is None:
                break
            if self.foreground is not None:
                self.foreground.yield_to_requests()
            queued = self._claim(click_id, holder)
            if queued is not None:
                crashpoints.reach("click_claimed")
                try:
                    self._act(queued, holder)
                except Exception:
                    self.queue.abandon(queued.id)  # an outage (the rest is handled in _act): try again later
                    raise
                handled += 1
        return handled

    def _claim(self, click_id: int, holder: int) -> QueuedClick | None:
        with self.database.write() as session:
            if not self.queue.claim(session, click_id, holder=holder):
                return None  # another process took it
            row = session.get(PendingClick, click_id)
            if row is None or row.id is None:
                return None
            return QueuedClick(
                id=row.id,
                action_id=row.action_id,
                value=row.value,
                click=Click(user_id=row.user_id, response_url=row.response_url),
                from_home=row.from_home,
                attempts=row.attempts,
            )

    def _act(self, queued: QueuedClick, holder: int) -> None:
        action = self.actions.get(queued.action_id)
        if not self.queue.liveness.holds(holder):
            return  # this process may have been declared dead meanwhile: the click is left to its taker

        def forget(session: Session) -> None:
            gone = session.execute(delete(PendingClick).where(self.queue.held(queued.id, holder)))
            if affected_rows(gone) != 1:
                # Another process took the click over (this one was thought dead) or finished it: roll back.
                raise ClickTakenOver(queued.id)

        if self.before_each is not None:
            try:
                self.before_each()
            except Exception:
                logger.exception("preparing click %s failed; it is decided on what is known", queued.id)
        try:
            with self.database.finishing_with(forget) as finished:
                if action is not None:
                    action(queued)
            if not finished():
                # The action changed nothing (an id that no longer exists, say): only the click goes.
                with self.database.write() as session:
                    forget(session)
        except ClickTakenOver:
            logger.warning(
                "click %s was finished by another process; this attempt was rolled back", queued.id
            )
        except Exception as error:
            if is_outage(error):
                raise  # rolled back and kept: the worker's loop waits the outage out, logged once
            logger.exception(
                "click %s (%s) failed (attempt %s)", queued.id, queued.action_id, queued.attempts
            )
            self._failed(queued, holder)

    def _failed(self, queued: QueuedClick, holder: int) -> None:
        now = self.clock()
        with self.database.write() as session:
            if self.queue.exhausted(queued.attempts):
                # Keep trying would never end; tell the person, who can click again once it is fixed.
                gone = session.execute(delete(PendingClick).where(self.queue.held(queued.id, holder)))
                if affected_rows(gone) != 1:
                    return  # taken over by another process meanwhile: its attempt decides
                tell(
                    session,
                    now=now,
                    click=queued.click,
                    text=reader_texts(session, queued.click.user_id).text("answer.click_failed"),
                    rollout_id=None,
                )
                return
            self.queue.retry_later(session, queued.id, now=now, attempts=queued.attempts)
