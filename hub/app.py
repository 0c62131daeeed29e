"""The hub's HTTP API v1 (FastAPI): routes, authentication, error answers, OpenAPI description.

Bodies are read and validated here rather than by FastAPI's automatic parsing, so that the order
of checks is ours (token before body, Idempotency-Key before payload) and every error answer is
`{"error", "detail"}`. The request schemas in /openapi.json come from the same pydantic models.
"""

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Header, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import __version__
from hub.actions import apply_action, fingerprint
from hub.calls import call_status
from hub.catalog import CatalogCache, etag_matches, upcoming_sessions
from hub.console import mount_console
from hub.console.web import ConsoleSettings
from hub.db import REQUEST_BUSY_TIMEOUT_SECONDS, is_busy, session_db
from hub.errors import BadRequest, Forbidden, HubError, Rejected, Unauthorized
from hub.kiosks import authenticate, record_heartbeat
from hub.models import (
    ACTION_ADAPTER,
    ACTION_MODELS,
    ACTION_TYPES,
    ActionAccepted,
    ActionEnvelope,
    AssistanceStatus,
    Catalog,
    ErrorBody,
    Heartbeat,
    StatusOk,
    describe_error,
    describe_validation_error,
)
from hub.timeutil import utc_now

log = logging.getLogger("hub")

MAX_BODY_BYTES = 64 * 1024
BUSY_RETRY_AFTER_SECONDS = 2

DESCRIPTION = f"""
The API between lobby kiosks and their hub. JSON over HTTP(S).

* **Authentication**: every `/api/v1/*` call carries `Authorization: Bearer <kiosk token>`
  (issued by `python -m hub kiosk add`). Missing, unknown or revoked token: 401. A token whose
  kiosk differs from the `kiosk_id` sent: 403.
* **Errors**: every error answer is `{{"error": "<machine code>", "detail": "<English sentence>"}}`.
  Malformed JSON: 400. Wrong or missing fields: 422, naming the field path (e.g. `payload.mobile`).
  Bodies over {MAX_BODY_BYTES // 1024} KiB: 413.
* **Forward compatibility**: unknown fields in envelopes, payloads and heartbeats are ignored, so a
  newer kiosk may send optional fields this hub does not know.
* **Idempotency**: `POST /api/v1/actions` needs an `Idempotency-Key` header equal to the body's
  `id`. The first time an id is seen the action is applied (201). A repeat with the same type,
  kiosk_id and payload (equal as JSON values; `created_at` is not compared) gets 200 and the first
  result, however late it comes. The same id with a different type, kiosk_id or payload: 422
  `idempotency_conflict`. Actions refused with a 4xx are not recorded.
* **Catalogue**: `GET /api/v1/catalog` has a strong `ETag`; send it back in `If-None-Match` to
  get 304 while nothing changed.
* **Busy**: when the hub cannot get its database within its busy timeout (5 s by default, below a
  kiosk's read timeout) it answers 503 `database_busy` with `Retry-After: {BUSY_RETRY_AFTER_SECONDS}`; nothing was
  applied, so the same request may be sent again.
"""

_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, or a missing, invalid or mismatched Idempotency-Key header.",
    401: "Missing, unknown or revoked kiosk token.",
    403: "The token belongs to another kiosk than the kiosk_id sent.",
    404: "Unknown, or belonging to another kiosk.",
    413: f"Request body larger than {MAX_BODY_BYTES // 1024} KiB.",
    422: "A field is missing or invalid, the type is unknown, or the action breaks a rule (e.g. unknown_session).",
    503: "The hub cannot reach its database.",
}

_BUSY = {
    "model": ErrorBody,
    "description": "database_busy: the hub's database stayed locked longer than its busy timeout; nothing was "
    "applied. Transient for the whole hub: retry after Retry-After seconds.",
    "headers": {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "example": BUSY_RETRY_AFTER_SECONDS}}
    },
}


def _errors(*statuses: int, busy: bool = False) -> dict[int | str, dict[str, Any]]:
    """The documented error answers; `busy` adds the 503 of a locked database."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses
    }
    if busy:
        responses[503] = _BUSY
    return responses


def _json_body(schema_name: str) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
        }
    }


def error_response(status: int, code: str, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


class BodyTooLarge(StarletteHTTPException):
    def __init__(self) -> None:
        super().__init__(413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB; actions are small JSON objects.")


class BodyLimit:
    """Refuses bodies over the limit while they arrive, without buffering them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            # Refused on the header alone; the server discards the rest of the upload unread.
            await _send_413(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)


async def _send_413(scope: Scope, receive: Receive, send: Send) -> None:
    error = BodyTooLarge()
    await error_response(413, "body_too_large", error.detail)(scope, receive, send)


def _parse_json_object(body: bytes) -> dict:
    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not allowed in JSON")

    if not body.strip():
        raise BadRequest("malformed_json", "The request body is empty; expected one JSON object.")
    try:
        value = json.loads(body, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise BadRequest(
            "malformed_json",
            f"The request body is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); expected one JSON object.",
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        detail = f"The request body is not valid JSON ({error}); expected one JSON object in UTF-8."
        raise BadRequest("malformed_json", detail) from None
    if not isinstance(value, dict):
        raise Rejected("invalid_body", f"The request body must be a JSON object, not a JSON {type(value).__name__}.")
    return value


def _validate(model: type[BaseModel], raw: dict) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        code, detail = describe_validation_error(exc)
        raise Rejected(code, detail) from None


def _check_kiosk(raw: dict, kiosk: dict) -> None:
    sent = raw.get("kiosk_id")
    if isinstance(sent, str) and sent != kiosk["id"]:
        raise Forbidden(
            "kiosk_mismatch",
            f"This token belongs to kiosk {kiosk['id']!r} but the body says kiosk_id {sent!r}; a kiosk may only send its own actions.",
        )


def create_app(db_path: Path | str, busy_timeout: float = REQUEST_BUSY_TIMEOUT_SECONDS, console: dict | None = None) -> FastAPI:
    """The API on `db_path`; each request waits at most `busy_timeout` seconds for the database.

    `console`: ConsoleSettings fields for the agents' console (e.g. session_lifetime, idle_timeout).
    """
    db_path = Path(db_path)

    def session_db_for_request(deadline: float | None = None):
        """A connection whose lock wait ends at `deadline` (time.monotonic()), if given.

        A write's budget counts from when its body was received, not from when a worker thread
        picked it up: queueing for a thread must not push a commit past the kiosk's read timeout.
        Past the deadline the write still goes ahead if the lock is free, and is 503 if not.
        """
        wait = busy_timeout if deadline is None else max(0.0, deadline - time.monotonic())
        return session_db(db_path, wait)

    catalog_cache = CatalogCache()
    app = FastAPI(
        title="Lobby kiosk hub",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # the interactive pages load assets from a CDN, which agency networks block
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    bearer = HTTPBearer(auto_error=False, description="The kiosk's token, printed once by `python -m hub kiosk add`.")

    # --- errors: one shape for all of them ------------------------------------------------------

    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if request.url.path == "/api/v1/actions":
            log.info("refused action (%d %s)", exc.status, exc.code)
        return error_response(exc.status, exc.code, exc.detail, headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(404, "not_found", f"There is nothing at {request.url.path}; see /openapi.json for this hub's API.")
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; see /openapi.json."
            return error_response(405, "method_not_allowed", detail, exc.headers)
        if exc.status_code == 413:
            return error_response(413, "body_too_large", str(exc.detail))
        return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        described = [describe_error(error) for error in exc.errors()]
        return error_response(422, described[0][0], " ".join(sentence for _, sentence in described[:3]))

    @app.exception_handler(sqlite3.OperationalError)
    async def database_error(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        if not is_busy(exc):
            return await unexpected(request, exc)
        # Answer now rather than late: a kiosk that timed out would not know the action was applied.
        log.warning("database busy on %s %s (%s): answered 503", request.method, request.url.path, exc)
        return error_response(
            503, "database_busy",
            f"The hub's database is busy; nothing was applied, so send the same request again in {BUSY_RETRY_AFTER_SECONDS} seconds.",
            {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500, "internal_error", "The hub failed unexpectedly; the action was not applied, so it is safe to send it again later."
        )

    # --- authentication -------------------------------------------------------------------------

    def current_kiosk(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict:
        if credentials is None:
            raise Unauthorized(
                "missing_token",
                "The Authorization header is missing or not 'Bearer <kiosk token>'; every /api/v1 call needs the kiosk's token.",
            )
        with session_db_for_request() as db:
            kiosk = authenticate(db, credentials.credentials)
        if kiosk is None:
            raise Unauthorized(
                "invalid_token", "The kiosk token is unknown or has been revoked; ask IT for a new one (python -m hub kiosk add)."
            )
        return kiosk

    Kiosk = Annotated[dict, Depends(current_kiosk)]

    # --- routes ---------------------------------------------------------------------------------

    @app.get("/healthz", response_model=StatusOk, responses=_errors(503), tags=["monitoring"])
    def healthz() -> Response:
        """Readiness and monitoring; no token needed."""
        try:
            with session_db_for_request() as db:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except Exception as error:
            log.error("health check: database unavailable: %s", error)
            return error_response(503, "database_unavailable", "The hub cannot read its database; see the hub's log.")
        return JSONResponse({"status": "ok"})

    @app.post(
        "/api/v1/actions",
        status_code=201,
        response_model=ActionAccepted,
        responses={
            200: {"model": ActionAccepted, "description": "A repeat of an accepted action: the first result, unchanged."},
            201: {"description": "Accepted and applied now."},
            **_errors(400, 401, 403, 413, 422, busy=True),
        },
        openapi_extra=_json_body("Action"),
        tags=["kiosk"],
    )
    async def post_action(
        request: Request,
        kiosk: Kiosk,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", description="The action's id (the body's `id`).")
        ] = None,
    ) -> Response:
        """Delivers one tenant action from a kiosk's outbox; applied exactly once per id."""
        if not idempotency_key:
            raise BadRequest(
                "missing_idempotency_key",
                "The Idempotency-Key header is missing; it must carry the action's id, the same UUID as the body's 'id'.",
            )
        try:
            key = UUID(idempotency_key)
        except ValueError:
            raise BadRequest(
                "invalid_idempotency_key",
                "The Idempotency-Key header must be the action's id, a UUID like 123e4567-e89b-42d3-a456-426614174000.",
            ) from None
        raw = _parse_json_object(await request.body())
        deadline = time.monotonic() + busy_timeout
        body_id = raw.get("id")
        try:
            same_id = not isinstance(body_id, str) or UUID(body_id) == key
        except ValueError:
            same_id = True  # not a UUID at all: the field check below names it
        if not same_id:
            raise BadRequest(
                "idempotency_key_mismatch",
                f"The Idempotency-Key header ({key}) differs from the body's 'id' ({body_id}); both must carry the action's id.",
            )
        _check_kiosk(raw, kiosk)
        envelope = _validate(ActionEnvelope, raw)
        if envelope.type not in ACTION_MODELS:
            raise Rejected(
                "unknown_type",
                f"Field 'type' is {envelope.type!r}, which this hub does not know; expected one of {', '.join(ACTION_TYPES)}.",
            )
        action = _validate(ACTION_MODELS[envelope.type], raw)
        action_fingerprint = fingerprint(action.type, action.kiosk_id, raw["payload"])

        def apply() -> tuple[bool, dict]:
            with session_db_for_request(deadline) as db:
                return apply_action(db, action, action_fingerprint, utc_now())

        created, result = await run_in_threadpool(apply)
        log.info("%s %s action %s from kiosk %s", "accepted" if created else "repeated", action.type, action.id, action.kiosk_id)
        body = {"id": str(action.id), "status": "accepted", "result": result}
        return JSONResponse(body, status_code=201 if created else 200)

    @app.get(
        "/api/v1/catalog",
        response_model=Catalog,
        responses={304: {"description": "Not Modified: the If-None-Match tag is current (no body)."}, **_errors(401, 422, busy=True)},
        tags=["kiosk"],
    )
    def get_catalog(
        request: Request,
        kiosk: Kiosk,
        agency: Annotated[str | None, Query(max_length=120, description="Only this agency's sessions.")] = None,
    ) -> Response:
        """Upcoming workshop sessions with seats left (not started, not cancelled)."""
        now = utc_now()
        agency = agency or None
        with session_db_for_request() as db:
            sessions = upcoming_sessions(db, now, agency)
        body, etag = catalog_cache.render(sessions, agency, now)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    @app.get(
        "/api/v1/assistance/{id}",
        response_model=AssistanceStatus,
        response_model_exclude_none=True,
        responses=_errors(401, 404, busy=True),
        tags=["kiosk"],
    )
    def get_assistance(
        call_id: Annotated[str, PathParam(alias="id", description="The assistance_call action's id.")], kiosk: Kiosk
    ) -> Response:
        """Where an assistance call stands."""
        with session_db_for_request() as db:
            return JSONResponse(call_status(db, call_id, kiosk["id"]))

    @app.post(
        "/api/v1/heartbeat",
        response_model=StatusOk,
        responses=_errors(400, 401, 403, 413, 422, busy=True),
        openapi_extra=_json_body("Heartbeat"),
        tags=["kiosk"],
    )
    async def post_heartbeat(request: Request, kiosk: Kiosk) -> Response:
        """A kiosk's health report, kept for the fleet view (`python -m hub kiosk list`)."""
        raw = _parse_json_object(await request.body())
        deadline = time.monotonic() + busy_timeout
        _check_kiosk(raw, kiosk)
        heartbeat = _validate(Heartbeat, raw)

        def store() -> None:
            with session_db_for_request(deadline) as db:
                record_heartbeat(db, heartbeat, utc_now())

        await run_in_threadpool(store)
        return JSONResponse({"status": "ok"})

    mount_console(app, ConsoleSettings(db_path, busy_timeout, **(console or {})))  # the agents' web console, /console
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's description plus the request schemas of the bodies read by hand."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, adapter in (("Action", ACTION_ADAPTER), ("Heartbeat", TypeAdapter(Heartbeat))):
        generated = adapter.json_schema(ref_template="#/components/schemas/{model}")
        components.update(generated.pop("$defs", {}))
        components[name] = generated
    # FastAPI adds its own 422 to routes with parameters; ours declare theirs, so those are fiction.
    for operations in schema["paths"].values():
        for operation in operations.values():
            default_422 = operation["responses"].get("422", {}).get("content", {}).get("application/json", {})
            if default_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del operation["responses"]["422"]
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for parameter in schema["paths"]["/api/v1/actions"]["post"].get("parameters", []):
        if parameter["name"] == "Idempotency-Key":
            parameter["required"] = True  # optional in code only so that its absence is a 400, not a 422
            parameter["schema"] = {"type": "string", "format": "uuid"}
    app.openapi_schema = schema
    return schema
