"""Checking steps 6 and 7 in the Salesforce org itself (Tooling API), when the org is configured.

The check runs off the request path (a lazy listener) and outside any transaction; its result is stored
on the step and shown on the step message check by check. Mark done then counts it as evidence, or asks
for an override reason while a check fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.platform.access import Click, Refusal, answers_refusals, tell
from bot.platform.people import reader_texts
from bot.slack import formatting
from bot.steps import cards
from bot.steps.runbook import Persona
from bot.steps.salesforce import (
    CheckResult,
    SalesforceClient,
    SalesforceError,
    check_package,
    check_remote_sites,
)
from storage import queries
from storage.db import Database
from storage.models import Rollout, RolloutStatus, Step

logger = logging.getLogger(__name__)

CHECKS: dict[int, Callable[[SalesforceClient], CheckResult]] = {6: check_package, 7: check_remote_sites}


def as_record(result: CheckResult, *, by: str, at: datetime) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "by": by,
        "at": at.isoformat(),
        "checks": [
            {
                "name_key": check.name_key,
                "key": check.key,
                "params": dict(check.params),
                "passed": check.passed,
                "warning": check.warning,
            }
            for check in result.checks
        ],
    }


class VerificationService:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        clients: Mapping[str, SalesforceClient],
        *,
        groups: queries.GroupMembers | None = None,
    ):
        self.database = database
        self.clock = clock
        self.clients = dict(clients)
        self.groups = groups

    @property
    def environments(self) -> frozenset[str]:
        return frozenset(self.clients)

    @answers_refusals
    def verify(self, *, step_id: int, click: Click) -> None:
        now = self.clock()
        with self.database.write() as session:
            step = session.get(Step, step_id)
            rollout = session.get(Rollout, step.rollout_id) if step is not None else None
            texts = reader_texts(session, click.user_id, fallback=rollout.language if rollout else None)
            refusal = None
            if step is None or rollout is None:
                refusal = texts.text("deny.step_gone")
            elif rollout.status != RolloutStatus.ACTIVE:
                refusal = texts.text("deny.rollout_cancelled", rollout=formatting.escape(rollout.name))
            elif step.number not in CHECKS:
                refusal = texts.text("verify.not_applicable")
            elif rollout.environment not in self.clients:
                refusal = texts.text(
                    "verify.not_configured", environment=texts.text(f"environment.{rollout.environment}")
                )
            elif Persona.SALESFORCE_ADMIN.value not in queries.personas_of(
                session, rollout_id=rollout.id or 0, user_id=click.user_id, groups=self.groups
            ):
                raise Refusal(
                    "verify.deny",
                    {"rollout": formatting.escape(rollout.name)},
                    attempted="verify",
                    rollout_id=rollout.id,
                    step=step.number,
                )
            if refusal is not None:
                tell(session, now=now, click=click, text=refusal, rollout_id=rollout.id if rollout else None)
                return
            assert step is not None and rollout is not None
            number, environment, language = step.number, rollout.environment, rollout.language
        try:
            result = CHECKS[number](self.clients[environment])  # network: outside any transaction
        except SalesforceError as error:
            logger.warning("Salesforce check of step %s failed: %s", number, error.key)
            params = {name: formatting.escape(str(value)) for name, value in error.params.items()}
            with self.database.write() as session:
                texts = reader_texts(session, click.user_id, fallback=language)
                tell(
                    session,
                    now=self.clock(),
                    click=click,
                    text=texts.text(error.key, **params),
                    rollout_id=None,
                )
            return
        now = self.clock()
        with self.database.write() as session:
            rollout = queries.lock_rollout(session, rollout_id=step.rollout_id)
            stored = session.get(Step, step_id, populate_existing=True)
            if rollout is None or stored is None:
                return
            stored.verification = as_record(result, by=click.user_id, at=now)
            cards.render(session, rollout=rollout, step=stored, now=now)
            queries.audit(
                session,
                now=now,
                rollout_id=rollout.id,
                actor=click.user_id,
                action="step_verified",
                details={"step": number, "verification": stored.verification},
            )
            texts = reader_texts(session, click.user_id, fallback=rollout.language)
            outcome = texts.text("verify.outcome.passed" if result.passed else "verify.outcome.failed")
            tell(
                session,
                now=now,
                click=click,
                text=texts.text("verify.done", number=number, outcome=outcome),
                rollout_id=rollout.id,
            )
