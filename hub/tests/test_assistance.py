"""Assistance calls: the kiosk sees waiting, then the agent's first name, then resolved."""

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import requests

from hub.calls import open_calls
from hub.db import open_read_only
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


def backdate(hub, call_id, minutes):
    """The call was made `minutes` ago (the test's own write to the hub's database)."""
    called_at = (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
    conn = sqlite3.connect(hub.db_path, isolation_level=None, timeout=10)
    try:
        conn.execute("UPDATE assistance_calls SET called_at = ? WHERE id = ?", [called_at, call_id])
    finally:
        conn.close()


def listed(hub, *options):
    return {row["id"]: row for row in map(json.loads, hub.call("call", "list", "--json", *options).splitlines())}


def test_calls_older_than_the_kiosks_expiry_are_listed_as_stale(module_hub, kiosk):
    fresh, old, taken = call_agent(module_hub, kiosk), call_agent(module_hub, kiosk), call_agent(module_hub, kiosk)
    backdate(module_hub, old, 11)
    backdate(module_hub, taken, 30)
    module_hub.call("call", "ack", taken, "--agent", "Paul")

    calls = listed(module_hub)
    assert (calls[fresh]["stale"], calls[old]["stale"], calls[taken]["stale"]) == (False, True, True)
    assert calls[taken]["status"] == "acknowledged"
    assert list(calls).index(taken) < list(calls).index(old) < list(calls).index(fresh)  # oldest first

    calls = listed(module_hub, "--call-stale-minutes", "15")
    assert (calls[fresh]["stale"], calls[old]["stale"], calls[taken]["stale"]) == (False, False, True)

    table = module_hub.call("call", "list").splitlines()
    assert "stale" in table[0].split()
    line = next(line for line in table if line.startswith(old))
    assert line.split()[table[0].split().index("stale")] == "yes"


def test_open_calls_marks_stale_ones_for_the_console(module_hub, kiosk):
    call_id = call_agent(module_hub, kiosk)
    db = open_read_only(module_hub.db_path)
    try:
        now = datetime.now(timezone.utc)
        assert next(c for c in open_calls(db, now) if c["id"] == call_id)["stale"] is False
        later = now + timedelta(minutes=10, seconds=1)
        assert next(c for c in open_calls(db, later) if c["id"] == call_id)["stale"] is True
        assert next(c for c in open_calls(db, later, stale_after=timedelta(minutes=20)) if c["id"] == call_id)["stale"] is False
    finally:
        db.close()


@pytest.mark.parametrize("minutes", ["0", "-1", "ten"])
def test_call_stale_minutes_must_be_a_positive_whole_number(module_hub, minutes):
    done = module_hub.run_cli("call", "list", "--call-stale-minutes", minutes)
    assert done.returncode == 2
    assert done.stderr.startswith("error: argument --call-stale-minutes")
