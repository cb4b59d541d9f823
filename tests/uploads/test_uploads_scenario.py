"""Scenario: CSV files uploaded in Slack become one preview, then a batch; broken and foreign files don't."""

from __future__ import annotations

import codecs
import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import CsvDraft, InvitationBatch, Invitee
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    audit_actions,
    buttons,
    click,
    start_rollout,
    text_of,
    wait_approval_request,
    wait_private_answer,
)
from tests.harness import view_submission

_events = itertools.count(1)

GOOD_CSV = (
    "Email,First Name,Last Name,Team\r\n"
    "ana@example.com,Ana,Silva,Sales\r\n"
    '"ben@example.com","Ben","O\'Neil, Jr.",Sales\r\n'
    "not-an-address,Carl,Ng,Ops\r\n"
    "ana@example.com,Ana,Again,Sales\r\n"
    'dan@example.com,=HYPERLINK("x"),Dee,@ops\r\n'
).encode("utf-8-sig")


def message_event(
    file_id: str, name: str, *, user: str = "U_MKTO", channel: str = "C_MKTO", mimetype: str = "text/csv"
) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": f"EvM{next(_events)}",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "subtype": "file_share",
            "text": "",
            "files": [
                {"id": file_id, "name": name, "mimetype": mimetype, "filetype": name.rsplit(".", 1)[-1]}
            ],
            "user": user,
            "channel": channel,
            "ts": f"{time.time():.6f}",
            "channel_type": "im" if channel.startswith("D") else "channel",
        },
    }


def shared_event(
    file_id: str, *, user: str = "U_MKTO", channel: str = "C_MKTO", event_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": event_id or f"EvS{next(_events)}",
        "event_time": int(time.time()),
        "event": {
            "type": "file_shared",
            "file_id": file_id,
            "user_id": user,
            "file": {"id": file_id},
            "channel_id": channel,
            "event_ts": "1.1",
        },
    }


def upload(
    bot: RunningBot,
    file_id: str,
    name: str,
    content: bytes,
    *,
    user: str = "U_MKTO",
    channel: str = "C_MKTO",
    **file: Any,
) -> None:
    bot.fake.add_file(file_id, name, content, user=user, **file)
    assert (
        bot.slack.event(
            message_event(
                file_id, name, user=user, channel=channel, mimetype=file.get("mimetype", "text/csv")
            )
        ).status_code
        == 200
    )
    assert bot.slack.event(shared_event(file_id, user=user, channel=channel)).status_code == 200


def previews(bot: RunningBot, user: str = "U_MKTO") -> list[dict[str, Any]]:
    return [m for m in bot.fake.posts("D" + user[1:]) if "Invitations from" in text_of(m)]


def wait_preview(
    bot: RunningBot, user: str = "U_MKTO", contains: str = "", timeout: float = 10.0
) -> dict[str, Any]:
    return bot.fake.wait_for(
        lambda: next((m for m in previews(bot, user) if contains in text_of(m)), None), timeout=timeout
    )


def direct_texts(bot: RunningBot, user: str = "U_MKTO") -> list[str]:
    return [m["text"] or "" for m in bot.fake.posts("D" + user[1:])]


def drafts(bot: RunningBot) -> list[CsvDraft]:
    with bot.database.read() as session:
        return list(session.scalars(select(CsvDraft).order_by(CsvDraft.id)))


def settle(bot: RunningBot) -> None:
    """Wait until no draft is still being read, so 'nothing happened' can be asserted."""
    bot.fake.wait_for(lambda: all(d.status != "pending" for d in drafts(bot)))
    time.sleep(0.3)


def test_one_upload_with_both_events_and_a_retry_gives_exactly_one_preview(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F1", "users.csv", GOOD_CSV)
    retry = shared_event("F1", event_id="EvRetried")
    bot.slack.event(retry)
    bot.slack.event(retry, retry_num=1)
    preview = wait_preview(bot)
    settle(bot)
    assert len(previews(bot)) == 1
    assert len(bot.fake.calls_to("files.info")) == 1
    downloads = [d for d in bot.fake.downloads if d["path"].startswith("/files/F1")]
    assert (
        len(downloads) == 1
        and downloads[0]["headers"]["authorization"] == "Bearer xoxb-test-token-1234567890"
    )
    rendered = text_of(preview)
    assert "Email ← “Email”" in rendered and "Last name ← “Last Name”" in rendered
    assert (
        "*Accepted:* 3" in rendered
        and "line 4: `not-an-address`" in rendered
        and "line 5: `ana@example.com`" in rendered
    )
    assert "line 6, First name: `=HYPERLINK" in rendered and "Team: `@ops`" in rendered
    # Rows 4 and 5 can't be used, so the report of them is offered.
    assert set(buttons(preview)) == {
        "msi_draft_request",
        "msi_draft_mapping",
        "msi_draft_report",
        "msi_draft_cancel",
    }


def test_request_invitations_creates_the_batch_with_names_and_closes_the_preview(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F1", "users.csv", GOOD_CSV)
    preview = wait_preview(bot)
    click(bot, preview, "msi_draft_request", "U_MKTO")
    bot.fake.wait_for(lambda: "Requested as batch #1 (3 invitation(s))" in text_of(preview))
    assert buttons(preview) == {}
    wait_approval_request(bot, "Invitations batch #1 (3 people)")
    with bot.database.read() as session:
        invitees = {
            row.email: (row.first_name, row.last_name, row.team) for row in session.scalars(select(Invitee))
        }
        batch = session.scalars(select(InvitationBatch)).one()
    assert invitees["ben@example.com"] == ("Ben", "O'Neil, Jr.", "Sales")
    assert invitees["dan@example.com"] == ('=HYPERLINK("x")', "Dee", "@ops")
    assert (batch.source, batch.file_name) == ("csv", "users.csv")
    assert drafts(bot)[0].content is None  # the file is not kept once the invitees are stored


def test_change_mapping_recomputes_the_preview(bot: RunningBot) -> None:
    start_rollout(bot)
    content = b"Mail,Given,Family\nana@example.com,Ana,Silva\nben@example.com,Ben,Ng\n"
    upload(bot, "F2", "team.csv", content)
    preview = wait_preview(bot)
    click(bot, preview, "msi_draft_mapping", "U_MKTO")
    modal = bot.fake.wait_for(lambda: [v for v in bot.fake.views if v["method"] == "views.open"])[-1]["view"]
    assert modal["callback_id"] == "msi_draft_mapping_view"
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == [
        "email",
        "first_name",
        "last_name",
        "full_name",
        "team",
    ]

    def choice(column: str) -> dict[str, Any]:
        return {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": column},
        }

    same = {
        "email": {"email": choice("0")},
        "first_name": {"first_name": choice("0")},
        "last_name": {"last_name": choice("none")},
        "team": {"team": choice("none")},
    }
    refused = bot.slack.interact(
        view_submission(
            "msi_draft_mapping_view", same, user="U_MKTO", private_metadata=modal["private_metadata"]
        )
    )
    assert "first_name" in refused.json()["errors"]
    both = {
        "email": {"email": choice("0")},
        "first_name": {"first_name": choice("1")},
        "full_name": {"full_name": choice("2")},
    }
    refused = bot.slack.interact(
        view_submission(
            "msi_draft_mapping_view", both, user="U_MKTO", private_metadata=modal["private_metadata"]
        )
    )
    errors = refused.json()["errors"]
    assert errors == {
        "first_name": "Pick either a full name column or first and last name columns, not both."
    }
    swapped = {
        "email": {"email": choice("0")},
        "first_name": {"first_name": choice("2")},
        "last_name": {"last_name": choice("1")},
        "team": {"team": choice("none")},
    }
    done = bot.slack.interact(
        view_submission(
            "msi_draft_mapping_view", swapped, user="U_MKTO", private_metadata=modal["private_metadata"]
        )
    )
    assert done.status_code == 200 and not done.content
    bot.fake.wait_for(lambda: "First name ← “Family”" in text_of(preview))
    click(bot, preview, "msi_draft_request", "U_MKTO")
    bot.fake.wait_for(lambda: "Requested as batch" in text_of(preview))
    with bot.database.read() as session:
        names = {row.email: (row.first_name, row.last_name) for row in session.scalars(select(Invitee))}
    assert names["ana@example.com"] == ("Silva", "Ana")


def test_cancel_closes_the_draft_and_a_later_request_is_refused(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F1", "users.csv", GOOD_CSV)
    preview = wait_preview(bot)
    stale = json.loads(json.dumps(preview))
    click(bot, preview, "msi_draft_cancel", "U_MKTO")
    bot.fake.wait_for(lambda: "Cancelled" in text_of(preview))
    answer = wait_private_answer(bot, click(bot, stale, "msi_draft_request", "U_MKTO"))
    assert "cancelled" in answer["text"]
    with bot.database.read() as session:
        assert session.scalars(select(InvitationBatch)).all() == []


def test_an_expired_draft_cannot_be_requested(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F1", "users.csv", GOOD_CSV)
    preview = wait_preview(bot)
    with bot.database.write() as session:
        draft = session.scalars(select(CsvDraft)).one()
        draft.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    answer = wait_private_answer(bot, click(bot, preview, "msi_draft_request", "U_MKTO"))
    assert "expired" in answer["text"]
    bot.fake.wait_for(lambda: "expired" in text_of(preview))


def test_files_that_are_not_csv_and_the_bots_own_files_are_ignored_silently(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(
        bot, "F3", "screenshot.png", b"\x89PNG\r\n\x1a\n....", mimetype="image/png", content_type="image/png"
    )
    bot.fake.add_file("F4", "msi-audit.csv", b"time,actor\n", user="UBOT", bot_id="BBOT")
    bot.slack.event(shared_event("F4", user="UBOT", channel="C_MKTO"))
    bot.slack.event(shared_event("F4", user="U_MKTO", channel="C_MKTO"))  # even if Slack names a person
    settle(bot)
    assert previews(bot) == [] and direct_texts(bot) == []
    assert [d for d in bot.fake.downloads if d["path"].startswith("/files/")] == []
    assert {d.status for d in drafts(bot)} <= {"ignored"}


TOO_LONG = "a cell in the row on line 2 is longer than 131072 characters"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "is empty"),
        ("only-bom.csv", codecs.BOM_UTF8, "is empty"),
        ("binary.csv", bytes(range(256)) * 8, "isn't a text CSV"),
        ("names.csv", b"First Name,Last Name\nAna,Silva\nBen,Ng\n", "no column holds email addresses"),
        ("long.csv", b"Email,Note\na@example.com," + b"x" * 4_900_000 + b"\n", TOO_LONG),
        ("quoted.csv", b'Email,Note\na@example.com,"' + b"x" * 4_900_000 + b'"\n', TOO_LONG),
        ("quotes.csv", b'Email,Note\na@example.com,"' + b'""' * 1_000_000 + b'"\n', TOO_LONG),
        ("unclosed.csv", b'Email,Note\na@example.com,"' + b"x\n" * 100_000, "line 2 is never closed"),
    ],
)
def test_a_broken_csv_gets_one_clear_reply_and_nothing_else(
    bot: RunningBot, name: str, content: bytes, expected: str
) -> None:
    start_rollout(bot)
    upload(bot, "F5", name, content)
    replies = bot.fake.wait_for(lambda: direct_texts(bot))
    settle(bot)
    assert len(direct_texts(bot)) == 1 and expected in replies[0] and name in replies[0]
    # A cell too long is not mistaken for a quote never closed, nor the other way round.
    assert ("never closed" in replies[0]) == (name == "unclosed.csv")
    assert previews(bot) == []
    assert drafts(bot)[0].status == "failed"


def test_a_file_over_5_mb_is_refused_without_downloading_it(bot: RunningBot) -> None:
    start_rollout(bot)
    upload(bot, "F6", "huge.csv", b"email\n" + b"a@example.com\n" * (5 * 1024 * 1024 // 14 + 10))
    reply = bot.fake.wait_for(lambda: direct_texts(bot))
    assert "larger than 5 MB" in reply[0]
    assert [d for d in bot.fake.downloads if d["path"].startswith("/files/F6")] == []


@pytest.fixture
def foreign_host() -> Iterator[FakeSlack]:
    other = FakeSlack().start()
    yield other
    other.stop()


@pytest.mark.parametrize("how", ["url", "redirect_to"], ids=["file on a foreign host", "redirect to one"])
def test_a_foreign_host_never_receives_the_token(bot: RunningBot, foreign_host: FakeSlack, how: str) -> None:
    start_rollout(bot)
    port = foreign_host.server.server_address[1]
    foreign_host.add_file("F7", "users.csv", GOOD_CSV)
    upload(bot, "F7", "users.csv", GOOD_CSV, **{how: f"http://127.0.0.1:{port}/files/F7/download/users.csv"})
    reply = bot.fake.wait_for(lambda: direct_texts(bot))
    assert "a host I don't send credentials to" in reply[0] and f"127.0.0.1:{port}" in reply[0]
    assert foreign_host.downloads == []
    assert previews(bot) == []


def test_an_html_answer_is_a_failed_download(bot: RunningBot) -> None:
    start_rollout(bot)
    bot.fake.expected_token = "xoxb-some-other-token"  # the fake answers with its sign-in page
    upload(bot, "F9", "users.csv", GOOD_CSV)
    reply = bot.fake.wait_for(lambda: direct_texts(bot))
    assert "couldn't download" in reply[0]
    assert previews(bot) == []


def test_a_direct_message_upload_with_several_rollouts_lets_the_uploader_pick(bot: RunningBot) -> None:
    start_rollout(bot, name="Production")
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(
        bot, name="Sandbox", environment="sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2"
    )
    upload(bot, "F1", "users.csv", GOOD_CSV, channel="D_MKTO")
    preview = wait_preview(bot, contains="pick the one")
    select_element = next(
        element
        for block in preview["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "static_select"
    )
    sandbox = next(option for option in select_element["options"] if option["text"]["text"] == "Sandbox")
    payload = {
        "type": "block_actions",
        "user": {"id": "U_MKTO"},
        "api_app_id": "A111",
        "team": {"id": "T111"},
        "container": {"type": "message", "message_ts": preview["ts"], "channel_id": preview["channel"]},
        "channel": {"id": preview["channel"]},
        "response_url": bot.fake.response_url("pick"),
        "trigger_id": "t",
        "actions": [
            {
                "action_id": "msi_draft_rollout",
                "block_id": "b",
                "type": "static_select",
                "selected_option": sandbox,
                "action_ts": "1",
            }
        ],
    }
    assert bot.slack.interact(payload).status_code == 200
    bot.fake.wait_for(lambda: "Rollout: *Sandbox*" in text_of(preview))
    click(bot, preview, "msi_draft_request", "U_MKTO")
    wait_approval_request(bot, "Invitations batch #1", channel="C_SFDC2", name="Sandbox")


def test_an_upload_recorded_before_a_restart_is_previewed_after_it(
    database_url: str, fake_slack: FakeSlack
) -> None:
    first = RunningBot(database_url, fake_slack)
    try:
        start_rollout(first)
        fake_slack.fail("files.info", "500", times=1000)
        upload(first, "F1", "users.csv", GOOD_CSV)
        fake_slack.wait_for(lambda: fake_slack.calls_to("files.info"))
    finally:
        first.stop()
    fake_slack.failures.clear()
    second = RunningBot(database_url, fake_slack)
    try:
        with second.database.write() as session:  # don't wait out the back-off the failures earned
            for draft in session.scalars(select(CsvDraft)):
                draft.not_before = datetime.now(UTC)
        second.runtime.importer.wake()
        wait_preview(second)
        assert len(previews(second)) == 1
    finally:
        second.stop()


def test_a_large_file_is_checked_against_addresses_already_requested_here_and_elsewhere(
    bot: RunningBot,
) -> None:
    # Over 2,000 addresses: the seats already held are read in one query instead of 500 at a time.
    start_rollout(bot)
    bot.fake.add_channel("C_MKTO2", members=["U_MKTO"])
    bot.fake.add_channel("C_SFDC2", members=["U_SFDC"])
    start_rollout(bot, name="Sandbox", marketo_channel="C_MKTO2", salesforce_channel="C_SFDC2")
    assert "Accepted:* 2" in bot.slack.slash("invite here1@example.com here2@example.com").json()["text"]
    elsewhere = bot.slack.slash("invite away@example.com", channel="C_MKTO2").json()["text"]
    assert "Accepted:* 1" in elsewhere
    rows = [f"user{n}@example.com" for n in range(2500)] + [
        "HERE1@example.com",
        "here2@EXAMPLE.com",
        "away@example.com",
    ]
    upload(bot, "F9", "big.csv", ("Email\n" + "\n".join(rows) + "\n").encode())
    rendered = text_of(wait_preview(bot))
    assert "*Already requested or invited in this rollout:* 2" in rendered
    assert "*Already used in another rollout:* 1" in rendered and "Sandbox" in rendered
    assert "*Over the seat limit of 100:* 2402" in rendered


def test_someone_else_using_a_preview_is_told_only_the_uploader_may_and_it_is_audited(
    bot: RunningBot,
) -> None:
    rollout_id = start_rollout(bot)
    upload(bot, "F1", "users.csv", GOOD_CSV)
    preview = wait_preview(bot)
    # the owner may request invitations, but this preview is U_MKTO's own
    for action_id in ("msi_draft_request", "msi_draft_mapping", "msi_draft_cancel"):
        refused = click(bot, preview, action_id, "U_OWNER")
        answer = wait_private_answer(bot, refused)["text"]
        assert "Only <@U_MKTO>, who uploaded users.csv, can use this preview" in answer
        assert "approval request" not in answer
    mapping = {"email": {"email": {"type": "static_select", "selected_option": {"value": "0"}}}}
    submitted = bot.slack.interact(
        view_submission(
            "msi_draft_mapping_view", mapping, user="U_OWNER", private_metadata=str(drafts(bot)[0].id)
        )
    )
    assert submitted.status_code == 200
    bot.fake.wait_for(
        lambda: [t for t in direct_texts(bot, "U_OWNER") if "who uploaded users.csv, can use" in t]
    )
    assert [v for v in bot.fake.views if v["method"] == "views.open"] == []
    assert drafts(bot)[0].status == "ready" and drafts(bot)[0].batch_id is None
    denied = [d for u, a, d in audit_actions(bot, rollout_id) if a == "click_denied" and u == "U_OWNER"]
    assert len(denied) == 4 and {d["attempted"] for d in denied} == {"csv_preview"}


@pytest.mark.parametrize("channel", ["C_MKTO", "D_OTHER"], ids=["rollout channel", "direct message"])
def test_an_upload_from_someone_who_may_not_invite_is_refused_once_without_downloading_it(
    bot: RunningBot, channel: str
) -> None:
    # Reading a crafted 5 MB file costs memory and CPU: someone who may not request invitations must not
    # be able to make the bot download it at all.
    start_rollout(bot)
    upload(bot, "F1", "users.csv", b"Email\n" + b"x\n" * 1000, user="U_OTHER", channel=channel)
    reply = bot.fake.wait_for(lambda: direct_texts(bot, "U_OTHER"))
    settle(bot)
    assert "Only the owner and the admins of rollout *Production*" in reply[0] and "users.csv" in reply[0]
    assert len(direct_texts(bot, "U_OTHER")) == 1 and previews(bot, "U_OTHER") == []
    assert len(bot.fake.calls_to("files.info")) == 1
    assert [d for d in bot.fake.downloads if d["path"].startswith("/files/F1")] == []
    assert drafts(bot)[0].status == "failed" and drafts(bot)[0].content is None


@pytest.mark.parametrize(
    ("content", "rows", "shown"),
    [
        (b"Email\n" + b"x\n" * 2_000_000, 2_000_000, "line 2: `x`: An email address must have an @-sign."),
        (
            b"Email\n" + b"a@\n" * 1_600_000,
            1_600_000,
            "line 2: `a@`: There must be something after the @-sign.",
        ),
    ],
    ids=["2,000,000 x", "1,600,000 a@"],
)
def test_a_file_of_millions_of_bad_rows_gets_a_preview_with_exact_counts(
    bot: RunningBot, content: bytes, rows: int, shown: str
) -> None:
    start_rollout(bot)
    assert len(content) < 5 * 1024 * 1024
    upload(bot, "F1", "bad.csv", content)
    # Millions of rows take seconds to read, more on a machine busy with other test runs: a generous bound,
    # not a timing claim (bench/memory_bench.py --files measures it).
    rendered = text_of(wait_preview(bot, timeout=120))
    assert f"{rows} row(s) read" in rendered
    assert "*Accepted:* 0" in rendered and f"*Invalid:* {rows}" in rendered
    assert shown in rendered and "line 5: " in rendered and "line 6: " not in rendered
    assert f"…and {rows - 4} more" in rendered
    # The stored draft holds the file (to recompute every row from) and its one header, nothing per row.
    draft = drafts(bot)[0]
    assert (draft.status, draft.headers, draft.content) == ("ready", ["Email"], content)
