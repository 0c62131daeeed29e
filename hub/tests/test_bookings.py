"""Workshop bookings: capacity is never exceeded, the wait-list moves up in order."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-bookings")


def book(hub, kiosk, session_id, name="Fatou Ndiaye"):
    action = make_action(kiosk.kiosk_id, "booking", {"session_id": session_id, "name": name, "language": "fr"})
    answer = post_action(hub, kiosk, action)
    return action["id"], answer


def cancel(hub, kiosk, booking_id):
    return post_action(hub, kiosk, make_action(kiosk.kiosk_id, "booking_cancel", {"booking_id": booking_id}))


def statuses(hub, session_id):
    rows = hub.query("SELECT id, status FROM bookings WHERE session_id = ? ORDER BY seq", [session_id])
    return {row["id"]: row["status"] for row in rows}


def catalog_entry(hub, kiosk, session_id):
    sessions = requests.get(hub.url + "/api/v1/catalog", headers=kiosk.headers, timeout=10).json()["sessions"]
    return next((s for s in sessions if s["id"] == session_id), None)


def test_fifty_bookings_at_once_for_ten_seats_confirm_exactly_ten(module_hub, kiosk):
    module_hub.add_session("rush", capacity=10)
    start = threading.Barrier(50, timeout=20)

    def deliver(n):
        action = make_action(kiosk.kiosk_id, "booking", {"session_id": "rush", "name": f"Personne {chr(65 + n % 26)}", "language": "fr"})
        start.wait()
        return post_action(module_hub, kiosk, action)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(deliver, range(50), timeout=120))

    assert {a.status_code for a in answers} == {201}
    results = [a.json()["result"] for a in answers]
    assert sum(r["booking"] == "confirmed" for r in results) == 10
    assert sorted(r["waitlist_position"] for r in results if r["booking"] == "waitlisted") == list(range(1, 41))
    assert list(statuses(module_hub, "rush").values()).count("confirmed") == 10
    assert catalog_entry(module_hub, kiosk, "rush") is None  # full sessions leave the catalogue


def test_each_booking_takes_one_seat_in_the_catalogue(module_hub, kiosk):
    module_hub.add_session("seats", capacity=3)
    assert catalog_entry(module_hub, kiosk, "seats")["seats_left"] == 3
    book(module_hub, kiosk, "seats")
    assert catalog_entry(module_hub, kiosk, "seats")["seats_left"] == 2


def test_cancelling_a_confirmed_booking_promotes_the_first_waitlisted(module_hub, kiosk):
    module_hub.add_session("promote", capacity=1)
    first, answer = book(module_hub, kiosk, "promote", "Alice Martin")
    assert answer.json()["result"] == {"booking": "confirmed", "session_id": "promote"}
    second, answer = book(module_hub, kiosk, "promote", "Bruno Petit")
    assert answer.json()["result"] == {"booking": "waitlisted", "session_id": "promote", "waitlist_position": 1}
    third, answer = book(module_hub, kiosk, "promote", "Chloé Roux")
    assert answer.json()["result"]["waitlist_position"] == 2

    answer = cancel(module_hub, kiosk, first)
    assert answer.status_code == 201
    assert answer.json()["result"] == {"booking": "cancelled", "booking_id": first}
    assert statuses(module_hub, "promote") == {first: "cancelled", second: "confirmed", third: "waitlisted"}


def test_cancelling_a_waitlisted_booking_promotes_nobody(module_hub, kiosk):
    module_hub.add_session("no-promote", capacity=1)
    first, _ = book(module_hub, kiosk, "no-promote")
    second, _ = book(module_hub, kiosk, "no-promote")
    third, _ = book(module_hub, kiosk, "no-promote")
    assert cancel(module_hub, kiosk, second).status_code == 201
    assert statuses(module_hub, "no-promote") == {first: "confirmed", second: "cancelled", third: "waitlisted"}


def test_cancelling_twice_says_already_cancelled(module_hub, kiosk):
    module_hub.add_session("twice", capacity=2)
    booking_id, _ = book(module_hub, kiosk, "twice")
    assert cancel(module_hub, kiosk, booking_id).json()["result"]["booking"] == "cancelled"
    again = cancel(module_hub, kiosk, booking_id)
    assert again.status_code == 201
    assert again.json()["result"] == {"booking": "already_cancelled", "booking_id": booking_id}


def test_booking_an_unknown_session_is_refused(module_hub, kiosk):
    _, answer = book(module_hub, kiosk, "no-such-session")
    assert answer.status_code == 422
    assert answer.json()["error"] == "unknown_session"
    assert "payload.session_id" in answer.json()["detail"]


def test_booking_a_cancelled_session_is_refused(module_hub, kiosk):
    module_hub.add_session("called-off", capacity=5)
    module_hub.call("session", "cancel", "called-off")
    _, answer = book(module_hub, kiosk, "called-off")
    assert (answer.status_code, answer.json()["error"]) == (422, "session_cancelled")
    assert catalog_entry(module_hub, kiosk, "called-off") is None


def test_booking_a_session_that_has_started_is_refused(module_hub, kiosk):
    module_hub.add_session("started", capacity=5, starts_in=-timedelta(minutes=10))
    _, answer = book(module_hub, kiosk, "started")
    assert (answer.status_code, answer.json()["error"]) == (422, "session_past")
    assert "already started" in answer.json()["detail"]
    assert catalog_entry(module_hub, kiosk, "started") is None


def test_cancelling_an_unknown_booking_is_kept_pending(module_hub, kiosk):
    # Its booking may still be on its way from an offline kiosk (see test_cancel_before_booking.py).
    answer = cancel(module_hub, kiosk, "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
    assert answer.status_code == 201
    assert answer.json()["result"] == {"booking": "cancel_pending", "booking_id": "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"}
