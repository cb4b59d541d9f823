"""Messages about invitation batches: the requester's, the Marketo admins' task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import texts
from bot.slack import formatting, ids
from bot.slack.blockkit import HEADER_LIMIT, Block, button, confirm_dialog, context, plain, section


def batch_requester_message(
    *,
    batch_id: int,
    count: int,
    rollout_name: str,
    file_name: str | None,
    state: str,
    may_cancel: bool,
    language: str = texts.DEFAULT_LANGUAGE,
) -> tuple[str, list[Block]]:
    """The requester's own view of a batch, kept up to date in their direct message with the bot."""

    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    source = t("batch.requester.source_file", file=formatting.escape(file_name)) if file_name else ""
    body = t(
        "batch.requester.body",
        count=count,
        rollout=formatting.escape(rollout_name),
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
    return t("batch.fallback", batch=batch_id, count=count, rollout=formatting.escape(rollout_name)), message


def batch_cancel_button(
    batch_id: int, count: int, language: str = texts.DEFAULT_LANGUAGE, *, one_of_many: bool = False
) -> dict[str, Any]:
    """`one_of_many`: the button shares its block with other batches' (App Home)."""

    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

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
    language: str = texts.DEFAULT_LANGUAGE,
) -> tuple[str, list[Block]]:
    """The Marketo admins' task for an approved batch, with the list in its thread."""

    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    rollout = formatting.escape(rollout_name)
    message: list[Block] = [
        {"type": "header", "text": plain(t("batch.task.header", count=count), HEADER_LIMIT)},
        section(
            t(
                "batch.task.body",
                batch=batch_id,
                rollout=rollout,
                environment=t(f"environment.{environment}"),
                requester=formatting.user(requester),
                approver=formatting.user(approver) if approver else "?",
            )
        ),
    ]
    if status == "sent":
        message.append(
            section(
                t("batch.task.sent", who=formatting.user(changed_by or ""), when=formatting.date(changed_at))
            )
        )
    elif status == "cancelled":
        message.append(
            section(
                t(
                    "batch.task.cancelled",
                    who=formatting.user(changed_by or ""),
                    when=formatting.date(changed_at),
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
