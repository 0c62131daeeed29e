"""The agents' web console at /console: server-rendered French pages over the hub's database.

`mount_console(app, settings)` adds every page module's router, the static files, the console's
error pages and its security headers. Shared helpers for pages live in hub/console/web.py.
"""

from __future__ import annotations

import importlib
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.console.web import STATIC_DIR, ConsoleForbidden, ConsoleSettings, LoginRequired, error_page, login_url, see_other
from hub.db import is_busy

# Each module has `router = APIRouter(prefix="/console")`; a page not written yet is skipped.
PAGE_MODULES = ("auth", "calls", "kiosks", "requests", "workshops", "stats")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeaders:
    """Headers on every /console answer; pages and the JSON API are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/console" or path.startswith("/console/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith("/console/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_console(request: Request) -> bool:
    return request.url.path == "/console" or request.url.path.startswith("/console/")


def mount_console(app: FastAPI, settings: ConsoleSettings) -> None:
    app.state.console = settings
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(f"hub.console.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"hub.console.{name}":
                continue
            raise
        app.include_router(module.router, include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith("/console/api/"):
            return JSONResponse({"error": "login_required", "detail": "Session expirée : reconnectez-vous."}, status_code=401)
        if request.method in ("GET", "HEAD"):
            return see_other(login_url(exc.next_path))
        return error_page(request, "Votre session a expiré : reconnectez-vous, puis recommencez.", 403)

    @app.exception_handler(ConsoleForbidden)
    async def forbidden(request: Request, exc: ConsoleForbidden) -> Response:
        if request.url.path.startswith("/console/api/"):
            return JSONResponse({"error": "forbidden", "detail": exc.message}, status_code=403)
        return error_page(request, exc.message, 403)

    # The API's handler answers JSON; console pages get an HTML page instead.
    api_http_error = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_console(request) or request.url.path.startswith("/console/api/"):
            return await api_http_error(request, exc)
        messages = {404: "Cette page n'existe pas.", 405: "Cette action n'est pas possible ici."}
        message = messages.get(exc.status_code, "La console n'a pas pu répondre.")
        return error_page(request, message, exc.status_code)

    # A hand-edited address (a filter too long, say), a busy database or a bug: a French page too.
    api_invalid = app.exception_handlers[RequestValidationError]
    api_database_error = app.exception_handlers[sqlite3.OperationalError]
    api_unexpected = app.exception_handlers[Exception]

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if not _is_console(request) or request.url.path.startswith("/console/api/"):
            return await api_invalid(request, exc)
        return error_page(request, "L'adresse de cette page n'est pas valable. Revenez à la page précédente, puis recommencez.", 400)

    @app.exception_handler(sqlite3.OperationalError)
    async def database_error(request: Request, exc: sqlite3.OperationalError) -> Response:
        if not _is_console(request) or request.url.path.startswith("/console/api/"):
            return await api_database_error(request, exc)
        if not is_busy(exc):
            return await unexpected(request, exc)
        return error_page(request, "Le serveur est très occupé. Rien n'a été changé : réessayez dans quelques secondes.", 503)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        answer = await api_unexpected(request, exc)  # logs the error
        if not _is_console(request) or request.url.path.startswith("/console/api/"):
            return answer
        return error_page(request, "La console a rencontré un problème. Rechargez la page ; si cela recommence, prévenez l'informatique.", 500)
