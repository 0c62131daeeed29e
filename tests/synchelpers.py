"""Helpers for tests that run the sync worker against a real hub: configs, a recorder of the
worker's callbacks, a running worker, the UI's own outbox, a fake clock, and a canned server for
answers the real hub never gives."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from kiosk.config import Config, HubSettings, KioskSettings, OutboxSettings
from kiosk.outbox import Outbox
from kiosk.sync import SyncStatus, SyncWorker

DEADLINE = 15.0  # generous: a loaded CI machine must not fail a correct test


def write_token(path: Path, token: str) -> None:
    """Install a token the way IT should: write aside, then rename over the old file."""
    aside = path.with_name(path.name + ".new")
    aside.write_text(token + "\n", encoding="utf-8")
    os.replace(aside, path)


def kiosk_config(tmp_path: Path, hub_url: str, *, read_timeout: float = 2.0,
                 stuck_after_attempts: int = 12, **hub_overrides) -> Config:
    """A kiosk of its own (fresh id, data dir and token file) with test-sized timings."""
    hub = HubSettings(url=hub_url, token_file=tmp_path / "kiosk.token",
                      connect_timeout_seconds=1.0, read_timeout_seconds=read_timeout,
                      catalog_refresh_seconds=300, heartbeat_seconds=60,
                      assistance_poll_seconds=0.5)
    return Config(
        kiosk=KioskSettings(id=f"kiosk-{uuid.uuid4().hex[:12]}", data_dir=tmp_path / "data"),
        hub=replace(hub, **hub_overrides),
        # Small backoffs so that retries happen within a test's time.
        outbox=OutboxSettings(retry_base_seconds=0.05, retry_cap_seconds=1.0,
                              stuck_after_attempts=stuck_after_attempts))


class Recorder:
    """Collects what the worker tells the UI; tests wait on it with a deadline."""

    def __init__(self):
        self.cond = threading.Condition()
        self.statuses: list[SyncStatus] = []
        self.assistance: list[tuple[str, str, str | None]] = []
        self.catalogs: list = []
        self.results: dict[str, tuple[str, dict | None]] = {}

    def _add(self, record) -> None:
        with self.cond:
            record()
            self.cond.notify_all()

    def on_status(self, status):
        self._add(lambda: self.statuses.append(status))

    def on_assistance(self, call_id, status, name):
        self._add(lambda: self.assistance.append((call_id, status, name)))

    def on_catalog(self, catalog):
        self._add(lambda: self.catalogs.append(catalog))

    def on_action_result(self, action_id, state, result):
        self._add(lambda: self.results.__setitem__(action_id, (state, result)))

    def callbacks(self) -> dict:
        return {"on_status": self.on_status, "on_assistance": self.on_assistance,
                "on_catalog": self.on_catalog, "on_action_result": self.on_action_result}

    def wait_for(self, predicate, timeout: float = DEADLINE) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def delivered(self, *ids) -> bool:
        return all(self.results.get(i, ("",))[0] == "delivered" for i in ids)

    @property
    def status(self) -> SyncStatus:
        return self.statuses[-1] if self.statuses else SyncStatus()


@contextlib.contextmanager
def running_worker(config: Config, recorder: Recorder, **options):
    worker = SyncWorker(config, **recorder.callbacks(), **options)
    worker.start()
    try:
        yield worker
    finally:
        assert worker.stop(timeout=10), "the sync worker did not stop in time"


@contextlib.contextmanager
def ui_outbox(config: Config):
    """The UI thread's own outbox on the same file, as the app opens it."""
    config.kiosk.data_dir.mkdir(parents=True, exist_ok=True)
    outbox = Outbox(config.outbox_path, config.outbox, config.kiosk.id)
    try:
        yield outbox
    finally:
        outbox.close()


def feedback(outbox: Outbox, score: int = 3):
    return outbox.enqueue("feedback", {"journey": "booking", "score": score})


def hub_ids(hub, config: Config, type=None) -> list[str]:
    """Ids of what the hub recorded from this kiosk, in arrival order."""
    return [str(row["id"]) for row in hub.actions(type) if row["kiosk_id"] == config.kiosk.id]


def register(hub, config: Config) -> Config:
    write_token(config.hub.token_file, hub.add_kiosk(config.kiosk.id))
    return config


class CannedHub:
    """A real HTTP server on loopback that answers each request with the next canned answer,
    or, with none left, the way a healthy hub would (a receipt for an action, an empty
    catalogue, `{"status": "ok"}`). `on_request(request)` runs before each answer is sent."""

    def __init__(self):
        self.answers: list[tuple] = []
        self.requests: list[dict] = []
        self.on_request: Callable[[dict], None] | None = None
        self.release = threading.Event()  # lets "hang" answers go at teardown
        canned = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = {"method": self.command, "path": self.path,
                           "headers": dict(self.headers), "body": body}
                canned.requests.append(request)
                if canned.on_request is not None:
                    canned.on_request(request)
                status, headers, payload = (canned.answers.pop(0) if canned.answers
                                            else _healthy_answer(request))
                if status == "hang":
                    canned.release.wait(10)
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="canned-hub",
                                       kwargs={"poll_interval": 0.05})

    def answer(self, status, headers=None, body=b""):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        self.answers.append((status, headers or {}, body))

    def paths(self, method: str = "POST") -> list[str]:
        return [r["path"] for r in self.requests if r["method"] == method]

    def start(self) -> "CannedHub":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _healthy_answer(request: dict) -> tuple[int, dict, bytes]:
    json_type = {"Content-Type": "application/json"}
    if request["path"].endswith("/actions"):
        receipt = {"id": request["headers"].get("Idempotency-Key"), "status": "accepted",
                   "result": {}}
        return 201, json_type, json.dumps(receipt).encode()
    if request["path"].endswith("/catalog"):
        catalog = {"generated_at": "2025-06-15T08:00:00+00:00", "sessions": []}
        return 200, {**json_type, "ETag": '"empty"'}, json.dumps(catalog).encode()
    return 200, json_type, b'{"status": "ok"}'
