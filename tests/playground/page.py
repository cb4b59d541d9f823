"""Drives the playground through the page's own JSON endpoints (/pg/…), as the page does for a person."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx

from playground.launcher import Playground


class Page:
    def __init__(self, playground: Playground):
        self.playground = playground
        self.http = httpx.Client(base_url=playground.url, timeout=15.0)

    def close(self) -> None:
        self.http.close()

    def state(self, user: str) -> dict[str, Any]:
        response = self.http.get("/pg/state", params={"user": user})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, path: str, user: str, **body: Any) -> dict[str, Any]:
        response = self.http.post(f"/pg/{path}", json={"user": user, **body})
        return dict(response.json())

    def type(self, user: str, channel: str, text: str) -> dict[str, Any]:
        return self.post("message", user, channel=channel, text=text)

    def upload(self, user: str, channel: str, name: str, content: bytes) -> dict[str, Any]:
        encoded = base64.b64encode(content).decode()
        return self.post("upload", user, channel=channel, name=name, mimetype="text/csv", content=encoded)

    def click(self, user: str, message: dict[str, Any], action_id: str, **where: Any) -> dict[str, Any]:
        block_id, _ = find_button(message["blocks"], action_id)
        target = where or {"ts": message["ts"]}
        return self.post("action", user, block_id=block_id, action_id=action_id, **target)

    def wait(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"condition not met within {timeout}s")

    def modal(self, user: str) -> dict[str, Any]:
        return dict(self.wait(lambda: self.state(user)["modal"]))

    def messages(self, user: str, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.state(user)["messages"] if m["channel"] == channel and not m.get("thread_ts")]

    def ephemerals(self, user: str, channel: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.state(user)["ephemerals"] if channel is None or e["channel"] == channel]


def header(message: dict[str, Any]) -> str:
    blocks = message.get("blocks") or []
    return str(blocks[0]["text"]["text"]) if blocks and blocks[0].get("type") == "header" else ""


def find_button(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        if block.get("type") == "actions":
            for element in block["elements"]:
                if element.get("action_id") == action_id:
                    return block["block_id"], element
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            return block["block_id"], accessory
    raise AssertionError(f"no {action_id} in {[b.get('type') for b in blocks]}")


def everything_said(message: dict[str, Any]) -> str:
    import json

    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + str(message.get("text") or "")
