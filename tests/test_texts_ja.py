"""The Japanese table: same keys and placeholders as the English one, and the ja writing conventions.

The conventions (see /work/shared/JA.md) that a machine can check: full-width brackets and commas
between Japanese characters, a space on both sides of a `*bold*` run next to Japanese (Slack does not
render the bold otherwise), a full-width full stop rather than "." after Japanese, a space between
Japanese and Latin letters or digits, and Slack's size limits for the keys the builders put into
buttons, options, headers, modals and confirm dialogs.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.texts.en import EN
from bot.texts.ja import JA

ROOT = Path(__file__).resolve().parent.parent

# Kana, kanji and the CJK marks; full-width punctuation is matched separately where a rule needs it.
JAPANESE = r"\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f々ー"
JP = f"[{JAPANESE}]"
# Full-width punctuation and brackets that may sit next to Japanese without a space.
JP_PUNCT = "「」（）、。：・～！？『』【】"

# Slack's limits, as the builders clip them (bot/slack/blockkit.py and bot/*/blocks.py).
MODAL_TITLE = 24  # view title, submit and close
BUTTON = 75  # button text (blockkit.button)
OPTION = 75  # option text and description (blockkit.option; Slack's own limit for descriptions)
HEADER = 150  # header blocks (blockkit.HEADER_LIMIT)
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30  # blockkit.confirm_dialog

LIMITS: dict[str, int] = {
    # modal titles, submit and close buttons
    **dict.fromkeys(
        [
            "start.title",
            "start.submit",
            "start.close",
            "edit.title",
            "edit.submit",
            "help_modal.title",
            "help_modal.submit",
            "help_modal.close",
            "reopen_modal.title",
            "reopen_modal.submit",
            "reopen_modal.close",
            "override.title",
            "override.submit",
            "approval.reject_modal.title",
            "approval.reject_modal.submit",
            "csv.mapping.title",
            "csv.mapping.submit",
        ],
        MODAL_TITLE,
    ),
    # buttons
    **dict.fromkeys(
        [
            "step.button.done",
            "step.button.help",
            "step.button.resolve",
            "verify.button",
            "approval.button.approve",
            "approval.button.reject",
            "batch.button.sent",
            "batch.button.cancel",
            "csv.button.request",
            "csv.button.mapping",
            "csv.button.cancel",
            "csv.button.report",
            "reminder.snooze",
            "home.start",
            "home.edit",
            "home.pause",
            "home.resume",
            "home.reopen",
            "home.cancel",
        ],
        BUTTON,
    ),
    # options of selects and checkboxes
    **dict.fromkeys(
        [
            "environment.production",
            "environment.sandbox",
            "reminder.snooze.hour",
            "reminder.snooze.workday",
            "reminder.snooze.monday",
            "start.prerequisite.enabled",
            "start.prerequisite.enabled.hint",
            "start.prerequisite.sync",
            "csv.mapping.none",
        ],
        OPTION,
    ),
    # header blocks
    **dict.fromkeys(
        [
            "step.header",
            "approval.header",
            "batch.task.header",
            "batch.requester.header",
            "csv.preview.header",
        ],
        HEADER,
    ),
    # confirm dialogs
    **dict.fromkeys(
        [
            "step.confirm.title",
            "approval.confirm.title",
            "batch.confirm.title",
            "batch.cancel.confirm.title",
            "home.cancel.confirm.title",
        ],
        CONFIRM_TITLE,
    ),
    **dict.fromkeys(
        [
            "step.confirm.text",
            "approval.confirm.text",
            "batch.confirm.text",
            "batch.cancel.confirm.text",
            "home.cancel.confirm.text",
        ],
        CONFIRM_TEXT,
    ),
    **dict.fromkeys(
        [
            "step.confirm.yes",
            "step.confirm.no",
            "approval.confirm.yes",
            "approval.confirm.no",
            "batch.confirm.yes",
            "batch.confirm.no",
            "batch.cancel.confirm.yes",
            "batch.cancel.confirm.no",
            "home.cancel.confirm.yes",
            "home.cancel.confirm.no",
        ],
        CONFIRM_BUTTON,
    ),
}


def fields(template: str) -> list[tuple[str, str]]:
    """The (name, format spec) of every placeholder, in order."""
    return [
        (name, spec or "")
        for _literal, name, spec, _conversion in string.Formatter().parse(template)
        if name is not None
    ]


def dummy_values(template: str) -> dict[str, object]:
    return {name: 7 if spec.endswith("d") else "x" for name, spec in fields(template)}


def literal(template: str) -> str:
    """The template's own text: placeholders become a neutral `X` surrounded by spaces."""
    parts = []
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(text)
        if name is not None:
            parts.append(" X ")
    return "".join(parts)


def code_free(value: str) -> str:
    """The text outside `code` spans and <links|…>, which keep their literal content."""
    value = re.sub(r"`[^`\n]*`", " C ", value)
    return re.sub(r"<[^<>\n]*>", " L ", value)


# ---- the rules, as functions that return the offending snippets (tested on broken samples below)


def ascii_punctuation_next_to_japanese(value: str) -> list[str]:
    return re.findall(f"{JP}[(),]|[(),]{JP}", code_free(value))


def bold_without_spaces(value: str) -> list[str]:
    """A `*bold*` run whose outer neighbour is Japanese text or full-width punctuation instead of a space."""
    problems = []
    for line in code_free(value).split("\n"):
        for match in re.finditer(r"\*[^*\n]+\*", line):
            before = line[match.start() - 1] if match.start() > 0 else " "
            after = line[match.end()] if match.end() < len(line) else " "
            if not (before.isspace() or before.isascii()) or not (after.isspace() or after.isascii()):
                problems.append(line[max(0, match.start() - 1) : match.end() + 1])
        if line.count("*") % 2:
            problems.append(line)
    return problems


def halfwidth_full_stop(value: str) -> list[str]:
    return re.findall(f"{JP}[.](?:\\s|$)", code_free(value))


def latin_touching_japanese(value: str) -> list[str]:
    return re.findall(f"{JP}[A-Za-z0-9]|[A-Za-z0-9]{JP}", code_free(value))


RULES = [
    ascii_punctuation_next_to_japanese,
    bold_without_spaces,
    halfwidth_full_stop,
    latin_touching_japanese,
]


# ---- the tests


def test_same_keys_as_english() -> None:
    assert sorted(set(EN) - set(JA)) == [], "missing in ja"
    assert sorted(set(JA) - set(EN)) == [], "not in en"


@pytest.mark.parametrize("key", sorted(EN))
def test_same_placeholders_as_english(key: str) -> None:
    assert sorted(set(fields(JA[key]))) == sorted(set(fields(EN[key])))


@pytest.mark.parametrize("key", sorted(JA))
def test_formats_with_dummy_values(key: str) -> None:
    JA[key].format(**dummy_values(JA[key]))


@pytest.mark.parametrize("key", sorted(JA))
def test_writing_conventions(key: str) -> None:
    text = literal(JA[key])
    assert {rule.__name__: rule(text) for rule in RULES if rule(text)} == {}


@pytest.mark.parametrize("key", sorted(JA))
def test_keeps_the_slack_markup_of_the_english(key: str) -> None:
    def markup(value: str) -> tuple[object, ...]:
        return (
            sorted(re.findall(r":[a-z_]+:", value)),
            value.count("`"),
            value.count("•"),
            value.count("\n"),
            sorted(re.findall(r"<([^<>|]+)", value)),
            sorted(url.rstrip(".") for url in re.findall(r"https://[\w./?=&%-]+", value, re.ASCII)),
        )

    assert markup(JA[key]) == markup(EN[key])


def test_something_is_translated() -> None:
    # A language's name is its own in every table ("English" in Japanese too): it is picked by who reads it.
    same = [
        key
        for key in EN
        if JA[key] == EN[key] and re.search("[a-z]{3}", literal(EN[key])) and not key.startswith("language.")
    ]
    assert same == []


def test_each_language_is_offered_under_its_own_name_in_every_table() -> None:
    assert (EN["language.ja"], EN["language.en"]) == ("日本語", "English")
    assert (JA["language.ja"], JA["language.en"]) == ("日本語", "English")


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_limited_texts_fit(key: str) -> None:
    limit = LIMITS[key]
    filled = JA[key].format(**{name: "12" for name, _spec in fields(JA[key])})
    assert len(filled) <= limit
    assert len(literal(JA[key])) <= len(literal(EN[key])), "longer than the English"


def test_limit_list_covers_the_builders() -> None:
    """Every key the builders pass to a button, an option or a clipped plain text is in LIMITS."""
    sources = [ROOT / "bot/slack/blockkit.py", *sorted((ROOT / "bot").glob("*/blocks.py"))]
    found = set()
    for source in sources:
        code = source.read_text(encoding="utf-8")
        found |= set(re.findall(r"(?:button|option)\(\s*(?:texts\.text|t)\(\"([^\"]+)\"", code))
        found |= set(re.findall(r"plain\(\s*t\(\"([^\"]+)\"[^()]*(?:\([^()]*\))?[^()]*\),\s*\w+", code))
        found |= set(re.findall(r"(?:title|submit|close)=t\(\"([^\"]+)\"", code))
        for dialog in re.findall(r"confirm_dialog\(((?:[^()]|\([^()]*\))*)\)", code):
            found |= set(re.findall(r"t\(\"([^\"]+)\"", dialog))
    found = {key for key in found if "{" not in key}
    assert found, "the patterns no longer match the builders"
    assert sorted(found - set(LIMITS)) == []


# ---- each rule can fail


@pytest.mark.parametrize(
    ("rule", "broken", "fixed"),
    [
        (
            ascii_punctuation_next_to_japanese,
            "ロールアウト(本番環境)を開始",
            "ロールアウト（本番環境）を開始",
        ),
        (ascii_punctuation_next_to_japanese, "承認,却下", "承認、却下"),
        (bold_without_spaces, "ロールアウト*X*を開始しました。", "ロールアウト *X* を開始しました。"),
        (bold_without_spaces, "*X*（本番環境）", "*X* （本番環境）"),
        (halfwidth_full_stop, "開始しました.", "開始しました。"),
        (latin_touching_japanese, "MSI Actionsの設定", "MSI Actions の設定"),
        (latin_touching_japanese, "ステップ1", "ステップ 1"),
    ],
)
def test_rules_catch_broken_text(rule: object, broken: str, fixed: str) -> None:
    assert callable(rule)
    assert rule(broken)
    assert not rule(fixed)
