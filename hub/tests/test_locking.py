"""A hub that cannot get its database in time says 503 at once instead of answering late.

The busy timeout must stay below the kiosks' read timeout: otherwise the hub may commit an action
(an assistance call...) after the kiosk gave up on it and told the tenant to go to the desk.
"""

import contextlib
import sqlite3
import time

import pytest
import requests
from jsonschema import Draft202012Validator

from hub.__main__ import build_parser
from hub.calls import STALE_AFTER
from hub.db import REQUEST_BUSY_TIMEOUT_SECONDS
from kiosk.config import HubSettings, OutboxSettings
from tests.hubproc import HubProcess, make_action, post_action

BUSY_TIMEOUT = 0.3


@pytest.fixture(scope="module")
def busy_hub(tmp_path_factory):
    process = HubProcess(tmp_path_factory.mktemp("busy-hub"), serve_args=("--busy-timeout", str(BUSY_TIMEOUT)))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def kiosk(busy_hub):
    return busy_hub.add_kiosk_auth("kiosk-busy")


@pytest.fixture(scope="module")
def doc(busy_hub):
    return requests.get(busy_hub.url + "/openapi.json", timeout=10).json()


@contextlib.contextmanager
def writer_holding_the_lock(db_path):
    """Someone else writing (IT in the sqlite3 shell, a long command): readers still read."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=10)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextlib.contextmanager
def exclusive_lock(db_path):
    """Nobody may even read: a backup tool or a migration holding the whole file."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=10)
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def check_busy_answer(doc, path, method, answer):
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "2"
    body = answer.json()
    assert body["error"] == "database_busy" and body["detail"].endswith(".")
    documented = doc["paths"][path][method]["responses"]["503"]
    assert "Retry-After" in documented.get("headers", {})
    schema = {**documented["content"]["application/json"]["schema"], "components": doc["components"]}
    assert not list(Draft202012Validator(schema).iter_errors(body))


def test_busy_timeout_is_below_the_kiosks_read_timeout():
    args = build_parser().parse_args(["serve", "--db", "hub.db", "--port", "0"])
    # Half the kiosk's wait at most: the rest is for the queue, the work and the network.
    assert 0 < args.busy_timeout <= HubSettings().read_timeout_seconds / 2
    assert args.busy_timeout == REQUEST_BUSY_TIMEOUT_SECONDS  # create_app's default too


def test_call_stale_age_matches_the_kiosks_call_expiry():
    args = build_parser().parse_args(["call", "list", "--db", "hub.db"])
    assert args.call_stale_minutes * 60 == OutboxSettings().assistance_expiry_seconds
    assert args.call_stale_minutes * 60 == STALE_AFTER.total_seconds()  # open_calls' default too


def test_a_write_that_cannot_get_the_lock_is_503_and_never_applied_later(busy_hub, kiosk, doc):
    call = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr"})
    beat = {"kiosk_id": kiosk.kiosk_id, "version": "1", "queue_depth": 1, "oldest_pending_age_seconds": 2.0,
            "last_sync_at": None, "free_disk_bytes": 1, "speech_available": True}
    with writer_holding_the_lock(busy_hub.db_path):
        started = time.monotonic()
        answer = post_action(busy_hub, kiosk, call)
        assert time.monotonic() - started < HubSettings().read_timeout_seconds
        check_busy_answer(doc, "/api/v1/actions", "post", answer)
        heartbeat = requests.post(busy_hub.url + "/api/v1/heartbeat", json=beat, headers=kiosk.headers, timeout=10)
        check_busy_answer(doc, "/api/v1/heartbeat", "post", heartbeat)
        assert requests.get(busy_hub.url + "/api/v1/catalog", headers=kiosk.headers, timeout=10).status_code == 200
    # Once the lock is gone, nothing of the refused requests shows up...
    assert busy_hub.query("SELECT id FROM assistance_calls WHERE id = ?", [call["id"]]) == []
    assert busy_hub.query("SELECT last_heartbeat_at FROM kiosks WHERE id = ?", [kiosk.kiosk_id]) == [{"last_heartbeat_at": None}]
    assert "database is locked" in busy_hub.log_text()
    # ...and the kiosk's retry is an ordinary first delivery.
    assert post_action(busy_hub, kiosk, call).status_code == 201


def test_reads_are_503_while_the_database_is_held_exclusively(busy_hub, kiosk, doc):
    call = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr"})
    assert post_action(busy_hub, kiosk, call).status_code == 201
    with exclusive_lock(busy_hub.db_path):
        catalog = requests.get(busy_hub.url + "/api/v1/catalog", headers=kiosk.headers, timeout=10)
        check_busy_answer(doc, "/api/v1/catalog", "get", catalog)
        status = requests.get(busy_hub.url + f"/api/v1/assistance/{call['id']}", headers=kiosk.headers, timeout=10)
        check_busy_answer(doc, "/api/v1/assistance/{id}", "get", status)
    assert requests.get(busy_hub.url + "/api/v1/catalog", headers=kiosk.headers, timeout=10).status_code == 200
