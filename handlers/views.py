"""Modal submissions: validated on the server, errors shown beside their fields."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.platform import submissions
from bot.platform.access import Click
from bot.rollouts.service import read_start_form
from bot.services import Services
from bot.slack import formatting, ids
from bot.uploads import blocks as upload_blocks

logger = logging.getLogger(__name__)


TYPED_LIMIT = 2000  # the modals allow at most this much; a forged submission is clipped, not stored whole


def typed_text(view: dict[str, Any], block_id: str) -> str:
    block = view.get("state", {}).get("values", {}).get(block_id, {})
    value = block.get(block_id, {}).get("value") if isinstance(block, dict) else None
    return formatting.typed(value, TYPED_LIMIT)


def metadata_id(view: dict[str, Any]) -> int | None:
    value = str(view.get("private_metadata", ""))
    return ids.database_id(value)


def register(app: App, services: Services) -> None:
    def once(body: dict[str, Any], view: dict[str, Any], act: Callable[[], object]) -> bool:
        """Act on this view's submission only once (bot/platform/submissions.py); call once it is valid.
        True when `act` ran."""
        return submissions.act_once(
            services.database,
            now=services.clock(),
            view_id=str(view.get("id", "")),
            callback_id=str(view.get("callback_id", "")),
            user_id=str(body["user"]["id"]),
            act=act,
        )

    def submit_start(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_start_form(view.get("state", {}).get("values", {}))
        outcome = services.rollouts.start(owner_id=body["user"]["id"], form=form)
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
        else:
            ack()

    def submit_help(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        problem = typed_text(view, ids.HELP_PROBLEM)
        step_id = metadata_id(view)
        if not problem:
            texts = services.readers.texts(body["user"]["id"])
            ack(response_action="errors", errors={ids.HELP_PROBLEM: texts.text("help_modal.error.empty")})
            return
        ack()
        if step_id is not None:
            click = Click(user_id=body["user"]["id"])
            once(
                body,
                view,
                partial(services.steps.flag_blocked, step_id=step_id, click=click, problem=problem),
            )

    def submit_reopen(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reason = typed_text(view, ids.REOPEN_REASON)
        step_id = metadata_id(view)
        if not reason:
            texts = services.readers.texts(body["user"]["id"])
            ack(response_action="errors", errors={ids.REOPEN_REASON: texts.text("reopen_modal.error.empty")})
            return
        ack()
        user_id = body["user"]["id"]
        if step_id is not None and once(
            body,
            view,
            partial(services.steps.reopen, step_id=step_id, click=Click(user_id=user_id), reason=reason),
        ):
            client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    def submit_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        rollout_id = metadata_id(view)
        user_id = body["user"]["id"]
        if rollout_id is None:
            ack()
            return
        form = read_start_form(view.get("state", {}).get("values", {}))
        outcome = services.rollouts.edit(rollout_id=rollout_id, user_id=user_id, form=form)
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
            return
        ack()
        client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    def submit_reject(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = typed_text(view, ids.REJECT_REASON)
        approval_id = metadata_id(view)
        if not reason:
            texts = services.readers.texts(body["user"]["id"])
            ack(
                response_action="errors",
                errors={ids.REJECT_REASON: texts.text("approval.reject_modal.error.empty")},
            )
            return
        ack()
        if approval_id is not None:
            click = Click(user_id=body["user"]["id"])
            once(
                body,
                view,
                partial(services.approvals.reject, approval_id=approval_id, click=click, reason=reason),
            )

    def submit_mapping(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft_id = metadata_id(view)
        values = view.get("state", {}).get("values", {})
        mapping: dict[str, int | None] = {}
        errors: dict[str, str] = {}
        for field_name in upload_blocks.MAPPING_FIELDS:
            selected = (values.get(field_name, {}).get(field_name, {}) or {}).get("selected_option") or {}
            value = str(selected.get("value", upload_blocks.NO_COLUMN))
            mapping[field_name] = ids.database_id(value)  # a column index, carried the same way
        texts = services.readers.texts(body["user"]["id"])
        if mapping.get("email") is None:
            errors["email"] = texts.text("csv.mapping.error.email")
        if mapping.get("full_name") is not None:
            for field_name in ("first_name", "last_name"):
                if mapping.get(field_name) is not None:
                    errors[field_name] = texts.text("csv.mapping.error.full_name")
        used: set[int] = set()
        for field_name in upload_blocks.MAPPING_FIELDS:
            column = mapping[field_name]
            if column is not None and column in used:
                errors[field_name] = texts.text("csv.mapping.error.same")
            if column is not None:
                used.add(column)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if draft_id is not None:
            click = Click(user_id=body["user"]["id"])
            if once(
                body,
                view,
                partial(services.uploads.change_mapping, draft_id=draft_id, click=click, mapping=mapping),
            ):
                services.upload_arrived.set()

    def submit_override(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = typed_text(view, ids.OVERRIDE_REASON)
        step_id = metadata_id(view)
        if not reason:
            texts = services.readers.texts(body["user"]["id"])
            ack(response_action="errors", errors={ids.OVERRIDE_REASON: texts.text("override.error.empty")})
            return
        ack()
        if step_id is not None:
            click = Click(user_id=body["user"]["id"])
            once(body, view, partial(services.steps.mark_done, step_id=step_id, click=click, override=reason))

    app.view(ids.START_VIEW)(submit_start)
    app.view(ids.OVERRIDE_VIEW)(submit_override)
    app.view(ids.MAPPING_VIEW)(submit_mapping)
    app.view(ids.REJECT_VIEW)(submit_reject)
    app.view(ids.HELP_VIEW)(submit_help)
    app.view(ids.REOPEN_VIEW)(submit_reopen)
    app.view(ids.EDIT_VIEW)(submit_edit)
