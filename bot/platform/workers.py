"""The background thread the outbox, click and import workers share: run a pass, sleep when idle, wake early
when told, and stop cleanly (the pass in hand finishes; what is stored stays for the next start)."""

from __future__ import annotations

import logging
import threading

from bot.platform.leases import NotAlive
from storage.db import Outage, is_outage

logger = logging.getLogger(__name__)


class PollingWorker:
    """Subclasses implement `run_once`, returning how much it did (0 or False when there was nothing)."""

    def __init__(
        self,
        name: str,
        *,
        idle_wait: float = 0.5,
        outage: Outage | None = None,
        wake_event: threading.Event | None = None,
    ):
        self.name = name
        # While the database is down: wait and retry, quietly; the outage is logged once for all workers.
        self.outage = outage
        self.idle_wait = idle_wait
        # `wake_event` lets others wake this worker without holding a reference to it (see Services).
        self._wake = wake_event or threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int | bool:
        raise NotImplementedError

    @property
    def alive(self) -> bool:
        """Its thread runs (for /readyz): started, and neither stopped nor dead of an exception."""
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except NotAlive:
                # This process's heartbeats are not reaching the database: others may take its claims over,
                # so it starts no work until they do again (the heartbeat logs why).
                self._stop.wait(self.idle_wait)
                continue
            except Exception as error:
                if self.outage is not None and is_outage(error):
                    self._stop.wait(self.outage.failed(error, self.name))
                    continue
                logger.exception("%s pass failed; retrying shortly", self.name)
                busy = 0
            else:
                if self.outage is not None:
                    self.outage.succeeded()
            if not busy:
                self._wake.wait(self.idle_wait)
                self._wake.clear()
