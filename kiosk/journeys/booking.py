"""Booking a workshop, and cancelling one with its reference: two step tables, no UI.

Booking: topic -> sessions -> name -> mobile -> review -> receipt. The screen shows `current`
and forwards the tenant's answers to the verbs below; a bad answer raises InvalidInput (from
kiosk.validation) and the journey stays where it is. The receipt exists only once the outbox
commit has returned; the hub's answer, if it comes while the tenant is still there, updates it.

Cancelling: reference -> confirm -> receipt. The booking's action id is derived from its
reference, so any kiosk can cancel it, and the outbox keeps a cancel behind its booking.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from kiosk.catalog import Catalog, Session
from kiosk.i18n import N_, translate
from kiosk.journeys.wizard import Step, Wizard
from kiosk.outbox import EnqueueFailed
from kiosk.receipts import workshop_event
from kiosk.references import action_id_for, new_reference, normalize_reference
from kiosk.validation import InvalidInput, clean_mobile, clean_name
from kiosk.workshops import TOPICS

Submit = Callable[..., object]   # services.submit(type, payload, action_id=None) -> Action


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


ENQUEUE_FAILED = N_("La borne n'a pas pu enregistrer votre demande. Rien n'a été envoyé. "
                    "Appelez un agent : il vous aidera.")
WRONG_REFERENCE = N_("Ce numéro n'est pas complet ou contient une erreur. "
                     "Vérifiez-le sur votre ticket.")
EMPTY_REFERENCE = N_("Tapez le numéro écrit sur votre ticket.")

# Why the hub refused a booking, in words; anything else gets the general sentence.
BOOKING_REFUSALS = {
    "session_cancelled": N_("Cet atelier est annulé. Votre inscription n'a pas pu être prise."),
    "unknown_session": N_("Cet atelier n'existe plus. Votre inscription n'a pas pu être prise."),
    "session_past": N_("Cet atelier a déjà commencé. Votre inscription n'a pas pu être prise."),
}
BOOKING_REFUSED = N_("Votre inscription n'a pas pu être prise.")
CANCEL_UNKNOWN = N_("Nous ne trouvons pas cette inscription. Un agent peut regarder avec vous. "
                    "Touchez « Appeler un agent », en bas à droite.")
CANCEL_REFUSED = N_("L'annulation n'a pas pu être faite. Un agent peut regarder avec vous. "
                    "Touchez « Appeler un agent », en bas à droite.")


class BookingJourney(Wizard):
    start = "topic"
    steps = {
        "topic": Step(next="sessions"),
        "sessions": Step(next="name"),
        "name": Step(next="mobile"),
        "mobile": Step(next="review"),
        "review": Step(next="receipt"),
        "receipt": Step(can_go_back=False),   # queued: going back could book twice
    }

    def __init__(self, agency: str, clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__()
        self.agency = agency
        self.clock = clock
        self.catalog: Catalog | None = None    # not the tenant's data: kept across reset()

    # --- 1. topic -------------------------------------------------------------------------------

    def choose_topic(self, topic_id: str) -> str:
        if self.current != "topic":
            raise LookupError(f"a topic is chosen on the topic step, not on {self.current!r}")
        if topic_id not in TOPICS:
            raise KeyError(f"unknown workshop topic {topic_id!r}")
        self.data["topic"] = topic_id
        return self.next()

    def start_with(self, topic_id: str | None) -> str:
        """A new journey, already past the topic step when another journey chose it."""
        self.reset()
        return self.choose_topic(topic_id) if topic_id else self.current

    # --- 2. sessions ----------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog | None) -> None:
        self.catalog = catalog

    def _is_here(self, session: Session) -> bool:
        return session.agency.strip().casefold() == self.agency.strip().casefold()

    def sessions(self) -> list[Session]:
        """Upcoming sessions of the chosen topic: this agency's first, then the others, each by date."""
        topic = self.data.get("topic")
        if self.catalog is None or topic is None:
            return []
        upcoming = [s for s in self.catalog.upcoming(self.clock()) if s.topic == topic]
        return sorted(upcoming, key=lambda s: (not self._is_here(s), s.starts_at, s.id))

    def session_groups(self) -> list[tuple[bool, list[Session]]]:
        """[(here?, sessions)] for the sessions step's two headings; empty groups left out."""
        listed = self.sessions()
        groups = [(True, [s for s in listed if self._is_here(s)]),
                  (False, [s for s in listed if not self._is_here(s)])]
        return [(here, group) for here, group in groups if group]

    def choose_session(self, session_id: str) -> str:
        if self.current != "sessions":
            raise LookupError(f"a session is chosen on the sessions step, not on {self.current!r}")
        session = next((s for s in self.sessions() if s.id == session_id), None)
        if session is None:
            raise LookupError(f"session {session_id!r} is not offered (past, other topic or unknown)")
        self.data["session"] = session
        return self.next()

    @property
    def session(self) -> Session | None:
        return self.data.get("session")

    # --- 3. name and mobile ---------------------------------------------------------------------

    def set_name(self, text: str) -> str:
        self.data["name_typed"] = text
        self.data["name"] = clean_name(text, "name")   # raises InvalidInput: stay here
        return self.next()

    def set_mobile(self, text: str) -> str:
        """An empty mobile is allowed (optional); anything typed must be a valid mobile."""
        self.data["mobile_typed"] = text
        if text.strip():
            self.data["mobile"] = clean_mobile(text)   # raises InvalidInput: stay here
        else:
            self.data.pop("mobile", None)
        return self.next()

    # --- 4. review and submit -------------------------------------------------------------------

    def payload(self, language: str) -> dict:
        """The `booking` payload of DESIGN.md: session_id, name, mobile?, language."""
        payload = {"session_id": self.data["session"].id, "name": self.data["name"]}
        if self.data.get("mobile"):
            payload["mobile"] = self.data["mobile"]
        payload["language"] = language
        return payload

    def submit(self, submit: Submit, language: str) -> bool:
        """Queue the booking; True and on to the receipt once committed, False (stay) if not."""
        if self.current != "review":
            raise LookupError(f"a booking is submitted from the review step, not {self.current!r}")
        reference = new_reference()
        action_id = action_id_for(reference)
        self.data.pop("problem", None)
        try:
            submit("booking", self.payload(language), action_id=action_id)
        except EnqueueFailed:
            self.data["problem"] = ENQUEUE_FAILED
            return False
        self.data.update(reference=reference, action_id=action_id, status="waiting",
                         language=language)
        self.next()
        return True

    # --- 5. receipt -----------------------------------------------------------------------------

    @property
    def reference(self) -> str | None:
        return self.data.get("reference")

    @property
    def status(self) -> str:
        """"" before the receipt; then waiting | confirmed | waitlisted | cancelled (its cancel
        came first) | received | rejected."""
        return self.data.get("status", "")

    @property
    def waitlist_position(self) -> int | None:
        return self.data.get("waitlist_position")

    @property
    def problem(self) -> str:
        """A msgid to show (enqueue failure, hub's refusal), or ""."""
        return self.data.get("problem", "")

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> bool:
        """Take the hub's answer if it is about this booking; True when it was."""
        if not action_id or action_id != self.data.get("action_id"):
            return False
        result = result or {}
        if state == "delivered":
            answer = result.get("booking")
            if answer in ("confirmed", "waitlisted", "cancelled"):
                self.data["status"] = answer
                position = result.get("waitlist_position")
                if answer == "waitlisted" and isinstance(position, int):
                    self.data["waitlist_position"] = position
            else:
                self.data["status"] = "received"
        elif state == "rejected":
            self.data["status"] = "rejected"
            self.data["problem"] = BOOKING_REFUSALS.get(result.get("error"), BOOKING_REFUSED)
        return True

    def calendar_event(self, language: str) -> str:
        """The QR code's iCalendar text: the session and the reference, no personal data."""
        topic = TOPICS[self.data["topic"]]
        summary = translate(N_("Atelier : {topic}"), language).format(
            topic=translate(topic.label, language))
        return workshop_event(self.data["session"], self.data["reference"], summary,
                              language=language)


class CancelJourney(Wizard):
    start = "reference"
    steps = {
        "reference": Step(next="confirm"),
        "confirm": Step(next="receipt"),
        "receipt": Step(can_go_back=False),
    }

    def set_reference(self, text: str) -> str:
        """Tolerant reading of the ticket's number; a wrong one raises InvalidInput (stay)."""
        self.data["typed"] = text
        if not text.strip():
            raise InvalidInput("reference", EMPTY_REFERENCE)
        reference = normalize_reference(text)
        if reference is None:
            raise InvalidInput("reference", WRONG_REFERENCE)
        self.data["reference"] = reference
        return self.next()

    @property
    def reference(self) -> str | None:
        return self.data.get("reference")

    def payload(self) -> dict:
        return {"booking_id": action_id_for(self.data["reference"])}

    def submit(self, submit: Submit) -> bool:
        if self.current != "confirm":
            raise LookupError(f"a cancellation is submitted from the confirm step, not {self.current!r}")
        self.data.pop("problem", None)
        try:
            action = submit("booking_cancel", self.payload())
        except EnqueueFailed:
            self.data["problem"] = ENQUEUE_FAILED
            return False
        self.data.update(action_id=getattr(action, "id", None), status="waiting")
        self.next()
        return True

    @property
    def status(self) -> str:
        """"" before the receipt; then waiting | cancelled | noted | unknown | rejected."""
        return self.data.get("status", "")

    @property
    def problem(self) -> str:
        return self.data.get("problem", "")

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> bool:
        if not action_id or action_id != self.data.get("action_id"):
            return False
        result = result or {}
        if state == "delivered":
            done = result.get("booking") in ("cancelled", "already_cancelled")
            # cancel_pending: the booking has not reached the hub yet; it is cancelled on arrival.
            self.data["status"] = "cancelled" if done else "noted"
        elif state == "rejected":
            unknown = result.get("error") == "unknown_booking"
            self.data["status"] = "unknown" if unknown else "rejected"
            self.data["problem"] = CANCEL_UNKNOWN if unknown else CANCEL_REFUSED
        return True
