"""The Start a rollout and Edit modals."""

from __future__ import annotations

from typing import Any

from bot.slack import formatting, ids
from bot.slack.blockkit import option, plain, section
from bot.texts import Texts

# The languages a rollout's channel posts can be in, as the select offers them (catalog keys of bot.texts).
LANGUAGES = ("ja", "en")


def language_input(texts: Texts, language: str) -> dict[str, Any]:
    """The 日本語 / English select of the Start and Edit modals; each option in its own language's name."""
    options = {code: option(texts.text(f"language.{code}"), code) for code in LANGUAGES}
    return {
        "type": "input",
        "block_id": ids.START_LANGUAGE,
        "label": plain(texts.text("start.language.label")),
        "hint": plain(texts.text("start.language.hint")),
        "element": {
            "type": "static_select",
            "action_id": ids.START_LANGUAGE,
            "initial_option": options.get(language, options["en"]),
            "options": list(options.values()),
        },
    }


def start_modal(texts: Texts, *, language: str | None = None) -> dict[str, Any]:
    """The Start a rollout modal in the reader's language; the posts' language preselected as `language`
    (the owner's Slack language; by default the modal's own)."""

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.START_VIEW,
        "title": plain(texts.text("start.title"), 24),
        "submit": plain(texts.text("start.submit"), 24),
        "close": plain(texts.text("start.close"), 24),
        "blocks": [
            section(texts.text("start.intro")),
            {
                "type": "input",
                "block_id": ids.START_NAME,
                "label": plain(texts.text("start.name.label")),
                "hint": plain(texts.text("start.name.hint")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.START_NAME,
                    "max_length": NAME_LIMIT,
                    "placeholder": plain(texts.text("start.name.placeholder")),
                },
            },
            {
                "type": "input",
                "block_id": ids.START_ENVIRONMENT,
                "label": plain(texts.text("start.environment.label")),
                "element": {
                    "type": "static_select",
                    "action_id": ids.START_ENVIRONMENT,
                    "initial_option": option(texts.text("environment.production"), "production"),
                    "options": [
                        option(texts.text("environment.production"), "production"),
                        option(texts.text("environment.sandbox"), "sandbox"),
                    ],
                },
            },
            language_input(texts, language or texts.language),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(texts.text("start.marketo_admins.label")),
                "hint": plain(texts.text("start.marketo_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_MARKETO_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(texts.text("start.marketo_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_MARKETO_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_ADMINS,
                "label": plain(texts.text("start.salesforce_admins.label")),
                "hint": plain(texts.text("start.salesforce_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_SALESFORCE_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(texts.text("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_PREREQUISITES,
                "label": plain(texts.text("start.prerequisites.label")),
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.START_PREREQUISITES,
                    "options": [
                        {
                            **option(texts.text("start.prerequisite.enabled"), ids.PREREQUISITE_ENABLED),
                            "description": plain(texts.text("start.prerequisite.enabled.hint")),
                        },
                        option(texts.text("start.prerequisite.sync"), ids.PREREQUISITE_SYNC),
                    ],
                },
            },
        ],
    }


NAME_LIMIT = 80


def edit_modal(
    texts: Texts,
    *,
    rollout_id: int,
    rollout_name: str,
    marketo_admins: list[str],
    salesforce_admins: list[str],
    marketo_channel: str,
    salesforce_channel: str,
    language: str,
) -> dict[str, Any]:
    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": str(rollout_id),
        "title": plain(texts.text("edit.title"), 24),
        "submit": plain(texts.text("edit.submit"), 24),
        "close": plain(texts.text("start.close"), 24),
        "blocks": [
            section(texts.text("edit.intro", rollout=formatting.escape(rollout_name))),
            language_input(texts, language),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(texts.text("start.marketo_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_MARKETO_ADMINS,
                    "initial_users": marketo_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(texts.text("start.marketo_channel.label")),
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
                "label": plain(texts.text("start.salesforce_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_SALESFORCE_ADMINS,
                    "initial_users": salesforce_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(texts.text("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "initial_conversation": salesforce_channel,
                    "filter": channel_filter,
                },
            },
        ],
    }
