"""Approval requests and the Reject modal."""

from __future__ import annotations

from typing import Any

from bot.approvals.cards import ApprovalCard
from bot.slack import formatting, ids
from bot.slack.blockkit import (
    HEADER_LIMIT,
    Block,
    button,
    confirm_dialog,
    context,
    plain,
    section,
    text_modal,
)
from bot.texts import Texts


def approval_message(texts: Texts, card: ApprovalCard) -> tuple[str, list[Block]]:

    rollout = formatting.escape(card.rollout_name)
    blocks: list[Block] = [
        {"type": "header", "text": plain(texts.text("approval.header"), HEADER_LIMIT)},
        section(
            texts.text(
                "approval.subject_line",
                rollout=rollout,
                environment=texts.text(f"environment.{card.environment}"),
                subject=card.subject,
            )
            + "\n"
            + texts.text(
                "approval.asked",
                who=formatting.user(card.requested_by),
                when=texts.date(card.requested_at),
            )
        ),
        context(card.why),
    ]
    when = texts.date(card.decided_at) if card.decided_at else ""
    who = formatting.user(card.decided_by) if card.decided_by else ""
    if card.status == "pending":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"approval_{card.approval_id}",
                "elements": approval_buttons(texts, card),
            }
        )
    elif card.status == "approved":
        blocks.append(section(texts.text("approval.outcome.approved", who=who, when=when)))
    elif card.status == "rejected":
        reason = formatting.clip(formatting.escape(card.reason or ""), 1500)
        blocks.append(section(texts.text("approval.outcome.rejected", who=who, when=when, reason=reason)))
    elif card.decided_by:
        blocks.append(section(texts.text("approval.outcome.cancelled", who=who, when=when)))
    else:
        blocks.append(section(texts.text("approval.outcome.withdrawn", when=when)))
    return texts.text("approval.fallback", subject=card.subject, rollout=rollout), blocks


def approval_buttons(texts: Texts, card: ApprovalCard) -> list[dict[str, Any]]:

    value = str(card.approval_id)
    return [
        button(
            texts.text("approval.button.approve"),
            ids.APPROVE,
            value,
            style="primary",
            confirm=confirm_dialog(
                texts, "approval.confirm", subject=card.subject, rollout=card.rollout_name
            ),
        ),
        button(texts.text("approval.button.reject"), ids.REJECT, value, style="danger"),
    ]


def reject_modal(texts: Texts, card: ApprovalCard) -> dict[str, Any]:
    intro = texts.text(
        "approval.reject_modal.intro",
        subject=card.subject,
        rollout=formatting.escape(card.rollout_name),
        who=formatting.user(card.requested_by),
    )
    return text_modal(
        callback_id=ids.REJECT_VIEW,
        metadata=str(card.approval_id),
        title=texts.text("approval.reject_modal.title"),
        submit=texts.text("approval.reject_modal.submit"),
        close=texts.text("start.close"),
        intro=[section(intro)],
        block_id=ids.REJECT_REASON,
        label=texts.text("approval.reject_modal.reason"),
        max_length=1000,
    )
