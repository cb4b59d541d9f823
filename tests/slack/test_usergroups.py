"""The user-group cache: members asked of Slack at most once per TTL, never by `known()`, and an answer Slack
could not renew stops granting the persona."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot.slack.usergroups import UserGroups
from tests.fake_slack import FakeSlack


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def groups(fake: FakeSlack, clock: Clock, ttl: timedelta = timedelta(seconds=60)) -> UserGroups:
    return UserGroups(WebClient(token=fake.expected_token, base_url=fake.url), clock, ttl=ttl)


def test_members_are_asked_once_per_ttl_and_known_never_asks(fake_slack: FakeSlack) -> None:
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC", "U_SFDC2"])
    clock = Clock()
    cache = groups(fake_slack, clock)
    assert cache.known("S_SFDC") == frozenset()  # never fetched: nobody, and no call
    assert fake_slack.calls_to("usergroups.users.list") == []
    cache.refresh(["S_SFDC", "S_SFDC"])
    assert cache.known("S_SFDC") == {"U_SFDC", "U_SFDC2"}
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1
    fake_slack.usergroups["S_SFDC"]["users"] = ["U_SFDC"]
    clock.now += timedelta(seconds=59)
    cache.refresh(["S_SFDC"])
    assert cache.known("S_SFDC") == {"U_SFDC", "U_SFDC2"}  # still within the TTL
    clock.now += timedelta(seconds=1)
    cache.refresh(["S_SFDC"])
    assert cache.known("S_SFDC") == {"U_SFDC"}
    assert len(fake_slack.calls_to("usergroups.users.list")) == 2


def test_an_answer_slack_cannot_renew_stops_granting_and_a_deleted_group_is_empty(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC"])
    clock = Clock()
    cache = groups(fake_slack, clock, ttl=timedelta(seconds=10))
    cache.refresh(["S_SFDC"])
    clock.now += timedelta(seconds=11)
    fake_slack.fail("usergroups.users.list", "500", times=5)
    cache.refresh(["S_SFDC"])
    assert cache.known("S_SFDC") == frozenset()
    fake_slack.failures.clear()
    del fake_slack.usergroups["S_SFDC"]
    assert cache.fetch("S_SFDC") == frozenset()  # no_such_subteam: nobody holds the persona through it


def test_the_workspace_list_is_sorted_by_handle_and_says_when_the_scope_is_missing(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.add_usergroup("S_B", "zeta", users=["U_SFDC"])
    fake_slack.add_usergroup("S_A", "Alpha", users=[])
    fake_slack.add_usergroup("S_C", "old", users=[], disabled=True)
    clock = Clock()
    listed = groups(fake_slack, clock).workspace_groups()
    assert [g.handle for g in listed.groups] == ["Alpha", "zeta"] and listed.problem is None
    fake_slack.granted_scopes.remove("usergroups:read")
    assert groups(fake_slack, clock).workspace_groups().problem == "missing_scope"


def test_several_groups_are_asked_at_once(fake_slack: FakeSlack) -> None:
    """A Start or Edit submission asks for each chosen group within its 3 seconds: in parallel, so two slow
    answers cost one. Each call here waits for the other at a barrier, which only concurrent calls pass."""
    fake_slack.add_usergroup("S_MKTO", "mkto-admins", users=["U_MKTO"])
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC"])
    cache = groups(fake_slack, Clock())
    both = threading.Barrier(2, timeout=5)
    fetch = cache.fetch

    def fetch_when_both_asked(group_id: str) -> frozenset[str] | None:
        both.wait()  # raises BrokenBarrierError after 5 s if the other call never starts
        return fetch(group_id)

    cache.fetch = fetch_when_both_asked  # type: ignore[method-assign]
    assert cache.fetch_many(["S_MKTO", "S_SFDC"]) == {
        "S_MKTO": frozenset({"U_MKTO"}),
        "S_SFDC": frozenset({"U_SFDC"}),
    }


def test_after_slack_could_not_answer_a_group_is_not_asked_again_at_once(fake_slack: FakeSlack) -> None:
    """The click worker refreshes before every click: during an outage, asking on each one would make every
    click wait out the client's timeout."""
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC"])
    clock = Clock()
    cache = groups(fake_slack, clock)
    fake_slack.fail("usergroups.users.list", "500", times=50)
    for _ in range(5):
        cache.refresh(["S_SFDC"])
        clock.now += timedelta(seconds=2)
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1
    fake_slack.failures.clear()
    clock.now += timedelta(seconds=6)  # 16 s after the failure: asked again, and answered
    cache.refresh(["S_SFDC"])
    assert cache.known("S_SFDC") == {"U_SFDC"}
    assert len(fake_slack.calls_to("usergroups.users.list")) == 2
