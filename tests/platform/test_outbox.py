"""The outbox worker against the fake Slack: pacing, ordering, coalescing, permanent errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import IO, Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.platform import outbox
from bot.platform.outbox import OutboxWorker
from storage.db import Database
from storage.models import OutboxItem, SlackMessage
from tests.fake_slack import FakeSlack
from tests.harness import BOT_TOKEN


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def worker(database: Database, fake_slack: FakeSlack) -> Iterator[OutboxWorker]:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url, retry_handlers=[])
    running = OutboxWorker(database, client, clock=now, idle_wait=0.02, backoff_base=0.05)
    database.on_commit(running.wake, marked=outbox.QUEUED)
    running.start()
    yield running
    running.stop()


def test_posts_to_one_channel_are_paced_about_one_per_second(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    with database.write() as session:
        for number in range(3):
            outbox.post(session, now=now(), rollout_id=None, channel="C_MKTO", text=f"note {number}")
    fake_slack.wait_for(lambda: len(fake_slack.posts("C_MKTO")) == 3, timeout=15)
    calls = fake_slack.calls_to("chat.postMessage")
    assert [call.params["text"] for call in calls] == ["note 0", "note 1", "note 2"]
    gaps = [later.at - earlier.at for earlier, later in pairwise(calls)]
    assert all(gap >= 0.9 for gap in gaps), gaps


def test_several_changes_of_a_kept_message_end_in_its_latest_content(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    with database.write() as session:
        outbox.keep_message(
            session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text="v1", blocks=[]
        )
    fake_slack.wait_for(lambda: fake_slack.posts("C_MKTO"))
    with database.write() as session:
        for version in ("v2", "v3", "v4"):
            outbox.keep_message(
                session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text=version, blocks=[]
            )
    fake_slack.wait_for(lambda: fake_slack.posts("C_MKTO")[0]["text"] == "v4", timeout=15)
    assert len(fake_slack.posts("C_MKTO")) == 1
    assert fake_slack.posts("C_MKTO")[0]["updates"] <= 3

    def recorded() -> bool:  # Slack shows v4 a moment before the worker records that it does
        with database.read() as session:
            message = session.scalars(select(SlackMessage)).one()
        return message.posted_version == message.version == 4

    fake_slack.wait_for(recorded)


def test_a_reply_in_a_thread_waits_for_its_parent_to_be_posted(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    fake_slack.fail("chat.postMessage", "500", times=2)
    with database.write() as session:
        parent = outbox.keep_message(
            session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text="parent", blocks=[]
        )
        outbox.post(session, now=now(), rollout_id=None, channel="C_MKTO", text="reply", thread_of=parent)
    fake_slack.wait_for(lambda: len(fake_slack.posts("C_MKTO")) == 2, timeout=15)
    parent_post = next(m for m in fake_slack.posts("C_MKTO") if m["text"] == "parent")
    reply = next(m for m in fake_slack.posts("C_MKTO") if m["text"] == "reply")
    assert reply["thread_ts"] == parent_post["ts"]


def test_an_error_that_will_not_heal_ends_the_item_without_retrying(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    fake_slack.fail("chat.postMessage", "invalid_blocks", times=1)
    with database.write() as session:
        outbox.post(session, now=now(), rollout_id=None, channel="C_MKTO", text="broken")

    def ended() -> list[OutboxItem]:
        with database.read() as session:
            return list(session.scalars(select(OutboxItem).where(OutboxItem.status == "dead")))

    dead = fake_slack.wait_for(ended)
    assert dead[0].last_error == "invalid_blocks"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_deleted_kept_message_is_posted_again_on_its_next_update(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    with database.write() as session:
        outbox.keep_message(
            session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text="v1", blocks=[]
        )
    fake_slack.wait_for(lambda: fake_slack.posts("C_MKTO"))
    fake_slack.messages.clear()  # someone deleted it in Slack
    with database.write() as session:
        outbox.keep_message(
            session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text="v2", blocks=[]
        )
    reposted = fake_slack.wait_for(lambda: fake_slack.posts("C_MKTO"))
    assert reposted[0]["text"] == "v2"


def test_a_429_waits_for_retry_after_before_trying_again(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    fake_slack.fail("chat.postMessage", "429", times=1, retry_after=2)
    with database.write() as session:
        outbox.post(
            session, now=now() - timedelta(seconds=5), rollout_id=None, channel="C_MKTO", text="later"
        )
    fake_slack.wait_for(lambda: fake_slack.posts("C_MKTO"), timeout=15)
    first, second = fake_slack.calls_to("chat.postMessage")[:2]
    assert second.at - first.at >= 1.9


def test_a_post_whose_answer_was_lost_is_not_shown_twice(
    database: Database, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    # Slack applies the first attempt, then the connection drops before the answer arrives.
    fake_slack.fail("chat.postMessage", "drop_after", times=2)
    with database.write() as session:
        outbox.keep_message(
            session, now=now(), rollout_id=None, purpose="p", channel_id="C_MKTO", text="kept", blocks=[]
        )
        outbox.post(session, now=now(), rollout_id=None, channel="C_SFDC", text="one-off")

    def delivered() -> bool:
        with database.read() as session:
            return all(item.status == "done" for item in session.scalars(select(OutboxItem)))

    fake_slack.wait_for(delivered, timeout=15)
    assert [m["text"] for m in fake_slack.posts("C_MKTO")] == ["kept"]
    assert [m["text"] for m in fake_slack.posts("C_SFDC")] == ["one-off"]
    assert len(fake_slack.calls_to("conversations.history")) == 2
    with database.read() as session:
        kept = session.scalars(select(SlackMessage)).one()
    assert kept.ts == fake_slack.posts("C_MKTO")[0]["ts"]


class ChunkProducer:
    """A producer writing `chunks` pieces of 1 MiB, or refusing with `unavailable`; it keeps the files it
    was handed (to check they are closed) and the references it finished."""

    def __init__(self, chunks: int = 6, unavailable: str | None = None) -> None:
        self.chunks, self.unavailable = chunks, unavailable
        self.files: list[IO[bytes]] = []
        self.finished_references: list[dict[str, Any]] = []

    def write(self, reference: dict[str, Any], out: IO[bytes]) -> outbox.Produced:
        self.files.append(out)
        if self.unavailable is not None:
            raise outbox.Unavailable(self.unavailable)
        for number in range(self.chunks):
            out.write(bytes([65 + number]) * (1 << 20))
        return outbox.Produced(comment=f"{self.chunks} MiB for draft {reference['draft_id']}")

    def finished(self, session: Session, reference: dict[str, Any]) -> None:
        self.finished_references.append(reference)


def producing_worker(database: Database, fake_slack: FakeSlack, producer: ChunkProducer) -> OutboxWorker:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url, retry_handlers=[])
    running = OutboxWorker(
        database, client, clock=now, idle_wait=0.02, backoff_base=0.05, producers={"test": producer}
    )
    database.on_commit(running.wake, marked=outbox.QUEUED)
    return running


def queue_produced(database: Database) -> None:
    with database.write() as session:
        outbox.upload_produced(
            session,
            now=now(),
            rollout_id=None,
            user_id="U_MKTO",
            source="test",
            reference={"draft_id": 7},
            filename="big.csv",
            title="Big",
        )


def items(database: Database) -> list[OutboxItem]:
    with database.read() as session:
        return list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_a_produced_file_is_written_when_sent_streamed_at_its_exact_length_and_never_stored(
    database: Database, fake_slack: FakeSlack
) -> None:
    producer = ChunkProducer()
    running = producing_worker(database, fake_slack, producer)
    queue_produced(database)
    assert items(database)[0].payload == {
        "draft_id": 7,
        "source": "test",
        "filename": "big.csv",
        "title": "Big",
    }
    fake_slack.fail("files.completeUploadExternal", "500")  # the completion is retried with the same file
    running.start()
    try:
        (shared,) = fake_slack.wait_for(fake_slack.completed_uploads, timeout=15)
    finally:
        running.stop()
    expected = b"".join(bytes([65 + number]) * (1 << 20) for number in range(6))
    assert shared["content"] == expected and shared["channel"] == "D_MKTO"
    assert shared["initial_comment"] == "6 MiB for draft 7" and shared["title"] == "Big"
    assert [int(call.params["length"]) for call in fake_slack.calls_to("files.getUploadURLExternal")] == [
        len(expected)
    ]  # uploaded once: the retry completed the file already at Slack
    assert shared["upload_headers"]["content-length"] == str(len(expected))
    assert len(producer.files) == 1 and producer.files[0].closed  # the temporary file is gone
    (item,) = items(database)
    assert item.status == "done" and "content" not in item.payload
    assert producer.finished_references == [item.payload]


def test_a_file_that_cannot_be_produced_ends_with_a_private_message_instead(
    database: Database, fake_slack: FakeSlack
) -> None:
    producer = ChunkProducer(unavailable="That file is gone.")
    running = producing_worker(database, fake_slack, producer)
    queue_produced(database)
    running.start()
    try:
        fake_slack.wait_for(lambda: fake_slack.posts("D_MKTO"), timeout=15)
        fake_slack.wait_for(lambda: all(item.status != "pending" for item in items(database)))
    finally:
        running.stop()
    assert [m["text"] for m in fake_slack.posts("D_MKTO")] == ["That file is gone."]
    assert not fake_slack.calls_to("files.getUploadURLExternal") and not fake_slack.completed_uploads()
    upload, notice = items(database)
    assert (upload.status, upload.last_error) == ("dead", "unavailable") and notice.status == "done"
    assert producer.files[0].closed and producer.finished_references == [upload.payload]


def test_the_fake_slack_refuses_a_body_of_another_length_and_completing_a_file_never_uploaded(
    fake_slack: FakeSlack,
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url, retry_handlers=[])
    answer = client.files_getUploadURLExternal(filename="a.csv", length=10)
    refused = httpx.post(str(answer["upload_url"]), content=b"12345")
    assert refused.status_code == 400 and fake_slack.refused.pop()[1][0] == "length_mismatch"
    with pytest.raises(SlackApiError) as never_uploaded:
        client.files_completeUploadExternal(
            files=[{"id": answer["file_id"], "title": "a"}], channel_id="D_MKTO"
        )
    assert never_uploaded.value.response["error"] == "file_not_found"
    assert fake_slack.refused.pop()[0] == "files.completeUploadExternal"
    assert httpx.post(str(answer["upload_url"]), content=b"1234567890").status_code == 200
    client.files_completeUploadExternal(files=[{"id": answer["file_id"], "title": "a"}], channel_id="D_MKTO")
    assert [u["content"] for u in fake_slack.completed_uploads()] == [b"1234567890"]


def test_a_produced_file_whose_upload_failed_is_written_again_into_a_new_temporary_file(
    database: Database, fake_slack: FakeSlack
) -> None:
    producer = ChunkProducer(chunks=2)
    running = producing_worker(database, fake_slack, producer)
    fake_slack.fail("upload", "500")
    queue_produced(database)
    running.start()
    try:
        (shared,) = fake_slack.wait_for(fake_slack.completed_uploads, timeout=15)
    finally:
        running.stop()
    assert shared["content"] == b"A" * (1 << 20) + b"B" * (1 << 20)
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 2  # a fresh URL for the second try
    assert len(producer.files) == 2 and all(spool.closed for spool in producer.files)
    assert items(database)[0].status == "done"
