"""Heartbeats are kept for the fleet view; accepted actions are exported as JSON lines."""

import json
from datetime import datetime

import pytest
import requests

from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-fleet", agency="PPO")


def send_heartbeat(hub, kiosk, **changes):
    body = {"kiosk_id": kiosk.kiosk_id, "version": "0.1.0", "queue_depth": 3, "oldest_pending_age_seconds": 42.5,
            "last_sync_at": "2025-03-04T14:05:00+01:00", "free_disk_bytes": 12_345_678_901, "speech_available": False}
    body.update(changes)
    return requests.post(hub.url + "/api/v1/heartbeat", json=body, headers=kiosk.headers, timeout=10)


def test_heartbeat_is_stored_on_the_kiosk_row(module_hub, kiosk):
    answer = send_heartbeat(module_hub, kiosk)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    row = module_hub.query("SELECT * FROM kiosks WHERE id = ?", [kiosk.kiosk_id])[0]
    assert datetime.fromisoformat(row["last_heartbeat_at"]).tzinfo is not None
    assert (row["version"], row["queue_depth"], row["oldest_pending_age_seconds"]) == ("0.1.0", 3, 42.5)
    assert (row["last_sync_at"], row["free_disk_bytes"], row["speech_available"]) == ("2025-03-04T14:05:00+01:00", 12_345_678_901, 0)


def test_empty_outbox_heartbeat_has_nulls(module_hub, kiosk):
    assert send_heartbeat(module_hub, kiosk, queue_depth=0, oldest_pending_age_seconds=None, last_sync_at=None).status_code == 200
    row = module_hub.query("SELECT oldest_pending_age_seconds, last_sync_at FROM kiosks WHERE id = ?", [kiosk.kiosk_id])[0]
    assert row == {"oldest_pending_age_seconds": None, "last_sync_at": None}


def test_fleet_list_shows_the_last_heartbeat(module_hub, kiosk):
    send_heartbeat(module_hub, kiosk, version="0.2.0", speech_available=True)
    fleet = [json.loads(line) for line in module_hub.call("kiosk", "list", "--json").splitlines()]
    mine = next(k for k in fleet if k["id"] == kiosk.kiosk_id)
    assert (mine["agency"], mine["status"], mine["version"], mine["speech_available"]) == ("PPO", "active", "0.2.0", True)
    assert "token_hash" not in mine
    table = module_hub.call("kiosk", "list")
    assert table.splitlines()[0].split()[:3] == ["id", "agency", "status"]
    assert any(line.startswith(kiosk.kiosk_id) and "0.2.0" in line for line in table.splitlines())


def test_heartbeat_stuck_and_rejected_counts_are_kept_and_listed(module_hub, kiosk):
    assert send_heartbeat(module_hub, kiosk, stuck_count=2, rejected_count=0).status_code == 200
    row = module_hub.query("SELECT stuck_count, rejected_count FROM kiosks WHERE id = ?", [kiosk.kiosk_id])[0]
    assert row == {"stuck_count": 2, "rejected_count": 0}
    fleet = [json.loads(line) for line in module_hub.call("kiosk", "list", "--json").splitlines()]
    mine = next(k for k in fleet if k["id"] == kiosk.kiosk_id)
    assert (mine["stuck_count"], mine["rejected_count"]) == (2, 0)
    table = module_hub.call("kiosk", "list").splitlines()
    header = table[0].split()
    assert "stuck_count" in header and "rejected_count" in header
    cells = next(line for line in table if line.startswith(kiosk.kiosk_id)).split()
    assert cells[header.index("stuck_count")] == "2"


def test_heartbeat_of_an_older_kiosk_without_counts_is_accepted(module_hub, kiosk):
    assert send_heartbeat(module_hub, kiosk, stuck_count=1, rejected_count=4).status_code == 200
    assert send_heartbeat(module_hub, kiosk).status_code == 200
    row = module_hub.query("SELECT stuck_count, rejected_count FROM kiosks WHERE id = ?", [kiosk.kiosk_id])[0]
    assert row == {"stuck_count": None, "rejected_count": None}  # unknown, not zero


@pytest.mark.parametrize(
    "change, path",
    [
        ({"queue_depth": -1}, "queue_depth"),
        ({"queue_depth": "3"}, "queue_depth"),
        ({"free_disk_bytes": None}, "free_disk_bytes"),
        ({"speech_available": "yes"}, "speech_available"),
        ({"last_sync_at": "yesterday"}, "last_sync_at"),
        ({"oldest_pending_age_seconds": "42"}, "oldest_pending_age_seconds"),
        ({"stuck_count": -1}, "stuck_count"),
        ({"stuck_count": "2"}, "stuck_count"),
        ({"rejected_count": 1.5}, "rejected_count"),
        ({"rejected_count": True}, "rejected_count"),
    ],
)
def test_bad_heartbeat_is_422_naming_the_field(module_hub, kiosk, change, path):
    answer = send_heartbeat(module_hub, kiosk, **change)
    assert answer.status_code == 422
    assert f"'{path}'" in answer.json()["detail"]


def test_export_gives_json_lines_of_one_type(module_hub, kiosk):
    account = make_action(kiosk.kiosk_id, "account_request", {
        "tenant_ref": "PPO-778899", "surname": "Lafitte", "mobile": "+33559123456", "consent": True, "language": "fr"})
    feedback = make_action(kiosk.kiosk_id, "feedback", {"journey": "account", "score": 3})
    for action in (account, feedback):
        assert post_action(module_hub, kiosk, action).status_code == 201

    lines = module_hub.call("export", "--type", "account_request").splitlines()
    rows = [json.loads(line) for line in lines]
    assert {row["type"] for row in rows} == {"account_request"}
    exported = next(row for row in rows if row["id"] == account["id"])
    assert set(exported) == {"id", "type", "created_at", "kiosk_id", "payload", "result", "received_at"}
    assert exported["created_at"] == account["created_at"]
    assert exported["kiosk_id"] == kiosk.kiosk_id
    assert exported["payload"] == account["payload"]
    assert exported["result"] == {"account_request": "received"}
    assert datetime.fromisoformat(exported["received_at"]).tzinfo is not None
    assert module_hub.actions("account_request") == rows


def test_export_of_a_type_with_nothing_received_is_empty(module_hub):
    assert module_hub.call("export", "--type", "booking_cancel") == ""
