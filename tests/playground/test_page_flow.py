"""The playground driven as its people would drive it, through the page's own endpoints over real HTTP: the
real bot behind it, Slack played by the emulator."""

from __future__ import annotations

from typing import Any

from playground.launcher import Playground
from playground.workspace import dm_of
from tests.playground.page import Page, everything_said, find_button, header

OWNER, KENJI, MARIA, SAM, NINA = "UOWNER", "UMKTO1", "UMKTO2", "USFDC1", "UGUEST"
START_FORM = {
    "name": "Production",
    "environment": "production",
    "marketo_admins": [KENJI, MARIA],
    "salesforce_admins": [SAM],
    "marketo_channel": "CMKTO",
    "salesforce_channel": "CSFDC",
    "prerequisites": ["actions_enabled", "crm_sync"],
    "language": "en",
}


def start_rollout(page: Page, **changes: Any) -> None:
    assert page.type(OWNER, "CMKTO", "/msi start") == {"ok": True}
    modal = page.modal(OWNER)
    answer = page.post("submit", OWNER, view_id=modal["id"], values={**START_FORM, **changes})
    assert answer["ok"] and answer["response_action"] is None, answer
    page.wait(lambda: step_card(page, KENJI, "CMKTO", 1))


def step_card(page: Page, user: str, channel: str, number: int) -> dict[str, Any] | None:
    found = [m for m in page.messages(user, channel) if header(m).startswith(f"Step {number} of 7")]
    assert len(found) <= 1
    return found[0] if found else None


def test_msi_help_is_answered_only_to_the_person_who_typed_it(page: Page) -> None:
    assert page.type(MARIA, "CMKTO", "/msi help") == {"ok": True}
    answers = page.ephemerals(MARIA, "CMKTO")
    assert len(answers) == 1 and "/msi start" in everything_said(answers[0])
    assert page.ephemerals(KENJI) == []
    assert page.messages(KENJI, "CMKTO") == []


def test_a_rollout_runs_from_the_start_modal_to_the_next_step(page: Page) -> None:
    assert page.type(OWNER, "CMKTO", "/msi start") == {"ok": True}
    modal = page.modal(OWNER)
    assert modal["title"]["text"] == "Start a rollout"

    # A refused submission keeps the modal open with the reason beside the field.
    refused = page.post("submit", OWNER, view_id=modal["id"], values={**START_FORM, "prerequisites": []})
    assert refused["ok"] is False and "prerequisites" in refused["errors"]
    refused = page.post(
        "submit", OWNER, view_id=modal["id"], values={**START_FORM, "prerequisites": ["actions_enabled"]}
    )
    assert refused["response_action"] == "errors" and "prerequisites" in refused["errors"]
    assert page.state(OWNER)["modal"]["errors"] == refused["errors"]

    accepted = page.post("submit", OWNER, view_id=modal["id"], values=START_FORM)
    assert accepted["ok"] and accepted["response_action"] is None
    assert page.state(OWNER)["modal"] is None

    first = page.wait(lambda: step_card(page, KENJI, "CMKTO", 1))
    page.wait(lambda: step_card(page, SAM, "CSFDC", 6))

    # Someone with no role in the rollout joins the channel and clicks: refused, and only they see why.
    assert page.type(NINA, "CMKTO", "hello") == {"ok": False, "error": "you are not a member of this channel"}
    assert page.post("join", NINA, channel="CMKTO") == {"ok": True}
    assert page.type(NINA, "CMKTO", "hello")["ok"]  # plain chatter is just posted
    assert page.messages(KENJI, "CMKTO")[-1]["text"] == "hello"
    assert page.click(NINA, first, "msi_step_done") == {"ok": True}
    refusal = page.wait(lambda: page.ephemerals(NINA, "CMKTO"))
    assert len(refusal) == 1
    assert page.ephemerals(KENJI, "CMKTO") == [] and page.ephemerals(OWNER, "CMKTO") == []
    assert header(step_card(page, KENJI, "CMKTO", 1) or {}) == header(first)
    assert step_card(page, KENJI, "CMKTO", 2) is None

    # The right person marks it done: the card is updated in place and the next step is posted.
    assert page.click(KENJI, first, "msi_step_done") == {"ok": True}
    second = page.wait(lambda: step_card(page, KENJI, "CMKTO", 2))
    assert "msi_step_done" in everything_said(second)
    done = step_card(page, KENJI, "CMKTO", 1)
    assert done is not None and done["ts"] == first["ts"] and done["edited"]
    assert "msi_step_done" not in everything_said(done)


def test_app_home_shows_the_rollout_and_opens_the_start_modal(page: Page) -> None:
    start_rollout(page)
    assert page.post("home", MARIA) == {"ok": True}
    home = page.wait(lambda: page.state(MARIA)["home"])
    assert "Production" in everything_said(home)
    block_id, _ = find_button(home["blocks"], "msi_home_start")
    answer = page.post("action", MARIA, view_id=home["id"], block_id=block_id, action_id="msi_home_start")
    assert answer == {"ok": True}
    assert page.modal(MARIA)["title"]["text"] == "Start a rollout"
    assert page.post("close", MARIA, view_id=page.state(MARIA)["modal"]["id"]) == {"ok": True}
    assert page.state(MARIA)["modal"] is None


def test_an_uploaded_csv_gives_its_uploader_a_preview_by_direct_message(page: Page) -> None:
    start_rollout(page)
    csv = b"email,first_name,last_name\nana@example.com,Ana,Lopez\nbo@example.com,Bo,Berg\n"
    answer = page.upload(KENJI, "CMKTO", "people.csv", csv)
    assert answer["ok"]
    shared = [m for m in page.messages(MARIA, "CMKTO") if m["files"]]
    assert len(shared) == 1 and page.state(MARIA)["files"][answer["file_id"]]["name"] == "people.csv"
    preview = page.wait(
        lambda: [m for m in page.messages(KENJI, dm_of(KENJI)) if "people.csv" in everything_said(m)]
    )
    assert "people.csv からの招待" in everything_said(preview[0])  # in Kenji's language: his Slack is ja-JP
    # Only Kenji's direct message holds it.
    assert all(m["channel"] != dm_of(KENJI) for m in page.state(MARIA)["messages"])
    download = page.http.get(f"/pg/files/{answer['file_id']}/people.csv")
    assert download.status_code == 200 and download.content == csv

    # Requesting the invitations from the preview turns it into the request's receipt, in place.
    assert page.click(KENJI, preview[0], "msi_draft_request") == {"ok": True}
    requested = page.wait(
        lambda: [m for m in page.messages(KENJI, dm_of(KENJI)) if "として依頼しました" in everything_said(m)]
    )
    assert requested[0]["ts"] == preview[0]["ts"]


def test_the_bot_cannot_fetch_a_shared_file_without_its_token(page: Page) -> None:
    answer = page.upload(KENJI, "CMKTO", "people.csv", b"email\nana@example.com\n")
    url = page.state(KENJI)["files"][answer["file_id"]]
    assert url["name"] == "people.csv"
    anonymous = page.http.get(f"/files/{answer['file_id']}/download/people.csv")
    assert b"Sign in" in anonymous.content
    with_token = page.http.get(
        f"/files/{answer['file_id']}/download/people.csv",
        headers={"Authorization": "Bearer " + page.playground.bot_token},
    )
    assert with_token.content == b"email\nana@example.com\n"


def test_reset_starts_a_fresh_workspace_with_an_empty_database(page: Page, playground: Playground) -> None:
    start_rollout(page)
    assert page.post("reset", OWNER) == {"ok": True}
    assert page.messages(KENJI, "CMKTO") == []
    assert page.type(OWNER, "CMKTO", "/msi list") == {"ok": True}
    listing = page.ephemerals(OWNER, "CMKTO")
    assert len(listing) == 1 and "Production" not in everything_said(listing[0])
    start_rollout(page)  # the same name is free again


def test_the_salesforce_admin_approves_step_2_and_app_home_shows_the_progress(page: Page) -> None:
    start_rollout(page)
    assert page.click(KENJI, page.wait(lambda: step_card(page, KENJI, "CMKTO", 1)), "msi_step_done")["ok"]
    second = page.wait(lambda: step_card(page, KENJI, "CMKTO", 2))
    assert page.click(KENJI, second, "msi_step_done") == {"ok": True}

    def approval_request() -> dict[str, Any] | None:
        return next((m for m in page.messages(SAM, "CSFDC") if header(m) == "Approval needed"), None)

    request = page.wait(approval_request)
    assert "Step 2 of 7" in everything_said(request)
    # A Marketo admin may not approve what touches the Salesforce org: refused, privately.
    page.post("join", KENJI, channel="CSFDC")
    assert page.click(KENJI, request, "msi_approval_approve") == {"ok": True}
    assert page.wait(lambda: page.ephemerals(KENJI, "CSFDC"))
    assert page.ephemerals(SAM) == []
    assert page.click(SAM, request, "msi_approval_approve") == {"ok": True}
    page.wait(lambda: "Approved by" in everything_said(approval_request() or {}))
    approved = page.wait(lambda: "Approved by" in everything_said(step_card(page, KENJI, "CMKTO", 2) or {}))
    assert approved
    # Approved: the Marketo admin does the step and marks it done; the card changes in place.
    assert page.click(KENJI, second, "msi_step_done") == {"ok": True}
    page.wait(lambda: "msi_step_done" not in everything_said(step_card(page, KENJI, "CMKTO", 2) or {}))
    assert (step_card(page, KENJI, "CMKTO", 2) or {})["ts"] == second["ts"]

    assert page.post("home", OWNER) == {"ok": True}
    page.wait(lambda: "2/7 steps done" in everything_said(page.state(OWNER)["home"] or {}))


def test_the_audit_trail_arrives_as_a_file_to_download_in_the_owners_direct_message(page: Page) -> None:
    start_rollout(page)
    assert page.type(OWNER, "CMKTO", "/msi audit Production") == {"ok": True}
    shared = page.wait(lambda: [m for m in page.messages(OWNER, dm_of(OWNER)) if m["files"]])
    file_id = shared[0]["files"][0]
    described = page.state(OWNER)["files"][file_id]
    assert described["name"].endswith(".csv")
    download = page.http.get(f"/pg/files/{file_id}/{described['name']}")
    assert download.status_code == 200 and b",UOWNER,rollout_started," in download.content
    assert all(not m["files"] for m in page.state(KENJI)["messages"])  # only the owner's DM has it
