"""The Start a rollout and Edit modals."""

from __future__ import annotations

from typing import Any

from bot.slack import formatting, ids
from bot.slack.blockkit import option, plain, section
from bot.slack.usergroups import OPTIONS_LIMIT, GroupList
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


def _group_option(texts: Texts, group_id: str, handle: str, name: str) -> dict[str, Any]:
    label = f"@{handle}" if handle else name
    if name and name != handle:
        label = f"{label} ({name})"
    return option(label[:75], group_id)


def group_input(
    texts: Texts, block_id: str, label_key: str, groups: GroupList, initial: list[str]
) -> dict[str, Any] | None:
    """An optional multi-select of the workspace's user groups for one persona; None when there is none
    to offer. A static select holds at most 100 options: the chosen groups first, then the others by
    handle (the hint says when some are not shown)."""
    by_id = {group.id: group for group in groups.groups}
    options = [
        _group_option(texts, group_id, by_id[group_id].handle, by_id[group_id].name)
        if group_id in by_id
        else option(group_id, group_id)  # chosen once, now disabled or gone: still shown as chosen
        for group_id in initial
    ]
    options += [
        _group_option(texts, group.id, group.handle, group.name)
        for group in groups.groups
        if group.id not in initial
    ]
    if not options:
        return None
    hint = texts.text("start.groups.hint")
    if len(options) > OPTIONS_LIMIT:
        hint = texts.text("start.groups.hint.cut", limit=OPTIONS_LIMIT, count=len(options))
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": block_id,
        "placeholder": plain(texts.text("start.groups.placeholder")),
        "options": options[:OPTIONS_LIMIT],
    }
    chosen = options[: len(initial)][:OPTIONS_LIMIT]
    if chosen:
        element["initial_options"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(texts.text(label_key)),
        "hint": plain(hint),
        "element": element,
    }


def groups_note(texts: Texts, groups: GroupList | None) -> list[dict[str, Any]]:
    """A note when user groups cannot be offered (the scope is missing, or Slack did not answer)."""
    if groups is None or groups.problem is None:
        return []
    key = "start.groups.missing_scope" if groups.problem == "missing_scope" else "start.groups.unavailable"
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": texts.text(key)}]}]


def _persona_blocks(
    texts: Texts, groups: GroupList | None, block_id: str, label_key: str, initial: list[str]
) -> list[dict[str, Any]]:
    if groups is None:
        return []
    block = group_input(texts, block_id, label_key, groups, initial)
    return [block] if block is not None else []


def start_modal(
    texts: Texts, *, language: str | None = None, groups: GroupList | None = None
) -> dict[str, Any]:
    """The Start a rollout modal in the reader's language; the posts' language preselected as `language`
    (the owner's Slack language; by default the modal's own). `groups`: the workspace's user groups, offered
    beside the people of each persona."""

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
            *groups_note(texts, groups),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                # Optional in Slack's eyes: a user group may stand in for people (the bot checks either).
                "optional": groups is not None and bool(groups.groups),
                "label": plain(texts.text("start.marketo_admins.label")),
                "hint": plain(texts.text("start.marketo_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_MARKETO_ADMINS},
            },
            *_persona_blocks(texts, groups, ids.START_MARKETO_GROUPS, "start.marketo_groups.label", []),
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
                "optional": groups is not None and bool(groups.groups),
                "label": plain(texts.text("start.salesforce_admins.label")),
                "hint": plain(texts.text("start.salesforce_admins.hint")),
                "element": {"type": "multi_users_select", "action_id": ids.START_SALESFORCE_ADMINS},
            },
            *_persona_blocks(texts, groups, ids.START_SALESFORCE_GROUPS, "start.salesforce_groups.label", []),
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
    marketo_groups: list[str] | None = None,
    salesforce_groups: list[str] | None = None,
    off_dates: str = "",
    workspace_groups: GroupList | None = None,
) -> dict[str, Any]:
    marketo_groups = marketo_groups or []
    salesforce_groups = salesforce_groups or []
    # Chosen groups stay offered (and chosen) even when the group list could not be read.
    groups = workspace_groups
    if groups is None and (marketo_groups or salesforce_groups):
        groups = GroupList()
    with_groups = groups is not None and bool(groups.groups or marketo_groups or salesforce_groups)
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
            *groups_note(texts, workspace_groups),
            {
                "type": "input",
                "block_id": ids.START_MARKETO_ADMINS,
                "optional": with_groups,
                "label": plain(texts.text("start.marketo_admins.label")),
                "element": _users_element(ids.START_MARKETO_ADMINS, marketo_admins),
            },
            *_persona_blocks(
                texts, groups, ids.START_MARKETO_GROUPS, "start.marketo_groups.label", marketo_groups
            ),
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
                "optional": with_groups,
                "label": plain(texts.text("start.salesforce_admins.label")),
                "element": _users_element(ids.START_SALESFORCE_ADMINS, salesforce_admins),
            },
            *_persona_blocks(
                texts, groups, ids.START_SALESFORCE_GROUPS, "start.salesforce_groups.label", salesforce_groups
            ),
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
            off_dates_input(texts, off_dates),
        ],
    }


def _users_element(action_id: str, initial: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_users_select", "action_id": action_id}
    if initial:  # Slack refuses an empty initial_users
        element["initial_users"] = initial
    return element


def off_dates_input(texts: Texts, off_dates: str) -> dict[str, Any]:
    """The rollout's own non-working dates: one date or date range per line, each with an optional note."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.EDIT_OFF_DATES,
        "multiline": True,
        "max_length": 3000,
        "placeholder": plain(texts.text("edit.off_dates.placeholder")),
    }
    if off_dates:
        element["initial_value"] = off_dates
    return {
        "type": "input",
        "block_id": ids.EDIT_OFF_DATES,
        "optional": True,
        "label": plain(texts.text("edit.off_dates.label")),
        "hint": plain(texts.text("edit.off_dates.hint")),
        "element": element,
    }
