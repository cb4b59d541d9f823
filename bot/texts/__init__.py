"""Every text the bot shows, keyed by message id. Handlers and builders never inline prose.

`text()` looks a message up in the reader's language; each language is one table in its own module (`en`).
Values are `str.format` templates: fill them only with values already escaped for Slack (see
bot.slack.formatting).
"""

from __future__ import annotations

from typing import Any

from bot.texts.en import EN

DEFAULT_LANGUAGE = "en"

CATALOG: dict[str, dict[str, str]] = {"en": EN}


def text(key: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The catalog text for `key`, filled with `params` (already escaped by the caller)."""
    table = CATALOG.get(language, EN)
    template = table.get(key, EN.get(key))
    if template is None:
        raise KeyError(f"no message {key!r} in the catalog")
    return template.format(**params) if params else template


def lines(key: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """A multi-line catalog entry (checklists, hints) as its lines."""
    return [line for line in text(key, language).split("\n") if line.strip()]
