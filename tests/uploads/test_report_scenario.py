"""Scenario: a Japanese Excel export previews with its names split, and a file with every kind of problem
gets one count per category and, on Download report, one CSV of exactly the rows that can't be used."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from storage.models import CsvDraft, Invitee, OutboxItem
from tests.conftest import RunningBot
from tests.flow_helpers import buttons, click, start_rollout, text_of, wait_private_answer
from tests.uploads.test_uploads_scenario import drafts, upload, wait_preview

CP932_EXPORT = (
    "社員番号,氏名,フリガナ,メールアドレス,所属\r\n"
    "001,山田　太郎,ヤマダ　タロウ,yamada@example.co.jp,営業部\r\n"
    "002,佐藤 花子,サトウ ハナコ,sato@example.co.jp,マーケティング部\r\n"
    "003,鈴木一郎,スズキイチロウ,suzuki@example.co.jp,人事課\r\n"
).encode("cp932")


def test_a_cp932_export_with_a_full_name_and_a_department_previews_split_and_is_requested_split(
    bot: RunningBot,
) -> None:
    start_rollout(bot)
    upload(bot, "F1", "社員一覧.csv", CP932_EXPORT)
    preview = wait_preview(bot)
    rendered = text_of(preview)
    assert "3 row(s) read (cp932" in rendered
    assert "Full name ← “氏名” (split into last and first name)" in rendered and "Team ← “所属”" in rendered
    assert (
        "フリガナ" not in rendered.split("Columns:")[1].split("\\n")[0]
    )  # the reading column maps to nothing
    assert "1 name(s) have no single space between family name and given name" in rendered
    assert "*Accepted:* 3" in rendered
    click(bot, preview, "msi_draft_request", "U_MKTO")
    bot.fake.wait_for(lambda: "Requested as batch #1 (3 invitation(s))" in text_of(preview))
    with bot.database.read() as session:
        names = {
            row.email: (row.last_name, row.first_name, row.team) for row in session.scalars(select(Invitee))
        }
    assert names == {
        "yamada@example.co.jp": ("山田", "太郎", "営業部"),
        "sato@example.co.jp": ("佐藤", "花子", "マーケティング部"),
        "suzuki@example.co.jp": ("鈴木一郎", "", "人事課"),
    }


def every_category_file() -> tuple[bytes, dict[int, str]]:
    """99 addresses the rollout can take (100 seats, one held), 2 over the seat limit, and rows of every
    other problem: the file and, by line, the category of each row that can't be used."""
    rows: list[tuple[str, str, str]] = []
    unusable: dict[int, str] = {}

    def add(email: str, name: str, note: str, category: str | None = None) -> None:
        rows.append((note, email, name))  # the email column is not the first: the report keeps the order
        if category is not None:
            unusable[len(rows) + 1] = category

    for n in range(50):
        add(f"user{n}@example.com", f"User {n}", "")
    add('=HYPERLINK("http://evil")', "Eve", "+1 555", "Invalid")
    add("bob@", "Bob", "@ops", "Invalid")
    add("", "Nobody", "no address", "Invalid")
    add("user3@example.com", "User 3 again", "", "Listed twice")
    add("here1@example.com", "Here", "", "Already requested or invited")
    add("away@example.com", "Away", "", "Used in another rollout")
    for n in range(50, 99):
        add(f"user{n}@example.com", f"User {n}", "")
    add("USER7@example.com", "Seven", "-x", "Listed twice")
    add("late1@example.com", "Late", "", "Over the seat limit")
    add("late2@example.com", "Later", "", "Over the seat limit")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Note", "Email", "Name"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8"), unusable


def reports(bot: RunningBot) -> list[dict[str, Any]]:
    return [u for u in bot.fake.completed_uploads() if str(u["filename"]).startswith("msi-unusable-rows-")]


def test_every_category_is_counted_and_the_report_holds_exactly_the_rows_that_cant_be_used(
    bot: RunningBot,
) -> None:
    start_rollout(bot)
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(bot, name="Sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2")
    assert "Accepted:* 1" in bot.slack.slash("invite here1@example.com").json()["text"]
    assert "Accepted:* 1" in bot.slack.slash("invite away@example.com", channel="C_MKTO2").json()["text"]
    content, unusable = every_category_file()
    upload(bot, "F1", "people.csv", content)
    preview = wait_preview(bot)
    rendered = text_of(preview)
    counts = [
        "*Accepted:* 99 (0 seat(s) left after these)",
        "*Invalid:* 3",
        "*Listed twice:* 2",
        "*Already requested or invited in this rollout:* 1",
        "*Already used in another rollout:* 1",
        "*Over the seat limit of 100:* 2",
    ]
    positions = [rendered.index(count) for count in counts]
    assert positions == sorted(positions)  # in this order
    assert "108 row(s) read" in rendered and 99 + 3 + 2 + 1 + 1 + 2 == 108  # the counts sum to the rows
    # then the first rows of each category, with line numbers and reasons
    assert (
        "line 53: `bob@`" in rendered
        and "line 55: `user3@example.com`: listed twice (first on line 5)" in rendered
    )
    assert "line 56: `here1@example.com`: already requested or invited in this rollout" in rendered
    assert "line 57: `away@example.com`: already used in rollout “Sandbox”" in rendered
    assert "line 109: `late2@example.com`: over the seat limit of 100" in rendered
    assert "msi_draft_report" in buttons(preview)

    click(bot, preview, "msi_draft_report", "U_MKTO")
    second = click(bot, preview, "msi_draft_report", "U_MKTO")
    answer = wait_private_answer(bot, second)
    assert "already sent the report" in answer["text"]
    report = bot.fake.wait_for(lambda: reports(bot))
    assert len(report) == 1 and report[0]["channel"] == "D_MKTO"
    assert "The 9 row(s) of people.csv that can't be used" in report[0]["initial_comment"]
    text = bytes(report[0]["content"]).decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == ["Line", "Note", "Email", "Name", "Problem", "Reason"]
    assert {int(row[0]): row[4] for row in table[1:]} == unusable  # exactly those rows, nothing else
    assert [int(row[0]) for row in table[1:]] == sorted(unusable)  # in file order
    by_line = {int(row[0]): row for row in table[1:]}
    # the original cells in the file's own order, neutralised where a spreadsheet would run them
    assert by_line[52][1:4] == ["'+1 555", '\'=HYPERLINK("http://evil")', "Eve"]
    assert by_line[53][1:4] == ["'@ops", "bob@", "Bob"] and "@-sign" in by_line[53][5]
    assert by_line[54][1:4] == ["no address", "", "Nobody"] and by_line[54][5] == "no address"
    assert by_line[107][1:4] == ["'-x", "USER7@example.com", "Seven"]
    assert by_line[107][5] == "listed twice (first on line 9)"
    assert by_line[57][5] == "already used in rollout “Sandbox”"
    assert by_line[108][5] == "over the seat limit of 100"
    # Both clicks were acted on (the second answered above), and only the first uploaded.
    bot.fake.wait_for(lambda: not bot.fake.calls_to("files.getUploadURLExternal")[1:] or None, timeout=1)
    assert len(reports(bot)) == 1 and len(bot.fake.calls_to("files.getUploadURLExternal")) == 1
    assert drafts(bot)[0].report_sent_at is not None

    # Request invitations checks the file again, and the requested preview keeps the same counts.
    click(bot, preview, "msi_draft_request", "U_MKTO")
    bot.fake.wait_for(lambda: "Requested as batch #3 (99 invitation(s))" in text_of(preview))
    requested = text_of(preview)
    assert [requested.index(count) for count in counts] == sorted(requested.index(count) for count in counts)


def test_a_japanese_uploader_gets_the_counts_and_the_report_in_japanese(bot: RunningBot) -> None:
    from tests.texts.test_language_scenarios import start_in

    bot.fake.add_user("U_MKTO", locale="ja-JP")
    start_in(bot, "ja")
    content = (
        "メールアドレス,氏名\r\nana@example.com,山田　花子\r\nbob@,佐藤 次郎\r\nANA@example.com,=重複\r\n"
    )
    upload(bot, "F1", "一覧.csv", content.encode("cp932"))

    def japanese_preview() -> dict[str, Any] | None:
        return next((m for m in bot.fake.posts("D_MKTO") if "一覧.csv からの招待" in text_of(m)), None)

    preview = bot.fake.wait_for(japanese_preview)
    rendered = text_of(preview)
    counts = ["*受け付け：* 1 件", "*無効：* 1 件", "*重複：* 1 件"]
    assert [rendered.index(count) for count in counts] == sorted(rendered.index(count) for count in counts)
    assert "4 行目：`ANA@example.com`：重複しています（最初は 2 行目）" in rendered
    assert "氏名 ← 「氏名」（姓と名に分割）" in rendered
    click(bot, preview, "msi_draft_report", "U_MKTO")
    report = bot.fake.wait_for(lambda: reports(bot))[0]
    table = list(csv.reader(io.StringIO(bytes(report["content"]).decode("utf-8-sig"))))
    assert table[0] == ["行", "メールアドレス", "氏名", "問題", "理由"]
    assert [row[:4] for row in table[1:]] == [
        ["3", "bob@", "佐藤 次郎", "無効"],
        ["4", "ANA@example.com", "'=重複", "重複"],
    ]
    assert table[2][4] == "重複しています（最初は 2 行目）"


def large_file(rows: int = 180_000) -> bytes:
    """Mostly invalid one-letter rows, one valid address every 1,000 rows (100 seats: 100 accepted, the
    rest over the seat limit), each listed again on the next row: a report far over 5 MB."""
    lines = [b"Email,Name"]
    for n in range(rows):
        if n % 1000 == 0:
            lines.append(b"u%d@example.com,U%d" % (n, n))
        elif n % 1000 == 1:
            lines.append(b"u%d@example.com,again" % (n - 1))
        else:
            lines.append(b"x,N")
    return b"\n".join(lines) + b"\n"


def test_a_report_far_larger_than_5_mb_is_uploaded_whole_and_never_stored(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F1", "big.csv", large_file())
    preview = wait_preview(bot, timeout=30)
    rendered = text_of(preview)
    counts = {"accepted": 100, "invalid": 179_640, "duplicates": 180, "over_limit": 80}
    assert "180000 row(s) read" in rendered and sum(counts.values()) == 180_000
    assert "*Accepted:* 100 (0 seat(s) left after these)" in rendered
    assert "*Invalid:* 179640" in rendered and "*Listed twice:* 180" in rendered
    assert "*Over the seat limit of 100:* 80" in rendered
    click(bot, preview, "msi_draft_report", "U_MKTO")
    report = bot.fake.wait_for(lambda: reports(bot), timeout=60)[0]
    unusable = 180_000 - counts["accepted"]
    assert f"The {unusable} row(s) of big.csv that can't be used" in report["initial_comment"]
    content = bytes(report["content"])
    assert len(content) > 5 * 1024 * 1024  # past the upload limit the report used to stop at
    (asked,) = bot.fake.calls_to("files.getUploadURLExternal")
    assert int(asked.params["length"]) == len(content)  # the exact length, as Slack requires
    assert "authorization" not in report["upload_headers"]  # the token never goes to the upload URL
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == ["Line", "Email", "Name", "Problem", "Reason"]
    assert len(table) - 1 == unusable  # one row per unusable row, no more
    by_category: dict[str, int] = {}
    for row in table[1:]:
        by_category[row[3]] = by_category.get(row[3], 0) + 1
    assert by_category == {"Invalid": 179_640, "Listed twice": 180, "Over the seat limit": 80}
    lines = [int(row[0]) for row in table[1:]]
    assert lines == sorted(lines) and len(set(lines)) == unusable
    # The outbox held a reference to the draft, never the report, before and after sending it.
    with bot.database.read() as session:
        (item,) = session.scalars(select(OutboxItem).where(OutboxItem.kind == "upload")).all()
    assert item.status == "done" and "content" not in item.payload
    assert set(item.payload) == {"source", "draft_id", "language", "filename", "title", "file_id", "comment"}


SMALL = b"Email,Name\r\nana@example.com,Ana\r\nbob@,Bob\r\n"


def hold_uploads(bot: RunningBot) -> None:
    """Slack fails the first call of every DM upload (conversations.open) until release_uploads."""
    bot.fake.fail("conversations.open", "500", times=10_000)


def release_uploads(bot: RunningBot) -> None:
    with bot.fake.lock:
        bot.fake.failures.pop("conversations.open", None)


def report_waiting(bot: RunningBot) -> bool:
    with bot.database.read() as session:
        waiting = session.scalars(select(OutboxItem).where(OutboxItem.kind == "upload")).all()
    return any(item.status == "pending" and item.attempts > 0 for item in waiting)


def test_a_draft_requested_while_its_report_waits_keeps_its_file_until_the_report_is_sent(
    bot: RunningBot,
) -> None:
    start_rollout(bot)
    upload(bot, "F1", "people.csv", SMALL)
    preview = wait_preview(bot)
    hold_uploads(bot)
    click(bot, preview, "msi_draft_report", "U_MKTO")
    bot.fake.wait_for(lambda: report_waiting(bot))  # queued, and tried once already
    click(bot, preview, "msi_draft_request", "U_MKTO")
    bot.fake.wait_for(lambda: drafts(bot)[0].status == "requested")
    assert drafts(bot)[0].content == SMALL  # kept for the report
    release_uploads(bot)
    report = bot.fake.wait_for(lambda: reports(bot), timeout=20)[0]
    table = list(csv.reader(io.StringIO(bytes(report["content"]).decode("utf-8-sig"))))
    assert [row[:3] for row in table[1:]] == [["3", "bob@", "Bob"]]
    # Sent: the file goes with the transaction that ended the upload.
    bot.fake.wait_for(lambda: drafts(bot)[0].content is None)


def test_a_report_whose_file_was_erased_meanwhile_ends_with_a_private_message_in_the_uploaders_language(
    bot: RunningBot,
) -> None:
    from tests.texts.test_language_scenarios import start_in

    bot.fake.add_user("U_MKTO", locale="ja-JP")
    start_in(bot, "ja")
    upload(bot, "F1", "一覧.csv", SMALL)
    preview = bot.fake.wait_for(
        lambda: next((m for m in bot.fake.posts("D_MKTO") if "一覧.csv からの招待" in text_of(m)), None)
    )
    hold_uploads(bot)
    click(bot, preview, "msi_draft_report", "U_MKTO")
    bot.fake.wait_for(lambda: report_waiting(bot))
    with bot.database.write() as session:  # as retention or msi-bot erase leave it
        (draft,) = session.scalars(select(CsvDraft)).all()
        draft.content = None
        draft.status = "expired"
    release_uploads(bot)
    gone = bot.fake.wait_for(
        lambda: [m for m in bot.fake.posts("D_MKTO") if "レポートを送信できません" in (m["text"] or "")]
    )
    assert "一覧.csv" in gone[0]["text"] and "もう一度アップロード" in gone[0]["text"]
    assert not reports(bot) and not bot.fake.calls_to("files.getUploadURLExternal")
    with bot.database.read() as session:
        (item,) = session.scalars(select(OutboxItem).where(OutboxItem.kind == "upload")).all()
    assert (item.status, item.last_error) == ("dead", "unavailable")  # ended, not retried
