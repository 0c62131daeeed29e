"""Portal account help: shows the account journey's steps and forwards the tenant's touches.

The journey itself (steps, checks, payload, sending) is kiosk.journeys.account, plain Python.
Each step is a sub-screen of the `steps` ScreenManager, named like the journey's step.
"""

from __future__ import annotations

import logging
from pathlib import Path

import phonenumbers
from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty

import screens.forms  # noqa: F401 - FormField, KioskKeyboard, QRImage, PictureButton for the KV
import screens.widgets  # noqa: F401 - KioskLabel, BigButton (and FeedbackFaces) for the KV
from kiosk.i18n import N_
from kiosk.journeys.account import FIELDS, AccountJourney
from screens.base import KioskScreen

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

log = logging.getLogger(__name__)

# What the receipt says about the request, by what the kiosk knows of its delivery.
DELIVERY_MESSAGES = {
    "pending": N_("Elle part maintenant."),
    "offline": N_("La demande partira dès que la borne aura du réseau."),
    "delivered": N_("Demande bien reçue."),
    "rejected": N_("Votre demande n'a pas pu être acceptée. Un agent peut vous aider. "
                   "Touchez « Appeler un agent », en bas à droite."),
}
NEXT_STEP_EMAIL = N_("Vous allez recevoir un e-mail. Ouvrez-le et touchez le lien pour activer "
                     "votre compte. Ensuite, choisissez votre mot de passe chez vous, en sécurité.")
NEXT_STEP_MOBILE = N_("Vous allez recevoir un SMS. Suivez ce qu'il dit pour activer votre "
                      "compte. Ensuite, choisissez votre mot de passe chez vous, en sécurité.")
SEND_FAILED = N_("La borne n'a pas pu enregistrer votre demande. Rien n'a été envoyé. "
                 "Appelez un agent : il vous aidera.")
PICTURES = Path(__file__).resolve().parent.parent / "assets" / "pictures"
OPEN_CALL_STATES = ("queued", "sent", "acknowledged")
# A new step ignores touches this long: the second half of a double tap on "Continuer" must not
# land on "Envoyer", which is in the same place on the next step.
SETTLE_SECONDS = 0.4


def shown_date(iso: str) -> str:
    """1961-05-07 -> 07/05/1961, the way it is written on French papers."""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def shown_mobile(e164: str) -> str:
    """+33612345678 -> 06 12 34 56 78; a foreign number in its international form."""
    number = phonenumbers.parse(e164, None)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


class AccountScreen(KioskScreen):
    step = StringProperty("intro")
    asks_birth_date = BooleanProperty(True)
    reference_example = StringProperty("")
    signup_url = StringProperty("")
    password_reset_url = StringProperty("")
    consent = ObjectProperty(None, allownone=True)   # None: not chosen yet; True; False
    entered = DictProperty({})                       # what review shows, already formatted
    reference_code = StringProperty("")              # the receipt's "K7M4Q-X2P9N"
    next_step_message = StringProperty("")           # msgid
    delivery_message = StringProperty("")            # msgid
    send_failed = BooleanProperty(False)
    send_failed_message = StringProperty(SEND_FAILED)
    delivery_rejected = BooleanProperty(False)
    pictures = StringProperty(str(PICTURES))

    def __init__(self, **kwargs):
        self._journey: AccountJourney | None = None
        self._errors: dict = {}
        self._settle_until = 0.0
        super().__init__(**kwargs)

    @property
    def journey(self) -> AccountJourney:
        if self._journey is None:
            self._journey = AccountJourney(self.services.config.tenant_reference)
        return self._journey

    def on_services(self, _screen, services) -> None:
        config = services.config
        self.asks_birth_date = config.tenant_reference.ask_birth_date
        self.reference_example = config.tenant_reference.example
        self.signup_url = config.portal.signup_url
        self.password_reset_url = config.portal.password_reset_url

    def on_kv_post(self, base_widget) -> None:
        if not self.asks_birth_date:
            # ids are weak references: keep the field alive (clear() still wipes it) off the form.
            self._birth_date_field = self.ids.birth_date_field.__self__
            self._birth_date_field.parent.remove_widget(self._birth_date_field)

    @property
    def settling(self) -> bool:
        """True just after a step appeared, while touches are ignored."""
        return Clock.get_boottime() < self._settle_until

    def on_touch_down(self, touch):
        # Only touches on the step itself: the bars ("Accueil", "Appeler un agent") always work.
        if self.settling and self.collide_point(*touch.pos):
            return True
        return super().on_touch_down(touch)

    def on_enter(self, *args) -> None:
        app = App.get_running_app()
        app.bind(language=self._show_errors, online=self._show_delivery)

    def on_leave(self, *args) -> None:
        app = App.get_running_app()
        app.unbind(language=self._show_errors, online=self._show_delivery)

    # --- verbs the KV calls ------------------------------------------------------------------------

    def start(self, step: str | None = None) -> None:
        """A new visit: at the intro, or straight at "new_account" / "existing_account"."""
        self.clear()
        try:
            first = self.journey.begin(step)
        except LookupError:
            log.warning("the account journey has no entry %r; starting at the intro", step)
            first = self.journey.begin(None)
        self._show(first)

    def choose(self, choice: str) -> None:
        """The tenant's answer on a step that asks one (intro, email_check)."""
        if choice == "unsure":
            self.call_agent()      # not sure about their e-mail: an agent checks it with them
        self._show(self.journey.next(choice))

    def next_step(self) -> None:
        self._show(self.journey.next())

    def back(self) -> None:
        """One step back; from the first step shown, back to the home screen."""
        if self.journey.can_go_back:
            self._show(self.journey.back())
        else:
            self.go_home()

    def typing_done(self) -> None:
        """"OK" on the last field: put the keyboard away and show the consent question."""
        self._unfocus_fields()
        # show() keeps it in view while the keyboard goes and the form grows back.
        self.ids.details_scroll.show(self.ids.consent_choices)

    def choose_consent(self, value: bool) -> None:
        self._unfocus_fields()
        self.consent = value
        self._errors.pop("consent", None)
        self._show_errors()

    def check_details(self) -> None:
        self._unfocus_fields()
        entries = {name: self.ids[f"{name}_field"].text for name in FIELDS}
        self._errors = self.journey.check_details(entries, self.consent)
        self._show_errors()
        if self._errors:
            self._show_first_error()
        else:
            self._show(self.journey.current)

    def send(self) -> None:
        app = App.get_running_app()
        sent = self.journey.send(self.services.submit, app.language)
        self.send_failed = not sent
        if sent:
            self._show(self.journey.current)

    def edit(self) -> None:
        self.send_failed = False
        self._show(self.journey.back())

    def call_agent(self) -> None:
        app = App.get_running_app()
        if app.call_state not in OPEN_CALL_STATES:
            app.call_agent(self.name)

    def book_email_workshop(self) -> None:
        app = App.get_running_app()
        self.clear()
        app.show("booking", topic="email")

    def go_home(self) -> None:
        App.get_running_app().go_home()

    # --- wipe and news -----------------------------------------------------------------------------

    def clear(self) -> None:
        if self._journey is not None:
            self._journey.reset()
        for name in FIELDS:
            self.ids[f"{name}_field"].clear()
        self._errors = {}
        self.consent = None
        self.entered = {}
        self.reference_code = ""
        self.next_step_message = ""
        self.delivery_message = ""
        self.send_failed = False
        self.delivery_rejected = False
        if "feedback_faces" in self.ids:
            self.ids.feedback_faces.clear()
        self._show("intro")

    def on_action_result(self, action_id: str, state: str, result: dict | None) -> None:
        if self._journey is not None and self._journey.action_result(action_id, state):
            self._show_delivery()

    # --- showing the journey's state ---------------------------------------------------------------

    def _show(self, step: str) -> None:
        if step != self.ids.steps.current:
            self._settle_until = Clock.get_boottime() + SETTLE_SECONDS
        self.step = step
        self.ids.steps.current = step
        if step == "review":
            self._show_review()
        elif step == "receipt":
            self._show_receipt()
        elif step == "details":
            Clock.schedule_once(lambda _dt: self._focus_first_empty(), 0)

    def _focus_first_empty(self) -> None:
        """A blank form opens with the keyboard on its first field; back from review, it does not."""
        fields = [self.ids[f"{name}_field"] for name in FIELDS]
        if self.step == "details" and not any(field.text for field in fields):
            self.ids.tenant_ref_field.focus()

    def _show_first_error(self) -> None:
        """The keyboard on the first refused field (its message under it), top to bottom;
        when only the consent is missing, its question in view."""
        for name in FIELDS:
            if name in self._errors:
                self.ids[f"{name}_field"].focus()
                return
        self.ids.details_scroll.show(self.ids.consent_error_label)

    def _unfocus_fields(self) -> None:
        for name in FIELDS:
            self.ids[f"{name}_field"].unfocus()

    def _show_errors(self, *args) -> None:
        language = App.get_running_app().language
        for name in FIELDS:
            error = self._errors.get(name)
            self.ids[f"{name}_field"].error = error.text(language) if error else ""
        consent_error = self._errors.get("consent")
        self.ids.consent_error_label.text = consent_error.text(language) if consent_error else ""

    def _show_review(self) -> None:
        data = self.journey.data
        entered = {"tenant_ref": data["tenant_ref"], "surname": data["surname"]}
        if data.get("birth_date"):
            entered["birth_date"] = shown_date(data["birth_date"])
        if data.get("email"):
            entered["email"] = data["email"]
        if data.get("mobile"):
            entered["mobile"] = shown_mobile(data["mobile"])
        self.entered = entered

    def _show_receipt(self) -> None:
        self.reference_code = self.journey.reference or ""
        self.next_step_message = NEXT_STEP_EMAIL if self.journey.data.get("email") else NEXT_STEP_MOBILE
        self._show_delivery()

    def _show_delivery(self, *args) -> None:
        delivery = self.journey.delivery
        self.delivery_rejected = delivery == "rejected"
        if delivery is None:
            self.delivery_message = ""
        elif delivery == "pending" and App.get_running_app().online is not True:
            self.delivery_message = DELIVERY_MESSAGES["offline"]
        else:
            self.delivery_message = DELIVERY_MESSAGES.get(delivery, DELIVERY_MESSAGES["pending"])
