"""Uploaded invitation CSVs: encodings, delimiters, header rows, column mapping, and each row's verdict."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.invitations.emails import check_address
from bot.texts import Texts
from bot.uploads import parsing
from bot.uploads.parsing import (
    FIELDS,
    MAX_BYTES,
    CsvProblem,
    ParsedCsv,
    extract,
    guess_mapping,
    is_formula_like,
    parse,
)
from tests import csv_corpus as corpus

texts = Texts.of("en")  # the English table, which these checks read

FULL: dict[str, int | None] = {"email": 0, "first_name": 1, "last_name": 2, "full_name": None, "team": 3}


@dataclass(frozen=True)
class Expected:
    data: bytes
    encoding: str
    delimiter: str
    header_line: int
    headers: tuple[str, ...]
    mapping: dict[str, int | None]
    # (line, email, first name, last name, team) of every accepted invitee, in file order
    accepted: list[tuple[int, str, str, str, str]]


def only(**fields: int) -> dict[str, int | None]:
    return {name: fields.get(name) for name in FIELDS}


WELL_FORMED = {
    "utf-8 with BOM and CRLF": Expected(
        corpus.UTF8_BOM_CRLF,
        "utf-8-sig",
        ",",
        1,
        ("Email", "First Name", "Last Name", "Team"),
        FULL,
        [
            (2, "alice@example.com", "Alice", "Smith", "Sales"),
            (3, "bob@example.com", "Bob", "Jones", "Marketing"),
        ],
    ),
    "plain utf-8 with LF": Expected(
        corpus.UTF8_LF,
        "utf-8",
        ",",
        1,
        ("email", "first_name", "last_name", "team"),
        FULL,
        [
            (2, "ann@example.org", "Ann", "Lee", "Ops"),
            (3, "Ben.Kim@example.org", "Ben", "Kim", ""),
            (4, "chloé@example.org", "Chloé", "Durand", "Ops"),
        ],
    ),
    "quoted delimiters, quotes and a line break": Expected(
        corpus.QUOTED,
        "utf-8",
        ",",
        1,
        ("Email", "First Name", "Last Name", "Team"),
        FULL,
        [
            (2, "carol@example.com", "Carol, Jr.", 'O\'Neil "CJ"', "Sales, EMEA"),
            (3, "dave@example.com", "Dave", "Van\nDyke", "Support"),
            (5, "eve@example.com", "Eve", "Adams", "Ops"),
        ],
    ),
    "semicolons with unquoted commas in cells": Expected(
        corpus.SEMICOLON,
        "utf-8-sig",
        ";",
        1,
        ("E-mail", "First name", "Last name", "Team"),
        FULL,
        [
            (2, "juergen@example.de", "Jürgen", "Müller, Dr.", "Vertrieb, Nord"),
            (3, "lena@example.de", "Lena", "Schmidt", "Vertrieb, Süd"),
        ],
    ),
    "Excel Unicode text (UTF-16 LE, BOM, tabs)": Expected(
        corpus.UTF16_TAB,
        "utf-16",
        "\t",
        1,
        ("Email", "First Name", "Last Name", "Team"),
        FULL,
        [
            (2, "kenji@example.jp", "Kenji", "Sato", "Sales, APAC"),
            (3, "yuki@example.jp", "由紀", "高橋", "営業"),
        ],
    ),
    "UTF-16 BE without BOM": Expected(
        corpus.UTF16_BE_NO_BOM,
        "utf-16-be",
        "\t",
        1,
        ("Email", "Team"),
        only(email=0, team=1),
        [(2, "mika@example.jp", "", "", "Ops")],
    ),
    "Japanese Excel (CP932)": Expected(
        corpus.CP932_JAPANESE,
        "cp932",
        ",",
        1,
        ("メールアドレス", "姓", "名", "チーム"),
        {"email": 0, "first_name": 2, "last_name": 1, "team": 3},
        [
            (2, "taro.yamada@example.co.jp", "太郎", "山田", "営業部"),
            (3, "hanako.suzuki@example.co.jp", "花子", "鈴木", "マーケティング"),
            (4, "ichiro@example.co.jp", "一郎", "ｽｽﾞｷ", ""),
        ],
    ),
    "kanji-only CP932 that cp1252 could also read": Expected(
        corpus.CP932_KANJI_ONLY,
        "cp932",
        ",",
        1,
        ("Email", "Last Name", "First Name"),
        {"email": 0, "first_name": 2, "last_name": 1, "team": None},
        [(2, "yamada@example.jp", "太郎", "山田", ""), (3, "ito@example.jp", "一", "伊藤", "")],
    ),
    "Latin-1 accents": Expected(
        corpus.LATIN1,
        "cp1252",
        ",",
        1,
        ("Email", "First Name", "Last Name", "Team"),
        FULL,
        [
            (2, "jose@example.es", "José", "García", "Ventas"),
            (3, "anna@example.de", "Anna", "Müller", "Vertrieb"),
        ],
    ),
    "Latin-1 that CP932 could also read": Expected(
        corpus.LATIN1_LOOKS_CP932,
        "cp1252",
        ",",
        1,
        ("Email", "First Name", "Last Name"),
        only(email=0, first_name=1, last_name=2),
        [(2, "renee@example.fr", "Renée", "Thérèse", ""), (3, "marc@example.fr", "Marc", "Dubois", "")],
    ),
    "blank lines at top, middle and end": Expected(
        corpus.BLANK_LINES,
        "utf-8",
        ",",
        3,
        ("Email", "First Name"),
        only(email=0, first_name=1),
        [(5, "frank@example.com", "Frank", "", ""), (8, "gina@example.com", "Gina", "", "")],
    ),
    "extra columns": Expected(
        corpus.EXTRA_COLUMNS,
        "utf-8",
        ",",
        1,
        ("Employee ID", "Email", "First Name", "Last Name", "Team", "Phone", "Column 7"),
        {"email": 1, "first_name": 2, "last_name": 3, "team": 4},
        [
            (2, "hank@example.com", "Hank", "Hill", "Propane"),
            (3, "iris@example.com", "Iris", "West", "Flash"),
        ],
    ),
    "headers with spaces and other cases": Expected(
        corpus.SPACED_HEADERS,
        "utf-8",
        ",",
        1,
        ("E-Mail Address", "FIRST NAME", "last-name", "Team Name"),
        FULL,
        [(2, "jack@example.com", "Jack", "Ryan", "R&D")],
    ),
    "title lines above the header": Expected(
        corpus.TITLE_LINE,
        "utf-8",
        ",",
        4,
        ("Email", "First Name", "Last Name", "Team"),
        FULL,
        [(5, "kate@example.com", "Kate", "Bell", "Ops")],
    ),
    "headerless list of addresses": Expected(
        corpus.HEADERLESS,
        "utf-8",
        ",",
        0,
        ("Column 1",),
        only(email=0),
        [
            (1, "liam@example.com", "", "", ""),
            (2, "mia@example.com", "", "", ""),
            (3, "noah@example.com", "", "", ""),
        ],
    ),
    "ragged rows": Expected(
        corpus.RAGGED,
        "utf-8",
        ",",
        1,
        ("Email", "First Name", "Last Name", "Team", "Column 5"),
        FULL,
        [
            (2, "pat@example.com", "", "", ""),
            (3, "quinn@example.com", "Quinn", "", ""),
            (4, "rita@example.com", "Rita", "Ray", "Ops"),
        ],
    ),
    "carriage returns only": Expected(
        corpus.CR_ONLY,
        "utf-8",
        ",",
        1,
        ("Email", "Team"),
        only(email=0, team=1),
        [(2, "vera@example.com", "", "", "Ops"), (3, "walt@example.com", "", "", "Ops")],
    ),
    "unknown column names under a title": Expected(
        corpus.UNKNOWN_HEADERS,
        "utf-8",
        ",",
        2,
        ("Nom", "Adresse électronique", "Équipe"),
        only(email=1),
        [(3, "xavier@example.fr", "", "", "")],
    ),
}


@pytest.mark.parametrize("name", WELL_FORMED)
def test_a_well_formed_upload_is_read_with_its_encoding_delimiter_header_and_mapping(name: str) -> None:
    expected = WELL_FORMED[name]
    parsed = parse(expected.data)
    assert (parsed.encoding, parsed.delimiter, parsed.header_line) == (
        expected.encoding,
        expected.delimiter,
        expected.header_line,
    )
    assert parsed.headers == expected.headers
    assert parsed.mapping == {**dict.fromkeys(FIELDS), **expected.mapping}


@pytest.mark.parametrize("name", WELL_FORMED)
def test_every_row_of_a_well_formed_upload_is_accepted_with_its_line_number(name: str) -> None:
    expected = WELL_FORMED[name]
    parsed = parse(expected.data)
    result = extract(parsed, parsed.mapping)
    assert [
        (i.line, i.email, i.first_name, i.last_name, i.team) for i in result.accepted
    ] == expected.accepted
    assert (result.invalid, result.duplicates, result.total_rows) == ([], [], len(expected.accepted))


@pytest.mark.parametrize("name", WELL_FORMED)
def test_the_reported_encoding_reads_the_file_back_to_the_same_text(name: str) -> None:
    data = WELL_FORMED[name].data
    text, encoding = parsing.decode(data)
    assert data.decode(encoding).lstrip("\ufeff") == text


BROKEN = {
    "empty file": (corpus.EMPTY, "csv.empty"),
    "only a BOM": (corpus.ONLY_BOM, "csv.empty"),
    "only blank lines": (corpus.ONLY_BLANK_LINES, "csv.empty"),
    "only delimiters": (b",,,\r\n , ,\r\n", "csv.empty"),
    "a header and no rows": (corpus.HEADER_ONLY, "csv.empty"),
    "PNG screenshot": (corpus.png_header(), "csv.binary"),
    "XLSX workbook": (corpus.xlsx_header(), "csv.binary"),
    "PDF": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "csv.binary"),
    "random binary": (corpus.random_binary(), "csv.binary"),
    "text full of control characters": (b"\x01\x02\x03\x04a,b\x05\x06\x07\x08\n" * 20, "csv.binary"),
    "no email column": (corpus.NO_EMAIL_COLUMN, "csv.no_email_column"),
    "a UTF-8 BOM over CP932 bytes": (corpus.BOM_THEN_CP932, "csv.undecodable"),
    "UTF-16 with a BOM and half a character": (b"\xff\xfeE\x00m\x00a", "csv.undecodable"),
    "an opening quote that never closes": (corpus.UNCLOSED_QUOTE, "csv.malformed"),
    # csv raises the same "field larger than field limit" error here: the open quote swallowed the rest.
    "a quote never closed before more than the field limit": (
        b'Email,Note\na@example.com,ok\nb@example.com,"open\n' + b"c@example.com,x\n" * 20_000,
        "csv.malformed",
    ),
    "5 MB + 1 byte": (corpus.too_large(), "csv.too_large"),
}


# What the reply needs, for the problems whose reply says more than its key.
BROKEN_PARAMS = {
    "5 MB + 1 byte": {"size": MAX_BYTES + 1, "limit": MAX_BYTES, "limit_mb": 5},
    "no email column": {"headers": ["Name", "Team"], "header_line": 1},
    "a header and no rows": {"header_only": True},
    "an opening quote that never closes": {"line": 2},
    "a quote never closed before more than the field limit": {"line": 3},
}


@pytest.mark.parametrize("name", BROKEN)
def test_an_unusable_upload_raises_one_csv_problem_with_its_key(name: str) -> None:
    data, key = BROKEN[name]
    with pytest.raises(CsvProblem) as raised:
        parse(data)
    assert raised.value.key == key
    if name in BROKEN_PARAMS:
        assert raised.value.params == BROKEN_PARAMS[name]


def test_every_expected_problem_detail_belongs_to_a_broken_case() -> None:
    assert set(BROKEN_PARAMS) <= set(BROKEN)  # a misspelt name would silently check nothing


def test_a_file_of_exactly_5_mb_is_read_to_its_last_row() -> None:
    data = corpus.sized_csv(MAX_BYTES)
    assert len(data) == MAX_BYTES
    parsed = parse(data)
    result = extract(parsed, parsed.mapping)
    assert result.accepted[-1].email == "last@example.com"
    assert result.invalid == []


def test_binary_problems_say_what_the_file_looks_like() -> None:
    kinds: dict[str, list[object]] = {}
    for data in (corpus.png_header(), corpus.xlsx_header(), corpus.random_binary()):
        with pytest.raises(CsvProblem) as raised:
            parse(data)
        kinds.setdefault(raised.value.key, []).append(raised.value.params["kind"])
    assert kinds == {"csv.binary": ["png", "zip", "nul"]}


def test_a_quoted_line_break_in_the_last_row_is_not_mistaken_for_an_unclosed_quote() -> None:
    parsed = parse(b'Email,Note\na@example.com,"two\nlines"\n')
    assert list(parsed.rows())[-1].cells == ("a@example.com", "two\nlines")


LONG_CELLS = {
    "a 200,000-character quoted cell": b'Email,Note\na@example.com,"'
    + b"x" * 200_000
    + b'"\nb@example.com,ok\n',
    "a 4.9 MB unquoted cell": b"Email,Note\na@example.com," + b"x" * 4_900_000 + b"\nb@example.com,ok\n",
    "a 4.9 MB quoted cell": b'Email,Note\na@example.com,"' + b"x" * 4_900_000 + b'"\nb@example.com,ok\n',
    "a 4.9 MB address": b"Email\n" + b"x" * 4_900_000 + b"@example.com\n",
    "a million doubled quotes": b'Email,Note\na@example.com,"' + b'""' * 1_000_000 + b'"\n',
    "a million doubled quotes, unquoted": b"Email,Note\na@example.com,x" + b'""' * 1_000_000 + b"\n",
    "a long cell, then a quote never closed further down": (
        b"Email,Note\na@example.com," + b"x" * 200_000 + b'\nb@example.com,"open\nc@example.com\n'
    ),
}


@pytest.mark.parametrize("name", LONG_CELLS)
def test_a_cell_longer_than_csvs_field_limit_is_named_as_too_long_on_its_line(name: str) -> None:
    with pytest.raises(CsvProblem) as raised:
        parse(LONG_CELLS[name])
    assert (raised.value.key, raised.value.params) == (
        "csv.cell_too_long",
        {"line": 2, "limit": csv.field_size_limit()},
    )


def test_the_too_long_cell_message_says_so_and_what_to_do() -> None:
    text = texts.text("csv.cell_too_long", file="users.csv", line=2, limit=131072)
    assert "line 2" in text and "longer than 131072 characters" in text and "never closed" not in text
    assert "split that cell" in text


# Rows' verdicts


def test_invalid_and_missing_addresses_are_listed_with_their_line_key_and_reason() -> None:
    parsed = parse(corpus.MIXED)
    result = extract(parsed, parsed.mapping)
    assert [(p.line, p.raw, p.key, p.detail) for p in result.invalid] == [
        (3, "not-an-address", "email.invalid", "An email address must have an @-sign."),
        (5, "", "email.missing", ""),
        (
            6,
            "tom@localhost",
            "email.invalid",
            "The part after the @-sign is not valid. It should have a period.",
        ),
    ]
    assert result.invalid[0].params == {
        "email": "not-an-address",
        "reason": "An email address must have an @-sign.",
    }


def test_over_long_addresses_and_control_characters_keep_their_own_keys() -> None:
    long_address = "a" * 250 + "@example.com"
    data = f'Email\n{long_address}\n"ann\x0blee@example.com"\nok@example.com\n'.encode()
    parsed = parse(data)
    result = extract(parsed, parsed.mapping)
    assert [(p.line, p.key) for p in result.invalid] == [
        (2, "email.too_long"),
        (3, "email.control_characters"),
    ]
    assert [i.email for i in result.accepted] == ["ok@example.com"]


def test_a_repeated_address_in_any_case_is_a_duplicate_of_its_first_line() -> None:
    parsed = parse(corpus.MIXED)
    result = extract(parsed, parsed.mapping)
    assert [(i.line, i.email, i.first_name) for i in result.accepted] == [
        (2, "sam@example.com", "Sam"),
        (7, "uma@example.com", "Uma"),
    ]
    assert [(p.line, p.raw, p.key, p.detail, p.params) for p in result.duplicates] == [
        (4, "SAM@Example.com", "email.duplicate", "", {"email": "SAM@example.com", "first_line": 2}),
        (8, "sam@example.com", "email.duplicate", "", {"email": "sam@example.com", "first_line": 2}),
    ]
    assert result.total_rows == 7


def test_formula_like_cells_are_flagged_but_the_invitee_is_accepted_as_typed() -> None:
    parsed = parse(corpus.FORMULAS)
    result = extract(parsed, parsed.mapping)
    assert [(f.line, f.field, f.value) for f in result.flagged] == [
        (2, "first_name", '=HYPERLINK("http://evil.example","click")'),
        (2, "last_name", "+1"),
        (2, "team", "@team"),
        (3, "email", "-olga@example.com"),
        (3, "last_name", "-"),
    ]
    assert [(i.email, i.first_name, i.last_name, i.team) for i in result.accepted] == [
        ("mallory@example.com", '=HYPERLINK("http://evil.example","click")', "+1", "@team"),
        ("-olga@example.com", "Olga", "-", "Ops"),
    ]


def test_cells_outside_the_mapping_are_not_flagged() -> None:
    parsed = parse(b"Email,Formula\na@example.com,=1+1\n")
    assert extract(parsed, parsed.mapping).flagged == []


def test_a_changed_mapping_is_applied_to_every_row() -> None:
    parsed = parse(corpus.UTF8_BOM_CRLF)
    swapped = {"email": 0, "first_name": 2, "last_name": 1, "team": None}
    result = extract(parsed, swapped)
    assert [(i.first_name, i.last_name, i.team) for i in result.accepted] == [
        ("Smith", "Alice", ""),
        ("Jones", "Bob", ""),
    ]
    assert result.mapping == swapped


def test_mapping_email_to_a_column_of_names_reports_every_row_invalid() -> None:
    parsed = parse(corpus.UTF8_BOM_CRLF)
    result = extract(parsed, {"email": 1, "first_name": None, "last_name": None, "team": None})
    assert result.accepted == []
    assert [(p.line, p.raw, p.key) for p in result.invalid] == [
        (2, "Alice", "email.invalid"),
        (3, "Bob", "email.invalid"),
    ]


@pytest.mark.parametrize("email", [None, -1])
def test_a_mapping_without_an_email_column_is_refused(email: int | None) -> None:
    parsed = parse(corpus.UTF8_BOM_CRLF)
    with pytest.raises(CsvProblem) as raised:
        extract(parsed, {"email": email, "first_name": 1, "last_name": 2, "team": 3})
    assert raised.value.key == "csv.no_email_column"


def test_a_mapped_column_beyond_a_short_row_reads_as_empty() -> None:
    parsed = parse(corpus.RAGGED)
    result = extract(parsed, {"email": 0, "first_name": 4, "last_name": None, "team": None})
    assert [(i.email, i.first_name) for i in result.accepted] == [
        ("pat@example.com", ""),
        ("quinn@example.com", ""),
        ("rita@example.com", "surplus"),
    ]


def test_eighty_thousand_rows_come_through_with_every_broken_address_reported() -> None:
    parsed = parse(corpus.large())
    result = extract(parsed, parsed.mapping)
    assert result.total_rows == 80_000
    assert (len(result.accepted), result.invalid_count, result.duplicate_count) == (79_200, 800, 0)
    assert (result.accepted[0].line, result.accepted[0].email) == (2, "user.name0@example0.com")
    # Only the first rows of each kind are kept; every one is still reported to `report`, in file order.
    reported: list[parsing.RowProblem] = []
    accepted_lines: list[int] = []

    def report(row: parsing.DataRow, problem: parsing.RowProblem | None) -> None:
        if problem is None:
            accepted_lines.append(row.line)
        else:
            assert problem.line == row.line and problem.raw == row.cells[0]
            reported.append(problem)

    assert extract(parsed, parsed.mapping, report=report).invalid == result.invalid
    assert accepted_lines == [invitee.line for invitee in result.accepted]
    assert len(reported) == 800 and len(result.invalid) <= 800
    assert (reported[-1].line, reported[-1].raw) == (80_001, "user79999@@example.com")
    assert result.invalid == [p for p in reported if p.key == result.invalid[0].key][: parsing.EXAMPLES]


def test_reading_a_large_file_pauses_every_thousand_lines_and_reads_the_same() -> None:
    data = corpus.large()
    pauses: list[str] = []
    parsed = parse(data, pause=lambda: pauses.append("parse"))
    result = extract(parsed, parsed.mapping, pause=lambda: pauses.append("extract"))
    assert pauses.count("parse") == 80_001 // parsing.PAUSE_EVERY
    assert pauses.count("extract") == 80_000 // parsing.PAUSE_EVERY
    unpaused = extract(parse(data), parsed.mapping)
    assert (result.accepted, result.invalid, result.total_rows) == (
        unpaused.accepted,
        unpaused.invalid,
        unpaused.total_rows,
    )


def test_a_record_spanning_lines_does_not_skip_the_next_pause() -> None:
    # Each record covers three lines, so the line count steps over most multiples of PAUSE_EVERY: a
    # pause is still due after every PAUSE_EVERY lines or so (here twice in 3,001 lines, not once).
    rows = "".join(f'"a{n}@example.com","line one\nline two\nline three"\n' for n in range(1000))
    pauses: list[int] = []
    parse(("Email,Note\n" + rows).encode(), pause=lambda: pauses.append(1))
    assert len(pauses) == 2


# Header names


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Email", "First Name", "Last Name", "Team"], FULL),
        (["E-mail", "Firstname", "Lastname", "Team Name"], FULL),
        (["E-mail Address", "Given Name", "Surname", "Group"], FULL),
        (["email_address", "given-name", "family_name", "team_name"], FULL),
        (["MAIL", "first name", "LAST NAME", "group"], FULL),
        (["メールアドレス", "名", "姓", "チーム"], FULL),
        (["メール", "ファーストネーム", "ラストネーム", "チーム名"], FULL),
        (["Eメール", "名", "苗字", "部署"], FULL),
        (["電子メール", "名", "姓", "部署"], FULL),
        (["Ｅメール", "名", "姓", "チーム"], FULL),  # full-width letters
        (["ﾒｰﾙｱﾄﾞﾚｽ", "名", "姓", "ﾁｰﾑ"], FULL),  # half-width katakana
        (["メールアドレス（必須）", "名", "姓", "チーム"], FULL),  # a bracketed note
        (["Email Address (required)", "First Name", "Last Name", "Team"], FULL),
        (["\ufeffEmail", "First Name", "Last Name", "Team"], FULL),
    ],
)
def test_header_names_are_recognised_in_english_and_japanese_spellings(
    headers: list[str], expected: dict[str, int | None]
) -> None:
    assert guess_mapping(headers) == expected


def test_namae_is_the_first_name_only_when_no_other_first_name_column_exists() -> None:
    assert guess_mapping(["メール", "名前", "姓"]) == only(email=0, first_name=1, last_name=2)
    assert guess_mapping(["メール", "名前", "名", "姓"]) == only(email=0, first_name=2, last_name=3)


def test_the_first_of_two_matching_columns_wins_and_a_column_is_used_once() -> None:
    assert guess_mapping(["Team", "Email", "Group", "E-mail"]) == only(email=1, team=0)


def test_unknown_header_names_map_nothing() -> None:
    assert guess_mapping(["Address", "Phone", "Notes"]) == only()


def test_without_an_email_header_the_column_of_addresses_is_the_email_column() -> None:
    rows = [
        parsing.DataRow(2, ("Ann", "ann@example.com", "x")),
        parsing.DataRow(3, ("Bob", "bob@example.com")),
    ]
    assert guess_mapping(["Name", "Contact", "Team"], rows) == only(email=1, full_name=0, team=2)


def test_a_column_with_few_addresses_is_not_taken_for_the_email_column() -> None:
    rows = [parsing.DataRow(n, ("note", "a@example.com" if n == 2 else "n/a")) for n in range(2, 6)]
    assert guess_mapping(["Name", "Contact"], rows) == only(full_name=0)


# Formula detection


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_cells_starting_like_a_formula_are_formula_like(cell: str) -> None:
    assert is_formula_like(cell)


@pytest.mark.parametrize("cell", ["", "Ann", " =1", "a=b", "1+1", "ann@example.com"])
def test_ordinary_cells_are_not_formula_like(cell: str) -> None:
    assert not is_formula_like(cell)


# Properties

NOISE = ["Email", "First Name", "a@example.com", "x", ",", ";", "\t", "|", '"', "\n", "\r", "\r\n", " "]
NOISE += ["=", "メール", "é", "\ufeff", "\x00", "@", "Team", "名"]
CSV_LIKE = st.lists(st.sampled_from(NOISE), max_size=300).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932", "latin-1"])


def parse_and_extract(data: bytes) -> None:
    try:
        parsed = parse(data)
    except CsvProblem as problem:
        assert problem.key in {
            "csv.empty",
            "csv.too_large",
            "csv.binary",
            "csv.undecodable",
            "csv.no_email_column",
            "csv.malformed",
            "csv.cell_too_long",
        }
        return
    assert isinstance(parsed, ParsedCsv)
    assert parsed.mapping["email"] is not None
    result = extract(parsed, parsed.mapping)
    assert len(result.accepted) + result.invalid_count + result.duplicate_count == result.total_rows


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=5000))
def test_arbitrary_bytes_never_raise_anything_but_a_csv_problem(data: bytes) -> None:
    parse_and_extract(data)


@settings(max_examples=300, deadline=None)
@given(CSV_LIKE, ENCODINGS)
def test_arbitrary_csv_like_text_never_raises_anything_but_a_csv_problem(text: str, encoding: str) -> None:
    parse_and_extract(text.encode(encoding, errors="replace"))


ADDRESSES = st.from_regex(
    r"[a-z][a-z0-9.]{0,10}[a-z0-9]@[a-z]{2,10}\.(com|co\.jp|org)", fullmatch=True
).filter(lambda address: check_address(address).ok)
# Names hold whatever people type: delimiters, quotes, line breaks, Japanese, accents, emoji.
NAME_CHARACTERS = st.one_of(
    st.sampled_from(list(",;\t|\"'\n\r =+-@ aZ9山田太郎メールー・、。ｱé")),
    st.characters(exclude_categories=("Cc", "Cs")),
)
NAMES = st.text(alphabet=NAME_CHARACTERS, max_size=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)
@given(
    rows=st.lists(st.tuples(ADDRESSES, NAMES, NAMES, NAMES), min_size=1, max_size=25),
    order=st.permutations(list(range(4))),
    delimiter=st.sampled_from([",", ";", "\t"]),
    quote_all=st.booleans(),
    line_end=st.sampled_from(["\r\n", "\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp932"]),
)
def test_no_valid_row_is_ever_lost(
    rows: list[tuple[str, str, str, str]],
    order: list[int],
    delimiter: str,
    quote_all: bool,
    line_end: str,
    encoding: str,
) -> None:
    buffer = io.StringIO()
    # csv.writer only quotes the line terminator's own characters: with "\n" it would leave a bare "\r" in
    # a name unquoted, which every reader (Excel included) takes for a line break: not a well-formed file.
    if quote_all:
        writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator=line_end)
    else:
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([("Email", "First Name", "Last Name", "Team")[i] for i in order])
    for row in rows:
        writer.writerow([row[i] for i in order])
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
        return
    parsed = parse(data)
    assert parsed.delimiter == delimiter
    named = ("email", "first_name", "last_name", "team")
    assert parsed.mapping == {
        field: order.index(named.index(field)) if field in named else None for field in FIELDS
    }
    result = extract(parsed, parsed.mapping)
    unique = list(dict.fromkeys(address for address, *_ in rows))
    assert [invitee.email for invitee in result.accepted] == unique
    assert result.invalid == []
    assert result.duplicate_count == len(rows) - len(unique)
    if codecs.lookup(encoding).name != "cp932":
        # CP932 bytes can also be valid cp1252, and telling them apart is a heuristic (csv_import's
        # _prefers_cp932) that random mixes of kanji and Latin letters can fool; the addresses are ASCII.
        first_names: dict[str, tuple[str, str, str]] = {}
        for address, first_name, last_name, team in rows:
            first_names.setdefault(address, (first_name.strip(), last_name.strip(), team.strip()))
        assert [(i.first_name, i.last_name, i.team) for i in result.accepted] == [
            first_names[a] for a in unique
        ]


# Bounded problems (issue 14, item 3): a 5 MB file of bad rows is counted, not kept row by row.


def test_two_million_bad_rows_are_counted_and_only_the_first_few_kept() -> None:
    parsed = parse(b"Email\n" + b"x\n" * 2_000_000)
    result = extract(parsed, parsed.mapping)
    assert (result.total_rows, len(result.accepted), result.invalid_counts) == (
        2_000_000,
        0,
        {"email.invalid": 2_000_000},
    )
    assert [(p.line, p.raw) for p in result.invalid] == [(n, "x") for n in range(2, 2 + parsing.EXAMPLES)]


def test_each_kind_of_problem_keeps_its_own_first_rows_and_count() -> None:
    rows = ["a@example.com"] * 30 + ["a@"] * 30 + [""] * 30 + ["=x@example.com", "+1@example.com"] * 15
    parsed = parse(("Email,Team\n" + "".join(f"{r},=t\n" for r in rows)).encode())
    result = extract(parsed, parsed.mapping)
    assert result.invalid_counts == {"email.invalid": 30, "email.missing": 30}
    assert (result.duplicate_count, result.invalid_count) == (29 + 28, 60)
    kinds = [p.key for p in result.invalid]
    assert kinds == ["email.invalid"] * parsing.EXAMPLES + ["email.missing"] * parsing.EXAMPLES
    assert len(result.duplicates) == parsing.EXAMPLES and result.duplicates[0].line == 3
    # Every row has a formula-like team, 30 a formula-like address.
    assert (result.flagged_count, len(result.flagged)) == (150, parsing.EXAMPLES)
    assert len(result.accepted) + result.invalid_count + result.duplicate_count == result.total_rows == 120


def test_a_row_of_millions_of_cells_keeps_a_bounded_header() -> None:
    parsed = parse(b"Email" + b",h" * 1_000_000 + b"\na@example.com" + b",x" * 1_000_000 + b"\n")
    assert len(parsed.headers) == parsing.MAX_COLUMNS
    assert extract(parsed, parsed.mapping).accepted[0].email == "a@example.com"
