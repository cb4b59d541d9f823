"""Formatting of Slack mrkdwn: escaping user text, mentions, clipping (dates and lists: bot.texts.Texts)."""

from __future__ import annotations

import re

_ID = re.compile(r"[A-Z0-9_]{2,32}")  # Slack ids; the underscore only appears in test ids
# Characters that have no business in a Slack message: C0 controls but tab and newline, DEL, and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_TYPED_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SLACK_ID = re.compile(r"[A-Z][A-Z0-9_]{1,31}")


def typed(value: object, limit: int) -> str:
    """Typed text made safe to store: control characters (NUL above all) dropped, trimmed, clipped."""
    return _TYPED_CONTROL.sub("", str(value or "")).strip()[:limit]


def is_slack_id(value: object, prefixes: str) -> bool:
    """A well-formed Slack id starting with one of `prefixes` (e.g. "UW" for users, "CG" for channels)."""
    return isinstance(value, str) and bool(_SLACK_ID.fullmatch(value)) and value[0] in prefixes


def escape(value: str) -> str:
    """Make user-typed text inert: `&`, `<`, `>` escaped so no `<!channel>` or mention can be smuggled in."""
    cleaned = _CONTROL.sub("", value)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user(user_id: str) -> str:
    return f"<@{user_id}>" if _ID.fullmatch(user_id) else escape(user_id)


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _ID.fullmatch(channel_id) else escape(channel_id)


def clip(value: str, limit: int) -> str:
    """Keep a text within a Block Kit length limit, marking the cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def message_link(channel_id: str, ts: str, label: str) -> str:
    """A link to one message: Slack's archive address (`https://slack.com/archives/<channel>/p<ts without
    the dot>`), which opens it in the reader's workspace; `label` must already be escaped."""
    return f"<https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}|{label}>"


def group(group_id: str) -> str:
    """A user group's mention: Slack notifies its current members (never @channel or @here)."""
    return f"<!subteam^{group_id}>" if _ID.fullmatch(group_id) else escape(group_id)
