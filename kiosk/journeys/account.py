"""Portal account help: a pre-check and a hand-off (DESIGN.md "Portal account help").

The tenant portal asks for the client reference printed on the rent notice, the signatory's
surname (often a date of birth), an e-mail address that must be opened to click a link, and a
password. This journey shows where the reference is, checks that the tenant has an e-mail they
can open now, collects reference, name, contact and consent, and queues an `account_request`.
It never asks for a password. A second path explains password reset.

    intro ─ new ──> where_reference ─> email_check ─┬ yes ────> details
          └ existing ─> existing_account             ├ no ─────> no_email
                                                     └ unsure ─> unsure_email
    details ─┬ consent ─> review ─ send ─> receipt ─> feedback
             └ refused ─> no_consent

Plain Python, no Kivy: the screen shows `current`, forwards the tenant's touches, and passes
`services.submit` to `send()`.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from kiosk.config import TenantReferenceSettings
from kiosk.i18n import N_
from kiosk.journeys.wizard import Step, Wizard
from kiosk.outbox import EnqueueFailed
from kiosk.references import action_id_for, new_reference
from kiosk.validation import (InvalidInput, clean_birth_date, clean_email, clean_mobile,
                              clean_name, clean_tenant_ref)

ACTION_TYPE = "account_request"

# Where the home screen can send a tenant straight in (AccountScreen.start(entry)).
ENTRIES = {"new_account": "where_reference", "existing_account": "existing_account"}

# The form's fields, in the order the screen shows them (birth_date only when configured).
FIELDS = ("tenant_ref", "surname", "birth_date", "email", "mobile")

NEED_A_CONTACT = N_("Écrivez votre adresse e-mail ou votre numéro de portable. "
                    "Il en faut au moins un.")
CONSENT_NOT_CHOSEN = N_("Touchez « Oui, j'accepte » pour continuer, ou « Non ».")


def _intro_choice(data: dict, choice: str | None) -> str:
    return {"new": "where_reference", "existing": "existing_account"}[choice]


def _email_choice(data: dict, choice: str | None) -> str:
    return {"yes": "details", "no": "no_email", "unsure": "unsure_email"}[choice]


def _after_details(data: dict, choice: str | None) -> str:
    return "review" if data.get("consent") is True else "no_consent"


class AccountJourney(Wizard):
    start = "intro"
    steps = {
        "intro": Step(next=_intro_choice),
        "where_reference": Step(next="email_check"),
        "email_check": Step(next=_email_choice),
        "no_email": Step(),              # the screen offers the e-mail workshop or an agent
        "unsure_email": Step(),          # an agent helps check the e-mail with the tenant
        "details": Step(next=_after_details),
        "no_consent": Step(),            # nothing is sent; an agent can help
        "review": Step(next="receipt"),
        "receipt": Step(next="feedback", can_go_back=False),
        "feedback": Step(can_go_back=False),     # the three faces, optional
        "existing_account": Step(),      # password-reset help
    }

    def __init__(self, settings: TenantReferenceSettings,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__()
        self.settings = settings
        self._today = today

    @property
    def asks_birth_date(self) -> bool:
        return self.settings.ask_birth_date

    def begin(self, entry: str | None = None) -> str:
        """A new visit, at the start or straight at an entry (ENTRIES) or step the home chose."""
        self.reset()
        if entry is not None:
            step = ENTRIES.get(entry, entry)
            if step not in self.steps or step in ("receipt", "feedback"):
                raise LookupError(f"the account journey cannot start at {entry!r}")
            self._path = [step]     # back from the first step shown leaves the journey
        return self.current

    # --- details ---------------------------------------------------------------------------------

    def check_details(self, entries: dict[str, str], consent: bool | None) -> dict[str, InvalidInput]:
        """Clean what the tenant typed; move on to review (or no_consent) only when all is right.

        Returns the problems by field ("tenant_ref", "surname", "birth_date", "email", "mobile",
        "consent"), empty when the journey moved on. On a problem it stays on details. A refused
        consent goes to no_consent at once, whatever was typed, and keeps none of it.
        """
        if self.current != "details":
            raise LookupError(f"details are checked on the details step, not {self.current!r}")
        if consent is False:
            # A refusal is an answer, not a mistake: nothing is kept, an agent can help instead.
            for field in FIELDS:
                self.data.pop(field, None)
            self.data["consent"] = False
            self.next()
            return {}
        text = {name: (entries.get(name) or "").strip() for name in FIELDS}
        cleaned: dict[str, str] = {}
        errors: dict[str, InvalidInput] = {}

        def clean(field: str, cleaner: Callable[[str], str]) -> None:
            try:
                cleaned[field] = cleaner(text[field])
            except InvalidInput as err:
                errors[field] = err     # keyed by our field, whatever name the cleaner used

        clean("tenant_ref", lambda value: clean_tenant_ref(value, self.settings))
        clean("surname", lambda value: clean_name(value, field="surname"))
        if self.asks_birth_date:
            clean("birth_date", lambda value: clean_birth_date(value, self._today()))
        if text["email"]:
            clean("email", clean_email)
        if text["mobile"]:
            clean("mobile", clean_mobile)
        if not text["email"] and not text["mobile"]:
            errors["email"] = InvalidInput("email", NEED_A_CONTACT)
        if consent is None:
            errors["consent"] = InvalidInput("consent", CONSENT_NOT_CHOSEN)
        if errors:
            return errors

        self.data.update(cleaned)
        for field in ("birth_date", "email", "mobile"):
            if field not in cleaned:
                self.data.pop(field, None)
        self.data["consent"] = True
        self.next()
        return {}

    def payload(self, language: str) -> dict:
        """The `account_request` payload exactly as the hub's API v1 takes it."""
        payload = {"tenant_ref": self.data["tenant_ref"], "surname": self.data["surname"]}
        for field in ("birth_date", "email", "mobile"):
            if self.data.get(field):
                payload[field] = self.data[field]
        payload["consent"] = True
        payload["language"] = language
        return payload

    # --- review and receipt ---------------------------------------------------------------------

    def send(self, submit: Callable[..., object], language: str) -> bool:
        """Queue the request through `submit` (services.submit); True once it is committed.

        On EnqueueFailed nothing was queued: the journey stays on review with `send_failed` set,
        and no reference is kept (a later try gets a new one).
        """
        if self.current != "review" or self.data.get("consent") is not True:
            raise LookupError("only a reviewed request with the tenant's consent is sent")
        reference = new_reference()
        action_id = action_id_for(reference)
        try:
            submit(ACTION_TYPE, self.payload(language), action_id=action_id)
        except EnqueueFailed:
            self.data["send_failed"] = True
            return False
        self.data.pop("send_failed", None)
        self.data.update(reference=reference, action_id=action_id, delivery="pending")
        self.next()
        return True

    def action_result(self, action_id: str, state: str) -> bool:
        """Record the hub's answer ("delivered" | "rejected") if it is about this request."""
        if not action_id or action_id != self.data.get("action_id"):
            return False
        self.data["delivery"] = state
        return True

    @property
    def reference(self) -> str | None:
        return self.data.get("reference")

    @property
    def delivery(self) -> str | None:
        """None before the receipt, then "pending", "delivered" or "rejected"."""
        return self.data.get("delivery")

    @property
    def send_failed(self) -> bool:
        return bool(self.data.get("send_failed"))
