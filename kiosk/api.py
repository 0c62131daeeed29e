"""The kiosk's client for the hub's API v1 (see DESIGN.md, "API v1" and "Outbox rules").

Every answer is turned into a plain result or one of three domain errors, so the sync worker
decides what to do from the error's class and never from HTTP details:

- `TransientError`: try again later (timeouts, connection errors, 5xx, 408, 425, 429, 409, and
  any answer that is not the hub's own: a captive portal's page, a proxy's 4xx without the hub's
  `{error, detail}`); carries the hub's `Retry-After` when it gave one, and whether the whole hub
  looks unreachable.
- `AuthError`: 401, 403, or no usable token: the token may be revoked or rotated. The sync worker
  checks with a heartbeat before pausing (a proxy may refuse one request), and never rejects.
- `PermanentError`: the hub will never accept this (400, 422 and other 4xx with the hub's
  `{error, detail}`), with its reason.

An action counts as delivered only on the hub's receipt: 200 or 201 with a JSON object whose `id`
is the action's. Anything else is sent again later, which is safe: the hub deduplicates by id.

A `HubClient` holds one `requests.Session`; like the outbox, it belongs to the thread that made
it (the sync worker). Nothing here retries: the outbox owns retries and their backoff.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import requests
from requests.adapters import HTTPAdapter

from kiosk import __version__

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# A Retry-After longer than this is garbage, ignored (the normal backoff applies); what is kept
# may still be shortened by the outbox (kiosk.outbox.MAX_RETRY_AFTER_SECONDS).
IGNORE_RETRY_AFTER_ABOVE_SECONDS = 24 * 3600.0
# Statuses the design calls transient although they are 4xx.
TRANSIENT_4XX = frozenset({408, 409, 425, 429})
AUTH_STATUSES = frozenset({401, 403})
# Answers that speak for the whole hub, not for one request: stop calling it for a while.
HUB_WIDE_STATUSES = frozenset({429, 502, 503, 504})
# The hub's receipt for an action: 201 accepted now, 200 a repeat of an accepted id.
RECEIPT_STATUSES = frozenset({200, 201})


class HubError(Exception):
    """Base of the errors a hub call can end with; `reason` is written for agents and logs."""

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class TransientError(HubError):
    """Worth trying again later. `hub_wide` is True when the hub itself looks unreachable or
    overloaded (connection refused, timeout, 429, 502-504), so the other actions should wait too."""

    def __init__(self, reason: str, retry_after: float | None = None, *,
                 status: int | None = None, hub_wide: bool = False):
        super().__init__(reason, status=status)
        self.retry_after = retry_after
        self.hub_wide = hub_wide


class AuthError(HubError):
    """The hub refused the kiosk's token (or there is no token to send): pause the queue, unless
    a heartbeat shows the token is fine. `answer` is what came back (None without a request)."""

    def __init__(self, reason: str, *, status: int | None = None, answer: str | None = None):
        super().__init__(reason, status=status)
        self.answer = answer


class PermanentError(HubError):
    """The hub will never accept this request; `error` and `detail` are the hub's own words."""

    def __init__(self, reason: str, *, status: int | None = None,
                 error: str | None = None, detail: Any = None):
        super().__init__(reason, status=status)
        self.error = error
        self.detail = detail

    def as_result(self) -> dict:
        """What the kiosk keeps with a rejected action for agents to read."""
        return {"status": self.status, "error": self.error, "detail": self.detail}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unusable.

    Negative, past, absurdly far and malformed values are ignored: the normal backoff applies.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one came without a zone
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
        if seconds < 0:
            return None
    if seconds != seconds or seconds < 0 or seconds > IGNORE_RETRY_AFTER_ABOVE_SECONDS:  # NaN too
        return None
    return seconds


def _hub_reason(response: requests.Response) -> tuple[str, str | None, Any]:
    """(reason, error, detail) from the hub's `{error, detail}` body, else from the status line."""
    status_line = f"HTTP {response.status_code} {response.reason or ''}".strip()
    try:
        body = response.json()
    except ValueError:
        return status_line, None, None
    if not isinstance(body, dict):
        return status_line, None, None
    error, detail = body.get("error"), body.get("detail")
    if error is None and detail is None:
        return status_line, None, None
    if isinstance(detail, (dict, list)):
        detail_text = json.dumps(detail, ensure_ascii=False)
    else:
        detail_text = "" if detail is None else str(detail)
    parts = [str(error) if error is not None else status_line]
    if detail_text:
        parts.append(detail_text)
    return ": ".join(parts), None if error is None else str(error), detail


class HubClient:
    """Talks to one hub with the kiosk's token. Create it in the thread that will use it."""

    def __init__(self, settings, *, kiosk_id: str | None = None,
                 clock: Callable[[], float] = time.time,
                 session: requests.Session | None = None):
        """`settings` is the config's `HubSettings` (url, token_file, timeouts)."""
        self._base = settings.url.rstrip("/")
        self._token_file = Path(settings.token_file)
        self._timeout = (settings.connect_timeout_seconds, settings.read_timeout_seconds)
        self._clock = clock
        self._session = session or requests.Session()
        # No hidden retries anywhere: a POST repeated by urllib3 would bypass the outbox's rules.
        adapter = HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=2)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        agent = f"lobby-kiosk/{__version__}" + (f" ({kiosk_id})" if kiosk_id else "")
        self._session.headers.update({"User-Agent": agent, "Accept": "application/json"})
        self._token: str | None = None
        self._token_stamp: tuple | None = None

    # --- token ------------------------------------------------------------------------------

    def token_stamp(self) -> tuple | None:
        """Identity of the token file now (None when absent); changes when it is rewritten."""
        try:
            st = os.stat(self._token_file)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _current_token(self) -> str:
        stamp = self.token_stamp()
        if stamp is None:
            self._token, self._token_stamp = None, None
            raise AuthError(f"no kiosk token: the file {self._token_file} is missing")
        if stamp != self._token_stamp:
            try:
                text = self._token_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as err:
                raise AuthError(f"the kiosk token file {self._token_file} "
                                f"cannot be read ({err})") from None
            self._token, self._token_stamp = text, stamp
            if text:
                log.info("kiosk token (re)loaded from %s", self._token_file)
        if not self._token:
            raise AuthError(f"no kiosk token: the file {self._token_file} is empty")
        if any(ch.isspace() or not ch.isprintable() for ch in self._token):
            # Two tokens pasted, or a stray character: not something a header can carry.
            raise AuthError(f"the kiosk token file {self._token_file} holds more than one "
                            f"word or an invalid character")
        return self._token

    # --- HTTP -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json_body: Any = None,
                 headers: dict | None = None, one_action: bool = False) -> requests.Response:
        """Send one request; return a 2xx/304 response or raise a domain error.
        `one_action`: the request carries one action, so a 4xx that is not the hub's speaks
        for that action only (a proxy or WAF refused its content), not for the whole hub."""
        all_headers = {"Authorization": f"Bearer {self._current_token()}"}
        all_headers.update(headers or {})
        url = self._base + API_PREFIX + path
        try:
            response = self._session.request(method, url, json=json_body, headers=all_headers,
                                             timeout=self._timeout, allow_redirects=False)
        except requests.ConnectTimeout:
            raise TransientError(f"hub not reachable: connect timeout after "
                                 f"{self._timeout[0]} s", hub_wide=True) from None
        except requests.ReadTimeout:
            raise TransientError(f"hub did not answer within {self._timeout[1]} s",
                                 hub_wide=True) from None
        except requests.ConnectionError as err:
            raise TransientError(f"hub not reachable: {_short(err)}", hub_wide=True) from None
        except requests.RequestException as err:
            # Invalid URL and the like: a configuration problem, never the action's fault.
            raise TransientError(f"request to the hub failed: {_short(err)}",
                                 hub_wide=True) from None
        self._classify(response, one_action=one_action)
        return response

    def _classify(self, response: requests.Response, *, one_action: bool) -> None:
        status = response.status_code
        if 200 <= status < 300 or status == 304:
            return
        reason, error, detail = _hub_reason(response)
        if status in AUTH_STATUSES:
            raise AuthError(f"the hub refused the kiosk token ({reason})", status=status,
                            answer=reason)
        if status >= 500 or status in TRANSIENT_4XX:
            retry_after = parse_retry_after(response.headers.get("Retry-After"),
                                            now=self._clock())
            raise TransientError(reason, retry_after, status=status,
                                 hub_wide=status in HUB_WIDE_STATUSES)
        if 400 <= status < 500 and error is None:
            # No {error, detail}: a wrong URL or a proxy answered, not the hub; never reject for it.
            raise TransientError(f"answer not from the hub API: {reason}", status=status,
                                 hub_wide=not one_action)
        if 400 <= status < 500:
            raise PermanentError(reason, status=status, error=error, detail=detail)
        # 1xx/3xx: a proxy or a wrong URL in between; the action is not at fault.
        raise TransientError(f"unexpected answer from the hub: {reason}", status=status,
                             hub_wide=True)

    # --- API v1 -----------------------------------------------------------------------------

    def post_action(self, action) -> dict:
        """Deliver one action (an outbox `Action`, or its envelope as a dict); return the hub's
        result (`{}` when it gave none). Only the hub's receipt is success: 200 (a repeat) or 201
        (new) with a JSON object whose `id` is this action's."""
        envelope = action if isinstance(action, dict) else action.envelope()
        response = self._request("POST", "/actions", json_body=envelope,
                                 headers={"Idempotency-Key": str(envelope["id"])},
                                 one_action=True)
        try:
            body = response.json()
        except ValueError:
            body = None
        if (response.status_code not in RECEIPT_STATUSES or not isinstance(body, dict)
                or not _same_uuid(body.get("id"), envelope["id"])):
            # A captive portal, a proxy, or a wrong URL answered: nothing says the hub has it.
            content_type = response.headers.get("Content-Type") or "no content type"
            raise TransientError(
                f"answer not from the hub API: HTTP {response.status_code} "
                f"{response.reason or ''} ({content_type}) is not the hub's receipt for "
                f"action {envelope['id']}", status=response.status_code, hub_wide=True)
        result = body.get("result")
        return result if isinstance(result, dict) else {}

    def get_catalog(self, etag: str | None = None) -> tuple[dict | None, str | None]:
        """(body, etag) of the workshop catalogue; body is None when unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request("GET", "/catalog", headers=headers)
        if response.status_code == 304:
            return None, response.headers.get("ETag") or etag
        body = self._json_object(response, "catalogue")
        return body, response.headers.get("ETag")

    def get_assistance(self, call_id: str) -> dict:
        """`{"id", "status": waiting|acknowledged|resolved, "agent_first_name"?}`."""
        response = self._request("GET", f"/assistance/{call_id}")
        return self._json_object(response, "assistance status")

    def post_heartbeat(self, body: dict) -> dict:
        """Report the kiosk's health. Success needs a JSON object from the hub: the sync worker
        takes an accepted heartbeat as proof that the hub takes the kiosk's token."""
        response = self._request("POST", "/heartbeat", json_body=body)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise TransientError(f"answer not from the hub API: HTTP {response.status_code} "
                                 f"{response.reason or ''} to the heartbeat is not a JSON object",
                                 status=response.status_code, hub_wide=True)
        return answer

    @staticmethod
    def _json_object(response: requests.Response, what: str) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # A hub or proxy fault; the next refresh may be fine.
            raise TransientError(f"the hub's {what} is not a JSON object",
                                 status=response.status_code)
        return body

    def close(self) -> None:
        self._session.close()


def _same_uuid(a: Any, b: Any) -> bool:
    """True when both are the same UUID, however written (case, hyphens, braces)."""
    try:
        return uuid.UUID(str(a)) == uuid.UUID(str(b))
    except ValueError:
        return False


def _short(err: Exception) -> str:
    """The innermost useful words of a requests/urllib3 error, for a status line."""
    inner: object = err.args[0] if err.args else err
    inner = getattr(inner, "reason", None) or inner  # urllib3's MaxRetryError wraps the cause
    args = getattr(inner, "args", ())
    if len(args) == 2 and isinstance(args[1], BaseException):  # ('Connection aborted.', cause)
        inner = args[1]
    text = str(inner)
    marker = "Failed to establish a new connection: "
    if marker in text:
        text = text.split(marker, 1)[1]
    text = text.strip() or type(inner).__name__
    return text[:200]
