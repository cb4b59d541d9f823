"""Buttons on step messages and on App Home. Each acks at once; the decision is taken by a bot/ service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import blocks, crashpoints, ids
from bot.interaction import Click
from bot.services import Services

logger = logging.getLogger(__name__)


def clicked_id(body: dict[str, Any]) -> int | None:
    """The database id a button carries in its value; None for anything that is not a plain number."""
    try:
        value = str(body["actions"][0].get("value", ""))
    except (KeyError, IndexError, AttributeError):
        return None
    return int(value) if value.isdigit() and len(value) < 12 else None


def click_of(body: dict[str, Any]) -> Click:
    return Click(user_id=str(body.get("user", {}).get("id", "")), response_url=body.get("response_url"))


def on_id(act: Callable[[int, Click], object]) -> Callable[[Ack, dict[str, Any]], None]:
    """A button whose whole job is one service call with the id it carries: ack, then act."""

    def handle(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        target = clicked_id(body)
        if target is not None:
            act(target, click_of(body))

    return handle


def register(app: App, services: Services) -> None:
    def publish_home(client: WebClient, user_id: str) -> None:
        client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    def mark_done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        step_id = clicked_id(body)
        if step_id is None:
            return
        override = services.steps.mark_done(step_id=step_id, click=click_of(body))
        crashpoints.reach("step_done")
        if override is not None:
            modal = blocks.override_modal(override.step_id, override.number, checked=override.checked)
            client.views_open(trigger_id=body["trigger_id"], view=modal)

    def acknowledge(ack: Ack) -> None:
        ack()

    def verify(body: dict[str, Any]) -> None:
        # A lazy listener: the Salesforce round trips run after the ack, off the HTTP server's threads.
        step_id = clicked_id(body)
        if step_id is not None and services.verification is not None:
            services.verification.verify(step_id=step_id, click=click_of(body))

    def need_help(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        step_id = clicked_id(body)
        if step_id is None:
            return
        allowed = services.steps.check_help(step_id=step_id, click=click_of(body))
        if allowed is not None:
            client.views_open(
                trigger_id=body["trigger_id"], view=blocks.help_modal(allowed.step_id, allowed.number)
            )

    def home_start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=blocks.start_modal())

    def home_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        rollout_id = clicked_id(body)
        if rollout_id is None:
            return
        if services.rollouts.owner_check(rollout_id=rollout_id, click=click_of(body)) is not None:
            values = services.rollouts.edit_form_values(rollout_id)
            client.views_open(trigger_id=body["trigger_id"], view=blocks.edit_modal(**values))

    def home_cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        rollout_id = clicked_id(body)
        click = click_of(body)
        if rollout_id is None:
            return
        if services.rollouts.owner_check(rollout_id=rollout_id, click=click) is not None:
            services.rollouts.cancel(rollout_id=rollout_id, click=click)
        publish_home(client, click.user_id)

    def home_reopen(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        step_id = clicked_id(body)
        if step_id is None:
            return
        allowed = services.steps.check_reopen(step_id=step_id, click=click_of(body))
        if allowed is not None:
            client.views_open(
                trigger_id=body["trigger_id"], view=blocks.reopen_modal(allowed.step_id, allowed.number)
            )

    def approve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = clicked_id(body)
        if approval_id is None:
            return
        click = click_of(body)
        services.approvals.approve(approval_id=approval_id, click=click)
        crashpoints.reach("approval_decided")
        if body.get("container", {}).get("type") == "view":
            publish_home(client, click.user_id)

    def reject(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = clicked_id(body)
        if approval_id is None:
            return
        card = services.approvals.check_reject(approval_id=approval_id, click=click_of(body))
        if card is not None:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.reject_modal(card))

    def batch_cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        batch_id = clicked_id(body)
        if batch_id is None:
            return
        click = click_of(body)
        services.invitations.cancel(batch_id=batch_id, click=click)
        if body.get("container", {}).get("type") == "view":
            publish_home(client, click.user_id)

    def wake_importer() -> None:
        for hook in services.on_upload:
            hook()

    def draft_mapping(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        draft_id = clicked_id(body)
        if draft_id is None:
            return
        modal = services.uploads.mapping_form(draft_id=draft_id, click=click_of(body))
        if modal is not None:
            client.views_open(trigger_id=body["trigger_id"], view=modal)

    def draft_rollout(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            chosen = str(body["actions"][0]["selected_option"]["value"])
        except (KeyError, IndexError, TypeError):
            return
        draft, _, rollout = chosen.partition(":")
        if draft.isdigit() and rollout.isdigit():
            services.uploads.choose_rollout(
                draft_id=int(draft), click=click_of(body), rollout_id=int(rollout)
            )
            wake_importer()

    def snooze(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        try:
            target = str(body["actions"][0].get("value", ""))
        except (KeyError, IndexError, AttributeError):
            return
        if services.reminders is not None:
            services.reminders.snooze(target=target, click=click_of(body))

    def set_paused(paused: bool) -> Callable[[Ack, dict[str, Any], WebClient], None]:
        def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            rollout_id = clicked_id(body)
            click = click_of(body)
            if rollout_id is None or services.reminders is None:
                return
            if services.rollouts.owner_check(rollout_id=rollout_id, click=click) is not None:
                services.reminders.set_paused(rollout_id=rollout_id, paused=paused, user_id=click.user_id)
            publish_home(client, click.user_id)

        return handle

    app.action(ids.STEP_DONE)(mark_done)
    app.action(ids.VERIFY)(ack=acknowledge, lazy=[verify])
    app.action(ids.SNOOZE)(snooze)
    app.action(ids.HOME_PAUSE)(set_paused(True))
    app.action(ids.HOME_RESUME)(set_paused(False))
    app.action(ids.DRAFT_REQUEST)(on_id(lambda i, c: services.uploads.request(draft_id=i, click=c)))
    app.action(ids.DRAFT_CANCEL)(on_id(lambda i, c: services.uploads.cancel(draft_id=i, click=c)))
    app.action(ids.DRAFT_MAPPING)(draft_mapping)
    app.action(ids.DRAFT_ROLLOUT)(draft_rollout)
    app.action(ids.BATCH_SENT)(on_id(lambda i, c: services.invitations.mark_sent(batch_id=i, click=c)))
    app.action(ids.BATCH_CANCEL)(batch_cancel)
    app.action(ids.APPROVE)(approve)
    app.action(ids.REJECT)(reject)
    app.action(ids.STEP_HELP)(need_help)
    app.action(ids.STEP_RESOLVE)(on_id(lambda i, c: services.steps.resolve(step_id=i, click=c)))
    app.action(ids.HOME_START)(home_start)
    app.action(ids.HOME_EDIT)(home_edit)
    app.action(ids.HOME_CANCEL)(home_cancel)
    app.action(ids.HOME_REOPEN)(home_reopen)
