"""Requests in flight on the HTTP server, so background workers can let them go first.

An acknowledgement must reach Slack within 3 seconds; the work behind a click or a notification has no such
deadline. On one interpreter lock, a worker busy deciding clicks or delivering messages slows every request
in flight, so before each item the workers wait, briefly and boundedly, for the server to be idle. When
the bot is quiet (nearly always) nobody waits; under a burst, the workers fall back to a trickle and catch
up once it passes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The longest a worker waits for the server to be idle before it takes its next item anyway.
MAX_YIELD_SECONDS = 0.25


class Foreground:
    def __init__(self) -> None:
        self._in_flight = 0
        self._idle = threading.Condition()

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.notify_all()

    def in_flight(self) -> int:
        return self._in_flight

    def yield_to_requests(self, max_wait: float = MAX_YIELD_SECONDS) -> None:
        """Return once no request is in flight, or after `max_wait` seconds at most."""
        with self._idle:
            if self._in_flight:
                self._idle.wait_for(lambda: self._in_flight == 0, timeout=max_wait)
