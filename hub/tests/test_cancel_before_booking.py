"""A cancellation may reach the hub before its booking: the outcome is the same in both orders.

Tenants cancel from any kiosk with their reference (the booking's action id is derived from it),
so kiosk B's `booking_cancel` can arrive while kiosk A, offline, still holds the `booking`.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk_a(module_hub):
    return module_hub.add_kiosk_auth("kiosk-cancel-a")


@pytest.fixture(scope="module")
def kiosk_b(module_hub):
    return module_hub.add_kiosk_auth("kiosk-cancel-b")


def booking(kiosk, session_id, name="Awa Diallo", booking_id=None):
    return make_action(kiosk.kiosk_id, "booking", {"session_id": session_id, "name": name, "language": "fr"},
                       action_id=booking_id)


def cancel(kiosk, booking_id):
    return make_action(kiosk.kiosk_id, "booking_cancel", {"booking_id": booking_id})


def statuses(hub, session_id):
    rows = hub.query("SELECT id, status FROM bookings WHERE session_id = ? ORDER BY seq", [session_id])
    return {row["id"]: row["status"] for row in rows}


def seats_left(hub, kiosk, session_id):
    sessions = requests.get(hub.url + "/api/v1/catalog", headers=kiosk.headers, timeout=10).json()["sessions"]
    return next((s["seats_left"] for s in sessions if s["id"] == session_id), 0)


def pending(hub, booking_id):
    return hub.query("SELECT * FROM pending_cancellations WHERE booking_id = ?", [booking_id])


def test_cancel_before_its_booking_is_kept_and_the_booking_arrives_cancelled(module_hub, kiosk_a, kiosk_b):
    module_hub.add_session("cf-basic", capacity=2)
    booked = booking(kiosk_a, "cf-basic")
    cancelled = cancel(kiosk_b, booked["id"])

    answer = post_action(module_hub, kiosk_b, cancelled)
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {"booking": "cancel_pending", "booking_id": booked["id"]}
    (row,) = pending(module_hub, booked["id"])
    assert (row["cancel_action_id"], row["kiosk_id"]) == (cancelled["id"], kiosk_b.kiosk_id)
    received_at = row["received_at"]

    answer = post_action(module_hub, kiosk_a, booked)
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {"booking": "cancelled", "session_id": "cf-basic"}
    (stored,) = module_hub.query("SELECT status, cancelled_at, cancel_action_id, confirmed_at FROM bookings WHERE id = ?",
                                 [booked["id"]])
    assert stored == {"status": "cancelled", "cancelled_at": received_at, "cancel_action_id": cancelled["id"],
                      "confirmed_at": None}
    assert pending(module_hub, booked["id"]) == []
    assert seats_left(module_hub, kiosk_a, "cf-basic") == 2  # no seat was ever taken

    # Repeats get their first answers; a new cancellation finds the booking already cancelled.
    assert post_action(module_hub, kiosk_a, booked).json()["result"] == {"booking": "cancelled", "session_id": "cf-basic"}
    assert post_action(module_hub, kiosk_b, cancelled).json()["result"]["booking"] == "cancel_pending"
    again = post_action(module_hub, kiosk_b, cancel(kiosk_b, booked["id"]))
    assert (again.status_code, again.json()["result"]) == (201, {"booking": "already_cancelled", "booking_id": booked["id"]})


def test_a_second_cancel_while_pending_keeps_the_first(module_hub, kiosk_a, kiosk_b):
    booking_id = str(uuid.uuid4())
    first, second = cancel(kiosk_b, booking_id), cancel(kiosk_a, booking_id)
    assert post_action(module_hub, kiosk_b, first).json()["result"] == {"booking": "cancel_pending", "booking_id": booking_id}
    answer = post_action(module_hub, kiosk_a, second)
    assert (answer.status_code, answer.json()["result"]) == (201, {"booking": "cancel_pending", "booking_id": booking_id})
    assert [row["cancel_action_id"] for row in pending(module_hub, booking_id)] == [first["id"]]


@pytest.mark.parametrize("order", ["booking first", "cancel first"])
def test_the_outcome_is_the_same_whichever_arrives_first(module_hub, kiosk_a, kiosk_b, order):
    """Capacity 1, Alice holds the seat, Bruno waits: X books and cancels, then Alice cancels."""
    session_id = f"cf-order-{order.split()[0]}"
    module_hub.add_session(session_id, capacity=1)
    alice, bruno = booking(kiosk_a, session_id, "Alice Martin"), booking(kiosk_a, session_id, "Bruno Petit")
    x = booking(kiosk_a, session_id, "Chloé Roux")
    chloe = booking(kiosk_a, session_id, "Chloé Roux")
    assert post_action(module_hub, kiosk_a, alice).json()["result"]["booking"] == "confirmed"
    assert post_action(module_hub, kiosk_a, bruno).json()["result"]["waitlist_position"] == 1

    sequence = [(kiosk_a, x), (kiosk_b, cancel(kiosk_b, x["id"]))]
    if order == "cancel first":
        sequence.reverse()
    for kiosk, action in sequence:
        assert post_action(module_hub, kiosk, action).status_code == 201
    # X left no trace in the line: the next one is second, not third.
    assert post_action(module_hub, kiosk_a, chloe).json()["result"]["waitlist_position"] == 2
    assert post_action(module_hub, kiosk_b, cancel(kiosk_b, alice["id"])).json()["result"]["booking"] == "cancelled"

    assert statuses(module_hub, session_id) == {
        alice["id"]: "cancelled", bruno["id"]: "confirmed", x["id"]: "cancelled", chloe["id"]: "waitlisted"}


def test_a_refused_booking_leaves_the_cancel_pending(module_hub, kiosk_a, kiosk_b):
    """As when the booking comes first: it is refused, and the cancellation has nothing to cancel."""
    module_hub.add_session("cf-called-off", capacity=2)
    booked = booking(kiosk_a, "cf-called-off")
    assert post_action(module_hub, kiosk_b, cancel(kiosk_b, booked["id"])).status_code == 201
    module_hub.call("session", "cancel", "cf-called-off")
    answer = post_action(module_hub, kiosk_a, booked)
    assert (answer.status_code, answer.json()["error"]) == (422, "session_cancelled")
    assert len(pending(module_hub, booked["id"])) == 1
    assert statuses(module_hub, "cf-called-off") == {}


def test_cancelling_an_action_that_is_not_a_booking_is_refused(module_hub, kiosk_a):
    call = make_action(kiosk_a.kiosk_id, "assistance_call", {"language": "fr"})
    assert post_action(module_hub, kiosk_a, call).status_code == 201
    answer = post_action(module_hub, kiosk_a, cancel(kiosk_a, call["id"]))
    assert (answer.status_code, answer.json()["error"]) == (422, "unknown_booking")
    assert "payload.booking_id" in answer.json()["detail"]
    assert pending(module_hub, call["id"]) == []

    itself = cancel(kiosk_a, None)
    itself["payload"]["booking_id"] = itself["id"]
    answer = post_action(module_hub, kiosk_a, itself)
    assert (answer.status_code, answer.json()["error"]) == (422, "unknown_booking")
    assert pending(module_hub, itself["id"]) == []


@pytest.mark.parametrize("booking_id", ["K7M4-QX2P", "", 42])
def test_a_booking_id_that_is_not_a_uuid_is_refused(module_hub, kiosk_a, booking_id):
    answer = post_action(module_hub, kiosk_a, cancel(kiosk_a, booking_id))
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_field")
    assert "payload.booking_id" in answer.json()["detail"]


def test_cancel_and_booking_posted_at_the_same_moment(module_hub, kiosk_a, kiosk_b):
    """Rounds of (booking X, its cancel, another booking Y) leaving together, for 4 seats."""
    capacity, rounds = 4, 24
    module_hub.add_session("cf-race", capacity=capacity)
    xs = [booking(kiosk_a, "cf-race", "Xavier Roux") for _ in range(rounds)]
    ys = [booking(kiosk_a, "cf-race", "Yasmine Benali") for _ in range(rounds)]
    jobs = []
    for x, y in zip(xs, ys):
        barrier = threading.Barrier(3, timeout=20)
        jobs += [(kiosk_a, x, barrier), (kiosk_b, cancel(kiosk_b, x["id"]), barrier), (kiosk_a, y, barrier)]

    def send(job):
        kiosk, action, barrier = job
        barrier.wait()  # the three leave together
        return action, post_action(module_hub, kiosk, action)

    with ThreadPoolExecutor(max_workers=12) as pool:
        sent = list(pool.map(send, jobs, timeout=120))

    assert {answer.status_code for _, answer in sent} == {201}, [a.text for _, a in sent if a.status_code != 201]
    results = {action["id"]: answer.json()["result"] for action, answer in sent if action["type"] == "booking"}
    cancels = {action["payload"]["booking_id"]: answer.json()["result"] for action, answer in sent
               if action["type"] == "booking_cancel"}
    for x in xs:
        if cancels[x["id"]]["booking"] == "cancel_pending":   # the cancellation won the race
            assert results[x["id"]] == {"booking": "cancelled", "session_id": "cf-race"}
        else:                                                 # the booking won, then was cancelled
            assert cancels[x["id"]] == {"booking": "cancelled", "booking_id": x["id"]}
            assert results[x["id"]]["booking"] in ("confirmed", "waitlisted")

    final = module_hub.query("SELECT id, status FROM bookings WHERE session_id = 'cf-race' ORDER BY seq")
    assert len(final) == 2 * rounds
    assert {row["id"]: row["status"] for row in final if row["id"] in results and row["id"] in cancels} == {
        x["id"]: "cancelled" for x in xs}
    left_pending = module_hub.query("SELECT booking_id FROM pending_cancellations WHERE booking_id IN (%s)"
                                    % ",".join("?" * rounds), [x["id"] for x in xs])
    assert left_pending == []
    # Whatever the interleaving, the seats belong to the earliest bookings still standing.
    standing = [row["status"] for row in final if row["status"] != "cancelled"]
    assert standing == ["confirmed"] * capacity + ["waitlisted"] * (rounds - capacity)
