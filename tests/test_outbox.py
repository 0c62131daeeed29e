"""The outbox's rules, with an injected clock and rng: order, backoff, stuck, expiry, threads."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import threading
import time
import uuid

import pytest

from kiosk.config import OutboxSettings
from kiosk.outbox import (MAX_RETRY_AFTER_SECONDS, SCHEMA_VERSION, STATES, EnqueueFailed,
                          Outbox, OutboxError, StorageNotDurable)
from tests.fakes import FakeClock

START = 1_764_000_000.0  # a fixed "now", so every expected time is exact
SETTINGS = OutboxSettings(retry_base_seconds=2.0, retry_cap_seconds=300.0,
                          stuck_after_attempts=5, stuck_after_seconds=3600,
                          stuck_retry_seconds=900, assistance_expiry_seconds=600,
                          retention_days=7.0)
BOOKING = {"session_id": "s-42", "name": "Awa Diallo", "mobile": "+33612345678",
           "language": "fr"}
FEEDBACK = {"journey": "booking", "score": 3}


class FakeRng:
    """Returns `value`, or the next of `values` when given (then repeats the last)."""

    def __init__(self, value: float = 0.5, values: list[float] | None = None) -> None:
        self.value = value
        self.values = list(values or [])

    def __call__(self) -> float:
        if self.values:
            self.value = self.values.pop(0)
        return self.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def rng() -> FakeRng:
    return FakeRng()


@pytest.fixture
def make_outbox(tmp_path, clock, rng):
    opened: list[Outbox] = []

    def make(**overrides) -> Outbox:
        settings = dataclasses.replace(SETTINGS, **overrides)
        outbox = Outbox(tmp_path / "outbox.db", settings, "kiosk-7", clock=clock, rng=rng)
        opened.append(outbox)
        return outbox

    yield make
    for outbox in opened:
        outbox.close()


@pytest.fixture
def outbox(make_outbox) -> Outbox:
    return make_outbox()


def claim_ids(outbox: Outbox, limit: int = 20) -> list[str]:
    return [action.id for action in outbox.claim_ready(limit)]


# --- opening and enqueue -------------------------------------------------------------------------

def test_enqueue_returns_after_durable_commit(outbox, tmp_path):
    action = outbox.enqueue("booking", BOOKING)

    # Another connection sees the row at once: the transaction was committed before return.
    other = sqlite3.connect(tmp_path / "outbox.db")
    try:
        row = other.execute("SELECT state, payload FROM actions WHERE id = ?",
                            (action.id,)).fetchone()
    finally:
        other.close()
    assert row is not None and row[0] == "pending"
    assert outbox._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert outbox._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert outbox._conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_enqueue_makes_the_envelope_the_hub_expects(outbox, clock):
    action = outbox.enqueue("booking", BOOKING)

    assert uuid.UUID(action.id).version == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", action.created_at)
    assert action.enqueued_at == clock.now and action.next_attempt_at == clock.now
    assert action.envelope() == {"id": action.id, "type": "booking",
                                 "created_at": action.created_at, "kiosk_id": "kiosk-7",
                                 "payload": BOOKING}
    assert outbox.get(action.id) == action


def test_envelope_is_a_copy(outbox):
    action = outbox.enqueue("booking", BOOKING)
    action.envelope()["payload"]["name"] = "someone else"
    assert action.payload["name"] == "Awa Diallo"


def test_refuses_storage_without_wal(tmp_path):
    # An in-memory or temporary database cannot do WAL: nothing would survive a restart.
    for path in (":memory:", ""):
        with pytest.raises(StorageNotDurable, match="WAL"):
            Outbox(path, SETTINGS, "kiosk-7")


def test_missing_folder_is_an_outbox_error(tmp_path):
    with pytest.raises(OutboxError):
        Outbox(tmp_path / "no" / "such" / "outbox.db", SETTINGS, "kiosk-7")


def test_newer_schema_is_left_alone(tmp_path):
    path = tmp_path / "outbox.db"
    Outbox(path, SETTINGS, "kiosk-7").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(OutboxError, match="newer"):
        Outbox(path, SETTINGS, "kiosk-7")


def test_payload_must_be_a_json_object(outbox):
    with pytest.raises(ValueError):
        outbox.enqueue("feedback", ["not", "a", "dict"])
    with pytest.raises(ValueError):
        outbox.enqueue("feedback", {"score": float("nan")})
    with pytest.raises(ValueError):
        outbox.enqueue("feedback", {"when": object()})
    assert outbox.waiting_count() == 0


def test_closed_outbox_refuses_to_enqueue(make_outbox):
    outbox = make_outbox()
    outbox.close()
    with pytest.raises(EnqueueFailed):
        outbox.enqueue("feedback", FEEDBACK)


# --- claiming and order ------------------------------------------------------------------------

def test_claim_is_oldest_first_and_respects_limit(outbox, clock):
    ids = []
    for score in (1, 2, 3, 1, 2):
        ids.append(outbox.enqueue("feedback", {"journey": "booking", "score": score}).id)
        clock.advance(1)

    first = outbox.claim_ready(limit=2)
    assert [a.id for a in first] == ids[:2]
    assert all(a.state == "sending" for a in first)
    assert claim_ids(outbox) == ids[2:]
    assert claim_ids(outbox) == []  # claimed rows are never handed out twice
    assert outbox.counts()["sending"] == 5


def test_cancel_never_overtakes_booking(outbox, clock):
    booking = outbox.enqueue("booking", BOOKING)
    cancel = outbox.enqueue("booking_cancel", {"booking_id": booking.id})
    assert cancel.depends_on == booking.id

    assert claim_ids(outbox) == [booking.id]
    outbox.mark_failed(booking.id, "connection refused")
    clock.advance(SETTINGS.retry_cap_seconds)
    assert claim_ids(outbox) == [booking.id]  # the cancel still waits, its booking is in flight
    outbox.release(booking.id)
    clock.advance(1)
    assert claim_ids(outbox, limit=1) == [booking.id]
    outbox.mark_delivered(booking.id, {"status": "confirmed"})
    assert claim_ids(outbox) == [cancel.id]


def test_cancel_waits_for_a_stuck_booking(make_outbox, clock):
    outbox = make_outbox(stuck_after_attempts=1)
    booking = outbox.enqueue("booking", BOOKING)
    cancel = outbox.enqueue("booking_cancel", {"booking_id": booking.id})
    outbox.claim_ready(limit=1)
    assert outbox.mark_failed(booking.id, "HTTP 503") == "stuck"
    clock.advance(SETTINGS.stuck_retry_seconds - 1)
    assert claim_ids(outbox) == []
    assert outbox.get(cancel.id).state == "pending"


def test_cancel_of_a_rejected_booking_is_rejected_with_reason(outbox):
    booking = outbox.enqueue("booking", BOOKING)
    cancel = outbox.enqueue("booking_cancel", {"booking_id": booking.id})
    outbox.claim_ready(limit=1)
    outbox.mark_rejected(booking.id, "422 session is full")

    assert outbox.seconds_until_due() == 0  # there is work: the cancel must be settled
    assert claim_ids(outbox) == []
    rejected = outbox.get(cancel.id)
    assert rejected.state == "rejected"
    assert booking.id in rejected.last_error and "rejected" in rejected.last_error


def test_cancel_of_a_booking_not_in_this_outbox_goes_at_once(outbox):
    cancel = outbox.enqueue("booking_cancel", {"booking_id": str(uuid.uuid4())})
    assert cancel.depends_on is None
    assert claim_ids(outbox) == [cancel.id]


def test_failing_action_does_not_block_others(outbox, clock):
    failing = outbox.enqueue("booking", BOOKING)
    # Waiting dependents queued behind it must not fill the claim limit either.
    for _ in range(5):
        outbox.enqueue("booking_cancel", {"booking_id": failing.id})
    others = [outbox.enqueue("feedback", FEEDBACK).id for _ in range(3)]

    assert claim_ids(outbox, limit=1) == [failing.id]
    outbox.mark_failed(failing.id, "HTTP 500")
    assert claim_ids(outbox, limit=2) == others[:2]
    outbox.mark_delivered(others[0], None)
    outbox.mark_delivered(others[1], None)
    for _ in range(10):  # it keeps failing, the rest keep flowing
        clock.advance(SETTINGS.retry_cap_seconds)
        claimed = claim_ids(outbox, limit=20)
        for action_id in claimed:
            if action_id == failing.id:
                outbox.mark_failed(failing.id, "HTTP 500")
            else:
                outbox.mark_delivered(action_id, None)
    assert all(outbox.get(action_id).state == "delivered" for action_id in others)
    assert outbox.get(failing.id).state == "stuck"


# --- failures, backoff, stuck ------------------------------------------------------------------

def test_backoff_is_full_jitter_capped(outbox, clock, rng):
    action = outbox.enqueue("feedback", FEEDBACK)
    rng.value = 1.0  # the top of each window: base * 2**(n-1), capped
    waits = []
    for _ in range(4):
        outbox.claim_ready()
        outbox.mark_failed(action.id, "timeout")
        waits.append(outbox.get(action.id).next_attempt_at - clock.now)
        clock.advance(waits[-1])
    assert waits == [2.0, 4.0, 8.0, 16.0]

    capped = dataclasses.replace(SETTINGS, retry_cap_seconds=10.0, stuck_after_attempts=99)
    outbox.settings = capped
    outbox.claim_ready()
    outbox.mark_failed(action.id, "timeout")
    assert outbox.get(action.id).next_attempt_at - clock.now == 10.0

    for value in (0.0, 0.25):  # anywhere in [0, window]: full jitter, not "window plus a bit"
        rng.value = value
        outbox.claim_ready()
        outbox.mark_failed(action.id, "timeout")
        assert outbox.get(action.id).next_attempt_at - clock.now == 10.0 * value
        clock.advance(10)


def test_backoff_survives_a_huge_attempt_count(make_outbox, clock, rng):
    outbox = make_outbox(stuck_after_attempts=10_000, stuck_after_seconds=10**9)
    action = outbox.enqueue("feedback", FEEDBACK)
    outbox._conn.execute("UPDATE actions SET attempts = 5000")
    rng.value = 1.0
    assert outbox.mark_failed(action.id, "timeout") == "pending"
    assert outbox.get(action.id).next_attempt_at - clock.now == SETTINGS.retry_cap_seconds


def test_retry_after_is_honoured(outbox, clock, rng):
    action = outbox.enqueue("feedback", FEEDBACK)
    rng.value = 0.5

    outbox.mark_failed(action.id, "429", retry_after=120)
    assert outbox.get(action.id).next_attempt_at == clock.now + 120
    outbox.mark_failed(action.id, "503", retry_after=0.5)  # jitter (0.5 * 4 s) is longer
    assert outbox.get(action.id).next_attempt_at == clock.now + 2.0
    outbox.mark_failed(action.id, "503", retry_after=10 * 86400)  # a silly header is bounded
    assert outbox.get(action.id).next_attempt_at == clock.now + MAX_RETRY_AFTER_SECONDS
    outbox.mark_failed(action.id, "503", retry_after=float("nan"))
    assert outbox.get(action.id).next_attempt_at == clock.now + 0.5 * 16
    assert outbox.get(action.id).last_error == "503"


def test_becomes_stuck_after_attempts(outbox, clock):
    action = outbox.enqueue("feedback", FEEDBACK)
    states = []
    for _ in range(SETTINGS.stuck_after_attempts):
        outbox.claim_ready()
        states.append(outbox.mark_failed(action.id, "HTTP 502"))
        clock.advance(SETTINGS.retry_cap_seconds)
    assert states == ["pending"] * (SETTINGS.stuck_after_attempts - 1) + ["stuck"]
    assert outbox.get(action.id).attempts == SETTINGS.stuck_after_attempts


def test_becomes_stuck_after_age(outbox, clock):
    action = outbox.enqueue("feedback", FEEDBACK)
    assert outbox.mark_failed(action.id, "timeout") == "pending"
    first_failure = clock.now
    clock.advance(SETTINGS.stuck_after_seconds - 1)
    assert outbox.mark_failed(action.id, "timeout") == "pending"
    clock.advance(1)
    assert outbox.mark_failed(action.id, "timeout") == "stuck"
    stuck = outbox.get(action.id)
    assert stuck.attempts == 3 and stuck.first_failure_at == first_failure


def test_stuck_is_retried_slowly_and_on_agent_retry(make_outbox, clock, rng):
    outbox = make_outbox(stuck_after_attempts=1)
    action = outbox.enqueue("feedback", FEEDBACK)
    outbox.claim_ready()
    assert outbox.mark_failed(action.id, "HTTP 500") == "stuck"
    assert outbox.seconds_until_due() == SETTINGS.stuck_retry_seconds

    clock.advance(SETTINGS.stuck_retry_seconds - 1)
    assert claim_ids(outbox) == []
    clock.advance(1)
    assert claim_ids(outbox) == [action.id]  # slow automatic retry: nothing is ever dropped
    assert outbox.mark_failed(action.id, "HTTP 500") == "stuck"

    assert outbox.retry(action.id) is True  # the agent's button: at once, fresh count
    retried = outbox.get(action.id)
    assert (retried.state, retried.attempts, retried.next_attempt_at) == ("pending", 0, clock.now)
    assert claim_ids(outbox) == [action.id]
    assert outbox.retry(action.id) is False  # in flight: nothing to do
    outbox.mark_delivered(action.id, None)
    assert outbox.retry(action.id) is False
    assert outbox.retry("no-such-id") is False


def test_in_flight_rows_return_to_pending_at_start_up(tmp_path, clock, rng):
    path = tmp_path / "outbox.db"
    before = Outbox(path, SETTINGS, "kiosk-7", clock=clock, rng=rng)
    ids = [before.enqueue("feedback", FEEDBACK).id for _ in range(3)]
    waiting = before.enqueue("feedback", FEEDBACK).id
    assert claim_ids(before, limit=3) == ids
    before.close()  # the kiosk died with three actions in flight

    clock.advance(30)
    after = Outbox(path, SETTINGS, "kiosk-7", clock=clock, rng=rng)
    try:
        assert after.recover_in_flight() == 3
        assert after.counts()["sending"] == 0
        assert all(after.get(action_id).next_attempt_at == clock.now for action_id in ids)
        assert claim_ids(after) == ids + [waiting]
        assert after.recover_in_flight() == 4  # what the worker now holds, were it to restart
    finally:
        after.close()


def test_recovered_stuck_row_stays_stuck(make_outbox, clock):
    outbox = make_outbox(stuck_after_attempts=1)
    action = outbox.enqueue("feedback", FEEDBACK)
    outbox.mark_failed(action.id, "HTTP 500")
    clock.advance(SETTINGS.stuck_retry_seconds)
    assert claim_ids(outbox) == [action.id]
    assert outbox.recover_in_flight() == 1
    assert outbox.get(action.id).state == "stuck"  # agents still see it needs attention


def test_release_returns_claimed_row_due_now_with_attempts_kept(outbox, clock):
    action = outbox.enqueue("feedback", FEEDBACK)
    outbox.mark_failed(action.id, "timeout")
    clock.advance(SETTINGS.retry_cap_seconds)
    outbox.claim_ready()
    clock.advance(3)

    outbox.release(action.id)  # 401: the queue pauses, nothing is counted against the action
    released = outbox.get(action.id)
    assert (released.state, released.attempts, released.next_attempt_at) == (
        "pending", 1, clock.now)


def test_late_reports_never_undo_a_settled_action(outbox):
    action = outbox.enqueue("feedback", FEEDBACK)
    outbox.claim_ready()
    outbox.mark_delivered(action.id, {"status": "ok"})
    delivered = outbox.get(action.id)

    assert outbox.mark_failed(action.id, "timeout") == "delivered"
    outbox.release(action.id)
    outbox.mark_rejected(action.id, "422")
    outbox.mark_delivered(action.id, {"status": "again"})
    assert outbox.get(action.id) == delivered


def test_rejected_keeps_the_hubs_reason(outbox):
    action = outbox.enqueue("account_request", {"tenant_ref": "00123456", "surname": "Martin",
                                                "email": "m@example.org", "consent": True,
                                                "language": "fr"})
    outbox.claim_ready()
    outbox.mark_rejected(action.id, "422 tenant_ref unknown")
    assert outbox.list("rejected")[0].last_error == "422 tenant_ref unknown"
    assert outbox.waiting_count() == 0


def test_unknown_action_is_a_key_error(outbox):
    for mark in (lambda: outbox.mark_delivered("nope", None),
                 lambda: outbox.mark_rejected("nope", "x"),
                 lambda: outbox.mark_failed("nope", "x"),
                 lambda: outbox.release("nope")):
        with pytest.raises(KeyError):
            mark()
    assert outbox.get("nope") is None


# --- assistance calls ----------------------------------------------------------------------------

def test_assistance_call_expires(outbox, clock):
    old = outbox.enqueue("assistance_call", {"language": "fr", "screen": "home"})
    clock.advance(SETTINGS.assistance_expiry_seconds - 100)
    fresh = outbox.enqueue("assistance_call", {"language": "fr", "screen": "booking"})
    outbox.mark_failed(old.id, "offline")
    clock.advance(100)

    assert claim_ids(outbox) == [fresh.id]  # never sent stale, even before expire_assistance()
    outbox.release(fresh.id)
    assert outbox.expire_assistance() == [old.id]
    expired = outbox.get(old.id)
    assert expired.state == "expired" and "600" in expired.last_error
    assert outbox.get(fresh.id).state == "pending"
    assert outbox.expire_assistance() == []


def test_stuck_assistance_call_expires_too(make_outbox, clock):
    outbox = make_outbox(stuck_after_attempts=1)
    call = outbox.enqueue("assistance_call", {"language": "fr"})
    assert outbox.mark_failed(call.id, "HTTP 500") == "stuck"
    clock.advance(SETTINGS.assistance_expiry_seconds)
    assert outbox.expire_assistance() == [call.id]


def test_stale_assistance_call_does_not_wake_the_worker(outbox, clock):
    outbox.enqueue("assistance_call", {"language": "fr"})
    clock.advance(SETTINGS.assistance_expiry_seconds)
    assert outbox.seconds_until_due() is None
    assert outbox.waiting_count() == 1  # still waiting until expire_assistance() settles it


# --- scheduling helpers --------------------------------------------------------------------------

def test_retry_soon_brings_the_backlog_forward_jittered(outbox, clock, rng):
    ids = [outbox.enqueue("feedback", FEEDBACK).id for _ in range(3)]
    rng.value = 1.0
    for action_id, failures in zip(ids, (3, 3, 1)):
        for _ in range(failures):
            outbox.mark_failed(action_id, "offline")
    rng.values = [0.1, 0.5, 0.5]

    assert outbox.retry_soon(spread_seconds=10) == 2  # the third is already due sooner
    due = [outbox.get(action_id).next_attempt_at - clock.now for action_id in ids]
    assert due == [1.0, 5.0, 2.0]
    assert outbox.get(ids[0]).attempts == 3  # attempts are not touched


def test_retry_soon_never_moves_stuck_rows(make_outbox, clock, rng):
    outbox = make_outbox(stuck_after_attempts=2)
    stuck, pending = (outbox.enqueue("feedback", FEEDBACK).id for _ in range(2))
    rng.value = 1.0
    for _ in range(2):
        outbox.mark_failed(stuck, "HTTP 500")
    outbox.mark_failed(pending, "offline")
    assert outbox.get(stuck).state == "stuck"
    stuck_due = outbox.get(stuck).next_attempt_at

    assert outbox.retry_soon(spread_seconds=0) == 1
    assert outbox.get(pending).next_attempt_at == clock.now
    # A stuck row keeps its slow retry: stuck_retry_seconds, or an agent's retry().
    assert stuck_due == clock.now + SETTINGS.stuck_retry_seconds
    assert outbox.get(stuck).next_attempt_at == stuck_due


def test_released_and_recovered_rows_follow_the_same_stuck_rule(make_outbox, clock):
    outbox = make_outbox(stuck_after_attempts=100)
    old, young = (outbox.enqueue("feedback", FEEDBACK).id for _ in range(2))
    outbox.mark_failed(old, "timeout")
    clock.advance(SETTINGS.stuck_after_seconds - 10)
    outbox.mark_failed(young, "timeout")
    clock.advance(SETTINGS.retry_cap_seconds)
    assert sorted(claim_ids(outbox)) == sorted([old, young])
    outbox.release(old)  # its first failure is now older than stuck_after_seconds
    outbox.release(young)
    assert (outbox.get(old).state, outbox.get(young).state) == ("stuck", "pending")
    clock.advance(SETTINGS.stuck_after_seconds)  # the young one's first failure is old now too
    assert sorted(claim_ids(outbox)) == sorted([old, young])
    assert outbox.recover_in_flight() == 2
    assert (outbox.get(old).state, outbox.get(young).state) == ("stuck", "stuck")


def test_recover_in_flight_with_nothing_in_flight_writes_nothing(make_outbox, tmp_path):
    outbox = make_outbox()
    outbox.enqueue("feedback", FEEDBACK)
    blocker = sqlite3.connect(tmp_path / "outbox.db", isolation_level=None, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the UI thread in the middle of an enqueue
        # Called before every pass: with nothing in flight it must not even ask for the lock
        # (asking would wait the busy timeout, then fail "locked").
        assert outbox.recover_in_flight() == 0
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_seconds_until_due_tells_the_worker_how_long_to_sleep(outbox, clock, rng):
    assert outbox.seconds_until_due() is None
    action = outbox.enqueue("feedback", FEEDBACK)
    assert outbox.seconds_until_due() == 0
    outbox.claim_ready()
    assert outbox.seconds_until_due() is None  # in flight: the worker holds it
    rng.value = 0.75
    outbox.mark_failed(action.id, "timeout")
    assert outbox.seconds_until_due() == 1.5
    clock.advance(10)
    assert outbox.seconds_until_due() == 0


def test_clock_going_backwards_does_not_park_rows(outbox, clock, rng):
    action = outbox.enqueue("feedback", FEEDBACK)
    rng.value = 1.0
    outbox.mark_failed(action.id, "timeout")
    clock.advance(-30 * 86400)  # NTP fixed a clock that was a month ahead
    assert outbox.seconds_until_due() == 0
    assert claim_ids(outbox) == [action.id]


def test_counts_waiting_and_ages(outbox, clock):
    assert outbox.counts() == dict.fromkeys(STATES, 0)
    assert outbox.oldest_pending_age() is None
    first = outbox.enqueue("feedback", FEEDBACK)
    clock.advance(40)
    second = outbox.enqueue("feedback", FEEDBACK)
    third = outbox.enqueue("feedback", FEEDBACK)
    outbox.claim_ready(limit=1)
    clock.advance(2)

    assert outbox.waiting_count() == 3
    assert outbox.oldest_pending_age() == 42  # in flight still counts as waiting
    outbox.mark_delivered(first.id, None)
    outbox.claim_ready(limit=1)
    outbox.mark_rejected(second.id, "400")
    assert outbox.oldest_pending_age() == 2
    assert outbox.counts() == {**dict.fromkeys(STATES, 0), "delivered": 1, "rejected": 1,
                               "pending": 1}
    assert outbox.counts("pending", "stuck", "rejected") == {"pending": 1, "stuck": 0,
                                                             "rejected": 1}
    assert [a.id for a in outbox.list("pending", "rejected")] == [second.id, third.id]
    assert [a.id for a in outbox.list(limit=2)] == [first.id, second.id]
    call = outbox.enqueue("assistance_call", {"language": "fr"})
    assert [a.id for a in outbox.list("pending", action_type="assistance_call")] == [call.id]
    with pytest.raises(ValueError):
        outbox.list("lost")
    with pytest.raises(ValueError):
        outbox.counts("lost")


# --- threads -------------------------------------------------------------------------------------

def test_two_outboxes_on_one_file_from_two_threads(tmp_path):
    path = tmp_path / "outbox.db"
    ui = Outbox(path, SETTINGS, "kiosk-7")
    total = 300
    delivered: list[str] = []
    errors: list[BaseException] = []
    all_queued = threading.Event()

    def sync_worker() -> None:
        try:
            worker = Outbox(path, SETTINGS, "kiosk-7")  # its own connection, in its own thread
            try:
                deadline = time.monotonic() + 30
                while len(delivered) < total and time.monotonic() < deadline:
                    batch = worker.claim_ready(limit=7)
                    for action in batch:
                        worker.mark_delivered(action.id, {"status": "ok"})
                        delivered.append(action.id)
                    if not batch:
                        all_queued.wait(0.005)
            finally:
                worker.close()
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    thread = threading.Thread(target=sync_worker)
    thread.start()
    try:
        queued = [ui.enqueue("feedback", {"journey": "home", "score": 1 + i % 3}).id
                  for i in range(total)]
        all_queued.set()
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert errors == []
        assert sorted(delivered) == sorted(queued)
        assert ui.counts()["delivered"] == total and ui.waiting_count() == 0
    finally:
        all_queued.set()
        thread.join(timeout=60)
        ui.close()


def test_an_outbox_belongs_to_its_thread(outbox):
    errors: list[BaseException] = []

    def use_from_another_thread() -> None:
        try:
            outbox.enqueue("feedback", FEEDBACK)
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=use_from_another_thread)
    thread.start()
    thread.join(timeout=10)
    assert len(errors) == 1 and isinstance(errors[0], EnqueueFailed)
    assert outbox.waiting_count() == 0


def test_enqueue_keeps_a_given_action_id(outbox):
    given = "8f14e45f-ceea-467f-a0e4-5c1b7e0e0d4a"
    assert outbox.enqueue("booking", {"session_id": "s1"}, action_id=given).id == given
    assert outbox.get(given).payload == {"session_id": "s1"}


def test_enqueue_of_a_known_id_fails_without_touching_the_first(outbox):
    first = outbox.enqueue("booking", {"session_id": "s1"})
    with pytest.raises(EnqueueFailed):
        outbox.enqueue("booking", {"session_id": "other"}, action_id=first.id)
    assert outbox.get(first.id).payload == {"session_id": "s1"}
