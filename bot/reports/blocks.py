"""What /msi help, /msi status, /msi list and App Home show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.approvals.cards import ApprovalCard
from bot.slack import formatting, ids
from bot.slack.blockkit import HEADER_LIMIT, Block, button, confirm_dialog, context, plain, section
from bot.steps import runbook
from bot.steps.labels import BLOCKED_ICON, STATE_ICONS, progress_bar
from bot.steps.runbook import StepState
from bot.texts import Texts


def help_blocks(texts: Texts, unknown_command: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if unknown_command is not None:
        shown = formatting.clip(formatting.escape(unknown_command), 100).replace("`", "'")
        blocks.append(section(texts.text("help.unknown", command=shown)))
    else:
        blocks.append(section(texts.text("help.title")))
    blocks.append(section(texts.text("help.usage")))
    return blocks


def help_text(texts: Texts, unknown_command: str | None = None) -> str:
    return "\n".join(block["text"]["text"] for block in help_blocks(texts, unknown_command))


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
    # The owner's own non-working dates as stored ([first, last, note]), shown while set.
    off_dates: tuple[tuple[str, str, str], ...] = ()

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.state is StepState.DONE)


def _step_detail(texts: Texts, step: StepSummary) -> str:
    when = texts.date(step.when) if step.when else ""
    who = formatting.user(step.who) if step.who else ""
    if step.state is StepState.DONE:
        return texts.text("status.step_detail.done", who=who, when=when)
    if step.blocked:
        problem = formatting.clip(formatting.escape(step.blocked_note or ""), 200)
        return texts.text("status.step_detail.blocked", who=who, when=when, problem=problem)
    if step.state is StepState.LOCKED:
        needs = texts.join(str(n) for n in runbook.step(step.number).needs)
        return texts.text("status.step_detail.locked", needs=needs)
    if step.state is StepState.OPEN:
        return texts.text("status.step_detail.open", when=when)
    state = texts.text(f"state.{step.state.value}")
    return texts.text("status.step_detail.since", state=state, when=when) if when else state


def step_lines(texts: Texts, summary: RolloutSummary) -> list[str]:
    lines = []
    for step in summary.steps:
        icon = BLOCKED_ICON if step.blocked and step.state is not StepState.DONE else STATE_ICONS[step.state]
        lines.append(
            texts.text(
                "status.step_line",
                icon=icon,
                number=step.number,
                title=texts.text(f"step.{step.number}.title"),
                state=_step_detail(texts, step),
            )
        )
    return lines


def approval_line(texts: Texts, card: ApprovalCard) -> str:
    return texts.text(
        "status.approval_line",
        subject=card.subject,
        who=formatting.user(card.requested_by),
        when=texts.date(card.requested_at),
    )


def approval_lines(texts: Texts, summary: RolloutSummary) -> list[str]:
    return [approval_line(texts, card) for card in summary.approvals]


def status_blocks(texts: Texts, summary: RolloutSummary) -> list[Block]:
    pending = approval_lines(texts, summary)
    extra = [section(texts.text("status.approvals") + "\n" + "\n".join(pending))] if pending else []
    if summary.invitations is not None:
        extra.append(section(invitation_counts(texts, summary)))
    if summary.off_dates:
        extra.append(section(off_dates_line(texts, summary.off_dates)))
    return [
        section(
            texts.text(
                "status.title",
                rollout=formatting.escape(summary.name),
                environment=texts.text(f"environment.{summary.environment}"),
                owner=formatting.user(summary.owner_id),
            )
            + "\n"
            + texts.text(
                "status.progress",
                bar=progress_bar(summary.done, runbook.STEP_COUNT),
                done=summary.done,
                total=runbook.STEP_COUNT,
            )
        ),
        section("\n".join(step_lines(texts, summary))),
        *extra,
    ]


def off_dates_line(texts: Texts, off_dates: tuple[tuple[str, str, str], ...]) -> str:
    spans = []
    for first, last, note in off_dates:
        span = first if first == last else texts.text("status.off_dates.range", first=first, last=last)
        spans.append(f"{span} {formatting.escape(note)}".strip())
    return formatting.clip(texts.text("status.off_dates", dates=texts.join(spans)), 2900)


def invitation_counts(texts: Texts, summary: RolloutSummary) -> str:
    counts = summary.invitations or {}
    return texts.text(
        "status.invitations",
        requested=counts.get("pending_approval", 0),
        approved=counts.get("approved", 0),
        sent=counts.get("sent", 0),
        rejected=counts.get("rejected", 0),
        cancelled=counts.get("cancelled", 0),
        seats=counts.get("seats", 0),
        limit=summary.seat_limit,
    )


def rollout_line(texts: Texts, summary: RolloutSummary, key: str = "status.line") -> str:
    return texts.text(
        key,
        rollout=formatting.escape(summary.name),
        environment=texts.text(f"environment.{summary.environment}"),
        bar=progress_bar(summary.done, runbook.STEP_COUNT),
        done=summary.done,
        total=runbook.STEP_COUNT,
        owner=formatting.user(summary.owner_id),
        marketo_channel=formatting.channel(summary.marketo_channel),
        salesforce_channel=formatting.channel(summary.salesforce_channel),
    )


HOME_ROLLOUT_LIMIT = 12


def home_view(
    texts: Texts,
    viewer: str,
    summaries: list[RolloutSummary],
    *,
    may_reopen: dict[int, set[int]],
    may_decide: frozenset[int] = frozenset(),
    decision_buttons: Mapping[int, list[Block]],
    cancel_buttons: Mapping[int, Block],
) -> dict[str, Any]:
    """The App Home tab for one viewer; `may_reopen`: rollout id -> done steps the viewer may reopen.

    The buttons of other domains come built by their services: `decision_buttons` by approval id
    (Approve, Reject), `cancel_buttons` by invitation batch id."""

    start = {
        "type": "actions",
        "block_id": "home_start",
        "elements": [button(texts.text("home.start"), ids.HOME_START, "start", style="primary")],
    }
    if not summaries:
        # Nothing to track yet (a first visit, usually): what the bot does, in place of an empty list.
        return {
            "type": "home",
            "blocks": [
                {"type": "header", "text": plain(texts.text("home.welcome.title"), HEADER_LIMIT)},
                section(texts.text("home.welcome.body")),
                start,
                context(texts.text("home.welcome.help")),
            ],
        }
    blocks: list[Block] = [section(texts.text("home.title") + "\n" + texts.text("home.intro")), start]
    for summary in summaries[:HOME_ROLLOUT_LIMIT]:
        blocks.append({"type": "divider"})
        blocks.append(section(rollout_line(texts, summary, "home.rollout")))
        blocks.append(section("\n".join(step_lines(texts, summary))))
        if summary.rollout_id in may_decide:
            for card in summary.approvals[:5]:
                if card.requested_by == viewer:
                    continue
                blocks.append(section(texts.text("home.approvals") + "\n" + approval_line(texts, card)))
                blocks.append(
                    {
                        "type": "actions",
                        "block_id": f"home_approval_{card.approval_id}",
                        "elements": decision_buttons[card.approval_id],
                    }
                )
        if summary.invitations is not None:
            blocks.append(context(invitation_counts(texts, summary)))
        cancellable = [batch for batch in summary.open_batches if viewer in (summary.owner_id, batch[3])]
        if cancellable:
            lines = [
                texts.text(
                    "home.batch_line", batch=batch_id, count=count, state=texts.text(f"batch.state.{state}")
                )
                for batch_id, count, state, _requester in cancellable[:5]
            ]
            blocks.append(section(texts.text("home.batches") + "\n" + "\n".join(lines)))
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"home_batches_{summary.rollout_id}",
                    "elements": [cancel_buttons[batch_id] for batch_id, _c, _s, _r in cancellable[:5]],
                }
            )
        if summary.reminders_paused:
            blocks.append(context(texts.text("home.paused")))
        elements = []
        if summary.owner_id == viewer:
            elements.append(button(texts.text("home.edit"), ids.HOME_EDIT, str(summary.rollout_id)))
            if summary.reminders_paused:
                elements.append(button(texts.text("home.resume"), ids.HOME_RESUME, str(summary.rollout_id)))
            else:
                elements.append(button(texts.text("home.pause"), ids.HOME_PAUSE, str(summary.rollout_id)))
        for number in sorted(may_reopen.get(summary.rollout_id, set())):
            step_id = next(step.step_id for step in summary.steps if step.number == number)
            elements.append(
                button(
                    texts.text("home.reopen", number=number),
                    ids.one_of_many(ids.HOME_REOPEN, str(step_id)),
                    str(step_id),
                )
            )
        if summary.owner_id == viewer:
            elements.append(
                button(
                    texts.text("home.cancel"),
                    ids.HOME_CANCEL,
                    str(summary.rollout_id),
                    style="danger",
                    confirm=confirm_dialog(texts, "home.cancel.confirm", rollout=summary.name),
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
        blocks.append(context(texts.text("home.more_rollouts", count=len(summaries) - HOME_ROLLOUT_LIMIT)))
    return {"type": "home", "blocks": blocks[:100]}
