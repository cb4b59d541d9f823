"""The /msi slash command: parse the sub-command, answer privately in the ack, hand work to bot/ services."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.doctor import blocks as doctor_blocks
from bot.reports import blocks as report_blocks
from bot.rollouts import blocks as rollout_blocks
from bot.rollouts.resolution import Answer
from bot.services import Services
from bot.slack import ids
from bot.texts import DEFAULT_LANGUAGE, Texts

logger = logging.getLogger(__name__)


def split_command(text: str) -> tuple[str, str]:
    """`/msi` text as (sub-command in lower case, the rest as typed)."""
    stripped = (text or "").strip()
    if not stripped:
        return "help", ""
    parts = stripped.split(None, 1)
    return parts[0].lower(), (parts[1].strip() if len(parts) > 1 else "")


def _open_start(services: Services, client: WebClient, trigger_id: str, user_id: str) -> None:
    """Open the Start a rollout modal in the owner's language, which it also preselects for the posts.
    Runs after the ack, so it may ask Slack for the owner's locale (short timeout) when it is not known, and
    for the workspace's user groups (cached for a minute)."""
    try:
        language = services.readers.language_now(user_id) or DEFAULT_LANGUAGE
        groups = services.groups.workspace_groups()
        client.views_open(
            trigger_id=trigger_id, view=rollout_blocks.start_modal(Texts.of(language), groups=groups)
        )
    except Exception:
        logger.exception("opening the Start a rollout modal failed")


def _answer_doctor(services: Services, reader_texts: Texts, response_url: str) -> None:
    try:
        text, blocks = doctor_blocks.doctor_answer(reader_texts, services.doctor.examine())
        WebhookClient(response_url, timeout=10).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
    except Exception:
        logger.exception("answering /msi doctor failed")


def register(app: App, services: Services) -> None:
    def private(ack: Ack, answer: Answer) -> None:
        ack(response_type="ephemeral", text=answer.text, blocks=answer.blocks)

    # A trigger_id is good once, for 3 seconds, so the modal is opened right after the ack on threads that
    # do nothing else: Bolt's lazy listeners share one pool with App Home publishing and the like, and a
    # burst of those once queued this call past the trigger's life.
    opener = ThreadPoolExecutor(max_workers=4, thread_name_prefix="views-open")
    examiner = ThreadPoolExecutor(max_workers=2, thread_name_prefix="doctor")

    def answer_msi(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        # One listener for every sub-command: a second listener with a custom matcher for `start` made Bolt
        # build the matcher's arguments on every /msi request, which cost a third of answering /msi help.
        sub, rest = split_command(command.get("text", ""))
        user_id = command.get("user_id", "")
        channel_id = command.get("channel_id", "")
        if sub == "start":
            ack()
            opener.submit(_open_start, services, client, command["trigger_id"], user_id)
        elif sub == "help":
            reader_texts = services.readers.texts(user_id, channel_id=channel_id)
            ack(
                response_type="ephemeral",
                text=report_blocks.help_text(reader_texts),
                blocks=report_blocks.help_blocks(reader_texts),
            )
        elif sub == "status":
            private(ack, services.reports.status(name=rest, channel_id=channel_id, user_id=user_id))
        elif sub == "list":
            private(ack, services.reports.list(user_id=user_id))
        elif sub == "invite":
            private(
                ack, services.invitations.invite_command(user_id=user_id, channel_id=channel_id, text=rest)
            )
        elif sub == "audit":
            private(ack, services.reports.request_audit(user_id=user_id, name=rest, channel_id=channel_id))
        elif sub == "doctor":
            reader_texts = services.readers.texts(user_id, channel_id=channel_id)
            if not services.doctor.may_run(user_id):
                ack(response_type="ephemeral", text=reader_texts.text("doctor.denied"))
                return
            ack(response_type="ephemeral", text=reader_texts.text("doctor.checking"))
            # The checks call Slack and Salesforce, far longer than an ack may take: the findings follow
            # through the command's response_url, straight from here (not the outbox, which may be what
            # is stuck).
            examiner.submit(_answer_doctor, services, reader_texts, command.get("response_url", ""))
        else:
            reader_texts = services.readers.texts(user_id, channel_id=channel_id)
            ack(
                response_type="ephemeral",
                text=report_blocks.help_text(reader_texts, sub),
                blocks=report_blocks.help_blocks(reader_texts, sub),
            )

    app.command(ids.COMMAND)(answer_msi)
