"""Read-only look-ups in Slack (channels, members, users) with short timeouts, for checks made before an ack.

Called mostly from request paths that must answer within Slack's 3 seconds (modal validation), so each
call has a short timeout and failures become a clear "try again" instead of an exception. `profile`, a
person's locale, is the exception: it is only ever asked after the acknowledgement (bot/platform/people.py).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

NETWORK_ERRORS = (OSError, HTTPException, ValueError)
ACTIVE_CACHE_SECONDS = 600


@dataclass(frozen=True)
class SlackProfile:
    """What `users.info` says of a person's language and time zone (None where Slack does not say)."""

    locale: str | None
    tz: str | None


@dataclass(frozen=True)
class ChannelCheck:
    """The outcome of checking that the bot can post in a channel: `problem` is a catalog key or None."""

    channel_id: str
    problem: str | None = None
    detail: str = ""


class SlackDirectory:
    def __init__(self, client: WebClient, *, pool_size: int = 8):
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="slack-lookup")
        self._active: dict[str, tuple[bool, float]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def check_channels(self, channel_ids: list[str]) -> dict[str, ChannelCheck]:
        """Check several channels at once (in parallel, to stay inside the ack deadline)."""
        results = self._pool.map(self.check_channel, channel_ids)
        return {check.channel_id: check for check in results}

    def check_channel(self, channel_id: str) -> ChannelCheck:
        """Is the bot in this channel, or can it join it? Joins public channels it is not in yet."""
        try:
            info = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in ("channel_not_found", "not_in_channel"):
                return ChannelCheck(channel_id, "start.error.channel_not_found")
            logger.warning("conversations.info failed for %s: %s", channel_id, code)
            return ChannelCheck(channel_id, "start.error.slack_unavailable")
        except NETWORK_ERRORS as error:
            logger.warning("conversations.info unreachable for %s: %s", channel_id, type(error).__name__)
            return ChannelCheck(channel_id, "start.error.slack_unavailable")
        if info.get("is_archived"):
            return ChannelCheck(channel_id, "start.error.channel_archived")
        if info.get("is_ext_shared"):
            return ChannelCheck(channel_id, "start.error.channel_external")
        if info.get("is_im") or info.get("is_mpim"):
            return ChannelCheck(channel_id, "start.error.channel_not_found")
        if info.get("is_member"):
            return ChannelCheck(channel_id)
        if info.get("is_private"):
            return ChannelCheck(channel_id, "start.error.channel_private")
        try:
            self.client.conversations_join(channel=channel_id)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown"))
            logger.info("could not join %s: %s", channel_id, code)
            return ChannelCheck(channel_id, "start.error.channel_join_failed", detail=code)
        except NETWORK_ERRORS:
            return ChannelCheck(channel_id, "start.error.slack_unavailable")
        return ChannelCheck(channel_id)

    def channel_members(self, channel_id: str, *, limit: int = 5000) -> set[str] | None:
        """The channel's members, or None when Slack could not tell (then no warning is given)."""
        found: set[str] = set()
        cursor = None
        try:
            while len(found) < limit:
                page = self.client.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
                found.update(page.get("members", []))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return found
        except (SlackApiError, *NETWORK_ERRORS) as error:
            logger.info("conversations.members failed for %s: %s", channel_id, type(error).__name__)
            return None
        return found

    def members_of(self, channel_ids: list[str]) -> dict[str, set[str] | None]:
        return dict(zip(channel_ids, self._pool.map(self.channel_members, channel_ids), strict=True))

    def is_active_user(self, user_id: str) -> bool:
        """False only when Slack says the user was deactivated; unknown answers count as active (cached)."""
        now = time.monotonic()
        cached = self._active.get(user_id)
        if cached is not None and now - cached[1] < ACTIVE_CACHE_SECONDS:
            return cached[0]
        try:
            user = self.client.users_info(user=user_id)["user"]
            active = not user.get("deleted", False)
        except SlackApiError as error:
            active = str(error.response.get("error", "")) != "user_not_found"
        except NETWORK_ERRORS:
            return True  # don't drop anyone from a reminder because Slack was briefly unreachable
        self._active[user_id] = (active, now)
        return active

    def user_time_zone(self, user_id: str) -> str:
        """The user's Slack time zone, or UTC when Slack cannot tell."""
        try:
            user = self.client.users_info(user=user_id)["user"]
        except (SlackApiError, *NETWORK_ERRORS) as error:
            logger.info("users.info failed for a user: %s", type(error).__name__)
            return "UTC"
        return str(user.get("tz") or "UTC")

    def profile(self, user_id: str) -> SlackProfile | None:
        """The user's locale (`ja-JP`) and time zone; None when Slack could not tell (asked again later).

        Slack only includes `locale` when asked with `include_locale=true`."""
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, *NETWORK_ERRORS) as error:
            logger.info("users.info (locale) failed for a user: %s", type(error).__name__)
            return None
        locale, tz = user.get("locale"), user.get("tz")
        return SlackProfile(
            locale=str(locale)[:16] if isinstance(locale, str) and locale else None,
            tz=str(tz)[:64] if isinstance(tz, str) and tz else None,
        )
