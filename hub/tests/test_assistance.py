"""Assistance calls: the kiosk sees waiting, then the agent's first name, then resolved."""

import pytest
import requests

from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-assistance")


def call_agent(hub, kiosk, **payload):
    action = make_action(kiosk.kiosk_id, "assistance_call", {"language": "fr", **payload})
    answer = post_action(hub, kiosk, action)
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {"assistance": "waiting"}
    return action["id"]


def status(hub, kiosk, call_id):
    return requests.get(hub.url + f"/api/v1/assistance/{call_id}", headers=kiosk.headers, timeout=10)


def test_call_goes_from_waiting_to_acknowledged_to_resolved(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk, reason="portail", screen="account_help")
    assert status(module_hub, kiosk, call_id).json() == {"id": call_id, "status": "waiting"}

    assert module_hub.call("call", "ack", call_id, "--agent", "Maïté").strip() == f"call {call_id}: acknowledged by Maïté"
    assert status(module_hub, kiosk, call_id).json() == {"id": call_id, "status": "acknowledged", "agent_first_name": "Maïté"}

    module_hub.call("call", "resolve", call_id)
    assert status(module_hub, kiosk, call_id).json() == {"id": call_id, "status": "resolved", "agent_first_name": "Maïté"}


def test_open_calls_are_listed_for_agents(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk)
    assert call_id in module_hub.call("call", "list")
    module_hub.call("call", "resolve", call_id)
    assert call_id not in module_hub.call("call", "list")


def test_another_agent_can_take_over_an_acknowledged_call(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk)
    module_hub.call("call", "ack", call_id, "--agent", "Paul")
    module_hub.call("call", "ack", call_id, "--agent", "Aurélie")
    assert status(module_hub, kiosk, call_id).json()["agent_first_name"] == "Aurélie"


def test_resolved_call_cannot_be_acknowledged(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk)
    module_hub.call("call", "resolve", call_id)
    done = module_hub.run_cli("call", "ack", call_id, "--agent", "Paul")
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: The assistance call {call_id} is already resolved; it cannot be acknowledged again."


def test_call_of_another_kiosk_is_404(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk)
    other = module_hub.add_kiosk_auth("kiosk-assistance-other")
    answer = status(module_hub, other, call_id)
    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_call")


@pytest.mark.parametrize("call_id", ["5d1c0b2a-3e4f-4a5b-9c6d-7e8f9a0b1c2d", "not-a-uuid", "' OR 1=1 --"])
def test_unknown_call_is_404(module_hub, kiosk, call_id):
    answer = status(module_hub, kiosk, requests.utils.quote(call_id, safe=""))
    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_call")
