"""The one summary wording shared by /msi invite, the CSV preview and the report: counts per category in
SPEC section 5's order, then the first rows of each with their reasons, in English and in Japanese."""

from __future__ import annotations

import csv
import io

import pytest

from bot.invitations.service import Candidate, Summary, Unusable, summary_lines, summary_parts
from bot.texts import Texts
from bot.uploads import parsing
from bot.uploads.service import _file_summary, classified_rows, write_unusable_rows


def row(line: int, email: str) -> Candidate:
    return Candidate(email=email, key=email, line=line)


def file_summary() -> Summary:
    data = (
        b"Email,Name\r\n"
        b"a@example.com,Ana\r\n"  # 2: accepted
        b"bad,Bo\r\n"  # 3: invalid
        b"a@example.com,Ana again\r\n"  # 4: listed twice
        b"here@example.com,Here\r\n"  # 5: already here
        b"away@example.com,Away\r\n"  # 6: elsewhere
        b"late@example.com,=Late\r\n"  # 7: over the limit
    )
    parsed = parsing.parse(data)
    extraction = parsing.extract(parsed, parsed.mapping)
    summary = _file_summary(extraction)
    accepted, here, away, late = extraction.accepted
    summary.accepted = [accepted]
    summary.already_here = [here]
    summary.elsewhere = [(away, "本番")]
    summary.over_limit = [late]
    summary.limit, summary.seats_left = 1, 0
    return summary


@pytest.mark.parametrize(
    ("language", "counts", "items"),
    [
        (
            "en",
            [
                "*Accepted:* 1 (0 seat(s) left after these)",
                "*Invalid:* 1",
                "*Listed twice:* 1",
                "*Already requested or invited in this rollout:* 1",
                "*Already used in another rollout:* 1"
                " (an address can belong to only one MSI Actions instance)",
                "*Over the seat limit of 1:* 1",
            ],
            [
                "line 3: `bad`: An email address must have an @-sign.",
                "line 4: `a@example.com`: listed twice (first on line 2)",
                "line 5: `here@example.com`: already requested or invited in this rollout",
                "line 6: `away@example.com`: already used in rollout “本番”",
                "line 7: `late@example.com`: over the seat limit of 1",
            ],
        ),
        (
            "ja",
            [
                "*受け付け：* 1 件（この後の残りシート：0）",
                "*無効：* 1 件",
                "*重複：* 1 件",
                "*このロールアウトで依頼済みまたは招待済み：* 1 件",
                "*ほかのロールアウトで使用済み：* 1 件"
                "（1 つのアドレスが属せる MSI Actions インスタンスは 1 つだけです）",
                "*シートの上限 1 を超過：* 1 件",
            ],
            [
                "3 行目：`bad`：有効なアドレスではありません",  # email-validator speaks English only
                "4 行目：`a@example.com`：重複しています（最初は 2 行目）",
                "5 行目：`here@example.com`：このロールアウトで依頼済みまたは招待済みです",
                "6 行目：`away@example.com`：ロールアウト「本番」で使用済みです",
                "7 行目：`late@example.com`：シートの上限 1 を超えています",
            ],
        ),
    ],
)
def test_a_files_summary_counts_every_category_in_order_then_lists_its_rows(
    language: str, counts: list[str], items: list[str]
) -> None:
    assert summary_parts(Texts.of(language), file_summary()) == (counts, items)


def test_only_categories_with_rows_are_shown_but_accepted_always() -> None:
    summary = Summary(invalid=[Unusable(0, "x", "email.invalid")], limit=5, seats_left=5)
    assert summary_parts(Texts.of("en"), summary) == (
        ["*Accepted:* 0 (5 seat(s) left after these)", "*Invalid:* 1"],
        ["`x`: not a valid address"],
    )
    assert summary_parts(Texts.of("ja"), Summary(limit=5, seats_left=5)) == (
        ["*受け付け：* 0 件（この後の残りシート：5）"],
        [],
    )


def test_a_files_counts_go_beyond_the_rows_kept_and_each_category_is_cut_with_and_n_more() -> None:
    kept = [Unusable(line, f"x{line}", "email.invalid") for line in range(2, 12)]
    summary = Summary(invalid=kept, invalid_count=2_000_000)
    counts, items = summary_parts(Texts.of("ja"), summary, item_limit=5)
    assert counts[1] == "*無効：* 2000000 件"
    assert items[:4] == [f"{line} 行目：`x{line}`：有効なアドレスではありません" for line in range(2, 6)]
    assert len(items) == 5 and items[4] == Texts.of("ja").text("list.more", count=2_000_000 - 4)


def test_the_command_summary_lists_addresses_without_line_numbers_under_a_heading() -> None:
    summary = Summary(
        accepted=[row(0, "a@example.com")],
        invalid=[Unusable(0, "bob@", "email.invalid", None, "There must be something after the @-sign.")],
        duplicates=[Unusable(0, "a@example.com", "invite.reason.duplicate")],
        over_limit=[row(0, "c@example.com")],
        limit=1,
    )
    assert summary_lines(Texts.of("en"), summary) == [
        "*Accepted:* 1 (0 seat(s) left after these)",
        "*Invalid:* 1",
        "*Listed twice:* 1",
        "*Over the seat limit of 1:* 1",
        "*Addresses that can't be used:*",
        "    `bob@`: There must be something after the @-sign.",
        "    `a@example.com`: listed twice",
        "    `c@example.com`: over the seat limit of 1",
    ]


def test_the_report_in_japanese_has_every_unusable_row_with_its_cells_category_and_reason() -> None:
    data = b"Email,Name\r\na@example.com,Ana\r\nbad,Bo\r\na@example.com,Ana again\r\n"
    parsed = parsing.parse(data)
    accepted = parsing.extract(parsed, parsed.mapping).accepted
    classified = classified_rows(Summary(elsewhere=[(accepted[0], "本番")]))
    out = io.BytesIO()
    assert write_unusable_rows(Texts.of("ja"), parsed, parsed.mapping, classified, out) == 3
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["行", "Email", "Name", "問題", "理由"],
        ["2", "a@example.com", "Ana", "ほかのロールアウトで使用済み", "ロールアウト「本番」で使用済みです"],
        ["3", "bad", "Bo", "無効", "有効なアドレスではありません"],
        ["4", "a@example.com", "Ana again", "重複", "重複しています（最初は 2 行目）"],
    ]


class Sink(io.RawIOBase):
    """A binary file that keeps only the size of what is written to it, its largest write and its rows."""

    def __init__(self) -> None:
        self.size = self.largest = self.rows = 0
        self.lines: list[int] = []
        self._tail = b""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.size += len(chunk)
        self.largest = max(self.largest, len(chunk))
        text = self._tail + chunk
        *complete, self._tail = text.split(b"\r\n")
        self.lines.extend(int(line.split(b",")[0]) for line in complete if line[:1].isdigit())
        return len(chunk)


def test_a_report_holds_every_unusable_row_and_is_written_out_as_it_goes() -> None:
    parsed = parsing.parse(b"Email\n" + b"x\n" * 200_000)
    sink = Sink()
    assert write_unusable_rows(Texts.of("en"), parsed, parsed.mapping, {}, sink) == 200_000
    assert sink.size > parsing.MAX_BYTES  # past the old cap, and the upload limit of the file itself
    assert sink.lines == list(range(2, 200_002))  # every row, in file order
    assert sink.largest <= 64 * 1024  # handed over in small pieces, never as one text
