"""A local fake of Slack's Web API over real HTTP, recording every call, with failure injection.

It answers the methods the bot uses the way Slack does (`{"ok": true, ...}` or `{"ok": false, "error": ...}`),
keeps the messages posted so tests can read what a channel shows, and can be told to answer the next calls
of a method with 429 + Retry-After, a 500, or a dropped connection (before or after applying the call).
It also serves response_url endpoints under /response/... and records what was posted to them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.slack.scopes import BOT_SCOPES as MANIFEST_SCOPES
from playground.limits import TRIGGER_SECONDS, json_field, refuse_payload, refuse_upload, upload_length

__all__ = ["Call", "Failure", "FakeSlack", "refuse_payload"]


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    kind: str  # "429", "500", "drop", "drop_after", or a Slack error code answered with ok=false
    retry_after: int = 1


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self.channels: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}  # id -> {"id", "handle", "name", "users", ...}
        self.views: list[dict[str, Any]] = []
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> {"content", "filename", "channel", ...}
        self.files: dict[str, dict[str, Any]] = {}  # files users shared: id -> {"info", "content", ...}
        self.downloads: list[dict[str, Any]] = []  # every GET of a file: path and headers
        self.failures: dict[str, list[Failure]] = {}
        self.refused: list[tuple[str, tuple[str, str]]] = []  # what it refused as Slack would: method, why
        self.used_triggers: set[str] = set()
        self.delays: dict[str, float] = {}
        self.socket_mode_error: str | None = None  # method -> seconds Slack takes to answer it
        self.lock = threading.Lock()
        self.expected_token = "xoxb-test-token-1234567890"
        # The scopes the app was granted (Slack names them in every Web API answer's X-OAuth-Scopes), and,
        # once the app is uninstalled or its token revoked, the error every call then gets.
        self.granted_scopes: list[str] = list(MANIFEST_SCOPES)
        self.revoked: str | None = None
        self._ts = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---------------------------------------------------------------- set-up

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_channel(
        self,
        channel_id: str,
        *,
        member: bool = True,
        private: bool = False,
        archived: bool = False,
        members: list[str] | None = None,
    ) -> None:
        self.channels[channel_id] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": not private,
            "is_private": private,
            "is_archived": archived,
            "is_member": member,
            "is_ext_shared": False,
        }
        self.channel_members[channel_id] = list(members or [])

    def add_user(
        self, user_id: str, *, tz: str = "Europe/Paris", deleted: bool = False, locale: str = "en-US"
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": user_id.lower(),
            "tz": tz,
            "deleted": deleted,
            "is_bot": False,
            "locale": locale,
        }

    def add_usergroup(
        self, group_id: str, handle: str, *, users: list[str] | None = None, disabled: bool = False
    ) -> None:
        self.usergroups[group_id] = {
            "id": group_id,
            "team_id": "T111",
            "is_usergroup": True,
            "name": handle.replace("-", " ").title(),
            "handle": handle,
            "date_delete": 1 if disabled else 0,
            "users": list(users or []),
        }

    def add_file(
        self,
        file_id: str,
        name: str,
        content: bytes,
        *,
        user: str = "U_MKTO",
        mimetype: str = "text/csv",
        content_type: str = "text/csv",
        url: str | None = None,
        redirect_to: str | None = None,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """A file as files.info describes it, served at url_private_download (here, unless `url` says)."""
        port = self.server.server_address[1]
        info = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "",
            "size": len(content),
            "user": user,
            "is_external": False,
            "url_private": url or f"http://127.0.0.1:{port}/files/{file_id}/{name}",
            "url_private_download": url or f"http://127.0.0.1:{port}/files/{file_id}/download/{name}",
        }
        if bot_id:
            info["bot_id"] = bot_id
        self.files[file_id] = {
            "info": info,
            "content": content,
            "content_type": content_type,
            "redirect_to": redirect_to,
        }
        return info

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(method, []).extend(Failure(kind, retry_after) for _ in range(times))

    # ---------------------------------------------------------------- reading what happened

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages.values() if channel is None or m["channel"] == channel]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s; calls: {[c.method for c in self.calls]}")

    # ---------------------------------------------------------------- the API

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        refusal = refuse_payload(method, params)
        if refusal is not None:
            self.refused.append((method, refusal))
            return {"ok": False, "error": refusal[0], "response_metadata": {"messages": [refusal[1]]}}
        if method == "views.open":
            expired = self._trigger_refusal(str(params.get("trigger_id", "")))
            if expired is not None:
                self.refused.append((method, (expired, "trigger")))
                return {"ok": False, "error": expired}
        return handler(params)

    def _trigger_refusal(self, trigger_id: str) -> str | None:
        """A trigger works once, for 3 seconds. Triggers the harness issues carry their issue time after an
        "@" (real ones are opaque); others are taken as fresh."""
        if trigger_id in self.used_triggers:
            return "trigger_exchanged"
        self.used_triggers.add(trigger_id)
        _, at, issued = trigger_id.rpartition("@")
        if at and issued.replace(".", "", 1).isdigit() and time.time() - float(issued) > TRIGGER_SECONDS:
            return "expired_trigger_id"
        return None

    def _channel_error(self, channel: str) -> str | None:
        if channel.startswith(("U", "W", "D")):
            return None
        info = self.channels.get(channel)
        if info is None:
            return "channel_not_found"
        if info["is_archived"]:
            return "is_archived"
        if not info["is_member"]:
            return "not_in_channel"
        return None

    def _api_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_error:
            return {"ok": False, "error": self.socket_mode_error}  # e.g. invalid_auth for a bad xapp- token
        # A WebSocket URL nobody answers: enough to see the bot ask for Socket Mode with its app token.
        return {"ok": True, "url": "ws://127.0.0.1:9/socket-mode"}

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T111"}

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        error = self._channel_error(channel)
        if error:
            return {"ok": False, "error": error}
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        ts = self._next_ts()
        message = {
            "channel": channel,
            "ts": ts,
            "text": params.get("text"),
            "blocks": json_field(params.get("blocks")),
            "thread_ts": params.get("thread_ts"),
            "metadata": json_field(params.get("metadata")),
            "updates": 0,
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": message["text"], "ts": ts}}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        message = self.messages.get(key)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = params.get("text")
        message["blocks"] = json_field(params.get("blocks"))
        message["updates"] += 1
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(params.get("channel")))
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": dict(info)}

    def _api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(params.get("channel")))
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        if info["is_private"]:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if info["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        info["is_member"] = True
        return {"ok": True, "channel": dict(info)}

    def _api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "members": self.channel_members.get(channel, []),
            "response_metadata": {"next_cursor": ""},
        }

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        shown = dict(user)
        # As Slack: the locale only for a caller that asks for it.
        if str(params.get("include_locale", "")).lower() not in ("1", "true"):
            shown.pop("locale", None)
        return {"ok": True, "user": shown}

    def _missing_scope(self, needed: str) -> dict[str, Any] | None:
        if needed in self.granted_scopes:
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": needed,
            "provided": ",".join(sorted(self.granted_scopes)),
        }

    def _api_usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing_scope("usergroups:read")
        if refused is not None:
            return refused
        with_disabled = str(params.get("include_disabled", "")).lower() in ("1", "true")
        with_users = str(params.get("include_users", "")).lower() in ("1", "true")
        found = []
        for group in self.usergroups.values():
            if group["date_delete"] and not with_disabled:
                continue
            shown = {key: value for key, value in group.items() if key != "users"}
            shown["user_count"] = len(group["users"])
            if with_users:
                shown["users"] = list(group["users"])
            found.append(shown)
        return {"ok": True, "usergroups": found}

    def _api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing_scope("usergroups:read")
        if refused is not None:
            return refused
        group = self.usergroups.get(str(params.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        if group["date_delete"] and str(params.get("include_disabled", "")).lower() not in ("1", "true"):
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group["users"])}

    def locale_lookups(self, user_id: str | None = None) -> list[Call]:
        """The users.info calls that asked for a locale (of `user_id`, or of anyone)."""
        return [
            call
            for call in self.calls_to("users.info")
            if str(call.params.get("include_locale", "")).lower() in ("1", "true")
            and (user_id is None or call.params.get("user") == user_id)
        ]

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        self.views.append({"trigger_id": params.get("trigger_id"), "view": view, "method": "views.open"})
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **(view or {})}}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        self.views.append({"user_id": params.get("user_id"), "view": view, "method": "views.publish"})
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **(view or {})}}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        self.views.append({"view_id": params.get("view_id"), "view": view, "method": "views.update"})
        return {"ok": True, "view": {"id": params.get("view_id"), **(view or {})}}

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        found = [m for (c, _ts), m in self.messages.items() if c == channel and m["thread_ts"] is None]
        return self._history(found, params)

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, parent = str(params.get("channel", "")), str(params.get("ts", ""))
        found = [
            m
            for (c, ts), m in self.messages.items()
            if c == channel and (m["thread_ts"] == parent or ts == parent)
        ]
        return self._history(found, params)

    @staticmethod
    def _history(found: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        newest_first = sorted(found, key=lambda m: float(m["ts"]), reverse=True)[
            : int(params.get("limit") or 100)
        ]
        messages = [
            {
                "type": "message",
                "ts": m["ts"],
                "text": m["text"],
                **({"metadata": m["metadata"]} if with_metadata and m["metadata"] else {}),
            }
            for m in newest_first
        ]
        return {"ok": True, "messages": messages, "has_more": False}

    def _api_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file"))
        shared = self.files.get(file_id)
        if shared is not None:
            return {"ok": True, "file": dict(shared["info"])}
        upload = self.uploads.get(file_id)
        if upload is None or upload["content"] is None:
            return {"ok": False, "error": "file_not_found"}
        # The bot's own upload, as Slack describes it: where it is shared, by channel kind.
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for share in upload["shares"]:
            kind = "public" if str(share["channel"]).startswith("C") else "private"
            entry = {"ts": share["ts"]}
            if share["thread_ts"]:
                entry["thread_ts"] = share["thread_ts"]
            shares.setdefault(kind, {}).setdefault(str(share["channel"]), []).append(entry)
        return {
            "ok": True,
            "file": {
                "id": file_id,
                "name": upload["filename"],
                "title": upload.get("title"),
                "shares": shares,
            },
        }

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_not_found"}
        first = users.split(",")[0]
        return {"ok": True, "channel": {"id": "D" + first[1:]}}

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        length = upload_length(params)
        if not params.get("filename") or length is None:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.uploads) + 1:06d}"
        self.uploads[file_id] = {
            "filename": params.get("filename"),
            "length": length,
            "content": None,
            "shares": [],
        }
        port = self.server.server_address[1]
        return {"ok": True, "upload_url": f"http://127.0.0.1:{port}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = json_field(params.get("files")) or []
        for entry in files:
            upload = self.uploads.get(entry.get("id"))
            if upload is None or upload["content"] is None:
                # Completing a file whose bytes never arrived (refused, or never sent): the bot must not.
                refusal = ("file_not_found", str(entry.get("id")))
                self.refused.append(("files.completeUploadExternal", refusal))
                return {"ok": False, "error": "file_not_found"}
        for entry in files:
            # Completing the same file again shares it again: the worst case a retry can meet.
            upload = self.uploads[entry["id"]]
            upload["title"] = entry.get("title")
            upload["shares"].append(
                {
                    "channel": params.get("channel_id") or params.get("channels"),
                    "initial_comment": params.get("initial_comment"),
                    "thread_ts": params.get("thread_ts"),
                    "ts": self._next_ts(),
                }
            )
        return {"ok": True, "files": [{"id": entry.get("id")} for entry in files]}

    def completed_uploads(self) -> list[dict[str, Any]]:
        """One entry per share of a file: a file shared twice shows twice."""
        with self.lock:
            return [
                {
                    "id": file_id,
                    "filename": upload["filename"],
                    "title": upload.get("title"),
                    "content": upload["content"],
                    "upload_headers": upload.get("upload_headers"),
                    "completed": True,
                    **share,
                }
                for file_id, upload in self.uploads.items()
                for share in upload["shares"]
            ]

    # ---------------------------------------------------------------- HTTP plumbing

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the
            # client's delayed ACK of the headers (40 ms on Linux) on every keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                headers = {key.lower(): value for key, value in self.headers.items()}
                with fake.lock:
                    fake.downloads.append({"path": path, "headers": headers})
                parts = path.split("/")
                shared = fake.files.get(parts[2]) if len(parts) > 2 and parts[1] == "files" else None
                if shared is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if shared["redirect_to"]:
                    self.send_response(302)
                    self.send_header("Location", shared["redirect_to"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if headers.get("authorization") != "Bearer " + fake.expected_token:
                    self._send(200, b"<html><body>Sign in to Slack</body></html>", "text/html")
                    return
                self._send(200, shared["content"], shared["content_type"])

            def do_POST(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    raw = self._read_chunked()
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                is_upload = urlsplit(self.path).path.startswith("/upload/")
                params = {} if is_upload else _parse_body(raw, self.headers.get("Content-Type", ""))
                headers = {key.lower(): value for key, value in self.headers.items()}
                if path.startswith("/upload/"):
                    with fake.lock:
                        # fail("upload", "500"): the upload URL answers 500 and keeps nothing
                        queue = fake.failures.get("upload") or []
                        failed = queue.pop(0) if queue else None
                    if failed is not None:
                        self._send(500, b"Internal Server Error", "text/plain")
                        return
                    with fake.lock:
                        upload = fake.uploads.get(path.removeprefix("/upload/"))
                        refusal = refuse_upload(upload["length"], raw) if upload is not None else None
                        if refusal is not None:
                            # As Slack does: the file stays unuploaded, and its completion is refused.
                            fake.refused.append(("upload", ("length_mismatch", refusal)))
                        elif upload is not None:
                            upload["content"] = raw
                            upload["upload_headers"] = headers
                    if refusal is not None:
                        self._send(400, refusal.encode(), "text/plain")
                    else:
                        self._send(200 if upload is not None else 404, b"OK", "text/plain")
                    return
                if path.startswith("/response/"):
                    refusal = refuse_payload("response_url", params)
                    with fake.lock:
                        if refusal is not None:
                            fake.refused.append(("response_url", refusal))
                        else:
                            fake.responses.append({"path": path, "body": params, "headers": headers})
                    if refusal is not None:
                        self._send(400, refusal[0].encode(), "text/plain")
                    else:
                        self._send(200, b"ok", "text/plain")
                    return
                method = path.removeprefix("/api/")
                if fake.delays.get(method):
                    time.sleep(fake.delays[method])  # a slow Slack: the call is answered this much later
                with fake.lock:
                    fake.calls.append(Call(method, params, headers))
                    queue = fake.failures.get(method) or []
                    failure = queue.pop(0) if queue else None
                if failure is not None and failure.kind == "429":
                    self._send(
                        429,
                        b'{"ok": false, "error": "ratelimited"}',
                        headers={"Retry-After": str(failure.retry_after)},
                    )
                    return
                if failure is not None and failure.kind == "500":
                    self._send(500, b"<html>Internal Server Error</html>", "text/html")
                    return
                if failure is not None and failure.kind == "drop":
                    self._drop()
                    return
                if failure is not None and failure.kind not in ("drop_after",):
                    self._send(200, json.dumps({"ok": False, "error": failure.kind}).encode())
                    return
                token_kind = "Bearer xapp-" if method == "apps.connections.open" else "Bearer xoxb-"
                if not headers.get("authorization", "").startswith(token_kind):
                    result = {"ok": False, "error": "not_authed"}
                elif fake.revoked is not None and token_kind == "Bearer xoxb-":
                    result = {"ok": False, "error": fake.revoked}
                else:
                    with fake.lock:
                        result = fake.handle(method, params)
                if failure is not None and failure.kind == "drop_after":
                    self._drop()
                    return
                self._send(
                    200,
                    json.dumps(result).encode(),
                    headers={"X-OAuth-Scopes": ",".join(sorted(fake.granted_scopes))},
                )

            def _drop(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)

            def _read_chunked(self) -> bytes:
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str = "application/json",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "application/json" in content_type:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {
        key: values[-1]
        for key, values in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()
    }
