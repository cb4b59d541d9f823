"""The transactional outbox: Slack calls written with the state change that causes them, sent after commit.

Writers (`keep_message`, `post`, `respond`) only add rows inside the caller's transaction. The
`OutboxWorker` thread delivers them: it claims an item from the leased queue (bot/platform/leases.py, so
several processes can run workers on one PostgreSQL database, and a dead one's claims are taken over in
seconds), calls Slack outside any transaction, and records the outcome while its claim still holds.

- Messages the bot keeps up to date (step messages, approval requests) are `SlackMessage` rows holding the
  wanted content; a `sync` item brings Slack in line: chat.postMessage when there is no ts yet, chat.update
  afterwards. Items of one message are delivered in order, and several changes collapse into one update.
- 429 waits for Retry-After; 5xx, timeouts and dropped connections back off and retry, without end: a
  notification is never dropped for a transient fault. Errors that will not heal (`not_in_channel`,
  `is_archived`, `channel_not_found`) end the item, and the rollout owner is told once per channel.
- Roughly one message per second per channel, as Slack asks for chat.postMessage.
- A file too large to store (a CSV report of every unusable row of a 5 MB upload can exceed 100 MB) is
  queued as a reference (`upload_produced`): when it is sent, a `Producer` the domain registered under the
  reference's source writes it into a temporary file, which is streamed to Slack and deleted.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import IO, Any, Protocol

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from bot.platform import crashpoints, logs
from bot.platform.foreground import Foreground
from bot.platform.leases import LeasedQueue, Liveness
from bot.platform.people import reader_texts
from bot.platform.workers import PollingWorker
from bot.slack import formatting
from bot.slack.access import TOKEN_ERRORS, SlackAccess
from storage.db import Database, is_outage
from storage.models import OutboxItem, OutboxStatus, Rollout, SlackMessage

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

KIND_SYNC = "sync"
KIND_POST = "post"
KIND_RESPOND = "respond"
KIND_UPLOAD = "upload"
RESPONSE_TARGET = "response:"

CHANNEL_ERRORS = frozenset({"not_in_channel", "is_archived", "channel_not_found"})
# Errors after which the same call can only fail again: the item ends and is logged.
PERMANENT_ERRORS = CHANNEL_ERRORS | frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "cant_update_message",
        "edit_window_closed",
        "missing_scope",
        "restricted_action",
        "user_not_found",
        "cannot_dm_bot",
        "invalid_arguments",
    }
)
PACE = timedelta(seconds=1)
MAX_BACKOFF_SECONDS = 300


# ---------------------------------------------------------------- writers (inside the caller's transaction)


def keep_message(
    session: Session,
    *,
    now: datetime,
    rollout_id: int | None,
    purpose: str,
    channel_id: str,
    text: str,
    blocks: list[dict[str, Any]],
) -> SlackMessage:
    """Set the wanted content of a kept message and schedule Slack to catch up (post or update)."""
    message = session.scalars(
        select(SlackMessage).where(
            col(SlackMessage.purpose) == purpose, col(SlackMessage.channel_id) == channel_id
        )
    ).one_or_none()
    if message is None:
        message = SlackMessage(
            rollout_id=rollout_id,
            purpose=purpose,
            channel_id=channel_id,
            text=text,
            blocks=blocks,
            created_at=now,
        )
        session.add(message)
        session.flush()
    else:
        if message.text == text and message.blocks == blocks:
            return message
        message.text = text
        message.blocks = blocks
        message.version += 1
    _schedule_sync(session, message=message, now=now)
    return message


# Marks a transaction that queued something for Slack: the worker is woken after it commits.
QUEUED = "msi_outbox_queued"


def _queue(session: Session, item: OutboxItem) -> None:
    Database.mark(session, QUEUED)
    session.add(item)


def _schedule_sync(session: Session, *, message: SlackMessage, now: datetime) -> None:
    Database.mark(session, QUEUED)  # a sync already waiting reads the new content: wake the worker for it too
    waiting = session.scalars(
        select(col(OutboxItem.id)).where(
            col(OutboxItem.message_id) == message.id,
            col(OutboxItem.kind) == KIND_SYNC,
            col(OutboxItem.status) == OutboxStatus.PENDING,
            col(OutboxItem.claimed_by).is_(None),
        )
    ).first()
    if waiting is not None:
        return  # an unclaimed sync will read the newest content when it runs
    _queue(
        session,
        OutboxItem(
            rollout_id=message.rollout_id,
            kind=KIND_SYNC,
            target=message.channel_id,
            message_id=message.id,
            payload={},
            not_before=now,
            created_at=now,
        ),
    )


def post(
    session: Session,
    *,
    now: datetime,
    rollout_id: int | None,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_of: SlackMessage | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboxItem | None:
    """A one-off message: to a channel, to a user id (a direct message), or in the thread of a kept message.

    With `dedupe_key`, a notice already written with the same key is not written again (returns None).
    With `not_before`, it is held until then (a direct message waiting for its reader's working hours).
    """
    if dedupe_key is not None:
        existing = session.scalars(
            select(col(OutboxItem.id)).where(col(OutboxItem.dedupe_key) == dedupe_key)
        ).first()
        if existing is not None:
            return None
    payload: dict[str, Any] = {"channel": channel, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    item = OutboxItem(
        rollout_id=rollout_id,
        kind=KIND_POST,
        target=thread_of.channel_id if thread_of is not None else channel,
        message_id=thread_of.id if thread_of is not None else None,
        payload=payload,
        dedupe_key=dedupe_key,
        not_before=max(now, not_before) if not_before is not None else now,
        created_at=now,
    )
    if dedupe_key is None:
        _queue(session, item)
        return item
    try:
        with session.begin_nested():
            _queue(session, item)
    except IntegrityError:
        return None  # another transaction wrote the same notice first
    return item


def respond(
    session: Session, *, now: datetime, response_url: str, text: str, rollout_id: int | None = None
) -> None:
    """A private answer to a click through its response_url (ephemeral, never replacing the original)."""
    _queue(
        session,
        OutboxItem(
            rollout_id=rollout_id,
            kind=KIND_RESPOND,
            # Each response_url is its own target: answers to different clicks go out in the same pass.
            target=RESPONSE_TARGET + hashlib.sha256(response_url.encode()).hexdigest()[:32],
            payload={"url": response_url, "text": text},
            not_before=now,
            created_at=now,
        ),
    )


def upload(
    session: Session,
    *,
    now: datetime,
    rollout_id: int | None,
    user_id: str | None,
    filename: str,
    title: str,
    content: str,
    comment: str,
    thread_of: SlackMessage | None = None,
) -> None:
    """A file (files_upload_v2): for one person in their direct message with the bot, or in a kept
    message's thread."""
    if (user_id is None) == (thread_of is None):
        raise ValueError("an upload goes either to a user or into a thread")
    _queue(
        session,
        OutboxItem(
            rollout_id=rollout_id,
            kind=KIND_UPLOAD,
            target=thread_of.channel_id if thread_of is not None else str(user_id),
            message_id=thread_of.id if thread_of is not None else None,
            payload={"filename": filename, "title": title, "content": content, "comment": comment},
            not_before=now,
            created_at=now,
        ),
    )


def upload_produced(
    session: Session,
    *,
    now: datetime,
    rollout_id: int | None,
    user_id: str,
    source: str,
    reference: dict[str, Any],
    filename: str,
    title: str,
) -> None:
    """A file for one person in their direct message with the bot, written only when it is sent: the
    producer registered under `source` writes it from `reference` (small, JSON), so neither the database
    nor memory ever holds the whole file. Its comment comes from the producer, which knows what it wrote."""
    _queue(
        session,
        OutboxItem(
            rollout_id=rollout_id,
            kind=KIND_UPLOAD,
            target=user_id,
            payload={**reference, "source": source, "filename": filename, "title": title},
            not_before=now,
            created_at=now,
        ),
    )


def pending_produced(session: Session, *, user_id: str, source: str) -> list[dict[str, Any]]:
    """The references of the files from `source` still waiting to be sent to `user_id`."""
    payloads = session.scalars(
        select(col(OutboxItem.payload)).where(
            _pending(), col(OutboxItem.kind) == KIND_UPLOAD, col(OutboxItem.target) == user_id
        )
    ).all()
    return [payload for payload in payloads if payload.get("source") == source]


@dataclass(frozen=True)
class Produced:
    """What a producer wrote: the comment the file is shared with."""

    comment: str


class Unavailable(Exception):
    """The producer cannot write the file (its source is gone, or there is nothing to report): the item
    ends and `text`, in the reader's language, is sent to them instead, by direct message."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Producer(Protocol):
    def write(self, reference: dict[str, Any], out: IO[bytes]) -> Produced:
        """Write the file into `out` (raises Unavailable when it cannot be written)."""

    def finished(self, session: Session, reference: dict[str, Any]) -> None:
        """Called in the transaction that ends the item, sent or not: what the source kept for it may go."""


def due_backlog(session: Session, *, now: datetime) -> tuple[int, datetime | None]:
    """How many notifications are due and undelivered, and since when the oldest has been due."""
    count, oldest = session.execute(
        select(func.count(), func.min(col(OutboxItem.not_before))).where(
            _pending(), col(OutboxItem.not_before) <= now
        )
    ).one()
    return int(count), oldest


def _pending() -> ColumnElement[bool]:
    return col(OutboxItem.status) == OutboxStatus.PENDING


def _marker(reference: str) -> dict[str, Any]:
    """Message metadata naming the outbox entry, so a retry can tell whether an earlier attempt landed."""
    return {"event_type": "msi_bot_post", "event_payload": {"ref": reference}}


# ---------------------------------------------------------------- delivery


@dataclass
class Outcome:
    """What one delivery attempt came to."""

    done: bool = False
    retry_after: float | None = None
    permanent_error: str | None = None
    ts: str | None = None
    channel: str | None = None
    reason: str | None = None
    # Sent instead of a produced file that could not be written (Unavailable).
    notice: str | None = None


class OutboxWorker(PollingWorker):
    """Delivers outbox items in a background thread; `run_once` is the unit tests and benchmarks drive."""

    def __init__(
        self,
        database: Database,
        client: WebClient,
        *,
        clock: Clock,
        http: httpx.Client | None = None,
        batch_size: int = 50,
        idle_wait: float = 0.5,
        backoff_base: float = 1.0,
        pace: timedelta = PACE,
        liveness: Liveness | None = None,
        foreground: Foreground | None = None,
        access: SlackAccess | None = None,
        producers: Mapping[str, Producer] | None = None,
    ):
        super().__init__("outbox-worker", idle_wait=idle_wait, outage=database.outage)
        self.database = database
        self.foreground = foreground
        self.client = client
        self.access = access
        self.clock = clock
        self.http = http or httpx.Client(timeout=10.0, follow_redirects=False)
        self.batch_size = batch_size
        self.backoff_base = backoff_base
        self.pace = pace
        # The domains' producers of files written only when sent (upload_produced), by source name.
        self.producers: Mapping[str, Producer] = producers or {}
        # Retried without end: the back-off comes with each outcome (Retry-After, or `_backoff`).
        self.queue = LeasedQueue(
            database, liveness or Liveness(database), OutboxItem, ready=_pending, max_attempts=None
        )
        self._last_post: dict[str, datetime] = {}
        self._paused_until: dict[str, datetime] = {}

    # -- one pass

    def run_once(self) -> int:
        """Deliver what is due now; returns how many items were attempted."""
        if self.access is not None and self.access.refused is not None:
            return 0  # Slack refuses the token: every item stays in the database for a restart
        if self.foreground is not None:
            # Woken by the commit of a request that queued a message: the look for due items waits for
            # that request (and any burst it belongs to) to be answered, as each claim does below. (Not
            # the write recording a delivery: a crash between Slack's answer and it would send again.)
            self.foreground.yield_to_requests()
        holder = self.queue.liveness.holder()
        rows = self.queue.due(
            now=self.clock(), limit=self.batch_size, columns=[col(OutboxItem.id), col(OutboxItem.target)]
        )
        attempted = 0
        targets_this_pass: set[str] = set()
        for item_id, target in rows:
            if self._stop.is_set():
                break
            if target in targets_this_pass or not self._channel_ready(target, self.clock()):
                continue  # keep per-channel order and pace; the next pass picks it up
            targets_this_pass.add(target)
            if self.foreground is not None:
                self.foreground.yield_to_requests()  # acknowledgements have a deadline; this has none
            if item_id is not None and self._deliver(item_id, holder):
                attempted += 1
        return attempted

    def _channel_ready(self, target: str, now: datetime) -> bool:
        if target.startswith(RESPONSE_TARGET):
            return True
        paused = self._paused_until.get(target)
        if paused is not None and paused > now:
            return False
        last = self._last_post.get(target)
        return last is None or now - last >= self.pace

    def _claim(self, item_id: int, holder: int) -> OutboxItem | None:
        earlier = aliased(OutboxItem)
        with self.database.write() as session:
            claimed = self.queue.claim(
                session,
                item_id,
                holder=holder,
                # Only a message's syncs are ordered (its post before its updates); a reply or a file in its
                # thread never holds them up.
                also=~exists().where(
                    and_(
                        col(earlier.message_id) == col(OutboxItem.message_id),
                        col(earlier.kind) == KIND_SYNC,
                        col(earlier.status) == OutboxStatus.PENDING,
                        col(earlier.id) < col(OutboxItem.id),
                    )
                ),
            )
            if not claimed:
                return None
            item = session.get(OutboxItem, item_id)
            if item is None:
                return None
            session.expunge(item)
            if item.message_id is not None:
                message = session.get(SlackMessage, item.message_id)
                if message is not None:
                    session.expunge(message)
                    item._message = message
            return item

    def _deliver(self, item_id: int, holder: int) -> bool:
        item = self._claim(item_id, holder)
        if item is None:
            return False
        crashpoints.reach("outbox_claimed")
        if not self.queue.liveness.holds(holder):
            return False  # this process may have been declared dead meanwhile: Slack is not called twice
        message: SlackMessage | None = getattr(item, "_message", None)
        with logs.context(kind="outbox", rollout=item.rollout_id):
            return self._deliver_claimed(item_id, item, message, holder)

    def _deliver_claimed(
        self, item_id: int, item: OutboxItem, message: SlackMessage | None, holder: int
    ) -> bool:
        try:
            try:
                outcome = self._call(item, message)
                if outcome.done:
                    crashpoints.reach("outbox_delivered")
            except Exception as error:
                if is_outage(error):
                    raise
                # A bug or an unforeseen error: keep the item and back off rather than lose it.
                logger.exception("outbox item %s (%s) failed unexpectedly", item.id, item.kind)
                outcome = Outcome(retry_after=self._backoff(item.attempts), reason="unexpected")
            self._record(item, message, outcome, holder)
        except Exception:
            # The database went away: the worker's loop waits the outage out, and the item is retried.
            self.queue.abandon(item_id)
            raise
        return True

    def _call(self, item: OutboxItem, message: SlackMessage | None) -> Outcome:
        if item.kind == KIND_RESPOND:
            return self._respond(item)
        try:
            if item.kind == KIND_SYNC:
                if message is None or message.gone:
                    return Outcome(done=True)
                if message.posted_version >= message.version and message.ts is not None:
                    return Outcome(done=True)
                if message.ts is None:
                    reference = f"m{message.id}"
                    if item.attempts > 1:
                        found = self._already_posted(message.channel_id, reference, thread_ts=None)
                        if found is not None:
                            # The earlier attempt landed, perhaps with older content: bring it up to date.
                            self.client.chat_update(
                                channel=found[0], ts=found[1], text=message.text, blocks=message.blocks
                            )
                            return Outcome(done=True, ts=found[1], channel=found[0])
                    response = self.client.chat_postMessage(
                        channel=message.channel_id,
                        text=message.text,
                        blocks=message.blocks,
                        unfurl_links=False,
                        metadata=_marker(reference),
                    )
                else:
                    response = self.client.chat_update(
                        channel=message.posted_channel or message.channel_id,
                        ts=message.ts,
                        text=message.text,
                        blocks=message.blocks,
                    )
                self._last_post[item.target] = self.clock()
                return Outcome(done=True, ts=response.get("ts"), channel=response.get("channel"))
            if item.kind == KIND_POST:
                arguments = dict(item.payload)
                if message is not None:
                    if message.ts is None:
                        return Outcome(retry_after=2.0)  # the parent is not posted yet
                    arguments["channel"] = message.posted_channel or message.channel_id
                    arguments["thread_ts"] = message.ts
                reference = f"o{item.id}"
                if item.attempts > 1 and self._already_posted(
                    str(arguments["channel"]), reference, thread_ts=arguments.get("thread_ts")
                ):
                    return Outcome(done=True)
                response = self.client.chat_postMessage(
                    **arguments, unfurl_links=False, metadata=_marker(reference)
                )
                self._last_post[item.target] = self.clock()
                return Outcome(done=True)
            if item.kind == KIND_UPLOAD:
                return self._upload(item, message)
            logger.error("outbox item %s has unknown kind %r; dropping it", item.id, item.kind)
            return Outcome(permanent_error="unknown_kind")
        except SlackApiError as error:
            return self._classify(item, error)
        except (OSError, HTTPException, ValueError) as error:
            reason = type(error).__name__
            logger.warning("Slack unreachable for outbox item %s (%s): %s", item.id, item.kind, reason)
            return Outcome(retry_after=self._backoff(item.attempts), reason=reason)

    def _upload(self, item: OutboxItem, message: SlackMessage | None) -> Outcome:
        """files_upload_v2's three calls, made one by one so a retry never shares a file twice.

        The file id Slack hands out is stored on the item before the upload is completed. A retry that
        finds one asks files.info where that file is shared: already in the target conversation means an
        earlier completion landed although its answer was lost; otherwise it completes the same file.

        A produced file (upload_produced) is written by its producer into a temporary file first; Slack is
        asked for an upload URL of that file's exact size, and the file is streamed there. Its comment is
        stored with the file id, so completing it after a retry needs neither the file nor the producer.
        """
        thread_ts: str | None = None
        if message is not None:
            if message.ts is None:
                return Outcome(retry_after=2.0, reason="parent not posted")
            channel, thread_ts = message.posted_channel or message.channel_id, message.ts
        else:
            channel = self.client.conversations_open(users=item.target)["channel"]["id"]
        file_id = item.payload.get("file_id")
        if file_id is not None:
            shared = self._file_shared(str(file_id), channel, thread_ts)
            if shared is True:
                return Outcome(done=True)
            if shared is None:
                file_id = None  # the earlier upload expired or never arrived: start again
        if file_id is None:
            source = item.payload.get("source")
            comment: str | None = None
            if source is None:
                data = str(item.payload["content"]).encode("utf-8")
                sent = self._put(item, data, len(data))
            else:
                producer = self.producers.get(str(source))
                if producer is None:
                    logger.error("outbox item %s names no known producer %r; dropping it", item.id, source)
                    return Outcome(permanent_error="unknown_source")
                # Written to disk, never to memory, and gone when closed (on Linux it has no name at all),
                # whatever happens in between; a retry writes it again.
                with tempfile.TemporaryFile() as spool:
                    try:
                        produced = producer.write(dict(item.payload), spool)
                    except Unavailable as unavailable:
                        return Outcome(notice=unavailable.text, reason="unavailable")
                    spool.flush()
                    length = spool.tell()
                    spool.seek(0)
                    sent = self._put(item, spool, length)
                comment = produced.comment
            if isinstance(sent, Outcome):
                return sent
            file_id = sent
            self._remember_file(item, file_id, comment=comment)
            crashpoints.reach("outbox_file_uploaded")
        try:
            self.client.files_completeUploadExternal(
                files=[{"id": file_id, "title": item.payload["title"]}],
                channel_id=channel,
                initial_comment=str(item.payload["comment"]),
                thread_ts=thread_ts,
            )
        except SlackApiError as error:
            outcome = self._classify(item, error)
            if outcome.permanent_error is None or outcome.permanent_error in CHANNEL_ERRORS:
                return outcome
            # Refused for good: perhaps an earlier completion of this file landed after all, or Slack
            # no longer knows the file (then it is uploaded afresh).
            shared = self._file_shared(file_id, channel, thread_ts)
            if shared is True:
                return Outcome(done=True)
            if shared is None:
                self._remember_file(item, None)
                return Outcome(retry_after=self._backoff(item.attempts), reason="upload expired")
            return outcome
        self._last_post[item.target] = self.clock()
        return Outcome(done=True)

    def _put(self, item: OutboxItem, body: bytes | IO[bytes], length: int) -> str | Outcome:
        """Send a file's `length` bytes to a fresh upload URL; returns its file id, or the Outcome of a
        failure. A file object is streamed in chunks, with its length as Content-Length."""
        answer = self.client.files_getUploadURLExternal(filename=item.payload["filename"], length=length)
        file_id = str(answer["file_id"])
        try:
            # The upload URL needs no token; the bot token never goes there.
            sent = self.http.post(
                str(answer["upload_url"]), content=body, headers={"Content-Length": str(length)}
            )
        except httpx.HTTPError as error:
            reason = type(error).__name__
            logger.warning("file upload for outbox item %s failed: %s", item.id, reason)
            return Outcome(retry_after=self._backoff(item.attempts), reason=reason)
        if sent.status_code != 200:
            logger.warning("file upload for outbox item %s answered HTTP %s", item.id, sent.status_code)
            return Outcome(retry_after=self._backoff(item.attempts), reason=f"upload_{sent.status_code}")
        return file_id

    def _file_shared(self, file_id: str, channel: str, thread_ts: str | None) -> bool | None:
        """Whether the bot's upload `file_id` is shared in `channel` (in `thread_ts`'s thread when given):
        True, False (uploaded but not shared there), or None (Slack does not know the file)."""
        try:
            info = self.client.files_info(file=file_id)
        except SlackApiError as error:
            if error.response.get("error") in ("file_not_found", "file_deleted"):
                return None
            raise
        shares = (info.get("file") or {}).get("shares") or {}
        for by_channel in shares.values():
            for share in (by_channel or {}).get(channel) or []:
                if thread_ts is None or share.get("thread_ts") == thread_ts:
                    return True
        return False

    def _remember_file(self, item: OutboxItem, file_id: str | None, *, comment: str | None = None) -> None:
        """Store the uploaded file's id on the item (None: forget it), and a produced file's comment, which
        the completion needs again after a retry."""
        payload = {key: value for key, value in item.payload.items() if key != "file_id"}
        if file_id is not None:
            payload["file_id"] = file_id
        if comment is not None:
            payload["comment"] = comment
        item.payload = payload
        with self.database.write() as session:
            session.execute(
                update(OutboxItem)
                .where(self.queue.held(item.id or 0))
                .values(payload=item.payload)
                .execution_options(synchronize_session=False)
            )

    def _already_posted(
        self, channel: str, reference: str, *, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """After an attempt whose answer was lost, find the message it may have posted (by its metadata
        marker) so it is not shown twice. Returns (channel, ts) when found."""
        try:
            if channel.startswith(("U", "W")):
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            if thread_ts:
                page = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, include_all_metadata=True
                )
            else:
                page = self.client.conversations_history(
                    channel=channel, limit=100, include_all_metadata=True
                )
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429 or status >= 500 or error.response.get("error") == "ratelimited":
                raise  # a passing fault: try the whole delivery again later, still without posting
            # Without history access the safe side is to post: a duplicate is better than a lost message.
            logger.info("could not look for an earlier post in %s: %s", channel, error.response.get("error"))
            return None
        for posted in page.get("messages") or []:
            payload = (posted.get("metadata") or {}).get("event_payload") or {}
            if payload.get("ref") == reference:
                return channel, str(posted.get("ts"))
        return None

    def _classify(self, item: OutboxItem, error: SlackApiError) -> Outcome:
        status = error.response.status_code
        code = str(error.response.get("error", "")) if isinstance(error.response.data, dict) else ""
        if status == 429 or code == "ratelimited":
            header = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
            try:
                wait = max(float(header), 1.0) if header else 1.0
            except (TypeError, ValueError):
                wait = 1.0
            self._paused_until[item.target] = self.clock() + timedelta(seconds=wait)
            logger.info("Slack asked to slow down on %s: waiting %.0fs", item.target, wait)
            return Outcome(retry_after=wait, reason="ratelimited")
        if status >= 500 or status == 408 or code in ("internal_error", "fatal_error", "service_unavailable"):
            logger.warning("Slack failed with HTTP %s for outbox item %s; will retry", status, item.id)
            return Outcome(retry_after=self._backoff(item.attempts), reason=f"http_{status}")
        if code in TOKEN_ERRORS:
            # Not the item's fault: it waits, undelivered, until a process with a working token takes it.
            # This process stops delivering (SlackAccess), so the short wait costs no calls, and a restart
            # with a working token delivers at once.
            return Outcome(retry_after=1.0, reason=code)
        if code == "message_not_found" and item.kind == KIND_SYNC:
            return Outcome(permanent_error="message_not_found")
        if code in PERMANENT_ERRORS or 400 <= status < 500:
            return Outcome(permanent_error=code or f"http_{status}")
        logger.warning("Slack error %r for outbox item %s; will retry", code, item.id)
        return Outcome(retry_after=self._backoff(item.attempts), reason=code or f"http_{status}")

    def _respond(self, item: OutboxItem) -> Outcome:
        body = {"response_type": "ephemeral", "replace_original": False, "text": item.payload["text"]}
        try:
            answer = self.http.post(item.payload["url"], json=body)
        except httpx.HTTPError as error:
            logger.warning("response_url unreachable for outbox item %s: %s", item.id, type(error).__name__)
            return Outcome(retry_after=self._backoff(item.attempts))
        if answer.status_code == 429:
            return Outcome(retry_after=float(answer.headers.get("Retry-After", "1") or 1))
        if answer.status_code >= 500:
            return Outcome(retry_after=self._backoff(item.attempts))
        if answer.status_code >= 400:
            # Expired (30 minutes) or used up (5 uses): nothing else can carry this private answer.
            return Outcome(permanent_error=f"response_url_{answer.status_code}")
        return Outcome(done=True)

    def _backoff(self, attempts: int) -> float:
        base = min(self.backoff_base * 2 ** min(max(attempts - 1, 0), 10), MAX_BACKOFF_SECONDS)
        return base * (0.75 + random.random() / 2)  # noqa: S311 - jitter, not cryptography

    def _record(self, item: OutboxItem, message: SlackMessage | None, outcome: Outcome, holder: int) -> None:
        now = self.clock()
        with self.database.write() as session:
            stored = session.get(OutboxItem, item.id)
            if stored is None or stored.claimed_by != holder:
                return  # taken over by another process (this one was thought dead): its attempt records
            stored.claimed_by = None
            if outcome.done:
                stored.status = OutboxStatus.DONE
                stored.delivered_at = now
                stored.last_error = None
                if item.kind == KIND_SYNC and message is not None:
                    self._record_sync(session, message=message, outcome=outcome, now=now)
                self._finished(session, item)
                return
            if outcome.notice is not None:
                # The file could not be written: its reader is told why, privately, and the item ends.
                stored.status = OutboxStatus.DEAD
                stored.last_error = outcome.reason or "unavailable"
                logger.info("outbox item %s (%s to %s) could not be written", item.id, item.kind, item.target)
                post(session, now=now, rollout_id=item.rollout_id, channel=item.target, text=outcome.notice)
                self._finished(session, item)
                return
            if outcome.permanent_error is not None:
                if outcome.permanent_error == "message_not_found" and message is not None:
                    # Someone deleted the message: post it again rather than leave the step invisible.
                    kept = session.get(SlackMessage, message.id)
                    if kept is not None:
                        kept.ts = None
                        kept.posted_version = 0
                        kept.posted_channel = None
                    stored.not_before = now
                    return
                stored.status = OutboxStatus.DEAD
                stored.last_error = outcome.permanent_error
                logger.error(
                    "outbox item %s (%s to %s) ended: Slack said %s",
                    item.id,
                    item.kind,
                    item.target,
                    outcome.permanent_error,
                )
                if outcome.permanent_error in CHANNEL_ERRORS:
                    self._tell_owner(session, item=item, error=outcome.permanent_error, now=now)
                self._finished(session, item)
                return
            stored.not_before = now + timedelta(seconds=outcome.retry_after or 1.0)
            stored.last_error = (outcome.reason or "retry")[:500]

    def _finished(self, session: Session, item: OutboxItem) -> None:
        source = item.payload.get("source") if item.kind == KIND_UPLOAD else None
        producer = self.producers.get(str(source)) if source is not None else None
        if producer is not None:
            producer.finished(session, dict(item.payload))

    @staticmethod
    def _record_sync(session: Session, *, message: SlackMessage, outcome: Outcome, now: datetime) -> None:
        kept = session.get(SlackMessage, message.id)
        if kept is None:
            return
        if outcome.ts and kept.ts is None:
            kept.ts = outcome.ts
            kept.posted_channel = outcome.channel or kept.channel_id
        kept.posted_version = max(kept.posted_version, message.version)
        if kept.version > kept.posted_version:
            _schedule_sync(session, message=kept, now=now)

    @staticmethod
    def _tell_owner(session: Session, *, item: OutboxItem, error: str, now: datetime) -> None:
        if item.rollout_id is None or item.target.startswith(("U", "W")):
            return  # a failed direct message cannot be reported by another direct message
        rollout = session.get(Rollout, item.rollout_id)
        if rollout is None:
            return
        post(
            session,
            now=now,
            rollout_id=rollout.id,
            channel=rollout.owner_id,
            text=reader_texts(session, rollout.owner_id, fallback=rollout.language).text(
                f"delivery.{error}",
                channel=formatting.channel(item.target),
                rollout=formatting.escape(rollout.name),
            ),
            dedupe_key=f"delivery:{rollout.id}:{item.target}:{error}",
        )
