"""The fleet as agents see it: each kiosk's last news, its queue, and what needs a look."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.console.web import Agent, console_db, render
from hub.kiosks import list_kiosks
from hub.timeutil import utc_now

router = APIRouter(prefix="/console")

SILENT_AFTER = timedelta(minutes=15)      # heartbeats come every minute or so
PENDING_TOO_LONG = timedelta(hours=1)


def kiosk_health(row: dict, now: datetime) -> dict:
    """The row plus `problems`: sentences saying what is wrong (empty when all is well)."""
    problems = []
    heartbeat = datetime.fromisoformat(row["last_heartbeat_at"]) if row["last_heartbeat_at"] else None
    row["revoked"] = row["status"] == "revoked"
    row["oldest_pending_seconds"] = None
    if heartbeat is not None and row["queue_depth"] and row["oldest_pending_age_seconds"] is not None:
        # Its age when the kiosk reported it, plus the time since that report.
        row["oldest_pending_seconds"] = row["oldest_pending_age_seconds"] + (now - heartbeat).total_seconds()
    if not row["revoked"]:
        if heartbeat is None:
            problems.append("Aucune nouvelle depuis son installation")
        elif now - heartbeat > SILENT_AFTER:
            problems.append(f"Silencieuse depuis plus de {int(SILENT_AFTER.total_seconds() // 60)} min")
        if row["oldest_pending_seconds"] is not None and row["oldest_pending_seconds"] > PENDING_TOO_LONG.total_seconds():
            problems.append("Une action attend d'être envoyée depuis plus d'une heure")
        if row["stuck_count"]:
            problems.append(f"{row['stuck_count']} action(s) bloquée(s) : à relancer depuis le mode agent de la borne")
    row["problems"] = problems
    return row


@router.get("/kiosks")
def kiosks_page(request: Request, agent: Agent) -> Response:
    now = utc_now()
    with console_db(request) as db:
        kiosks = [kiosk_health(row, now) for row in list_kiosks(db)]
    kiosks.sort(key=lambda k: (k["revoked"], not k["problems"], k["agency"] or "", k["id"]))
    flagged = sum(1 for k in kiosks if k["problems"])
    return render(request, "kiosks.html", agent, active="kiosks", now=now, kiosks=kiosks, flagged=flagged)
