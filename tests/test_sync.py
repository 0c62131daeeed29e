"""The sync worker against a real hub process: delivery, wake, assistance, catalogue, heartbeat.

Threaded tests wait on the worker's callbacks with a deadline (never sleep); step-driven tests
run passes by hand with an injected clock. One hub serves the module; each test registers its
own kiosk and looks only at that kiosk's records. Helpers are in synchelpers.py.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace

import pytest

from kiosk.catalog import load_cached
from kiosk.outbox import Outbox
from kiosk.sync import SyncWorker
from tests.fakes import FakeClock
from tests.synchelpers import (DEADLINE, CannedHub, Recorder, feedback, hub_ids,
                               kiosk_config, register, running_worker, ui_outbox, write_token)


@pytest.fixture
def hub(module_hub):
    return module_hub


@pytest.fixture
def kiosk(hub, tmp_path):
    """A kiosk registered at the (demo) hub, its token installed, its config."""
    return register(hub, kiosk_config(tmp_path, hub.url))


# --- tests ----------------------------------------------------------------------------------------

def test_action_delivered_end_to_end(hub, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder) as worker:
        action = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: recorder.delivered(action.id))
        assert outbox.get(action.id).state == "delivered"
        assert outbox.get(action.id).result == {"feedback": "received"}
        assert recorder.results[action.id] == ("delivered", {"feedback": "received"})
    assert hub_ids(hub, kiosk) == [action.id]
    [record] = [row for row in hub.actions() if row["id"] == action.id]
    assert record["payload"] == {"journey": "booking", "score": 3}


def test_wake_sends_at_once_without_waiting_for_the_poll(hub, kiosk):
    recorder = Recorder()
    # Nothing else would start a pass for a minute: only wake() can explain a quick delivery.
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder,
                                                    max_idle_seconds=60) as worker:
        assert recorder.wait_for(lambda: recorder.status.last_sync_at is not None)
        action = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: recorder.delivered(action.id), timeout=10)


def test_booking_result_reaches_the_receipt(hub, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder) as worker:
        assert recorder.wait_for(lambda: recorder.catalogs)
        session = next(s for s in recorder.catalogs[-1].sessions if s.seats_left)
        booking = outbox.enqueue("booking", {"session_id": session.id, "name": "Awa Diallo",
                                             "language": "fr"})
        worker.wake()
        assert recorder.wait_for(lambda: recorder.delivered(booking.id))
    state, result = recorder.results[booking.id]
    assert result["booking"] in ("confirmed", "waitlisted")
    assert result["session_id"] == session.id


def test_rejected_action_keeps_the_hubs_reason(hub, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder) as worker:
        bad = outbox.enqueue("booking", {"session_id": "no-such-session", "name": "Awa",
                                         "language": "fr"})
        good = feedback(outbox)
        worker.wake()
        assert recorder.wait_for(lambda: bad.id in recorder.results
                                 and recorder.delivered(good.id))
        assert recorder.results[bad.id][0] == "rejected"
        assert recorder.results[bad.id][1]["status"] == 422
        assert outbox.get(bad.id).state == "rejected"
        assert outbox.get(bad.id).last_error.startswith(recorder.results[bad.id][1]["error"])
        assert recorder.wait_for(lambda: recorder.status.rejected == 1)


def test_assistance_acknowledged_by_marie_reaches_the_screen(hub, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder) as worker:
        call = outbox.enqueue("assistance_call", {"language": "fr", "screen": "home"})
        worker.wake()
        assert recorder.wait_for(lambda: (call.id, "sent", None) in recorder.assistance)
        hub.call("call", "ack", call.id, "--agent", "Marie")
        assert recorder.wait_for(lambda: (call.id, "acknowledged", "Marie") in recorder.assistance)
        hub.call("call", "resolve", call.id)
        assert recorder.wait_for(lambda: (call.id, "resolved", "Marie") in recorder.assistance)
    statuses = [status for call_id, status, _ in recorder.assistance if call_id == call.id]
    assert statuses == ["sent", "acknowledged", "resolved"]


def test_assistance_call_the_hub_refuses_is_reported_failed(hub, kiosk):
    recorder = Recorder()
    with ui_outbox(kiosk) as outbox, running_worker(kiosk, recorder) as worker:
        call = outbox.enqueue("assistance_call", {"language": "tlh"})  # not a kiosk language
        worker.wake()
        assert recorder.wait_for(lambda: (call.id, "failed", None) in recorder.assistance)
        assert recorder.results[call.id][0] == "rejected"


def test_catalogue_fetched_cached_then_304_then_usable_offline(hub, kiosk, tmp_path):
    clock = FakeClock()
    recorder = Recorder()
    worker = SyncWorker(kiosk, clock=clock, **recorder.callbacks())
    try:
        worker.step()
        assert len(recorder.catalogs) == 1
        fetched = recorder.catalogs[0]
        assert fetched.sessions and fetched.etag
        cached = load_cached(kiosk.catalog_path)
        assert cached == fetched

        clock.advance(kiosk.hub.catalog_refresh_seconds)
        worker.step()  # If-None-Match -> 304: nothing new for the screens
        assert len(recorder.catalogs) == 1
        assert recorder.status.last_error is None
    finally:
        assert worker.stop()

    # Restart with the hub gone: the catalogue comes from the cache at once.
    offline = replace(kiosk, hub=replace(kiosk.hub, url="http://127.0.0.1:9"))
    again = Recorder()
    worker = SyncWorker(offline, clock=clock, **again.callbacks())
    try:
        worker.step()
        assert again.catalogs == [fetched]
        assert again.status.online is False
    finally:
        assert worker.stop()


def test_catalogue_304_seen_on_the_wire(hub, kiosk):
    from tests.faultproxy import FaultProxy

    clock = FakeClock()
    with FaultProxy(hub.url) as proxy:
        config = replace(kiosk, hub=replace(kiosk.hub, url=proxy.url))
        worker = SyncWorker(config, clock=clock)
        try:
            worker.step()
            clock.advance(config.hub.catalog_refresh_seconds)
            worker.step()
        finally:
            assert worker.stop()
        catalog_answers = [seen.status for seen in proxy.seen if seen.path == "/api/v1/catalog"]
    assert catalog_answers == [200, 304]


def test_heartbeat_recorded_at_the_hub(hub, kiosk):
    with ui_outbox(kiosk) as outbox:
        feedback(outbox)
    clock = FakeClock()
    worker = SyncWorker(kiosk, clock=clock, speech_available=lambda: True)
    try:
        worker.step()
    finally:
        assert worker.stop()
    [row] = hub.query("SELECT * FROM kiosks WHERE id = ?", [kiosk.kiosk.id])
    assert row["last_heartbeat_at"] is not None
    assert row["speech_available"] == 1
    assert row["free_disk_bytes"] > 0
    # The pass sends actions before the heartbeat: the queue it reports is already empty.
    assert row["queue_depth"] == 0
    assert row["last_sync_at"] is not None


def test_step_returns_the_wait_until_the_next_duty(hub, kiosk):
    clock = FakeClock()
    worker = SyncWorker(kiosk, clock=clock, max_idle_seconds=1000)
    try:
        # First pass: catalogue, heartbeat and retention done; next duty is the heartbeat.
        assert worker.step() == pytest.approx(kiosk.hub.heartbeat_seconds)
        clock.advance(kiosk.hub.heartbeat_seconds)
        assert worker.step() == pytest.approx(kiosk.hub.heartbeat_seconds)
    finally:
        assert worker.stop()


def test_stop_is_clean_and_leaves_nothing_claimed(hub, kiosk):
    recorder = Recorder()
    worker = SyncWorker(kiosk, **recorder.callbacks())
    with ui_outbox(kiosk) as outbox:
        ids = [feedback(outbox).id for _ in range(30)]
        worker.start()
        worker.wake()
        assert recorder.wait_for(lambda: recorder.results)  # stop while the backlog drains
        assert worker.stop(timeout=10)
        assert f"sync-{kiosk.kiosk.id}" not in [t.name for t in threading.enumerate()]
        counts = outbox.counts()
        assert counts["sending"] == 0
        assert counts["delivered"] + counts["pending"] == len(ids)
    assert sorted(hub_ids(hub, kiosk)) == sorted(i for i in ids if recorder.delivered(i))


def test_a_failing_callback_never_stops_the_worker(hub, kiosk):
    delivered = threading.Event()

    def broken(*args):
        raise RuntimeError("a bug in the UI")

    def on_result(action_id, state, result):
        delivered.set()
        raise RuntimeError("another bug in the UI")

    worker = SyncWorker(kiosk, on_status=broken, on_catalog=broken, on_action_result=on_result)
    with ui_outbox(kiosk) as outbox:
        worker.start()
        try:
            feedback(outbox)
            worker.wake()
            assert delivered.wait(DEADLINE)
            delivered.clear()
            feedback(outbox)
            worker.wake()
            assert delivered.wait(DEADLINE)
        finally:
            assert worker.stop(timeout=10)


# --- against a canned hub: what the real one never does -----------------------------------

@pytest.fixture
def canned():
    server = CannedHub().start()
    yield server
    server.stop()


@pytest.fixture
def canned_kiosk(canned, tmp_path):
    config = kiosk_config(tmp_path, canned.url, stuck_after_attempts=1)
    write_token(config.hub.token_file, "canned-token")
    config.kiosk.data_dir.mkdir(parents=True)
    return config


def test_heartbeat_reports_stuck_and_rejected_counts(canned, canned_kiosk):
    clock = FakeClock()
    worker = SyncWorker(canned_kiosk, clock=clock)
    with Outbox(canned_kiosk.outbox_path, canned_kiosk.outbox, canned_kiosk.kiosk.id,
                clock=clock) as outbox:
        try:
            stuck, rejected = feedback(outbox), feedback(outbox)
            outbox.mark_failed(stuck.id, "HTTP 500")  # stuck after one failure here
            outbox.mark_rejected(rejected.id, "422 score")
            worker.step()
        finally:
            assert worker.stop()
    [beat] = [json.loads(r["body"]) for r in canned.requests if r["path"] == "/api/v1/heartbeat"]
    assert (beat["stuck_count"], beat["rejected_count"], beat["queue_depth"]) == (1, 1, 1)


def test_a_row_left_in_flight_by_a_locked_outbox_is_sent_at_the_next_pass(canned, canned_kiosk,
                                                                         monkeypatch):
    monkeypatch.setattr("kiosk.outbox.BUSY_TIMEOUT_MS", 100)
    clock = FakeClock()
    locker = sqlite3.connect(canned_kiosk.outbox_path, isolation_level=None,
                             check_same_thread=False)

    def lock_while_the_hub_answers(request):
        if request["path"] == "/api/v1/actions" and len(canned.requests) == 1:
            locker.execute("BEGIN IMMEDIATE")  # e.g. IT in the sqlite3 shell, for too long

    canned.on_request = lock_while_the_hub_answers
    canned.answer(500, {}, {"error": "internal", "detail": "boom"})
    worker = SyncWorker(canned_kiosk, clock=clock)
    with Outbox(canned_kiosk.outbox_path, canned_kiosk.outbox, canned_kiosk.kiosk.id,
                clock=clock) as outbox:
        try:
            action = feedback(outbox)
            worker.step()  # the 500 cannot be recorded, nor the row given back
            assert canned.requests[0]["path"] == "/api/v1/actions"
            assert outbox.get(action.id).state == "sending"
            assert "locked" in worker.status.last_error

            locker.execute("ROLLBACK")
            clock.advance(1)
            worker.step()  # no restart needed
            assert outbox.get(action.id).state == "delivered"
            assert canned.paths().count("/api/v1/actions") == 2
            assert worker.status.last_error is None
        finally:
            assert worker.stop()
            locker.close()


def test_status_counts_are_read_when_something_changed_not_every_pass(canned, canned_kiosk,
                                                                      monkeypatch):
    reads = []
    real_counts = Outbox.counts

    def counting(self, *states):
        reads.append(states)
        return real_counts(self, *states)

    monkeypatch.setattr(Outbox, "counts", counting)
    clock = FakeClock()
    recorder = Recorder()
    worker = SyncWorker(canned_kiosk, clock=clock, status_refresh_seconds=5.0,
                        **recorder.callbacks())
    with Outbox(canned_kiosk.outbox_path, canned_kiosk.outbox, canned_kiosk.kiosk.id,
                clock=clock) as outbox:
        try:
            worker.step()
            reads.clear()
            clock.advance(1)
            worker.step()  # nothing changed, nothing due
            assert reads == []

            action = feedback(outbox)
            worker.wake()
            worker.step()
            assert recorder.delivered(action.id)
            assert reads and recorder.status.waiting == 0

            reads.clear()
            clock.advance(1)
            worker.step()
            assert reads == []
            outbox.mark_rejected(feedback(outbox).id, "an agent's doing, not the worker's")
            clock.advance(5)
            worker.step()  # changes made elsewhere show within a few seconds
            assert len(reads) == 1
            assert recorder.status.rejected == 1
        finally:
            assert worker.stop()
