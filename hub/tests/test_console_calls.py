"""The console's live calls: listed with where they come from, "J'arrive" shown on the kiosk, "Terminé"."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import requests

from hub.tests.consoleclient import ConsoleClient, add_agent
from tests.hubproc import HTTP_TIMEOUT, make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    add_agent(module_hub, "marie", "Marie", agency="Centre Ouest")
    add_agent(module_hub, "paul", "Paul")
    return module_hub.add_kiosk_auth("kiosk-calls", agency="Béarn")


@pytest.fixture
def console(module_hub, kiosk):
    client = ConsoleClient(module_hub)
    client.login("marie")
    return client


def call_agent(hub, kiosk, reason="Inscription à un atelier (étape : review)", **payload) -> str:
    action = make_action(kiosk.kiosk_id, "assistance_call", {"language": "es", "screen": "booking", "reason": reason, **payload})
    assert post_action(hub, kiosk, action).status_code == 201
    return action["id"]


def kiosk_sees(hub, kiosk, call_id) -> dict:
    return requests.get(hub.url + f"/api/v1/assistance/{call_id}", headers=kiosk.headers, timeout=HTTP_TIMEOUT).json()


def listed(console: ConsoleClient) -> dict:
    answer = console.get("/console/api/calls")
    assert answer.status_code == 200
    return answer.json()


def test_new_call_is_listed_with_kiosk_agency_reason_and_language(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    data = listed(console)
    summary = next(call for call in data["calls"] if call["id"] == call_id)
    assert summary["status"] == "waiting" and summary["kiosk_id"] == "kiosk-calls" and summary["agency"] == "Béarn"
    page = console.get("/console").text
    assert f'id="call-{call_id}"' in page
    for shown in ("kiosk-calls", "Béarn", "Inscription à un atelier (étape : review)", "Langue : Espagnol", "En attente"):
        assert shown in page and shown in data["html"]
    console.post(f"/console/calls/{call_id}/resolve")


def test_acknowledge_shows_the_agents_first_name_on_the_kiosk(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    answer = console.post(f"/console/calls/{call_id}/acknowledge")
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    assert "La borne affiche : Marie arrive." in console.get("/console").text
    assert kiosk_sees(module_hub, kiosk, call_id) == {"id": call_id, "status": "acknowledged", "agent_first_name": "Marie"}
    row = module_hub.query("SELECT acknowledged_by, resolved_by FROM assistance_calls WHERE id = ?", [call_id])[0]
    assert row == {"acknowledged_by": "marie", "resolved_by": None}
    assert "Marie arrive" in listed(console)["html"]


def test_resolve_records_who_and_removes_the_call(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    console.post(f"/console/calls/{call_id}/acknowledge")
    paul = ConsoleClient(module_hub)
    paul.login("paul")
    assert paul.post(f"/console/calls/{call_id}/resolve").status_code == 303
    assert kiosk_sees(module_hub, kiosk, call_id)["status"] == "resolved"
    row = module_hub.query("SELECT acknowledged_by, resolved_by FROM assistance_calls WHERE id = ?", [call_id])[0]
    assert row == {"acknowledged_by": "marie", "resolved_by": "paul"}
    assert call_id not in [call["id"] for call in listed(console)["calls"]]


def test_script_sends_actions_with_the_token_in_a_header(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    answer = console.http.post(console.url(f"/console/calls/{call_id}/acknowledge"),
                               headers={"X-CSRF-Token": console.csrf_token, "Origin": module_hub.url}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert kiosk_sees(module_hub, kiosk, call_id)["agent_first_name"] == "Marie"
    refused = console.http.post(console.url(f"/console/calls/{call_id}/resolve"), headers={"X-CSRF-Token": "forged"},
                                timeout=HTTP_TIMEOUT)
    assert refused.status_code == 403
    assert kiosk_sees(module_hub, kiosk, call_id)["status"] == "acknowledged"
    console.post(f"/console/calls/{call_id}/resolve")


def test_acknowledge_without_csrf_token_changes_nothing(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    assert console.post(f"/console/calls/{call_id}/acknowledge", csrf=False).status_code == 403
    assert kiosk_sees(module_hub, kiosk, call_id) == {"id": call_id, "status": "waiting"}
    console.post(f"/console/calls/{call_id}/resolve")


def test_call_unanswered_for_three_minutes_is_highlighted(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    four_minutes_ago = (datetime.now(timezone.utc) - timedelta(minutes=4)).isoformat(timespec="milliseconds")
    conn = sqlite3.connect(module_hub.db_path, timeout=10)
    with conn:
        conn.execute("UPDATE assistance_calls SET called_at = ? WHERE id = ?", [four_minutes_ago, call_id])
    conn.close()
    data = listed(console)
    assert next(call for call in data["calls"] if call["id"] == call_id)["late"] is True
    assert "En attente depuis longtemps" in data["html"] and "il y a 4 min" in data["html"]
    console.post(f"/console/calls/{call_id}/resolve")


def test_reason_text_is_escaped(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk, reason="<img src=x onerror=alert(1)>")
    html = listed(console)["html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    console.post(f"/console/calls/{call_id}/resolve")


def test_resolved_call_cannot_be_taken_again(module_hub, kiosk, console):
    call_id = call_agent(module_hub, kiosk)
    console.post(f"/console/calls/{call_id}/resolve")
    console.post(f"/console/calls/{call_id}/acknowledge")
    assert "Cet appel est déjà terminé." in console.get("/console").text
    assert kiosk_sees(module_hub, kiosk, call_id)["status"] == "resolved"


def test_page_works_without_javascript(console):
    page = console.get("/console").text
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    assert '<script src="/console/static/console.js" defer></script>' in page
    assert "<script>" not in page  # no inline script: the Content-Security-Policy forbids it
