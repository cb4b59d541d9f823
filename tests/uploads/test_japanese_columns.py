"""Japanese Excel exports: a single full-name column split into last and first name, 所属 as the team,
reading (furigana) columns never taken for names."""

from __future__ import annotations

import pytest

from bot.uploads.parsing import FIELDS, extract, guess_mapping, parse, split_full_name


def only(**fields: int) -> dict[str, int | None]:
    return {name: fields.get(name) for name in FIELDS}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("山田　太郎", ("山田", "太郎", True)),  # full-width space
        ("山田 太郎", ("山田", "太郎", True)),
        ("  山田　　太郎　", ("山田", "太郎", True)),  # runs of spaces and padding
        ("やまだ たろう", ("やまだ", "たろう", True)),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", ("ﾔﾏﾀﾞ", "ﾀﾛｳ", True)),
        ("Taro Yamada", ("Yamada", "Taro", True)),  # Latin: given name first
        ("Yamada, Taro", ("Yamada", "Taro", True)),
        ("山田太郎", ("山田太郎", "", False)),  # no space: no visible boundary
        ("Cher", ("Cher", "", False)),
        ("Ana Maria Silva", ("Ana Maria Silva", "", False)),  # could be split in two places
        ("山田 太郎 次郎", ("山田 太郎 次郎", "", False)),
        ("", ("", "", True)),
    ],
)
def test_a_full_name_is_split_only_where_the_boundary_is_clear(
    cell: str, expected: tuple[str, str, bool]
) -> None:
    assert split_full_name(cell) == expected


@pytest.mark.parametrize(
    "header", ["氏名", "名前", "お名前", "フルネーム", "Full Name", "Name", "氏名（漢字）"]
)
def test_a_full_name_column_is_recognised(header: str) -> None:
    assert guess_mapping(["メールアドレス", header]) == only(email=0, full_name=1)


def test_separate_name_columns_win_over_a_full_name_column() -> None:
    assert guess_mapping(["氏名", "姓", "名", "メール"]) == only(email=3, first_name=2, last_name=1)
    assert guess_mapping(["Full Name", "Last Name", "Email"]) == only(email=2, last_name=1)
    # 名前 beside a family-name column alone is the given name, as before.
    assert guess_mapping(["メール", "名前", "姓"]) == only(email=0, first_name=1, last_name=2)


@pytest.mark.parametrize("header", ["所属", "部署", "部門", "所属部署", "課", "部署名", "Department"])
def test_department_columns_are_the_team(header: str) -> None:
    assert guess_mapping(["メール", header]) == only(email=0, team=1)


@pytest.mark.parametrize(
    "reading",
    [
        "フリガナ",
        "ふりがな",
        "ﾌﾘｶﾞﾅ",
        "カナ",
        "氏名（カナ）",
        "氏名(ｶﾅ)",
        "姓（カナ）",
        "名（フリガナ）",
        "セイ",
        "メイ",
        "読み",
        "Name (Kana)",
    ],
)
def test_reading_columns_never_become_names(reading: str) -> None:
    assert guess_mapping([reading, "メール"]) == only(email=1)
    # Not even when it comes first and the real name column after it.
    assert guess_mapping([reading, "氏名", "メール"]) == only(email=2, full_name=1)


CP932_EXPORT = (
    "社員番号,氏名,氏名（カナ）,メールアドレス,所属\r\n"
    "001,山田　太郎,ヤマダ　タロウ,yamada@example.co.jp,営業部\r\n"
    "002,佐藤 花子,サトウ ハナコ,sato@example.co.jp,マーケティング部\r\n"
    "003,鈴木一郎,スズキイチロウ,suzuki@example.co.jp,人事課\r\n"
    "004,John Smith,ジョン スミス,john@example.com,海外営業\r\n"
).encode("cp932")


def test_a_cp932_export_with_a_full_name_and_a_department_is_read_split() -> None:
    parsed = parse(CP932_EXPORT)
    assert parsed.encoding == "cp932"
    assert parsed.mapping == only(email=3, full_name=1, team=4)
    result = extract(parsed, parsed.mapping)
    assert [(i.email, i.last_name, i.first_name, i.team) for i in result.accepted] == [
        ("yamada@example.co.jp", "山田", "太郎", "営業部"),
        ("sato@example.co.jp", "佐藤", "花子", "マーケティング部"),
        ("suzuki@example.co.jp", "鈴木一郎", "", "人事課"),
        ("john@example.com", "Smith", "John", "海外営業"),
    ]
    assert result.unsplit_count == 1


def test_a_mapped_first_name_column_turns_the_full_name_column_off() -> None:
    parsed = parse(CP932_EXPORT)
    result = extract(parsed, {**parsed.mapping, "first_name": 0})
    assert result.accepted[0][3:5] == ("001", "")
    assert result.unsplit_count == 0


def test_a_formula_like_full_name_is_flagged_as_the_full_name() -> None:
    parsed = parse("メール,氏名\r\na@example.com,=cmd 太郎\r\n".encode("cp932"))
    flagged = extract(parsed, parsed.mapping).flagged
    assert [(cell.line, cell.field, cell.value) for cell in flagged] == [(2, "full_name", "=cmd 太郎")]
