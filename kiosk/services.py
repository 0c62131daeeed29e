"""The one object screens get: the config, the outbox and the sync worker, started and stopped together.

Plain Python, no Kivy: the app passes callbacks that hop to the UI thread.
"""

from __future__ import annotations

import logging
from typing import Callable

from kiosk.config import Config
from kiosk.outbox import Action, Outbox
from kiosk.sync import SyncWorker

log = logging.getLogger(__name__)

# The action types whose payload records the agent who helped (API v1, `assisted_by?`).
ASSISTED_TYPES = ("account_request", "booking")


class Services:
    def __init__(self, config: Config, **callbacks: Callable):
        self.config = config
        self._callbacks = callbacks
        self.outbox: Outbox | None = None
        self.worker: SyncWorker | None = None
        # The agent guiding this visitor's journey (agent mode); "" when the tenant is alone.
        self.assisted_by = ""

    def start(self) -> None:
        """Open the outbox (this thread's connection), start syncing. Sends a crash left in
        flight are put back by the worker, the one claimer, before each of its passes."""
        self.config.kiosk.data_dir.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(self.config.outbox_path, self.config.outbox, self.config.kiosk.id)
        self.worker = SyncWorker(self.config, **self._callbacks)
        self.worker.start()

    def submit(self, type: str, payload: dict, action_id: str | None = None) -> Action:
        """Queue a tenant's action durably, then wake the worker. Raises EnqueueFailed.
        action_id: given when it must derive from the reference shown (kiosk/references.py).
        During an assisted journey, account requests and bookings carry `assisted_by`."""
        if self.assisted_by and type in ASSISTED_TYPES:
            payload = {**payload, "assisted_by": self.assisted_by}
        action = self.outbox.enqueue(type, payload, action_id=action_id)
        self.worker.wake()
        return action

    def stop(self, timeout: float | None = None) -> None:
        # Long enough for one request in flight to finish its connect and read timeouts.
        timeout = timeout or self.config.hub.connect_timeout_seconds + self.config.hub.read_timeout_seconds + 2
        if self.worker is not None:
            if not self.worker.stop(timeout):
                log.error("the sync worker did not stop within %.0f s", timeout)
            self.worker = None
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None
