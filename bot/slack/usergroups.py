"""Slack user groups as personas: the workspace's groups for the Start and Edit modals (`usergroups.list`),
and each group's current members (`usergroups.users.list`), cached briefly in the process.

Who may act is decided inside database transactions, where Slack is never called: those checks read
`known()`, the members as last fetched. `refresh()` fetches the groups whose answer is older than the TTL;
the click worker calls it before each click it acts on, the reminder sweep before each reminder, and a
scheduled job every TTL for the groups in use, all outside any transaction. A person removed from a group
so loses its persona within the TTL (twice that for a check that cannot call Slack first, such as a slash
command answered in its acknowledgement).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import formatting
from bot.slack.directory import NETWORK_ERRORS
from storage import queries
from storage.db import Database

logger = logging.getLogger(__name__)

TTL = timedelta(seconds=60)
# After Slack could not say who is in a group, how long until it is asked again: the click worker refreshes
# before every click, and each failed ask waits out the client's timeout, so an outage must not make every
# click wait for it.
RETRY_AFTER = timedelta(seconds=15)
JOB_ID = "msi-usergroups-refresh"
SCOPE = "usergroups:read"
# A static select shows at most 100 options (Slack's limit).
OPTIONS_LIMIT = 100


@dataclass(frozen=True)
class Group:
    id: str
    handle: str
    name: str


@dataclass(frozen=True)
class GroupList:
    """The workspace's enabled user groups, sorted by handle; `problem` is "missing_scope" when the token
    lacks usergroups:read, "unavailable" when Slack could not answer, else None."""

    groups: tuple[Group, ...] = ()
    problem: str | None = None


def is_group_id(value: object) -> bool:
    return formatting.is_slack_id(value, "S")


class UserGroups:
    def __init__(self, client: WebClient, clock: Callable[[], datetime], *, ttl: timedelta = TTL):
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self._lock = threading.Lock()
        self._members: dict[str, tuple[frozenset[str], datetime]] = {}
        self._failed: dict[str, datetime] = {}  # when Slack last could not answer for a group
        self._list: tuple[GroupList, datetime] | None = None

    # ---------------------------------------------------------------- the modals' choices

    def workspace_groups(self) -> GroupList:
        """The enabled groups (cached for the TTL when Slack answered)."""
        now = self.clock()
        with self._lock:
            if self._list is not None and now - self._list[1] < self.ttl:
                return self._list[0]
        try:
            answer = self.client.usergroups_list(include_disabled=False)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            logger.info("usergroups.list failed: %s", code)
            return GroupList(problem="missing_scope" if code == "missing_scope" else "unavailable")
        except NETWORK_ERRORS as error:
            logger.info("usergroups.list unreachable: %s", type(error).__name__)
            return GroupList(problem="unavailable")
        groups = sorted(
            (
                Group(
                    id=str(entry["id"]),
                    handle=str(entry.get("handle") or ""),
                    name=str(entry.get("name") or entry.get("handle") or entry["id"]),
                )
                for entry in answer.get("usergroups") or []
                if isinstance(entry, dict) and is_group_id(entry.get("id")) and not entry.get("date_delete")
            ),
            key=lambda group: (group.handle.casefold(), group.name.casefold(), group.id),
        )
        listed = GroupList(groups=tuple(groups))
        with self._lock:
            self._list = (listed, now)
        return listed

    # ---------------------------------------------------------------- members

    def fetch(self, group_id: str) -> frozenset[str] | None:
        """The group's members from Slack now (cached); None when Slack could not tell."""
        try:
            answer = self.client.usergroups_users_list(usergroup=group_id, include_disabled=False)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            logger.info("usergroups.users.list failed for %s: %s", group_id, code)
            if code in ("no_such_subteam", "subteam_not_found", "invalid_usergroup"):
                members: frozenset[str] = frozenset()  # gone: nobody holds the persona through it
            else:
                return None
        except NETWORK_ERRORS as error:
            logger.info("usergroups.users.list unreachable for %s: %s", group_id, type(error).__name__)
            return None
        else:
            members = frozenset(
                str(user) for user in answer.get("users") or [] if formatting.is_slack_id(user, "UW")
            )
        with self._lock:
            self._members[group_id] = (members, self.clock())
        return members

    def fetch_many(self, group_ids: list[str]) -> dict[str, frozenset[str] | None]:
        """fetch() for several groups at once, in parallel: a modal's submission has 3 seconds in all."""
        if len(group_ids) <= 1:
            return {group_id: self.fetch(group_id) for group_id in group_ids}
        with ThreadPoolExecutor(
            max_workers=min(len(group_ids), 4), thread_name_prefix="slack-groups"
        ) as pool:
            return dict(zip(group_ids, pool.map(self.fetch, group_ids), strict=True))

    def refresh(self, group_ids: Iterable[str]) -> None:
        """Fetch each group whose cached members are older than the TTL (or never fetched)."""
        now = self.clock()
        for group_id in dict.fromkeys(group_ids):
            with self._lock:
                cached = self._members.get(group_id)
                failed = self._failed.get(group_id)
            stale = cached is None or now - cached[1] >= self.ttl
            if not stale or (failed is not None and now - failed < RETRY_AFTER):
                continue
            if self.fetch(group_id) is not None:
                with self._lock:
                    self._failed.pop(group_id, None)
                continue
            with self._lock:
                self._failed[group_id] = now
                if cached is not None:
                    # Slack could not tell: an expired answer no longer grants the persona.
                    self._members[group_id] = (frozenset(), cached[1])

    def refresh_in_use(self, database: Database) -> None:
        """Refresh the groups any active rollout lists (a read, then Slack: call outside transactions)."""
        with database.read() as session:
            in_use = queries.groups_in_use(session)
        if in_use:
            self.refresh(in_use)

    def schedule(self, scheduler: BaseScheduler, database: Database) -> None:
        """Keep the members of the groups in use fresh for the checks that cannot ask Slack first (a slash
        command answered in its acknowledgement, App Home)."""
        scheduler.add_job(
            database.outage.guard(lambda: self.refresh_in_use(database), "usergroups-refresh"),
            "interval",
            seconds=max(self.ttl.total_seconds(), 1),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def known(self, group_id: str) -> frozenset[str]:
        """The members as last fetched, never a Slack call (empty when never fetched): for checks made
        inside transactions."""
        with self._lock:
            cached = self._members.get(group_id)
        return cached[0] if cached is not None else frozenset()
