"""Events API callbacks. Bolt answers 404 to events no listener matches, and Slack then retries them, so
every subscribed event has a listener, even those the bot does not act on."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.uploads.service import Upload, looks_like_csv


def register(app: App, services: Services) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        client.views_publish(user_id=user_id, view=services.reports.home(user_id=user_id))

    def is_own(user_id: str | None, context: BoltContext) -> bool:
        return bool(user_id) and user_id == context.get("bot_user_id")

    def file_message(ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        """A message with files (subtype file_share): record each CSV, then ack; reading happens later."""
        if not is_own(event.get("user"), context) and not event.get("bot_id"):
            for shared in event.get("files") or []:
                if not isinstance(shared, dict) or not shared.get("id"):
                    continue
                if not looks_like_csv(shared.get("name"), shared.get("mimetype"), shared.get("filetype")):
                    continue  # screenshots and the like: ignored without a word
                recorded = services.uploads.record(
                    Upload(
                        event_id=f"{body.get('event_id', '')}:{shared['id']}",
                        file_id=str(shared["id"]),
                        user_id=str(event.get("user", "")),
                        channel_id=str(event.get("channel", "")),
                        file_name=shared.get("name"),
                    )
                )
                if recorded:
                    wake_importer()
        ack()

    def file_shared(ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        if file_id and not is_own(event.get("user_id"), context):
            recorded = services.uploads.record(
                Upload(
                    event_id=str(body.get("event_id", "")),
                    file_id=file_id,
                    user_id=str(event.get("user_id", "")),
                    channel_id=str(event.get("channel_id", "")),
                )
            )
            if recorded:
                wake_importer()
        ack()

    def wake_importer() -> None:
        services.upload_arrived.set()

    def access_ended(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        services.slack_access.refuse(str(event.get("type", "tokens_revoked")))

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
    app.event("app_uninstalled")(access_ended)
    app.event("tokens_revoked")(access_ended)
    app.event({"type": "message", "subtype": "file_share"})(file_message)
    app.event("message")(acknowledge)
    app.event("file_shared")(file_shared)
