"""/openapi.json describes what the hub really does: its routes, status codes and bodies."""

import copy
from datetime import timedelta

import pytest
import requests
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator

from hub.app import create_app
from tests.hubproc import bearer, make_action, post_action

NOT_PROVOKED = {("/healthz", "get", "503")}  # needs a broken database; the shape is the shared error model
# A locked database: provoked, and checked against this description, in test_locking.py.
NOT_PROVOKED |= {(path, method, "503") for path, method in [
    ("/api/v1/actions", "post"), ("/api/v1/heartbeat", "post"), ("/api/v1/catalog", "get"), ("/api/v1/assistance/{id}", "get")]}


@pytest.fixture(scope="module")
def doc(module_hub):
    answer = requests.get(module_hub.url + "/openapi.json", timeout=10)
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-openapi")


def schema_validator(doc, schema):
    # Refs point at #/components/..., so the components travel with the schema.
    return Draft202012Validator({**schema, "components": doc["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER)


def component(doc, name):
    return schema_validator(doc, {"$ref": f"#/components/schemas/{name}"})


def test_documented_routes_are_the_real_routes(doc, tmp_path):
    app = create_app(tmp_path / "hub.db")
    real = {(route.path, method.lower()) for route in app.routes if isinstance(route, APIRoute) for method in route.methods}
    documented = {(path, method) for path, operations in doc["paths"].items() for method in operations}
    assert documented == real
    assert {path for path, _ in real} == {"/healthz", "/api/v1/actions", "/api/v1/catalog", "/api/v1/assistance/{id}", "/api/v1/heartbeat"}


def test_api_routes_declare_the_bearer_token_and_the_idempotency_key(doc):
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert bool(operation.get("security")) == path.startswith("/api/v1/"), (method, path)
    (key,) = [p for p in doc["paths"]["/api/v1/actions"]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is True


def exercise(hub, kiosk):
    """Real requests provoking every documented answer: (path template, method, response)."""
    url = hub.url
    hub.add_session("openapi-s", capacity=1, starts_in=timedelta(days=3))
    other = hub.add_kiosk_auth("kiosk-openapi-other")
    booking = make_action(kiosk.kiosk_id, "booking", {"session_id": "openapi-s", "name": "Ana", "language": "pt"})
    waitlisted = make_action(kiosk.kiosk_id, "booking", {"session_id": "openapi-s", "name": "Rui", "language": "pt"})
    call = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr"})
    late = make_action(kiosk.kiosk_id, "booking", {"session_id": "openapi-s", "name": "Eva", "language": "pt"})
    actions = "/api/v1/actions"
    answers = [
        (actions, "post", post_action(hub, kiosk, booking)),
        (actions, "post", post_action(hub, kiosk, waitlisted)),
        (actions, "post", post_action(hub, kiosk, booking)),
        (actions, "post", post_action(hub, kiosk, call)),
        (actions, "post", post_action(hub, kiosk, make_action(kiosk.kiosk_id, "booking_cancel", {"booking_id": booking["id"]}))),
        (actions, "post", post_action(hub, other, make_action(other.kiosk_id, "booking_cancel", {"booking_id": late["id"]}))),
        (actions, "post", post_action(hub, kiosk, late)),  # its cancellation came first
        (actions, "post", post_action(hub, kiosk, make_action(kiosk.kiosk_id, "feedback", {"journey": "booking", "score": 3}))),
        (actions, "post", post_action(hub, kiosk, make_action(kiosk.kiosk_id, "account_request", {
            "tenant_ref": "CO-1", "surname": "Silva", "email": "a@example.pt", "consent": True, "language": "pt"}))),
        (actions, "post", requests.post(url + actions, data=b"{", headers={**kiosk.headers, "Idempotency-Key": booking["id"]}, timeout=10)),
        (actions, "post", requests.post(url + actions, json=booking, timeout=10)),
        (actions, "post", post_action(hub, other, booking)),
        (actions, "post", requests.post(url + actions, data=b" " * 70_000, headers={**kiosk.headers, "Idempotency-Key": booking["id"]}, timeout=10)),
        (actions, "post", post_action(hub, kiosk, make_action(kiosk.kiosk_id, "feedback", {"journey": "booking", "score": 9}))),
    ]
    catalog = requests.get(url + "/api/v1/catalog", headers=kiosk.headers, timeout=10)
    answers += [
        ("/api/v1/catalog", "get", catalog),
        ("/api/v1/catalog", "get", requests.get(url + "/api/v1/catalog", headers={**kiosk.headers, "If-None-Match": catalog.headers["ETag"]}, timeout=10)),
        ("/api/v1/catalog", "get", requests.get(url + "/api/v1/catalog", headers=bearer("nope"), timeout=10)),
        ("/api/v1/catalog", "get", requests.get(url + "/api/v1/catalog", params={"agency": "x" * 121}, headers=kiosk.headers, timeout=10)),
    ]
    assistance = "/api/v1/assistance/{id}"
    hub.call("call", "ack", call["id"], "--agent", "Inès")
    answers += [
        (assistance, "get", requests.get(url + f"/api/v1/assistance/{call['id']}", headers=kiosk.headers, timeout=10)),
        (assistance, "get", requests.get(url + f"/api/v1/assistance/{call['id']}", headers=other.headers, timeout=10)),
        (assistance, "get", requests.get(url + f"/api/v1/assistance/{call['id']}", timeout=10)),
    ]
    beat = {"kiosk_id": kiosk.kiosk_id, "version": "1", "queue_depth": 0, "oldest_pending_age_seconds": None,
            "last_sync_at": None, "free_disk_bytes": 1, "speech_available": True}
    heartbeat = "/api/v1/heartbeat"
    answers += [
        (heartbeat, "post", requests.post(url + heartbeat, json=beat, headers=kiosk.headers, timeout=10)),
        (heartbeat, "post", requests.post(url + heartbeat, data=b"nope", headers=kiosk.headers, timeout=10)),
        (heartbeat, "post", requests.post(url + heartbeat, json=beat, timeout=10)),
        (heartbeat, "post", requests.post(url + heartbeat, json=beat, headers=other.headers, timeout=10)),
        (heartbeat, "post", requests.post(url + heartbeat, data=b"{" + b" " * 70_000, headers=kiosk.headers, timeout=10)),
        (heartbeat, "post", requests.post(url + heartbeat, json={**beat, "queue_depth": -1}, headers=kiosk.headers, timeout=10)),
        ("/healthz", "get", requests.get(url + "/healthz", timeout=10)),
    ]
    return answers


def test_every_answer_is_documented_and_matches_its_schema(module_hub, kiosk, doc):
    seen = set()
    for path, method, answer in exercise(module_hub, kiosk):
        status = str(answer.status_code)
        responses = doc["paths"][path][method]["responses"]
        assert status in responses, f"{method.upper()} {path} answered {status}, which is not documented"
        seen.add((path, method, status))
        content = responses[status].get("content")
        if content is None:
            assert answer.content == b"", (path, method, status)
            continue
        errors = sorted(schema_validator(doc, content["application/json"]["schema"]).iter_errors(answer.json()), key=str)
        assert not errors, f"{method.upper()} {path} {status}: {answer.text} does not match: {errors[0].message}"
    documented = {(path, method, status) for path, operations in doc["paths"].items()
                  for method, operation in operations.items() for status in operation["responses"]}
    assert documented - NOT_PROVOKED == seen


VALID_ACTIONS = [
    ("account_request", {"tenant_ref": "CO-1", "surname": "Dupont", "mobile": "+33612345678", "consent": True, "language": "fr",
                         "birth_date": "1956-04-23", "assisted_by": "agent-7"}),
    ("booking", {"session_id": "s-1", "name": "Awa", "language": "fr"}),
    ("booking_cancel", {"booking_id": "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"}),
    ("assistance_call", {"language": "es", "reason": "portail", "screen": "home"}),
    ("feedback", {"journey": "booking", "score": 1}),
]


@pytest.mark.parametrize("action_type, payload", VALID_ACTIONS, ids=[t for t, _ in VALID_ACTIONS])
def test_documented_action_schema_accepts_valid_actions(doc, action_type, payload):
    errors = list(component(doc, "Action").iter_errors(make_action("k-1", action_type, payload)))
    assert not errors, errors[0].message


@pytest.mark.parametrize(
    "action_type, payload",
    [
        ("account_request", {"tenant_ref": "CO-1", "surname": "Dupont", "email": "a@b.fr", "consent": False, "language": "fr"}),
        ("account_request", {"tenant_ref": "CO-1", "email": "a@b.fr", "consent": True, "language": "fr"}),
        ("account_request", {"tenant_ref": "CO-1", "surname": "Dupont", "consent": True, "language": "fr"}),
        ("booking", {"session_id": "s-1", "name": "Awa", "language": "de"}),
        ("feedback", {"journey": "booking", "score": 4}),
        ("rent_payment", {"amount": 3}),
    ],
    ids=["consent-false", "no-surname", "no-contact", "language-de", "score-4", "unknown-type"],
)
def test_documented_action_schema_refuses_what_the_hub_refuses(module_hub, kiosk, doc, action_type, payload):
    action = make_action(kiosk.kiosk_id, action_type, payload)
    assert list(component(doc, "Action").iter_errors(copy.deepcopy(action)))
    assert post_action(module_hub, kiosk, action).status_code == 422


def test_documented_heartbeat_schema_matches_the_hub(doc):
    beat = {"kiosk_id": "k-1", "version": "1.0", "queue_depth": 2, "oldest_pending_age_seconds": 3.5,
            "last_sync_at": "2025-03-04T14:05:00+01:00", "free_disk_bytes": 10, "speech_available": False}
    validator = component(doc, "Heartbeat")
    assert not list(validator.iter_errors(beat))
    assert list(validator.iter_errors({**beat, "queue_depth": -1}))
    assert list(validator.iter_errors({k: v for k, v in beat.items() if k != "speech_available"}))
