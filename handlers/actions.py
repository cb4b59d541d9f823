"""Buttons on step messages and on App Home.

Buttons that only change state are stored and acknowledged at once, then acted on by the click worker
(bot/slack/intake.py, bot/platform/clicks.py); buttons that open a modal act on the request path, because
a trigger_id lasts 3 seconds.
The decision is always taken by a bot/ service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.platform import crashpoints
from bot.platform.access import Click
from bot.platform.clicks import QueuedClick
from bot.rollouts import blocks as rollout_blocks
from bot.services import Services
from bot.slack import ids
from bot.steps import blocks as step_blocks

logger = logging.getLogger(__name__)


def clicked_id(body: dict[str, Any]) -> int | None:
    """The database id a button carries in its value; None for anything that is not a plain number."""
    try:
        value = str(body["actions"][0].get("value", ""))
    except (KeyError, IndexError, AttributeError):
        return None
    return ids.database_id(value)


def click_of(body: dict[str, Any]) -> Click:
    return Click(user_id=str(body.get("user", {}).get("id", "")), response_url=body.get("response_url"))


def register(app: App, services: Services) -> None:
    def publish_home(client: WebClient, user_id: str) -> None:
        client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    clicks = services.clicks

    def numbered(act: Callable[[int, QueuedClick], object]) -> Callable[[QueuedClick], None]:
        """The worker's side of a button carrying a database id: anything else in the value is ignored."""

        def run(queued: QueuedClick) -> None:
            database_id = ids.database_id(queued.value)
            if database_id is not None:
                act(database_id, queued)

        return run

    def deferred(action_id: str, act: Callable[[int, QueuedClick], object]) -> None:
        """A button whose whole job is a service call with the id it carries: its clicks are stored and
        acknowledged before listener matching (bot/slack/intake.py), then acted on by the click worker
        (bot/platform/clicks.py). This table is the only place a deferred button is declared."""
        clicks.register(action_id, numbered(act))

    def mark_done_later(step_id: int, queued: QueuedClick) -> None:
        services.steps.mark_done(step_id=step_id, click=queued.click)
        crashpoints.reach("step_done")

    def mark_done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        step_id = clicked_id(body)
        if step_id is None:
            ack()
            return
        if not services.steps.may_ask_override(step_id):
            # Decided between the intake and here (the intake stores these clicks itself): stored the same.
            clicks.accept(body)
            ack()
            return
        # Steps checked in Salesforce may need a reason first, asked in a modal: that needs the trigger_id,
        # good for 3 seconds only, so these clicks are decided on the request path.
        ack()
        override = services.steps.mark_done(step_id=step_id, click=click_of(body))
        crashpoints.reach("step_done")
        if override is not None:
            modal = step_blocks.override_modal(
                override.texts, override.step_id, override.number, checked=override.checked
            )
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
                trigger_id=body["trigger_id"],
                view=step_blocks.help_modal(allowed.texts, allowed.step_id, allowed.number),
            )

    # The Start and Edit modals list the workspace's user groups, which may need a Slack call: this
    # listener's response is sent when it returns, so they are opened on these threads after the ack.
    opener = ThreadPoolExecutor(max_workers=2, thread_name_prefix="views-open-home")

    def open_start(body: dict[str, Any], client: WebClient) -> None:
        try:
            # The cached language only (opening App Home, where this button is, looked the owner's up).
            reader_texts = services.readers.texts(click_of(body).user_id)
            modal = rollout_blocks.start_modal(reader_texts, groups=services.groups.workspace_groups())
            client.views_open(trigger_id=body["trigger_id"], view=modal)
        except Exception:
            logger.exception("opening the Start a rollout modal failed")

    def open_edit(rollout_id: int, body: dict[str, Any], client: WebClient) -> None:
        try:
            click = click_of(body)
            if services.rollouts.owner_check(rollout_id=rollout_id, click=click) is not None:
                values = services.rollouts.edit_form_values(rollout_id)
                reader_texts = services.readers.texts(click.user_id, rollout_id=rollout_id)
                client.views_open(
                    trigger_id=body["trigger_id"], view=rollout_blocks.edit_modal(reader_texts, **values)
                )
        except Exception:
            logger.exception("opening the Edit modal failed")

    def home_start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        opener.submit(open_start, body, client)

    def home_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        rollout_id = clicked_id(body)
        if rollout_id is not None:
            opener.submit(open_edit, rollout_id, body, client)

    def home_cancel(rollout_id: int, queued: QueuedClick) -> None:
        if services.rollouts.owner_check(rollout_id=rollout_id, click=queued.click) is not None:
            services.rollouts.cancel(rollout_id=rollout_id, click=queued.click)
        publish_home(app.client, queued.click.user_id)

    def home_reopen(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        step_id = clicked_id(body)
        if step_id is None:
            return
        allowed = services.steps.check_reopen(step_id=step_id, click=click_of(body))
        if allowed is not None:
            client.views_open(
                trigger_id=body["trigger_id"],
                view=step_blocks.reopen_modal(allowed.texts, allowed.step_id, allowed.number),
            )

    def approve(approval_id: int, queued: QueuedClick) -> None:
        services.approvals.approve(approval_id=approval_id, click=queued.click)
        crashpoints.reach("approval_decided")
        if queued.from_home:
            publish_home(app.client, queued.click.user_id)

    def reject(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        approval_id = clicked_id(body)
        if approval_id is None:
            return
        modal = services.approvals.check_reject(approval_id=approval_id, click=click_of(body))
        if modal is not None:
            client.views_open(trigger_id=body["trigger_id"], view=modal)

    def batch_cancel(batch_id: int, queued: QueuedClick) -> None:
        services.invitations.cancel(batch_id=batch_id, click=queued.click)
        if queued.from_home:
            publish_home(app.client, queued.click.user_id)

    def wake_importer() -> None:
        services.upload_arrived.set()

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
        draft_id, rollout_id = ids.database_id(draft), ids.database_id(rollout)
        if draft_id is not None and rollout_id is not None:
            services.uploads.choose_rollout(draft_id=draft_id, click=click_of(body), rollout_id=rollout_id)
            wake_importer()

    def snooze(queued: QueuedClick) -> None:
        # A Snooze menu's chosen option, or a click of an old "Snooze 1 day" button (still in channels).
        services.reminders.snooze(value=queued.value, click=queued.click)

    def set_paused(paused: bool) -> Callable[[int, QueuedClick], None]:
        def handle(rollout_id: int, queued: QueuedClick) -> None:
            click = queued.click
            if services.rollouts.owner_check(rollout_id=rollout_id, click=click) is not None:
                services.reminders.set_paused(rollout_id=rollout_id, paused=paused, user_id=click.user_id)
            publish_home(app.client, click.user_id)

        return handle

    def may_store_done(value: str) -> bool:
        step_id = ids.database_id(value)
        return step_id is not None and not services.steps.may_ask_override(step_id)

    app.action(ids.STEP_DONE)(mark_done)
    clicks.register(ids.STEP_DONE, numbered(mark_done_later), store_when=may_store_done)
    app.action(ids.VERIFY)(ack=acknowledge, lazy=[verify])
    clicks.register(ids.SNOOZE, snooze)
    deferred(ids.HOME_PAUSE, set_paused(True))
    deferred(ids.HOME_RESUME, set_paused(False))
    deferred(ids.DRAFT_REQUEST, lambda i, q: services.uploads.request(draft_id=i, click=q.click))
    deferred(ids.DRAFT_CANCEL, lambda i, q: services.uploads.cancel(draft_id=i, click=q.click))
    deferred(ids.DRAFT_REPORT, lambda i, q: services.uploads.download_report(draft_id=i, click=q.click))
    app.action(ids.DRAFT_MAPPING)(draft_mapping)
    app.action(ids.DRAFT_ROLLOUT)(draft_rollout)
    deferred(ids.BATCH_SENT, lambda i, q: services.invitations.mark_sent(batch_id=i, click=q.click))
    deferred(ids.BATCH_CANCEL, batch_cancel)
    deferred(ids.APPROVE, approve)
    app.action(ids.REJECT)(reject)
    app.action(ids.STEP_HELP)(need_help)
    deferred(ids.STEP_RESOLVE, lambda i, q: services.steps.resolve(step_id=i, click=q.click))
    app.action(ids.HOME_START)(home_start)
    app.action(ids.HOME_EDIT)(home_edit)
    deferred(ids.HOME_CANCEL, home_cancel)
    app.action(ids.action_pattern(ids.HOME_REOPEN))(home_reopen)
