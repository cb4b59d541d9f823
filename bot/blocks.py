"""Block Kit builders: pure functions from data to message and view payloads. No I/O, no prose of their own.

Every text comes from the catalog; every value a user typed is escaped before it gets here or here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import catalog, ids, runbook, slack_text
from bot.runbook import Persona, StepState

Block = dict[str, Any]
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
MESSAGE_BLOCK_LIMIT = 50


def plain(value: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": slack_text.clip(value, limit) if limit else value, "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": slack_text.clip(value, SECTION_LIMIT)}


def section(value: str) -> Block:
    return {"type": "section", "text": mrkdwn(value)}


def context(value: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(value)]}


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, body: str, yes: str, no: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": plain(body, 300),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def persona_label(personas: tuple[Persona, ...], language: str = catalog.DEFAULT_LANGUAGE) -> str:
    names = [catalog.text(f"persona.{persona.value}", language) for persona in personas]
    if len(names) == 2:
        return catalog.text("persona.either", language, first=names[0], second=names[1])
    return names[0]


# ---------------------------------------------------------------- /msi help


def help_blocks(unknown_command: str | None = None, language: str = catalog.DEFAULT_LANGUAGE) -> list[Block]:
    blocks: list[Block] = []
    if unknown_command is not None:
        shown = slack_text.clip(slack_text.escape(unknown_command), 100).replace("`", "'")
        blocks.append(section(catalog.text("help.unknown", language, command=shown)))
    else:
        blocks.append(section(catalog.text("help.title", language)))
    blocks.append(section(catalog.text("help.usage", language)))
    return blocks


def help_text(unknown_command: str | None = None, language: str = catalog.DEFAULT_LANGUAGE) -> str:
    return "\n".join(block["text"]["text"] for block in help_blocks(unknown_command, language))


# ---------------------------------------------------------------- the Start a rollout modal


def start_modal(language: str = catalog.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str) -> str:
        return catalog.text(key, language)

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.START_VIEW,
        "title": plain(t("start.title"), 24),
        "submit": plain(t("start.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [
            section(t("start.intro")),
            {
                "type": "input",
                "block_id": ids.START_NAME,
                "label": plain(t("start.name.label")),
                "hint": plain(t("start.name.hint")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.START_NAME,
                    "max_length": NAME_LIMIT,
                    "placeholder": plain(t("start.name.placeholder")),
                },
            },
            {
                "type": "input",
                "block_id": ids.START_ENVIRONMENT,
                "label": plain(t("start.environment.label")),
                "element": {
                    "type": "static_select",
                    "action_id": ids.START_ENVIRONMENT,
                    "initial_option": _option(t("environment.production"), "production"),
                    "options": [
                        _option(t("environment.production"), "production"),
                        _option(t("environment.sandbox"), "sandbox"),
                    ],
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(t("start.marketo_admins.label")),
                "hint": plain(t("start.marketo_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_MARKETO_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(t("start.marketo_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_MARKETO_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_ADMINS,
                "label": plain(t("start.salesforce_admins.label")),
                "hint": plain(t("start.salesforce_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_SALESFORCE_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(t("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_PREREQUISITES,
                "label": plain(t("start.prerequisites.label")),
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.START_PREREQUISITES,
                    "options": [
                        {
                            **_option(t("start.prerequisite.enabled"), ids.PREREQUISITE_ENABLED),
                            "description": plain(t("start.prerequisite.enabled.hint")),
                        },
                        _option(t("start.prerequisite.sync"), ids.PREREQUISITE_SYNC),
                    ],
                },
            },
        ],
    }


NAME_LIMIT = 80


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


# ---------------------------------------------------------------- step messages


@dataclass(frozen=True)
class StepCard:
    """What a step message shows."""

    step_id: int
    number: int
    state: StepState
    rollout_name: str
    environment: str
    opened_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    blocked: bool = False
    blocked_by: str | None = None
    blocked_at: datetime | None = None
    blocked_note: str | None = None
    note_kind: str | None = None
    note: str | None = None
    note_by: str | None = None
    note_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    moved_to: str | None = None
    approval_by: str | None = None
    approval_at: datetime | None = None
    verifiable: bool = False
    verification: dict[str, Any] | None = None


STATE_ICONS = {
    StepState.LOCKED: ":lock:",
    StepState.OPEN: ":large_blue_circle:",
    StepState.AWAITING_APPROVAL: ":hourglass_flowing_sand:",
    StepState.APPROVED: ":ballot_box_with_check:",
    StepState.DONE: ":white_check_mark:",
}
BLOCKED_ICON = ":warning:"


def progress_bar(done: int, total: int) -> str:
    return "▰" * done + "▱" * (total - done)


def step_message(card: StepCard, language: str = catalog.DEFAULT_LANGUAGE) -> tuple[str, list[Block]]:
    """The fallback text and blocks of a step message in its persona channel."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    spec = runbook.step(card.number)
    title = t(f"step.{card.number}.title")
    blocks: list[Block] = [
        {
            "type": "header",
            "text": plain(
                t("step.header", number=card.number, total=runbook.STEP_COUNT, title=title), HEADER_LIMIT
            ),
        },
        context(
            t(
                "step.rollout_line",
                rollout=slack_text.escape(card.rollout_name),
                environment=t(f"environment.{card.environment}"),
                persona=persona_label(spec.personas, language),
            )
        ),
    ]
    closed = card.cancelled_at is not None or card.moved_to is not None
    if card.moved_to is not None:
        blocks.append(section(t("step.state_line.moved", channel=slack_text.channel(card.moved_to))))
    elif card.cancelled_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.cancelled",
                    when=slack_text.date(card.cancelled_at),
                    who=slack_text.user(card.cancelled_by or ""),
                )
            )
        )
    elif card.state is StepState.DONE and card.done_at is not None and card.done_by is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.done",
                    who=slack_text.user(card.done_by),
                    when=slack_text.date(card.done_at),
                )
            )
        )
    elif card.state is StepState.AWAITING_APPROVAL and card.approval_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.awaiting",
                    who=slack_text.user(card.approval_by or ""),
                    when=slack_text.date(card.approval_at),
                )
            )
        )
    elif card.blocked and card.blocked_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.blocked",
                    when=slack_text.date(card.blocked_at),
                    who=slack_text.user(card.blocked_by or ""),
                    problem=slack_text.clip(slack_text.escape(card.blocked_note or ""), 1500),
                )
            )
        )
    elif card.state is StepState.APPROVED and card.approval_at is not None:
        blocks.append(
            section(
                t(
                    "step.state_line.approved",
                    who=slack_text.user(card.approval_by or ""),
                    when=slack_text.date(card.approval_at),
                )
            )
        )
    elif card.opened_at is not None:
        blocks.append(section(t("step.state_line.open", when=slack_text.date(card.opened_at))))
    if card.note_kind and card.note and card.note_at and card.state is not StepState.DONE and not closed:
        blocks.append(
            context(
                t(
                    f"step.note.{card.note_kind}",
                    who=slack_text.user(card.note_by or ""),
                    when=slack_text.date(card.note_at),
                    reason=slack_text.clip(slack_text.escape(card.note), 1500),
                )
            )
        )
    if card.verification and not closed:
        blocks.append(section(verification_text(card.verification, language)))
    if not closed:
        blocks.append(
            section(
                t("step.checklist.heading")
                + "\n"
                + bullets(catalog.lines(f"step.{card.number}.checklist", language))
            )
        )
        blocks.append(
            section(
                t("step.hints.heading") + "\n" + bullets(catalog.lines(f"step.{card.number}.hints", language))
            )
        )
    if card.state is not StepState.DONE and not closed:
        value = str(card.step_id)
        # While approval is pending only a persona that needs none (Salesforce admins, step 2) can finish.
        can_finish = (
            card.state is not StepState.AWAITING_APPROVAL
            or spec.approval is runbook.ApprovalRule.WHEN_MARKETO_ADMIN
        )
        elements = []
        if can_finish:
            elements.append(
                button(
                    t("step.button.done"),
                    ids.STEP_DONE,
                    value,
                    style="primary",
                    confirm=confirm_dialog(
                        t("step.confirm.title", number=card.number),
                        t("step.confirm.text", title=title),
                        t("step.confirm.yes"),
                        t("step.confirm.no"),
                    ),
                )
            )
        if card.verifiable:
            elements.append(button(t("verify.button"), ids.VERIFY, value))
        elements.append(button(t("step.button.help"), ids.STEP_HELP, value))
        if card.blocked:
            elements.append(button(t("step.button.resolve"), ids.STEP_RESOLVE, value))
        blocks.append({"type": "actions", "block_id": f"step_{card.step_id}", "elements": elements})
    state_name = (
        t("state.blocked")
        if card.blocked and card.state is not StepState.DONE
        else t(f"state.{card.state.value}")
    )
    fallback = t("step.fallback", number=card.number, title=title, state=state_name)
    return fallback, blocks


# ---------------------------------------------------------------- approval requests


@dataclass(frozen=True)
class ApprovalCard:
    """What an approval request message shows."""

    approval_id: int
    rollout_name: str
    environment: str
    subject: str
    why: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


def approval_message(card: ApprovalCard, language: str = catalog.DEFAULT_LANGUAGE) -> tuple[str, list[Block]]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    rollout = slack_text.escape(card.rollout_name)
    blocks: list[Block] = [
        {"type": "header", "text": plain(t("approval.header"), HEADER_LIMIT)},
        section(
            t(
                "approval.subject_line",
                rollout=rollout,
                environment=t(f"environment.{card.environment}"),
                subject=card.subject,
            )
            + "\n"
            + t(
                "approval.asked",
                who=slack_text.user(card.requested_by),
                when=slack_text.date(card.requested_at),
            )
        ),
        context(card.why),
    ]
    when = slack_text.date(card.decided_at) if card.decided_at else ""
    who = slack_text.user(card.decided_by) if card.decided_by else ""
    if card.status == "pending":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"approval_{card.approval_id}",
                "elements": approval_buttons(card, language),
            }
        )
    elif card.status == "approved":
        blocks.append(section(t("approval.outcome.approved", who=who, when=when)))
    elif card.status == "rejected":
        reason = slack_text.clip(slack_text.escape(card.reason or ""), 1500)
        blocks.append(section(t("approval.outcome.rejected", who=who, when=when, reason=reason)))
    elif card.decided_by:
        blocks.append(section(t("approval.outcome.cancelled", who=who, when=when)))
    else:
        blocks.append(section(t("approval.outcome.withdrawn", when=when)))
    return t("approval.fallback", subject=card.subject, rollout=rollout), blocks


def approval_buttons(card: ApprovalCard, language: str = catalog.DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    value = str(card.approval_id)
    return [
        button(
            t("approval.button.approve"),
            ids.APPROVE,
            value,
            style="primary",
            confirm=confirm_dialog(
                t("approval.confirm.title"),
                t("approval.confirm.text", subject=card.subject, rollout=card.rollout_name),
                t("approval.confirm.yes"),
                t("approval.confirm.no"),
            ),
        ),
        button(t("approval.button.reject"), ids.REJECT, value, style="danger"),
    ]


def reject_modal(card: ApprovalCard, language: str = catalog.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    intro = t(
        "approval.reject_modal.intro",
        subject=card.subject,
        rollout=slack_text.escape(card.rollout_name),
        who=slack_text.user(card.requested_by),
    )
    return text_modal(
        callback_id=ids.REJECT_VIEW,
        metadata=str(card.approval_id),
        title=t("approval.reject_modal.title"),
        submit=t("approval.reject_modal.submit"),
        close=t("start.close"),
        intro=[section(intro)],
        block_id=ids.REJECT_REASON,
        label=t("approval.reject_modal.reason"),
        max_length=1000,
    )


def verification_text(record: dict[str, Any], language: str = catalog.DEFAULT_LANGUAGE) -> str:
    """The last Salesforce check of a step, check by check, as stored by bot.verification."""
    try:
        at = datetime.fromisoformat(str(record.get("at")))
    except ValueError:
        at = None
    lines = [
        catalog.text(
            "verify.heading",
            language,
            who=slack_text.user(str(record.get("by", ""))),
            when=slack_text.date(at) if at else "",
        )
    ]
    for check in record.get("checks", []):
        params = {name: slack_text.escape(str(value)) for name, value in (check.get("params") or {}).items()}
        name = catalog.text(check["name_key"], language, **params)
        outcome = catalog.text(check["key"], language, **params)
        if check.get("passed"):
            key = "verify.passed"
        elif check.get("warning"):
            key = "verify.warning"
        else:
            key = "verify.failed"
        lines.append(catalog.text(key, language, name=name, outcome=outcome))
    return "\n".join(lines)


def override_modal(
    step_id: int, number: int, *, checked: bool, language: str = catalog.DEFAULT_LANGUAGE
) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    return text_modal(
        callback_id=ids.OVERRIDE_VIEW,
        metadata=str(step_id),
        title=t("override.title"),
        submit=t("override.submit"),
        close=t("start.close"),
        intro=[section(t("override.intro.failed" if checked else "override.intro.unchecked", number=number))],
        block_id=ids.OVERRIDE_REASON,
        label=t("override.reason"),
        max_length=1000,
    )


# ---------------------------------------------------------------- modals for one step


def text_modal(
    *,
    callback_id: str,
    metadata: str,
    title: str,
    submit: str,
    close: str,
    intro: list[Block],
    block_id: str,
    label: str,
    max_length: int,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A modal that asks for one piece of multi-line text (a problem, a reason) below some context."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": True,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(close, 24),
        "blocks": [
            *intro,
            {"type": "input", "block_id": block_id, "label": plain(label), "element": element},
        ],
    }


def help_modal(step_id: int, number: int, language: str = catalog.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    return text_modal(
        callback_id=ids.HELP_VIEW,
        metadata=str(step_id),
        title=t("help_modal.title"),
        submit=t("help_modal.submit"),
        close=t("help_modal.close"),
        intro=[
            section(t("help_modal.intro", number=number, title=t(f"step.{number}.title"))),
            section(bullets(catalog.lines(f"step.{number}.hints", language))),
        ],
        block_id=ids.HELP_PROBLEM,
        label=t("help_modal.problem.label"),
        max_length=2000,
        placeholder=t("help_modal.problem.placeholder"),
    )


def reopen_modal(step_id: int, number: int, language: str = catalog.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    return text_modal(
        callback_id=ids.REOPEN_VIEW,
        metadata=str(step_id),
        title=t("reopen_modal.title"),
        submit=t("reopen_modal.submit"),
        close=t("reopen_modal.close"),
        intro=[section(t("reopen_modal.intro", number=number, title=t(f"step.{number}.title")))],
        block_id=ids.REOPEN_REASON,
        label=t("reopen_modal.reason.label"),
        max_length=1000,
    )


# ---------------------------------------------------------------- status, list and App Home


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
        return catalog.text(key, language, **params)

    when = slack_text.date(step.when) if step.when else ""
    who = slack_text.user(step.who) if step.who else ""
    if step.state is StepState.DONE:
        return t("status.step_detail.done", who=who, when=when)
    if step.blocked:
        problem = slack_text.clip(slack_text.escape(step.blocked_note or ""), 200)
        return t("status.step_detail.blocked", who=who, when=when, problem=problem)
    if step.state is StepState.LOCKED:
        needs = ", ".join(str(n) for n in runbook.step(step.number).needs)
        return t("status.step_detail.locked", needs=needs)
    if step.state is StepState.OPEN:
        return t("status.step_detail.open", when=when)
    return t(f"state.{step.state.value}") + (f" {when}" if when else "")


def step_lines(summary: RolloutSummary, language: str = catalog.DEFAULT_LANGUAGE) -> list[str]:
    lines = []
    for step in summary.steps:
        icon = BLOCKED_ICON if step.blocked and step.state is not StepState.DONE else STATE_ICONS[step.state]
        lines.append(
            catalog.text(
                "status.step_line",
                language,
                icon=icon,
                number=step.number,
                title=catalog.text(f"step.{step.number}.title", language),
                state=_step_detail(step, language),
            )
        )
    return lines


def approval_line(card: ApprovalCard, language: str = catalog.DEFAULT_LANGUAGE) -> str:
    return catalog.text(
        "status.approval_line",
        language,
        subject=card.subject,
        who=slack_text.user(card.requested_by),
        when=slack_text.date(card.requested_at),
    )


def approval_lines(summary: RolloutSummary, language: str = catalog.DEFAULT_LANGUAGE) -> list[str]:
    return [approval_line(card, language) for card in summary.approvals]


def status_blocks(summary: RolloutSummary, language: str = catalog.DEFAULT_LANGUAGE) -> list[Block]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    pending = approval_lines(summary, language)
    extra = [section(t("status.approvals") + "\n" + "\n".join(pending))] if pending else []
    if summary.invitations is not None:
        extra.append(section(invitation_counts(summary, language)))
    return [
        section(
            t(
                "status.title",
                rollout=slack_text.escape(summary.name),
                environment=t(f"environment.{summary.environment}"),
                owner=slack_text.user(summary.owner_id),
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


def invitation_counts(summary: RolloutSummary, language: str = catalog.DEFAULT_LANGUAGE) -> str:
    counts = summary.invitations or {}
    return catalog.text(
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
    summary: RolloutSummary, key: str = "status.line", language: str = catalog.DEFAULT_LANGUAGE
) -> str:
    return catalog.text(
        key,
        language,
        rollout=slack_text.escape(summary.name),
        environment=catalog.text(f"environment.{summary.environment}", language),
        bar=progress_bar(summary.done, runbook.STEP_COUNT),
        done=summary.done,
        total=runbook.STEP_COUNT,
        owner=slack_text.user(summary.owner_id),
        marketo_channel=slack_text.channel(summary.marketo_channel),
        salesforce_channel=slack_text.channel(summary.salesforce_channel),
    )


def lines_blocks(heading: str | None, lines: list[str], limit: int = 40) -> list[Block]:
    """A list of lines as sections that respect the 3,000-character limit, cut with "and N more"."""
    shown = slack_text.cut_list(lines, limit)
    blocks: list[Block] = [section(heading)] if heading else []
    chunk: list[str] = []
    for line in shown:
        if sum(len(item) + 1 for item in chunk) + len(line) > SECTION_LIMIT - 10:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


HOME_ROLLOUT_LIMIT = 12


def home_view(
    viewer: str,
    summaries: list[RolloutSummary],
    *,
    may_reopen: dict[int, set[int]],
    may_decide: frozenset[int] = frozenset(),
    language: str = catalog.DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """The App Home tab for one viewer; `may_reopen`: rollout id -> done steps the viewer may reopen."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

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
                        "elements": approval_buttons(card, language),
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
                    "elements": [
                        batch_cancel_button(batch_id, count, language, one_of_many=True)
                        for batch_id, count, _s, _r in cancellable[:5]
                    ],
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


def edit_modal(
    *,
    rollout_id: int,
    rollout_name: str,
    marketo_admins: list[str],
    salesforce_admins: list[str],
    marketo_channel: str,
    salesforce_channel: str,
    language: str = catalog.DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": str(rollout_id),
        "title": plain(t("edit.title"), 24),
        "submit": plain(t("edit.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [
            section(t("edit.intro", rollout=slack_text.escape(rollout_name))),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(t("start.marketo_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_MARKETO_ADMINS,
                    "initial_users": marketo_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(t("start.marketo_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_MARKETO_CHANNEL,
                    "initial_conversation": marketo_channel,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_ADMINS,
                "label": plain(t("start.salesforce_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_SALESFORCE_ADMINS,
                    "initial_users": salesforce_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(t("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "initial_conversation": salesforce_channel,
                    "filter": channel_filter,
                },
            },
        ],
    }


# ---------------------------------------------------------------- invitation batches


def batch_requester_message(
    *,
    batch_id: int,
    count: int,
    rollout_name: str,
    file_name: str | None,
    state: str,
    may_cancel: bool,
    language: str = catalog.DEFAULT_LANGUAGE,
) -> tuple[str, list[Block]]:
    """The requester's own view of a batch, kept up to date in their direct message with the bot."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    source = t("batch.requester.source_file", file=slack_text.escape(file_name)) if file_name else ""
    body = t(
        "batch.requester.body",
        count=count,
        rollout=slack_text.escape(rollout_name),
        source=source,
        state=state,
    )
    message: list[Block] = [
        {"type": "header", "text": plain(t("batch.requester.header", batch=batch_id), HEADER_LIMIT)},
        section(body),
    ]
    if may_cancel:
        message.append(
            {
                "type": "actions",
                "block_id": f"batch_requester_{batch_id}",
                "elements": [batch_cancel_button(batch_id, count, language)],
            }
        )
    return t("batch.fallback", batch=batch_id, count=count, rollout=slack_text.escape(rollout_name)), message


def batch_cancel_button(
    batch_id: int, count: int, language: str = catalog.DEFAULT_LANGUAGE, *, one_of_many: bool = False
) -> dict[str, Any]:
    """`one_of_many`: the button shares its block with other batches' (App Home)."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    return button(
        t("batch.button.cancel"),
        ids.one_of_many(ids.BATCH_CANCEL, str(batch_id)) if one_of_many else ids.BATCH_CANCEL,
        str(batch_id),
        style="danger",
        confirm=confirm_dialog(
            t("batch.cancel.confirm.title"),
            t("batch.cancel.confirm.text", batch=batch_id, count=count),
            t("batch.cancel.confirm.yes"),
            t("batch.cancel.confirm.no"),
        ),
    )


def batch_task_message(
    *,
    batch_id: int,
    count: int,
    rollout_name: str,
    environment: str,
    requester: str,
    approver: str,
    status: str,
    changed_by: str | None,
    changed_at: datetime,
    language: str = catalog.DEFAULT_LANGUAGE,
) -> tuple[str, list[Block]]:
    """The Marketo admins' task for an approved batch, with the list in its thread."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    rollout = slack_text.escape(rollout_name)
    message: list[Block] = [
        {"type": "header", "text": plain(t("batch.task.header", count=count), HEADER_LIMIT)},
        section(
            t(
                "batch.task.body",
                batch=batch_id,
                rollout=rollout,
                environment=t(f"environment.{environment}"),
                requester=slack_text.user(requester),
                approver=slack_text.user(approver) if approver else "?",
            )
        ),
    ]
    if status == "sent":
        message.append(
            section(
                t("batch.task.sent", who=slack_text.user(changed_by or ""), when=slack_text.date(changed_at))
            )
        )
    elif status == "cancelled":
        message.append(
            section(
                t(
                    "batch.task.cancelled",
                    who=slack_text.user(changed_by or ""),
                    when=slack_text.date(changed_at),
                )
            )
        )
    else:
        message.append(context(t("batch.task.how")))
        message.append(
            {
                "type": "actions",
                "block_id": f"batch_{batch_id}",
                "elements": [
                    button(
                        t("batch.button.sent"),
                        ids.BATCH_SENT,
                        str(batch_id),
                        style="primary",
                        confirm=confirm_dialog(
                            t("batch.confirm.title"),
                            t("batch.confirm.text", count=count, batch=batch_id),
                            t("batch.confirm.yes"),
                            t("batch.confirm.no"),
                        ),
                    )
                ],
            }
        )
    return t("batch.fallback", batch=batch_id, count=count, rollout=rollout), message


# ---------------------------------------------------------------- reminders


def reminder_message(text: str, target: str, language: str = catalog.DEFAULT_LANGUAGE) -> list[Block]:
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"reminder_{target.replace(':', '_')}",
            "elements": [button(catalog.text("reminder.snooze", language), ids.SNOOZE, target)],
        },
    ]


# ---------------------------------------------------------------- CSV upload previews


def csv_preview(
    *,
    draft_id: int,
    file_name: str,
    status: str,
    rollout_name: str | None,
    rollout_choices: list[tuple[int, str]],
    file_line: str,
    mapping_line: str,
    summary: list[str],
    problems: list[str],
    flagged: list[str],
    expires_at: datetime,
    batch_id: int | None,
    batch_count: int,
    language: str = catalog.DEFAULT_LANGUAGE,
) -> tuple[str, list[Block]]:
    """The uploader's preview of a CSV: what was read, what would be requested, and the three buttons."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    shown_file = slack_text.clip(slack_text.escape(file_name), 100)
    message: list[Block] = [
        {"type": "header", "text": plain(t("csv.preview.header", file=file_name), HEADER_LIMIT)}
    ]
    if status == "requested":
        message.append(section(t("csv.preview.requested", batch=batch_id, count=batch_count)))
        return t("csv.preview.header", file=shown_file), message
    if status in ("cancelled", "expired"):
        message.append(section(t(f"csv.preview.{status}")))
        return t("csv.preview.header", file=shown_file), message
    if rollout_name is not None:
        message.append(context(t("csv.preview.rollout", rollout=slack_text.escape(rollout_name))))
    details = [line for line in (file_line, mapping_line) if line]
    if details:
        message.append(section("\n".join(details)))
    if summary:
        message.extend(lines_blocks(None, summary, limit=60))
    if problems:
        message.extend(lines_blocks(t("csv.preview.invalid_rows"), problems, limit=20))
    if flagged:
        message.extend(lines_blocks(t("csv.preview.flagged"), flagged, limit=10))
    message.append(context(t("csv.preview.expires", when=slack_text.date(expires_at))))
    value = str(draft_id)
    elements: list[dict[str, Any]] = []
    if rollout_name is None and rollout_choices:
        message.append(section(t("csv.preview.pick_rollout")))
        elements.append(
            {
                "type": "static_select",
                "action_id": ids.DRAFT_ROLLOUT,
                "placeholder": plain(t("csv.select.rollout")),
                "options": [
                    _option(slack_text.clip(name, 75), f"{draft_id}:{rollout_id}")
                    for rollout_id, name in rollout_choices[:100]
                ],
            }
        )
    else:
        elements.append(button(t("csv.button.request"), ids.DRAFT_REQUEST, value, style="primary"))
    elements.append(button(t("csv.button.mapping"), ids.DRAFT_MAPPING, value))
    elements.append(button(t("csv.button.cancel"), ids.DRAFT_CANCEL, value))
    message.append({"type": "actions", "block_id": f"draft_{draft_id}", "elements": elements})
    return t("csv.preview.header", file=shown_file), message[:MESSAGE_BLOCK_LIMIT]


MAPPING_FIELDS = ("email", "first_name", "last_name", "team")
NO_COLUMN = "none"


def mapping_modal(
    *,
    draft_id: int,
    file_name: str,
    headers: list[str],
    mapping: dict[str, int | None],
    language: str = catalog.DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """One select per field over the file's columns (Slack allows 100 options: the first 99 columns)."""

    def t(key: str, **params: Any) -> str:
        return catalog.text(key, language, **params)

    columns = [
        _option(slack_text.clip(header or f"#{index + 1}", 75), str(index))
        for index, header in enumerate(headers[:99])
    ]
    none = _option(t("csv.mapping.none"), NO_COLUMN)
    inputs: list[Block] = []
    for field_name in MAPPING_FIELDS:
        options = columns if field_name == "email" else [none, *columns]
        chosen = mapping.get(field_name)
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": field_name,
            "options": options or [none],
        }
        if chosen is not None and chosen < len(columns):
            element["initial_option"] = columns[chosen]
        elif field_name != "email":
            element["initial_option"] = none
        inputs.append(
            {
                "type": "input",
                "block_id": field_name,
                "label": plain(t(f"csv.field.{field_name}")),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": ids.MAPPING_VIEW,
        "private_metadata": str(draft_id),
        "title": plain(t("csv.mapping.title"), 24),
        "submit": plain(t("csv.mapping.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [section(t("csv.mapping.intro", file=slack_text.escape(file_name))), *inputs],
    }
