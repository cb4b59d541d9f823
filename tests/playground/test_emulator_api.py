"""The emulator's Web API and its requests to the bot, unit by unit: Slack's answers, Slack's refusals."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from playground import limits
from playground.emulator import state_values
from playground.slack_side import SlackSide
from playground.workspace import BOT_USER, Workspace

TOKEN = "xoxb-playground-unit"


@pytest.fixture
def workspace() -> Workspace:
    return Workspace(base_url="http://127.0.0.1:9", bot_token=TOKEN)


def call(workspace: Workspace, method: str, token: str = TOKEN, **params: Any) -> dict[str, Any]:
    return workspace.call(method, params, token)


def test_every_method_wants_the_bot_token(workspace: Workspace) -> None:
    assert call(workspace, "auth.test", token="")["error"] == "not_authed"
    assert call(workspace, "auth.test", token="xoxb-someone-else")["error"] == "invalid_auth"
    assert call(workspace, "auth.test")["user_id"] == BOT_USER
    assert call(workspace, "chat.scheduleMessage")["error"] == "unknown_method"


def test_users_info_gives_the_locale_only_when_asked_for_it(workspace: Workspace) -> None:
    plain = call(workspace, "users.info", user="UMKTO1")["user"]
    assert plain["tz"] == "Asia/Tokyo" and "locale" not in plain
    assert call(workspace, "users.info", user="UMKTO1", include_locale="true")["user"]["locale"] == "ja-JP"
    assert call(workspace, "users.info", user="UNOBODY")["error"] == "user_not_found"


def test_user_groups_are_listed_and_their_members_given_with_the_scope_only(workspace: Workspace) -> None:
    listed = call(workspace, "usergroups.list", include_disabled="false")["usergroups"]
    assert [(g["id"], g["handle"]) for g in listed] == [
        ("SMKTO", "marketo-team"),
        ("SSFDC", "salesforce-team"),
    ]
    assert "users" not in listed[0]
    assert call(workspace, "usergroups.users.list", usergroup="SSFDC")["users"] == ["USFDC1"]
    assert call(workspace, "usergroups.users.list", usergroup="SNOPE")["error"] == "no_such_subteam"
    workspace.usergroups["SSFDC"]["disabled"] = True
    assert [g["id"] for g in call(workspace, "usergroups.list")["usergroups"]] == ["SMKTO"]
    assert call(workspace, "usergroups.users.list", usergroup="SSFDC")["error"] == "no_such_subteam"
    workspace.granted_scopes.discard("usergroups:read")
    refused = call(workspace, "usergroups.list")
    assert (
        refused["ok"] is False
        and refused["error"] == "missing_scope"
        and refused["needed"] == "usergroups:read"
    )
    assert call(workspace, "usergroups.users.list", usergroup="SMKTO")["error"] == "missing_scope"


def test_a_static_select_holds_1_to_100_options_and_its_initial_ones_among_them(workspace: Workspace) -> None:
    def modal(options: list[dict[str, Any]], initial: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "multi_static_select", "action_id": "g", "options": options}
        if initial is not None:
            element["initial_options"] = initial
        block = {
            "type": "input",
            "block_id": "g",
            "label": {"type": "plain_text", "text": "G"},
            "element": element,
        }
        return {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [block]}

    def option(value: str, text: str = "x") -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    many = [option(f"S{n}") for n in range(101)]
    assert limits.refuse_payload("views.open", {"view": modal(many)}) is not None
    assert limits.refuse_payload("views.open", {"view": modal(many[:100])}) is None
    assert limits.refuse_payload("views.open", {"view": modal([])}) is not None
    assert limits.refuse_payload("views.open", {"view": modal([option("S1", "x" * 76)])}) is not None
    assert limits.refuse_payload("views.open", {"view": modal([option("S1")], [option("S2")])}) is not None
    assert limits.refuse_payload("views.open", {"view": modal([option("S1")], [option("S1")])}) is None


def test_a_post_needs_the_bot_in_the_channel_and_a_user_id_means_the_dm(workspace: Workspace) -> None:
    assert call(workspace, "chat.postMessage", channel="CGENERAL", text="hi")["error"] == "not_in_channel"
    assert call(workspace, "chat.postMessage", channel="CNOPE", text="hi")["error"] == "channel_not_found"
    assert call(workspace, "conversations.join", channel="CGENERAL")["ok"]
    assert call(workspace, "chat.postMessage", channel="CGENERAL", text="hi")["ok"]
    direct = call(workspace, "chat.postMessage", channel="UMKTO2", text="psst")
    assert direct["channel"] == "DMKTO2"
    assert call(workspace, "conversations.open", users="UMKTO2")["channel"]["id"] == "DMKTO2"


def test_what_slack_refuses_is_refused_and_nothing_is_posted(workspace: Workspace) -> None:
    blocks = [{"type": "divider"}] * (limits.MESSAGE_BLOCKS + 1)
    answer = call(workspace, "chat.postMessage", channel="CMKTO", text="x", blocks=json.dumps(blocks))
    assert answer["error"] == "invalid_blocks"
    assert workspace.messages == {} and workspace.refused


def test_chat_update_edits_in_place_and_only_the_bots_own_messages(workspace: Workspace) -> None:
    posted = call(workspace, "chat.postMessage", channel="CMKTO", text="v1")
    updated = call(workspace, "chat.update", channel="CMKTO", ts=posted["ts"], text="v2")
    assert updated["ok"] and workspace.messages[posted["ts"]]["text"] == "v2"
    assert call(workspace, "chat.update", channel="CSFDC", ts=posted["ts"], text="v3")["error"] == (
        "message_not_found"
    )
    mine = workspace.add_message("CMKTO", user="UMKTO1", text="typed")
    assert call(workspace, "chat.update", channel="CMKTO", ts=mine["ts"], text="x")["error"] == (
        "cant_update_message"
    )


def test_ephemerals_go_only_to_members_of_the_channel(workspace: Workspace) -> None:
    assert call(workspace, "chat.postEphemeral", channel="CMKTO", user="USFDC1", text="x")["error"] == (
        "user_not_in_channel"
    )
    assert call(workspace, "chat.postEphemeral", channel="CMKTO", user="UMKTO1", text="x")["ok"]
    assert [e["for_user"] for e in workspace.ephemerals] == ["UMKTO1"]


def test_a_trigger_opens_one_modal_within_three_seconds(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = json.dumps({"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []})
    trigger = workspace.issue_trigger("UOWNER")
    assert call(workspace, "views.open", trigger_id=trigger, view=view)["ok"]
    assert call(workspace, "views.open", trigger_id=trigger, view=view)["error"] == "trigger_exchanged"
    assert call(workspace, "views.open", trigger_id="made-up", view=view)["error"] == "invalid_trigger_id"
    late = workspace.issue_trigger("UOWNER")
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + limits.TRIGGER_SECONDS + 0.5)
    assert call(workspace, "views.open", trigger_id=late, view=view)["error"] == "expired_trigger_id"


def test_views_publish_keeps_one_home_per_person_and_refuses_a_modal(workspace: Workspace) -> None:
    home = json.dumps({"type": "home", "blocks": [{"type": "divider"}]})
    first = call(workspace, "views.publish", user_id="UMKTO1", view=home)["view"]
    again = call(workspace, "views.publish", user_id="UMKTO1", view=home)["view"]
    assert first["id"] == again["id"] and first["hash"] != again["hash"]
    assert call(workspace, "views.publish", user_id="UMKTO1", view=home, hash=first["hash"])["error"] == (
        "hash_conflict"
    )
    modal = json.dumps({"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []})
    assert call(workspace, "views.publish", user_id="UMKTO1", view=modal)["error"] == "invalid_arguments"


def test_an_upload_takes_three_calls_and_shares_the_file_in_its_channel(workspace: Workspace) -> None:
    started = call(workspace, "files.getUploadURLExternal", filename="audit.csv", length="4")
    file_id = started["file_id"]
    assert call(workspace, "files.info", file=file_id)["error"] == "file_not_found"
    completed = call(workspace, "files.completeUploadExternal", files=json.dumps([{"id": file_id}]))
    assert completed["error"] == "file_not_found"  # nothing was uploaded yet
    assert not workspace.receive_upload(file_id, b"a,b,c\n")  # not the 4 bytes asked for: refused
    completed = call(workspace, "files.completeUploadExternal", files=json.dumps([{"id": file_id}]))
    assert completed["error"] == "file_not_found"  # still nothing uploaded
    assert workspace.receive_upload(file_id, b"a,b\n")
    shared = call(
        workspace,
        "files.completeUploadExternal",
        files=json.dumps([{"id": file_id, "title": "Audit"}]),
        channel_id="UOWNER",
        initial_comment="Here it is",
    )
    assert shared["ok"]
    info = call(workspace, "files.info", file=file_id)["file"]
    assert info["title"] == "Audit" and "DOWNER" in info["shares"]["private"]
    message = next(m for m in workspace.messages.values() if m["files"] == [file_id])
    assert message["channel"] == "DOWNER" and message["text"] == "Here it is"


def test_a_modals_values_come_back_shaped_as_slack_sends_them() -> None:
    options = [{"text": {"type": "plain_text", "text": t}, "value": t} for t in ("a", "b")]
    blocks = [
        {"type": "input", "block_id": "name", "element": {"type": "plain_text_input", "action_id": "n"}},
        {"type": "input", "block_id": "pick", "element": {"type": "static_select", "action_id": "p",
                                                          "options": options}},
        {"type": "input", "block_id": "ticks", "optional": True,
         "element": {"type": "checkboxes", "action_id": "t", "options": options}},
        {"type": "input", "block_id": "people", "element": {"type": "multi_users_select", "action_id": "u"}},
        {"type": "input", "block_id": "where", "element": {"type": "conversations_select", "action_id": "c"}},
    ]  # fmt: skip
    values, empty = state_values(
        blocks, {"name": "Prod", "pick": "b", "ticks": [], "people": ["U1", "U2"], "where": ""}
    )
    assert values["name"] == {"n": {"type": "plain_text_input", "value": "Prod"}}
    assert values["pick"]["p"]["selected_option"] == options[1]
    assert values["ticks"]["t"]["selected_options"] == []
    assert values["people"]["u"]["selected_users"] == ["U1", "U2"]
    assert values["where"]["c"]["selected_conversation"] is None
    assert empty == ["where"]  # "ticks" is optional


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_requests_to_the_bot_are_signed_as_slack_signs_them(workspace: Workspace, recorder: str) -> None:
    secret = "playground-unit-secret"
    slack = SlackSide(workspace, secret, lambda: recorder)
    try:
        assert slack.slash_command(user="UMKTO1", channel="CMKTO", text="help").status == 200
        assert slack.interaction({"type": "block_actions"}).status == 200
    finally:
        slack.close()
    verifier = SignatureVerifier(secret)
    assert len(_Recorder.received) == 2
    for headers, body in _Recorder.received:
        assert verifier.is_valid(
            body=body.decode(),
            timestamp=headers["x-slack-request-timestamp"],
            signature=headers["x-slack-signature"],
        )
        assert not SignatureVerifier("another-secret").is_valid(
            body=body.decode(),
            timestamp=headers["x-slack-request-timestamp"],
            signature=headers["x-slack-signature"],
        )
    form = {k: v[0] for k, v in parse_qs(_Recorder.received[0][1].decode()).items()}
    assert form["command"] == "/msi" and form["text"] == "help" and form["user_id"] == "UMKTO1"
    assert form["response_url"].startswith("http://127.0.0.1:9/response/") and form["trigger_id"]
    payload = json.loads(parse_qs(_Recorder.received[1][1].decode())["payload"][0])
    assert payload == {"type": "block_actions"}


def test_slack_sdk_talks_to_the_emulator_over_http(playground: Any) -> None:
    client = WebClient(token=playground.bot_token, base_url=playground.url + "/api/")
    assert client.auth_test()["user_id"] == BOT_USER
    assert client.users_info(user="UOWNER", include_locale=True)["user"]["locale"] == "en-US"
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-wrong", base_url=playground.url + "/api/").auth_test()
    assert refused.value.response["error"] == "invalid_auth"
    posted = client.chat_postMessage(channel="CMKTO", text="over HTTP")
    history = client.conversations_history(channel="CMKTO")["messages"]
    assert [m["ts"] for m in history] == [posted["ts"]]


def test_the_bot_hears_of_its_own_posts_and_updates_as_slack_tells_it(workspace: Workspace) -> None:
    heard: list[dict[str, Any]] = []
    workspace.emit = heard.append
    posted = call(workspace, "chat.postMessage", channel="CMKTO", text="v1")
    call(workspace, "chat.update", channel="CMKTO", ts=posted["ts"], text="v2")
    assert [(e["type"], e.get("subtype"), e.get("bot_id")) for e in heard] == [
        ("message", None, "BBOT"),
        ("message", "message_changed", None),
    ]
    assert heard[1]["previous_message"]["text"] == "v1" and heard[1]["message"]["text"] == "v2"
    started = call(workspace, "files.getUploadURLExternal", filename="audit.csv", length="4")
    workspace.receive_upload(started["file_id"], b"a,b\n")
    call(
        workspace,
        "files.completeUploadExternal",
        files=json.dumps([{"id": started["file_id"]}]),
        channel_id="CMKTO",
    )
    assert [(e["type"], e.get("subtype")) for e in heard[2:]] == [
        ("message", "file_share"),
        ("file_shared", None),
    ]


def test_a_response_url_takes_five_answers_and_shows_them_only_to_its_reader(playground: Any) -> None:
    import httpx

    workspace = playground.workspace
    with workspace.lock:
        url = workspace.issue_response_url("UMKTO1", "CMKTO", None, ephemeral=True)
    for number in range(5):
        answer = httpx.post(url, json={"response_type": "ephemeral", "text": f"answer {number}"}, timeout=5)
        assert answer.status_code == 200
    assert httpx.post(url, json={"text": "one too many"}, timeout=5).status_code == 404
    assert [e["text"] for e in workspace.ephemerals] == [f"answer {n}" for n in range(5)]
    assert {e["for_user"] for e in workspace.ephemerals} == {"UMKTO1"}
    with workspace.lock:
        other = workspace.issue_response_url("UMKTO1", "CMKTO", None, ephemeral=True)
    too_many = [{"type": "divider"}] * (limits.MESSAGE_BLOCKS + 1)
    assert httpx.post(other, json={"text": "x", "blocks": too_many}, timeout=5).status_code == 400
    assert workspace.refused
    workspace.refused.clear()  # refused on purpose: the fixture checks the bot never sent such a thing
