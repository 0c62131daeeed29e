"""Every /api/v1 call needs the kiosk's own, current token."""

import pytest
import requests

from tests.hubproc import bearer, make_action, post_action

CALL_ID = "5d1c0b2a-3e4f-4a5b-9c6d-7e8f9a0b1c2d"


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-auth")


def heartbeat(kiosk_id):
    return {"kiosk_id": kiosk_id, "version": "0.1.0", "queue_depth": 0, "oldest_pending_age_seconds": None,
            "last_sync_at": None, "free_disk_bytes": 10**9, "speech_available": True}


def api_call(hub, kiosk_id, headers):
    """One request per /api/v1 route, with the given headers."""
    action = make_action(kiosk_id, "feedback", {"journey": "home", "score": 3})
    return {
        "actions": requests.post(hub.url + "/api/v1/actions", json=action, headers={**headers, "Idempotency-Key": action["id"]}, timeout=10),
        "catalog": requests.get(hub.url + "/api/v1/catalog", headers=headers, timeout=10),
        "assistance": requests.get(hub.url + f"/api/v1/assistance/{CALL_ID}", headers=headers, timeout=10),
        "heartbeat": requests.post(hub.url + "/api/v1/heartbeat", json=heartbeat(kiosk_id), headers=headers, timeout=10),
    }


def assert_all_401(answers, code):
    for route, answer in answers.items():
        assert answer.status_code == 401, route
        assert answer.json()["error"] == code, route
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_missing_token_is_401_on_every_route(module_hub, kiosk):
    assert_all_401(api_call(module_hub, kiosk.kiosk_id, {}), "missing_token")


def test_other_authorization_scheme_is_401(module_hub, kiosk):
    assert_all_401(api_call(module_hub, kiosk.kiosk_id, {"Authorization": f"Basic {kiosk.token}"}), "missing_token")


def test_unknown_token_is_401_on_every_route(module_hub, kiosk):
    assert_all_401(api_call(module_hub, kiosk.kiosk_id, bearer(kiosk.token[:-2] + "xx")), "invalid_token")


def test_revoked_token_is_401(module_hub):
    kiosk = module_hub.add_kiosk_auth("kiosk-stolen")
    assert post_action(module_hub, kiosk, make_action(kiosk.kiosk_id, "feedback", {"journey": "home", "score": 1})).status_code == 201
    assert module_hub.call("kiosk", "revoke", "kiosk-stolen").strip() == "kiosk kiosk-stolen: token revoked"
    assert_all_401(api_call(module_hub, kiosk.kiosk_id, kiosk.headers), "invalid_token")


def test_rotated_token_replaces_the_old_one_at_once(module_hub):
    old = module_hub.add_kiosk_auth("kiosk-rotated")
    new = module_hub.add_kiosk_auth("kiosk-rotated")
    assert old.token != new.token
    assert_all_401(api_call(module_hub, old.kiosk_id, old.headers), "invalid_token")
    answers = api_call(module_hub, new.kiosk_id, new.headers)
    assert answers["actions"].status_code == 201
    assert answers["catalog"].status_code == 200


def test_action_of_another_kiosk_is_403(module_hub, kiosk):
    module_hub.add_kiosk("kiosk-neighbour")
    action = make_action("kiosk-neighbour", "feedback", {"journey": "home", "score": 2})
    answer = post_action(module_hub, kiosk, action)
    assert answer.status_code == 403
    assert answer.json()["error"] == "kiosk_mismatch"
    assert "kiosk-auth" in answer.json()["detail"] and "kiosk-neighbour" in answer.json()["detail"]
    assert action["id"] not in {a["id"] for a in module_hub.actions()}


def test_heartbeat_of_another_kiosk_is_403(module_hub, kiosk):
    answer = requests.post(module_hub.url + "/api/v1/heartbeat", json=heartbeat("kiosk-neighbour"), headers=kiosk.headers, timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (403, "kiosk_mismatch")


def test_health_check_needs_no_token(module_hub):
    answer = requests.get(module_hub.url + "/healthz", timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_database_keeps_only_a_hash_of_the_token(module_hub, kiosk):
    row = module_hub.query("SELECT * FROM kiosks WHERE id = 'kiosk-auth'")[0]
    assert kiosk.token not in repr(row)
    assert len(row["token_hash"]) == 64
