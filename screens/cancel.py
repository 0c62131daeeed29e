"""Cancelling a workshop booking with the number on the tenant's ticket.

The journey is kiosk.journeys.booking.CancelJourney, plain Python: reference -> confirm ->
receipt. Each step is a sub-screen of the `steps` ScreenManager, named like the journey's step.
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import StringProperty

import screens.booking  # noqa: F401 - the Booking* KV classes this screen's look shares
import screens.forms  # noqa: F401 - FormField, KioskKeyboard for the KV
import screens.widgets  # noqa: F401 - KioskLabel, BigButton, FeedbackFaces for the KV
from kiosk.i18n import N_
from kiosk.journeys.booking import CancelJourney
from kiosk.validation import InvalidInput
from screens.base import KioskScreen

# What the receipt says about the cancellation, by what the kiosk knows of it.
STATUS_MESSAGES = {
    "waiting": N_("La borne l'enverra dès que possible."),
    "cancelled": N_("C'est fait : votre inscription est annulée. Votre place va à quelqu'un d'autre."),
    "noted": N_("L'agence a reçu votre demande. Votre inscription sera bientôt annulée."),
}


class CancelScreen(KioskScreen):
    step = StringProperty("reference")
    reference = StringProperty("")          # normalised "K7M4Q-X2P9N" once read
    status = StringProperty("")             # waiting | cancelled | noted | unknown | rejected
    status_message = StringProperty("")     # msgid
    problem = StringProperty("")            # msgid

    def __init__(self, **kwargs):
        self.journey = CancelJourney()
        self._error: InvalidInput | None = None
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget) -> None:
        self._label = self.ids.reference_field.label

    def on_enter(self, *args) -> None:
        App.get_running_app().bind(language=self._show_error)
        if self.step == "reference":
            self.ids.reference_field.focus()

    def on_leave(self, *args) -> None:
        App.get_running_app().unbind(language=self._show_error)

    # --- verbs the KV calls -----------------------------------------------------------------

    def start(self, step: str | None = None) -> None:
        """A new cancellation (app.show("cancel") calls this after switching here)."""
        self.clear()
        if self.manager is not None and self.manager.current != self.name:
            self.manager.current = self.name

    def confirm_reference(self, *args) -> None:
        field = self.ids.reference_field
        try:
            step = self.journey.set_reference(field.text)
        except InvalidInput as err:
            self._error = err
            self._show_error()
            field.focus()
            return
        self._error = None
        self._show_error()
        self._show(step)

    def submit(self) -> None:
        if self.journey.submit(self.services.submit):
            self._show(self.journey.current)
        else:
            self.problem = self.journey.problem

    def back(self) -> None:
        if self.journey.can_go_back:
            self.problem = ""
            self._show(self.journey.back())
        else:
            self.go_home()

    def go_home(self) -> None:
        App.get_running_app().go_home()

    # --- wipe and news ----------------------------------------------------------------------

    def clear(self) -> None:
        self.journey.reset()
        self.ids.reference_field.clear()
        self._error = None
        self._show_error()
        self.reference = self.status = self.status_message = self.problem = ""
        if "feedback_faces" in self.ids:
            self.ids.feedback_faces.clear()
        self._show("reference")

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        if self.journey.on_action_result(action_id, state, result):
            self._show_status()

    # --- showing the journey's state --------------------------------------------------------

    def _show(self, step: str) -> None:
        self.step = step
        self.reference = self.journey.reference or ""
        if step == "receipt":
            self._show_status()
        elif step == "reference" and self.manager is not None and self.manager.current == self.name:
            Clock.schedule_once(lambda _dt: self.ids.reference_field.focus(), 0)
        self.ids.steps.current = step

    def _show_status(self) -> None:
        self.status = self.journey.status
        self.status_message = STATUS_MESSAGES.get(self.status, "")
        self.problem = self.journey.problem

    def _show_error(self, *args) -> None:
        field = self.ids.reference_field
        field.error = self._error.text(App.get_running_app().language) if self._error else ""
        # Above a five-row keyboard there is room for the input and the message, not also the
        # label: the message says what to do.
        field.label = "" if self._error else self._label


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
