"""What every console page uses: the database, the logged-in agent, checked forms, rendering.

A page module looks like this (see hub/console/calls.py):

    router = APIRouter(prefix="/console")

    @router.get("/requests")
    def requests_page(request: Request, agent: Agent):
        with console_db(request) as db:
            rows = ...
        return render(request, "requests.html", agent, active="requests", rows=rows)

    @router.post("/requests/{action_id}/done")
    def mark_done(request: Request, action_id: str, agent: Agent, form: CheckedForm):  # 403 unless the CSRF token is right
        ...
        flash(request, agent, "Demande marquée comme traitée.")
        return see_other("/console/requests")

Templates extend "base.html", fill `{% block content %}`, and put `{{ csrf_input() }}` in every
POST form. No inline <script> or style="" (the Content-Security-Policy refuses them): JavaScript
goes in hub/console/static/, styles in console.css.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, pass_context
from markupsafe import Markup
from sqlite_utils import Database
from starlette.datastructures import FormData

from hub.db import REQUEST_BUSY_TIMEOUT_SECONDS, session_db, write_transaction
from hub.kiosks import hash_token
from hub.timeutil import PARIS, rfc3339, utc_now

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
SESSION_COOKIE = "console_session"
CSRF_HEADER = "x-csrf-token"
# A session's last_seen_at is written at most this often (pages poll every second).
LAST_SEEN_RESOLUTION = timedelta(seconds=30)


@dataclass
class ConsoleSettings:
    """The console's knobs (`serve --console-*` options) and its in-memory state."""

    db_path: Path
    busy_timeout: float = REQUEST_BUSY_TIMEOUT_SECONDS
    session_lifetime: timedelta = timedelta(hours=8)      # absolute, from login
    idle_timeout: timedelta = timedelta(minutes=30)       # since the last request
    call_alert_after: timedelta = timedelta(minutes=3)    # a waiting call this old is highlighted
    flashes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # session hash -> messages


# --- errors the console turns into pages ----------------------------------------------------------


class LoginRequired(Exception):
    """No valid session: GET goes to the login page, POST gets a 403 page, the JSON API a 401."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


class ConsoleForbidden(Exception):
    """A 403 page with a message for the agent (a stale or forged form, a foreign Origin)."""

    def __init__(self, message: str = "Formulaire expiré, rechargez la page."):
        super().__init__(message)
        self.message = message


# --- database and agent ---------------------------------------------------------------------------


def settings(request: Request) -> ConsoleSettings:
    return request.app.state.console


@contextmanager
def console_db(request: Request) -> Iterator[Database]:
    """A connection for this request (closed afterwards); use write_transaction() to write."""
    config = settings(request)
    with session_db(config.db_path, config.busy_timeout) as db:
        yield db


def _login_required(request: Request) -> LoginRequired:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return LoginRequired(path)


def current_agent(request: Request) -> dict:
    """The logged-in agent's row, plus `csrf_token` and `session` (the session's hash).

    Raises LoginRequired when the cookie is missing, unknown, expired (8 h after login or 30 min
    without a request, by default) or the agent was disabled; an expired session is deleted.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _login_required(request)
    config = settings(request)
    now = utc_now()
    token_hash = hash_token(token)
    with console_db(request) as db:
        row = db.execute(
            """SELECT s.csrf_token, s.last_seen_at, s.expires_at, a.id, a.first_name, a.agency, a.disabled_at
               FROM console_sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ?""",
            [token_hash],
        ).fetchone()
        if row is None:
            raise _login_required(request)
        csrf_token, last_seen_at, expires_at, agent_id, first_name, agency, disabled_at = row
        last_seen = datetime.fromisoformat(last_seen_at)
        if disabled_at or now >= datetime.fromisoformat(expires_at) or now - last_seen >= config.idle_timeout:
            with write_transaction(db):
                db.execute("DELETE FROM console_sessions WHERE token_hash = ?", [token_hash])
            raise _login_required(request)
        if now - last_seen >= LAST_SEEN_RESOLUTION:
            with write_transaction(db):
                db.execute("UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ?", [rfc3339(now), token_hash])
    return {"id": agent_id, "first_name": first_name, "agency": agency, "csrf_token": csrf_token, "session": token_hash}


Agent = Annotated[dict, Depends(current_agent)]


# --- forms ----------------------------------------------------------------------------------------


def check_origin(request: Request) -> None:
    """A POST whose Origin (or, without one, Referer) names another site is refused."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return  # old browsers and command-line clients send neither; the CSRF token still applies
    host = request.headers.get("host", "")
    if source == "null" or urlsplit(source).netloc != host:
        raise ConsoleForbidden("Cette demande ne vient pas de la console ; rechargez la page.")


def check_csrf(request: Request, agent: dict, sent: str | None) -> None:
    check_origin(request)
    if not sent or not hmac.compare_digest(sent.encode("utf-8"), agent["csrf_token"].encode("utf-8")):
        raise ConsoleForbidden()


async def checked_form(request: Request, agent: dict) -> FormData:
    """The POSTed form, once its CSRF token (field `csrf_token` or header X-CSRF-Token) is right."""
    form = await request.form()
    sent = form.get("csrf_token") or request.headers.get(CSRF_HEADER)
    check_csrf(request, agent, sent if isinstance(sent, str) else None)
    return form


async def _checked_form(request: Request, agent: Agent) -> FormData:
    return await checked_form(request, agent)


# The form as a dependency: the route can then be a plain `def`, which FastAPI runs in a worker
# thread, so that its database work (which may wait for a lock) never holds up the event loop.
CheckedForm = Annotated[FormData, Depends(_checked_form)]


def whole_number(text: str) -> int | None:
    """A number typed in plain digits (0-9, at most 9 of them); None for anything else ('²', '-3', '8.5')."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


LANGUAGE_NAMES = {"fr": "Français", "en": "Anglais", "es": "Espagnol", "pt": "Portugais"}


def language_name(code: str | None) -> str:
    """'Espagnol' for 'es'; an unknown code as it is."""
    return LANGUAGE_NAMES.get(code, code or "—")


# --- messages and answers -------------------------------------------------------------------------


def flash(request: Request, agent: dict, message: str, kind: str = "ok") -> None:
    """A message shown once on the agent's next page; `kind` is "ok" or "error"."""
    settings(request).flashes.setdefault(agent["session"], []).append((kind, message))


def see_other(url: str) -> RedirectResponse:
    """The answer to a successful POST: back to a page with GET (303)."""
    return RedirectResponse(url, status_code=303)


def login_url(next_path: str) -> str:
    return "/console/login?next=" + quote(next_path, safe="/")


# --- templates ------------------------------------------------------------------------------------


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def ago(value: datetime | str | None, now: datetime | None = None) -> str:
    """'il y a 3 min' for a moment in the past (RFC 3339 text or datetime); '—' when unknown."""
    moment = _as_datetime(value)
    if moment is None:
        return "—"
    return "il y a " + duration((now or utc_now()) - moment)


def duration(delta: timedelta | float | int | None) -> str:
    """'45 s', '3 min', '2 h 05', '3 j' (seconds when given a number)."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    return f"{seconds // 86400} j"


def paris_time(value: datetime | str | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A moment as agents read it, in Paris time: '22/11/2026 14:05'."""
    moment = _as_datetime(value)
    return "—" if moment is None else moment.astimezone(PARIS).strftime(pattern)


@pass_context
def _csrf_input(context) -> Markup:
    token = context.get("csrf_token") or ""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


ENV = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, trim_blocks=True, lstrip_blocks=True)
ENV.globals["csrf_input"] = _csrf_input
ENV.filters["ago"] = ago
ENV.filters["duration"] = duration
ENV.filters["paris_time"] = paris_time

NAV = (
    ("calls", "/console", "Appels"),
    ("requests", "/console/requests", "Demandes de compte"),
    ("workshops", "/console/workshops", "Ateliers"),
    ("stats", "/console/stats", "Statistiques"),
    ("kiosks", "/console/kiosks", "Bornes"),
)


def render_text(request: Request, template: str, agent: dict | None = None, **context: Any) -> str:
    """The template rendered to text (e.g. a fragment for the JSON API); flashes stay for the next page."""
    values = {
        "request": request,
        "agent": agent,
        "csrf_token": (agent or {}).get("csrf_token", ""),
        "active": None,
        "now": utc_now(),
        "nav": NAV,
        "flashes": [],
    }
    values.update(context)
    return ENV.get_template(template).render(values)


def render(request: Request, template: str, agent: dict | None = None, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A console page: `template` with agent, csrf_token, active (nav item), now, flashes, and `context`."""
    flashes = settings(request).flashes.pop(agent["session"], []) if agent else []
    return HTMLResponse(render_text(request, template, agent, flashes=flashes, **context), status_code=status_code)


def error_page(request: Request, message: str, status_code: int, agent: dict | None = None) -> HTMLResponse:
    return render(request, "error.html", agent, status_code=status_code, message=message)
