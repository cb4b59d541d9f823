"""Formatting of Slack mrkdwn: escaping user text, mentions, dates and cut-off lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from bot import texts

T = TypeVar("T")

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


def users(user_ids: Sequence[str]) -> str:
    return ", ".join(user(item) for item in user_ids)


def date(moment: datetime) -> str:
    """A time every reader sees in their own time zone, with a UTC fallback for old clients."""
    moment = moment.astimezone(UTC)
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def cut_list(
    items: Sequence[T],
    limit: int,
    language: str = texts.DEFAULT_LANGUAGE,
    *,
    render: Callable[[T], str] = str,
    total: int | None = None,
) -> list[str]:
    """At most `limit` items, each through `render`; the rest summed up as "and N more".

    Only the items shown are rendered: a large file can leave tens of thousands in a list of which ten show.
    `total`, when given, is how many there are in all, of which `items` are the first (a CSV's problems are
    counted, and only the first few kept).
    """
    count = len(items) if total is None else max(total, len(items))
    if count <= limit:
        return [render(item) for item in items]
    shown = [render(item) for item in items[: max(limit - 1, 0)]]
    shown.append(texts.text("list.more", language, count=count - len(shown)))
    return shown


def clip(value: str, limit: int) -> str:
    """Keep a text within a Block Kit length limit, marking the cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
