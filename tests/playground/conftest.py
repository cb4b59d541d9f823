from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.launcher import Playground
from tests.playground.page import Page


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Playground]:
    running = Playground(port=0, database=tmp_path / "playground.db")
    running.start()
    yield running
    running.stop()
    # Whatever the test did, the bot must never have sent the emulator what Slack refuses.
    assert running.workspace.refused == [], running.workspace.refused[:3]


@pytest.fixture
def page(playground: Playground) -> Iterator[Page]:
    driver = Page(playground)
    yield driver
    driver.close()
