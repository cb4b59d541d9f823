"""The CSV upload preview and the column mapping modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.slack import formatting, ids
from bot.slack.blockkit import (
    HEADER_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    Block,
    button,
    context,
    lines_blocks,
    option,
    plain,
    section,
)
from bot.texts import Texts
from bot.uploads import parsing


def csv_preview(
    texts: Texts,
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
    notes: list[str],
    report: bool,
    expires_at: datetime,
    batch_id: int | None,
    batch_count: int,
) -> tuple[str, list[Block]]:
    """The uploader's preview of a CSV: what was read, what would be requested, and its buttons (Download
    report when `report`: some row can't be used)."""
    shown_file = formatting.clip(formatting.escape(file_name), 100)
    message: list[Block] = [
        {"type": "header", "text": plain(texts.text("csv.preview.header", file=file_name), HEADER_LIMIT)}
    ]
    if status == "requested":
        message.append(section(texts.text("csv.preview.requested", batch=batch_id, count=batch_count)))
        if summary:
            message.extend(lines_blocks(texts, None, summary, limit=60))
        return texts.text("csv.preview.header", file=shown_file), message
    if status in ("cancelled", "expired"):
        message.append(section(texts.text(f"csv.preview.{status}")))
        return texts.text("csv.preview.header", file=shown_file), message
    if rollout_name is not None:
        message.append(context(texts.text("csv.preview.rollout", rollout=formatting.escape(rollout_name))))
    details = [line for line in (file_line, mapping_line, *notes) if line]
    if details:
        message.append(section("\n".join(details)))
    if summary:
        message.extend(lines_blocks(texts, None, summary, limit=60))
    if problems:
        message.extend(lines_blocks(texts, texts.text("csv.preview.invalid_rows"), problems, limit=30))
    if flagged:
        message.extend(lines_blocks(texts, texts.text("csv.preview.flagged"), flagged, limit=10))
    message.append(context(texts.text("csv.preview.expires", when=texts.date(expires_at))))
    value = str(draft_id)
    elements: list[dict[str, Any]] = []
    if rollout_name is None and rollout_choices:
        message.append(section(texts.text("csv.preview.pick_rollout")))
        elements.append(
            {
                "type": "static_select",
                "action_id": ids.DRAFT_ROLLOUT,
                "placeholder": plain(texts.text("csv.select.rollout")),
                "options": [
                    option(formatting.clip(name, 75), f"{draft_id}:{rollout_id}")
                    for rollout_id, name in rollout_choices[:100]
                ],
            }
        )
    else:
        elements.append(button(texts.text("csv.button.request"), ids.DRAFT_REQUEST, value, style="primary"))
    elements.append(button(texts.text("csv.button.mapping"), ids.DRAFT_MAPPING, value))
    if report:
        elements.append(button(texts.text("csv.button.report"), ids.DRAFT_REPORT, value))
    elements.append(button(texts.text("csv.button.cancel"), ids.DRAFT_CANCEL, value))
    message.append({"type": "actions", "block_id": f"draft_{draft_id}", "elements": elements})
    return texts.text("csv.preview.header", file=shown_file), message[:MESSAGE_BLOCK_LIMIT]


MAPPING_FIELDS = parsing.FIELDS


NO_COLUMN = "none"


def mapping_modal(
    texts: Texts, *, draft_id: int, file_name: str, headers: list[str], mapping: dict[str, int | None]
) -> dict[str, Any]:
    """One select per field over the file's columns (Slack allows 100 options: the first 99 columns)."""
    columns = [
        option(formatting.clip(header or f"#{index + 1}", 75), str(index))
        for index, header in enumerate(headers[:99])
    ]
    none = option(texts.text("csv.mapping.none"), NO_COLUMN)
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
                "label": plain(texts.text(f"csv.field.{field_name}")),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": ids.MAPPING_VIEW,
        "private_metadata": str(draft_id),
        "title": plain(texts.text("csv.mapping.title"), 24),
        "submit": plain(texts.text("csv.mapping.submit"), 24),
        "close": plain(texts.text("start.close"), 24),
        "blocks": [section(texts.text("csv.mapping.intro", file=formatting.escape(file_name))), *inputs],
    }
