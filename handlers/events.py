"""Events API callbacks. Bolt answers 404 to events no listener matches, and Slack then retries them, so
every subscribed event has a listener, even those the bot does not act on."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.services import Services


def register(app: App, services: Services) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
    app.event("message")(acknowledge)
    app.event("file_shared")(acknowledge)
