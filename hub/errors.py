"""Domain errors: a machine code, one clear English sentence, and the HTTP status they map to."""

from __future__ import annotations


class HubError(Exception):
    """Something the caller asked for that the hub refuses; the CLI prints it, the API answers it."""

    status = 422

    def __init__(self, code: str, detail: str, *, status: int | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status


class Rejected(HubError):
    """An action that can never be accepted as sent (the kiosk marks it rejected)."""

    status = 422


class NotFound(HubError):
    status = 404


class Unauthorized(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


class BadRequest(HubError):
    status = 400
