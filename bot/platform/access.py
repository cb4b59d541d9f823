"""Who clicked, how a private answer reaches them, and the one way a domain refuses what they attempted."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.platform import outbox
from bot.platform.people import reader_texts, rollout_language
from bot.texts import Texts
from storage import queries
from storage.db import Database


@dataclass(frozen=True)
class Click:
    """Who clicked, and where a private answer can go."""

    user_id: str
    response_url: str | None = None


def tell(session: Session, *, now: datetime, click: Click, text: str, rollout_id: int | None) -> None:
    """A private answer: through the response_url when the click has one, else by direct message."""
    if click.response_url:
        outbox.respond(session, now=now, response_url=click.response_url, text=text, rollout_id=rollout_id)
    else:
        outbox.post(session, now=now, rollout_id=rollout_id, channel=click.user_id, text=text)


class Refusal(Exception):
    """Someone may not do what they attempted: the catalog message that tells them who may, and what the
    `click_denied` audit row records (`attempted`, plus `details`).

    Raised inside the domain's write transaction, which then rolls back, so a refusal can change nothing
    but its answer and its audit row; `refuse` writes those two in a transaction of their own."""

    def __init__(
        self,
        message_id: str,
        params: dict[str, object | Callable[[Texts], str]] | None = None,
        /,
        *,
        attempted: str,
        rollout_id: int | None,
        **details: object,
    ):
        super().__init__(message_id)
        self.message_id = message_id
        self.params = dict(params or {})
        self.attempted = attempted
        self.rollout_id = rollout_id
        self.details = details

    def text(self, texts: Texts) -> str:
        """The answer in the reader's language `texts` (params are escaped where they are raised, as for any
        catalog text; a param that is itself a text is given as a function of the Texts, rendered here)."""
        params = {name: value(texts) if callable(value) else value for name, value in self.params.items()}
        return texts.text(self.message_id, **params)


def refuse(
    database: Database, refusal: Refusal, *, now: datetime, actor: str, click: Click | None = None
) -> str:
    """Audit the refusal and, for a click, answer it privately, in one transaction of its own (the one a
    queued click is finished with: see `Database.finishing_with`). Returns the answer's text, for answers
    that go back in the acknowledgement instead (a slash command's, a modal's field error). The answer is in
    the language `actor` reads (until known, the refused rollout's)."""
    with database.write() as session:
        fallback = rollout_language(session, refusal.rollout_id)
        text = refusal.text(reader_texts(session, actor, fallback=fallback))
        if click is not None:
            tell(session, now=now, click=click, text=text, rollout_id=refusal.rollout_id)
        queries.audit(
            session,
            now=now,
            rollout_id=refusal.rollout_id,
            actor=actor,
            action="click_denied",
            details={"attempted": refusal.attempted, **refusal.details},
        )
    return text


class _Service(Protocol):
    database: Database

    def clock(self) -> datetime: ...


_S = TypeVar("_S", bound=_Service)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def answers_refusals(
    method: Callable[Concatenate[_S, _P], _R],
) -> Callable[Concatenate[_S, _P], _R | None]:
    """A service method taking `click=`: a Refusal raised inside it is answered to that click by `refuse`,
    and the method returns None. Only for methods called outside any transaction (handlers call them):
    the refusal's own transaction must not nest inside another."""

    @functools.wraps(method)
    def answering(service: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R | None:
        try:
            return method(service, *args, **kwargs)
        except Refusal as refusal:
            click: Any = kwargs["click"]
            refuse(service.database, refusal, now=service.clock(), actor=click.user_id, click=click)
            return None

    return answering


def answers_refusals_as(
    reply: Callable[[str], _R],
) -> Callable[[Callable[Concatenate[_S, _P], _R]], Callable[Concatenate[_S, _P], _R]]:
    """A service method whose answer goes back in the acknowledgement (a slash command, a modal's
    submission), taking `user_id=`: a Refusal raised inside it is audited by `refuse`, and the method
    returns `reply(text)`. Only for methods called outside any transaction, as `answers_refusals`."""

    def decorate(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
        @functools.wraps(method)
        def answering(service: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return method(service, *args, **kwargs)
            except Refusal as refusal:
                actor = str(kwargs["user_id"])
                return reply(refuse(service.database, refusal, now=service.clock(), actor=actor))

        return answering

    return decorate
