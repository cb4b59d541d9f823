"""Scenario (issue 14, item 4): Request invitations on an 80,000-row file never holds up other people's acks.

Slack gives up on an acknowledgement after 3 seconds. Creating the batch writes 80,000 invitee rows; on SQLite
every other write (click intake included) waits for the writer, so the batch is written in chunks that each
let requests go first. Concurrent clicks and commands by other people, sent while the batch is being written,
are all acknowledged within the issue's bound of one second.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.invitations.service import Candidate
from storage.models import InvitationBatch, Invitee, Rollout
from tests.conftest import RunningBot
from tests.fake_slack import FakeSlack
from tests.flow_helpers import (
    buttons,
    click,
    start_rollout,
    text_of,
    wait_approval_request,
    wait_step_message,
)
from tests.harness import block_action
from tests.uploads.test_uploads_scenario import upload, wait_preview

ROWS = 80_000
ACK_BOUND = 1.0  # the bound (Slack's own is 3 s)


def big_csv(rows: int) -> bytes:
    lines = ["Email,First Name,Last Name,Team"]
    lines.extend(f"person{n}@example.com,First{n},Last{n},Team {n % 7}" for n in range(rows))
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def roomy_bot(database_url: str, fake_slack: FakeSlack) -> RunningBot:
    running = RunningBot(database_url, fake_slack, msi_seats=ROWS + 1000)
    yield running  # type: ignore[misc]
    running.stop()


def test_acks_stay_fast_while_an_80000_row_batch_is_written(roomy_bot: RunningBot) -> None:
    bot = roomy_bot
    start_rollout(bot)
    step6 = wait_step_message(bot, 6, "C_SFDC")
    upload(bot, "FBIG", "everyone.csv", big_csv(ROWS))
    preview = bot.fake.wait_for(lambda: wait_preview(bot), timeout=60)
    assert f"*Accepted:* {ROWS:,}".replace(",", "") in text_of(preview).replace(",", "")

    done_value = buttons(step6)["msi_step_done"]["value"]
    latencies: list[tuple[float, float, str, int]] = []  # (sent at, latency, what, status)
    stop = threading.Event()

    def other_people() -> None:
        # Their own connection, as other people's requests come from Slack on theirs.
        from tests.harness import SlackSender

        sender = SlackSender(bot.url)
        kinds = ("click", "status", "refused_click", "invite")
        try:
            n = 0
            while not stop.is_set():
                kind = kinds[n % len(kinds)]
                n += 1
                started = time.monotonic()
                if kind == "status":
                    response = sender.slash("status", user="U_SFDC", channel="C_SFDC")
                elif kind == "invite":  # a write on the request path, counting seats under the rollout lock
                    response = sender.slash(f"invite extra{n}-{id(sender)}@example.com", user="U_OWNER")
                else:
                    user = "U_OTHER" if kind == "refused_click" else "U_SFDC"
                    payload = block_action(
                        "msi_step_done",
                        done_value,
                        user=user,
                        channel=step6["channel"],
                        message_ts=step6["ts"],
                        response_url=bot.fake.response_url(f"other-{n}"),
                    )
                    response = sender.interact(payload)
                latencies.append((started, time.monotonic() - started, kind, response.status_code))
                time.sleep(0.05)
        finally:
            sender.close()

    senders = [threading.Thread(target=other_people) for _ in range(2)]
    for thread in senders:
        thread.start()
    try:
        time.sleep(0.2)
        requested_at = time.monotonic()
        click(bot, preview, "msi_draft_request", "U_MKTO")
        bot.fake.wait_for(lambda: "Requested as batch #" in text_of(preview), timeout=60)
        created_at = time.monotonic()
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in senders:
            thread.join(10)

    during = [entry for entry in latencies if requested_at <= entry[0] <= created_at]
    assert len(during) >= 10, f"too few requests overlapped the batch's writing: {len(during)}"
    assert all(status == 200 for _, _, _, status in latencies)
    slow = sorted(
        ((round(latency, 3), kind, round(at - requested_at, 2)) for at, latency, kind, _ in latencies),
        reverse=True,
    )[:5]
    assert max(latency for _, latency, _, _ in latencies) < ACK_BOUND, f"slowest acks: {slow}"

    with bot.database.read() as session:
        batch = session.scalars(select(InvitationBatch).where(InvitationBatch.source == "csv")).one()
        count = session.scalar(select(func.count()).select_from(Invitee).where(Invitee.batch_id == batch.id))
    assert batch.status == "pending_approval" and count == ROWS and batch.seats_reserved == 0
    wait_approval_request(bot, f"Invitations batch #{batch.id} ({ROWS} people)")


def test_a_batch_being_written_reserves_its_seats_and_a_half_written_one_is_discarded(
    bot: RunningBot,
) -> None:
    """Seats stay right between chunks, and a batch abandoned half-way (its process died) leaves nothing."""
    rollout_id = start_rollout(bot)
    invitations = bot.runtime.services.invitations
    now = datetime.now(UTC)
    accepted = [Candidate(f"p{n}@example.com", f"p{n}@example.com") for n in range(60)]
    with bot.database.write() as session:
        rollout = session.get(Rollout, rollout_id)
        assert rollout is not None
        batch = invitations.begin_batch(
            session,
            rollout=rollout,
            requester="U_MKTO",
            source="csv",
            file_name="x.csv",
            accepted=accepted,
            now=now,
        )
    assert invitations.write_chunk(batch=batch, chunk=accepted[:25])
    # 60 of the 100 seats are the batch's, 25 written and 35 reserved: a request meanwhile gets the other 40.
    answer = bot.slack.slash(
        "invite " + " ".join(f"q{n}@example.com" for n in range(45)), user="U_OWNER"
    ).json()
    assert "*Accepted:* 40" in answer["text"] and "*Over the seat limit of 100:* 5" in answer["text"]
    # Nothing of the preparing batch is shown or asked of anyone.
    assert "60 people" not in json.dumps(bot.fake.posts("C_SFDC"))
    with bot.database.read() as session:
        assert invitations.seats_taken(session, rollout_id=rollout_id) == 100
    with bot.database.write() as session:
        stale = session.get(InvitationBatch, batch.id)
        assert stale is not None
        stale.changed_at = now - timedelta(hours=1)
    assert invitations.discard_abandoned() == 1
    assert not invitations.write_chunk(batch=batch, chunk=accepted[25:])  # its writer, if alive, stops
    with bot.database.read() as session:
        assert session.get(InvitationBatch, batch.id) is None
        assert (
            session.scalar(select(func.count()).select_from(Invitee).where(Invitee.batch_id == batch.id)) == 0
        )
        assert invitations.seats_taken(session, rollout_id=rollout_id) == 40
