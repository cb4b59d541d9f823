"""The emulated Slack workspace: people, channels, messages, ephemerals, views, files, and the Web API methods
the bot calls, answered the way Slack answers them (`{"ok": true, ...}` or `{"ok": false, "error": ...}`).

Everything lives in memory under one lock; `version` goes up on every change so the page can wait for news.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.slack.scopes import BOT_SCOPES
from playground.limits import (
    POST_BURST,
    POSTS_PER_SECOND,
    TRIGGER_SECONDS,
    ChannelRate,
    json_field,
    refuse_payload,
    refuse_upload,
    upload_length,
)

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "TPLAYGROUND"
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
MODAL_STACK = 3

# The seeded people: an owner, two Marketo admins, a Salesforce admin and someone with no role.
PEOPLE: list[dict[str, str]] = [
    {
        "id": "UOWNER",
        "name": "olivia",
        "real_name": "Olivia Owner",
        "title": "Rollout owner",
        "tz": "America/New_York",
        "locale": "en-US",
    },
    {
        "id": "UMKTO1",
        "name": "kenji",
        "real_name": "Kenji Tanaka",
        "title": "Marketo admin",
        "tz": "Asia/Tokyo",
        "locale": "ja-JP",
    },
    {
        "id": "UMKTO2",
        "name": "maria",
        "real_name": "Maria Garcia",
        "title": "Marketo admin",
        "tz": "Europe/Madrid",
        "locale": "en-GB",
    },
    {
        "id": "USFDC1",
        "name": "sam",
        "real_name": "Sam Fischer",
        "title": "Salesforce admin",
        "tz": "Europe/Berlin",
        "locale": "en-US",
    },
    {
        "id": "UGUEST",
        "name": "nina",
        "real_name": "Nina Novak",
        "title": "No role",
        "tz": "Australia/Sydney",
        "locale": "en-AU",
    },
]
CHANNELS: list[dict[str, Any]] = [
    {"id": "CMKTO", "name": "marketo-admins", "members": ["UOWNER", "UMKTO1", "UMKTO2", BOT_USER]},
    {"id": "CSFDC", "name": "salesforce-admins", "members": ["UOWNER", "USFDC1", BOT_USER]},
    {"id": "CGENERAL", "name": "general", "members": [p["id"] for p in PEOPLE]},
]

# Slack user groups, which a rollout's personas may name instead of (or beside) people.
USERGROUPS: list[dict[str, Any]] = [
    {"id": "SMKTO", "handle": "marketo-team", "name": "Marketo team", "users": ["UMKTO1", "UMKTO2"]},
    {"id": "SSFDC", "handle": "salesforce-team", "name": "Salesforce team", "users": ["USFDC1"]},
]


def dm_of(user_id: str) -> str:
    """The id of the direct-message channel between `user_id` and the bot."""
    return "D" + user_id[1:]


@dataclass
class Trigger:
    user: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    user: str
    channel: str
    message_ts: str | None  # the message clicked, which replace_original/delete_original act on
    ephemeral: bool
    created: float = field(default_factory=time.monotonic)
    uses: int = 0


class Workspace:
    def __init__(
        self,
        *,
        base_url: str = "",
        bot_token: str = "",
        post_burst: int = POST_BURST,
        posts_per_second: float = POSTS_PER_SECOND,
    ) -> None:
        self.base_url = base_url  # e.g. http://127.0.0.1:PORT, for the URLs the emulator hands out
        self.bot_token = bot_token
        self.post_rate = ChannelRate(burst=post_burst, per_second=posts_per_second)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.closing = False
        # Where the Events API callbacks of what the bot does itself go (set by the playground: to the bot).
        self.emit: Callable[[dict[str, Any]], None] = lambda event: None
        self.reset()

    # ---------------------------------------------------------------- state

    def reset(self) -> None:
        with self.lock:
            self.version = getattr(self, "version", 0) + 1
            self.users: dict[str, dict[str, Any]] = {p["id"]: dict(p) for p in PEOPLE}
            self.users[BOT_USER] = {
                "id": BOT_USER,
                "name": "msi",
                "real_name": "MSI Actions",
                "title": "Bot",
                "tz": "UTC",
                "locale": "en-US",
                "is_bot": True,
            }
            self.channels: dict[str, dict[str, Any]] = {}
            for channel in CHANNELS:
                self.channels[channel["id"]] = {
                    **channel,
                    "members": list(channel["members"]),
                    "is_im": False,
                }
            for person in PEOPLE:
                dm = dm_of(person["id"])
                self.channels[dm] = {
                    "id": dm,
                    "name": person["name"],
                    "members": [person["id"], BOT_USER],
                    "is_im": True,
                    "user": person["id"],
                }
            self.usergroups: dict[str, dict[str, Any]] = {
                group["id"]: {**group, "users": list(group["users"]), "disabled": False}
                for group in USERGROUPS
            }
            # The scopes the app was granted: an app created from manifest.yml has the ones it asks for.
            self.granted_scopes: set[str] = set(BOT_SCOPES)
            self.messages: dict[str, dict[str, Any]] = {}  # ts -> message (ts is unique workspace-wide)
            self.ephemerals: list[dict[str, Any]] = []
            self.modals: dict[str, list[dict[str, Any]]] = {}  # user -> stack of views, top last
            self.homes: dict[str, dict[str, Any]] = {}  # user -> published Home view
            self.files: dict[str, dict[str, Any]] = {}
            self.triggers: dict[str, Trigger] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            self.notices: list[dict[str, Any]] = []  # what Slack would show a user as an error toast
            self.refused: list[tuple[str, str]] = []
            self.ratelimited: list[tuple[str, str]] = []  # (method, channel) answered 429
            self.post_rate.forget()
            self._serial = itertools.count(1)
            self._clock = time.time()
            self.touch()

    def touch(self) -> None:
        with self.lock:
            self.version += 1
            self.changed.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != since or self.closing, timeout=timeout)
            return self.version

    def close(self) -> None:
        """Answers every page waiting for news at once, so stopping never waits on a long poll."""
        with self.changed:
            self.closing = True
            self.changed.notify_all()

    def next_ts(self) -> str:
        # Increasing and unique, like Slack's, even for several messages in one microsecond.
        self._clock = max(time.time(), self._clock + 0.000001)
        return f"{self._clock:.6f}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):06d}"

    def issue_trigger(self, user: str) -> str:
        trigger_id = f"{next(self._serial)}.{secrets.token_hex(6)}"
        self.triggers[trigger_id] = Trigger(user=user, issued=time.monotonic())
        return trigger_id

    def issue_response_url(self, user: str, channel: str, message_ts: str | None, ephemeral: bool) -> str:
        token = secrets.token_urlsafe(12)
        self.response_urls[token] = ResponseUrl(user, channel, message_ts, ephemeral)
        return f"{self.base_url}/response/{token}"

    def notify(self, user: str, text: str) -> None:
        self.notices.append({"user": user, "text": text, "id": next(self._serial)})
        self.touch()

    def member(self, channel: str, user: str) -> bool:
        info = self.channels.get(channel)
        return info is not None and user in info["members"]

    # ---------------------------------------------------------------- posting

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str | None,
        blocks: Any = None,
        thread_ts: str | None = None,
        files: list[str] | None = None,
        metadata: Any = None,
    ) -> dict[str, Any]:
        ts = self.next_ts()
        message = {
            "type": "message",
            "channel": channel,
            "ts": ts,
            "user": user,
            "text": text or "",
            "blocks": with_block_ids(blocks) if isinstance(blocks, list) else None,
            "thread_ts": thread_ts if thread_ts and thread_ts != ts else None,
            "files": list(files or []),
            "metadata": metadata,
            "edited": False,
        }
        if user == BOT_USER:
            message["bot_id"] = BOT_ID
        self.messages[ts] = message
        self.touch()
        return message

    def add_ephemeral(self, channel: str, user: str, text: str | None, blocks: Any) -> dict[str, Any]:
        ephemeral = {
            "type": "message",
            "channel": channel,
            "ts": self.next_ts(),
            "for_user": user,
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": text or "",
            "blocks": with_block_ids(blocks) if isinstance(blocks, list) else None,
            "ephemeral": True,
        }
        self.ephemerals.append(ephemeral)
        self.touch()
        return ephemeral

    # ---------------------------------------------------------------- the Web API

    def call(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        """One Web API call as Slack answers it."""
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token != self.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        refusal = refuse_payload(method, params)
        with self.lock:
            if refusal is not None:
                self.refused.append((method, refusal[1]))
                return {"ok": False, "error": refusal[0], "response_metadata": {"messages": [refusal[1]]}}
            result: dict[str, Any] = handler(params)
            return result

    def throttle(self, method: str, params: dict[str, Any], token: str) -> int | None:
        """Seconds the bot must wait before this call (Slack's 429 and Retry-After), or None to answer it.
        Only chat.postMessage is limited, per channel, as Slack documents."""
        if method != "chat.postMessage" or token != self.bot_token:
            return None
        with self.lock:
            channel, error = self._target_channel(str(params.get("channel") or ""))
            if error or channel is None:
                return None
            wait = self.post_rate.retry_after(channel)
            if wait is not None:
                self.ratelimited.append((method, channel))
            return wait

    def _target_channel(self, channel: str) -> tuple[str | None, str | None]:
        """The channel a post goes to (a user id means the DM with the bot), or the error Slack gives."""
        if channel in self.users and channel != BOT_USER:
            channel = dm_of(channel)
        info = self.channels.get(channel)
        if info is None:
            return None, "channel_not_found"
        if BOT_USER not in info["members"]:
            return None, "not_in_channel"
        return channel, None

    def api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self.base_url + "/",
            "team": "Playground",
            "user": "msi",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, error = self._target_channel(str(params.get("channel") or ""))
        if error or channel is None:
            return {"ok": False, "error": error}
        text, blocks = params.get("text"), json_field(params.get("blocks"))
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        thread_ts = params.get("thread_ts") or None
        if thread_ts is not None and (str(thread_ts) not in self.messages):
            return {"ok": False, "error": "thread_not_found"}
        message = self.add_message(
            channel,
            user=BOT_USER,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=json_field(params.get("metadata")),
        )
        # Slack tells the bot of its own posts too, in every channel it is subscribed to.
        self.emit({**message_event(message), "event_ts": message["ts"]})
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": public(message)}

    def api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = str(params.get("ts") or "")
        message = self.messages.get(ts)
        channel = str(params.get("channel") or "")
        if channel in self.users:
            channel = dm_of(channel)
        if message is None or message["channel"] != channel:
            return {"ok": False, "error": "message_not_found"}
        if message["user"] != BOT_USER:
            return {"ok": False, "error": "cant_update_message"}
        previous = message_event(message)
        if "text" in params:
            message["text"] = params.get("text") or ""
        if "blocks" in params:
            blocks = json_field(params.get("blocks"))
            message["blocks"] = with_block_ids(blocks) if isinstance(blocks, list) else None
        if "metadata" in params:
            message["metadata"] = json_field(params.get("metadata"))
        message["edited"] = True
        self.touch()
        self.emit(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel,
                "channel_type": previous["channel_type"],
                "ts": self.next_ts(),
                "event_ts": ts,
                "message": message_event(message),
                "previous_message": previous,
            }
        )
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}

    def api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, error = self._target_channel(str(params.get("channel") or ""))
        if error or channel is None:
            return {"ok": False, "error": error}
        user = str(params.get("user") or "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        if not self.member(channel, user):
            return {"ok": False, "error": "user_not_in_channel"}
        ephemeral = self.add_ephemeral(channel, user, params.get("text"), json_field(params.get("blocks")))
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _channel_info(self, channel_id: str) -> dict[str, Any]:
        info = self.channels[channel_id]
        if info["is_im"]:
            return {
                "id": channel_id,
                "is_im": True,
                "user": info["user"],
                "is_member": True,
                "is_channel": False,
                "is_private": True,
                "is_archived": False,
            }
        return {
            "id": channel_id,
            "name": info["name"],
            "is_channel": True,
            "is_private": False,
            "is_im": False,
            "is_archived": False,
            "is_ext_shared": False,
            "is_member": BOT_USER in info["members"],
            "num_members": len(info["members"]),
        }

    def api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": self._channel_info(channel)}

    def api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        info = self.channels.get(channel)
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        if info["is_im"]:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if BOT_USER not in info["members"]:
            info["members"].append(BOT_USER)
            self.add_message(channel, user=BOT_USER, text="joined the channel")
        return {"ok": True, "channel": self._channel_info(channel)}

    def api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        members = list(self.channels[channel]["members"])
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1 or users[0] not in self.users or users[0] == BOT_USER:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": dm_of(users[0])}}

    def _history(self, found: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        newest_first = sorted(found, key=lambda m: float(m["ts"]), reverse=True)[:limit]
        messages = []
        for message in newest_first:
            shown = public(message)
            if not with_metadata:
                shown.pop("metadata", None)
            messages.append(shown)
        return {"ok": True, "messages": messages, "has_more": False}

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        found = [m for m in self.messages.values() if m["channel"] == channel and m["thread_ts"] is None]
        return self._history(found, params)

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, parent = str(params.get("channel") or ""), str(params.get("ts") or "")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if parent not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        found = [
            m
            for m in self.messages.values()
            if m["channel"] == channel and (m["thread_ts"] == parent or m["ts"] == parent)
        ]
        return self._history(found, params)

    def api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        described: dict[str, Any] = {
            "id": user["id"],
            "team_id": TEAM_ID,
            "name": user["name"],
            "real_name": user["real_name"],
            "deleted": False,
            "is_bot": bool(user.get("is_bot")),
            "tz": user["tz"],
            "profile": {"real_name": user["real_name"], "display_name": user["name"], "title": user["title"]},
        }
        if str(params.get("include_locale", "")).lower() in ("1", "true"):
            described["locale"] = user["locale"]  # Slack gives the locale only when asked for it
        return {"ok": True, "user": described}

    # ---------------------------------------------------------------- user groups

    def _missing_scope(self, needed: str) -> dict[str, Any] | None:
        if needed in self.granted_scopes:
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": needed,
            "provided": ",".join(sorted(self.granted_scopes)),
        }

    def api_usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing_scope("usergroups:read")
        if refused is not None:
            return refused
        with_disabled = str(params.get("include_disabled", "")).lower() in ("1", "true")
        with_users = str(params.get("include_users", "")).lower() in ("1", "true")
        listed = []
        for group in self.usergroups.values():
            if group["disabled"] and not with_disabled:
                continue
            shown: dict[str, Any] = {
                "id": group["id"],
                "team_id": TEAM_ID,
                "is_usergroup": True,
                "name": group["name"],
                "handle": group["handle"],
                "date_delete": 1 if group["disabled"] else 0,
                "user_count": len(group["users"]),
            }
            if with_users:
                shown["users"] = list(group["users"])
            listed.append(shown)
        return {"ok": True, "usergroups": listed}

    def api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing_scope("usergroups:read")
        if refused is not None:
            return refused
        group = self.usergroups.get(str(params.get("usergroup") or ""))
        with_disabled = str(params.get("include_disabled", "")).lower() in ("1", "true")
        if group is None or (group["disabled"] and not with_disabled):
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group["users"])}

    # ---------------------------------------------------------------- views

    def _trigger_error(self, trigger_id: str) -> tuple[str | None, Trigger | None]:
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            return "invalid_trigger_id", None
        if trigger.used:
            return "trigger_exchanged", None
        if time.monotonic() - trigger.issued > TRIGGER_SECONDS:
            return "expired_trigger_id", None
        trigger.used = True
        return None, trigger

    def _new_view(self, view: dict[str, Any], *, root: str | None, previous: str | None) -> dict[str, Any]:
        view_id = self.next_id("V")
        return {
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "blocks": with_block_ids(list(view.get("blocks") or [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "hash": secrets.token_hex(8),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "app_id": "APLAYGROUND",
            "bot_id": BOT_ID,
            "state": {"values": {}},
            "errors": {},
        }

    def api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        if view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        error, trigger = self._trigger_error(str(params.get("trigger_id") or ""))
        if error or trigger is None:
            return {"ok": False, "error": error}
        opened = self._new_view(view, root=None, previous=None)
        self.modals[trigger.user] = [opened]
        self.touch()
        return {"ok": True, "view": public_view(opened)}

    def api_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        error, trigger = self._trigger_error(str(params.get("trigger_id") or ""))
        if error or trigger is None:
            return {"ok": False, "error": error}
        return self.push(trigger.user, view)

    def push(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        stack = self.modals.get(user) or []
        if not stack:
            return {"ok": False, "error": "not_found"}
        if len(stack) >= MODAL_STACK:
            return {"ok": False, "error": "push_limit_reached"}
        pushed = self._new_view(view, root=stack[0]["id"], previous=stack[-1]["id"])
        stack.append(pushed)
        self.touch()
        return {"ok": True, "view": public_view(pushed)}

    def find_view(self, view_id: str) -> tuple[str, dict[str, Any]] | None:
        """(owner, view) of an open modal or a published Home tab."""
        for user, stack in self.modals.items():
            for view in stack:
                if view["id"] == view_id:
                    return user, view
        for user, home in self.homes.items():
            if home["id"] == view_id:
                return user, home
        return None

    def api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        found = self.find_view(str(params.get("view_id") or ""))
        if found is None:
            return {"ok": False, "error": "not_found"}
        _, current = found
        wanted_hash = params.get("hash")
        if wanted_hash and wanted_hash != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        self.replace_view(current, view)
        return {"ok": True, "view": public_view(current)}

    def replace_view(self, current: dict[str, Any], view: dict[str, Any]) -> None:
        kept = {key: current[key] for key in ("id", "root_view_id", "previous_view_id", "team_id")}
        current.clear()
        current.update(self._new_view(view, root=kept["root_view_id"], previous=kept["previous_view_id"]))
        current.update(kept)
        self.touch()

    def api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = json_field(params.get("view"))
        user = str(params.get("user_id") or "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        if view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        current = self.homes.get(user)
        if current is not None:
            wanted_hash = params.get("hash")
            if wanted_hash and wanted_hash != current["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            self.replace_view(current, view)
        else:
            current = self.homes[user] = self._new_view(view, root=None, previous=None)
            self.touch()
        return {"ok": True, "view": public_view(current)}

    # ---------------------------------------------------------------- files

    def add_file(self, name: str, content: bytes, *, user: str, mimetype: str) -> dict[str, Any]:
        file_id = self.next_id("F")
        self.files[file_id] = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "",
            "user": user,
            "content": content,
            "shares": [],
            "complete": True,
        }
        if user == BOT_USER:
            self.files[file_id]["bot_id"] = BOT_ID
        return self.files[file_id]

    def file_info(self, file_id: str) -> dict[str, Any]:
        stored = self.files[file_id]
        name = stored["name"]
        info = {key: stored[key] for key in ("id", "name", "title", "mimetype", "filetype", "user")}
        info.update(
            {
                "size": len(stored["content"] or b""),
                "is_external": False,
                "mode": "hosted",
                "url_private": f"{self.base_url}/files/{file_id}/{name}",
                "url_private_download": f"{self.base_url}/files/{file_id}/download/{name}",
            }
        )
        if stored.get("bot_id"):
            info["bot_id"] = stored["bot_id"]
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for share in stored["shares"]:
            kind = "public" if share["channel"].startswith("C") else "private"
            entry: dict[str, Any] = {"ts": share["ts"]}
            if share.get("thread_ts"):
                entry["thread_ts"] = share["thread_ts"]
            shares.setdefault(kind, {}).setdefault(share["channel"], []).append(entry)
        info["shares"] = shares
        info["channels"] = sorted({share["channel"] for share in stored["shares"]})
        return info

    def api_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file") or "")
        stored = self.files.get(file_id)
        if stored is None or not stored["complete"]:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self.file_info(file_id)}

    def api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("filename") or "")
        length = upload_length(params)
        if not name or length is None:
            return {"ok": False, "error": "invalid_arguments"}
        stored = self.add_file(name, b"", user=BOT_USER, mimetype="text/csv" if name.endswith(".csv") else "")
        stored["complete"] = False
        stored["content"] = None
        stored["length"] = length
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{stored['id']}", "file_id": stored["id"]}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Take the body sent to a file's upload URL; False (refused) when the URL is unknown or used, or
        the body's size is not the length the URL was asked for (the file then stays unuploaded)."""
        with self.lock:
            stored = self.files.get(file_id)
            if stored is None or stored["complete"] or refuse_upload(stored.get("length"), content):
                return False
            stored["content"] = content
            return True

    def api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = json_field(params.get("files")) or []
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            return {"ok": False, "error": "invalid_arguments"}
        for entry in entries:
            stored = self.files.get(str(entry.get("id")))
            if stored is None or stored["content"] is None:
                return {"ok": False, "error": "file_not_found"}
        channel_param = str(params.get("channel_id") or params.get("channels") or "")
        channel: str | None = None
        if channel_param:
            channel, error = self._target_channel(channel_param)
            if error:
                return {"ok": False, "error": error}
        ids = []
        for entry in entries:
            stored = self.files[str(entry["id"])]
            stored["complete"] = True
            if entry.get("title"):
                stored["title"] = entry["title"]
            ids.append(stored["id"])
        if channel is not None:
            thread_ts = params.get("thread_ts") or None
            message = self.add_message(
                channel,
                user=BOT_USER,
                text=params.get("initial_comment") or "",
                thread_ts=thread_ts,
                files=ids,
            )
            for file_id in ids:
                self.files[file_id]["shares"].append(
                    {"channel": channel, "ts": message["ts"], "thread_ts": thread_ts}
                )
            # One upload, two events, for the bot's own files as for anyone's.
            files = [self.file_info(file_id) for file_id in ids]
            self.emit(
                {
                    **message_event(message),
                    "subtype": "file_share",
                    "files": files,
                    "upload": False,
                    "event_ts": message["ts"],
                }
            )
            for file_id in ids:
                self.emit(
                    {
                        "type": "file_shared",
                        "channel_id": channel,
                        "file_id": file_id,
                        "user_id": BOT_USER,
                        "file": {"id": file_id},
                        "event_ts": message["ts"],
                    }
                )
        return {
            "ok": True,
            "files": [{"id": file_id, "title": self.files[file_id]["title"]} for file_id in ids],
        }


def with_block_ids(blocks: list[Any]) -> list[Any]:
    """Blocks as Slack stores them: every block and every interactive element has an id, generated when the
    bot gave none."""
    stored = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            stored.append(block)
            continue
        block = dict(block)
        block.setdefault("block_id", f"b{index}")
        elements = block.get("elements") if block.get("type") == "actions" else None
        if isinstance(elements, list):
            block["elements"] = [
                {**element, "action_id": element.get("action_id") or f"a{position}"}
                if isinstance(element, dict)
                else element
                for position, element in enumerate(elements)
            ]
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                block[key] = {**block[key], "action_id": block[key].get("action_id") or "a0"}
        stored.append(block)
    return stored


def message_event(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Events API describes it."""
    event = {key: value for key, value in public(message).items() if key != "metadata"}
    event["channel"] = message["channel"]
    event["channel_type"] = "im" if message["channel"].startswith("D") else "channel"
    return event


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Web API returns it."""
    shown = {key: value for key, value in message.items() if key not in ("channel", "files", "edited")}
    if shown.get("thread_ts") is None:
        shown.pop("thread_ts", None)
    if shown.get("blocks") is None:
        shown.pop("blocks", None)
    if shown.get("metadata") is None:
        shown.pop("metadata", None)
    return shown


def public_view(view: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in view.items() if key != "errors"}
