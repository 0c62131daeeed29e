"""Console: the tenants' portal-account requests — new and processed — and their CSV export.

A request is an accepted `account_request` action; `account_request_status` holds the ones an
agent marked processed (when, by whom). The CSV is for the back office's Excel: UTF-8 with a
BOM (or Excel reads the accents as Windows-1252), `;` between cells (French Excel's list
separator; a `,` puts everything in column A), and cells that Excel would run as a formula
(starting with = + - @, tab or carriage return) prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlite_utils import Database

from hub.console.web import Agent, CheckedForm, console_db, flash, language_name, paris_time, render, see_other
from hub.console.workshops import chosen_agency, known_agencies
from hub.db import write_transaction
from hub.timeutil import rfc3339, utc_now

router = APIRouter(prefix="/console")

STATUSES = ("new", "processed", "all")
SHOWN_AT_MOST = 200  # per tab; the CSV has them all
NO_AGENCY = "Sans agence"


def account_requests(db: Database, status: str = "new", agency: str | None = None,
                     limit: int | None = None) -> list[dict]:
    """Requests with their kiosk's agency and, if any, who helped and who processed them.

    New ones oldest first (the first to handle); processed ones latest processed first.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    where = {"new": "st.action_id IS NULL", "processed": "st.action_id IS NOT NULL", "all": "1"}[status]
    order = "st.processed_at DESC, a.received_at DESC" if status == "processed" else "a.received_at, a.rowid"
    rows = db.query(
        f"""SELECT a.id, a.kiosk_id, a.received_at, a.payload, k.agency,
                   st.processed_at, st.processed_by, processor.first_name AS processed_by_name,
                   helper.first_name AS assisted_by_name
            FROM actions a
            LEFT JOIN kiosks k ON k.id = a.kiosk_id
            LEFT JOIN account_request_status st ON st.action_id = a.id
            LEFT JOIN agents processor ON processor.id = st.processed_by
            LEFT JOIN agents helper ON helper.id = json_extract(a.payload, '$.assisted_by')
            WHERE a.type = 'account_request' AND {where}
              AND (:agency IS NULL OR coalesce(k.agency, :no_agency) = :agency)
            ORDER BY {order} {'LIMIT :limit' if limit else ''}""",
        {"agency": agency, "no_agency": NO_AGENCY, "limit": limit},
    )
    requests = []
    for row in rows:
        payload = json.loads(row.pop("payload"))
        row.update({key: payload.get(key) for key in
                    ("tenant_ref", "surname", "birth_date", "email", "mobile", "language", "assisted_by")})
        row["agency"] = row["agency"] or NO_AGENCY
        row["language_name"] = language_name(row["language"])
        requests.append(row)
    return requests


def count_requests(db: Database, agency: str | None) -> dict[str, int]:
    new, processed = db.execute(
        """SELECT count(*) FILTER (WHERE st.action_id IS NULL), count(*) FILTER (WHERE st.action_id IS NOT NULL)
           FROM actions a LEFT JOIN kiosks k ON k.id = a.kiosk_id
           LEFT JOIN account_request_status st ON st.action_id = a.id
           WHERE a.type = 'account_request' AND (:agency IS NULL OR coalesce(k.agency, :no_agency) = :agency)""",
        {"agency": agency, "no_agency": NO_AGENCY},
    ).fetchone()
    return {"new": new, "processed": processed}


def mark_processed(db: Database, action_id: str, agent_id: str, now: datetime) -> bool:
    """Marks one request processed (the first mark is kept); False when there is no such request."""
    with write_transaction(db):
        known = db.execute("SELECT 1 FROM actions WHERE id = ? AND type = 'account_request'", [action_id]).fetchone()
        if known is None:
            return False
        db.execute(
            """INSERT INTO account_request_status (action_id, processed_at, processed_by) VALUES (?, ?, ?)
               ON CONFLICT (action_id) DO NOTHING""",
            [action_id, rfc3339(now), agent_id],
        )
    return True


def mark_new(db: Database, action_id: str) -> bool:
    """Undoes a mark made by mistake: the request is new again; False when it was not marked processed."""
    with write_transaction(db):
        return db.execute("DELETE FROM account_request_status WHERE action_id = ?", [action_id]).rowcount > 0


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    ("Reçue le", lambda r: paris_time(r["received_at"])),
    ("Agence", lambda r: r["agency"]),
    ("Borne", lambda r: r["kiosk_id"]),
    ("Référence locataire", lambda r: r["tenant_ref"]),
    ("Nom", lambda r: r["surname"]),
    ("Date de naissance", lambda r: _french_date(r["birth_date"])),
    ("E-mail", lambda r: r["email"]),
    ("Mobile", lambda r: r["mobile"]),
    ("Langue", lambda r: r["language_name"]),
    ("Aidé par", lambda r: r["assisted_by"]),
    ("Statut", lambda r: "traitée" if r["processed_at"] else "nouvelle"),
    ("Traitée le", lambda r: paris_time(r["processed_at"]) if r["processed_at"] else ""),
    ("Traitée par", lambda r: r["processed_by"]),
    ("Identifiant", lambda r: r["id"]),
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _french_date(value: str | None) -> str:
    return f"{value[8:10]}/{value[5:7]}/{value[0:4]}" if value else ""


def spreadsheet_safe(value: object) -> str:
    """The cell as text; one that a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: list[str], rows: list[list]) -> str:
    """CSV for French Excel: BOM, ';' separator, CRLF, every cell formula-safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def requests_csv(rows: list[dict]) -> str:
    return csv_text([name for name, _ in CSV_COLUMNS], [[cell(row) for _, cell in CSV_COLUMNS] for row in rows])


# --- routes ------------------------------------------------------------------------------------


@router.get("/requests")
def requests_page(request: Request, agent: Agent, status: Annotated[str, Query(max_length=12)] = "new",
                  agency: Annotated[str | None, Query(max_length=120)] = None) -> Response:
    status = status if status in ("new", "processed") else "new"
    chosen = chosen_agency(agent, agency)
    with console_db(request) as db:
        rows = account_requests(db, status, chosen, limit=SHOWN_AT_MOST)
        counts = count_requests(db, chosen)
        agencies = known_agencies(db)
    return render(request, "requests.html", agent, active="requests", rows=rows, status=status, counts=counts,
                  agencies=agencies, agency=chosen or "", shown_at_most=SHOWN_AT_MOST)


@router.get("/requests.csv")
def requests_csv_export(request: Request, agent: Agent, status: Annotated[str, Query(max_length=12)] = "all",
                        agency: Annotated[str | None, Query(max_length=120)] = None) -> Response:
    status = status if status in STATUSES else "all"
    with console_db(request) as db:
        rows = account_requests(db, status, chosen_agency(agent, agency))
    stamp = paris_time(utc_now(), "%Y%m%d-%H%M")
    return csv_response(requests_csv(rows), f"demandes-de-compte-{status}-{stamp}.csv")


@router.post("/requests/{action_id}/processed")
def mark_request_processed(request: Request, action_id: str, agent: Agent, form: CheckedForm) -> Response:
    with console_db(request) as db:
        known = mark_processed(db, action_id, agent["id"], utc_now())
    if known:
        flash(request, agent, "Demande marquée comme traitée.")
    else:
        flash(request, agent, "Cette demande est introuvable. Rechargez la page.", "error")
    return see_other(_back_to("new", form))


@router.post("/requests/{action_id}/new")
def mark_request_new(request: Request, action_id: str, agent: Agent, form: CheckedForm) -> Response:
    with console_db(request) as db:
        was_processed = mark_new(db, action_id)
    if was_processed:
        flash(request, agent, "La demande est de nouveau dans « Nouvelles ».")
    else:
        flash(request, agent, "Cette demande n'est pas marquée comme traitée. Rechargez la page.", "error")
    return see_other(_back_to("processed", form))


def _back_to(status: str, form) -> str:
    """The tab the agent was on, with the agency filter they had chosen."""
    query = {"status": status}
    if isinstance(form.get("agency"), str):
        query["agency"] = form.get("agency")
    return "/console/requests?" + urlencode(query)
