"""Who clicked, and how a private answer reaches them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.platform import outbox


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
