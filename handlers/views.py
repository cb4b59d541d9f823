"""Modal submissions: validated on the server, errors shown beside their fields."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.rollouts import read_start_form
from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def submit_start(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_start_form(view.get("state", {}).get("values", {}))
        outcome = services.rollouts.start(owner_id=body["user"]["id"], form=form)
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
        else:
            ack()

    app.view(ids.START_VIEW)(submit_start)
