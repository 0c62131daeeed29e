"""The console's kiosks page: last news, queue, and a flag (in words) on what needs a look."""

import re
import sqlite3
from datetime import datetime, timedelta, timezone

import requests

from hub.tests.consoleclient import ConsoleClient, add_agent
from tests.hubproc import HTTP_TIMEOUT


def heartbeat(hub, kiosk, **changes):
    body = {"kiosk_id": kiosk.kiosk_id, "version": "1.4.2", "queue_depth": 0, "oldest_pending_age_seconds": None,
            "last_sync_at": None, "free_disk_bytes": 10**9, "speech_available": True, "stuck_count": 0,
            "rejected_count": 0, **changes}
    answer = requests.post(hub.url + "/api/v1/heartbeat", json=body, headers=kiosk.headers, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def row_of(page: str, kiosk_id: str) -> str:
    match = re.search(rf'<tr id="kiosk-{kiosk_id}".*?</tr>', page, re.S)
    assert match, f"kiosk {kiosk_id} is not on the page"
    return match.group(0)


def test_kiosks_are_flagged_in_words_when_silent_or_stuck(module_hub):
    add_agent(module_hub, "marie", "Marie")
    healthy = module_hub.add_kiosk_auth("kiosk-ok", agency="Béarn")
    silent = module_hub.add_kiosk_auth("kiosk-silent", agency="PPO")
    backlog = module_hub.add_kiosk_auth("kiosk-backlog")
    module_hub.add_kiosk_auth("kiosk-new")
    module_hub.add_kiosk_auth("kiosk-stolen")
    module_hub.revoke_kiosk("kiosk-stolen")
    heartbeat(module_hub, healthy)
    heartbeat(module_hub, silent)
    heartbeat(module_hub, backlog, queue_depth=3, oldest_pending_age_seconds=3700.0, stuck_count=2, rejected_count=1)
    sixteen_minutes_ago = (datetime.now(timezone.utc) - timedelta(minutes=16)).isoformat(timespec="milliseconds")
    conn = sqlite3.connect(module_hub.db_path, timeout=10)
    with conn:
        conn.execute("UPDATE kiosks SET last_heartbeat_at = ? WHERE id = 'kiosk-silent'", [sixteen_minutes_ago])
    conn.close()

    console = ConsoleClient(module_hub)
    console.login("marie")
    page = console.get("/console/kiosks").text

    ok = row_of(page, "kiosk-ok")
    assert "En service" in ok and "Béarn" in ok and "1.4.2" in ok and "À vérifier" not in ok
    assert "Silencieuse depuis plus de 15 min" in row_of(page, "kiosk-silent")
    assert "il y a 16 min" in row_of(page, "kiosk-silent")
    backlog_row = row_of(page, "kiosk-backlog")
    assert "À vérifier" in backlog_row
    assert "Une action attend d&#39;être envoyée depuis plus d&#39;une heure" in backlog_row
    assert "2 action(s) bloquée(s)" in backlog_row and ">1 h 01<" in backlog_row
    assert "Aucune nouvelle depuis son installation" in row_of(page, "kiosk-new")
    stolen = row_of(page, "kiosk-stolen")
    assert "Révoquée" in stolen and "À vérifier" not in stolen
    assert "3 borne(s) à vérifier sur 5." in page


def test_kiosks_page_needs_a_login(module_hub):
    answer = requests.get(module_hub.url + "/console/kiosks", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 303
