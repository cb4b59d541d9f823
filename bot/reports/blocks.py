"""What /msi help, /msi status, /msi list and App Home show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import texts
from bot.approvals.cards import ApprovalCard
from bot.slack import formatting, ids
from bot.slack.blockkit import Block, button, confirm_dialog, context, section
from bot.steps import runbook
from bot.steps.labels import BLOCKED_ICON, STATE_ICONS, progress_bar
from bot.steps.runbook import StepState


def help_blocks(unknown_command: str | None = None, language: str = texts.DEFAULT_LANGUAGE) -> list[Block]:
    blocks: list[Block] = []
    if unknown_command is not None:
        shown = formatting.clip(formatting.escape(unknown_command), 100).replace("`", "'")
        blocks.append(section(texts.text("help.unknown", language, command=shown)))
    else:
        blocks.append(section(texts.text("help.title", language)))
    blocks.append(section(texts.text("help.usage", language)))
    return blocks


def help_text(unknown_command: str | None = None, language: str = texts.DEFAULT_LANGUAGE) -> str:
    return "\n".join(block["text"]["text"] for block in help_blocks(unknown_command, language))


@dataclass(frozen=True)
class StepSummary:
    number: int
    state: StepState
    blocked: bool
    when: datetime | None
    who: str | None
    blocked_note: str | None = None
    step_id: int | None = None


@dataclass(frozen=True)
class RolloutSummary:
    rollout_id: int
    name: str
    environment: str
    owner_id: str
    marketo_channel: str
    salesforce_channel: str
    steps: tuple[StepSummary, ...]
    approvals: tuple[ApprovalCard, ...] = ()
    invitations: dict[str, int] | None = None
    seat_limit: int = 0
    # (batch id, invitations, state, requester) of batches not yet sent, rejected or cancelled
    open_batches: tuple[tuple[int, int, str, str], ...] = ()
    reminders_paused: bool = False

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.state is StepState.DONE)


def _step_detail(step: StepSummary, language: str) -> str:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    when = formatting.date(step.when) if step.when else ""
    who = formatting.user(step.who) if step.who else ""
    if step.state is StepState.DONE:
        return t("status.step_detail.done", who=who, when=when)
    if step.blocked:
        problem = formatting.clip(formatting.escape(step.blocked_note or ""), 200)
        return t("status.step_detail.blocked", who=who, when=when, problem=problem)
    if step.state is StepState.LOCKED:
        needs = ", ".join(str(n) for n in runbook.step(step.number).needs)
        return t("status.step_detail.locked", needs=needs)
    if step.state is StepState.OPEN:
        return t("status.step_detail.open", when=when)
    return t(f"state.{step.state.value}") + (f" {when}" if when else "")


def step_lines(summary: RolloutSummary, language: str = texts.DEFAULT_LANGUAGE) -> list[str]:
    lines = []
    for step in summary.steps:
        icon = BLOCKED_ICON if step.blocked and step.state is not StepState.DONE else STATE_ICONS[step.state]
        lines.append(
            texts.text(
                "status.step_line",
                language,
                icon=icon,
                number=step.number,
                title=texts.text(f"step.{step.number}.title", language),
                state=_step_detail(step, language),
            )
        )
    return lines


def approval_line(card: ApprovalCard, language: str = texts.DEFAULT_LANGUAGE) -> str:
    return texts.text(
        "status.approval_line",
        language,
        subject=card.subject,
        who=formatting.user(card.requested_by),
        when=formatting.date(card.requested_at),
    )


def approval_lines(summary: RolloutSummary, language: str = texts.DEFAULT_LANGUAGE) -> list[str]:
    return [approval_line(card, language) for card in summary.approvals]


def status_blocks(summary: RolloutSummary, language: str = texts.DEFAULT_LANGUAGE) -> list[Block]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    pending = approval_lines(summary, language)
    extra = [section(t("status.approvals") + "\n" + "\n".join(pending))] if pending else []
    if summary.invitations is not None:
        extra.append(section(invitation_counts(summary, language)))
    return [
        section(
            t(
                "status.title",
                rollout=formatting.escape(summary.name),
                environment=t(f"environment.{summary.environment}"),
                owner=formatting.user(summary.owner_id),
            )
            + "\n"
            + t(
                "status.progress",
                bar=progress_bar(summary.done, runbook.STEP_COUNT),
                done=summary.done,
                total=runbook.STEP_COUNT,
            )
        ),
        section("\n".join(step_lines(summary, language))),
        *extra,
    ]


def invitation_counts(summary: RolloutSummary, language: str = texts.DEFAULT_LANGUAGE) -> str:
    counts = summary.invitations or {}
    return texts.text(
        "status.invitations",
        language,
        requested=counts.get("pending_approval", 0),
        approved=counts.get("approved", 0),
        sent=counts.get("sent", 0),
        rejected=counts.get("rejected", 0),
        cancelled=counts.get("cancelled", 0),
        seats=counts.get("seats", 0),
        limit=summary.seat_limit,
    )


def rollout_line(
    summary: RolloutSummary, key: str = "status.line", language: str = texts.DEFAULT_LANGUAGE
) -> str:
    return texts.text(
        key,
        language,
        rollout=formatting.escape(summary.name),
        environment=texts.text(f"environment.{summary.environment}", language),
        bar=progress_bar(summary.done, runbook.STEP_COUNT),
        done=summary.done,
        total=runbook.STEP_COUNT,
        owner=formatting.user(summary.owner_id),
        marketo_channel=formatting.channel(summary.marketo_channel),
        salesforce_channel=formatting.channel(summary.salesforce_channel),
    )


HOME_ROLLOUT_LIMIT = 12


def home_view(
    viewer: str,
    summaries: list[RolloutSummary],
    *,
    may_reopen: dict[int, set[int]],
    may_decide: frozenset[int] = frozenset(),
    decision_buttons: Mapping[int, list[Block]],
    cancel_buttons: Mapping[int, Block],
    language: str = texts.DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """The App Home tab for one viewer; `may_reopen`: rollout id -> done steps the viewer may reopen.

    The buttons of other domains come built by their services: `decision_buttons` by approval id
    (Approve, Reject), `cancel_buttons` by invitation batch id."""

    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    blocks: list[Block] = [
        section(t("home.title") + "\n" + t("home.intro")),
        {
            "type": "actions",
            "block_id": "home_start",
            "elements": [button(t("home.start"), ids.HOME_START, "start", style="primary")],
        },
    ]
    if not summaries:
        blocks.append(section(t("home.none")))
    for summary in summaries[:HOME_ROLLOUT_LIMIT]:
        blocks.append({"type": "divider"})
        blocks.append(section(rollout_line(summary, "home.rollout", language)))
        blocks.append(section("\n".join(step_lines(summary, language))))
        if summary.rollout_id in may_decide:
            for card in summary.approvals[:5]:
                if card.requested_by == viewer:
                    continue
                blocks.append(section(t("home.approvals") + "\n" + approval_line(card, language)))
                blocks.append(
                    {
                        "type": "actions",
                        "block_id": f"home_approval_{card.approval_id}",
                        "elements": decision_buttons[card.approval_id],
                    }
                )
        if summary.invitations is not None:
            blocks.append(context(invitation_counts(summary, language)))
        cancellable = [batch for batch in summary.open_batches if viewer in (summary.owner_id, batch[3])]
        if cancellable:
            lines = [
                t("home.batch_line", batch=batch_id, count=count, state=t(f"batch.state.{state}"))
                for batch_id, count, state, _requester in cancellable[:5]
            ]
            blocks.append(section(t("home.batches") + "\n" + "\n".join(lines)))
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"home_batches_{summary.rollout_id}",
                    "elements": [cancel_buttons[batch_id] for batch_id, _c, _s, _r in cancellable[:5]],
                }
            )
        if summary.reminders_paused:
            blocks.append(context(t("home.paused")))
        elements = []
        if summary.owner_id == viewer:
            elements.append(button(t("home.edit"), ids.HOME_EDIT, str(summary.rollout_id)))
            if summary.reminders_paused:
                elements.append(button(t("home.resume"), ids.HOME_RESUME, str(summary.rollout_id)))
            else:
                elements.append(button(t("home.pause"), ids.HOME_PAUSE, str(summary.rollout_id)))
        for number in sorted(may_reopen.get(summary.rollout_id, set())):
            step_id = next(step.step_id for step in summary.steps if step.number == number)
            elements.append(
                button(
                    t("home.reopen", number=number),
                    ids.one_of_many(ids.HOME_REOPEN, str(step_id)),
                    str(step_id),
                )
            )
        if summary.owner_id == viewer:
            elements.append(
                button(
                    t("home.cancel"),
                    ids.HOME_CANCEL,
                    str(summary.rollout_id),
                    style="danger",
                    confirm=confirm_dialog(
                        t("home.cancel.confirm.title"),
                        t("home.cancel.confirm.text", rollout=summary.name),
                        t("home.cancel.confirm.yes"),
                        t("home.cancel.confirm.no"),
                    ),
                )
            )
        if elements:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"home_rollout_{summary.rollout_id}",
                    "elements": elements[:25],
                }
            )
    if len(summaries) > HOME_ROLLOUT_LIMIT:
        blocks.append(context(t("home.more_rollouts", count=len(summaries) - HOME_ROLLOUT_LIMIT)))
    return {"type": "home", "blocks": blocks[:100]}
