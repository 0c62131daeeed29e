"""The portal-account journey as a plain state machine: every branch, the checks, the payload."""

import datetime as dt
import uuid

import pytest

from hub.models import AccountRequestPayload
from kiosk.config import TenantReferenceSettings
from kiosk.journeys.account import AccountJourney
from kiosk.outbox import EnqueueFailed
from kiosk.references import action_id_for, normalize_reference

TODAY = dt.date(2025, 3, 4)
GOOD = {"tenant_ref": "00 12 34 56", "surname": "  Dupont-Martin ", "birth_date": "07/05/1961",
        "email": "Jeanne.Dupont@Example.fr", "mobile": "06 12 34 56 78"}


def journey(ask_birth_date: bool = True) -> AccountJourney:
    settings = TenantReferenceSettings(pattern=r"[0-9]{8}", example="00123456",
                                       ask_birth_date=ask_birth_date)
    return AccountJourney(settings, today=lambda: TODAY)


def at_details(ask_birth_date: bool = True) -> AccountJourney:
    wizard = journey(ask_birth_date)
    wizard.next("new")
    wizard.next()
    wizard.next("yes")
    assert wizard.current == "details"
    return wizard


def at_review(entries=None, ask_birth_date: bool = True) -> AccountJourney:
    wizard = at_details(ask_birth_date)
    assert wizard.check_details(entries or GOOD, consent=True) == {}
    assert wizard.current == "review"
    return wizard


class Submitter:
    """services.submit's shape: records what was queued, or fails like a full disk."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.calls = []

    def __call__(self, type, payload, action_id=None):
        if self.fail:
            raise EnqueueFailed("the action was not queued (disk I/O error)")
        self.calls.append((type, payload, action_id))


# --- the step table ------------------------------------------------------------------------------

def test_intro_offers_a_new_account_or_an_existing_one():
    assert journey().current == "intro"
    new = journey()
    assert new.next("new") == "where_reference"
    assert new.next() == "email_check"
    existing = journey()
    assert existing.next("existing") == "existing_account"
    assert existing.back() == "intro"


@pytest.mark.parametrize("answer, step", [("yes", "details"), ("no", "no_email"),
                                          ("unsure", "unsure_email")])
def test_email_question_leads_to_the_step_for_each_answer(answer, step):
    wizard = journey()
    wizard.next("new")
    wizard.next()
    assert wizard.next(answer) == step
    assert wizard.back() == "email_check"


@pytest.mark.parametrize("step", ["no_email", "unsure_email", "no_consent", "existing_account"])
def test_dead_ends_have_no_next_step(step):
    wizard = journey()
    wizard.begin(step)
    with pytest.raises(LookupError):
        wizard.next()


def test_receipt_leads_only_to_the_optional_faces_and_never_back():
    wizard = at_review()
    wizard.send(Submitter(), "fr")
    assert wizard.back() == "receipt"
    assert wizard.next() == "feedback"
    assert wizard.back() == "feedback"
    with pytest.raises(LookupError):
        wizard.next()


def test_the_home_can_open_either_path_directly():
    wizard = journey()
    assert wizard.begin("existing_account") == "existing_account"
    assert not wizard.can_go_back      # back from the first step shown leaves the journey
    assert wizard.begin("new_account") == "where_reference"
    assert wizard.begin(None) == "intro"
    with pytest.raises(LookupError):
        wizard.begin("receipt")


def test_begin_starts_a_new_visit():
    wizard = at_review()
    wizard.begin("existing_account")
    assert wizard.data == {}


# --- details --------------------------------------------------------------------------------------

def test_good_details_are_cleaned_and_lead_to_review():
    wizard = at_review()
    assert wizard.data["tenant_ref"] == "00123456"
    assert wizard.data["surname"] == "Dupont-Martin"
    assert wizard.data["birth_date"] == "1961-05-07"
    assert wizard.data["mobile"] == "+33612345678"
    assert wizard.data["email"].endswith("@example.fr")


@pytest.mark.parametrize("field, typed", [("tenant_ref", "12AB"), ("surname", "Dupont 2"),
                                          ("birth_date", "31/02/1961"), ("email", "jeanne@"),
                                          ("mobile", "01 23 45 67 89")])
def test_a_wrong_field_keeps_the_tenant_on_details_with_that_field_named(field, typed):
    wizard = at_details()
    errors = wizard.check_details({**GOOD, field: typed}, consent=True)
    assert list(errors) == [field]
    assert errors[field].text("fr")          # a sentence to show under that field
    assert wizard.current == "details"
    assert "tenant_ref" not in wizard.data   # nothing half-kept


def test_a_wrong_reference_is_explained_with_the_landlords_example():
    errors = at_details().check_details({**GOOD, "tenant_ref": "12AB"}, consent=True)
    assert "00123456" in errors["tenant_ref"].text("fr")


def test_every_wrong_field_is_reported_at_once():
    errors = at_details().check_details({"tenant_ref": "", "surname": "", "birth_date": "",
                                         "email": "", "mobile": ""}, consent=None)
    assert set(errors) == {"tenant_ref", "surname", "birth_date", "email", "consent"}


def test_at_least_one_way_to_reach_the_tenant_is_needed():
    wizard = at_details()
    errors = wizard.check_details({**GOOD, "email": " ", "mobile": ""}, consent=True)
    assert list(errors) == ["email"]
    assert "e-mail" in errors["email"].text("fr") and "portable" in errors["email"].text("fr")
    assert wizard.current == "details"


@pytest.mark.parametrize("kept, dropped", [("email", "mobile"), ("mobile", "email")])
def test_either_email_or_mobile_is_enough(kept, dropped):
    wizard = at_review({**GOOD, dropped: ""})
    payload = wizard.payload("fr")
    assert kept in payload and dropped not in payload


def test_consent_must_be_chosen():
    wizard = at_details()
    errors = wizard.check_details(GOOD, consent=None)
    assert list(errors) == ["consent"]
    assert wizard.current == "details"


def test_refusing_consent_explains_and_keeps_nothing():
    wizard = at_details()
    assert wizard.check_details(GOOD, consent=False) == {}
    assert wizard.current == "no_consent"
    assert not any(field in wizard.data for field in GOOD)
    assert wizard.back() == "details"    # the tenant may change their mind


def test_birth_date_is_asked_only_when_configured():
    wizard = at_details(ask_birth_date=False)
    assert not wizard.asks_birth_date
    assert wizard.check_details({**GOOD, "birth_date": "not a date"}, consent=True) == {}
    assert "birth_date" not in wizard.payload("fr")

    asked = at_details(ask_birth_date=True)
    assert asked.asks_birth_date
    assert list(asked.check_details({**GOOD, "birth_date": ""}, consent=True)) == ["birth_date"]


def test_editing_from_review_replaces_the_details():
    wizard = at_review()
    assert wizard.back() == "details"
    assert wizard.check_details({**GOOD, "email": "", "surname": "Martin"}, consent=True) == {}
    assert wizard.data["surname"] == "Martin"
    assert "email" not in wizard.payload("fr")


# --- the payload and sending -----------------------------------------------------------------------

def test_payload_is_exactly_what_the_hub_takes():
    payload = at_review().payload("es")
    assert payload == {"tenant_ref": "00123456", "surname": "Dupont-Martin",
                       "birth_date": "1961-05-07", "email": payload["email"],
                       "mobile": "+33612345678", "consent": True, "language": "es"}
    assert payload["email"].lower() == "jeanne.dupont@example.fr"
    assert "assisted_by" not in payload and "password" not in payload
    AccountRequestPayload.model_validate(payload)    # the hub's own model accepts it


def test_payload_without_optional_fields_is_accepted_by_the_hub():
    payload = at_review({**GOOD, "email": ""}, ask_birth_date=False).payload("fr")
    assert set(payload) == {"tenant_ref", "surname", "mobile", "consent", "language"}
    AccountRequestPayload.model_validate(payload)


def test_send_queues_one_request_whose_id_derives_from_the_reference():
    wizard = at_review()
    submit = Submitter()
    assert wizard.send(submit, "fr") is True
    assert wizard.current == "receipt" and not wizard.can_go_back
    [(type, payload, action_id)] = submit.calls
    assert type == "account_request"
    assert payload == wizard.payload("fr")
    assert normalize_reference(wizard.reference) is not None
    assert action_id == action_id_for(wizard.reference)
    assert uuid.UUID(action_id)
    assert wizard.delivery == "pending"


def test_a_failed_commit_stays_on_review_without_a_receipt():
    wizard = at_review()
    assert wizard.send(Submitter(fail=True), "fr") is False
    assert wizard.current == "review"
    assert wizard.send_failed
    assert wizard.reference is None and wizard.delivery is None
    assert wizard.send(Submitter(), "fr") is True     # a later try works and clears the failure
    assert not wizard.send_failed


def test_send_refuses_anything_but_a_reviewed_request():
    with pytest.raises(LookupError):
        at_details().send(Submitter(), "fr")


def test_hub_answers_are_recorded_only_for_this_request():
    wizard = at_review()
    wizard.send(Submitter(), "fr")
    assert not wizard.action_result(str(uuid.uuid4()), "delivered")
    assert wizard.delivery == "pending"
    assert wizard.action_result(action_id_for(wizard.reference), "delivered")
    assert wizard.delivery == "delivered"


def test_reset_wipes_everything():
    wizard = at_review()
    wizard.send(Submitter(), "fr")
    wizard.reset()
    assert wizard.data == {} and wizard.current == "intro"
    assert wizard.reference is None and wizard.delivery is None
