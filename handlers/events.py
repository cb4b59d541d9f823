"""Events API callbacks. Bolt answers 404 to events no listener matches, and Slack then retries them, so
every subscribed event has a listener, even those the bot does not act on."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.services import Services


def register(app: App, services: Services) -> None:
    def ignore(ack: Ack) -> None:
        ack()

    app.event("message")(ignore)
