"""Retention: after retention_days, personal data of delivered actions (and of calls for help that
expired) leaves the outbox files for good, counts stay; rejected actions stay whole for agents."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk.config import OutboxSettings
from kiosk.outbox import ERASED, Outbox
from tests.fakes import FakeClock

DAY = 86400.0
SETTINGS = OutboxSettings(retention_days=7.0, stuck_after_attempts=3)
SURNAME = "CANARY-Zoé-Ñ-42"
MOBILE = "+33655501942"
EMAIL = "canary.zoe42@example.org"
TENANT_REF = "97531864"
AGENT = "agent-CANARY-17"
LONG_REASON = "CANARY-LONG-" + "ç" * 9000  # spills into overflow pages
CANARIES = [SURNAME, MOBILE, EMAIL, TENANT_REF, AGENT, LONG_REASON[:40]]
# A rejected action exists nowhere else (the hub refused it): agents need all of it.
REJECTED_SURNAME = "KEPT-Ngozi-Ø-17"
REJECTED_MOBILE = "+33655501717"


def file_bytes(path: Path) -> bytes:
    """The .db and -wal files, as they are on disk now."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def found(path: Path) -> list[str]:
    data = file_bytes(path)
    return [canary for canary in CANARIES if canary.encode("utf-8") in data]


def account_request() -> dict:
    return {"tenant_ref": TENANT_REF, "surname": SURNAME, "birth_date": "1950-02-03",
            "email": EMAIL, "mobile": MOBILE, "consent": True, "language": "fr",
            "assisted_by": AGENT}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_764_000_000.0)


def test_personal_data_is_gone_from_the_files_after_retention(tmp_path, clock):
    path = tmp_path / "outbox.db"
    ui = Outbox(path, SETTINGS, "kiosk-7", clock=clock)
    worker = Outbox(path, SETTINGS, "kiosk-7", clock=clock)  # a second connection, as in the app
    try:
        account = ui.enqueue("account_request", account_request())
        booking = ui.enqueue("booking", {"session_id": "s-9", "name": SURNAME,
                                         "mobile": MOBILE, "language": "es",
                                         "assisted_by": AGENT})
        call = ui.enqueue("assistance_call", {"language": "pt", "screen": "booking",
                                              "reason": LONG_REASON})
        rejected_payload = {**account_request(), "surname": REJECTED_SURNAME,
                            "mobile": REJECTED_MOBILE, "email": None, "tenant_ref": "11223344",
                            "assisted_by": None}
        rejected = ui.enqueue("account_request", rejected_payload)
        cancel = ui.enqueue("booking_cancel", {"booking_id": booking.id})
        feedback = ui.enqueue("feedback", {"journey": "account", "score": 2})
        waiting = ui.enqueue("booking", {"session_id": "s-1", "name": "Still Waiting",
                                         "language": "fr"})

        worker.claim_ready(limit=6)
        worker.mark_failed(account.id, f"HTTP 500 while sending {EMAIL}")
        worker.claim_ready(limit=1)
        worker.mark_delivered(account.id, {"status": "created", "echo": f"Welcome {SURNAME}",
                                           "mobile": MOBILE})
        worker.mark_delivered(booking.id, {"status": "confirmed", "seat": 4})
        rejection = f"422 mobile {REJECTED_MOBILE} is not a mobile number"
        worker.mark_rejected(rejected.id, rejection)
        worker.mark_delivered(cancel.id, None)
        worker.mark_delivered(feedback.id, None)
        worker.release(call.id)
        clock.now += SETTINGS.assistance_expiry_seconds
        assert worker.expire_assistance() == [call.id]

        assert sorted(found(path)) == sorted(CANARIES)  # so this test can fail
        clock.now += 7 * DAY - SETTINGS.assistance_expiry_seconds - 1
        assert worker.erase_personal_data() == 0  # not yet: a week has not passed
        clock.now += 1 + SETTINGS.assistance_expiry_seconds
        counts_before = worker.counts()

        assert worker.erase_personal_data() == 5
        assert worker.erase_personal_data() == 0  # each row once
        assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0

        # What stays: states, counts, timestamps, the non-personal fields, the hub's reason.
        assert worker.counts() == counts_before
        erased_account = worker.get(account.id)
        assert erased_account.payload == {"language": "fr", "assisted": True}
        assert erased_account.last_error is None
        assert erased_account.result == {"status": "created", "echo": f"Welcome {ERASED}"}
        assert erased_account.created_at == account.created_at
        assert erased_account.delivered_at is not None
        assert worker.get(booking.id).payload == {"session_id": "s-9", "language": "es"}
        assert worker.get(booking.id).result == {"status": "confirmed", "seat": 4}
        assert worker.get(call.id).payload == {"language": "pt", "screen": "booking"}
        assert worker.get(call.id).state == "expired"
        kept_rejection = worker.get(rejected.id)
        assert kept_rejection.payload == rejected_payload  # whole, for the agent who calls back
        assert kept_rejection.last_error == rejection
        assert worker.get(cancel.id).payload == {"booking_id": booking.id}
        assert worker.get(feedback.id).payload == {"journey": "account", "score": 2}
        assert worker.get(waiting.id).payload["name"] == "Still Waiting"  # not sent: untouched
    finally:
        ui.close()
        worker.close()

    assert found(path) == []
    data = file_bytes(path)
    assert REJECTED_SURNAME.encode() in data and REJECTED_MOBILE.encode() in data


def test_rejected_actions_are_kept_whole_however_old(tmp_path, clock):
    outbox = Outbox(tmp_path / "outbox.db", dataclasses.replace(SETTINGS, retention_days=0),
                    "kiosk-7", clock=clock)
    try:
        rejected = outbox.enqueue("account_request", account_request())
        outbox.claim_ready()
        outbox.mark_rejected(rejected.id, f"422 tenant_ref {TENANT_REF} unknown")
        clock.now += 365 * DAY

        assert outbox.erase_personal_data() == 0
        kept = outbox.get(rejected.id)
        assert (kept.state, kept.payload) == ("rejected", account_request())
        assert kept.last_error == f"422 tenant_ref {TENANT_REF} unknown"
    finally:
        outbox.close()


def test_stuck_and_pending_actions_are_never_erased(tmp_path, clock):
    outbox = Outbox(tmp_path / "outbox.db", dataclasses.replace(SETTINGS, retention_days=0),
                    "kiosk-7", clock=clock)
    try:
        stuck = outbox.enqueue("account_request", account_request())
        pending = outbox.enqueue("booking", {"session_id": "s", "name": SURNAME,
                                             "language": "fr"})
        for _ in range(SETTINGS.stuck_after_attempts):
            outbox.mark_failed(stuck.id, "HTTP 503")
        clock.now += 365 * DAY

        assert outbox.erase_personal_data() == 0
        assert outbox.get(stuck.id).state == "stuck"
        assert outbox.get(stuck.id).payload == account_request()
        assert outbox.get(pending.id).payload["name"] == SURNAME
    finally:
        outbox.close()


def test_a_big_backlog_is_erased_in_short_transactions(tmp_path, clock, monkeypatch):
    monkeypatch.setattr("kiosk.outbox.ERASE_BATCH", 2)
    outbox = Outbox(tmp_path / "outbox.db", SETTINGS, "kiosk-7", clock=clock)
    try:
        ids = [outbox.enqueue("booking", {"session_id": "s", "name": SURNAME,
                                          "language": "fr"}).id for _ in range(5)]
        for action_id in ids:
            outbox.mark_delivered(action_id, None)
        clock.now += 8 * DAY

        assert outbox.erase_personal_data() == 5
        assert all(outbox.get(action_id).payload == {"session_id": "s", "language": "fr"}
                   for action_id in ids)
    finally:
        outbox.close()
    assert found(tmp_path / "outbox.db") == []
