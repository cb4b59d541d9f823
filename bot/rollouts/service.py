"""Starting a rollout: reading and checking the Start a rollout form, storing it, opening steps 1 and 6."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.approvals.service import ApprovalService
from bot.platform import crashpoints, outbox
from bot.platform.access import Click, Refusal, answers_refusals, answers_refusals_as
from bot.platform.people import reader_texts
from bot.rollouts import offdates
from bot.rollouts.blocks import LANGUAGES, NAME_LIMIT
from bot.slack import formatting, ids
from bot.slack.directory import SlackDirectory
from bot.slack.usergroups import UserGroups, is_group_id
from bot.steps import cards, runbook
from bot.steps.runbook import Persona, StepState
from bot.texts import DEFAULT_LANGUAGE, Texts, known_language
from storage import queries
from storage.db import Database
from storage.models import Rollout, RolloutStatus, SlackPerson, Step

logger = logging.getLogger(__name__)

ENVIRONMENTS = ("production", "sandbox")


@dataclass(frozen=True)
class StartForm:
    name: str
    environment: str
    marketo_admins: tuple[str, ...]
    salesforce_admins: tuple[str, ...]
    marketo_channel: str
    salesforce_channel: str
    prerequisites: frozenset[str]
    # The language of the rollout's channel posts as chosen; None when the form had no such field (a
    # client that never showed it: a start is then in English, an edit keeps the rollout's language).
    language: str | None = None
    # The user groups chosen beside the people (empty when the modal offered none).
    marketo_groups: tuple[str, ...] = ()
    salesforce_groups: tuple[str, ...] = ()
    # The Edit modal's non-working dates as typed; None when the form had no such field (Start).
    off_dates: str | None = None
    # Whether the form offered user groups at all (Slack sends an optional select's block even when empty).
    groups_offered: bool = False


@dataclass
class StartOutcome:
    """Either errors by block id (shown beside the fields) or the new rollout's id."""

    errors: dict[str, str] = field(default_factory=dict)
    rollout_id: int | None = None


def read_start_form(state_values: dict[str, Any]) -> StartForm:
    """The modal's `view.state.values` as a StartForm; missing or odd values become empty ones."""

    def element(block_id: str) -> dict[str, Any]:
        block = state_values.get(block_id) or {}
        value = block.get(block_id)
        return value if isinstance(value, dict) else {}

    selected_environment = element(ids.START_ENVIRONMENT).get("selected_option") or {}
    checked = element(ids.START_PREREQUISITES).get("selected_options") or []
    selected_language = element(ids.START_LANGUAGE).get("selected_option")
    off_dates = element(ids.EDIT_OFF_DATES).get("value") if ids.EDIT_OFF_DATES in state_values else None
    language = str(selected_language.get("value") or "") if isinstance(selected_language, dict) else None
    return StartForm(
        name=" ".join(formatting.typed(element(ids.START_NAME).get("value"), 400).split()),
        environment=str(selected_environment.get("value") or ""),
        marketo_admins=_users(element(ids.START_MARKETO_ADMINS).get("selected_users")),
        salesforce_admins=_users(element(ids.START_SALESFORCE_ADMINS).get("selected_users")),
        marketo_channel=_channel(element(ids.START_MARKETO_CHANNEL).get("selected_conversation")),
        salesforce_channel=_channel(element(ids.START_SALESFORCE_CHANNEL).get("selected_conversation")),
        prerequisites=frozenset(str(option.get("value")) for option in checked if isinstance(option, dict)),
        language=language,
        marketo_groups=_groups(element(ids.START_MARKETO_GROUPS).get("selected_options")),
        salesforce_groups=_groups(element(ids.START_SALESFORCE_GROUPS).get("selected_options")),
        off_dates=formatting.typed(off_dates, offdates.TEXT_LIMIT) if off_dates is not None else None,
        groups_offered=ids.START_MARKETO_GROUPS in state_values
        or ids.START_SALESFORCE_GROUPS in state_values,
    )


def _groups(options: Any) -> tuple[str, ...]:
    """Chosen user groups; anything that is not a user group id (a forged value) is dropped."""
    if not isinstance(options, list):
        return ()
    values = [str(option.get("value")) for option in options if isinstance(option, dict)]
    return tuple(dict.fromkeys(value for value in values if is_group_id(value)))[:100]


def _users(values: Any) -> tuple[str, ...]:
    """Selected users; anything that is not a Slack user id (a forged value) is dropped."""
    if not isinstance(values, list):
        return ()
    unique: list[str] = []
    for value in values:
        if formatting.is_slack_id(value, "UW") and value not in unique:
            unique.append(value)
    return tuple(unique[:100])


def _channel(value: Any) -> str:
    return str(value) if formatting.is_slack_id(value, "CG") else ""


def check_start_form(form: StartForm, texts: Texts) -> dict[str, str]:
    """The checks that need neither the database nor Slack; errors in the submitter's language `texts`."""
    errors: dict[str, str] = {}
    if not form.name:
        errors[ids.START_NAME] = texts.text("start.error.name_empty")
    elif len(form.name) > NAME_LIMIT:
        errors[ids.START_NAME] = texts.text("start.error.name_too_long", limit=NAME_LIMIT)
    if form.environment not in ENVIRONMENTS:
        errors[ids.START_ENVIRONMENT] = texts.text("start.error.environment")
    errors.update(check_people_and_channels(form, texts))
    if form.prerequisites != {ids.PREREQUISITE_ENABLED, ids.PREREQUISITE_SYNC}:
        errors[ids.START_PREREQUISITES] = texts.text("start.error.prerequisites")
    return errors


def check_people_and_channels(form: StartForm, texts: Texts) -> dict[str, str]:
    """The checks shared by the Start and Edit modals."""
    errors: dict[str, str] = {}
    if form.language is not None and form.language not in LANGUAGES:
        errors[ids.START_LANGUAGE] = texts.text("start.error.language")
    # A persona needs someone: people, or a user group (whose members are checked with Slack later).
    nobody = texts.text("start.error.no_admins_or_groups" if form.groups_offered else "start.error.no_admins")
    if not form.marketo_admins and not form.marketo_groups:
        errors[ids.START_MARKETO_ADMINS] = nobody
    if not form.salesforce_admins and not form.salesforce_groups:
        errors[ids.START_SALESFORCE_ADMINS] = nobody
    if not form.marketo_channel:
        errors[ids.START_MARKETO_CHANNEL] = texts.text("start.error.channel_missing")
    if not form.salesforce_channel:
        errors[ids.START_SALESFORCE_CHANNEL] = texts.text("start.error.channel_missing")
    if form.marketo_channel and form.marketo_channel == form.salesforce_channel:
        errors[ids.START_SALESFORCE_CHANNEL] = texts.text("start.error.same_channel")
    return errors


class RolloutService:
    def __init__(
        self,
        database: Database,
        directory: SlackDirectory,
        clock: Callable[[], datetime],
        approvals: ApprovalService,
        *,
        groups: UserGroups | None = None,
        on_cancel: Sequence[Callable[[Session, Rollout, str, datetime], None]] = (),
        on_language_change: Sequence[Callable[[Session, Rollout, datetime], None]] = (),
    ):
        self.database = database
        self.directory = directory
        self.clock = clock
        self.approvals = approvals
        self.groups = groups
        # Called inside the cancelling transaction (e.g. open invitation batches are cancelled too).
        self.on_cancel = tuple(on_cancel)
        # Called inside the editing transaction when the posts' language changed: each domain re-renders
        # its kept channel posts (approval requests, the Marketo admins' tasks) in the new language.
        self.on_language_change = tuple(on_language_change)

    def start(self, *, owner_id: str, form: StartForm) -> StartOutcome:
        """Check the form completely, then store the rollout and open its first steps in one transaction.

        Slack is asked about the channels before the transaction opens: no Slack call happens inside it.
        """
        with self.database.read() as session:
            texts = reader_texts(session, owner_id)
            owner = session.get(SlackPerson, owner_id)
            known_time_zone = owner.tz if owner is not None else None
        errors = check_start_form(form, texts)
        if ids.START_NAME not in errors:
            with self.database.read() as session:
                if queries.active_rollout_by_name(session, name=form.name) is not None:
                    errors[ids.START_NAME] = self._name_taken(texts, form.name)
        if errors:
            return StartOutcome(errors=errors)

        channel_blocks = {
            form.marketo_channel: ids.START_MARKETO_CHANNEL,
            form.salesforce_channel: ids.START_SALESFORCE_CHANNEL,
        }
        # The groups are asked of Slack while the channels are: the submission's answer has 3 seconds.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="start-groups") as pool:
            group_errors = pool.submit(self._check_groups, form, texts)
            for channel_id, check in self.directory.check_channels(list(channel_blocks)).items():
                if check.problem is not None:
                    errors[channel_blocks[channel_id]] = texts.text(check.problem, error=check.detail)
            errors.update(group_errors.result())
        if errors:
            return StartOutcome(errors=errors)

        membership = self.directory.members_of([form.marketo_channel, form.salesforce_channel])
        # The owner's zone as the locale look-up stored it (opening the form looked it up), else Slack's now.
        time_zone = known_time_zone or self.directory.user_time_zone(owner_id)
        warnings = _membership_warnings(texts, form, membership)

        now = self.clock()
        try:
            with self.database.write() as session:
                rollout_id = self._store(
                    session,
                    owner_id=owner_id,
                    form=form,
                    time_zone=time_zone,
                    now=now,
                    texts=texts,
                    warnings=warnings,
                )
        except IntegrityError:
            # Another start with the same name committed between our check and our insert.
            return StartOutcome(errors={ids.START_NAME: self._name_taken(texts, form.name)})
        crashpoints.reach("rollout_started")
        logger.info("rollout %s started", rollout_id)
        return StartOutcome(rollout_id=rollout_id)

    def _check_channels(
        self, form: StartForm, texts: Texts, unchanged: frozenset[str] = frozenset()
    ) -> dict[str, str]:
        """Slack's word on each channel the bot must post in (channels already in use are not asked again)."""
        channel_blocks = {
            form.marketo_channel: ids.START_MARKETO_CHANNEL,
            form.salesforce_channel: ids.START_SALESFORCE_CHANNEL,
        }
        to_check = [channel for channel in channel_blocks if channel not in unchanged]
        errors = {}
        for channel_id, check in self.directory.check_channels(to_check).items():
            if check.problem is not None:
                errors[channel_blocks[channel_id]] = texts.text(check.problem, error=check.detail)
        return errors

    def _check_groups(self, form: StartForm, texts: Texts) -> dict[str, str]:
        """Each chosen user group must have members now (Slack is asked, before any transaction, for all the
        groups at once)."""
        errors: dict[str, str] = {}
        every_group = list(dict.fromkeys([*form.marketo_groups, *form.salesforce_groups]))
        fetched = self.groups.fetch_many(every_group) if self.groups is not None else {}
        for block_id, chosen in (
            (ids.START_MARKETO_GROUPS, form.marketo_groups),
            (ids.START_SALESFORCE_GROUPS, form.salesforce_groups),
        ):
            if not chosen:
                continue
            if self.groups is None:
                errors[block_id] = texts.text("start.error.groups_unavailable")
                continue
            empty = []
            for group_id in chosen:
                members = fetched[group_id]
                if members is None:
                    missing = self.groups.workspace_groups().problem == "missing_scope"
                    key = "start.error.groups_missing_scope" if missing else "start.error.groups_unavailable"
                    errors[block_id] = texts.text(key)
                    break
                if not members:
                    empty.append(group_id)
            else:
                if empty:
                    names = {group.id: group.handle for group in self.groups.workspace_groups().groups}
                    errors[block_id] = texts.text(
                        "start.error.group_empty.one" if len(empty) == 1 else "start.error.group_empty.many",
                        groups=texts.join("@" + names.get(group_id, group_id) for group_id in empty),
                    )
        return errors

    # ---------------------------------------------------------------- Edit and Cancel (owner only)

    @answers_refusals
    def owner_check(self, *, rollout_id: int, click: Click) -> Rollout | None:
        """The rollout when the clicker owns it and it is active; otherwise a Refusal, answered privately."""
        with self.database.write() as session:
            rollout = session.get(Rollout, rollout_id)
            if rollout is None or rollout.status != RolloutStatus.ACTIVE:
                raise Refusal(
                    "deny.rollout_cancelled",
                    {"rollout": formatting.escape(rollout.name if rollout else "?")},
                    attempted="owner_action",
                    rollout_id=rollout_id if rollout else None,
                )
            if rollout.owner_id != click.user_id:
                raise Refusal(
                    "deny.owner_only",
                    {"rollout": formatting.escape(rollout.name), "owner": formatting.user(rollout.owner_id)},
                    attempted="owner_action",
                    rollout_id=rollout_id,
                )
            return rollout

    def edit_form_values(self, rollout_id: int) -> dict[str, Any]:
        with self.database.read() as session:
            rollout = session.get(Rollout, rollout_id)
            assert rollout is not None
            return {
                "rollout_id": rollout_id,
                "rollout_name": rollout.name,
                "marketo_admins": queries.members(
                    session, rollout_id=rollout_id, persona=Persona.MARKETO_ADMIN.value
                ),
                "salesforce_admins": queries.members(
                    session, rollout_id=rollout_id, persona=Persona.SALESFORCE_ADMIN.value
                ),
                "marketo_groups": queries.member_groups(
                    session, rollout_id=rollout_id, persona=Persona.MARKETO_ADMIN.value
                ),
                "salesforce_groups": queries.member_groups(
                    session, rollout_id=rollout_id, persona=Persona.SALESFORCE_ADMIN.value
                ),
                "marketo_channel": rollout.marketo_channel,
                "salesforce_channel": rollout.salesforce_channel,
                "language": known_language(rollout.language),
                "off_dates": offdates.as_text(rollout.off_dates),
                "workspace_groups": self.groups.workspace_groups() if self.groups is not None else None,
            }

    @staticmethod
    def _check_editor(rollout: Rollout | None, user_id: str) -> None:
        """A Refusal unless `user_id` may edit `rollout` (its answer is shown beside the form's first field).
        Only the owner is shown Edit; anyone else submitting it sent a forged or stale view."""
        if rollout is None or rollout.status != RolloutStatus.ACTIVE:
            raise Refusal(
                "deny.rollout_gone",
                attempted="edit_rollout",
                rollout_id=rollout.id if rollout is not None else None,
            )
        if rollout.owner_id != user_id:
            raise Refusal(
                "deny.owner_only",
                {"rollout": formatting.escape(rollout.name), "owner": formatting.user(rollout.owner_id)},
                attempted="edit_rollout",
                rollout_id=rollout.id,
            )

    @answers_refusals_as(lambda text: StartOutcome(errors={ids.START_MARKETO_ADMINS: text}))
    def edit(self, *, rollout_id: int, user_id: str, form: StartForm) -> StartOutcome:
        with self.database.read() as session:
            current = session.get(Rollout, rollout_id)
            texts = reader_texts(session, user_id, fallback=current.language if current else None)
        errors = check_people_and_channels(form, texts)
        off_dates, problem = offdates.parse(form.off_dates or "")
        if problem is not None:
            errors[ids.EDIT_OFF_DATES] = texts.text(
                problem.key, number=problem.number, line=problem.line[:80], limit=offdates.MAX_LINES
            )
        if errors:
            return StartOutcome(errors=errors)
        self._check_editor(current, user_id)
        assert current is not None
        unchanged = frozenset({current.marketo_channel, current.salesforce_channel})
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="edit-groups") as pool:
            group_errors = pool.submit(self._check_groups, form, texts)
            errors = self._check_channels(form, texts, unchanged)
            errors.update(group_errors.result())
        if errors:
            return StartOutcome(errors=errors)
        membership = self.directory.members_of([form.marketo_channel, form.salesforce_channel])
        warnings = _membership_warnings(texts, form, membership)
        now = self.clock()
        with self.database.write() as session:
            rollout = queries.lock_rollout(session, rollout_id=rollout_id)
            self._check_editor(rollout, user_id)  # cancelled, or handed over, since the read above
            assert rollout is not None
            before = {
                "marketo_admins": queries.members(
                    session, rollout_id=rollout_id, persona=Persona.MARKETO_ADMIN.value
                ),
                "salesforce_admins": queries.members(
                    session, rollout_id=rollout_id, persona=Persona.SALESFORCE_ADMIN.value
                ),
                "marketo_channel": rollout.marketo_channel,
                "salesforce_channel": rollout.salesforce_channel,
                "language": rollout.language,
                "marketo_groups": queries.member_groups(
                    session, rollout_id=rollout_id, persona=Persona.MARKETO_ADMIN.value
                ),
                "salesforce_groups": queries.member_groups(
                    session, rollout_id=rollout_id, persona=Persona.SALESFORCE_ADMIN.value
                ),
                "off_dates": list(rollout.off_dates or []),
            }
            language = form.language or rollout.language
            _store_personas(session, rollout_id, form)
            if form.off_dates is not None:  # a client that never showed the field keeps the dates
                rollout.off_dates = [off.stored() for off in off_dates]
            rollout.marketo_channel = form.marketo_channel
            rollout.salesforce_channel = form.salesforce_channel
            rollout.language = language
            rollout.updated_at = now
            # Every kept channel post follows: a moved channel gets the card, a changed language updates
            # each card in place (the outbox sends chat.update for a kept message whose content changed).
            for step in queries.steps_of(session, rollout_id=rollout_id):
                cards.render(session, rollout=rollout, step=step, now=now)
            if language != before["language"]:
                for hook in self.on_language_change:
                    hook(session, rollout, now)
            after = {
                "marketo_admins": list(form.marketo_admins),
                "salesforce_admins": list(form.salesforce_admins),
                "marketo_channel": form.marketo_channel,
                "salesforce_channel": form.salesforce_channel,
                "language": language,
                "marketo_groups": list(form.marketo_groups),
                "salesforce_groups": list(form.salesforce_groups),
                "off_dates": list(rollout.off_dates or []),
            }
            queries.audit(
                session,
                now=now,
                rollout_id=rollout_id,
                actor=user_id,
                action="rollout_edited",
                details={"before": before, "after": after},
            )
            outbox.post(
                session,
                now=now,
                rollout_id=rollout_id,
                channel=user_id,
                text="\n".join([texts.text("edit.done", rollout=formatting.escape(rollout.name)), *warnings]),
            )
        return StartOutcome(rollout_id=rollout_id)

    def cancel(self, *, rollout_id: int, click: Click) -> bool:
        now = self.clock()
        with self.database.write() as session:
            rollout = queries.lock_rollout(session, rollout_id=rollout_id)
            if rollout is None or rollout.status != RolloutStatus.ACTIVE or rollout.owner_id != click.user_id:
                return False
            rollout.status = RolloutStatus.CANCELLED
            rollout.cancelled_at = now
            rollout.cancelled_by = click.user_id
            rollout.updated_at = now
            for hook in self.on_cancel:
                hook(session, rollout, click.user_id, now)
            for pending in self.approvals.pending_in(session, rollout_id=rollout_id):
                self.approvals.close_pending(
                    session,
                    rollout=rollout,
                    subject_kind=pending.subject_kind,
                    subject_id=pending.subject_id,
                    by=None,
                    now=now,
                )
            for step in queries.steps_of(session, rollout_id=rollout_id):
                step.remind_from = None  # nothing is awaited any more; keeps the reminder sweep small
                cards.render(session, rollout=rollout, step=step, now=now)
            queries.audit(
                session, now=now, rollout_id=rollout_id, actor=click.user_id, action="rollout_cancelled"
            )
            notice = Texts.of(known_language(rollout.language)).text(
                "notice.cancelled",
                rollout=formatting.escape(rollout.name),
                who=formatting.user(click.user_id),
            )
            for channel in (rollout.marketo_channel, rollout.salesforce_channel):
                outbox.post(session, now=now, rollout_id=rollout_id, channel=channel, text=notice)
        return True

    @staticmethod
    def _name_taken(texts: Texts, name: str) -> str:
        return texts.text("start.error.name_taken", name=formatting.escape(name))

    def _store(
        self,
        session: Any,
        *,
        owner_id: str,
        form: StartForm,
        time_zone: str,
        now: datetime,
        texts: Texts,
        warnings: list[str],
    ) -> int:
        rollout = Rollout(
            name=form.name,
            name_key=queries.name_key(form.name),
            environment=form.environment,
            owner_id=owner_id,
            time_zone=time_zone,
            language=form.language or DEFAULT_LANGUAGE,
            marketo_channel=form.marketo_channel,
            salesforce_channel=form.salesforce_channel,
            created_at=now,
            updated_at=now,
        )
        session.add(rollout)
        session.flush()
        assert rollout.id is not None
        _store_personas(session, rollout.id, form)
        step_rows = [
            Step(rollout_id=rollout.id, number=item.number, state=StepState.LOCKED.value, changed_at=now)
            for item in runbook.STEPS
        ]
        session.add_all(step_rows)
        session.flush()
        queries.audit(
            session,
            now=now,
            rollout_id=rollout.id,
            actor=owner_id,
            action="rollout_started",
            details={
                "name": form.name,
                "environment": form.environment,
                "marketo_admins": list(form.marketo_admins),
                "salesforce_admins": list(form.salesforce_admins),
                "marketo_groups": list(form.marketo_groups),
                "salesforce_groups": list(form.salesforce_groups),
                "marketo_channel": form.marketo_channel,
                "salesforce_channel": form.salesforce_channel,
                "language": rollout.language,
            },
        )
        by_number = {row.number: row for row in step_rows}
        for number in runbook.initial_steps():
            cards.open_step(session, rollout=rollout, step=by_number[number], now=now, actor=owner_id)
        confirmation = texts.text(
            "start.confirmed",
            name=formatting.escape(form.name),
            environment=texts.text(f"environment.{form.environment}"),
            marketo_channel=formatting.channel(form.marketo_channel),
            salesforce_channel=formatting.channel(form.salesforce_channel),
        )
        outbox.post(
            session,
            now=now,
            rollout_id=rollout.id,
            channel=owner_id,
            text="\n".join([confirmation, *warnings]),
        )
        return rollout.id


def _store_personas(session: Session, rollout_id: int, form: StartForm) -> None:
    """The people and user groups the form lists per persona, replacing those stored (Start and Edit)."""
    queries.replace_members(
        session,
        rollout_id=rollout_id,
        members={
            Persona.MARKETO_ADMIN.value: list(form.marketo_admins),
            Persona.SALESFORCE_ADMIN.value: list(form.salesforce_admins),
        },
        groups={
            Persona.MARKETO_ADMIN.value: list(form.marketo_groups),
            Persona.SALESFORCE_ADMIN.value: list(form.salesforce_groups),
        },
    )


def _membership_warnings(texts: Texts, form: StartForm, membership: dict[str, set[str] | None]) -> list[str]:
    warnings = []
    for people, channel in (
        (form.marketo_admins, form.marketo_channel),
        (form.salesforce_admins, form.salesforce_channel),
    ):
        members = membership.get(channel)
        if members is None:
            continue
        outside = [person for person in people if person not in members]
        if outside:
            warnings.append(
                texts.text(
                    "start.warning.not_member.one" if len(outside) == 1 else "start.warning.not_member.many",
                    users=texts.join(formatting.user(person) for person in outside),
                    channel=formatting.channel(channel),
                )
            )
    return warnings
