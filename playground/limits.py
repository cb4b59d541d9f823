"""Slack's documented limits on what the bot sends, shared by the playground's emulator and the tests' fake
Slack (tests/fake_slack.py): both refuse exactly what Slack refuses."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

TRIGGER_SECONDS = 3.0
# Slack's documented limits (../shared/slack/README.md and the Block Kit reference).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
VIEW_TITLE = 24
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
OVERFLOW_OPTIONS = 5
PLACEHOLDER_TEXT = 150
MESSAGE_TEXT = 40000
# chat.postMessage: "about 1 message per second per channel", short bursts allowed, 429 with Retry-After
# above it. The burst is the emulator's guess (Slack publishes none); a rollout's start posts far fewer.
POSTS_PER_SECOND = 1.0
POST_BURST = 8


class ChannelRate:
    """Slack's per-channel limit on posting, as a token bucket per channel: `burst` posts at once, then
    `per_second` on average. `retry_after` takes one post's token, or says how many whole seconds to wait
    (what Slack puts in Retry-After) and takes nothing."""

    def __init__(self, *, burst: int, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("a rate limit needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when counted)

    def retry_after(self, channel: str) -> int | None:
        now = self.clock()
        tokens, counted = self._buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - counted) * self.per_second)
        if tokens >= 1.0:
            self._buckets[channel] = (tokens - 1.0, now)
            return None
        self._buckets[channel] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.per_second))

    def forget(self) -> None:
        self._buckets.clear()


def block_problems(blocks: list[Any], limit: int) -> list[str]:
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"expected an object [json-pointer:/blocks/{index}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"duplicate block_id {block_id} [json-pointer:/blocks/{index}/block_id]")
            block_ids.add(block_id)
        text = block.get("text")
        if isinstance(text, dict):
            cap = HEADER_TEXT if block.get("type") == "header" else SECTION_TEXT
            if len(str(text.get("text", ""))) > cap:
                problems.append(f"must be less than {cap + 1} characters [json-pointer:/blocks/{index}/text]")
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        action_ids: set[str] = set()
        for element in elements:
            if not isinstance(element, dict):
                continue
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    problems.append(
                        f"duplicate action_id {action_id} in block [json-pointer:/blocks/{index}/elements]"
                    )
                action_ids.add(action_id)
                if len(str(action_id)) > ACTION_ID:
                    problems.append(f"action_id too long [json-pointer:/blocks/{index}]")
            if element.get("type") in ("static_select", "multi_static_select"):
                problems.extend(_initial_problems(element, index))
            if element.get("type") == "button":
                if len(str((element.get("text") or {}).get("text", ""))) > BUTTON_TEXT:
                    problems.append(f"button text too long [json-pointer:/blocks/{index}]")
                if len(str(element.get("value", ""))) > BUTTON_VALUE:
                    problems.append(f"button value too long [json-pointer:/blocks/{index}]")
            if element.get("type") in ("static_select", "multi_static_select", "overflow"):
                problems.extend(_menu_problems(element, index))
    return problems


def _menu_problems(element: dict[str, Any], index: int) -> list[str]:
    """A static select's (one or several) or overflow menu's options: how many, each one's text and value."""
    problems: list[str] = []
    options = element.get("options")
    cap = OVERFLOW_OPTIONS if element.get("type") == "overflow" else SELECT_OPTIONS
    if not isinstance(options, list) or not 1 <= len(options) <= cap:
        if "option_groups" not in element:
            problems.append(f"must provide between 1 and {cap} options [json-pointer:/blocks/{index}]")
        return problems
    for option in options:
        if not isinstance(option, dict):
            problems.append(f"option must be an object [json-pointer:/blocks/{index}]")
            continue
        if len(str((option.get("text") or {}).get("text", ""))) > OPTION_TEXT:
            problems.append(f"option text too long [json-pointer:/blocks/{index}]")
        if not 1 <= len(str(option.get("value", ""))) <= OPTION_VALUE:
            problems.append(
                f"option value must be 1 to {OPTION_VALUE} characters [json-pointer:/blocks/{index}]"
            )
    placeholder = element.get("placeholder")
    if isinstance(placeholder, dict) and len(str(placeholder.get("text", ""))) > PLACEHOLDER_TEXT:
        problems.append(f"placeholder too long [json-pointer:/blocks/{index}]")
    return problems


def _initial_problems(element: dict[str, Any], index: int) -> list[str]:
    """A static select's initial option(s) must be among its options."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(group.get("options") or [])
    values = [option.get("value") for option in options if isinstance(option, dict)]
    initial = element.get("initial_options") or (
        [element["initial_option"]] if element.get("initial_option") else []
    )
    for chosen in initial:
        if not isinstance(chosen, dict) or chosen.get("value") not in values:
            return [f"initial options must be among the options [json-pointer:/blocks/{index}/element]"]
    return []


def refuse_payload(method: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """What Slack refuses of a message or view: (error, first problem), or None when it would take it."""
    if method.startswith("views."):
        view = json_field(params.get("view"))
        if not isinstance(view, dict):
            return ("invalid_arguments", "view must be an object")
        title = (view.get("title") or {}).get("text", "")
        problems = block_problems(list(view.get("blocks") or []), VIEW_BLOCKS)
        if len(str(title)) > VIEW_TITLE:
            problems.append("title must be less than 25 characters [json-pointer:/view/title/text]")
        if len(str(view.get("private_metadata", ""))) > 3000:
            problems.append("private_metadata must be less than 3001 characters")
        return ("invalid_arguments", problems[0]) if problems else None
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral") or method == "response_url":
        if len(str(params.get("text") or "")) > MESSAGE_TEXT:
            return ("msg_too_long", "text too long")
        blocks = json_field(params.get("blocks"))
        if blocks is None:
            return None
        if not isinstance(blocks, list):
            return ("invalid_blocks", "blocks must be a list")
        problems = block_problems(blocks, MESSAGE_BLOCKS)
        return ("invalid_blocks", problems[0]) if problems else None
    return None


def upload_length(params: dict[str, Any]) -> int | None:
    """The `length` files.getUploadURLExternal was given, in bytes; None when Slack would refuse it
    (missing, not a number, or not positive: `invalid_arguments`)."""
    try:
        length = int(params.get("length") or 0)
    except (TypeError, ValueError):
        return None
    return length if length > 0 else None


def refuse_upload(declared: int | None, body: bytes) -> str | None:
    """Why Slack's upload URL refuses a body (its size must be exactly the `length` the URL was asked
    for), or None when it takes it."""
    if declared is not None and len(body) != declared:
        return f"the body has {len(body)} bytes, not the {declared} given as length"
    return None


def json_field(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
