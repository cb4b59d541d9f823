"""Private answers to slash commands, and which rollout a command means (SPEC section 2).

The name given; else the one whose channel the command was typed in; else, in a direct message with the
bot, the only active rollout; else the user picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storage import queries
from storage.models import Rollout


@dataclass
class Answer:
    """A private answer to a slash command: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Resolution:
    rollout: Rollout | None
    candidates: Sequence[Rollout]
    named: bool


def resolve_rollout(session: Session, *, name: str, channel_id: str) -> Resolution:
    if name:
        return Resolution(
            queries.active_rollout_by_name(session, name=name), queries.active_rollouts(session), True
        )
    here = queries.rollouts_using_channel(session, channel_id=channel_id)
    if len(here) == 1:
        return Resolution(here[0], here, False)
    if here:
        return Resolution(None, here, False)
    active = queries.active_rollouts(session)
    if channel_id.startswith("D") and len(active) == 1:
        return Resolution(active[0], active, False)
    return Resolution(None, active, False)
