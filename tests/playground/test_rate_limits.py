"""Slack's limit on chat.postMessage (about one message per second per channel, short bursts allowed, HTTP 429
with Retry-After beyond it), as the emulator plays it, and the bot still delivering everything in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground.launcher import Playground
from playground.limits import POST_BURST, ChannelRate
from tests.playground.page import Page, header
from tests.playground.test_page_flow import START_FORM

OWNER = "UOWNER"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_taken_then_one_post_a_second_and_each_channel_has_its_own_allowance() -> None:
    clock = Clock()
    rate = ChannelRate(burst=3, per_second=1.0, clock=clock)
    assert [rate.retry_after("CMKTO") for _ in range(3)] == [None, None, None]
    assert rate.retry_after("CMKTO") == 1  # the burst is spent: Retry-After in whole seconds
    assert rate.retry_after("CSFDC") is None  # another channel is not held back
    clock.now += 0.4
    assert (
        rate.retry_after("CMKTO") == 1
    )  # a refused call takes nothing, and waiting part of it is not enough
    clock.now += 0.6
    assert rate.retry_after("CMKTO") is None
    assert rate.retry_after("CMKTO") == 1
    clock.now += 60  # a quiet minute refills the burst, no more
    assert [rate.retry_after("CMKTO") for _ in range(4)] == [None, None, None, 1]

    slow = ChannelRate(burst=1, per_second=0.25, clock=clock)
    assert slow.retry_after("CMKTO") is None
    assert slow.retry_after("CMKTO") == 4
    with pytest.raises(ValueError):
        ChannelRate(burst=0, per_second=1.0)


@pytest.fixture
def slow_playground(tmp_path: Path) -> Iterator[Playground]:
    """A workspace where a channel takes one post at once, then one every two seconds."""
    running = Playground(port=0, database=tmp_path / "playground.db", post_burst=1, posts_per_second=0.5)
    running.start()
    yield running
    running.stop()
    assert running.workspace.refused == [], running.workspace.refused[:3]


def test_the_emulator_answers_429_with_retry_after_as_slack_does(slow_playground: Playground) -> None:
    client = WebClient(token=slow_playground.bot_token, base_url=slow_playground.url + "/api/")
    assert client.chat_postMessage(channel="CMKTO", text="one")["ok"]
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="CMKTO", text="two")
    assert refused.value.response.status_code == 429
    assert refused.value.response["error"] == "ratelimited"
    assert refused.value.response.headers["Retry-After"] == "2"
    assert client.chat_postMessage(channel="UMKTO1", text="a direct message is another channel")["ok"]
    with pytest.raises(SlackApiError) as elsewhere:  # a post Slack refuses anyway uses no allowance
        client.chat_postMessage(channel="CGENERAL", text="hi")
    assert elsewhere.value.response["error"] == "not_in_channel"
    said = [m["text"] for m in slow_playground.workspace.messages.values()]
    assert "two" not in said and "one" in said
    assert slow_playground.workspace.ratelimited == [("chat.postMessage", "CMKTO")]


def test_the_bot_waits_as_told_and_delivers_every_post_in_order(slow_playground: Playground) -> None:
    page = Page(slow_playground)
    try:
        names = ["Alpha", "Bravo", "Charlie", "Delta"]
        for name in names:  # four rollouts started at once: four step cards for each admin channel
            assert page.type(OWNER, "CMKTO", "/msi start") == {"ok": True}
            modal = page.modal(OWNER)
            answer = page.post("submit", OWNER, view_id=modal["id"], values={**START_FORM, "name": name})
            assert answer["ok"] and answer["response_action"] is None, answer

        def cards(channel: str, step: str) -> list[str]:
            return [
                rollout
                for message in page.messages(OWNER, channel)
                if header(message).startswith(step)
                for rollout in names
                if f"*{rollout}*" in str(message["blocks"])
            ]

        page.wait(
            lambda: len(cards("CMKTO", "Step 1 of 7")) == 4 and len(cards("CSFDC", "Step 6 of 7")) == 4,
            timeout=90,
        )
        assert cards("CMKTO", "Step 1 of 7") == names  # nothing lost, nothing twice, in the order started
        assert cards("CSFDC", "Step 6 of 7") == names
        # The bot was told to slow down (four posts to each channel, one a second, against one every two
        # seconds) and did: nothing above was lost or reordered for it.
        limited = {channel for _, channel in slow_playground.workspace.ratelimited}
        assert limited & {"CMKTO", "CSFDC"}
    finally:
        page.close()


def test_the_default_allowance_takes_a_rollouts_start_without_slowing_it(page: Page) -> None:
    assert POST_BURST >= 5
    assert page.type(OWNER, "CMKTO", "/msi start") == {"ok": True}
    modal = page.modal(OWNER)
    assert page.post("submit", OWNER, view_id=modal["id"], values=START_FORM)["ok"]
    page.wait(lambda: [m for m in page.messages(OWNER, "CSFDC") if header(m).startswith("Step 6 of 7")])
    page.wait(lambda: [m for m in page.messages(OWNER, "CMKTO") if header(m).startswith("Step 1 of 7")])
    assert page.playground.workspace.ratelimited == []
