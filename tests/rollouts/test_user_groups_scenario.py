"""Scenario: personas given as Slack user groups (SPEC section 2), and a rollout's own non-working dates in
Edit, over HTTP against the fake Slack."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.texts import Texts
from storage.models import MemberKind, Rollout, RolloutMember, SlackPerson
from tests.approvals.test_approvals_scenario import approvals, request_step_4
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    audit_actions,
    click,
    home_click,
    start_rollout,
    text_of,
    wait_private_answer,
)
from tests.harness import start_form_values, view_submission

EN = Texts.of("en")


class ShiftedClock:
    """The real time plus an offset the test moves forward (to let the user-group cache expire)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        with self.lock:
            self.offset += by


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def grouped_bot(database_url: str, fake_slack: FakeSlack, clock: ShiftedClock) -> Iterator[RunningBot]:
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC", "U_SFDC2"])
    fake_slack.add_usergroup("S_MKTO", "mkto-admins", users=["U_MKTO"])
    fake_slack.add_usergroup("S_EMPTY", "nobody-yet", users=[])
    fake_slack.add_usergroup("S_OLD", "old-team", users=["U_OTHER"], disabled=True)
    running = RunningBot(database_url, fake_slack, clock=clock)
    yield running
    running.stop()


def opened_views(bot: RunningBot) -> list[dict[str, Any]]:
    return [v["view"] for v in bot.fake.views if v["method"] == "views.open"]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    found = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return found[0] if found else None


def members(bot: RunningBot, rollout_id: int) -> list[tuple[str, str, str]]:
    with bot.database.read() as session:
        rows = session.query(RolloutMember).filter(RolloutMember.rollout_id == rollout_id).all()
        return sorted((row.persona, row.kind, row.user_id) for row in rows)


def test_the_start_modal_offers_the_workspaces_enabled_user_groups_per_persona(
    grouped_bot: RunningBot,
) -> None:
    bot = grouped_bot
    assert bot.slack.slash("start", user="U_OWNER").status_code == 200
    modal = bot.fake.wait_for(lambda: opened_views(bot))[-1]
    for block_id in ("marketo_groups", "salesforce_groups"):
        select = block(modal, block_id)
        assert select is not None and select["optional"] is True
        element = select["element"]
        assert element["type"] == "multi_static_select"
        # Sorted by handle, labelled by handle and name; the disabled group is not offered.
        assert [(o["value"], o["text"]["text"]) for o in element["options"]] == [
            ("S_MKTO", "@mkto-admins (Mkto Admins)"),
            ("S_EMPTY", "@nobody-yet (Nobody Yet)"),
            ("S_SFDC", "@sfdc-admins (Sfdc Admins)"),
        ]
    # People are optional in Slack's eyes now that a group may stand in: the bot checks either is given.
    assert block(modal, "salesforce_admins")["optional"] is True  # type: ignore[index]
    listed = bot.fake.calls_to("usergroups.list")
    assert listed and listed[0].params.get("include_disabled") in ("false", "0", False, "False")


def test_a_persona_needs_people_or_a_group_and_a_group_needs_members(grouped_bot: RunningBot) -> None:
    bot = grouped_bot
    nobody = start_form_values(salesforce_admins=[], salesforce_groups=[])
    answer = bot.slack.interact(view_submission("msi_start_rollout", nobody))
    assert answer.json()["errors"] == {
        "salesforce_admins": "Pick at least one person, or a user group below."
    }
    empty = start_form_values(salesforce_admins=[], salesforce_groups=["S_EMPTY"])
    answer = bot.slack.interact(view_submission("msi_start_rollout", empty))
    assert answer.json()["errors"] == {
        "salesforce_groups": "@nobody-yet has no members, so nobody would hold this role through it. "
        "Add people to it in Slack, or pick people here."
    }
    # In the reader's language: an owner whose Slack is in Japanese reads it in Japanese.
    with bot.database.write() as session:
        session.add(
            SlackPerson(user_id="U_JA", locale="ja-JP", tz="Asia/Tokyo", fetched_at=datetime.now(UTC))
        )
    answer = bot.slack.interact(view_submission("msi_start_rollout", empty, user="U_JA"))
    assert answer.json()["errors"]["salesforce_groups"].startswith("@nobody-yet にはメンバーがいないため")
    with bot.database.read() as session:
        assert session.query(Rollout).count() == 0


def test_a_group_member_approves_a_former_member_is_refused_and_reminders_mention_the_group(
    grouped_bot: RunningBot, clock: ShiftedClock
) -> None:
    bot = grouped_bot
    rollout_id = start_rollout(bot, salesforce_admins=[], salesforce_groups=["S_SFDC"])
    assert members(bot, rollout_id) == [
        ("marketo_admin", MemberKind.USER, "U_MKTO"),
        ("salesforce_admin", MemberKind.GROUP, "S_SFDC"),
    ]
    started = next(d for _u, a, d in audit_actions(bot, rollout_id) if a == "rollout_started")
    assert started["salesforce_groups"] == ["S_SFDC"] and started["salesforce_admins"] == []
    # U_SFDC does step 2 as a member of the group (request_step_4 walks steps 1 to 3).
    _step4, request, _url = request_step_4(bot)
    # Someone outside the group is refused, as before.
    answer = wait_private_answer(bot, click(bot, request, "msi_approval_approve", "U_OTHER"))
    assert "Only the Salesforce admins" in answer["text"]
    # U_SFDC2 leaves the group; once the cache has expired, the persona is gone with it.
    bot.fake.usergroups["S_SFDC"]["users"] = ["U_SFDC"]
    clock.advance(timedelta(seconds=61))
    answer = wait_private_answer(bot, click(bot, request, "msi_approval_approve", "U_SFDC2"))
    assert "Only the Salesforce admins" in answer["text"]
    assert [a.status for a in approvals(bot)] == ["pending"]
    # A current member approves.
    click(bot, request, "msi_approval_approve", "U_SFDC")
    bot.fake.wait_for(lambda: "Approved by <@U_SFDC>" in text_of(request))
    assert [a.status for a in approvals(bot)] == ["approved"]
    denied = [d for u, a, d in audit_actions(bot, rollout_id) if a == "click_denied" and u == "U_SFDC2"]
    assert len(denied) == 1


def test_reminders_mention_a_group_as_a_group(database_url: str, fake_slack: FakeSlack) -> None:
    fake_slack.add_usergroup("S_SFDC", "sfdc-admins", users=["U_SFDC"])
    clock = ShiftedClock()
    bot = RunningBot(database_url, fake_slack, clock=clock, msi_working_hours="always")
    try:
        rollout_id = start_rollout(bot, salesforce_admins=[], salesforce_groups=["S_SFDC"])
        clock.advance(timedelta(hours=25))
        assert bot.runtime.reminders.sweep() >= 1
        replies = bot.fake.wait_for(
            lambda: [
                m for m in bot.fake.posts("C_SFDC") if m["thread_ts"] and "<!subteam^S_SFDC>" in m["text"]
            ]
        )
        assert "@channel" not in replies[0]["text"] and "<!channel>" not in replies[0]["text"]
        reminded = [
            d for _u, a, d in audit_actions(bot, rollout_id) if a == "reminder_sent" and d.get("step") == 6
        ]
        assert reminded[0]["groups"] == ["S_SFDC"] and reminded[0]["mentioned"] == []
    finally:
        bot.stop()


def test_without_the_usergroups_scope_start_still_works_with_people_and_says_why(
    grouped_bot: RunningBot,
) -> None:
    bot = grouped_bot
    bot.fake.granted_scopes.remove("usergroups:read")
    bot.slack.slash("start", user="U_OWNER")
    modal = bot.fake.wait_for(lambda: opened_views(bot))[-1]
    assert block(modal, "salesforce_groups") is None and block(modal, "marketo_groups") is None
    assert "`usergroups:read` scope" in json.dumps(modal)
    assert block(modal, "salesforce_admins").get("optional") is False  # type: ignore[union-attr]
    # A group sent anyway (a form opened before the scope went) is refused with the reason.
    stale = start_form_values(salesforce_groups=["S_SFDC"])
    errors = bot.slack.interact(view_submission("msi_start_rollout", stale)).json()["errors"]
    assert errors == {"salesforce_groups": EN.text("start.error.groups_missing_scope")}
    start_rollout(bot)


def edit_values(**form: Any) -> dict[str, Any]:
    values = start_form_values(**form)
    for block_id in ("name", "environment", "prerequisites"):
        values.pop(block_id)
    return values


def test_edit_keeps_groups_and_stores_the_owners_non_working_dates(grouped_bot: RunningBot) -> None:
    bot = grouped_bot
    rollout_id = start_rollout(bot, salesforce_groups=["S_SFDC"])
    home_click(bot, "msi_home_edit", str(rollout_id), "U_OWNER")
    modal = bot.fake.wait_for(lambda: opened_views(bot))[-1]
    assert modal["callback_id"] == "msi_edit_rollout"
    chosen = block(modal, "salesforce_groups")["element"]["initial_options"]  # type: ignore[index]
    assert [o["value"] for o in chosen] == ["S_SFDC"]
    dates = "2026-12-29..2027-01-03 年末年始\n\n2027-02-11"
    answer = bot.slack.interact(
        view_submission(
            "msi_edit_rollout",
            edit_values(salesforce_groups=["S_SFDC"], off_dates=dates),
            private_metadata=modal["private_metadata"],
        )
    )
    assert answer.status_code == 200 and not answer.content, answer.text
    with bot.database.read() as session:
        rollout = session.get(Rollout, rollout_id)
        assert rollout is not None
        assert rollout.off_dates == [
            ["2026-12-29", "2027-01-03", "年末年始"],
            ["2027-02-11", "2027-02-11", ""],
        ]
    edited = next(d for _u, a, d in audit_actions(bot, rollout_id) if a == "rollout_edited")
    assert edited["before"]["off_dates"] == [] and len(edited["after"]["off_dates"]) == 2
    # Opened again, Edit shows them.
    home_click(bot, "msi_home_edit", str(rollout_id), "U_OWNER")
    again = bot.fake.wait_for(lambda: opened_views(bot)[1:])[-1]
    shown = block(again, "off_dates")["element"]["initial_value"]  # type: ignore[index]
    assert shown == "2026-12-29..2027-01-03 年末年始\n2027-02-11"
    # /msi status says them too.
    status = bot.slack.slash("status Production", user="U_OWNER").json()
    assert "*Non-working dates* (no reminders): 2026-12-29 to 2027-01-03 年末年始, 2027-02-11" in json.dumps(
        status, ensure_ascii=False
    )


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("2026-13-01", "Line 2 isn't a date or a date range: “2026-13-01”."),
        ("2027-01-03..2026-12-29", "Line 2 ends before it starts: “2027-01-03..2026-12-29”."),
        ("next friday", "Line 2 isn't a date or a date range: “next friday”."),
    ],
)
def test_edit_with_a_bad_date_line_shows_the_field_error_and_changes_nothing(
    bot: RunningBot, line: str, error: str
) -> None:
    rollout_id = start_rollout(bot)
    answer = bot.slack.interact(
        view_submission(
            "msi_edit_rollout",
            edit_values(salesforce_admins=["U_SFDC2"], off_dates=f"2026-12-29\n{line}"),
            private_metadata=str(rollout_id),
        )
    )
    errors = answer.json()["errors"]
    assert list(errors) == ["off_dates"] and errors["off_dates"].startswith(error)
    with bot.database.read() as session:
        rollout = session.get(Rollout, rollout_id)
        assert rollout is not None and rollout.off_dates == []
    assert members(bot, rollout_id) == [
        ("marketo_admin", MemberKind.USER, "U_MKTO"),
        ("salesforce_admin", MemberKind.USER, "U_SFDC"),
    ]
    assert "rollout_edited" not in [a for _u, a, _d in audit_actions(bot, rollout_id)]
