"""Workshop booking: shows the booking journey's steps and forwards the tenant's touches.

The journey (steps, checks, payload, sending) is kiosk.journeys.booking, plain Python. Each step
is a sub-screen of the `steps` ScreenManager, named like the journey's step. The catalogue is
read from the sync worker's cache when the screen is entered, off the UI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path

import phonenumbers
from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (BooleanProperty, NumericProperty, ObjectProperty, StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

import screens.forms  # noqa: F401 - FormField, KioskKeyboard, QRImage, PictureButton for the KV
import screens.widgets  # noqa: F401 - KioskLabel, BigButton, FeedbackFaces for the KV
from kiosk.catalog import load_cached
from kiosk.i18n import N_
from kiosk.journeys.booking import BookingJourney
from kiosk.validation import InvalidInput
from kiosk.workshops import KIND_HEADINGS, KINDS, TOPICS, topics_of_kind
from screens.base import KioskScreen
from screens.forms import PictureButton

# What the receipt says about the booking, by what the kiosk knows of it.
STATUS_MESSAGES = {
    "waiting": N_("En attente de confirmation : la borne l'enverra dès que possible."),
    "confirmed": N_("Inscription confirmée."),
    "waitlisted": N_("Vous êtes sur la liste d'attente (place {n})."),
    "received": N_("Votre inscription est arrivée à l'agence."),
    "cancelled": N_("Cette inscription est annulée."),
}
FORM_FIELDS = ("name_field", "mobile_field")
WAITLISTED_NO_POSITION = N_("Vous êtes sur la liste d'attente.")


def shown_mobile(e164: str) -> str:
    """+33612345678 -> 06 12 34 56 78; a foreign number in its international form."""
    number = phonenumbers.parse(e164, None)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def heading(msgid: str, agency: str = ""):
    """A BookingHeading (booking.kv); its KV-declared properties exist only after __init__."""
    widget = Factory.BookingHeading()
    widget.msgid, widget.agency = msgid, agency
    return widget


class TopicButton(PictureButton):
    """A workshop topic: its picture beside its name (msgid, translated in booking.kv)."""

    msgid = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        picture = self.ids.picture
        picture.size_hint_x = None
        picture.width = dp(112)


class SessionCard(ButtonBehavior, BoxLayout):
    """One session to choose: date, place, format and seats (texts in booking.kv)."""

    session = ObjectProperty(None)


class BookingScreen(KioskScreen):
    step = StringProperty("topic")
    topic = StringProperty("")                            # chosen topic id
    session = ObjectProperty(None, allownone=True)        # chosen kiosk.catalog.Session
    catalog_ready = BooleanProperty(False)                # the cache has been read for this visit
    session_count = NumericProperty(0)
    name_value = StringProperty("")                       # as it will be sent
    mobile_value = StringProperty("")                     # as the tenant reads it, "" if none
    reference = StringProperty("")                        # "K7M4Q-X2P9N" once queued
    status = StringProperty("")                           # BookingJourney.status
    status_message = StringProperty("")                   # msgid with {n}
    waitlist_position = NumericProperty(0)
    problem = StringProperty("")                          # msgid: enqueue failure or the hub's refusal

    def __init__(self, **kwargs):
        self._journey: BookingJourney | None = None
        self._loads = 0                                   # which catalogue read is the latest
        self._session_ids: list[str] = []                 # ids of the session cards shown
        self._errors: dict[str, InvalidInput] = {}        # field id -> what was wrong
        super().__init__(**kwargs)

    @property
    def journey(self) -> BookingJourney:
        if self._journey is None:
            agency = self.services.config.kiosk.agency if self.services else ""
            self._journey = BookingJourney(agency)
        return self._journey

    def on_kv_post(self, base_widget) -> None:
        self._labels = {field_id: self.ids[field_id].label for field_id in FORM_FIELDS}
        for kind in KINDS:
            box = self.ids[f"{kind}_topics_box"]
            box.add_widget(heading(KIND_HEADINGS[kind]))
            for topic in topics_of_kind(kind):
                button = TopicButton(msgid=topic.label, source=topic.picture)
                button.bind(on_release=lambda _b, topic_id=topic.id: self.choose_topic(topic_id))
                self.ids[f"topic_{topic.id}_button"] = button
                box.add_widget(button)

    def on_pre_enter(self, *args) -> None:
        self.load_catalog()

    def on_enter(self, *args) -> None:
        App.get_running_app().bind(language=self._show_errors)
        if self.step in ("name", "mobile"):
            self._focus(self.step)

    def on_leave(self, *args) -> None:
        App.get_running_app().unbind(language=self._show_errors)

    # --- verbs the KV and other screens call ------------------------------------------------

    def start(self, topic: str | None = None, step: str | None = None) -> None:
        """A new booking, at the topics or already at the sessions of `topic` (e.g. "email").
        app.show("booking", topic=...) calls this after switching here; `step` is not used."""
        self.clear()
        if topic is not None and topic not in TOPICS:
            topic = None
        self._show(self.journey.start_with(topic))
        if self.manager is not None and self.manager.current != self.name:
            self.manager.current = self.name      # on_pre_enter reads the catalogue

    def load_catalog(self) -> None:
        """Read the cached catalogue on a thread (disk I/O stays off the UI thread)."""
        if self.services is None:
            return
        self._loads += 1
        path = self.services.config.catalog_path
        threading.Thread(target=self._read_catalog, args=(path, self._loads),
                         name="catalog-read", daemon=True).start()

    def _read_catalog(self, path, load: int) -> None:
        self._catalog_read(load_cached(path), load)

    @mainthread
    def _catalog_read(self, catalog, load: int) -> None:
        if load != self._loads:
            return                   # an older read finishing late
        self.journey.set_catalog(catalog)
        self.catalog_ready = True
        if self.step == "sessions":
            self._fill_sessions()

    def choose_topic(self, topic_id: str) -> None:
        self._show(self.journey.choose_topic(topic_id))

    def choose_session(self, session_id: str) -> None:
        try:
            self._show(self.journey.choose_session(session_id))
        except LookupError:
            self._fill_sessions()    # it has just started: show the list as it is now

    def confirm_name(self, *args) -> None:
        self._confirm("name_field", self.journey.set_name)

    def confirm_mobile(self, *args) -> None:
        self._confirm("mobile_field", self.journey.set_mobile)

    def _confirm(self, field_id: str, answer) -> None:
        field = self.ids[field_id]
        try:
            step = answer(field.text)
        except InvalidInput as err:
            self._errors[field_id] = err
            self._show_errors()
            field.focus()
            return
        self._errors.pop(field_id, None)
        self._show_errors()
        self._show(step)

    def _show_errors(self, *args) -> None:
        language = App.get_running_app().language
        for field_id in FORM_FIELDS:
            error = self._errors.get(field_id)
            field = self.ids[field_id]
            field.error = error.text(language) if error else ""
            # Above a five-row keyboard there is room for the input and the message, not also
            # the label: the message says what to do.
            field.label = "" if error else self._labels[field_id]

    def submit(self) -> None:
        app = App.get_running_app()
        if self.journey.submit(self.services.submit, app.language):
            self._show(self.journey.current)
        else:
            self.problem = self.journey.problem

    def back(self) -> None:
        """One step back; from the first step, back to the home screen."""
        if self.journey.can_go_back:
            self._show(self.journey.back())
        else:
            self.go_home()

    def go_home(self) -> None:
        App.get_running_app().go_home()

    def calendar_event(self, language: str, reference: str) -> str:
        """The QR code's text (KV passes language and reference so that it re-evaluates)."""
        if not reference or self.status == "rejected":
            return ""
        return self.journey.calendar_event(language)

    # --- wipe and news ----------------------------------------------------------------------

    def clear(self) -> None:
        if self._journey is not None:
            self._journey.reset()
        for name in FORM_FIELDS:
            self.ids[name].clear()
        self._errors = {}
        self._show_errors()
        self.topic = ""
        self.session = None
        self.name_value = self.mobile_value = ""
        self.reference = self.status = self.status_message = self.problem = ""
        self.waitlist_position = 0
        self.ids.sessions_box.clear_widgets()
        self._forget_session_ids()
        self.session_count = 0
        if "feedback_faces" in self.ids:
            self.ids.feedback_faces.clear()
        self._show("topic")

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        if self._journey is not None and self._journey.on_action_result(action_id, state, result):
            self._show_status()

    # --- showing the journey's state --------------------------------------------------------

    def _show(self, step: str) -> None:
        journey = self.journey
        self.step = step
        self.topic = journey.data.get("topic", "")
        self.session = journey.session
        if step == "sessions":
            self._fill_sessions()
        elif step in ("name", "mobile"):
            Clock.schedule_once(lambda _dt: self._focus(step), 0)
        elif step == "review":
            self.name_value = journey.data["name"]
            mobile = journey.data.get("mobile")
            self.mobile_value = shown_mobile(mobile) if mobile else ""
            self.problem = ""
        elif step == "receipt":
            self.reference = journey.reference or ""
            self._show_status()
        self.ids.steps.current = step

    def _focus(self, step: str) -> None:
        if self.step == step and self.manager is not None and self.manager.current == self.name:
            self.ids[f"{step}_field"].focus()

    def _show_status(self) -> None:
        journey = self.journey
        self.status = journey.status
        self.waitlist_position = journey.waitlist_position or 0
        if self.status == "waitlisted" and not self.waitlist_position:
            self.status_message = WAITLISTED_NO_POSITION
        else:
            self.status_message = STATUS_MESSAGES.get(self.status, "")
        self.problem = journey.problem

    def _forget_session_ids(self) -> None:
        for key in self._session_ids:
            self.ids.pop(key, None)
        self._session_ids = []

    def _fill_sessions(self) -> None:
        box = self.ids.sessions_box
        box.clear_widgets()
        self._forget_session_ids()
        groups = self.journey.session_groups() if self.catalog_ready else []
        count = 0
        for here, sessions in groups:
            text = N_("À votre agence ({agency})") if here else N_("Dans une autre agence")
            box.add_widget(heading(text, agency=self.journey.agency))
            for session in sessions:
                card = SessionCard(session=session)
                card.bind(on_release=lambda _c, session_id=session.id: self.choose_session(session_id))
                self.ids[f"session_{session.id}_button"] = card
                self._session_ids.append(f"session_{session.id}_button")
                box.add_widget(card)
                count += 1
        self.session_count = count
        self.ids.sessions_body.scroll_y = 1


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
