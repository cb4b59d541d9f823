"""Slack's side of the conversation with the bot: correctly signed requests to `/slack/events`, shaped as
Slack shapes them (slash commands as a form, interactivity as `payload=<JSON>`, events as raw JSON), and
what Slack does with the bot's answers."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from playground.workspace import BOT_USER, TEAM_ID, Workspace

logger = logging.getLogger(__name__)

ACK_SECONDS = 3.0
# Slack retries an unacknowledged event 3 times (at once, after a minute, after five); the playground keeps
# the count and the headers but waits less, so a rehearsal does not stall for minutes.
EVENT_RETRY_WAITS = (1.0, 5.0, 15.0)


class Answer:
    def __init__(self, status: int, body: str, content_type: str):
        self.status = status
        self.body = body
        self.content_type = content_type

    def json(self) -> dict[str, Any] | None:
        if not self.body.strip():
            return None
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


class SlackSide:
    def __init__(self, workspace: Workspace, signing_secret: str, bot_url: Callable[[], str]):
        self.workspace = workspace
        self.verifier = SignatureVerifier(signing_secret)
        self.bot_url = bot_url
        self.http = httpx.Client(timeout=ACK_SECONDS)
        self._event_serial = 0
        self._serial_lock = threading.Lock()
        self._closed = threading.Event()

    def close(self) -> None:
        self._closed.set()  # events still waiting to be retried are dropped, as when Slack gives up
        self.http.close()

    def _post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Answer:
        stamp = str(int(time.time()))
        all_headers: dict[str, str] = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(self.verifier.generate_signature(timestamp=stamp, body=body)),
            **(headers or {}),
        }
        try:
            response = self.http.post(
                self.bot_url() + "/slack/events", content=body.encode("utf-8"), headers=all_headers
            )
        except httpx.TimeoutException:
            return Answer(0, "", "")  # not acknowledged within 3 seconds: Slack gives up on it
        except httpx.HTTPError:
            return Answer(-1, "", "")
        except RuntimeError:  # closed while this request was on its way: the playground is stopping
            return Answer(-1, "", "")
        return Answer(response.status_code, response.text, response.headers.get("content-type", ""))

    # ---------------------------------------------------------------- what Slack sends

    def slash_command(self, *, user: str, channel: str, text: str) -> Answer:
        with self.workspace.lock:
            person = self.workspace.users[user]
            info = self.workspace.channels[channel]
            response_url = self.workspace.issue_response_url(user, channel, None, ephemeral=True)
            trigger_id = self.workspace.issue_trigger(user)
        form = {
            "token": "playground",
            "team_id": TEAM_ID,
            "team_domain": "playground",
            "channel_id": channel,
            "channel_name": "directmessage" if info["is_im"] else info["name"],
            "user_id": user,
            "user_name": person["name"],
            "command": "/msi",
            "text": text,
            "api_app_id": "APLAYGROUND",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self._post(urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Answer:
        body = urlencode({"payload": json.dumps(payload)})
        return self._post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any]) -> None:
        """An Events API callback, delivered from a thread of its own (Slack does not wait on the page), and
        retried with X-Slack-Retry-Num when not acknowledged."""
        if self._closed.is_set():
            return
        with self._serial_lock:
            self._event_serial += 1
            event_id = f"Ev{int(time.time())}{self._event_serial:05d}"
        envelope = {
            "token": "playground",
            "team_id": TEAM_ID,
            "api_app_id": "APLAYGROUND",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
            ],
            "is_ext_shared_channel": False,
        }
        threading.Thread(target=self._deliver, args=(envelope,), name="playground-event", daemon=True).start()

    def _deliver(self, envelope: dict[str, Any]) -> None:
        body = json.dumps(envelope)
        answer = self._post(body, "application/json")
        for number, wait in enumerate(EVENT_RETRY_WAITS, start=1):
            if answer.status == 200 or self._closed.wait(wait):
                return
            reason = "http_timeout" if answer.status == 0 else "http_error"
            headers = {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason}
            answer = self._post(body, "application/json", headers)
        if answer.status != 200 and not self._closed.is_set():
            logger.warning("the bot never acknowledged event %s", envelope["event"].get("type"))
