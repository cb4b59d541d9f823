"""The emulator's HTTP side, one WSGI application: Slack's Web API (`/api/<method>`), its upload and file
hosts, the `response_url`s it hands out, and the page (`/`, `/static/…`) with the JSON endpoints the page
uses (`/pg/…`) to act as the person chosen in its "you are" switcher."""

from __future__ import annotations

import base64
import json
import mimetypes
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from playground.limits import json_field, refuse_payload
from playground.slack_side import Answer, SlackSide
from playground.workspace import (
    BOT_USER,
    RESPONSE_URL_SECONDS,
    RESPONSE_URL_USES,
    TEAM_ID,
    Workspace,
    dm_of,
    public,
    public_view,
)

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
LONG_POLL_SECONDS = 20.0

StartResponse = Callable[..., Any]


class PageError(Exception):
    """A request from the page that cannot be done, answered 400 with the reason."""


class Emulator:
    def __init__(self, workspace: Workspace, slack: SlackSide, reset: Callable[[], None]):
        self.workspace = workspace
        self.slack = slack
        self.reset = reset
        self.max_body = MAX_BODY_BYTES  # read by the HTTP server (bot/slack/server.py)

    # ---------------------------------------------------------------- WSGI

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        content_type = environ.get("CONTENT_TYPE", "")
        query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if path.startswith("/api/"):
                params = dict(query)
                params.update(parse_body(raw, content_type))
                token = headers.get("authorization", "").removeprefix("Bearer ").strip()
                token = token or str(params.pop("token", ""))
                method_name = path.removeprefix("/api/")
                wait = self.workspace.throttle(method_name, params, token)
                if wait is not None:
                    return self._send(
                        start_response,
                        "429 Too Many Requests",
                        json.dumps({"ok": False, "error": "ratelimited"}).encode(),
                        "application/json",
                        [("Retry-After", str(wait))],
                    )
                answer = self.workspace.call(method_name, params, token)
                # As Slack does in every Web API answer: the scopes the app was granted at install, which
                # for an app created from manifest.yml are the ones it asks for.
                granted = [("X-OAuth-Scopes", ",".join(sorted(self.workspace.granted_scopes)))]
                return self._send(
                    start_response, "200 OK", json.dumps(answer).encode(), "application/json", granted
                )
            if path.startswith("/upload/") and method == "POST":
                received = self.workspace.receive_upload(path.removeprefix("/upload/"), raw)
                return self._send(
                    start_response, "200 OK" if received else "404 Not Found", b"OK", "text/plain"
                )
            if path.startswith("/files/") and method == "GET":
                return self._file(start_response, path, headers.get("authorization", ""), check_token=True)
            if path.startswith("/response/") and method == "POST":
                return self._response_url(start_response, path.removeprefix("/response/"), raw, content_type)
            if path == "/" or path.startswith("/static/"):
                return self._static(
                    start_response, "index.html" if path == "/" else path.removeprefix("/static/")
                )
            if path.startswith("/pg/files/") and method == "GET":
                return self._file(start_response, path.removeprefix("/pg"), "", check_token=False)
            if path == "/pg/state" and method == "GET":
                return self._json(start_response, self.state(query.get("user", ""), query.get("since")))
            if path.startswith("/pg/") and method == "POST":
                handler = getattr(self, "page_" + path.removeprefix("/pg/"), None)
                if handler is None:
                    return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")
                request = json.loads(raw or b"{}")
                if not isinstance(request, dict):
                    raise PageError("expected a JSON object")
                return self._json(start_response, handler(request))
        except PageError as error:
            return self._json(start_response, {"ok": False, "error": str(error)}, "400 Bad Request")
        except ValueError:
            return self._json(start_response, {"ok": False, "error": "malformed request"}, "400 Bad Request")
        return self._json(start_response, {"ok": False, "error": "not found"}, "404 Not Found")

    @staticmethod
    def _send(
        start_response: StartResponse,
        status: str,
        body: bytes,
        content_type: str,
        extra: list[tuple[str, str]] | None = None,
    ) -> list[bytes]:
        start_response(
            status,
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                *(extra or []),
            ],
        )
        return [body]

    def _json(
        self, start_response: StartResponse, body: dict[str, Any], status: str = "200 OK"
    ) -> list[bytes]:
        return self._send(start_response, status, json.dumps(body).encode(), "application/json")

    def _static(self, start_response: StartResponse, name: str) -> list[bytes]:
        target = (STATIC / name).resolve()
        if STATIC.resolve() not in target.parents or not target.is_file():
            return self._send(start_response, "404 Not Found", b"not found", "text/plain")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript",):
            kind += "; charset=utf-8"
        return self._send(start_response, "200 OK", target.read_bytes(), kind)

    def _file(
        self, start_response: StartResponse, path: str, authorization: str, *, check_token: bool
    ) -> list[bytes]:
        parts = path.split("/")  # /files/F…/name or /files/F…/download/name
        with self.workspace.lock:
            stored = self.workspace.files.get(parts[2]) if len(parts) > 2 else None
            content = stored["content"] if stored is not None and stored["complete"] else None
            name, kind = (stored["name"], stored["mimetype"]) if stored is not None else ("", "")
        if content is None:
            return self._send(start_response, "404 Not Found", b"not found", "text/plain")
        if check_token and authorization != "Bearer " + self.workspace.bot_token:
            # What Slack answers a file URL without the token: a sign-in page, not the file.
            return self._send(
                start_response, "200 OK", b"<html><body>Sign in to Slack</body></html>", "text/html"
            )
        disposition = [("Content-Disposition", f'attachment; filename="{name.replace(chr(34), "")}"')]
        return self._send(start_response, "200 OK", content, kind or "application/octet-stream", disposition)

    def _response_url(
        self, start_response: StartResponse, token: str, raw: bytes, content_type: str
    ) -> list[bytes]:
        body = parse_body(raw, content_type)
        refusal = refuse_payload("response_url", body)
        with self.workspace.lock:
            url = self.workspace.response_urls.get(token)
            if url is None or time.monotonic() - url.created > RESPONSE_URL_SECONDS:
                return self._send(start_response, "404 Not Found", b"expired_url", "text/plain")
            if url.uses >= RESPONSE_URL_USES:
                return self._send(start_response, "404 Not Found", b"used_url", "text/plain")
            if refusal is not None:
                self.workspace.refused.append(("response_url", refusal[1]))
                return self._send(start_response, "400 Bad Request", refusal[0].encode(), "text/plain")
            url.uses += 1
            self.apply_response(url.user, url.channel, url.message_ts, url.ephemeral, body)
        return self._send(start_response, "200 OK", b"ok", "text/plain")

    def apply_response(
        self, user: str, channel: str, message_ts: str | None, ephemeral: bool, body: dict[str, Any]
    ) -> None:
        """A message sent to a response_url (or in a slash command's acknowledgement)."""
        workspace = self.workspace
        blocks = json_field(body.get("blocks"))
        replace = (
            str(body.get("replace_original", "")).lower() == "true" or body.get("replace_original") is True
        )
        delete = str(body.get("delete_original", "")).lower() == "true" or body.get("delete_original") is True
        if message_ts is not None and (replace or delete):
            if ephemeral:
                workspace.ephemerals = [e for e in workspace.ephemerals if e["ts"] != message_ts]
                if replace:
                    workspace.add_ephemeral(channel, user, body.get("text"), blocks)
            elif message_ts in workspace.messages:
                if delete:
                    del workspace.messages[message_ts]
                else:
                    workspace.messages[message_ts].update(
                        text=body.get("text") or "",
                        blocks=blocks if isinstance(blocks, list) else None,
                        edited=True,
                    )
            workspace.touch()
            return
        if body.get("response_type") == "in_channel":
            workspace.add_message(channel, user=BOT_USER, text=body.get("text"), blocks=blocks)
        else:
            workspace.add_ephemeral(channel, user, body.get("text"), blocks)

    # ---------------------------------------------------------------- what the page reads

    def state(self, user: str, since: str | None) -> dict[str, Any]:
        workspace = self.workspace
        if since is not None and since.isdigit():
            workspace.wait_for_change(int(since), LONG_POLL_SECONDS)
        with workspace.lock:
            if user not in workspace.users or user == BOT_USER:
                raise PageError("unknown person")
            visible = [
                channel
                for channel in workspace.channels.values()
                if not channel["is_im"] or channel["user"] == user
            ]
            visible_ids = {channel["id"] for channel in visible}
            messages = [m for m in workspace.messages.values() if m["channel"] in visible_ids]
            file_ids = {file_id for m in messages for file_id in m["files"]}
            stack = workspace.modals.get(user) or []
            home = workspace.homes.get(user)
            return {
                "ok": True,
                "version": workspace.version,
                "me": user,
                "bot": BOT_USER,
                "team": TEAM_ID,
                "users": [dict(person) for person in workspace.users.values()],
                "channels": [
                    {
                        "id": c["id"],
                        "name": c["name"],
                        "is_im": c["is_im"],
                        "member": user in c["members"],
                        "bot_member": BOT_USER in c["members"],
                        "members": list(c["members"]),
                    }
                    for c in visible
                ],
                "messages": [
                    {**public(m), "channel": m["channel"], "files": m["files"], "edited": m["edited"]}
                    for m in sorted(messages, key=lambda m: float(m["ts"]))
                ],
                "ephemerals": [e for e in workspace.ephemerals if e["for_user"] == user],
                "files": {
                    file_id: {
                        "id": file_id,
                        "name": workspace.files[file_id]["name"],
                        "title": workspace.files[file_id]["title"],
                        "size": len(workspace.files[file_id]["content"] or b""),
                    }
                    for file_id in file_ids
                    if file_id in workspace.files
                },
                "modal": {**public_view(stack[-1]), "errors": stack[-1]["errors"], "depth": len(stack)}
                if stack
                else None,
                "home": public_view(home) if home is not None else None,
                "notices": [n for n in workspace.notices if n["user"] == user][-5:],
            }

    # ---------------------------------------------------------------- what the page does

    def _person(self, request: dict[str, Any]) -> str:
        user = str(request.get("user") or "")
        if user not in self.workspace.users or user == BOT_USER:
            raise PageError("unknown person")
        return user

    def _channel(self, request: dict[str, Any], user: str) -> str:
        channel = str(request.get("channel") or "")
        info = self.workspace.channels.get(channel)
        if info is None or (info["is_im"] and info["user"] != user):
            raise PageError("unknown channel")
        if user not in info["members"]:
            raise PageError("you are not a member of this channel")
        return channel

    def _failed(self, user: str, answer: Answer, what: str) -> dict[str, Any]:
        """What Slack shows when the bot did not answer in time or answered with an error."""
        reason = "operation_timeout" if answer.status == 0 else f"http_service_error ({answer.status})"
        text = f"{what} failed with the error \u201c{reason}\u201d"
        with self.workspace.lock:
            self.workspace.notify(user, text)
        return {"ok": False, "error": text}

    def page_message(self, request: dict[str, Any]) -> dict[str, Any]:
        """The message box: `/msi …` is the slash command; anything else is posted as the person."""
        user = self._person(request)
        channel = self._channel(request, user)
        text = str(request.get("text") or "").strip()
        thread_ts = request.get("thread_ts") or None
        if not text:
            raise PageError("nothing to send")
        if text.split()[0] == "/msi":
            answer = self.slack.slash_command(user=user, channel=channel, text=text[4:].strip())
            if answer.status != 200:
                return self._failed(user, answer, "/msi")
            body = answer.json()
            if body is None and answer.body.strip():
                body = {"text": answer.body}
            if body:
                with self.workspace.lock:
                    self.apply_response(user, channel, None, True, body)
            return {"ok": True}
        if text.startswith("/"):
            with self.workspace.lock:
                self.workspace.notify(user, f"{text.split()[0]} is not a valid command. Try /msi.")
            return {"ok": False, "error": "not a command"}
        with self.workspace.lock:
            if thread_ts is not None and thread_ts not in self.workspace.messages:
                raise PageError("no such thread")
            message = self.workspace.add_message(channel, user=user, text=text, thread_ts=thread_ts)
        event = {k: v for k, v in public(message).items() if k not in ("blocks", "metadata")}
        event.update(
            channel=channel,
            event_ts=message["ts"],
            channel_type="im" if channel.startswith("D") else "channel",
        )
        self.slack.event(event)
        return {"ok": True, "ts": message["ts"]}

    def page_upload(self, request: dict[str, Any]) -> dict[str, Any]:
        """A file shared by drop or picker: the message with the file, then Slack's two events."""
        user = self._person(request)
        channel = self._channel(request, user)
        name = str(request.get("name") or "").strip().replace("/", "_") or "upload"
        try:
            content = base64.b64decode(str(request.get("content") or ""), validate=True)
        except ValueError:
            raise PageError("the file could not be read") from None
        if len(content) > MAX_UPLOAD_BYTES:
            raise PageError("the file is larger than the playground takes (10 MB)")
        kind = (
            str(request.get("mimetype") or "") or mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        comment = str(request.get("text") or "")
        with self.workspace.lock:
            stored = self.workspace.add_file(name, content, user=user, mimetype=kind)
            message = self.workspace.add_message(channel, user=user, text=comment, files=[stored["id"]])
            stored["shares"].append({"channel": channel, "ts": message["ts"], "thread_ts": None})
            info = self.workspace.file_info(stored["id"])
        channel_type = "im" if channel.startswith("D") else "channel"
        self.slack.event(
            {
                "type": "message",
                "subtype": "file_share",
                "text": comment,
                "files": [info],
                "upload": False,
                "user": user,
                "display_as_bot": False,
                "ts": message["ts"],
                "channel": channel,
                "event_ts": message["ts"],
                "channel_type": channel_type,
            }
        )
        self.slack.event(
            {
                "type": "file_shared",
                "channel_id": channel,
                "file_id": stored["id"],
                "user_id": user,
                "file": {"id": stored["id"]},
                "event_ts": message["ts"],
            }
        )
        return {"ok": True, "file_id": stored["id"], "ts": message["ts"]}

    def page_home(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._person(request)
        self.slack.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": dm_of(user),
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
        )
        return {"ok": True}

    def page_action(self, request: dict[str, Any]) -> dict[str, Any]:
        """A click on a button, or a choice in a select or overflow menu, in a message or a view."""
        user = self._person(request)
        block_id, action_id = str(request.get("block_id") or ""), str(request.get("action_id") or "")
        with self.workspace.lock:
            payload = self._action_payload(user, request, block_id, action_id)
        answer = self.slack.interaction(payload)
        if answer.status != 200:
            return self._failed(user, answer, "This action")
        return {"ok": True}

    def _action_payload(
        self, user: str, request: dict[str, Any], block_id: str, action_id: str
    ) -> dict[str, Any]:
        workspace = self.workspace
        person = workspace.users[user]
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": person["name"], "name": person["name"], "team_id": TEAM_ID},
            "api_app_id": "APLAYGROUND",
            "token": "playground",
            "team": {"id": TEAM_ID, "domain": "playground"},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": workspace.issue_trigger(user),
            "state": {"values": {}},
        }
        view_id = request.get("view_id")
        ts = str(request.get("ts") or "")
        if view_id:
            found = workspace.find_view(str(view_id))
            if found is None or found[0] != user:
                raise PageError("that view is no longer open")
            view = found[1]
            blocks = view["blocks"]
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = public_view(view)
        else:
            ephemeral = next(
                (e for e in workspace.ephemerals if e["ts"] == ts and e["for_user"] == user), None
            )
            message = workspace.messages.get(ts)
            source = ephemeral or message
            if source is None:
                raise PageError("that message is gone")
            channel = self._channel({"channel": source["channel"]}, user)
            blocks = source.get("blocks") or []
            info = workspace.channels[channel]
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral is not None,
            }
            payload["channel"] = {"id": channel, "name": "directmessage" if info["is_im"] else info["name"]}
            if ephemeral is None and message is not None:
                payload["message"] = public(message)
            payload["response_url"] = workspace.issue_response_url(user, channel, ts, ephemeral is not None)
        element = find_element(blocks, block_id, action_id)
        if element is None:
            raise PageError("that button is gone")
        payload["actions"] = [action_of(element, block_id, request)]
        return payload

    def page_submit(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._person(request)
        raw_values = request.get("values") or {}
        if not isinstance(raw_values, dict):
            raise PageError("values must be an object")
        with self.workspace.lock:
            stack = self.workspace.modals.get(user) or []
            if not stack or stack[-1]["id"] != request.get("view_id"):
                raise PageError("that modal is no longer open")
            view = stack[-1]
            values, required = state_values(view["blocks"], raw_values)
            view["state"] = {"values": values}
            if required:
                # Slack itself refuses an empty required field, before the bot hears of it.
                view["errors"] = {block_id: "Please complete this required field." for block_id in required}
                self.workspace.touch()
                return {"ok": False, "errors": view["errors"]}
            person = self.workspace.users[user]
            payload = {
                "type": "view_submission",
                "team": {"id": TEAM_ID, "domain": "playground"},
                "user": {"id": user, "username": person["name"], "name": person["name"], "team_id": TEAM_ID},
                "api_app_id": "APLAYGROUND",
                "token": "playground",
                "trigger_id": self.workspace.issue_trigger(user),
                "view": public_view(view),
                "response_urls": [],
                "is_enterprise_install": False,
            }
        answer = self.slack.interaction(payload)
        if answer.status != 200:
            return self._failed(user, answer, "Submitting the form")
        body = answer.json() or {}
        action = body.get("response_action")
        with self.workspace.lock:
            stack = self.workspace.modals.get(user) or []
            if not stack or stack[-1] is not view:
                return {"ok": True}  # the bot replaced the modal meanwhile (views.update)
            if action == "errors":
                view["errors"] = dict(body.get("errors") or {})
            elif action == "update":
                self.workspace.replace_view(view, body.get("view") or {})
            elif action == "push":
                self.workspace.push(user, body.get("view") or {})
            elif action == "clear":
                self.workspace.modals.pop(user, None)
            else:
                stack.pop()
                if not stack:
                    self.workspace.modals.pop(user, None)
            self.workspace.touch()
            return {
                "ok": True,
                "response_action": action,
                "errors": view.get("errors") if action == "errors" else {},
            }

    def page_close(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._person(request)
        with self.workspace.lock:
            stack = self.workspace.modals.get(user) or []
            if not stack or stack[-1]["id"] != request.get("view_id"):
                raise PageError("that modal is no longer open")
            view = stack.pop()
            if not stack:
                self.workspace.modals.pop(user, None)
            self.workspace.touch()
            person = self.workspace.users[user]
            payload = {
                "type": "view_closed",
                "team": {"id": TEAM_ID, "domain": "playground"},
                "user": {"id": user, "username": person["name"], "name": person["name"], "team_id": TEAM_ID},
                "api_app_id": "APLAYGROUND",
                "token": "playground",
                "view": public_view(view),
                "is_cleared": False,
                "is_enterprise_install": False,
            }
        if view.get("notify_on_close"):
            self.slack.interaction(payload)
        return {"ok": True}

    def page_join(self, request: dict[str, Any]) -> dict[str, Any]:
        """The person joins a public channel, as anyone in a workspace may."""
        user = self._person(request)
        channel = str(request.get("channel") or "")
        with self.workspace.lock:
            info = self.workspace.channels.get(channel)
            if info is None or info["is_im"]:
                raise PageError("unknown channel")
            if user in info["members"]:
                return {"ok": True}
            info["members"].append(user)
            message = self.workspace.add_message(channel, user=user, text=f"<@{user}> has joined the channel")
            message["subtype"] = "channel_join"
        event = {
            "type": "message",
            "subtype": "channel_join",
            "user": user,
            "text": message["text"],
            "channel": channel,
            "ts": message["ts"],
            "event_ts": message["ts"],
            "channel_type": "channel",
        }
        self.slack.event(event)
        return {"ok": True}

    def page_dismiss(self, request: dict[str, Any]) -> dict[str, Any]:
        """Dismiss an ephemeral message, as its reader can in Slack."""
        user = self._person(request)
        with self.workspace.lock:
            self.workspace.ephemerals = [
                e
                for e in self.workspace.ephemerals
                if not (e["ts"] == request.get("ts") and e["for_user"] == user)
            ]
            self.workspace.touch()
        return {"ok": True}

    def page_reset(self, request: dict[str, Any]) -> dict[str, Any]:
        self.reset()
        return {"ok": True}


# ---------------------------------------------------------------- Block Kit, as Slack reads it back


def find_element(blocks: list[Any], block_id: str, action_id: str) -> dict[str, Any] | None:
    for block in blocks:
        if not isinstance(block, dict) or block.get("block_id") != block_id:
            continue
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found += list(group.get("options") or [])
    return [option for option in found if isinstance(option, dict)]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any] | None:
    return next((option for option in _options(element) if option.get("value") == value), None)


def action_of(element: dict[str, Any], block_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The `actions[0]` Slack sends for a click or choice on `element`."""
    kind = element.get("type")
    action: dict[str, Any] = {
        "type": kind,
        "block_id": block_id,
        "action_id": element["action_id"],
        "action_ts": f"{time.time():.6f}",
    }
    chosen = request.get("selected")
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if element.get("style"):
            action["style"] = element["style"]
    elif kind in ("static_select", "overflow", "radio_buttons"):
        option = _option(element, chosen)
        if option is None:
            raise PageError("no such option")
        action["selected_option"] = option
    elif kind in ("users_select", "conversations_select", "channels_select"):
        key = {
            "users_select": "selected_user",
            "conversations_select": "selected_conversation",
            "channels_select": "selected_channel",
        }[kind]
        action[key] = chosen
    else:
        raise PageError(f"the playground does not send {kind} actions")
    return action


_SINGLE_IDS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}
_MULTI_IDS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_TEXT_INPUTS = ("plain_text_input", "email_text_input", "url_text_input", "number_input")


def state_values(blocks: list[Any], raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`view.state.values` as Slack sends them, built from what the page's form holds (`raw[block_id]` is a
    string or a list of strings), and the required inputs left empty."""
    values: dict[str, Any] = {}
    empty_required: list[str] = []
    for block in blocks:
        if (
            not isinstance(block, dict)
            or block.get("type") != "input"
            or not isinstance(block.get("element"), dict)
        ):
            continue
        element = block["element"]
        kind = str(element.get("type"))
        given = raw.get(block["block_id"])
        texts = [str(item) for item in given] if isinstance(given, list) else ([str(given)] if given else [])
        texts = [item for item in texts if item != ""]
        shaped: dict[str, Any] = {"type": kind}
        if kind in _TEXT_INPUTS:
            value = texts[0] if texts else None
            if value is not None and element.get("max_length") and len(value) > int(element["max_length"]):
                value = value[: int(element["max_length"])]  # Slack's box stops typing at max_length
            shaped["value"] = value
        elif kind in ("static_select", "radio_buttons"):
            shaped["selected_option"] = _option(element, texts[0]) if texts else None
        elif kind in ("multi_static_select", "checkboxes"):
            shaped["selected_options"] = [
                option for option in _options(element) if option.get("value") in texts
            ]
        elif kind in _SINGLE_IDS:
            shaped[_SINGLE_IDS[kind]] = texts[0] if texts else None
        elif kind in _MULTI_IDS:
            shaped[_MULTI_IDS[kind]] = texts
        elif kind == "datepicker":
            shaped["selected_date"] = texts[0] if texts else None
        else:
            continue
        values[block["block_id"]] = {element["action_id"]: shaped}
        if not block.get("optional") and not texts:
            empty_required.append(block["block_id"])
    return values, empty_required


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "application/json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    return {
        key: values[-1]
        for key, values in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()
    }
