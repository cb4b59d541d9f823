"""CSV files uploaded in a rollout's channel or a direct message, turned into invitation batches.

The Events API listener only records the upload (de-duplicated by event id and by file id, with unique
keys, so Slack's two events per upload, its retries, restarts and several processes yield one draft) and
acks. The `ImportWorker` thread then claims the draft from the leased queue (bot/platform/leases.py),
fetches `files.info`, downloads, parses and sends the uploader one preview by direct message; a crash in
between leaves the draft pending, and a process that is alive takes it over within seconds.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import IO, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.invitations.service import (
    CATEGORIES,
    CHUNK_ROWS,
    Addressee,
    InvitationService,
    Summary,
    Unusable,
    reason_text,
    summary_lines,
    summary_parts,
)
from bot.platform import crashpoints, outbox
from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.csv_safety import neutralise
from bot.platform.foreground import Foreground
from bot.platform.leases import LeasedQueue, Liveness
from bot.platform.metrics import Metrics
from bot.platform.people import reader_texts, rollout_language
from bot.platform.workers import PollingWorker
from bot.slack import formatting
from bot.slack.files import DownloadError, FileFetcher
from bot.texts import Texts, known_language
from bot.uploads import blocks, parsing
from bot.uploads.parsing import CsvProblem, DataRow, Extraction, FlaggedCell, ParsedCsv, RowProblem
from storage import queries
from storage.db import Database, affected_rows, is_outage
from storage.models import (
    CsvDraft,
    DraftStatus,
    InvitationBatch,
    Invitee,
    ProcessedEvent,
    Rollout,
    RolloutStatus,
)

logger = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=24)
# A download that failed for a passing reason is tried again (after 10 s, 20 s, 40 s…) up to this many times.
MAX_ATTEMPTS = 5
CSV_MIMETYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values"})
# Rows shown per category of problem in the preview (all of them are in the report).
PREVIEW_ITEMS = 5


def looks_like_csv(name: str | None, mimetype: str | None, filetype: str | None = None) -> bool:
    if name and name.lower().endswith(".csv"):
        return True
    if filetype and filetype.lower() == "csv":
        return True
    return (mimetype or "").lower().split(";")[0].strip() in CSV_MIMETYPES


def draft_purpose(draft: CsvDraft) -> str:
    return f"draft:{draft.id}"


@dataclass(frozen=True)
class Upload:
    event_id: str
    file_id: str
    user_id: str
    channel_id: str
    file_name: str | None = None


# The longest one pause for requests lasts; under a flood of requests a file's reading goes on regardless.
PAUSE_MAX_WAIT = 0.05


class UploadService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        invitations: InvitationService,
        client: WebClient,
        fetcher: FileFetcher,
        *,
        foreground: Foreground | None = None,
        liveness: Liveness | None = None,
        metrics: Metrics | None = None,
    ):
        self.database = database
        self.clock = clock
        self.metrics = metrics
        self.queue = LeasedQueue(
            database,
            liveness or Liveness(database),
            CsvDraft,
            ready=_pending,
            backoff=lambda attempts: timedelta(seconds=min(5 * 2**attempts, 300)),
            max_attempts=MAX_ATTEMPTS,
        )
        self.invitations = invitations
        self.client = client
        self.fetcher = fetcher
        self.foreground = foreground
        self._bot_user_id: str | None = None

    # ---------------------------------------------------------------- from the event listener, before the ack

    def record(self, upload: Upload) -> bool:
        """Remember an upload once; False when this event or file was seen before, or is not ours to read."""
        now = self.clock()
        try:
            with self.database.write() as session:
                if upload.event_id:
                    if session.get(ProcessedEvent, upload.event_id) is not None:
                        return False
                    session.add(ProcessedEvent(event_id=upload.event_id, received_at=now))
                if session.scalars(
                    select(col(CsvDraft.id)).where(col(CsvDraft.file_id) == upload.file_id)
                ).first():
                    return False
                if not upload.channel_id.startswith("D") and not queries.rollouts_using_channel(
                    session, channel_id=upload.channel_id
                ):
                    return False  # a file in a channel no rollout uses is none of our business
                session.add(
                    CsvDraft(
                        file_id=upload.file_id,
                        uploader=upload.user_id,
                        channel_id=upload.channel_id,
                        file_name=upload.file_name,
                        not_before=now,
                        created_at=now,
                        expires_at=now + DRAFT_LIFETIME,
                    )
                )
        except IntegrityError:
            return False  # the other event of the same upload, in another thread or process, was first
        return True

    # ---------------------------------------------------------------- the import worker's unit of work

    def claim_next(self) -> int | None:
        holder = self.queue.liveness.holder()
        for (draft_id,) in self.queue.due(now=self.clock(), limit=5):
            with self.database.write() as session:
                if self.queue.claim(session, draft_id, holder=holder):
                    return int(draft_id)
        return None

    def process(self, draft_id: int) -> None:
        """Fetch (unless stored), read and preview one draft this process has claimed; network calls run
        outside transactions, and every write checks the claim still holds."""
        with self.database.read() as session:
            draft = session.get(CsvDraft, draft_id)
            if draft is None or draft.claimed_by is None:
                return
            holder = draft.claimed_by
            has_content = draft.content is not None
            attempts = draft.attempts
            file_id, file_name = draft.file_id, draft.file_name
        if not self.queue.liveness.holds(holder):
            return  # not ours, or this process may have been declared dead: left to whoever takes it
        if not has_content:
            try:
                content, file_name = self._fetch(draft_id, file_id, file_name)
            except _Refused as refused:
                # Checked between files.info and the download: a file from someone who may not request
                # invitations is neither downloaded nor read (reading a crafted 5 MB file costs real memory).
                self._fail(draft_id, holder, refused.key, refused.file_name, rollout=refused.rollout)
                return
            except _Ignore:
                self._finish(draft_id, holder, status=DraftStatus.IGNORED)
                return
            except DownloadError as error:
                if error.transient and not self.queue.exhausted(attempts):
                    with self.database.write() as session:
                        self.queue.retry_later(session, draft_id, now=self.clock(), attempts=attempts)
                    return
                self._fail(draft_id, holder, error.key, file_name, **error.params)
                return
            with self.database.write() as session:
                stored = self._held(session, draft_id, holder)
                if stored is None:
                    return
                stored.content = content
                stored.file_name = file_name
            crashpoints.reach("csv_downloaded")
        self._read_and_preview(draft_id, holder)

    def _held(self, session: Session, draft_id: int, holder: int) -> CsvDraft | None:
        """The draft, if `holder` still has it claimed (else another process took it over)."""
        return session.scalars(select(CsvDraft).where(self.queue.held(draft_id, holder))).one_or_none()

    def _fetch(self, draft_id: int, file_id: str, file_name: str | None) -> tuple[bytes, str | None]:
        try:
            info = self.client.files_info(file=file_id)["file"]
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            transient = error.response.status_code == 429 or error.response.status_code >= 500
            logger.info("files.info failed for an upload: %s", code or error.response.status_code)
            raise DownloadError("csv.download_failed", transient=transient) from None
        except (OSError, HTTPException, ValueError):
            raise DownloadError("csv.download_failed", transient=True) from None
        name = info.get("name") or info.get("title") or file_name
        if info.get("is_external") or not looks_like_csv(name, info.get("mimetype"), info.get("filetype")):
            raise _Ignore
        if info.get("bot_id") or (info.get("user") and info.get("user") == self._bot_user()):
            raise _Ignore
        refusal = self._refusal(draft_id)
        if refusal is not None:
            raise _Refused(refusal[0], refusal[1], name)
        size = info.get("size")
        if isinstance(size, int) and size > parsing.MAX_BYTES:
            raise DownloadError("csv.too_large")
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            raise DownloadError("csv.download_failed")
        return self.fetcher.download(str(url)), name

    def _refusal(self, draft_id: int) -> tuple[str, str] | None:
        """The refusal (catalog key, rollout name) if the uploader may request invitations in no rollout the
        file can be for; the same verdict _choose_rollout gives after reading, so the reply is unchanged."""
        with self.database.read() as session:
            draft = session.get(CsvDraft, draft_id)
            if draft is None:
                return None
            candidates, allowed = self._rollouts_for(session, draft)
        if not candidates:
            return ("csv.no_active_rollout", "")
        if not allowed:
            return ("csv.denied", candidates[0].name)
        return None

    def _bot_user(self) -> str | None:
        if self._bot_user_id is None:
            try:
                self._bot_user_id = str(self.client.auth_test().get("user_id") or "")
            except (SlackApiError, OSError, HTTPException, ValueError):
                return None
        return self._bot_user_id or None

    def _finish(self, draft_id: int, holder: int, *, status: str) -> None:
        with self.database.write() as session:
            draft = self._held(session, draft_id, holder)
            if draft is not None:
                draft.status = status
                draft.claimed_by = None
                draft.content = None

    def _fail(self, draft_id: int, holder: int, key: str, file_name: str | None, **params: object) -> None:
        """One clear reply, and nothing else, for a file that cannot be used."""
        now = self.clock()
        with self.database.write() as session:
            draft = self._held(session, draft_id, holder)
            if draft is None:
                return
            draft.status = DraftStatus.FAILED
            draft.error_key = key
            draft.claimed_by = None
            draft.content = None
            shown = formatting.escape(file_name or draft.file_name or "your file")
            escaped = {name: formatting.escape(str(value)) for name, value in params.items()}
            texts = reader_texts(
                session, draft.uploader, fallback=rollout_language(session, draft.rollout_id)
            )
            outbox.post(
                session,
                now=now,
                rollout_id=draft.rollout_id,
                channel=draft.uploader,
                text=texts.text(key, file=shown, **escaped),
                dedupe_key=f"draft_problem:{draft.id}",
            )

    # ---------------------------------------------------------------- reading and previewing

    def _pause(self) -> None:
        """Called every thousand rows while a file is read: requests in flight (acknowledgements, due within
        3 seconds) finish first. Without it, acks during an import waited for the import's GIL time slices."""
        crashpoints.reach("csv_reading")
        if self.foreground is not None:
            self.foreground.yield_to_requests(max_wait=PAUSE_MAX_WAIT, quiet=0.0)

    def _count_import(self, outcome: str, *, rows: int = 0) -> None:
        if self.metrics is not None:
            self.metrics.csv_imports.labels(outcome).inc()
            self.metrics.csv_rows.inc(rows)

    def _read_and_preview(self, draft_id: int, holder: int) -> None:
        now = self.clock()
        with self.database.read() as session:
            draft = session.get(CsvDraft, draft_id)
            if draft is None or draft.content is None:
                return
            content, file_name = draft.content, draft.file_name
            known_mapping = _mapping(draft) if draft.headers else None
        try:
            # The slow parts (decoding, parsing, checking every address) run outside any write transaction,
            # so clicks are not kept waiting for SQLite's single writer while a large file is read.
            parsed = parsing.parse(content, pause=self._pause)
            extraction = parsing.extract(parsed, known_mapping or dict(parsed.mapping), pause=self._pause)
        except CsvProblem as problem:
            self._count_import("refused")
            self._fail(draft_id, holder, problem.key, file_name, **problem.params)
            return
        self._count_import("previewed", rows=parsed.row_count)
        refusal: tuple[str, str] | None = None
        with self.database.write() as session:
            stored = self._held(session, draft_id, holder)
            if stored is None or stored.status != DraftStatus.PENDING:
                return  # taken over by another process, which previews it
            if not stored.headers:
                stored.headers = list(parsed.headers)
                stored.mapping = dict(parsed.mapping)
            refusal = self._choose_rollout(session, stored)
            if refusal is None:
                stored.status = DraftStatus.READY
                stored.claimed_by = None
                if _mapping(stored) != (known_mapping or dict(parsed.mapping)):
                    extraction = parsing.extract(parsed, _mapping(stored))  # changed meanwhile
                self.render(session, draft=stored, parsed=parsed, now=now, extraction=extraction)
        if refusal is not None:
            self._fail(draft_id, holder, refusal[0], file_name, rollout=refusal[1])

    def _choose_rollout(self, session: Session, draft: CsvDraft) -> tuple[str, str] | None:
        """Pick the rollout by where the file was shared; None when fine (chosen, or left to the uploader)."""
        candidates, allowed = self._rollouts_for(session, draft)
        if not candidates:
            return ("csv.no_active_rollout", "")
        if not allowed:
            return ("csv.denied", candidates[0].name)
        if len(allowed) == 1:
            draft.rollout_id = allowed[0].id
        return None

    def _rollouts_for(self, session: Session, draft: CsvDraft) -> tuple[list[Rollout], list[Rollout]]:
        """The rollouts the file can be for (by where it was shared), and those the uploader may use."""
        if draft.rollout_id is not None:
            rollout = session.get(Rollout, draft.rollout_id)
            candidates = [rollout] if rollout is not None and rollout.status == RolloutStatus.ACTIVE else []
        elif draft.channel_id.startswith("D"):
            candidates = list(queries.active_rollouts(session))
        else:
            candidates = list(queries.rollouts_using_channel(session, channel_id=draft.channel_id))
        allowed = [
            r for r in candidates if self.invitations.may_request(session, rollout=r, user_id=draft.uploader)
        ]
        return candidates, allowed

    def render(
        self,
        session: Session,
        *,
        draft: CsvDraft,
        parsed: ParsedCsv | None,
        now: datetime,
        extraction: Extraction | None = None,
        requested_counts: Sequence[str] = (),
    ) -> None:
        """The uploader's preview, recomputed from the stored file and the current mapping; a requested one
        shows `requested_counts`, the counts its batch was made under."""
        rollout = session.get(Rollout, draft.rollout_id) if draft.rollout_id is not None else None
        summary: Summary | None = None
        if draft.status != DraftStatus.READY or parsed is None:
            extraction = None
        elif extraction is None:
            extraction = parsing.extract(parsed, _mapping(draft))
        if extraction is not None:
            summary = _file_summary(extraction)
            if rollout is not None:
                self.invitations.classify(
                    session, rollout=rollout, candidates=extraction.accepted, summary=summary
                )
        choices: list[tuple[int, str]] = []
        if rollout is None and draft.status == DraftStatus.READY:
            choices = [
                (r.id or 0, r.name)
                for r in queries.active_rollouts(session)
                if self.invitations.may_request(session, rollout=r, user_id=draft.uploader)
            ]
        # The uploader's own preview: in their language (until known, the rollout's).
        uploader_texts = reader_texts(session, draft.uploader, fallback=rollout.language if rollout else None)
        counts, problems = (
            summary_parts(uploader_texts, summary, item_limit=PREVIEW_ITEMS) if summary else ([], [])
        )
        notes = []
        if extraction is not None and extraction.unsplit_count:
            notes.append(uploader_texts.text("csv.preview.unsplit", count=extraction.unsplit_count))
        text, preview = blocks.csv_preview(
            uploader_texts,
            draft_id=draft.id or 0,
            file_name=draft.file_name or draft.file_id,
            status=draft.status,
            rollout_name=rollout.name if rollout else None,
            rollout_choices=choices,
            file_line=_file_line(uploader_texts, parsed, extraction),
            mapping_line=_mapping_line(uploader_texts, draft),
            summary=counts or list(requested_counts),
            problems=problems,
            flagged=_flagged_lines(uploader_texts, extraction),
            notes=notes,
            report=summary is not None and any(summary.count(category) for category in CATEGORIES),
            expires_at=draft.expires_at,
            batch_id=draft.batch_id,
            batch_count=self.invitations.invitee_count(session, batch_id=draft.batch_id)
            if draft.batch_id
            else 0,
        )
        outbox.keep_message(
            session,
            now=now,
            rollout_id=draft.rollout_id,
            purpose=draft_purpose(draft),
            channel_id=draft.uploader,
            text=text,
            blocks=preview,
        )

    # ---------------------------------------------------------------- the preview's buttons

    def _load_for(self, session: Session, *, draft_id: int, click: Click, now: datetime) -> CsvDraft | None:
        draft = session.get(CsvDraft, draft_id, populate_existing=True)
        fallback = rollout_language(session, draft.rollout_id) if draft is not None else None
        texts = reader_texts(session, click.user_id, fallback=fallback)
        if draft is None:
            tell(session, now=now, click=click, text=texts.text("csv.gone"), rollout_id=None)
            return None
        if draft.uploader != click.user_id:
            # The preview is the uploader's own (it holds the file's addresses); nobody else may use it.
            raise Refusal(
                "csv.deny.uploader",
                {
                    "uploader": formatting.user(draft.uploader),
                    "file": formatting.clip(formatting.escape(draft.file_name or ""), 100),
                },
                attempted="csv_preview",
                rollout_id=draft.rollout_id,
                draft_id=draft.id,
            )
        if draft.status == DraftStatus.READY and draft.expires_at <= now:
            self._expire(session, draft=draft, now=now)
        if draft.status != DraftStatus.READY:
            key = "csv.expired" if draft.status == DraftStatus.EXPIRED else "csv.not_ready"
            state = texts.text(f"csv.state.{draft.status}")
            tell(
                session,
                now=now,
                click=click,
                text=texts.text(key, state=state),
                rollout_id=draft.rollout_id,
            )
            return None
        return draft

    @answers_refusals
    def request(self, *, draft_id: int, click: Click) -> None:
        """Check the draft again and create the batch, all under the rollout's lock."""
        now = self.clock()
        # The file is read before the write transaction (as for the preview): on SQLite every other write,
        # click acknowledgements included, waits while one is open, and reading 80,000 rows takes a while.
        with self.database.read() as session:
            stored = session.get(CsvDraft, draft_id)
            content = stored.content if stored is not None else None
            read_under = _mapping(stored) if stored is not None else None
        if content is not None and read_under is not None:
            read = _read(content, read_under, self._pause)
        else:
            read = None
        with self.database.write() as session:
            draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
            if draft is None or draft.content is None:
                return
            texts = reader_texts(session, click.user_id, fallback=rollout_language(session, draft.rollout_id))
            if draft.rollout_id is None:
                tell(session, now=now, click=click, text=texts.text("csv.no_rollout"), rollout_id=None)
                return
            rollout = queries.lock_rollout(session, rollout_id=draft.rollout_id)
            if rollout is None or rollout.status != RolloutStatus.ACTIVE:
                tell(session, now=now, click=click, text=texts.text("csv.expired"), rollout_id=None)
                return
            # No longer an admin since the preview was made: refused and audited like every refusal.
            self.invitations.check_may_request(
                session, rollout=rollout, user_id=click.user_id, attempted="csv_request", draft_id=draft.id
            )
            if read is None or _mapping(draft) != read_under:
                read = _read(draft.content, _mapping(draft))  # stored or re-mapped since: read it here
            if isinstance(read, CsvProblem):
                escaped = {name: formatting.escape(str(value)) for name, value in read.params.items()}
                text = texts.text(read.key, file="?", **escaped)
                tell(session, now=now, click=click, text=text, rollout_id=rollout.id)
                return
            parsed, extraction = read
            if draft.batch_id is not None:
                # A batch this draft began and never finished (the process died while writing it, or the
                # attempt failed): its click is being tried again, so start over.
                self.invitations.discard_batch(session, batch_id=draft.batch_id)
                draft.batch_id = None
            summary = self.invitations.classify(
                session, rollout=rollout, candidates=extraction.accepted, summary=_file_summary(extraction)
            )
            # The same counts as the preview's, kept on the requested preview (the file is dropped then).
            counts, _ = summary_parts(texts, summary)
            if not summary.accepted:
                text = "\n".join(
                    [
                        texts.text("invite.nothing_created"),
                        *summary_lines(texts, summary),
                    ]
                )
                tell(session, now=now, click=click, text=text, rollout_id=rollout.id)
                self.render(session, draft=draft, parsed=parsed, now=now, extraction=extraction)
                return
            accepted = summary.accepted
            if len(accepted) <= CHUNK_ROWS:
                batch = self.invitations.create_batch(
                    session,
                    rollout=rollout,
                    requester=click.user_id,
                    source="csv",
                    file_name=draft.file_name,
                    accepted=accepted,
                    now=now,
                )
                self._requested(session, draft=draft, batch_id=batch.id, now=now, counts=counts)
                return
            batch = self.invitations.begin_batch(
                session,
                rollout=rollout,
                requester=click.user_id,
                source="csv",
                file_name=draft.file_name,
                accepted=accepted,
                now=now,
            )
            draft.batch_id = batch.id
            # The click is finished by the transaction that completes the batch, not by this one: a crash
            # while the chunks are written leaves it stored, and its next attempt discards the half batch.
            self.database.defer_finish(session)
        del read, parsed, extraction, summary  # only `accepted` is needed from here: let the rest go
        self._write_in_chunks(draft_id=draft_id, batch=batch, accepted=accepted, click=click, counts=counts)

    def _write_in_chunks(
        self,
        *,
        draft_id: int,
        batch: InvitationBatch,
        accepted: Sequence[Addressee],
        click: Click,
        counts: Sequence[str] = (),
    ) -> None:
        """Write a large batch's invitees a chunk per transaction, letting requests go first between chunks,
        then complete it. On SQLite one transaction of 80,000 rows held the single writer for seconds, and
        every acknowledgement that writes (click intake, commands) waited behind it."""
        try:
            for start in range(0, len(accepted), CHUNK_ROWS):
                self._pause()
                if not self.invitations.write_chunk(batch=batch, chunk=accepted[start : start + CHUNK_ROWS]):
                    return  # another attempt at this click took the batch over
        except Exception:
            self._discard_quietly(batch.id or 0)
            raise
        now = self.clock()
        with self.database.write() as session:
            draft = session.get(CsvDraft, draft_id, populate_existing=True)
            rollout = queries.lock_rollout(session, rollout_id=batch.rollout_id)
            if draft is None or draft.status != DraftStatus.READY or draft.batch_id != batch.id:
                # Cancelled or re-mapped meanwhile; its preview already says so.
                self.invitations.discard_batch(session, batch_id=batch.id or 0)
                return
            if rollout is None or rollout.status != RolloutStatus.ACTIVE:
                self.invitations.discard_batch(session, batch_id=batch.id or 0)
                draft.batch_id = None
                texts = reader_texts(session, click.user_id)
                tell(session, now=now, click=click, text=texts.text("csv.expired"), rollout_id=None)
                return
            if self.invitations.finish_batch(session, batch_id=batch.id or 0, rollout=rollout, now=now):
                self._requested(session, draft=draft, batch_id=batch.id, now=now, counts=counts)

    def _discard_quietly(self, batch_id: int) -> None:
        try:
            with self.database.write() as session:
                self.invitations.discard_batch(session, batch_id=batch_id)
                self.database.defer_finish(session)  # the click stays, to be tried again
        except Exception:
            # The database is likely what failed; the click's next attempt (or housekeeping) removes it.
            logger.warning("could not remove half-written batch %s; it will be removed later", batch_id)

    def _requested(
        self,
        session: Session,
        *,
        draft: CsvDraft,
        batch_id: int | None,
        now: datetime,
        counts: Sequence[str] = (),
    ) -> None:
        draft.status = DraftStatus.REQUESTED
        draft.batch_id = batch_id
        if not self._report_waiting(session, draft):
            # The invitees are stored; the file is no longer needed (else report_finished drops it).
            draft.content = None
        self.render(session, draft=draft, parsed=None, now=now, requested_counts=counts)

    @answers_refusals
    def cancel(self, *, draft_id: int, click: Click) -> None:
        now = self.clock()
        with self.database.write() as session:
            draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
            if draft is None:
                return
            draft.status = DraftStatus.CANCELLED
            if not self._report_waiting(session, draft):
                draft.content = None  # else report_finished drops it once the report is sent
            self.render(session, draft=draft, parsed=None, now=now)

    @answers_refusals
    def download_report(self, *, draft_id: int, click: Click) -> None:
        """Upload, in the preview's direct message, a CSV of every row that can't be used; once per preview.

        The file is read and checked outside any write transaction, as for the preview, to answer at once
        when there is nothing to report. The upload is queued as a reference to the draft (the report can
        be 20 times the file: it is written only when sent, by UnusableRowsReport) and recorded on the
        draft in the transaction that also finishes the click, so a second click (or a second attempt at
        this one) finds it recorded and uploads nothing."""
        for attempt in range(2):
            with self.database.read() as session:
                stored = session.get(CsvDraft, draft_id)
                ready = (
                    stored is not None
                    and stored.uploader == click.user_id
                    and stored.status == DraftStatus.READY
                    and stored.content is not None
                    and stored.report_sent_at is None
                )
                content = stored.content if stored is not None and ready else None
                read_under = _mapping(stored) if stored is not None else {}
                rollout_id = stored.rollout_id if stored is not None else None
            unusable: int | CsvProblem | None = None
            if content is not None:
                # Read only when the draft is usable: _load_for below answers every other case.
                unusable = self._unusable_count(content, read_under, rollout_id)
            now = self.clock()
            with self.database.write() as session:
                draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
                if draft is None:
                    return
                # The report is the uploader's, in their language (until known, the rollout's).
                texts = reader_texts(
                    session, click.user_id, fallback=rollout_language(session, draft.rollout_id)
                )
                if draft.report_sent_at is not None:
                    text = texts.text("csv.report.already_sent")
                    tell(session, now=now, click=click, text=text, rollout_id=draft.rollout_id)
                    return
                if unusable is None or _mapping(draft) != read_under or draft.rollout_id != rollout_id:
                    if attempt == 0:
                        # Re-mapped or given a rollout meanwhile: read it again under what is stored now.
                        self.database.defer_finish(session)
                        continue
                    state = texts.text("csv.state.pending")
                    text = texts.text("csv.not_ready", state=state)
                    tell(session, now=now, click=click, text=text, rollout_id=draft.rollout_id)
                    return
                if isinstance(unusable, CsvProblem):
                    text = _problem_text(texts, unusable, draft.file_name)
                    tell(session, now=now, click=click, text=text, rollout_id=draft.rollout_id)
                    return
                if not unusable:
                    text = texts.text("csv.report.nothing")
                    tell(session, now=now, click=click, text=text, rollout_id=draft.rollout_id)
                    return
                # Recorded under a condition, so of two attempts racing on PostgreSQL only one uploads.
                recorded = affected_rows(
                    session.execute(
                        update(CsvDraft)
                        .where(col(CsvDraft.id) == draft_id, col(CsvDraft.report_sent_at).is_(None))
                        .values(report_sent_at=now)
                        .execution_options(synchronize_session=False)
                    )
                )
                if recorded != 1:
                    text = texts.text("csv.report.already_sent")
                    tell(session, now=now, click=click, text=text, rollout_id=draft.rollout_id)
                    return
                outbox.upload_produced(
                    session,
                    now=now,
                    rollout_id=draft.rollout_id,
                    user_id=draft.uploader,
                    source=REPORT_SOURCE,
                    reference={"draft_id": draft_id, "language": texts.language},
                    filename=f"msi-unusable-rows-{draft_id}.csv",
                    title=texts.text("csv.report.title", file=draft.file_name or draft.file_id),
                )
                return

    def _unusable_count(
        self, content: bytes, mapping: dict[str, int | None], rollout_id: int | None
    ) -> int | CsvProblem:
        """How many rows of the file can't be used now (the preview's counts added up)."""
        try:
            parsed = parsing.parse(content, pause=self._pause)
            extraction = parsing.extract(parsed, mapping, pause=self._pause)
        except CsvProblem as problem:
            return problem
        classified = self._classified(extraction, rollout_id)
        return extraction.invalid_count + extraction.duplicate_count + len(classified)

    def _classified(
        self, extraction: Extraction, rollout_id: int | None, *, own_batch: int | None = None
    ) -> dict[int, tuple[str, Unusable]]:
        """classified_rows' verdicts on the file's accepted rows in the rollout, as it is now. The rows of
        `own_batch` (the batch this very file was requested as) are the file's own, not "already here"."""
        summary = Summary()
        if rollout_id is not None:
            with self.database.read() as session:
                rollout = session.get(Rollout, rollout_id)
                if rollout is not None and rollout.status == RolloutStatus.ACTIVE:
                    candidates: Sequence[Addressee] = extraction.accepted
                    if own_batch is not None:
                        requested = set(
                            session.scalars(
                                select(col(Invitee.email_key)).where(col(Invitee.batch_id) == own_batch)
                            )
                        )
                        candidates = [row for row in candidates if row.key not in requested]
                    self.invitations.classify(
                        session, rollout=rollout, candidates=candidates, summary=summary
                    )
        return classified_rows(summary)

    def write_report(self, draft_id: int, reader_texts: Texts, out: IO[bytes]) -> tuple[int, str]:
        """Write the report of a draft's unusable rows into `out`, as the file and the rollout are now.
        Returns the number of rows written and the name the file was uploaded under; raises
        outbox.Unavailable, with the reason in `reader_texts`' language, when it cannot be written."""
        with self.database.read() as session:
            draft = session.get(CsvDraft, draft_id)
            content = draft.content if draft is not None else None
            name = (draft.file_name or draft.file_id) if draft is not None else "?"
            if draft is None or content is None:
                # Cancelled, expired, erased (msi-bot erase, retention) or requested without a report waiting.
                raise outbox.Unavailable(reader_texts.text("csv.report.gone", file=formatting.escape(name)))
            mapping, rollout_id = _mapping(draft), draft.rollout_id
            # Requested while its report waited: the rows in its batch are not the report's.
            own_batch = draft.batch_id if draft.status == DraftStatus.REQUESTED else None
        try:
            parsed = parsing.parse(content, pause=self._pause)
            extraction = parsing.extract(parsed, mapping, pause=self._pause)
        except CsvProblem as problem:
            raise outbox.Unavailable(_problem_text(reader_texts, problem, name)) from None
        del content  # the parsed file holds what is needed
        classified = self._classified(extraction, rollout_id, own_batch=own_batch)
        # The second reading builds its own accepted rows: let this one's go first, so the report never
        # holds more rows at once than the preview does.
        del extraction
        rows = write_unusable_rows(reader_texts, parsed, mapping, classified, out, pause=self._pause)
        if not rows:
            raise outbox.Unavailable(reader_texts.text("csv.report.nothing"))
        return rows, name

    def report_finished(self, session: Session, draft_id: int) -> None:
        """A report was sent (or ended): a draft requested or cancelled meanwhile kept its file for it.
        The draft's row is locked first, as _report_waiting does on Request and Cancel: whichever of the
        two transactions comes second sees the other's outcome, so the file is never kept for good."""
        draft = session.get(CsvDraft, draft_id, with_for_update=True, populate_existing=True)
        if draft is None or draft.content is None or draft.status in (DraftStatus.READY, DraftStatus.PENDING):
            return
        if not self._report_waiting(session, draft):
            draft.content = None

    @staticmethod
    def _report_waiting(session: Session, draft: CsvDraft) -> bool:
        """Whether a report of this draft is queued and not yet sent: it is written from the stored file."""
        if draft.report_sent_at is None:
            return False
        session.execute(select(col(CsvDraft.id)).where(col(CsvDraft.id) == draft.id).with_for_update())
        waiting = outbox.pending_produced(session, user_id=draft.uploader, source=REPORT_SOURCE)
        return any(reference.get("draft_id") == draft.id for reference in waiting)

    @answers_refusals
    def mapping_form(self, *, draft_id: int, click: Click) -> dict[str, Any] | None:
        now = self.clock()
        with self.database.write() as session:
            draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
            if draft is None:
                return None
            return blocks.mapping_modal(
                reader_texts(session, click.user_id, fallback=rollout_language(session, draft.rollout_id)),
                draft_id=draft_id,
                file_name=draft.file_name or "",
                headers=draft.headers,
                mapping=_mapping(draft),
            )

    @answers_refusals
    def change_mapping(self, *, draft_id: int, click: Click, mapping: dict[str, int | None]) -> None:
        """Store the new mapping and let the import worker recompute the preview (it can take a second)."""
        now = self.clock()
        with self.database.write() as session:
            draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
            if draft is None:
                return
            draft.mapping = {name: mapping.get(name) for name in parsing.FIELDS}
            draft.report_sent_at = None  # the new preview's report differs
            draft.status = DraftStatus.PENDING
            draft.claimed_by = None
            draft.not_before = now

    @answers_refusals
    def choose_rollout(self, *, draft_id: int, click: Click, rollout_id: int) -> None:
        now = self.clock()
        with self.database.write() as session:
            draft = self._load_for(session, draft_id=draft_id, click=click, now=now)
            if draft is None:
                return
            rollout = session.get(Rollout, rollout_id)
            if rollout is None or rollout.status != RolloutStatus.ACTIVE:
                return
            # A stale picker (no longer an admin of that rollout) or a crafted choice.
            self.invitations.check_may_request(
                session, rollout=rollout, user_id=click.user_id, attempted="csv_rollout", draft_id=draft.id
            )
            draft.rollout_id = rollout_id
            draft.report_sent_at = None  # the new preview's report differs
            draft.status = DraftStatus.PENDING
            draft.claimed_by = None
            draft.not_before = now

    def _expire(self, session: Session, *, draft: CsvDraft, now: datetime) -> None:
        draft.status = DraftStatus.EXPIRED
        draft.content = None
        self.render(session, draft=draft, parsed=None, now=now)

    def expire_old(self) -> int:
        """Housekeeping: drop drafts left untouched for 24 hours (their files hold personal data)."""
        now = self.clock()
        with self.database.write() as session:
            old = session.scalars(
                select(CsvDraft).where(
                    col(CsvDraft.status).in_((DraftStatus.READY, DraftStatus.PENDING)),
                    col(CsvDraft.expires_at) <= now,
                )
            ).all()
            for draft in old:
                self._expire(session, draft=draft, now=now)
            return len(old)

    def retry_later(self, draft_id: int) -> None:
        """After an unforeseen failure: the draft is tried again after its back-off."""
        with self.database.write() as session:
            draft = session.get(CsvDraft, draft_id)
            if draft is not None:
                self.queue.retry_later(session, draft_id, now=self.clock(), attempts=draft.attempts)


def _pending() -> ColumnElement[bool]:
    return col(CsvDraft.status) == DraftStatus.PENDING


class _Ignore(Exception):
    """Not a CSV, or the bot's own file: ignored without a word."""


class _Refused(Exception):
    """The uploader may request invitations in no rollout the file can be for: told so, not downloaded."""

    def __init__(self, key: str, rollout: str, file_name: str | None) -> None:
        super().__init__(key)
        self.key, self.rollout, self.file_name = key, rollout, file_name


def _read(
    content: bytes, mapping: dict[str, int | None], pause: Callable[[], object] | None = None
) -> tuple[ParsedCsv, Extraction] | CsvProblem:
    try:
        parsed = parsing.parse(content, pause=pause)
        return parsed, parsing.extract(parsed, mapping, pause=pause)
    except CsvProblem as problem:
        return problem


def _mapping(draft: CsvDraft) -> dict[str, int | None]:
    mapping: dict[str, int | None] = {}
    for name in parsing.FIELDS:
        value = draft.mapping.get(name)
        mapping[name] = value if isinstance(value, int) and 0 <= value < max(len(draft.headers), 1) else None
    return mapping


def _file_line(reader_texts: Texts, parsed: ParsedCsv | None, extraction: Extraction | None) -> str:
    if parsed is None or extraction is None:
        return ""
    if parsed.has_header:
        return reader_texts.text(
            "csv.preview.file",
            rows=extraction.total_rows,
            encoding=parsed.encoding,
            delimiter=reader_texts.text("csv.delimiter.tab")
            if parsed.delimiter == "\t"
            else parsed.delimiter,
            header_line=parsed.header_line,
        )
    return reader_texts.text(
        "csv.preview.file_headerless", rows=extraction.total_rows, encoding=parsed.encoding
    )


def _mapping_line(reader_texts: Texts, draft: CsvDraft) -> str:
    if not draft.headers:
        return ""
    mapping = _mapping(draft)

    def shown(field_name: str) -> str:
        index = mapping.get(field_name)
        if index is None:
            return reader_texts.text("csv.preview.unmapped")
        return reader_texts.text(
            "list.quoted", value=formatting.clip(formatting.escape(draft.headers[index]), 60)
        )

    if (
        mapping.get("full_name") is not None
        and mapping.get("first_name") is None
        and mapping.get("last_name") is None
    ):
        return reader_texts.text(
            "csv.preview.mapping_full_name",
            email=shown("email"),
            full_name=shown("full_name"),
            team=shown("team"),
        )
    return reader_texts.text(
        "csv.preview.mapping",
        email=shown("email"),
        first_name=shown("first_name"),
        last_name=shown("last_name"),
        team=shown("team"),
    )


# The classify categories: rows the file reading accepts, that the rollout then can't take.
_CLASSIFIED = ("already_here", "elsewhere", "over_limit")
# The outbox source of the Download report's file (outbox.upload_produced), written by UnusableRowsReport.
REPORT_SOURCE = "csv_report"


def classified_rows(summary: Summary) -> dict[int, tuple[str, Unusable]]:
    """By line, the rows classify kept from the rollout (already here, elsewhere, over the limit): at most
    one entry per accepted row, which the preview holds anyway."""
    verdicts: dict[int, tuple[str, Unusable]] = {}
    for category in _CLASSIFIED:
        rows = summary.unusable(category)
        for index in range(len(rows)):
            row = rows[index]
            verdicts[row.line] = (category, row)
    return verdicts


def write_unusable_rows(
    reader_texts: Texts,
    parsed: ParsedCsv,
    mapping: dict[str, int | None],
    classified: dict[int, tuple[str, Unusable]],
    out: IO[bytes],
    *,
    pause: Callable[[], object] | None = None,
) -> int:
    """Write every row of the file that can't be used into `out`, in file order, as a formula-safe UTF-8
    CSV (with a BOM, so Excel reads it as UTF-8): its line, its cells in the file's own column order, the
    category and the reason. Returns the number of rows written.

    `classified` is classified_rows' verdicts on the rows the file reading accepts. The invalid and repeated
    rows are found again by reading the file once more, each written to `out` as it comes and let go, so
    neither a list of bad rows (a 5 MB file can hold two million) nor the report itself (then over 100 MB)
    is ever held: only the encoder's buffer."""
    verdicts = classified
    category_names = {
        category: reader_texts.text(f"csv.report.category.{category}") for category in CATEGORIES
    }
    width = len(parsed.headers)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(
        [
            neutralise(cell)
            for cell in (
                reader_texts.text("csv.report.column.line"),
                *parsed.headers,
                reader_texts.text("csv.report.column.category"),
                reader_texts.text("csv.report.column.reason"),
            )
        ]
    )
    written = 0

    def plain(value: str) -> str:
        return value

    def write(row: DataRow, problem: RowProblem | None) -> None:
        nonlocal written
        if problem is None and row.line not in verdicts:
            return  # accepted
        if problem is None:
            category, unusable = verdicts[row.line]
        else:
            category = "duplicates" if problem.key == "email.duplicate" else "invalid"
            unusable = Unusable(problem.line, problem.raw, problem.key, problem.params, problem.detail)
        cells = row.cells[:width] + ("",) * (width - len(row.cells))
        reason = reason_text(reader_texts, unusable, escape=plain)
        writer.writerow([row.line, *map(neutralise, cells), category_names[category], neutralise(reason)])
        written += 1

    try:
        parsing.extract(parsed, mapping, pause=pause, report=write)
    finally:
        text.flush()
        text.detach()  # `out` stays open: it is the caller's
    return written


class UnusableRowsReport:
    """The outbox producer of the Download report (REPORT_SOURCE): written from the draft's stored file
    when the outbox worker sends it, so the report is never stored or held whole."""

    def __init__(self, uploads: UploadService) -> None:
        self.uploads = uploads

    def write(self, reference: dict[str, Any], out: IO[bytes]) -> outbox.Produced:
        texts = Texts.of(known_language(str(reference.get("language") or "")))
        rows, name = self.uploads.write_report(int(reference["draft_id"]), texts, out)
        return outbox.Produced(
            comment=texts.text("csv.report.comment", count=rows, file=formatting.escape(name))
        )

    def finished(self, session: Session, reference: dict[str, Any]) -> None:
        self.uploads.report_finished(session, int(reference["draft_id"]))


def _problem_text(reader_texts: Texts, problem: CsvProblem, file_name: str | None) -> str:
    escaped = {name: formatting.escape(str(value)) for name, value in problem.params.items()}
    return reader_texts.text(problem.key, file=formatting.escape(file_name or "?"), **escaped)


def _file_summary(extraction: Extraction) -> Summary:
    """A summary holding the file's own invalid and repeated rows (the first of each, and their counts), for
    classify to add the rest to."""

    def unusable(problem: RowProblem) -> Unusable:
        return Unusable(problem.line, problem.raw, problem.key, problem.params, problem.detail)

    return Summary(
        invalid=[unusable(problem) for problem in sorted(extraction.invalid, key=lambda p: p.line)],
        duplicates=[unusable(problem) for problem in extraction.duplicates],
        invalid_count=extraction.invalid_count,
        duplicate_count=extraction.duplicate_count,
    )


def _flagged_lines(reader_texts: Texts, extraction: Extraction | None) -> list[str]:
    if extraction is None:
        return []

    def line(cell: FlaggedCell) -> str:
        return reader_texts.text(
            "csv.preview.flagged_item",
            line=cell.line,
            field=reader_texts.text(f"csv.field.{cell.field}"),
            value=formatting.clip(formatting.escape(cell.value), 60).replace("`", "'"),
        )

    return reader_texts.cut(extraction.flagged, 5, render=line, total=extraction.flagged_count)


class ImportWorker(PollingWorker):
    """A background thread that processes pending drafts, off Bolt's listener threads."""

    def __init__(
        self, uploads: UploadService, *, idle_wait: float = 0.5, wake_event: threading.Event | None = None
    ):
        super().__init__(
            "csv-import", idle_wait=idle_wait, outage=uploads.database.outage, wake_event=wake_event
        )
        self.uploads = uploads

    def run_once(self) -> bool:
        draft_id = self.uploads.claim_next()
        if draft_id is None:
            return False
        try:
            self.uploads.process(draft_id)
        except Exception as error:
            if is_outage(error):
                self.uploads.queue.abandon(draft_id)
                raise  # the loop waits out the outage, logged once; the draft is retried afterwards
            logger.exception("reading upload draft %s failed; it will be tried again", draft_id)
            self.uploads.retry_later(draft_id)
        return True
