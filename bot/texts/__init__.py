"""Every text the bot shows, keyed by message id. Handlers and builders never inline prose.

A render binds the reader's language once, `Texts.of(language)`, and hands that object to every builder it
calls: the builders look texts up and format dates, durations and lists through it, so that the word order
of a language lives in its table (`en`, `ja`: one module per language) and never in code.
Values are `str.format` templates: fill them only with values already escaped for Slack (see
bot.slack.formatting).

Which language: a rollout's channel posts are in the rollout's language (`Rollout.language`), everything
private in the reader's (bot/platform/people.py). There is no module-level lookup: every text is looked up
through the Texts of a language someone chose, so no answer can slip into a default by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from bot.texts.en import EN
from bot.texts.ja import JA

DEFAULT_LANGUAGE = "en"

# The language of answers to a reader whose Slack locale is not known yet, outside any rollout.
CATALOG: dict[str, dict[str, str]] = {"en": EN, "ja": JA}

T = TypeVar("T")


class Texts:
    """The texts of one language and the formatting that depends on it, bound once per render."""

    __slots__ = ("language", "table")

    def __init__(self, language: str, table: Mapping[str, str]) -> None:
        self.language = language
        self.table = table

    @staticmethod
    @cache
    def of(language: str) -> Texts:
        """The Texts of a language of the catalog, made once per language."""
        table = CATALOG.get(language)
        if table is None:
            raise KeyError(f"no texts in language {language!r}; the catalog has {sorted(CATALOG)}")
        return Texts(language, table)

    def template(self, key: str) -> str:
        """The raw catalog value of `key`, unfilled.

        A key this language's table lacks raises: nothing falls back to English (the catalog tests check
        that every table has every key)."""
        template = self.table.get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in the {self.language!r} table of the catalog")
        return template

    def text(self, key: str, **params: Any) -> str:
        """The catalog text for `key`, filled with `params` (already escaped by the caller)."""
        return self.template(key).format(**params)

    def lines(self, key: str) -> list[str]:
        """A multi-line catalog entry (checklists, hints) as its lines."""
        return [line for line in self.text(key).split("\n") if line.strip()]

    def date(self, moment: datetime) -> str:
        """A time every reader sees in their own time zone, with a UTC fallback for old clients.

        Slack fills the `<!date>` token's format (`date.token`, Slack's own {placeholders}) in the reader's
        time zone; clients that can't show the token show the fallback (`date.fallback`)."""
        moment = moment.astimezone(UTC)
        fallback = self.text("date.fallback", date=moment.strftime("%Y-%m-%d"), time=moment.strftime("%H:%M"))
        return f"<!date^{int(moment.timestamp())}^{self.template('date.token')}|{fallback}>"

    def duration(self, length: timedelta) -> str:
        """How long something took, in its largest whole unit: days, hours, or minutes (at least one)."""
        seconds = max(int(length.total_seconds()), 0)
        if seconds >= 86400:
            return self.text("duration.days", count=seconds // 86400)
        if seconds >= 3600:
            return self.text("duration.hours", count=seconds // 3600)
        return self.text("duration.minutes", count=max(seconds // 60, 1))

    def join(self, items: Iterable[str]) -> str:
        """Items in one line, separated as the language separates list items."""
        return self.template("list.separator").join(items)

    def quoted(self, items: Iterable[str], *, empty_key: str = "list.none") -> str:
        """Names (already escaped) quoted and joined; `empty_key`'s text when there are none."""
        shown = [self.text("list.quoted", value=item) for item in items]
        return self.join(shown) if shown else self.text(empty_key)

    def cut(
        self,
        items: Sequence[T],
        limit: int,
        *,
        render: Callable[[T], str] = str,
        total: int | None = None,
    ) -> list[str]:
        """At most `limit` items, each through `render`; the rest summed up as "and N more".

        Only the items shown are rendered: a large file can leave tens of thousands in a list of which ten
        show. `total`, when given, is how many there are in all, of which `items` are the first (a CSV's
        problems are counted, and only the first few kept).
        """
        count = len(items) if total is None else max(total, len(items))
        if count <= limit:
            return [render(item) for item in items]
        shown = [render(item) for item in items[: max(limit - 1, 0)]]
        shown.append(self.text("list.more", count=count - len(shown)))
        return shown


def language_of_locale(locale: str | None) -> str | None:
    """The catalog language for a Slack locale (`ja-JP` → ja, any other → en); None when Slack did not say."""
    if not locale:
        return None
    return "ja" if locale.lower().startswith("ja") else "en"


def known_language(language: str | None) -> str:
    """`language` when the catalog has it, else the default (a stored value from a newer or older bot)."""
    return language if language in CATALOG else DEFAULT_LANGUAGE
