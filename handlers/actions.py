"""Buttons on the bot's messages and App Home."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    pass
