"""Workshop sessions: the catalogue kiosks download, and the back-office verbs to manage it."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import datetime, timedelta

from sqlite_utils import Database

from hub.db import canonical_json, write_transaction
from hub.errors import HubError, NotFound
from hub.rules import LANGUAGES, TOPIC_KINDS
from hub.timeutil import PARIS, rfc3339, utc_key

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def session_row(
    *,
    session_id: str,
    topic: str,
    starts_at: datetime,
    minutes: int,
    place: str,
    agency: str,
    capacity: int,
    language: str = "fr",
    session_format: str | None = None,
) -> dict:
    """A checked sessions row; `session_format` defaults to individual for one seat, group otherwise."""
    if not _SESSION_ID.fullmatch(session_id):
        raise HubError("invalid_session_id", f"The session id {session_id!r} must be 1 to 64 letters, digits, '.', '_' or '-'.")
    if topic not in TOPIC_KINDS:
        raise HubError("invalid_topic", f"The topic {topic!r} is unknown; expected one of {', '.join(TOPIC_KINDS)}.")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=PARIS)
    if not 1 <= minutes <= 8 * 60:
        raise HubError("invalid_duration", "A session lasts from 1 minute to 8 hours.")
    if capacity < 1:
        raise HubError("invalid_capacity", "A session needs a capacity of at least 1 seat.")
    if language not in LANGUAGES:
        raise HubError("invalid_language", f"The language {language!r} is not shipped; expected one of {', '.join(LANGUAGES)}.")
    session_format = session_format or ("individual" if capacity == 1 else "group")
    if session_format not in ("individual", "group") or (session_format == "individual" and capacity != 1):
        raise HubError("invalid_format", "The format must be 'individual' (exactly 1 seat) or 'group'.")
    for label, text in (("place", place), ("agency", agency)):
        if not 1 <= len(text.strip()) <= 120:
            raise HubError(f"invalid_{label}", f"The {label} must be 1 to 120 characters long.")
    row = {
        "id": session_id,
        "topic": topic,
        "kind": TOPIC_KINDS[topic],
        "format": session_format,
        "starts_at": _paris(starts_at),
        "ends_at": _paris(starts_at + timedelta(minutes=minutes)),
        "starts_utc": utc_key(starts_at),
        "place": place.strip(),
        "agency": agency.strip(),
        "capacity": capacity,
        "language": language,
    }
    return row


def add_session(db: Database, **fields) -> dict:
    """Adds one session (see `session_row` for the fields); its id must be new."""
    row = session_row(**fields)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM sessions WHERE id = ?", [row["id"]]).fetchone():
            raise HubError("duplicate_session", f"A session with id {row['id']!r} already exists.")
        db["sessions"].insert(row)
    return row


def update_session(db: Database, now: datetime, **fields) -> dict:
    """Replaces a session's details (see `session_row`); the catalogue's ETag follows its content.

    A capacity below the confirmed bookings is refused (`capacity_below_bookings`); a larger one
    confirms the first wait-listed bookings, in line order, as a cancellation would.
    """
    row = session_row(**fields)
    with write_transaction(db):
        known = db.execute("SELECT cancelled_at FROM sessions WHERE id = ?", [row["id"]]).fetchone()
        if known is None:
            raise NotFound("unknown_session", f"There is no session with id {row['id']!r}.")
        if known[0] is not None:
            raise HubError("session_cancelled", f"The session {row['id']!r} is cancelled; it can no longer be changed.")
        confirmed = db.execute(
            "SELECT count(*) FROM bookings WHERE session_id = ? AND status = 'confirmed'", [row["id"]]
        ).fetchone()[0]
        if row["capacity"] < confirmed:
            raise HubError(
                "capacity_below_bookings",
                f"The session {row['id']!r} has {confirmed} confirmed booking(s); its capacity cannot go below that.",
            )
        db["sessions"].update(row["id"], row)
        db.execute(
            """UPDATE bookings SET status = 'confirmed', confirmed_at = ?
               WHERE seq IN (SELECT seq FROM bookings WHERE session_id = ? AND status = 'waitlisted'
                             ORDER BY seq LIMIT ?)""",
            [rfc3339(now), row["id"], row["capacity"] - confirmed],
        )
    return row


def cancel_session(db: Database, session_id: str, now: datetime) -> None:
    """Cancelled sessions leave the catalogue; their bookings stay, for agents to call people."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE sessions SET cancelled_at = coalesce(cancelled_at, ?) WHERE id = ?", [rfc3339(now), session_id]
        )
        if cursor.rowcount == 0:
            raise NotFound("unknown_session", f"There is no session with id {session_id!r}.")


def list_sessions(db: Database, now: datetime, *, include_past: bool = False) -> list[dict]:
    """Every session (not only bookable ones), with its seat counts, for agents."""
    where = "" if include_past else "WHERE s.starts_utc > :now"
    return list(
        db.query(
            f"""SELECT s.*,
                   (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed') AS confirmed,
                   (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'waitlisted') AS waitlisted
                FROM sessions s {where} ORDER BY s.starts_utc, s.id""",
            {"now": utc_key(now)},
        )
    )


def upcoming_sessions(db: Database, now: datetime, agency: str | None = None) -> list[dict]:
    """What kiosks may offer: not started, not cancelled, at least one seat left."""
    rows = db.query(
        """SELECT s.id, s.topic, s.kind, s.format, s.starts_at, s.ends_at, s.place, s.agency, s.capacity,
                  s.capacity - (SELECT count(*) FROM bookings b
                                WHERE b.session_id = s.id AND b.status = 'confirmed') AS seats_left,
                  s.language
           FROM sessions s
           WHERE s.cancelled_at IS NULL AND s.starts_utc > :now AND (:agency IS NULL OR s.agency = :agency)
           ORDER BY s.starts_utc, s.id""",
        {"now": utc_key(now), "agency": agency},
    )
    return [row for row in rows if row["seats_left"] > 0]


class CatalogCache:
    """Keeps the body of each distinct catalogue, so an unchanged catalogue is byte-identical.

    `generated_at` is when this content was first generated; reusing the same bytes while the
    sessions are unchanged is what makes the ETag strong (and makes If-None-Match useful).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str | None, tuple[str, bytes, str]] = {}

    def render(self, sessions: list[dict], agency: str | None, now: datetime) -> tuple[bytes, str]:
        content = canonical_json(sessions)
        with self._lock:
            last = self._last.get(agency)
            if last and last[0] == content:
                return last[1], last[2]
            body = canonical_json({"generated_at": rfc3339(now), "sessions": sessions}).encode("utf-8")
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if len(self._last) > 256:  # one entry per agency filter; stray filters must not pile up
                self._last.clear()
            self._last[agency] = (content, body, etag)
            return body, etag


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison, a list of tags, or '*'."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False
