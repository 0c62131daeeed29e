"""Console: workshop sessions — the list, create and edit forms, cancel, bookings and attendance.

The verbs are hub.catalog's (`add_session`, `update_session`, `cancel_session`, the same as the
`session` commands); this module reads the agent's form, says in kind French what is wrong, and
shows the bookings. The kiosks' catalogue follows by itself: its ETag is a hash of its content.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated

from babel.dates import format_datetime
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlite_utils import Database

from hub.catalog import add_session, cancel_session, list_sessions, update_session
from hub.console.web import LANGUAGE_NAMES, Agent, CheckedForm, console_db, flash, language_name, render, see_other, whole_number
from hub.db import write_transaction
from hub.errors import HubError
from hub.rules import LANGUAGES, TOPIC_KINDS, RuleError, check_text
from hub.timeutil import PARIS, utc_key, utc_now

router = APIRouter(prefix="/console")
log = logging.getLogger("hub.console")

TOPIC_NAMES = {
    "email": "Adresse e-mail",
    "internet": "Internet",
    "office": "Bureautique",
    "portal": "Espace locataire",
    "housing_request": "Demande de logement",
    "exchange": "Échange de logement",
}
KIND_NAMES = {"general": "Ateliers généraux", "specific": "Ateliers spécifiques"}
FORMAT_NAMES = {"individual": "Individuel", "group": "En groupe"}
MAX_CAPACITY = 200
MAX_MINUTES = 8 * 60
MAX_AHEAD = timedelta(days=2 * 365)  # a date further off is a typo (2062 for 2026)
PAST_DAYS_SHOWN = 60

_TIME = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})?")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def paris_moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(PARIS)


def french_datetime(stamp: str, pattern: str = "EEEE d MMMM y, HH:mm") -> str:
    """'mardi 1 décembre 2026, 14:00' for an RFC 3339 stamp."""
    return format_datetime(paris_moment(stamp), pattern, locale="fr")


def known_agencies(db: Database) -> list[str]:
    """Every agency named by a session, a kiosk or an agent, for filters and the form's suggestions."""
    rows = db.execute(
        """SELECT agency FROM sessions UNION SELECT agency FROM kiosks UNION SELECT agency FROM agents"""
    ).fetchall()
    return sorted({row[0] for row in rows if row[0]}, key=str.casefold)


def chosen_agency(agent: dict, requested: str | None) -> str | None:
    """The agency filter: the one asked for ('' = all), else the agent's own agency."""
    if requested is None:
        return agent.get("agency") or None
    return requested.strip() or None


# --- the form ----------------------------------------------------------------------------------


@dataclass
class SessionForm:
    """What the agent typed (to show it again) and, per field, what is wrong with it."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict | None = None  # the arguments of hub.catalog's session_row once valid

    @classmethod
    def from_session(cls, row: dict) -> SessionForm:
        starts, ends = paris_moment(row["starts_at"]), paris_moment(row["ends_at"])
        return cls({
            "topic": row["topic"], "format": row["format"], "date": starts.date().isoformat(),
            "start": f"{starts:%H:%M}", "end": f"{ends:%H:%M}", "place": row["place"], "agency": row["agency"],
            "capacity": str(row["capacity"]), "language": row["language"],
        })

    @classmethod
    def blank(cls, agency: str | None) -> SessionForm:
        return cls({"topic": "", "format": "group", "date": "", "start": "14:00", "end": "16:00", "place": "",
                    "agency": agency or "", "capacity": "8", "language": "fr"})


def _parse_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _FRENCH_DATE.fullmatch(text)  # browsers without a date picker: 02/12/2026
    if match:
        try:
            return date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            return None
    return None


def _parse_time(text: str) -> time | None:
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def read_session_form(form, now: datetime) -> SessionForm:
    """Checks every field of the form and says, in French, what to change; `fields` when all is right."""
    names = ("topic", "format", "date", "start", "end", "place", "agency", "capacity", "language")
    values = {name: str(form.get(name) or "").strip() for name in names}
    result = SessionForm(values)
    errors = result.errors
    if values["topic"] not in TOPIC_KINDS:
        errors["topic"] = "Choisissez le thème de l'atelier."
    if values["format"] not in FORMAT_NAMES:
        errors["format"] = "Choisissez : individuel ou en groupe."
    if values["language"] not in LANGUAGES:
        errors["language"] = "Choisissez la langue de l'atelier."
    day = _parse_date(values["date"])
    if day is None:
        errors["date"] = "Indiquez la date de la séance, par exemple 02/12/2026."
    start, end = _parse_time(values["start"]), _parse_time(values["end"])
    if start is None:
        errors["start"] = "Indiquez l'heure de début, par exemple 14:00."
    if end is None:
        errors["end"] = "Indiquez l'heure de fin, par exemple 16:00."
    minutes = 0
    if start and end:
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes <= 0:
            errors["end"] = "L'heure de fin doit venir après l'heure de début."
        elif minutes > MAX_MINUTES:
            errors["end"] = "Une séance dure 8 heures au plus. Vérifiez les heures."
    starts_at = datetime.combine(day, start, tzinfo=PARIS) if day and start else None
    if starts_at and starts_at <= now:
        errors["date"] = "Cette date et cette heure sont déjà passées. Choisissez un moment à venir."
    elif starts_at and starts_at > now + MAX_AHEAD:
        errors["date"] = "Cette date est dans plus de deux ans. Vérifiez l'année."
    for name, example in (("place", "Agence Centre Ouest — salle 2"), ("agency", "Centre Ouest")):
        try:
            values[name] = check_text(values[name], 120)
        except RuleError as error:
            errors[name] = {
                "blank_field": f"Indiquez {'le lieu' if name == 'place' else 'l’agence'}, par exemple : {example}.",
                "too_long": "Ce texte est trop long : 120 caractères au plus.",
            }.get(error.code, "Ce texte contient un caractère invisible (retour à la ligne, tabulation) : retapez-le.")
    capacity = whole_number(values["capacity"])
    if capacity is None:
        errors["capacity"] = "Indiquez le nombre de places, en chiffres (par exemple 8)."
    elif capacity < 1:
        errors["capacity"] = "Il faut au moins 1 place."
    elif capacity > MAX_CAPACITY:
        errors["capacity"] = f"{MAX_CAPACITY} places au plus."
    elif values["format"] == "individual" and capacity != 1:
        errors["capacity"] = "Un atelier individuel a exactement 1 place. Pour plus de places, choisissez « En groupe »."
    if not errors:
        result.fields = {
            "topic": values["topic"], "starts_at": starts_at, "minutes": minutes, "place": values["place"],
            "agency": values["agency"], "capacity": capacity, "language": values["language"],
            "session_format": values["format"],
        }
    return result


def new_session_id(starts_at: datetime) -> str:
    """Readable and unique: 20261202-1400-3f9a1c."""
    return f"{starts_at:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


def save_session(db: Database, form: SessionForm, now: datetime, session_id: str | None = None) -> str | None:
    """Adds (no id) or updates the session; the new id, or None with `form.errors` filled."""
    assert form.fields is not None
    try:
        if session_id is None:
            session_id = new_session_id(form.fields["starts_at"])
            add_session(db, session_id=session_id, **form.fields)
        else:
            update_session(db, now, session_id=session_id, **form.fields)
    except HubError as error:
        if error.code == "capacity_below_bookings":
            confirmed = count_confirmed(db, session_id)
            form.errors["capacity"] = (
                f"{confirmed} personne(s) ont déjà une place confirmée : la capacité ne peut pas descendre "
                f"en dessous de {confirmed}. Gardez au moins {confirmed} places."
            )
        elif error.code == "session_cancelled":
            form.errors["form"] = "Cette séance a été annulée : elle ne peut plus être modifiée."
        else:  # session_row's own checks, which the form's checks catch first; or a rare clash of ids
            log.warning("session not saved (%s): %s", error.code, error.detail)
            form.errors["form"] = "La séance n'a pas pu être enregistrée. Vérifiez les champs, puis réessayez."
        return None
    return session_id


def count_confirmed(db: Database, session_id: str) -> int:
    return db.execute(
        "SELECT count(*) FROM bookings WHERE session_id = ? AND status = 'confirmed'", [session_id]
    ).fetchone()[0]


# --- what agents read --------------------------------------------------------------------------


def has_started(session: dict, now: datetime) -> bool:
    return session["starts_utc"] <= utc_key(now)


def sessions_for_agents(db: Database, now: datetime, agency: str | None, past: bool = False) -> list[dict]:
    """Upcoming sessions (soonest first) or those of the last weeks (latest first), cancelled ones included."""
    rows = [row for row in list_sessions(db, now, include_past=past) if agency is None or row["agency"] == agency]
    if past:
        oldest = utc_key(now - timedelta(days=PAST_DAYS_SHOWN))
        rows = [row for row in reversed(rows) if oldest <= row["starts_utc"] <= utc_key(now)]
    for row in rows:
        describe(row)
    return rows


def describe(session: dict) -> dict:
    """Adds what the templates show: French topic, format, language and date."""
    session["topic_name"] = TOPIC_NAMES.get(session["topic"], session["topic"])
    session["format_name"] = FORMAT_NAMES.get(session["format"], session["format"])
    session["language_name"] = language_name(session["language"])
    session["when"] = french_datetime(session["starts_at"]) + " – " + f"{paris_moment(session['ends_at']):%H:%M}"
    return session


def session_with_bookings(db: Database, session_id: str) -> dict | None:
    """The session, its confirmed bookings and its waiting list in line order, and the cancelled ones."""
    rows = list(db.query("SELECT * FROM sessions WHERE id = ?", [session_id]))
    if not rows:
        return None
    session = describe(rows[0])
    bookings = list(db.query(
        """SELECT b.*, a.first_name AS assisted_by_name FROM bookings b
           LEFT JOIN agents a ON a.id = b.assisted_by
           WHERE b.session_id = ? ORDER BY b.seq""",
        [session_id],
    ))
    session["confirmed"] = [b for b in bookings if b["status"] == "confirmed"]
    session["waitlist"] = [b for b in bookings if b["status"] == "waitlisted"]
    session["cancelled_bookings"] = [b for b in bookings if b["status"] == "cancelled"]
    return session


# Why an agent's click was refused, as the agent reads it.
REFUSALS = {
    "unknown_booking": "Cette réservation n'existe pas pour cette séance.",
    "cancelled": "Cette séance a été annulée : il n'y a pas de présence à noter.",
    "not_started": "La séance n'a pas encore commencé : la présence se note à partir de son début.",
    "not_confirmed": "Seules les places confirmées ont une présence à noter.",
    "no_choice": "Choisissez « Venu » ou « Pas venu ».",
    "cancel_started": "Cette séance a déjà commencé : elle ne peut plus être annulée.",
}


def mark_attendance(db: Database, session_id: str, booking_id: str, attended: bool | None, agent_id: str,
                    now: datetime) -> str | None:
    """Records came / did not come (None: not marked) on a confirmed booking; a REFUSALS code if refused."""
    with write_transaction(db):
        row = db.execute(
            """SELECT b.status, s.starts_utc, s.cancelled_at FROM bookings b JOIN sessions s ON s.id = b.session_id
               WHERE b.id = ? AND b.session_id = ?""",
            [booking_id, session_id],
        ).fetchone()
        if row is None:
            return "unknown_booking"
        status, starts_utc, cancelled_at = row
        if cancelled_at is not None:
            return "cancelled"
        if starts_utc > utc_key(now):
            return "not_started"
        if status != "confirmed":
            return "not_confirmed"
        db.execute(
            "UPDATE bookings SET attended = ?, attendance_marked_by = ? WHERE id = ?",
            [None if attended is None else int(attended), None if attended is None else agent_id, booking_id],
        )
    return None


# --- routes ------------------------------------------------------------------------------------

def _form_context(db: Database, form: SessionForm) -> dict:
    return {"form": form, "agencies": known_agencies(db), "topic_names": TOPIC_NAMES, "kind_names": KIND_NAMES,
            "topic_kinds": TOPIC_KINDS, "format_names": FORMAT_NAMES, "language_names": LANGUAGE_NAMES}


def _not_found(request: Request, agent: dict) -> Response:
    return render(request, "workshop.html", agent, active="workshops", session=None, status_code=404)


@router.get("/workshops")
def workshops_page(request: Request, agent: Agent, agency: Annotated[str | None, Query(max_length=120)] = None,
                   when: Annotated[str, Query(max_length=10)] = "upcoming") -> Response:
    chosen = chosen_agency(agent, agency)
    past = when == "past"
    with console_db(request) as db:
        sessions = sessions_for_agents(db, utc_now(), chosen, past=past)
        agencies = known_agencies(db)
    return render(request, "workshops.html", agent, active="workshops", sessions=sessions,
                  agencies=agencies, agency=chosen or "", past=past, past_days=PAST_DAYS_SHOWN)


@router.get("/workshops/new")
def new_workshop_form(request: Request, agent: Agent) -> Response:
    with console_db(request) as db:
        context = _form_context(db, SessionForm.blank(agent.get("agency")))
    return render(request, "workshop_form.html", agent, active="workshops", session=None, **context)


@router.post("/workshops/new")
def create_workshop(request: Request, agent: Agent, posted: CheckedForm) -> Response:
    form = read_session_form(posted, utc_now())
    with console_db(request) as db:
        session_id = save_session(db, form, utc_now()) if form.fields else None
        if session_id is None:
            return render(request, "workshop_form.html", agent, active="workshops", session=None,
                          status_code=422, **_form_context(db, form))
    flash(request, agent, "Séance enregistrée. Les bornes l'affichent à leur prochaine mise à jour.")
    return see_other(f"/console/workshops/{session_id}")


@router.get("/workshops/{session_id}")
def workshop_page(request: Request, session_id: str, agent: Agent, confirm: str = "") -> Response:
    now = utc_now()
    with console_db(request) as db:
        session = session_with_bookings(db, session_id)
    if session is None:
        return _not_found(request, agent)
    return render(request, "workshop.html", agent, active="workshops", session=session,
                  started=has_started(session, now), confirm_cancel=confirm == "cancel")


@router.get("/workshops/{session_id}/edit")
def edit_workshop_form(request: Request, session_id: str, agent: Agent) -> Response:
    with console_db(request) as db:
        session = session_with_bookings(db, session_id)
        if session is None:
            return _not_found(request, agent)
        context = _form_context(db, SessionForm.from_session(session))
    return render(request, "workshop_form.html", agent, active="workshops", session=session,
                  locked=_edit_refused(session, utc_now()), **context)


def _edit_refused(session: dict, now: datetime) -> str:
    if session["cancelled_at"]:
        return "Cette séance a été annulée : elle ne peut plus être modifiée."
    if has_started(session, now):
        return "Cette séance a déjà commencé : elle ne peut plus être modifiée."
    return ""


@router.post("/workshops/{session_id}/edit")
def edit_workshop(request: Request, session_id: str, agent: Agent, posted: CheckedForm) -> Response:
    now = utc_now()
    with console_db(request) as db:
        session = session_with_bookings(db, session_id)
        if session is None:
            return _not_found(request, agent)
        form = read_session_form(posted, now)
        refused = _edit_refused(session, now)
        if refused:
            form.errors["form"] = refused
        elif form.fields:
            if save_session(db, form, now, session_id):
                flash(request, agent, "Modifications enregistrées. Les bornes les affichent à leur prochaine mise à jour.")
                return see_other(f"/console/workshops/{session_id}")
        return render(request, "workshop_form.html", agent, active="workshops", session=session,
                      locked=refused, status_code=422, **_form_context(db, form))


@router.post("/workshops/{session_id}/cancel")
def cancel_workshop(request: Request, session_id: str, agent: Agent, _: CheckedForm) -> Response:
    now = utc_now()
    with console_db(request) as db:
        session = session_with_bookings(db, session_id)
        if session is None:
            return _not_found(request, agent)
        if not session["cancelled_at"] and has_started(session, now):
            flash(request, agent, REFUSALS["cancel_started"], "error")
            return see_other(f"/console/workshops/{session_id}")
        cancel_session(db, session_id, now)
    flash(request, agent, "Séance annulée. Appelez les personnes inscrites ci-dessous pour les prévenir.")
    return see_other(f"/console/workshops/{session_id}")


@router.post("/workshops/{session_id}/attendance")
def attendance(request: Request, session_id: str, agent: Agent, form: CheckedForm) -> Response:
    choice = {"came": True, "absent": False, "unmarked": None}
    mark = str(form.get("attended") or "")
    if mark not in choice:
        error = "no_choice"
    else:
        with console_db(request) as db:
            error = mark_attendance(db, session_id, str(form.get("booking_id") or ""), choice[mark], agent["id"], utc_now())
    if error:
        flash(request, agent, REFUSALS[error], "error")
    return see_other(f"/console/workshops/{session_id}#presences")
