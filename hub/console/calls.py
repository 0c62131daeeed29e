"""The console's home: live assistance calls, "J'arrive" and "Terminé".

The page works without JavaScript (forms, and a refresh every 10 s in <noscript>); with it,
static/console.js polls /console/api/calls every second, swaps in the list rendered here, and
rings for a new call.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hub.calls import acknowledge, open_calls, resolve
from hub.console.web import Agent, CheckedForm, console_db, error_page, flash, language_name, render, render_text, see_other, settings
from hub.errors import HubError
from hub.timeutil import utc_now

router = APIRouter(prefix="/console")


def live_calls(request: Request, now: datetime) -> list[dict]:
    """Open calls, waiting ones first (oldest first), with what the page shows of each."""
    alert_after = settings(request).call_alert_after
    with console_db(request) as db:
        calls = open_calls(db, now)
        agencies = {row["id"]: row["agency"] for row in db.query("SELECT id, agency FROM kiosks")}
    for call in calls:
        called_at = datetime.fromisoformat(call["called_at"])
        call["agency"] = agencies.get(call["kiosk_id"])
        call["language_name"] = language_name(call["language"])
        call["waiting_seconds"] = (now - called_at).total_seconds()
        call["late"] = call["status"] == "waiting" and not call["stale"] and now - called_at > alert_after
    calls.sort(key=lambda call: (call["stale"], call["status"] != "waiting", call["called_at"]))
    return calls


def _list_context(request: Request, now: datetime) -> dict:
    return {"calls": live_calls(request, now), "alert_minutes": int(settings(request).call_alert_after.total_seconds() // 60)}


@router.get("")
def calls_page(request: Request, agent: Agent) -> Response:
    now = utc_now()
    return render(request, "calls.html", agent, active="calls", now=now, **_list_context(request, now))


@router.get("/api/calls")
def calls_json(request: Request, agent: Agent) -> Response:
    """The open calls for console.js: ids and states (to ring for new ones) and the list's HTML."""
    now = utc_now()
    context = _list_context(request, now)
    html = render_text(request, "calls_list.html", agent, now=now, **context)
    summary = [{"id": c["id"], "status": c["status"], "stale": c["stale"], "late": c["late"], "kiosk_id": c["kiosk_id"],
                "agency": c["agency"], "reason": c["reason"]} for c in context["calls"]]
    return JSONResponse({"calls": summary, "html": html})


def _answer(request: Request, agent: dict, message: str, ok: bool = True) -> Response:
    if request.headers.get("x-csrf-token"):  # console.js: it re-renders the list itself
        return JSONResponse({"ok": ok, "message": message}, status_code=200 if ok else 409)
    flash(request, agent, message, "ok" if ok else "error")
    return see_other("/console")


@router.post("/calls/{call_id}/acknowledge")
def acknowledge_call(request: Request, call_id: str, agent: Agent, _: CheckedForm) -> Response:
    try:
        with console_db(request) as db:
            acknowledge(db, call_id, agent["first_name"], utc_now(), agent_id=agent["id"])
    except HubError as error:
        if error.status == 404:
            return error_page(request, "Cet appel n'existe pas.", 404, agent)
        return _answer(request, agent, "Cet appel est déjà terminé.", ok=False)
    return _answer(request, agent, f"La borne affiche : {agent['first_name']} arrive.")


@router.post("/calls/{call_id}/resolve")
def resolve_call(request: Request, call_id: str, agent: Agent, _: CheckedForm) -> Response:
    try:
        with console_db(request) as db:
            resolve(db, call_id, utc_now(), agent_id=agent["id"])
    except HubError:
        return error_page(request, "Cet appel n'existe pas.", 404, agent)
    return _answer(request, agent, "Appel terminé.")
