"""Requests in flight on the HTTP server, so background workers can let them go first.

An acknowledgement must reach Slack within 3 seconds; the work behind a click or a notification has no such
deadline. On one interpreter lock, a worker busy deciding clicks or delivering messages slows every request
in flight, so before each item the workers wait, briefly and boundedly, for the server to be idle. When
the bot is quiet (nearly always) nobody waits; under a burst, the workers fall back to a trickle and catch
up once it passes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# The longest a worker waits for the server to be idle before it takes its next item anyway.
MAX_YIELD_SECONDS = 0.25
# How long the server must have been idle to count as idle: requests a few milliseconds apart are a burst.
QUIET_SECONDS = 0.01


class Foreground:
    def __init__(self) -> None:
        self._in_flight = 0
        self._last_answered = 0.0
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
                self._last_answered = time.monotonic()
                if self._in_flight == 0:
                    self._idle.notify_all()

    def in_flight(self) -> int:
        return self._in_flight

    def yield_to_requests(self, max_wait: float = MAX_YIELD_SECONDS, quiet: float = QUIET_SECONDS) -> None:
        """Return once no request has been in flight for `quiet` seconds, or after `max_wait` at most."""
        deadline = time.monotonic() + max_wait
        with self._idle:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._in_flight == 0:
                    idle_for = now - self._last_answered
                    if idle_for >= quiet:
                        return
                    self._idle.wait(min(quiet - idle_for, deadline - now))
                else:
                    self._idle.wait(deadline - now)
