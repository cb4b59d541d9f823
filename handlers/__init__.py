"""Thin Bolt listeners grouped by Slack surface; each module exposes register(app, services)."""

from slack_bolt import App

from bot.services import Services
from handlers import actions, commands, events, views


def register_all(app: App, services: Services) -> None:
    for module in (commands, views, actions, events):
        module.register(app, services)
