"""Refusals over HTTP, one per kind of answer: a refused click, command or submission changes nothing in the
database but its `click_denied` audit row and its private answer, and Slack is sent that answer only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Approval, CsvDraft, OutboxItem, PendingClick, Rollout
from tests.conftest import RunningBot
from tests.flow_helpers import (
    audit_actions,
    click,
    home_click,
    snapshot,
    start_rollout,
    wait_approval_request,
    wait_private_answer,
    wait_step_message,
)
from tests.harness import start_form_values, view_submission
from tests.uploads.test_uploads_scenario import GOOD_CSV, upload, wait_preview

# What a refusal may write: its audit row and its answer (pending_click is only passed through).
REFUSAL_TABLES = ("audit_event", "outbox")


def wait_settled(bot: RunningBot) -> None:
    """No click waiting and nothing left to deliver, so 'nothing else changed' can be judged."""

    def settled() -> bool:
        with bot.database.read() as session:
            click = session.scalars(select(PendingClick.id)).first()
            pending = session.scalars(select(OutboxItem.id).where(OutboxItem.status == "pending")).first()
        return click is None and pending is None

    bot.fake.wait_for(settled, interval=0.05)


@dataclass(frozen=True)
class Refused:
    """What a refusal case expects: its audit row (actor, details), and its answer."""

    actor: str
    details: dict[str, Any]
    answer: str  # a part of the answer's text
    answered: Callable[[RunningBot], str]  # waits for the answer; returns its text
    by_outbox: bool = True  # False: the answer went back in the acknowledgement


def outsider_marks_step_1_done(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    step1 = wait_step_message(bot, 1, "C_MKTO")
    ready()
    url = click(bot, step1, "msi_step_done", "U_SFDC")
    return Refused(
        actor="U_SFDC",
        details={"attempted": "mark_done", "step": 1},
        answer="Only the rollout's Marketo admin",
        answered=lambda bot: str(wait_private_answer(bot, url)["text"]),
    )


def requester_outside_the_salesforce_admins_approves(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    step1 = wait_step_message(bot, 1, "C_MKTO")
    click(bot, step1, "msi_step_done", "U_MKTO")
    step2 = wait_step_message(bot, 2, "C_MKTO")
    bot.fake.wait_for(lambda: "Done by" in str(step1))
    click(bot, step2, "msi_step_done", "U_MKTO")
    request = wait_approval_request(bot, "Step 2 of 7")
    ready()
    url = click(bot, request, "msi_approval_approve", "U_MKTO")
    with bot.database.read() as session:
        approval_id = session.scalars(select(Approval.id)).one()
    return Refused(
        actor="U_MKTO",
        details={"attempted": "decide_approval", "approval": approval_id},
        answer="Only the Salesforce admins",
        answered=lambda bot: str(wait_private_answer(bot, url)["text"]),
    )


def admin_cancels_the_rollout_from_home(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    ready()
    home_click(bot, "msi_home_cancel", str(rollout_of(bot)), "U_MKTO")  # App Home: no response_url

    def direct_message(bot: RunningBot) -> str:
        found = bot.fake.wait_for(
            lambda: [m for m in bot.fake.posts("D_MKTO") if "Only the owner" in m["text"]]
        )
        return str(found[0]["text"])

    return Refused(
        actor="U_MKTO",
        details={"attempted": "owner_action"},
        answer="<@U_OWNER>",
        answered=direct_message,
    )


def outsider_invites(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    ready()
    response = bot.slack.slash("invite a@example.com", user="U_OTHER", channel="C_MKTO")
    return Refused(
        actor="U_OTHER",
        details={"attempted": "invite"},
        answer="*Production*",
        answered=lambda _bot: str(response.json()["text"]),
        by_outbox=False,
    )


def admin_submits_the_edit_form(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    ready()
    values = start_form_values(salesforce_channel="C_SFDC")
    for block in ("name", "environment", "prerequisites"):
        values.pop(block)
    response = bot.slack.interact(
        view_submission("msi_edit_rollout", values, user="U_MKTO", private_metadata=str(rollout_of(bot)))
    )
    return Refused(
        actor="U_MKTO",
        details={"attempted": "edit_rollout"},
        answer="Only the owner",
        answered=lambda _bot: str(response.json()["errors"]["marketo_admins"]),
        by_outbox=False,
    )


def remove_marketo_admin(bot: RunningBot, rollout_id: int, **form: Any) -> None:
    """The owner edits the rollout so that U_MKTO is no longer one of its admins."""
    values = start_form_values(marketo_admins=["U_MKTO2"], **form)
    for block in ("name", "environment", "prerequisites"):
        values.pop(block)
    answer = bot.slack.interact(
        view_submission("msi_edit_rollout", values, user="U_OWNER", private_metadata=str(rollout_id))
    )
    assert answer.status_code == 200 and not answer.content, answer.text


def draft_id_of(bot: RunningBot) -> int:
    with bot.database.read() as session:
        return int(session.scalars(select(CsvDraft.id)).one())


def former_admin_requests_invitations_from_a_preview(bot: RunningBot, ready: Callable[[], None]) -> Refused:
    upload(bot, "F1", "users.csv", GOOD_CSV)
    preview = wait_preview(bot)
    remove_marketo_admin(bot, rollout_of(bot))
    ready()
    url = click(bot, preview, "msi_draft_request", "U_MKTO")
    return Refused(
        actor="U_MKTO",
        details={"attempted": "csv_request", "draft_id": draft_id_of(bot)},
        answer="Only the owner and the admins of rollout *Production* can request invitations",
        answered=lambda bot: str(wait_private_answer(bot, url)["text"]),
    )


def former_admin_picks_the_rollout_for_a_direct_message_upload(
    bot: RunningBot, ready: Callable[[], None]
) -> Refused:
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(
        bot, name="Sandbox", environment="sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2"
    )
    upload(bot, "F1", "users.csv", GOOD_CSV, channel="D_MKTO")
    preview = wait_preview(bot, contains="pick the one")
    picker = next(
        element
        for block in preview["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "static_select"
    )
    production = next(option for option in picker["options"] if option["text"]["text"] == "Production")
    remove_marketo_admin(bot, rollout_of(bot, "Production"))
    ready()
    url = bot.fake.response_url("pick")
    payload = {
        "type": "block_actions",
        "user": {"id": "U_MKTO"},
        "api_app_id": "A111",
        "team": {"id": "T111"},
        "container": {"type": "message", "message_ts": preview["ts"], "channel_id": preview["channel"]},
        "channel": {"id": preview["channel"]},
        "response_url": url,
        "trigger_id": "t",
        "actions": [
            {
                "action_id": "msi_draft_rollout",
                "block_id": "b",
                "type": "static_select",
                "selected_option": production,  # from the picker shown before the edit
                "action_ts": "1",
            }
        ],
    }
    assert bot.slack.interact(payload).status_code == 200
    return Refused(
        actor="U_MKTO",
        details={"attempted": "csv_rollout", "draft_id": draft_id_of(bot)},
        answer="Only the owner and the admins of rollout *Production* can request invitations",
        answered=lambda bot: str(wait_private_answer(bot, url)["text"]),
    )


def rollout_of(bot: RunningBot, name: str | None = None) -> int:
    """The only rollout's id, or the one named `name`."""
    query = select(Rollout.id) if name is None else select(Rollout.id).where(Rollout.name == name)
    with bot.database.read() as session:
        return int(session.scalars(query).one())


@pytest.mark.parametrize(
    "refuse",
    [
        outsider_marks_step_1_done,
        requester_outside_the_salesforce_admins_approves,
        admin_cancels_the_rollout_from_home,
        outsider_invites,
        admin_submits_the_edit_form,
        former_admin_requests_invitations_from_a_preview,
        former_admin_picks_the_rollout_for_a_direct_message_upload,
    ],
)
def test_a_refusal_changes_nothing_but_its_answer_and_its_audit_row(
    bot: RunningBot, refuse: Callable[[RunningBot, Callable[[], None]], Refused]
) -> None:
    rollout_id = start_rollout(bot)
    before: dict[str, list[tuple[str, ...]]] = {}
    calls_before: list[int] = []

    def ready() -> None:
        """Called by each case right before its refusal: settle, then take the 'before' picture."""
        wait_settled(bot)
        before.update(snapshot(bot))
        calls_before.append(len(bot.fake.calls))

    expected = refuse(bot, ready)
    text = expected.answered(bot)
    assert expected.answer in text
    wait_settled(bot)
    after = snapshot(bot)

    added: dict[str, list[tuple[str, ...]]] = {}
    for table, rows in after.items():
        assert not Counter(before[table]) - Counter(rows), f"{table}: a row changed or went"
        added[table] = list((Counter(rows) - Counter(before[table])).elements())
    assert {table for table, rows in added.items() if rows} <= set(REFUSAL_TABLES), added
    assert len(added["audit_event"]) == 1
    assert audit_actions(bot, rollout_id)[-1] == (expected.actor, "click_denied", expected.details)
    assert len(added["outbox"]) == (1 if expected.by_outbox else 0)
    # Slack heard the answer and nothing more: no message was posted or updated besides it.
    new_calls = bot.fake.calls[calls_before[0] :]
    assert [c.method for c in new_calls if c.method in ("chat.update", "chat.delete", "files.upload")] == []
    posted = [c for c in new_calls if c.method == "chat.postMessage"]
    assert all(str(c.params.get("text")) == text for c in posted), posted
