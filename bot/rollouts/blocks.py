"""The Start a rollout and Edit modals."""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.slack import formatting, ids
from bot.slack.blockkit import option, plain, section


def start_modal(language: str = texts.DEFAULT_LANGUAGE) -> dict[str, Any]:
    def t(key: str) -> str:
        return texts.text(key, language)

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.START_VIEW,
        "title": plain(t("start.title"), 24),
        "submit": plain(t("start.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [
            section(t("start.intro")),
            {
                "type": "input",
                "block_id": ids.START_NAME,
                "label": plain(t("start.name.label")),
                "hint": plain(t("start.name.hint")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.START_NAME,
                    "max_length": NAME_LIMIT,
                    "placeholder": plain(t("start.name.placeholder")),
                },
            },
            {
                "type": "input",
                "block_id": ids.START_ENVIRONMENT,
                "label": plain(t("start.environment.label")),
                "element": {
                    "type": "static_select",
                    "action_id": ids.START_ENVIRONMENT,
                    "initial_option": option(t("environment.production"), "production"),
                    "options": [
                        option(t("environment.production"), "production"),
                        option(t("environment.sandbox"), "sandbox"),
                    ],
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(t("start.marketo_admins.label")),
                "hint": plain(t("start.marketo_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_MARKETO_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(t("start.marketo_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_MARKETO_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_ADMINS,
                "label": plain(t("start.salesforce_admins.label")),
                "hint": plain(t("start.salesforce_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_SALESFORCE_ADMINS},
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(t("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "filter": channel_filter,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_PREREQUISITES,
                "label": plain(t("start.prerequisites.label")),
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.START_PREREQUISITES,
                    "options": [
                        {
                            **option(t("start.prerequisite.enabled"), ids.PREREQUISITE_ENABLED),
                            "description": plain(t("start.prerequisite.enabled.hint")),
                        },
                        option(t("start.prerequisite.sync"), ids.PREREQUISITE_SYNC),
                    ],
                },
            },
        ],
    }


NAME_LIMIT = 80


def edit_modal(
    *,
    rollout_id: int,
    rollout_name: str,
    marketo_admins: list[str],
    salesforce_admins: list[str],
    marketo_channel: str,
    salesforce_channel: str,
    language: str = texts.DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        return texts.text(key, language, **params)

    channel_filter = {"include": ["public", "private"], "exclude_external_shared_channels": True}
    return {
        "type": "modal",
        "callback_id": ids.EDIT_VIEW,
        "private_metadata": str(rollout_id),
        "title": plain(t("edit.title"), 24),
        "submit": plain(t("edit.submit"), 24),
        "close": plain(t("start.close"), 24),
        "blocks": [
            section(t("edit.intro", rollout=formatting.escape(rollout_name))),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "label": plain(t("start.marketo_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_MARKETO_ADMINS,
                    "initial_users": marketo_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_MARKETO_CHANNEL,
                "label": plain(t("start.marketo_channel.label")),
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
                "label": plain(t("start.salesforce_admins.label")),
                "element": {
                    "type": "multi_users_select",
                    "action_id": ids.START_SALESFORCE_ADMINS,
                    "initial_users": salesforce_admins,
                },
            },
            {
                "type": "input",
                "block_id": ids.START_SALESFORCE_CHANNEL,
                "label": plain(t("start.salesforce_channel.label")),
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.START_SALESFORCE_CHANNEL,
                    "initial_conversation": salesforce_channel,
                    "filter": channel_filter,
                },
            },
        ],
    }
