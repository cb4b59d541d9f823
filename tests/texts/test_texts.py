"""The Texts object: lookups, dates, durations and lists in a language's word order; the catalog's shape."""

from __future__ import annotations

import importlib
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import bot.texts
from bot.slack.blockkit import confirm_dialog
from bot.texts import CATALOG, DEFAULT_LANGUAGE, Texts
from bot.texts.en import EN

# Slack's `<!date>` tokens (https://api.slack.com/reference/surfaces/formatting#date-formatting).
SLACK_DATE_TOKENS = {
    "date_num",
    "date",
    "date_short",
    "date_long",
    "date_pretty",
    "date_short_pretty",
    "date_long_pretty",
    "time",
    "time_secs",
    "ago",
}
MOMENT = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


def placeholders(template: str) -> set[str]:
    """The fields a template is filled with; fails on a template `str.format` cannot parse."""
    parsed = string.Formatter().parse(template)
    return {field for _text, field, _spec, _conversion in parsed if field is not None}


def tables() -> dict[str, dict[str, str]]:
    """Every table in bot/texts (`xx.py` holding `XX`), whether or not the catalog offers it yet."""
    folder = Path(bot.texts.__file__).parent
    return {
        path.stem: getattr(importlib.import_module(f"bot.texts.{path.stem}"), path.stem.upper())
        for path in sorted(folder.glob("[a-z][a-z].py"))
    }


TABLES = tables()


def english() -> Texts:
    return Texts.of("en")


# ---- the catalog's shape, for every table


@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_table_has_every_english_key_and_no_other(language: str) -> None:
    table = TABLES[language]
    assert sorted(set(EN) - set(table)) == [], "missing"
    assert sorted(set(table) - set(EN)) == [], "not in English"


@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_text_has_the_placeholders_of_its_english_text(language: str) -> None:
    table = TABLES[language]
    differing = {
        key: (sorted(placeholders(table[key])), sorted(placeholders(EN[key])))
        for key in EN
        if key in table and placeholders(table[key]) != placeholders(EN[key])
    }
    assert differing == {}


@pytest.mark.parametrize("language", sorted(TABLES))
def test_placeholders_are_plain_names_without_conversions_or_format_specs(language: str) -> None:
    bad = [
        key
        for key, template in TABLES[language].items()
        for _text, field, spec, conversion in string.Formatter().parse(template)
        if field is not None and (not field.isidentifier() or spec or conversion)
    ]
    assert bad == []


@pytest.mark.parametrize("language", sorted(TABLES))
def test_the_date_token_and_fallback_fit_slacks_date_syntax(language: str) -> None:
    table = TABLES[language]
    token, fallback = table["date.token"], table["date.fallback"]
    assert placeholders(token) and placeholders(token) <= SLACK_DATE_TOKENS
    assert placeholders(fallback) == {"date", "time"}
    # `^` and `|` separate the parts of `<!date^ts^format|fallback>`, `>` ends it
    assert not set("^|<>") & set(token)
    assert not set("^|<>") & set(fallback)


def test_the_default_language_is_in_the_catalog_and_every_catalog_table_is_checked() -> None:
    assert Texts.of(DEFAULT_LANGUAGE).table is CATALOG[DEFAULT_LANGUAGE]
    assert all(CATALOG[language] is TABLES[language] for language in CATALOG)


# ---- lookups


def test_texts_are_made_once_per_language() -> None:
    assert Texts.of("en") is Texts.of("en")


def test_a_text_is_filled_with_its_params() -> None:
    assert english().text("list.more", count=3) == "…and 3 more"
    assert english().text("state.open") == "Open"


def test_an_unknown_key_raises() -> None:
    with pytest.raises(KeyError, match=re.escape("no message 'no.such.key'")):
        english().text("no.such.key")


def test_a_missing_param_raises_instead_of_showing_the_raw_template() -> None:
    with pytest.raises(KeyError, match="count"):
        english().text("list.more")


def test_an_unknown_language_raises() -> None:
    with pytest.raises(KeyError, match="no texts in language 'xx'"):
        Texts.of("xx")


def test_a_key_a_translation_lacks_raises_instead_of_falling_back_to_english() -> None:
    partial = Texts("xx", {"state.open": "Offen"})
    assert partial.text("state.open") == "Offen"
    with pytest.raises(KeyError, match=re.escape("no message 'state.done' in the 'xx' table")):
        partial.text("state.done")


def test_lines_are_the_non_blank_lines_of_a_text() -> None:
    texts = Texts("xx", {"step.1.checklist": "first\n\n  \nsecond"})
    assert texts.lines("step.1.checklist") == ["first", "second"]


# ---- dates


def test_a_date_is_slacks_token_with_a_utc_fallback() -> None:
    assert english().date(MOMENT) == "<!date^1717407000^{date_short_pretty} at {time}|2024-06-03 09:30 UTC>"


def test_a_date_in_another_zone_falls_back_to_its_utc_time() -> None:
    tokyo = MOMENT.astimezone(timezone(timedelta(hours=9)))
    assert english().date(tokyo) == english().date(MOMENT)


def test_a_dates_word_order_comes_from_the_table() -> None:
    texts = Texts("xx", {"date.token": "{date_short} {time}", "date.fallback": "{time} UTC, {date}"})
    assert texts.date(MOMENT) == "<!date^1717407000^{date_short} {time}|09:30 UTC, 2024-06-03>"


# ---- durations


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (timedelta(seconds=-5), "1 minute(s)"),
        (timedelta(seconds=20), "1 minute(s)"),
        (timedelta(minutes=59, seconds=59), "59 minute(s)"),
        (timedelta(hours=1), "1 hour(s)"),
        (timedelta(hours=5, minutes=59), "5 hour(s)"),
        (timedelta(days=2, hours=23), "2 day(s)"),
    ],
)
def test_a_duration_is_shown_in_its_largest_whole_unit(length: timedelta, shown: str) -> None:
    assert english().duration(length) == shown


# ---- lists


def test_lists_are_joined_with_the_tables_separator() -> None:
    assert english().join(["<@U1A>", "<@U2B>"]) == "<@U1A>, <@U2B>"
    assert Texts("xx", {"list.separator": "、"}).join(["a", "b"]) == "a、b"


def test_names_are_quoted_and_none_is_said_in_words() -> None:
    assert english().quoted(["Production", "Sandbox"]) == "“Production”, “Sandbox”"
    assert english().quoted([]) == "none"
    table = {"list.quoted": "「{value}」", "list.none": "なし", "list.separator": "、"}
    assert Texts("xx", table).quoted(["a", "b"]) == "「a」、「b」"


def test_a_list_within_its_limit_is_kept_whole() -> None:
    assert english().cut(["a", "b", "c"], 3) == ["a", "b", "c"]


def test_a_longer_list_is_cut_with_and_n_more() -> None:
    assert english().cut(["a", "b", "c", "d", "e"], 3) == ["a", "b", "…and 3 more"]


def test_a_cut_counts_the_total_when_only_the_first_items_are_kept() -> None:
    assert english().cut(["a", "b"], 3, total=2) == ["a", "b"]
    assert english().cut(["a", "b", "c"], 3, total=10) == ["a", "b", "…and 8 more"]


def test_a_cut_renders_only_the_items_it_shows() -> None:
    rendered: list[int] = []

    def render(item: int) -> str:
        rendered.append(item)
        return f"#{item}"

    assert english().cut(range(80_000), 3, render=render) == ["#0", "#1", "…and 79998 more"]
    assert rendered == [0, 1]


def test_the_and_n_more_line_is_the_tables() -> None:
    texts = Texts("xx", {"list.more": "ほか{count}件"})
    assert texts.cut(["a", "b", "c"], 2) == ["a", "ほか2件"]


# ---- texts read by key prefix


def test_a_confirm_dialog_is_read_from_its_key_prefix_each_text_filled_from_the_params() -> None:
    texts = Texts(
        "xx",
        {
            "thing.confirm.title": "Drop {name}?",
            "thing.confirm.text": "{name} and its {count} rows go.",
            "thing.confirm.yes": "Drop",
            "thing.confirm.no": "Keep",
        },
    )
    dialog = confirm_dialog(texts, "thing.confirm", name="batch #3", count=2)
    assert [dialog[part]["text"] for part in ("title", "text", "confirm", "deny")] == [
        "Drop batch #3?",
        "batch #3 and its 2 rows go.",
        "Drop",
        "Keep",
    ]
