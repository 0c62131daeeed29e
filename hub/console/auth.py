"""Login and logout of the console.

The login form has its own CSRF protection before any session exists: a random value in a
short-lived cookie and the same value in the form (double submit), plus the Origin check.
After 5 failures for one agent name or one address, each new try must wait (2 s, then doubling,
at most 5 min): an online guess costs too much, and an agent is never locked out for good.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hub.agents import check_login, close_session, open_session
from hub.console.web import (
    SESSION_COOKIE,
    Agent,
    CheckedForm,
    check_origin,
    console_db,
    render,
    see_other,
    settings,
)
from hub.timeutil import utc_now

router = APIRouter(prefix="/console")

LOGIN_CSRF_COOKIE = "console_login"
FREE_FAILURES = 5
MAX_WAIT_SECONDS = 300.0
REFUSED = "Nom ou mot de passe incorrect."


@dataclass
class Throttle:
    """Failures per key (agent name, client address) and when the next try is allowed."""

    failures: dict[str, int] = field(default_factory=dict)
    allowed_at: dict[str, float] = field(default_factory=dict)

    def wait_seconds(self, keys: list[str], now: float) -> float:
        return max([self.allowed_at.get(key, 0.0) - now for key in keys] + [0.0])

    def failed(self, keys: list[str], now: float) -> None:
        if len(self.failures) > 10_000:  # many names tried: forget those whose wait is over
            for key in [k for k in self.failures if self.allowed_at.get(k, 0.0) <= now]:
                self.failures.pop(key)
                self.allowed_at.pop(key, None)
        for key in keys:
            count = self.failures.get(key, 0) + 1
            self.failures[key] = count
            if count >= FREE_FAILURES:
                self.allowed_at[key] = now + min(MAX_WAIT_SECONDS, 2.0 * 2 ** (count - FREE_FAILURES))

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self.failures.pop(key, None)
            self.allowed_at.pop(key, None)


def _throttle(request: Request) -> Throttle:
    state = request.app.state
    if not hasattr(state, "console_throttle"):
        state.console_throttle = Throttle()
    return state.console_throttle


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, next_path: str, error: str | None = None, agent_id: str = "", status_code: int = 200) -> Response:
    login_token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status_code=status_code, login_token=login_token,
                      next_path=next_path, error=error, agent_id=agent_id)
    response.set_cookie(LOGIN_CSRF_COOKIE, login_token, max_age=3600, path="/console", httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, _safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    next_path = _safe_next(str(form.get("next") or ""))
    agent_id = str(form.get("agent") or "").strip()
    password = str(form.get("password") or "")
    check_origin(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get("login_token") or "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return _login_page(request, next_path, "Formulaire expiré, rechargez la page et recommencez.", agent_id, 403)

    throttle = _throttle(request)
    keys = [f"agent:{agent_id.lower()}", f"ip:{request.client.host if request.client else '?'}"]
    wait = throttle.wait_seconds(keys, time.monotonic())
    if wait > 0:
        message = f"Trop d'essais manqués : attendez {int(wait) + 1} secondes avant de réessayer."
        return _login_page(request, next_path, message, agent_id, 429)

    def check() -> dict | None:
        with console_db(request) as db:
            return check_login(db, agent_id, password)

    agent = await run_in_threadpool(check)
    if agent is None:
        throttle.failed(keys, time.monotonic())
        return _login_page(request, next_path, REFUSED, agent_id, 401)
    throttle.succeeded(keys)

    config = settings(request)

    def start() -> str:
        with console_db(request) as db:
            return open_session(db, agent["id"], utc_now(), config.session_lifetime)

    token = await run_in_threadpool(start)
    response = see_other(next_path)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(config.session_lifetime.total_seconds()), path="/console",
                        httponly=True, samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/logout")
def logout(request: Request, agent: Agent, _: CheckedForm) -> Response:
    with console_db(request) as db:
        close_session(db, agent["session"])
    settings(request).flashes.pop(agent["session"], None)
    response = see_other("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response
