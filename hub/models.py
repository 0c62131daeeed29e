"""The API v1 as pydantic models: what the hub accepts from kiosks and what it answers.

Request models validate and normalise (names in NFC, e-mails normalised); unknown fields are
ignored so that newer kiosks can send optional fields this hub does not know yet. The same
models produce `/openapi.json`, so the description cannot drift from what is enforced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union
from uuid import UUID

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hub import rules
from hub.rules import ACTION_TYPES, RuleError

Language = Literal["fr", "en", "es", "pt"]

_E164 = re.compile(r"\+[1-9]\d{1,14}")


def _fail(code: str, message: str, context: dict | None = None) -> PydanticCustomError:
    return PydanticCustomError(code, message, context)


def _rule(check: Callable[..., str], *args: Any) -> AfterValidator:
    """A plain rule from hub.rules as a pydantic validator with our error code and sentence."""

    def validate(value: str) -> str:
        try:
            return check(value, *args)
        except RuleError as error:
            raise _fail(error.code, error.message) from None

    return AfterValidator(validate)


def check_mobile(value: str) -> str:
    hint = "must be a valid phone number in international E.164 form: '+', country code and number, no spaces (like +33612345678)"
    if not _E164.fullmatch(value):
        raise _fail("invalid_mobile", hint)
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise _fail("invalid_mobile", hint) from None
    if not phonenumbers.is_valid_number(number):
        raise _fail("invalid_mobile", hint)
    return value


def check_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        reason = {"reason": str(error).rstrip(".")}
        raise _fail("invalid_email", "must be a valid e-mail address like nom@exemple.fr ({reason})", reason) from None


def require_true(value: bool) -> bool:
    if value is not True:
        raise _fail("consent_required", "must be true: the tenant has to agree before the request is sent")
    return value


Name = Annotated[str, _rule(rules.check_name)]
Identifier = Annotated[str, _rule(rules.check_identifier)]
Journey = Annotated[str, _rule(rules.check_journey)]
TenantRef = Annotated[str, _rule(rules.check_text, 64)]
Reason = Annotated[str, _rule(rules.check_text, 200)]
Version = Annotated[str, _rule(rules.check_text, 64)]
Rfc3339 = Annotated[
    str,
    _rule(rules.check_rfc3339),
    Field(json_schema_extra={"format": "date-time"}, examples=["2025-03-04T14:05:00+01:00"]),
]
BirthDate = Annotated[str, _rule(rules.check_birth_date), Field(json_schema_extra={"format": "date"})]
Mobile = Annotated[str, AfterValidator(check_mobile), Field(examples=["+33612345678"])]
Email = Annotated[str, Field(max_length=254), AfterValidator(check_email)]
Consent = Annotated[StrictBool, AfterValidator(require_true), Field(json_schema_extra={"const": True})]


class _Incoming(BaseModel):
    # Forward compatibility: a newer kiosk may send optional fields this hub ignores.
    model_config = ConfigDict(extra="ignore")


# --- payloads ----------------------------------------------------------------------------------


class AccountRequestPayload(_Incoming):
    """A tenant asks for help to open a portal account (never a password)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["email"]}, {"required": ["mobile"]}]})

    tenant_ref: TenantRef = Field(description="Client reference printed on the rent notice.")
    surname: Name
    birth_date: BirthDate | None = None
    email: Email | None = None
    mobile: Mobile | None = None
    consent: Consent = Field(description="Must be true: the tenant agreed to be contacted.")
    language: Language
    assisted_by: Identifier | None = Field(None, description="Id of the agent who helped, if any.")

    @model_validator(mode="after")
    def _reachable(self) -> AccountRequestPayload:
        if self.email is None and self.mobile is None:
            raise _fail("contact_required", "must give at least one way to reach the tenant: 'email' or 'mobile'")
        return self


class BookingPayload(_Incoming):
    """A seat in a workshop session from the catalogue."""

    session_id: Identifier
    name: Name
    mobile: Mobile | None = None
    language: Language
    assisted_by: Identifier | None = None


class BookingCancelPayload(_Incoming):
    """Cancels a booking; the first wait-listed booking of the session takes the seat."""

    booking_id: UUID = Field(description="The id of the booking action to cancel.")


class AssistanceCallPayload(_Incoming):
    """A tenant calls an agent; the kiosk polls GET /api/v1/assistance/{id}."""

    reason: Reason | None = None
    language: Language
    screen: Identifier | None = Field(None, description="Screen the tenant was on.")


class FeedbackPayload(_Incoming):
    """Three faces after a journey."""

    journey: Journey
    score: Annotated[StrictInt, Field(ge=1, le=3, description="1 unhappy, 2 neutral, 3 happy.")]


# --- envelopes ---------------------------------------------------------------------------------


class _ActionBase(_Incoming):
    id: UUID = Field(description="Made on the kiosk; also the Idempotency-Key header.")
    created_at: Rfc3339 = Field(description="When the tenant confirmed, on the kiosk's clock. Not compared for idempotency.")
    kiosk_id: Identifier = Field(description="Must be the kiosk the bearer token belongs to (403 otherwise).")


class ActionEnvelope(_ActionBase):
    """First pass over any action: the envelope, before the payload's type is known."""

    type: Annotated[str, Field(min_length=1, max_length=64)]
    payload: dict[str, Any]


class AccountRequestAction(_ActionBase):
    type: Literal["account_request"]
    payload: AccountRequestPayload


class BookingAction(_ActionBase):
    type: Literal["booking"]
    payload: BookingPayload


class BookingCancelAction(_ActionBase):
    type: Literal["booking_cancel"]
    payload: BookingCancelPayload


class AssistanceCallAction(_ActionBase):
    type: Literal["assistance_call"]
    payload: AssistanceCallPayload


class FeedbackAction(_ActionBase):
    type: Literal["feedback"]
    payload: FeedbackPayload


ACTION_MODELS: dict[str, type[_ActionBase]] = {
    "account_request": AccountRequestAction,
    "booking": BookingAction,
    "booking_cancel": BookingCancelAction,
    "assistance_call": AssistanceCallAction,
    "feedback": FeedbackAction,
}
if tuple(ACTION_MODELS) != ACTION_TYPES:
    raise RuntimeError("hub.rules.ACTION_TYPES and hub.models.ACTION_MODELS must list the same types")

Action = Annotated[
    Union[AccountRequestAction, BookingAction, BookingCancelAction, AssistanceCallAction, FeedbackAction],
    Field(discriminator="type"),
]
ACTION_ADAPTER = TypeAdapter(Action)


class Heartbeat(_Incoming):
    """A kiosk's health, sent every few minutes; kept on the kiosk's row for the fleet view."""

    kiosk_id: Identifier
    version: Version
    queue_depth: Annotated[StrictInt, Field(ge=0)]
    oldest_pending_age_seconds: Annotated[float, Strict(), Field(ge=0)] | None = Field(
        description="Age of the oldest pending action, null when the outbox is empty."
    )
    last_sync_at: Rfc3339 | None = Field(description="Last successful delivery, null if never.")
    free_disk_bytes: Annotated[StrictInt, Field(ge=0)]
    speech_available: StrictBool
    stuck_count: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, description="Actions in the outbox's 'stuck' state (agents are alerted). Optional: older kiosks omit it."
    )
    rejected_count: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, description="Actions the hub rejected, kept on the kiosk with the reason. Optional: older kiosks omit it."
    )


# --- answers -----------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str = Field(description="Machine code, e.g. unknown_session.", examples=["invalid_field"])
    detail: str = Field(description="One clear English sentence: the field, what was wrong, what is expected.")


class AccountRequestResult(BaseModel):
    account_request: Literal["received"]


class BookingResult(BaseModel):
    booking: Literal["confirmed", "waitlisted", "cancelled"] = Field(
        description="'cancelled': a booking_cancel naming this booking arrived first; no seat was taken."
    )
    session_id: str
    waitlist_position: int | None = Field(None, description="Only when wait-listed: 1 is next in line.")


class BookingCancelResult(BaseModel):
    booking: Literal["cancelled", "already_cancelled", "cancel_pending"] = Field(
        description="'cancel_pending': the booking has not reached this hub yet; it will be stored as cancelled when it does."
    )
    booking_id: str


class AssistanceCallResult(BaseModel):
    assistance: Literal["waiting"]


class FeedbackResult(BaseModel):
    feedback: Literal["received"]


ActionResult = Union[AccountRequestResult, BookingResult, BookingCancelResult, AssistanceCallResult, FeedbackResult]


class ActionAccepted(BaseModel):
    id: str = Field(description="The action's id.")
    status: Literal["accepted"]
    result: ActionResult = Field(description="For a repeat (200), the result given the first time.")


class CatalogSession(BaseModel):
    id: str
    topic: Literal["email", "internet", "office", "portal", "housing_request", "exchange"]
    kind: Literal["general", "specific"]
    format: Literal["individual", "group"]
    starts_at: str = Field(description="RFC 3339, Europe/Paris offset.", json_schema_extra={"format": "date-time"})
    ends_at: str = Field(description="RFC 3339, Europe/Paris offset.", json_schema_extra={"format": "date-time"})
    place: str
    agency: str
    capacity: int
    seats_left: int
    language: Language


class Catalog(BaseModel):
    generated_at: str = Field(
        description="When this exact catalogue was first generated; unchanged while its content is unchanged, so the ETag is strong.",
        json_schema_extra={"format": "date-time"},
    )
    sessions: list[CatalogSession]


class AssistanceStatus(BaseModel):
    id: str
    status: Literal["waiting", "acknowledged", "resolved"]
    agent_first_name: str | None = Field(None, description="Present once an agent has acknowledged the call.")


class StatusOk(BaseModel):
    status: Literal["ok"]


# --- turning validation errors into one clear sentence -----------------------------------------

_SIMPLE_MESSAGES = {
    "string_type": "must be a text string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "uuid_type": "must be a UUID string like 123e4567-e89b-42d3-a456-426614174000",
    "uuid_parsing": "must be a UUID string like 123e4567-e89b-42d3-a456-426614174000",
    "string_too_short": "must not be empty",
}


# Our own checks: their message already completes "Field 'x' ...".
_RULE_ERRORS = {
    "invalid_name", "invalid_mobile", "invalid_email", "invalid_date", "invalid_datetime",
    "invalid_identifier", "invalid_text", "blank_field", "too_long",
}


def field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "body"


def describe_error(error: dict, prefix: tuple = ()) -> tuple[str, str]:
    """(machine code, sentence) for one pydantic error."""
    path = field_path(prefix + tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "missing_field", f"Field '{path}' is required but missing."
    if kind in _SIMPLE_MESSAGES:
        return "invalid_field", f"Field '{path}' {_SIMPLE_MESSAGES[kind]}."
    if kind == "literal_error":
        return "invalid_field", f"Field '{path}' must be one of {ctx.get('expected')}."
    if kind == "string_too_long":
        return "invalid_field", f"Field '{path}' must be at most {ctx.get('max_length')} characters long."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than", "less_than": "less than"}
        limit = next(iter(ctx.values()), "")
        return "invalid_field", f"Field '{path}' must be {bounds[kind]} {limit}."
    if kind in _RULE_ERRORS:
        return "invalid_field", f"Field '{path}' {error['msg']}."
    if kind in ("consent_required", "contact_required"):
        return kind, f"Field '{path}' {error['msg']}."
    return "invalid_field", f"Field '{path}' is not valid: {error['msg']}."


def describe_validation_error(exc: ValidationError, prefix: tuple = ()) -> tuple[str, str]:
    """The first error's code, and up to three sentences naming each bad field."""
    described = [describe_error(error, prefix) for error in exc.errors(include_url=False)]
    code = described[0][0]
    sentences = [sentence for _, sentence in described[:3]]
    if len(described) > 3:
        more = len(described) - 3
        sentences.append(f"({more} more problem{'s' if more > 1 else ''} not listed.)")
    return code, " ".join(sentences)


