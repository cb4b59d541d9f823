"""Every message and view the builders make passes Slack's own checks of ids and limits.

Slack refuses a whole `views.publish` or `chat.postMessage` when one block repeats an action id or a message
repeats a block id (`invalid_arguments` / `invalid_blocks`); App Home then stops updating for good. The
builders are called here with the inputs that repeat buttons most (several done steps, several open
batches, several pending approvals) and every block of every output is walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.approvals import blocks as approval_blocks
from bot.approvals.cards import ApprovalCard
from bot.approvals.service import ApprovalService
from bot.doctor import blocks as doctor_blocks
from bot.doctor.findings import Finding, Problem
from bot.invitations.service import InvitationService
from bot.reports import blocks as report_blocks
from bot.reports.blocks import RolloutSummary, StepSummary
from bot.rollouts import blocks as rollout_blocks
from bot.slack.scopes import BOT_SCOPES
from bot.steps import blocks as step_blocks
from bot.steps.blocks import StepCard
from bot.steps.runbook import StepState
from bot.steps.salesforce import SalesforceError
from bot.texts import CATALOG, Texts
from bot.uploads import blocks as upload_blocks
from tests.fake_slack import refuse_payload

ENGLISH = Texts.of("en")
WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def approval(approval_id: int, status: str = "pending") -> ApprovalCard:
    return ApprovalCard(
        approval_id=approval_id,
        rollout_name="Production",
        environment="production",
        subject=f"Step {approval_id}",
        why="It touches Salesforce",
        requested_by="U_MKTO",
        requested_at=WHEN,
        status=status,
    )


def summary(rollout_id: int) -> RolloutSummary:
    states = [StepState.DONE, StepState.DONE, StepState.DONE, StepState.OPEN]
    steps = tuple(
        StepSummary(
            number=number,
            state=states[number - 1] if number <= len(states) else StepState.LOCKED,
            blocked=False,
            when=WHEN,
            who="U_MKTO",
            step_id=rollout_id * 10 + number,
        )
        for number in range(1, 8)
    )
    return RolloutSummary(
        rollout_id=rollout_id,
        name=f"Rollout {rollout_id}",
        environment="production",
        owner_id="U_OWNER",
        marketo_channel="C_MKTO",
        salesforce_channel="C_SFDC",
        steps=steps,
        approvals=(approval(rollout_id * 100 + 1), approval(rollout_id * 100 + 2)),
        invitations={"pending_approval": 3, "approved": 2},
        seat_limit=100,
        open_batches=(
            (rollout_id * 100 + 7, 5, "pending_approval", "U_OWNER"),
            (rollout_id * 100 + 8, 3, "approved", "U_OWNER"),
        ),
    )


def home_view(summaries: list[Any], texts: Texts = ENGLISH, **options: Any) -> dict[str, Any]:
    """App Home as ReportService.home builds it: the other domains' buttons come from their services."""
    return report_blocks.home_view(
        texts,
        "U_OWNER",
        summaries,
        decision_buttons={
            card.approval_id: ApprovalService.decision_buttons(texts, card)
            for s in summaries
            for card in s.approvals
        },
        cancel_buttons={
            batch[0]: InvitationService.cancel_button(texts, batch[0], batch[1], one_of_many=True)
            for s in summaries
            for batch in s.open_batches
        },
        **options,
    )


def outputs(texts: Texts) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, Web API method, params) for each builder output in one language, as the bot would send it."""
    summaries = [summary(1), summary(2)]
    home = home_view(
        summaries,
        texts,
        may_reopen={1: {1, 2, 3}, 2: {1, 2}},
        may_decide=frozenset({101, 102, 201, 202}),
    )
    yield "home_view", "views.publish", {"view": home}
    yield "home_welcome", "views.publish", {"view": home_view([], texts, may_reopen={})}
    yield "start_modal", "views.open", {"view": rollout_blocks.start_modal(texts)}
    yield "help_modal", "views.open", {"view": step_blocks.help_modal(texts, 42, 3)}
    yield "reopen_modal", "views.open", {"view": step_blocks.reopen_modal(texts, 42, 3)}
    yield "reject_modal", "views.open", {"view": approval_blocks.reject_modal(texts, approval(7))}
    yield "override_modal", "views.open", {"view": step_blocks.override_modal(texts, 42, 6, checked=True)}
    yield (
        "mapping_modal",
        "views.open",
        {
            "view": upload_blocks.mapping_modal(
                texts,
                draft_id=5,
                file_name="users.csv",
                headers=["Email", "First", "Last", "Team", "Email"],
                mapping={"email": 0, "first_name": 1, "last_name": 2, "team": None},
            )
        },
    )
    yield (
        "edit_modal",
        "views.open",
        {
            "view": rollout_blocks.edit_modal(
                texts,
                rollout_id=1,
                rollout_name="Production",
                marketo_admins=["U_MKTO"],
                salesforce_admins=["U_SFDC"],
                marketo_channel="C_MKTO",
                salesforce_channel="C_SFDC",
                language="ja",
            )
        },
    )
    for state in StepState:
        for number in (2, 6, 7):
            _, message = step_blocks.step_message(
                texts,
                StepCard(
                    step_id=42,
                    number=number,
                    state=state,
                    rollout_name="Production",
                    environment="production",
                    opened_at=WHEN,
                ),
            )
            yield f"step_message {number} {state}", "chat.postMessage", {"blocks": message}
    for status in ("pending", "approved", "rejected"):
        _, message = approval_blocks.approval_message(texts, approval(7, status))
        yield f"approval_message {status}", "chat.postMessage", {"blocks": message}
    yield "status_blocks", "chat.postEphemeral", {"blocks": report_blocks.status_blocks(texts, summary(1))}
    yield "help_blocks", "chat.postEphemeral", {"blocks": report_blocks.help_blocks(texts)}
    _, doctor = doctor_blocks.doctor_answer(texts, failing_doctor_findings())
    yield "doctor_answer", "response_url", {"blocks": doctor}


def failing_doctor_findings() -> list[Finding]:
    """Every check failing at once, with more problems than are shown, and the longest texts."""
    many = 40
    return [
        Finding("token", problems=(Problem("doctor.token.refused", {"error": "token_revoked"}),)),
        Finding("scopes", problems=(Problem("doctor.scopes.missing", {"scopes": sorted(BOT_SCOPES)}),)),
        Finding(
            "channels",
            problems=tuple(
                Problem(
                    "doctor.channels.not_found", {"channel": f"C{n:08}", "rollout": "R" * 80, "error": "x"}
                )
                for n in range(many)
            ),
        ),
        Finding(
            "members",
            problems=tuple(
                Problem("doctor.members.gone", {"user": f"U{n:08}", "rollout": "R" * 80}) for n in range(many)
            ),
        ),
        Finding(
            "salesforce",
            problems=(
                Problem(
                    "doctor.salesforce.failed",
                    {
                        "environment": "production",
                        "reason": SalesforceError(
                            "salesforce.invalid_grant", {"host": "h", "description": "d" * 300}
                        ),
                    },
                ),
            ),
        ),
        Finding(
            "database", problems=(Problem("doctor.database.behind", {"current": "0009", "head": "0011"}),)
        ),
        Finding("outbox", problems=(Problem("doctor.outbox.stuck", {"count": 12, "since": WHEN}),)),
    ]


def action_ids_by_block(payload: list[dict[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    for index, block in enumerate(payload):
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        elements += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
        yield (
            str(block.get("block_id", index)),
            [element["action_id"] for element in elements if "action_id" in element],
        )


@pytest.mark.parametrize(
    ("name", "method", "params"),
    [
        (f"{language} {name}", method, params)
        for language in CATALOG
        for name, method, params in outputs(Texts.of(language))
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_no_block_repeats_an_action_id_and_no_payload_repeats_a_block_id(
    name: str, method: str, params: dict[str, Any]
) -> None:
    payload = params["view"]["blocks"] if "view" in params else params["blocks"]
    for block_id, action_ids in action_ids_by_block(payload):
        assert len(action_ids) == len(set(action_ids)), f"{name}: block {block_id} repeats {action_ids}"
    block_ids = [block["block_id"] for block in payload if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), f"{name}: repeated block ids {block_ids}"
    # and the fake Slack, which refuses what Slack refuses, takes it
    assert refuse_payload(method, params) is None


def test_app_home_with_several_done_steps_and_open_batches_has_them_all_as_buttons() -> None:
    home = home_view([summary(1)], may_reopen={1: {1, 2, 3}}, may_decide=frozenset())
    action_ids = [action_id for _, found in action_ids_by_block(home["blocks"]) for action_id in found]
    assert sum(1 for a in action_ids if a.startswith("msi_home_reopen")) == 3
    assert sum(1 for a in action_ids if a.startswith("msi_batch_cancel")) == 2


def test_the_fake_slack_refuses_a_block_that_repeats_an_action_id() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "a", "value": "1"}
    view = {"type": "home", "blocks": [{"type": "actions", "elements": [button, dict(button, value="2")]}]}
    refusal = refuse_payload("views.publish", {"view": view})
    assert refusal is not None and refusal[0] == "invalid_arguments"
