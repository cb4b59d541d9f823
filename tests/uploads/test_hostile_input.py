"""Hostile input through the real request path: generated slash command text, modal fields, CSV files and
malformed interactive payloads, sent signed over HTTP to the running bot.

Whatever comes in, the bot answers (never a 5xx), and nothing it posts anywhere (messages, updates,
private answers, file comments) can notify a whole channel: `<!channel>`, `<!here>`, `<!everyone>` and
`<!subteam^…>` only ever reach Slack escaped.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.slack import formatting, ids
from storage.models import Approval, CsvDraft, OutboxItem, Rollout, Step, WorkerProcess
from tests.conftest import RunningBot, _fresh_postgres_database
from tests.fake_slack import FakeSlack
from tests.harness import block_action, start_form_values, view_submission
from tests.uploads.test_uploads_scenario import message_event, shared_event

# A broadcast or group mention as Slack reads it, and the user mentions hostile text tries to smuggle in.
BROADCAST = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^")
SMUGGLED_MENTIONS = ("<@U123>", "<@W999|boss>")
HOSTILE_TOKENS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!channel|@channel>",
    "<!subteam^S123|@team>",
    "<!subteam^S123>",
    "<@U123>",
    "<@W999|boss>",
    "<#C_MKTO|mkto>",
    "<https://evil.example|click me>",
    "<mailto:ana@example.com|ana@example.com>",
    "@channel",
    "&lt;!channel&gt;",
    "&amp;",
    "&",
    "<",
    ">",
    "<!",
    "*bold* _it_ ~s~ `code` ```block```",
    "\u202eevil\u202c",  # right-to-left override
    "שלום עולם",
    "مرحبا بالعالم",
    "日本語のテキスト",
    "👍🏽👨‍👩‍👧‍👦🇯🇵",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u2028",
    "\ufeff",
    "\ud7ff",
    '=HYPERLINK("http://x")',
    "'; DROP TABLE rollout; --",
    "ana@example.com",
    "Ben@Example.COM",
    " , ; ",
]
COMMANDS = [
    "",
    "help ",
    "status ",
    "list ",
    "invite ",
    "audit ",
    "start ",
    "STATUS ",
    "Invite ",
    "frobnicate ",
]
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

_numbers = itertools.count(1)


def hostile_text(max_size: int = 4000) -> st.SearchStrategy[str]:
    pieces = st.lists(
        st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=30)), min_size=0, max_size=25
    ).map("".join)
    repeated = st.builds(
        lambda token, count: (token * count)[:max_size],
        st.sampled_from(HOSTILE_TOKENS),
        st.integers(min_value=1, max_value=max_size),
    )
    return st.one_of(pieces, repeated, st.text(max_size=200)).map(lambda value: value[:max_size])


# ---------------------------------------------------------------- what the bot sent out


class Outbound:
    """Everything the bot sent to Slack since `mark`: message posts and updates, private answers, file
    comments, as JSON text, so a mention hidden anywhere (text, blocks, fallback) is seen."""

    def __init__(self, fake: FakeSlack):
        self.fake = fake
        self.calls = 0
        self.responses = 0

    def mark(self) -> None:
        with self.fake.lock:
            self.calls, self.responses = len(self.fake.calls), len(self.fake.responses)

    def texts(self) -> list[str]:
        with self.fake.lock:
            calls = self.fake.calls[self.calls :]
            responses = self.fake.responses[self.responses :]
        sent = [
            json.dumps(call.params, ensure_ascii=False)
            for call in calls
            if call.method
            in ("chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal")
        ]
        sent += [json.dumps(response["body"], ensure_ascii=False) for response in responses]
        return sent

    def posts_since(self, channel: str) -> list[dict[str, Any]]:
        with self.fake.lock:
            calls = self.fake.calls[self.calls :]
        return [
            call.params
            for call in calls
            if call.method == "chat.postMessage"
            and "D" + str(call.params.get("channel", ""))[1:] == channel
            and not call.params.get("thread_ts")
        ]


def broadcasts(texts: list[str], *, mentions: bool = True) -> list[str]:
    found = []
    for text in texts:
        found += BROADCAST.findall(text)
        if mentions:
            found += [mention for mention in SMUGGLED_MENTIONS if mention in text]
    return found


def settle(bot: RunningBot, timeout: float = 15.0) -> None:
    """Wait until nothing is left to deliver or read (so what was sent can be judged)."""

    def quiet() -> bool:
        # Drafts first: a draft is finished in the same transaction that queues its reply, so once no
        # draft is pending, that reply is visible to the next statement (even under READ COMMITTED).
        with bot.database.read() as session:
            reading = session.scalars(select(CsvDraft.id).where(CsvDraft.status == "pending")).first()
            pending = session.scalars(select(OutboxItem.id).where(OutboxItem.status == "pending")).first()
        return pending is None and reading is None

    bot.fake.wait_for(quiet, timeout=timeout, interval=0.02)


# Block Kit limits (https://api.slack.com/reference/block-kit): what Slack refuses with invalid_blocks.
def block_kit_problems(blocks: list[dict[str, Any]] | None, *, limit: int = 50) -> list[str]:
    problems: list[str] = []
    blocks = blocks or []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks")
    for block in blocks:
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "section" and len(text) > 3000:
            problems.append(f"section of {len(text)} characters")
        if kind == "header" and len(text) > 150:
            problems.append(f"header of {len(text)} characters")
        for element in block.get("elements") or []:
            inner = element.get("text")
            inner_text = inner.get("text", "") if isinstance(inner, dict) else str(inner or "")
            if kind == "context" and len(inner_text) > 3000:
                problems.append(f"context element of {len(inner_text)} characters")
            if element.get("type") == "button" and len(inner_text) > 75:
                problems.append(f"button text of {len(inner_text)} characters")
        for field_object in block.get("fields") or []:
            if len(field_object.get("text", "")) > 2000:
                problems.append("section field over 2000 characters")
    return problems


def sent_block_problems(fake: FakeSlack, since: int) -> list[str]:
    with fake.lock:
        calls = fake.calls[since:]
    problems = []
    for call in calls:
        if call.method in ("chat.postMessage", "chat.update"):
            blocks = call.params.get("blocks")
            parsed = json.loads(blocks) if isinstance(blocks, str) else blocks
            problems += block_kit_problems(parsed)
            if len(str(call.params.get("text") or "")) > 40000:
                problems.append("message text over 40,000 characters")
    return problems


def ensure_rollout(bot: RunningBot, name: str = "Production") -> int:
    with bot.database.read() as session:
        existing = session.scalars(select(Rollout.id).where(Rollout.name == name)).first()
    if existing is not None:
        return existing
    response = bot.slack.interact(view_submission("msi_start_rollout", start_form_values(name=name)))
    assert response.status_code == 200 and not response.content, response.text
    with bot.database.read() as session:
        created = session.scalars(select(Rollout.id).where(Rollout.name == name)).one()
    settle(bot)
    return created


def step_id(bot: RunningBot, rollout_id: int, number: int) -> int:
    with bot.database.read() as session:
        found = session.scalars(
            select(Step.id).where(Step.rollout_id == rollout_id, Step.number == number)
        ).one()
    return int(found)


# ---------------------------------------------------------------- (a) /msi text


@given(
    command=st.sampled_from(COMMANDS),
    rest=hostile_text(),
    user=st.sampled_from(["U_OWNER", "U_MKTO", "U_OTHER"]),
    channel=st.sampled_from(["C_MKTO", "C_SFDC", "D_MKTO", "C_RANDOM"]),
)
@example(command="frobnicate ", rest="<!channel>" * 400, user="U_OTHER", channel="C_RANDOM")
@example(command="", rest="x" * 4000, user="U_OWNER", channel="C_MKTO")
@example(
    command="invite ",
    rest="<mailto:<!here>@example.com|<!here>@example.com>",
    user="U_MKTO",
    channel="C_MKTO",
)
@example(command="status ", rest="<!subteam^S123|@team> \x00 \u202e", user="U_OWNER", channel="C_MKTO")
@HYPOTHESIS
def test_any_msi_text_gets_a_private_answer_and_never_makes_the_bot_broadcast(
    bot: RunningBot, command: str, rest: str, user: str, channel: str
) -> None:
    ensure_rollout(bot)
    sent = Outbound(bot.fake)
    sent.mark()
    since = len(bot.fake.calls)
    response = bot.slack.slash(command + rest, user=user, channel=channel)
    assert response.status_code == 200, response.text
    if command.strip().lower() == "start" and not response.content:
        pass  # the Start form opens in a modal; the ack itself is empty
    else:
        body = response.json()
        assert body.get("response_type") == "ephemeral", body
        assert body.get("text"), body
        assert block_kit_problems(body.get("blocks")) == []
        assert broadcasts([json.dumps(body, ensure_ascii=False)]) == []
    settle(bot)
    assert broadcasts(sent.texts()) == []
    assert sent_block_problems(bot.fake, since) == []


# ---------------------------------------------------------------- (b) modal fields

JUNK_IDS = st.one_of(
    st.sampled_from(
        ["U_MKTO", "U_SFDC", "U_OWNER", "U_OTHER", "U123", "W999", "<!channel>", "", " ", "@here"]
    ),
    st.text(max_size=40),
)
CHANNELS = st.one_of(
    st.sampled_from(["C_MKTO", "C_SFDC", "C_THIRD", "C_GONE", "G_PRIVATE", "D_MKTO", "<!here>", ""]),
    st.text(max_size=40),
)


@given(
    name=hostile_text(max_size=300),
    environment=st.one_of(st.sampled_from(["production", "sandbox"]), st.text(max_size=20)),
    marketo_admins=st.lists(JUNK_IDS, max_size=4),
    salesforce_admins=st.lists(JUNK_IDS, max_size=4),
    marketo_channel=CHANNELS,
    salesforce_channel=CHANNELS,
    prerequisites=st.sampled_from([("actions_enabled", "crm_sync"), ("actions_enabled",), ()]),
)
@example(
    name="<!channel> <!subteam^S1|@admins> \x00",
    environment="production",
    marketo_admins=["U_MKTO", "<!everyone>"],
    salesforce_admins=["U" + "X" * 39],
    marketo_channel="C_MKTO",
    salesforce_channel="C_SFDC",
    prerequisites=("actions_enabled", "crm_sync"),
)
@HYPOTHESIS
def test_any_start_form_is_answered_with_errors_beside_fields_or_starts_without_broadcasting(
    bot: RunningBot,
    name: str,
    environment: str,
    marketo_admins: list[str],
    salesforce_admins: list[str],
    marketo_channel: str,
    salesforce_channel: str,
    prerequisites: tuple[str, ...],
) -> None:
    bot.fake.add_channel("C_THIRD", members=["U_MKTO"])
    bot.fake.add_channel("G_PRIVATE", member=False, private=True)
    sent = Outbound(bot.fake)
    sent.mark()
    since = len(bot.fake.calls)
    values = start_form_values(
        name=name,
        environment=environment,
        marketo_admins=marketo_admins,
        salesforce_admins=salesforce_admins,
        marketo_channel=marketo_channel,
        salesforce_channel=salesforce_channel,
        prerequisites=prerequisites,
    )
    response = bot.slack.interact(view_submission("msi_start_rollout", values))
    assert response.status_code == 200, response.text
    if response.content:
        answer = response.json()
        assert answer["response_action"] == "errors", answer
        assert answer["errors"] and set(answer["errors"]) <= set(values), answer
        assert broadcasts([response.text], mentions=False) == []
    settle(bot)
    assert broadcasts(sent.texts(), mentions=False) == []
    assert sent_block_problems(bot.fake, since) == []


@given(problem=hostile_text())
@example(problem="<!channel> the sync is down " + "<!here>" * 500)
@example(problem="\x00\x01\x02")
@HYPOTHESIS
def test_any_need_help_text_is_shown_escaped_and_never_broadcasts(bot: RunningBot, problem: str) -> None:
    rollout_id = ensure_rollout(bot)
    step = step_id(bot, rollout_id, 1)
    sent = Outbound(bot.fake)
    sent.mark()
    since = len(bot.fake.calls)
    values = {"problem": {"problem": {"type": "plain_text_input", "value": problem}}}
    response = bot.slack.interact(
        view_submission("msi_step_help_view", values, user="U_MKTO", private_metadata=str(step))
    )
    assert response.status_code == 200, response.text
    if response.content:
        assert response.json()["response_action"] == "errors"
        assert not formatting.typed(problem, 2000)  # blank once control characters are dropped
    settle(bot)
    assert broadcasts(sent.texts()) == []
    assert sent_block_problems(bot.fake, since) == []


@given(reason=hostile_text())
@example(reason="<!everyone> " * 300)
@HYPOTHESIS
def test_any_reject_reason_is_shown_escaped_and_never_broadcasts(bot: RunningBot, reason: str) -> None:
    ensure_rollout(bot)
    address = f"person{next(_numbers)}@example.com"
    assert "Batch #" in bot.slack.slash(f"invite {address}", user="U_MKTO").json()["text"]
    with bot.database.read() as session:
        approval = session.scalars(
            select(Approval.id).where(Approval.status == "pending").order_by(Approval.id.desc())  # type: ignore[union-attr]
        ).first()
    assert approval is not None
    settle(bot)
    sent = Outbound(bot.fake)
    sent.mark()
    since = len(bot.fake.calls)
    values = {"reason": {"reason": {"type": "plain_text_input", "value": reason}}}
    response = bot.slack.interact(
        view_submission("msi_approval_reject_view", values, user="U_SFDC", private_metadata=str(approval))
    )
    assert response.status_code == 200, response.text
    if response.content:
        assert response.json()["response_action"] == "errors"
        assert not formatting.typed(reason, 2000)  # blank once control characters are dropped
    settle(bot)
    assert broadcasts(sent.texts()) == []
    assert sent_block_problems(bot.fake, since) == []


# ---------------------------------------------------------------- (c) CSV bytes

CELLS = st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=20), st.emails().map(str))
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp932", "latin-1"]


def csv_bytes() -> st.SearchStrategy[bytes]:
    header = st.lists(
        st.one_of(
            st.sampled_from(["Email", "E-mail Address", "メールアドレス", "First Name", "名", "姓", "Team"]),
            CELLS,
        ),
        min_size=1,
        max_size=5,
    )
    rows = st.lists(st.lists(CELLS, max_size=6), max_size=12)
    delimiter = st.sampled_from([",", ";", "\t", "|"])
    texts = st.builds(
        lambda head, body, sep: "\r\n".join(sep.join(row) for row in [head, *body]), header, rows, delimiter
    )
    encoded = st.builds(
        lambda text, encoding: text.encode(encoding, errors="replace"), texts, st.sampled_from(ENCODINGS)
    )
    return st.one_of(encoded, st.binary(max_size=3000))


@given(content=csv_bytes())
@example(content=b"Email,Team\r\nana@example.com,<!channel>\r\n<!here>@example.com,<!subteam^S1|@t>\r\n")
@example(content="メールアドレス,チーム\n<!everyone>,<@U123>\n".encode("cp932"))
@example(content=b"")
@example(content=b"\x00" * 100)
@HYPOTHESIS
def test_any_csv_file_gets_exactly_one_reply_or_preview_and_never_broadcasts(
    bot: RunningBot, content: bytes
) -> None:
    ensure_rollout(bot)
    number = next(_numbers)
    file_id, name = f"FH{number}", f"hostile-{number}.csv"
    sent = Outbound(bot.fake)
    sent.mark()
    since = len(bot.fake.calls)
    bot.fake.add_file(file_id, name, content)
    assert bot.slack.event(message_event(file_id, name)).status_code == 200
    assert bot.slack.event(shared_event(file_id)).status_code == 200
    settle(bot)
    with bot.database.read() as session:
        drafts = session.scalars(select(CsvDraft).where(CsvDraft.file_id == file_id)).all()
    assert [draft.status for draft in drafts] in (["ready"], ["failed"])
    told = sent.posts_since("D_MKTO")
    assert len(told) == 1, told
    assert name in json.dumps(told[0], ensure_ascii=False)
    assert broadcasts(sent.texts()) == []
    assert sent_block_problems(bot.fake, since) == []


# ---------------------------------------------------------------- (d) malformed interactive payloads

ACTION_IDS = [
    "msi_step_done",
    "msi_step_help",
    "msi_step_resolve",
    "msi_step_verify",
    "msi_approval_approve",
    "msi_approval_reject",
    "msi_batch_sent",
    "msi_batch_cancel",
    "msi_draft_request",
    "msi_draft_mapping",
    "msi_draft_cancel",
    "msi_draft_rollout",
    "msi_reminder_snooze",
    "msi_home_start",
    "msi_home_edit",
    "msi_home_cancel",
    "msi_home_reopen",
    "msi_home_pause",
    "msi_home_resume",
]
CALLBACK_IDS = [
    "msi_start_rollout",
    "msi_step_help_view",
    "msi_step_reopen_view",
    "msi_edit_rollout",
    "msi_approval_reject_view",
    "msi_draft_mapping_view",
    "msi_step_override_view",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
NOT_A_NUMBER = st.one_of(
    st.text(max_size=20).filter(lambda value: not value.isdigit()),
    st.sampled_from(["-1", "1.5", "1e3", "0x10", " 1", "١٢", "²", "NaN", "", "None"]),
    st.none(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def malformed_action() -> st.SearchStrategy[dict[str, Any]]:
    def build(
        action_id: str, value: Any, drop: list[str], user: Any, extra: dict[str, Any]
    ) -> dict[str, Any]:
        payload = block_action(
            action_id,
            "0",
            user="U_MKTO",
            channel="C_MKTO",
            message_ts="1.1",
            response_url="http://127.0.0.1:9/r",
        )
        payload["actions"][0]["value"] = value
        payload["actions"][0]["selected_option"] = {"value": value}
        if user is not None:
            payload["user"] = user
        for key in drop:
            payload.pop(key, None)
        payload.update(extra)
        return payload

    return st.builds(
        build,
        st.one_of(st.sampled_from(ACTION_IDS), st.text(max_size=30)),
        NOT_A_NUMBER,
        st.lists(st.sampled_from(["user", "actions", "container", "channel", "response_url", "trigger_id"])),
        st.one_of(st.none(), JSON_VALUES),
        st.dictionaries(
            st.sampled_from(["actions", "container", "view", "message"]), JSON_VALUES, max_size=2
        ),
    )


def malformed_view() -> st.SearchStrategy[dict[str, Any]]:
    def build(
        callback_id: str, metadata: Any, values: Any, drop_view: list[str], kind: str
    ) -> dict[str, Any]:
        payload = view_submission(callback_id, {}, private_metadata="")
        payload["type"] = kind
        payload["view"]["private_metadata"] = metadata
        payload["view"]["state"] = {"values": values}
        for key in drop_view:
            payload["view"].pop(key, None)
        return payload

    return st.builds(
        build,
        st.one_of(st.sampled_from(CALLBACK_IDS), st.text(max_size=30)),
        NOT_A_NUMBER,
        JSON_VALUES,
        st.lists(st.sampled_from(["state", "private_metadata", "callback_id", "id"])),
        st.sampled_from(["view_submission", "view_closed"]),
    )


def form_body(payload_text: str) -> str:
    return "payload=" + quote(payload_text)


MALFORMED_BODIES = st.one_of(
    st.text(max_size=200).map(form_body),  # payload= that is not JSON (or is, by chance)
    JSON_VALUES.map(lambda value: form_body(json.dumps(value))),  # JSON of the wrong shape
    st.builds(
        lambda kind, value: form_body(json.dumps({"type": kind, **value})),
        st.text(max_size=20),
        st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3),
    ),
    malformed_action().map(lambda payload: form_body(json.dumps(payload))),
    malformed_view().map(lambda payload: form_body(json.dumps(payload))),
    st.builds(lambda payload: urlencode({"payload": json.dumps(payload), "extra": "1"}), malformed_action()),
    st.text(max_size=200),  # no payload= at all
)


def snapshot(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with bot.database.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == WorkerProcess.__tablename__:
                continue  # the process's own heartbeat, refreshed every second whatever the requests do
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return tables


def send_raw(bot: RunningBot, body: str, *, sign: bool = True) -> Any:
    # One connection per request keeps each answer apart from the one before, whatever the server does.
    return bot.slack.post_raw(
        body, "application/x-www-form-urlencoded", sign=sign, headers={"Connection": "close"}
    )


@given(body=MALFORMED_BODIES)
@example(body="payload=not%20json")
@example(body="payload=%5B%5D")
@example(body="payload=")
@example(body=form_body(json.dumps({"type": "block_actions"})))
@example(body=form_body(json.dumps({"type": "view_submission", "view": "nope"})))
@HYPOTHESIS
def test_malformed_interactive_payloads_change_nothing(bot: RunningBot, body: str) -> None:
    ensure_rollout(bot)
    before = snapshot(bot)
    send_raw(bot, body)  # whatever the status (the next test judges it), nothing may change
    settle(bot)
    assert snapshot(bot) == before


@given(body=MALFORMED_BODIES)
@example(body=form_body(json.dumps({"type": "view_submission", "view": "nope"})))
@example(body=form_body(json.dumps({**view_submission("msi_step_help_view", {}), "view": None})))
@example(
    body=form_body(
        json.dumps(
            {
                **block_action(
                    "msi_step_done", "1", user="U_MKTO", channel="C", message_ts="1.1", response_url=""
                ),
                "actions": None,
            }
        )
    )
)
@HYPOTHESIS
def test_malformed_interactive_payloads_are_never_a_server_error(bot: RunningBot, body: str) -> None:
    response = send_raw(bot, body)
    assert response.status_code < 500, (response.status_code, response.text)


NOT_OBJECTS = ["payload=not%20json", "payload=", "payload=%5B%5D", "payload=1", "payload=%22text%22"]


def test_an_unsigned_request_whose_payload_is_not_a_json_object_gets_401_and_changes_nothing(
    bot: RunningBot,
) -> None:
    before = snapshot(bot)
    statuses = {body: send_raw(bot, body, sign=False).status_code for body in NOT_OBJECTS}
    assert statuses == dict.fromkeys(NOT_OBJECTS, 401)
    assert snapshot(bot) == before


def test_a_signed_payload_that_is_not_a_json_object_gets_a_4xx(bot: RunningBot) -> None:
    statuses = {body: send_raw(bot, body).status_code for body in NOT_OBJECTS}
    assert {body: status for body, status in statuses.items() if not 400 <= status < 500} == {}


def test_a_click_or_a_modal_submission_without_a_user_is_not_a_server_error_and_changes_nothing(
    bot: RunningBot,
) -> None:
    step = step_id(bot, ensure_rollout(bot), 1)
    values = {key: {key: {"type": "plain_text_input", "value": "words"}} for key in ("problem", "reason")}
    payloads = [
        view_submission(callback_id, values, private_metadata=str(step))
        for callback_id in ("msi_step_help_view", "msi_step_override_view", "msi_start_rollout")
    ]
    payloads.append(
        block_action(
            "msi_step_done",
            str(step),
            user="U_MKTO",
            channel="C_MKTO",
            message_ts="1.1",
            response_url=bot.fake.response_url("no-user"),
        )
    )
    failures = []
    for payload in payloads:
        payload.pop("user")
        before = snapshot(bot)
        response = send_raw(bot, form_body(json.dumps(payload)))
        settle(bot)
        if response.status_code >= 500 or snapshot(bot) != before:
            failures.append((payload.get("view", {}).get("callback_id") or "click", response.status_code))
    assert failures == []


# Digits int() or str.isdigit() accept that are not ASCII, ids too long for a 64-bit column, and signs.
FORGED_IDS = ["²", "٣", "１", "9" * 40, "-1", "+1", "1.0", " 1", "0x1"]


@pytest.mark.parametrize(
    "action_id",
    [ids.STEP_DONE, ids.STEP_RESOLVE, ids.APPROVE, ids.BATCH_SENT, ids.HOME_PAUSE, ids.SNOOZE],
)
def test_buttons_with_forged_ids_are_not_a_server_error_and_change_nothing(
    bot: RunningBot, action_id: str
) -> None:
    ensure_rollout(bot)
    settle(bot)
    before = snapshot(bot)
    statuses = {}
    for forged in FORGED_IDS:
        value = f"step:{forged}" if action_id == ids.SNOOZE else forged
        payload = block_action(
            action_id,
            value,
            user="U_MKTO",
            channel="C_MKTO",
            message_ts="1.1",
            response_url=bot.fake.response_url("forged"),
        )
        statuses[forged] = send_raw(bot, form_body(json.dumps(payload))).status_code
    # Stored clicks are acted on (as nothing) and forgotten; wait for that before comparing.
    bot.fake.wait_for(lambda: not snapshot(bot)["pending_click"], timeout=15, interval=0.05)
    settle(bot)
    assert {forged: status for forged, status in statuses.items() if status >= 500} == {}
    assert snapshot(bot) == before


# ---------------------------------------------------------------- PostgreSQL: NUL characters and lengths


@pytest.fixture
def postgres_bot(fake_slack: FakeSlack) -> Iterator[RunningBot]:
    databases = _fresh_postgres_database()
    url = next(databases)  # skips the test when MSI_TEST_POSTGRES_URL is not set
    try:
        running = RunningBot(url, fake_slack)
        try:
            yield running
        finally:
            running.stop()
    finally:
        next(databases, None)


def typed(block_id: str, value: str) -> dict[str, Any]:
    return {block_id: {block_id: {"type": "plain_text_input", "value": value}}}


def submissions_with(bot: RunningBot, text: str, user_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The Start form, Need help and Reject, each carrying `text` (and the Start form `user_id`)."""
    step = step_id(bot, ensure_rollout(bot), 1)
    assert "Batch #" in bot.slack.slash(f"invite p{next(_numbers)}@example.com", user="U_MKTO").json()["text"]
    with bot.database.read() as session:
        approval = session.scalars(select(Approval.id).where(Approval.status == "pending")).first()
    form = start_form_values(name=f"N{next(_numbers)} {text[:60]}", salesforce_admins=["U_SFDC", user_id])
    return [
        ("start", view_submission("msi_start_rollout", form)),
        (
            "help",
            view_submission(
                "msi_step_help_view", typed("problem", text), user="U_MKTO", private_metadata=str(step)
            ),
        ),
        (
            "reject",
            view_submission(
                "msi_approval_reject_view",
                typed("reason", text),
                user="U_SFDC",
                private_metadata=str(approval),
            ),
        ),
    ]


def server_errors(bot: RunningBot, submissions: list[tuple[str, dict[str, Any]]]) -> list[str]:
    failed = []
    for label, payload in submissions:
        response = send_raw(bot, form_body(json.dumps(payload)))
        if response.status_code >= 500:
            failed.append(label)
    return failed


@pytest.mark.postgres
def test_on_postgresql_typed_text_with_a_nul_character_is_answered_not_a_server_error(
    postgres_bot: RunningBot,
) -> None:
    bot = postgres_bot
    assert server_errors(bot, submissions_with(bot, "before\x00after", "U\x00NUL")) == []


@pytest.mark.postgres
def test_on_postgresql_values_longer_than_their_column_are_answered_not_a_server_error(
    postgres_bot: RunningBot,
) -> None:
    bot = postgres_bot
    assert server_errors(bot, submissions_with(bot, "x" * 3500, "U" + "X" * 40)) == []
