"""Approval requests and the Reject modal."""

from __future__ import annotations

from typing import Any

from bot import texts
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


def approval_message(card: ApprovalCard, language: str = texts.DEFAULT_LANGUAGE) -> tuple[str, list[Block]]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    rollout = formatting.escape(card.rollout_name)
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
                who=formatting.user(card.requested_by),
                when=formatting.date(card.requested_at),
            )
        ),
        context(card.why),
    ]
    when = formatting.date(card.decided_at) if card.decided_at else ""
    who = formatting.user(card.decided_by) if card.decided_by else ""
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
        reason = formatting.clip(formatting.escape(card.reason or ""), 1500)
        blocks.append(section(t("approval.outcome.rejected", who=who, when=when, reason=reason)))
    elif card.decided_by:
        blocks.append(section(t("approval.outcome.cancelled", who=who, when=when)))
    else:
        blocks.append(section(t("approval.outcome.withdrawn", when=when)))
    return t("approval.fallback", subject=card.subject, rollout=rollout), blocks


def approval_buttons(card: ApprovalCard, language: str = texts.DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

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


def reject_modal(card: ApprovalCard, language: str = texts.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    intro = t(
        "approval.reject_modal.intro",
        subject=card.subject,
        rollout=formatting.escape(card.rollout_name),
        who=formatting.user(card.requested_by),
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
