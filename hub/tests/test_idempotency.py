"""Each action id is applied once, forever: repeats get the first answer, conflicts are refused."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-idempotency")


def feedback(kiosk, score=3, **envelope):
    return make_action(kiosk.kiosk_id, "feedback", {"journey": "booking", "score": score}, **envelope)


def test_repeat_of_an_accepted_action_gives_200_and_the_first_result(module_hub, kiosk):
    module_hub.add_session("idem-repeat", capacity=1)
    booking = make_action(kiosk.kiosk_id, "booking", {"session_id": "idem-repeat", "name": "Awa Diallo", "language": "fr"})
    first = post_action(module_hub, kiosk, booking)
    assert first.status_code == 201, first.text
    assert first.json() == {"id": booking["id"], "status": "accepted", "result": {"booking": "confirmed", "session_id": "idem-repeat"}}

    # The seat is gone now, yet the repeat must say what the first answer said.
    other = make_action(kiosk.kiosk_id, "booking", {"session_id": "idem-repeat", "name": "Jean Valjean", "language": "fr"})
    assert post_action(module_hub, kiosk, other).json()["result"]["booking"] == "waitlisted"
    repeat = post_action(module_hub, kiosk, booking)
    assert repeat.status_code == 200
    assert repeat.json() == first.json()
    assert [a["id"] for a in module_hub.actions("booking")].count(booking["id"]) == 1


def test_repeat_with_another_created_at_is_the_same_action(module_hub, kiosk):
    action = feedback(kiosk, created_at="2025-03-04T14:05:00+01:00")
    assert post_action(module_hub, kiosk, action).status_code == 201
    action["created_at"] = "2025-03-04T13:05:00Z"
    assert post_action(module_hub, kiosk, action).status_code == 200


def test_repeat_with_keys_in_another_order_is_the_same_action(module_hub, kiosk):
    action = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr", "reason": "portail", "screen": "home"})
    assert post_action(module_hub, kiosk, action).status_code == 201
    action["payload"] = {"screen": "home", "reason": "portail", "language": "fr"}
    assert post_action(module_hub, kiosk, action).status_code == 200


def test_same_id_with_a_different_payload_is_refused_with_422(module_hub, kiosk):
    action = feedback(kiosk, score=3)
    assert post_action(module_hub, kiosk, action).status_code == 201
    changed = dict(action, payload={"journey": "booking", "score": 1})
    answer = post_action(module_hub, kiosk, changed)
    assert answer.status_code == 422
    assert answer.json()["error"] == "idempotency_conflict"
    assert action["id"] in answer.json()["detail"]
    recorded = [a for a in module_hub.actions("feedback") if a["id"] == action["id"]]
    assert [a["payload"]["score"] for a in recorded] == [3]


def test_same_id_with_a_different_type_is_refused_with_422(module_hub, kiosk):
    action = feedback(kiosk)
    assert post_action(module_hub, kiosk, action).status_code == 201
    other = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr"}, action_id=action["id"])
    assert post_action(module_hub, kiosk, other).json()["error"] == "idempotency_conflict"


def test_same_action_posted_five_times_at_once_gives_one_record(module_hub, kiosk):
    module_hub.add_session("idem-five", capacity=3)
    action = make_action(kiosk.kiosk_id, "booking", {"session_id": "idem-five", "name": "Li Wei", "language": "fr"})
    start = threading.Barrier(5, timeout=10)

    def deliver(_):
        start.wait()  # all five leave together
        return post_action(module_hub, kiosk, action)

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(deliver, range(5), timeout=60))

    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.text for a in answers}) == 1
    assert [a["id"] for a in module_hub.actions("booking")].count(action["id"]) == 1
    assert module_hub.query("SELECT count(*) AS n FROM bookings WHERE session_id = 'idem-five'") == [{"n": 1}]


def test_repeat_after_a_restart_still_gives_the_first_result(hub, hub_token):
    action = make_action(hub_token.kiosk_id, "assistance_call", {"language": "es"})
    first = post_action(hub, hub_token, action)
    assert first.status_code == 201
    hub.stop()
    hub.start()
    repeat = post_action(hub, hub_token, action)
    assert (repeat.status_code, repeat.json()) == (200, first.json())


def test_refused_action_is_not_recorded_so_it_can_be_sent_again(module_hub, kiosk):
    action = make_action(kiosk.kiosk_id, "booking", {"session_id": "idem-later", "name": "Ana Sousa", "language": "pt"})
    assert post_action(module_hub, kiosk, action).json()["error"] == "unknown_session"
    module_hub.add_session("idem-later", capacity=2)
    assert post_action(module_hub, kiosk, action).status_code == 201


@pytest.mark.parametrize(
    "key, code",
    [
        (None, "missing_idempotency_key"),
        ("not-a-uuid", "invalid_idempotency_key"),
        ("0b5d1f7e-1c2a-4e7b-9a0d-5f3c2b1a0e9d", "idempotency_key_mismatch"),
    ],
)
def test_idempotency_key_must_be_the_body_id(module_hub, kiosk, key, code):
    action = feedback(kiosk)
    headers = {**kiosk.headers}
    if key is not None:
        headers["Idempotency-Key"] = key
    answer = requests.post(module_hub.url + "/api/v1/actions", json=action, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == code
    assert "Idempotency-Key" in answer.json()["detail"]
    assert action["id"] not in {a["id"] for a in module_hub.actions("feedback")}


def test_idempotency_key_may_differ_from_the_body_id_only_in_letter_case(module_hub, kiosk):
    action = feedback(kiosk)
    answer = post_action(module_hub, kiosk, action, idempotency_key=action["id"].upper())
    assert answer.status_code == 201
