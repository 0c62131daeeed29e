"""Bad input gets a 4xx with a clear {error, detail}, is never applied, and the hub keeps serving."""

import unicodedata

import pytest
import requests

from tests.hubproc import make_action, post_action

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-bad-input")


@pytest.fixture(autouse=True)
def hub_still_answers(module_hub):
    yield
    assert module_hub.is_running(), "the hub died"
    assert requests.get(module_hub.url + "/healthz", timeout=10).status_code == 200


def account_request(kiosk, **changes):
    payload = {"tenant_ref": "CO-123456", "surname": "Dupont", "email": "marie.dupont@example.fr",
               "consent": True, "language": "fr"}
    payload.update(changes)
    return make_action(kiosk.kiosk_id, "account_request", {k: v for k, v in payload.items() if v is not None})


def refused(answer, status, code=None):
    """The error body: exactly error and detail, detail a sentence."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail"}
    assert body["detail"].endswith(".") and len(body["detail"]) > 20
    if code:
        assert body["error"] == code
    return body


def raw_post(hub, kiosk, data, key="9a7b3c1d-2e4f-4a6b-8c0d-1e2f3a4b5c6d", **headers):
    headers = {**kiosk.headers, "Idempotency-Key": key, "Content-Type": "application/json", **headers}
    return requests.post(hub.url + "/api/v1/actions", data=data, headers=headers, timeout=60)


@pytest.mark.parametrize("body", [b"{", b"", b"{'id': 1}", b"\xff\xfe{}", b'{"score": NaN}'])
def test_malformed_json_is_400(module_hub, kiosk, body):
    refused(raw_post(module_hub, kiosk, body), 400, "malformed_json")


def test_json_that_is_not_an_object_is_422(module_hub, kiosk):
    assert "JSON object" in refused(raw_post(module_hub, kiosk, b"[1, 2]"), 422, "invalid_body")["detail"]


@pytest.mark.parametrize(
    "field, value, path",
    [
        ("mobile", 612345678, "payload.mobile"),
        ("consent", "true", "payload.consent"),
        ("language", "de", "payload.language"),
        ("tenant_ref", ["CO-1"], "payload.tenant_ref"),
        ("birth_date", 19560423, "payload.birth_date"),
    ],
)
def test_wrong_types_are_422_naming_the_field_path(module_hub, kiosk, field, value, path):
    body = refused(post_action(module_hub, kiosk, account_request(kiosk, **{field: value})), 422, "invalid_field")
    assert f"'{path}'" in body["detail"]


@pytest.mark.parametrize(
    "change, path",
    [
        ({"created_at": "2025-03-04T14:05:00"}, "created_at"),
        ({"created_at": 1741093500}, "created_at"),
        ({"payload": "surname=Dupont"}, "payload"),
        ({"kiosk_id": 42}, "kiosk_id"),
    ],
)
def test_bad_envelope_fields_are_422_naming_the_field(module_hub, kiosk, change, path):
    action = account_request(kiosk)
    action.update(change)
    assert f"'{path}'" in refused(post_action(module_hub, kiosk, action), 422)["detail"]


def test_feedback_score_must_be_1_2_or_3(module_hub, kiosk):
    for score in (0, 4, "3", 2.5, True):
        action = make_action(kiosk.kiosk_id, "feedback", {"journey": "booking", "score": score})
        assert "'payload.score'" in refused(post_action(module_hub, kiosk, action), 422)["detail"]


@pytest.mark.parametrize("missing, path", [("type", "type"), ("id", "id"), ("payload", "payload"), ("created_at", "created_at")])
def test_missing_envelope_fields_are_named(module_hub, kiosk, missing, path):
    action = account_request(kiosk)
    del action[missing]
    key = action.get("id", "9a7b3c1d-2e4f-4a6b-8c0d-1e2f3a4b5c6d")
    body = refused(post_action(module_hub, kiosk, action, idempotency_key=key), 422, "missing_field")
    assert body["detail"] == f"Field '{path}' is required but missing."


@pytest.mark.parametrize("missing", ["tenant_ref", "surname", "consent", "language"])
def test_missing_payload_fields_are_named(module_hub, kiosk, missing):
    action = account_request(kiosk)
    del action["payload"][missing]
    body = refused(post_action(module_hub, kiosk, action), 422, "missing_field")
    assert f"'payload.{missing}'" in body["detail"]


def test_unknown_type_is_422(module_hub, kiosk):
    action = make_action(kiosk.kiosk_id, "rent_payment", {"amount": 400})
    body = refused(post_action(module_hub, kiosk, action), 422, "unknown_type")
    assert "'rent_payment'" in body["detail"] and "booking" in body["detail"]


def test_unknown_payload_fields_are_ignored(module_hub, kiosk):
    action = make_action(kiosk.kiosk_id, "feedback", {"journey": "account", "score": 2, "comment_v2": "super"})
    action["future_envelope_field"] = {"x": 1}
    assert post_action(module_hub, kiosk, action).status_code == 201
    recorded = next(a for a in module_hub.actions("feedback") if a["id"] == action["id"])
    assert recorded["payload"] == {"journey": "account", "score": 2}


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_ten_megabyte_body_is_refused_with_413(module_hub, kiosk, streamed):
    chunk = b" " * 65536
    body = (chunk for _ in range(TEN_MB // len(chunk))) if streamed else b" " * TEN_MB
    refused(raw_post(module_hub, kiosk, body), 413, "body_too_large")


def test_body_just_under_the_limit_is_read(module_hub, kiosk):
    action = account_request(kiosk)
    action["padding"] = "x" * (60 * 1024)
    assert post_action(module_hub, kiosk, action).status_code == 201


def test_sql_looking_strings_are_stored_verbatim(module_hub, kiosk):
    sneaky = "'; DROP TABLE actions; --"
    action = account_request(kiosk, tenant_ref=sneaky, surname="O'Brien")
    call = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr", "reason": "1' OR '1'='1"})
    assert post_action(module_hub, kiosk, action).status_code == 201
    assert post_action(module_hub, kiosk, call).status_code == 201
    recorded = {a["id"]: a for a in module_hub.actions()}
    assert recorded[action["id"]]["payload"]["tenant_ref"] == sneaky
    assert recorded[action["id"]]["payload"]["surname"] == "O'Brien"
    assert recorded[call["id"]]["payload"]["reason"] == "1' OR '1'='1"
    assert module_hub.query("SELECT reason FROM assistance_calls WHERE id = ?", [call["id"]]) == [{"reason": "1' OR '1'='1"}]


@pytest.mark.parametrize(
    "surname",
    [
        "Zoé Lefèvre-Dubois",
        "O’Connor",
        "d'Artagnan",
        "St. John",
        "محمد العلي",
        "Дмитрий Иванов",
        "王小明",
        "김민준",
        "Nguyễn Văn An",
        "Zoe\u0301 Mu\u0308ller",  # decomposed accents: stored composed
        "  Ibáñez  ",
    ],
)
def test_names_in_any_script_are_accepted(module_hub, kiosk, surname):
    action = account_request(kiosk, surname=surname)
    assert post_action(module_hub, kiosk, action).status_code == 201, surname
    recorded = next(a for a in module_hub.actions("account_request") if a["id"] == action["id"])
    assert recorded["payload"]["surname"] == unicodedata.normalize("NFC", surname).strip()


@pytest.mark.parametrize(
    "surname",
    ["Louis 14", "Marie 😀", "👍", "Ali\u0000", "Anne\ttab", "Jean\ufe0f", "", "   ", "---", "A" * 81, "Smith & Co", "x<script>"],
)
def test_names_with_emoji_digits_or_symbols_are_refused(module_hub, kiosk, surname):
    body = refused(post_action(module_hub, kiosk, account_request(kiosk, surname=surname)), 422, "invalid_field")
    assert "'payload.surname'" in body["detail"]


def test_booking_name_follows_the_same_rules(module_hub, kiosk):
    module_hub.add_session("bad-input-names", capacity=5)
    action = make_action(kiosk.kiosk_id, "booking", {"session_id": "bad-input-names", "name": "R2D2", "language": "fr"})
    assert "'payload.name'" in refused(post_action(module_hub, kiosk, action), 422, "invalid_field")["detail"]


def test_consent_false_is_refused(module_hub, kiosk):
    body = refused(post_action(module_hub, kiosk, account_request(kiosk, consent=False)), 422, "consent_required")
    assert "'payload.consent'" in body["detail"]


def test_account_request_without_email_or_mobile_is_refused(module_hub, kiosk):
    body = refused(post_action(module_hub, kiosk, account_request(kiosk, email=None)), 422, "contact_required")
    assert "email" in body["detail"] and "mobile" in body["detail"]


def test_mobile_alone_is_enough(module_hub, kiosk):
    action = account_request(kiosk, email=None, mobile="+33612345678")
    assert post_action(module_hub, kiosk, action).status_code == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("mobile", "06 12 34 56 78"),
        ("mobile", "+33 6 12 34 56 78"),
        ("mobile", "+3361234"),
        ("email", "marie.dupont"),
        ("email", "marie@@example.fr"),
        ("birth_date", "2999-01-01"),
        ("birth_date", "1980-02-30"),
        ("birth_date", "23/04/1956"),
        ("tenant_ref", "   "),
        ("tenant_ref", "X" * 65),
        ("assisted_by", "agent 7"),
    ],
)
def test_invalid_contact_and_dates_are_refused(module_hub, kiosk, field, value):
    body = refused(post_action(module_hub, kiosk, account_request(kiosk, **{field: value})), 422, "invalid_field")
    assert f"'payload.{field}'" in body["detail"]


def test_email_is_stored_normalised(module_hub, kiosk):
    action = account_request(kiosk, email="Marie.Dupont@EXAMPLE.fr", birth_date="1956-04-23", assisted_by="agent-7")
    assert post_action(module_hub, kiosk, action).status_code == 201
    recorded = next(a for a in module_hub.actions("account_request") if a["id"] == action["id"])
    assert recorded["payload"]["email"] == "Marie.Dupont@example.fr"
    assert recorded["payload"]["birth_date"] == "1956-04-23"


def test_unknown_route_and_method_get_the_same_error_shape(module_hub, kiosk):
    refused(requests.get(module_hub.url + "/api/v1/nothing", headers=kiosk.headers, timeout=10), 404, "not_found")
    refused(requests.delete(module_hub.url + "/api/v1/actions", headers=kiosk.headers, timeout=10), 405, "method_not_allowed")


def test_catalogue_query_that_is_too_long_is_422(module_hub, kiosk):
    answer = requests.get(module_hub.url + "/api/v1/catalog", params={"agency": "x" * 200}, headers=kiosk.headers, timeout=10)
    assert "'query.agency'" in refused(answer, 422)["detail"]
