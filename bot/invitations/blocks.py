"""Messages about invitation batches: the requester's, the Marketo admins' task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.slack import formatting, ids
from bot.slack.blockkit import HEADER_LIMIT, Block, button, confirm_dialog, context, plain, section
from bot.texts import Texts


def batch_requester_message(
    texts: Texts,
    *,
    batch_id: int,
    count: int,
    rollout_name: str,
    file_name: str | None,
    state: str,
    may_cancel: bool,
) -> tuple[str, list[Block]]:
    """The requester's own view of a batch, kept up to date in their direct message with the bot."""
    source = texts.text("batch.requester.source_file", file=formatting.escape(file_name)) if file_name else ""
    body = texts.text(
        "batch.requester.body",
        count=count,
        rollout=formatting.escape(rollout_name),
        source=source,
        state=state,
    )
    message: list[Block] = [
        {"type": "header", "text": plain(texts.text("batch.requester.header", batch=batch_id), HEADER_LIMIT)},
        section(body),
    ]
    if may_cancel:
        message.append(
            {
                "type": "actions",
                "block_id": f"batch_requester_{batch_id}",
                "elements": [batch_cancel_button(texts, batch_id, count)],
            }
        )
    return texts.text(
        "batch.fallback", batch=batch_id, count=count, rollout=formatting.escape(rollout_name)
    ), message


def batch_cancel_button(
    texts: Texts, batch_id: int, count: int, *, one_of_many: bool = False
) -> dict[str, Any]:
    """`one_of_many`: the button shares its block with other batches' (App Home)."""
    return button(
        texts.text("batch.button.cancel"),
        ids.one_of_many(ids.BATCH_CANCEL, str(batch_id)) if one_of_many else ids.BATCH_CANCEL,
        str(batch_id),
        style="danger",
        confirm=confirm_dialog(texts, "batch.cancel.confirm", batch=batch_id, count=count),
    )


def batch_task_message(
    texts: Texts,
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
) -> tuple[str, list[Block]]:
    """The Marketo admins' task for an approved batch, with the list in its thread."""
    rollout = formatting.escape(rollout_name)
    message: list[Block] = [
        {"type": "header", "text": plain(texts.text("batch.task.header", count=count), HEADER_LIMIT)},
        section(
            texts.text(
                "batch.task.body",
                batch=batch_id,
                rollout=rollout,
                environment=texts.text(f"environment.{environment}"),
                requester=formatting.user(requester),
                approver=formatting.user(approver) if approver else "?",
            )
        ),
    ]
    if status == "sent":
        message.append(
            section(
                texts.text(
                    "batch.task.sent", who=formatting.user(changed_by or ""), when=texts.date(changed_at)
                )
            )
        )
    elif status == "cancelled":
        message.append(
            section(
                texts.text(
                    "batch.task.cancelled",
                    who=formatting.user(changed_by or ""),
                    when=texts.date(changed_at),
                )
            )
        )
    else:
        message.append(context(texts.text("batch.task.how")))
        message.append(
            {
                "type": "actions",
                "block_id": f"batch_{batch_id}",
                "elements": [
                    button(
                        texts.text("batch.button.sent"),
                        ids.BATCH_SENT,
                        str(batch_id),
                        style="primary",
                        confirm=confirm_dialog(texts, "batch.confirm", count=count, batch=batch_id),
                    )
                ],
            }
        )
    return texts.text("batch.fallback", batch=batch_id, count=count, rollout=rollout), message
