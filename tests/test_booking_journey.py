"""The workshop booking and cancelling journeys, without a window."""

import datetime as dt
import uuid

import pytest

from kiosk.catalog import Catalog
from kiosk.journeys.booking import (BOOKING_REFUSALS, CANCEL_UNKNOWN, ENQUEUE_FAILED,
                                    WRONG_REFERENCE, BookingJourney, CancelJourney)
from kiosk.outbox import EnqueueFailed
from kiosk.references import action_id_for, new_reference, normalize_reference
from kiosk.validation import InvalidInput

NOW = dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def raw_session(session_id, topic, starts_at, agency="Centre Ouest", seats_left=4, **extra):
    return {"id": session_id, "topic": topic, "kind": "general", "format": "group",
            "starts_at": starts_at, "ends_at": None, "place": f"Salle de {agency}", "agency": agency,
            "capacity": 8, "seats_left": seats_left, "language": "fr", **extra}


CATALOG = Catalog.from_body({"sessions": [
    raw_session("past-here", "email", "2025-12-01T09:30:00+01:00"),           # 08:30 UTC: over
    raw_session("now-here", "email", "2025-12-01T10:00:00+01:00"),            # 09:00 UTC: starting
    raw_session("late-here", "email", "2025-12-09T14:00:00+01:00"),
    raw_session("soon-there", "email", "2025-12-02T09:30:00+01:00", agency="Béarn"),
    raw_session("soon-here", "email", "2025-12-03T14:00:00+01:00"),
    raw_session("later-there", "email", "2025-12-04T14:00:00+01:00", agency="PPO"),
    raw_session("other-topic", "internet", "2025-12-02T14:00:00+01:00"),
]})


class Recorder:
    """Stands for services.submit: records what would be queued."""

    def __init__(self, fail: bool = False):
        self.calls: list[tuple[str, dict, str | None]] = []
        self.fail = fail

    def __call__(self, type, payload, action_id=None):
        if self.fail:
            raise EnqueueFailed("disk full")
        action_id = action_id or str(uuid.uuid4())
        self.calls.append((type, payload, action_id))
        return type_action(action_id)


class type_action:  # noqa: N801 - a tiny stand-in for outbox.Action
    def __init__(self, action_id):
        self.id = action_id


def journey(now=NOW) -> BookingJourney:
    j = BookingJourney(agency="Centre Ouest", clock=lambda: now)
    j.set_catalog(CATALOG)
    return j


def at_review(mobile="06 12 34 56 78") -> BookingJourney:
    j = journey()
    j.choose_topic("email")
    j.choose_session("soon-here")
    j.set_name("  Awa   Diallo ")
    j.set_mobile(mobile)
    assert j.current == "review"
    return j


# --- topics and sessions -------------------------------------------------------------------------

def test_journey_goes_topic_sessions_name_mobile_review():
    j = journey()
    assert j.current == "topic"
    assert j.choose_topic("email") == "sessions"
    assert j.choose_session("soon-here") == "name"
    assert j.set_name("Awa Diallo") == "mobile"
    assert j.set_mobile("0612345678") == "review"


def test_unknown_topic_is_refused():
    with pytest.raises(KeyError):
        journey().choose_topic("knitting")


def test_start_with_a_topic_skips_the_topic_step_but_back_returns_to_it():
    j = journey()
    assert j.start_with("email") == "sessions"
    assert j.data["topic"] == "email"
    assert j.back() == "topic"
    assert j.start_with(None) == "topic"


def test_sessions_are_this_agencys_first_then_others_each_by_date_and_never_past():
    j = journey()
    j.choose_topic("email")
    assert [s.id for s in j.sessions()] == ["soon-here", "late-here", "soon-there", "later-there"]
    groups = j.session_groups()
    assert [(here, [s.id for s in group]) for here, group in groups] == [
        (True, ["soon-here", "late-here"]), (False, ["soon-there", "later-there"])]


def test_sessions_follow_the_injected_clock():
    j = journey(now=dt.datetime(2025, 12, 3, 14, 0, tzinfo=dt.timezone.utc))
    j.choose_topic("email")
    assert [s.id for s in j.sessions()] == ["late-here", "later-there"]


def test_agency_match_ignores_case_and_spaces():
    j = BookingJourney(agency=" centre ouest ", clock=lambda: NOW)
    j.set_catalog(CATALOG)
    j.choose_topic("email")
    assert j.sessions()[0].id == "soon-here"


def test_no_catalogue_or_no_session_lists_nothing():
    j = BookingJourney(agency="Centre Ouest", clock=lambda: NOW)
    j.choose_topic("email")
    assert j.sessions() == [] and j.session_groups() == []
    k = journey()
    k.choose_topic("exchange")
    assert k.sessions() == []


def test_a_past_or_unlisted_session_cannot_be_chosen():
    j = journey()
    j.choose_topic("email")
    for session_id in ("past-here", "now-here", "other-topic", "nope"):
        with pytest.raises(LookupError):
            j.choose_session(session_id)
    assert j.current == "sessions"


# --- name and mobile -----------------------------------------------------------------------------

def test_bad_name_stays_on_the_name_step_with_a_message():
    j = journey()
    j.choose_topic("email")
    j.choose_session("soon-here")
    with pytest.raises(InvalidInput) as caught:
        j.set_name("R2D2")
    assert caught.value.field == "name" and caught.value.text("fr")
    assert j.current == "name"


def test_mobile_is_optional_but_checked_when_typed():
    j = journey()
    j.choose_topic("email")
    j.choose_session("soon-here")
    j.set_name("Awa Diallo")
    with pytest.raises(InvalidInput):
        j.set_mobile("01 23 45 67 89")   # a landline: no reminder possible
    assert j.current == "mobile"
    assert j.set_mobile("   ") == "review"
    assert "mobile" not in j.payload("fr")


# --- submitting ----------------------------------------------------------------------------------

def test_booking_payload_is_exactly_the_designs():
    j = at_review()
    assert j.payload("fr") == {"session_id": "soon-here", "name": "Awa Diallo",
                               "mobile": "+33612345678", "language": "fr"}
    assert at_review(mobile="").payload("es") == {"session_id": "soon-here", "name": "Awa Diallo",
                                                  "language": "es"}


def test_submit_queues_a_booking_whose_action_id_is_derived_from_the_reference():
    j = at_review()
    queued = Recorder()
    assert j.submit(queued, "fr") is True
    [(kind, payload, action_id)] = queued.calls
    assert kind == "booking" and payload == j.payload("fr")
    assert normalize_reference(j.reference) == j.reference
    assert action_id == action_id_for(j.reference)
    assert j.current == "receipt" and not j.can_go_back
    assert j.status == "waiting"


def test_enqueue_failure_stays_on_review_without_a_receipt():
    j = at_review()
    assert j.submit(Recorder(fail=True), "fr") is False
    assert j.current == "review"
    assert j.reference is None and j.status == ""
    assert j.problem == ENQUEUE_FAILED
    assert j.submit(Recorder(), "fr") is True   # the tenant may try again
    assert j.problem == ""


def test_hub_answers_update_the_receipt_only_for_this_booking():
    j = at_review()
    j.submit(Recorder(), "fr")
    assert j.on_action_result(str(uuid.uuid4()), "delivered", {"booking": "confirmed"}) is False
    assert j.status == "waiting"
    assert j.on_action_result(j.data["action_id"], "delivered", {"booking": "confirmed"})
    assert j.status == "confirmed"


def test_waitlisted_answer_keeps_the_position():
    j = at_review()
    j.submit(Recorder(), "fr")
    j.on_action_result(j.data["action_id"], "delivered",
                       {"booking": "waitlisted", "session_id": "soon-here", "waitlist_position": 2})
    assert (j.status, j.waitlist_position) == ("waitlisted", 2)


def test_refusal_gives_a_reason_in_words():
    j = at_review()
    j.submit(Recorder(), "fr")
    j.on_action_result(j.data["action_id"], "rejected",
                       {"status": 422, "error": "session_cancelled", "detail": "..."})
    assert j.status == "rejected"
    assert j.problem == BOOKING_REFUSALS["session_cancelled"]


def test_calendar_event_holds_no_personal_data():
    j = at_review()
    j.submit(Recorder(), "fr")
    event = j.calendar_event("fr")
    assert "Awa" not in event and "Diallo" not in event and "612345678" not in event


def test_reset_wipes_every_answer_but_keeps_the_catalogue():
    j = at_review()
    j.submit(Recorder(), "fr")
    j.reset()
    assert j.current == "topic" and j.data == {}
    assert j.reference is None and j.status == "" and j.session is None
    assert j.catalog is CATALOG


# --- cancelling ----------------------------------------------------------------------------------

def test_cancel_reads_the_reference_tolerantly_and_queues_the_bookings_id():
    reference = new_reference()
    typed = reference.lower().replace("-", " ")
    j = CancelJourney()
    assert j.set_reference(typed) == "confirm"
    assert j.reference == reference
    queued = Recorder()
    assert j.submit(queued) is True
    [(kind, payload, _)] = queued.calls
    assert (kind, payload) == ("booking_cancel", {"booking_id": action_id_for(reference)})
    assert j.current == "receipt" and j.status == "waiting"


def wrong_check_symbol(reference: str) -> str:
    last = reference[-1]
    return reference[:-1] + ("7" if last != "7" else "8")


@pytest.mark.parametrize("typed", ["K7M4", "", "K7M4Q-X2P9N-ZZ"])
def test_cancel_refuses_an_incomplete_reference(typed):
    j = CancelJourney()
    with pytest.raises(InvalidInput):
        j.set_reference(typed)
    assert j.current == "reference"


def test_cancel_refuses_a_wrong_check_symbol_with_the_tickets_message():
    j = CancelJourney()
    with pytest.raises(InvalidInput) as caught:
        j.set_reference(wrong_check_symbol(new_reference()))
    assert caught.value.message == WRONG_REFERENCE
    assert caught.value.text("fr").startswith("Ce numéro n'est pas complet")


def test_cancel_enqueue_failure_shows_no_receipt():
    j = CancelJourney()
    j.set_reference(new_reference())
    assert j.submit(Recorder(fail=True)) is False
    assert j.current == "confirm" and j.problem == ENQUEUE_FAILED


def test_cancel_answers_cancelled_noted_or_unknown():
    done = CancelJourney()
    done.set_reference(new_reference())
    done.submit(Recorder())
    done.on_action_result(done.data["action_id"], "delivered", {"booking": "already_cancelled"})
    assert done.status == "cancelled"
    early = CancelJourney()
    early.set_reference(new_reference())
    early.submit(Recorder())
    early.on_action_result(early.data["action_id"], "delivered", {"booking": "cancel_pending"})
    assert early.status == "noted"   # the booking is still on its way; the hub cancels it on arrival
    lost = CancelJourney()
    lost.set_reference(new_reference())
    lost.submit(Recorder())
    lost.on_action_result(lost.data["action_id"], "rejected", {"error": "unknown_booking"})
    assert (lost.status, lost.problem) == ("unknown", CANCEL_UNKNOWN)


def test_cancel_reset_wipes_the_reference():
    j = CancelJourney()
    j.set_reference(new_reference())
    j.submit(Recorder())
    j.reset()
    assert j.current == "reference" and j.data == {}
