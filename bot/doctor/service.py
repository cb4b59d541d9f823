"""`/msi doctor` and `msi-bot doctor`: is this deployment working, and if not, what to fix.

Every check only reads: nothing is joined, posted or changed. A check that cannot run because an earlier
one failed (no channel can be checked without a working token) says so instead of failing on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.doctor.findings import Finding, Problem
from bot.platform import outbox, readiness
from bot.slack.scopes import BOT_SCOPES
from bot.steps.salesforce import SalesforceClient, SalesforceError
from storage import migrate, queries
from storage.db import Database
from storage.models import Rollout

logger = logging.getLogger(__name__)

NETWORK_ERRORS = (OSError, HTTPException, ValueError)
# Slack errors that mean the token itself is no good (the app was uninstalled, or its token revoked).
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"}
)
CHECKS = ("token", "scopes", "channels", "members", "salesforce", "database", "outbox")


class Doctor:
    def __init__(
        self,
        database: Database,
        client: WebClient,
        salesforce: Mapping[str, SalesforceClient],
        clock: Callable[[], datetime],
        *,
        outbox_stuck_after: timedelta = readiness.STUCK_AFTER,
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.groups = groups
        self.client = client
        self.salesforce = salesforce
        self.clock = clock
        self.outbox_stuck_after = outbox_stuck_after

    def may_run(self, user_id: str) -> bool:
        """Rollout owners and the people of a rollout's personas; anyone while no rollout is active, so
        whoever installed the app can check it before the first rollout starts."""
        with self.database.read() as session:
            rollouts = queries.active_rollouts(session)
            if not rollouts:
                return True
            if any(rollout.owner_id == user_id for rollout in rollouts):
                return True
            return any(
                queries.personas_of(session, rollout_id=rollout.id or 0, user_id=user_id, groups=self.groups)
                for rollout in rollouts
            )

    def examine(self) -> list[Finding]:
        """Every check, in the order of CHECKS."""
        token, granted = self._token()
        findings = [token]
        if token.ok:
            findings.append(self._scopes(granted))
        else:
            findings.append(Finding("scopes", skipped=True, problems=(Problem("doctor.skipped.token"),)))
        database = self._database()
        rollouts = self._active_rollouts() if database.ok else None
        if not token.ok or rollouts is None:
            reason = "doctor.skipped.token" if not token.ok else "doctor.skipped.database"
            findings.append(Finding("channels", skipped=True, problems=(Problem(reason),)))
            findings.append(Finding("members", skipped=True, problems=(Problem(reason),)))
        else:
            findings.append(self._channels(rollouts))
            findings.append(self._members(rollouts))
        findings.append(self._salesforce())
        findings.append(database)
        if database.ok:
            findings.append(self._outbox())
        else:
            findings.append(Finding("outbox", skipped=True, problems=(Problem("doctor.skipped.database"),)))
        return findings

    # ---------------------------------------------------------------- Slack

    def _token(self) -> tuple[Finding, set[str] | None]:
        try:
            response = self.client.auth_test()
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown"))
            key = "doctor.token.refused" if code in TOKEN_REFUSED else "doctor.token.error"
            return Finding("token", problems=(Problem(key, {"error": code}),)), None
        except NETWORK_ERRORS as error:
            logger.warning("doctor: auth.test unreachable: %s", type(error).__name__)
            return Finding("token", problems=(Problem("doctor.token.unreachable"),)), None
        headers = {str(name).lower(): value for name, value in (response.headers or {}).items()}
        scopes = headers.get("x-oauth-scopes")
        if isinstance(scopes, list):
            scopes = ",".join(str(part) for part in scopes)
        granted = {scope.strip() for scope in str(scopes).split(",") if scope.strip()} if scopes else None
        team = str(response.get("team") or response.get("team_id") or "?")
        return Finding("token", ok_key="doctor.token.ok", ok_params={"team": team}), granted

    @staticmethod
    def _scopes(granted: set[str] | None) -> Finding:
        if granted is None:
            return Finding("scopes", problems=(Problem("doctor.scopes.unknown"),))
        missing = sorted(BOT_SCOPES - granted)
        if missing:
            return Finding("scopes", problems=(Problem("doctor.scopes.missing", {"scopes": missing}),))
        return Finding("scopes", ok_key="doctor.scopes.ok", ok_params={"count": len(BOT_SCOPES)})

    def _channels(self, rollouts: list[Rollout]) -> Finding:
        problems: list[Problem] = []
        channels: dict[str, str] = {}  # channel id -> the first rollout using it
        for rollout in rollouts:
            for channel in (rollout.marketo_channel, rollout.salesforce_channel):
                channels.setdefault(channel, rollout.name)
        for channel, rollout_name in channels.items():
            params = {"channel": channel, "rollout": rollout_name}
            try:
                info = self.client.conversations_info(channel=channel)["channel"]
            except SlackApiError as error:
                code = str(error.response.get("error", "unknown"))
                problems.append(Problem("doctor.channels.not_found", {**params, "error": code}))
                continue
            except NETWORK_ERRORS:
                problems.append(Problem("doctor.channels.unreachable", params))
                continue
            if info.get("is_archived"):
                problems.append(Problem("doctor.channels.archived", params))
            elif not info.get("is_member"):
                problems.append(Problem("doctor.channels.not_member", params))
        if problems:
            return Finding("channels", problems=tuple(problems))
        return Finding(
            "channels",
            ok_key="doctor.channels.ok",
            ok_params={"count": len(channels), "rollouts": len(rollouts)},
        )

    def _members(self, rollouts: list[Rollout]) -> Finding:
        people: dict[str, str] = {}  # user id -> the first rollout naming them
        groups: dict[str, str] = {}  # user group id -> the first rollout naming it
        with self.database.read() as session:
            for rollout in rollouts:
                for user_id in [rollout.owner_id, *queries.members(session, rollout_id=rollout.id or 0)]:
                    people.setdefault(user_id, rollout.name)
                for group_id in queries.member_groups(session, rollout_id=rollout.id or 0):
                    groups.setdefault(group_id, rollout.name)
        problems: list[Problem] = self._empty_groups(groups)
        for user_id, rollout_name in people.items():
            params = {"user": user_id, "rollout": rollout_name}
            try:
                user = self.client.users_info(user=user_id)["user"]
            except SlackApiError as error:
                if str(error.response.get("error", "")) == "user_not_found":
                    problems.append(Problem("doctor.members.gone", params))
                else:
                    problems.append(Problem("doctor.members.unreachable", params))
                continue
            except NETWORK_ERRORS:
                problems.append(Problem("doctor.members.unreachable", params))
                continue
            if user.get("deleted"):
                problems.append(Problem("doctor.members.gone", params))
        if problems:
            return Finding("members", problems=tuple(problems))
        return Finding("members", ok_key="doctor.members.ok", ok_params={"count": len(people)})

    def _empty_groups(self, groups: dict[str, str]) -> list[Problem]:
        """A user group standing for a persona that is gone, disabled or empty: nobody holds the persona
        through it. A missing usergroups:read is the scopes check's to report."""
        if not groups:
            return []
        handles: dict[str, str] = {}
        try:
            for entry in self.client.usergroups_list(include_disabled=False).get("usergroups") or []:
                handles[str(entry.get("id"))] = "@" + str(entry.get("handle") or entry.get("id"))
        except (SlackApiError, *NETWORK_ERRORS):
            pass
        problems: list[Problem] = []
        for group_id, rollout_name in groups.items():
            params = {"group": handles.get(group_id, group_id), "rollout": rollout_name}
            try:
                users = self.client.usergroups_users_list(usergroup=group_id, include_disabled=False).get(
                    "users"
                )
            except SlackApiError as error:
                code = str(error.response.get("error", ""))
                if code == "missing_scope":
                    continue
                key = (
                    "doctor.members.group_empty"
                    if code == "no_such_subteam"
                    else "doctor.members.group_unreachable"
                )
                problems.append(Problem(key, params))
                continue
            except NETWORK_ERRORS:
                problems.append(Problem("doctor.members.group_unreachable", params))
                continue
            if not users:
                problems.append(Problem("doctor.members.group_empty", params))
        return problems

    # ---------------------------------------------------------------- Salesforce

    def _salesforce(self) -> Finding:
        if not self.salesforce:
            return Finding("salesforce", ok_key="doctor.salesforce.none")
        problems: list[Problem] = []
        for environment, client in sorted(self.salesforce.items()):
            try:
                client.check_credentials()
            except SalesforceError as error:
                problems.append(
                    Problem("doctor.salesforce.failed", {"environment": environment, "reason": error})
                )
        if problems:
            return Finding("salesforce", problems=tuple(problems))
        return Finding(
            "salesforce",
            ok_key="doctor.salesforce.ok",
            ok_params={"environments": sorted(self.salesforce)},
        )

    # ---------------------------------------------------------------- the database and the outbox

    def _database(self) -> Finding:
        try:
            current, head = migrate.current_and_head(self.database)
        except SQLAlchemyError as error:
            logger.warning("doctor: the database did not answer: %s", type(error).__name__)
            return Finding("database", problems=(Problem("doctor.database.down"),))
        if current != head:
            return Finding(
                "database",
                problems=(
                    Problem("doctor.database.behind", {"current": current or "-", "head": head or "-"}),
                ),
            )
        return Finding("database", ok_key="doctor.database.ok", ok_params={"head": head or "-"})

    def _active_rollouts(self) -> list[Rollout] | None:
        try:
            with self.database.read() as session:
                return list(queries.active_rollouts(session))
        except SQLAlchemyError:
            return None

    def _outbox(self) -> Finding:
        now = self.clock()
        with self.database.read() as session:
            count, oldest = outbox.due_backlog(session, now=now)
        if oldest is not None and now - oldest > self.outbox_stuck_after:
            return Finding(
                "outbox", problems=(Problem("doctor.outbox.stuck", {"count": count, "since": oldest}),)
            )
        return Finding("outbox", ok_key="doctor.outbox.ok", ok_params={"count": count})
