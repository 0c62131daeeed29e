"""The workshop catalogue, kept on disk so the kiosk can show it offline and after a restart.

The sync worker fetches `GET /api/v1/catalog` and saves the body with its ETag in one JSON
file, written atomically (temp file, fsync, rename). `load_cached()` reads it back; a missing
or damaged file means "no catalogue yet", never a crash. `Catalog` and `Session` are what the
booking screens use: sessions sorted by start, grouped by topic, upcoming relative to `now`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.durable import replace_file

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


class CatalogError(ValueError):
    """A catalogue body that is not the shape API v1 describes."""


def _parse_time(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise CatalogError(f"{name} should be an RFC 3339 time, found {value!r}")
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CatalogError(f"{name} should be an RFC 3339 time, found {value!r}") from None
    if when.tzinfo is None:
        # Comparing naive and aware times would raise later, at the worst moment.
        raise CatalogError(f"{name} has no UTC offset: {value!r}")
    return when


def _optional_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError(f"{name} should be a whole number, found {value!r}")
    return value


@dataclass(frozen=True)
class Session:
    """One workshop session as the hub describes it."""

    id: str
    topic: str
    kind: str  # "general" or "specific" (DESIGN.md: the two kinds of workshop)
    format: str  # "individual" or "group"
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    agency: str
    capacity: int | None
    seats_left: int | None
    language: str | None

    @classmethod
    def from_json(cls, raw: Any) -> "Session":
        if not isinstance(raw, dict):
            raise CatalogError(f"a session should be an object, found {raw!r}")
        for key in ("id", "topic", "starts_at"):
            if key not in raw:
                raise CatalogError(f"a session has no '{key}': {raw!r}")
        return cls(
            id=str(raw["id"]),
            topic=str(raw["topic"]),
            kind=str(raw.get("kind") or ""),
            format=str(raw.get("format") or ""),
            starts_at=_parse_time(raw["starts_at"], "starts_at"),
            ends_at=_parse_time(raw["ends_at"], "ends_at") if raw.get("ends_at") else None,
            place=str(raw.get("place") or ""),
            agency=str(raw.get("agency") or ""),
            capacity=_optional_int(raw.get("capacity"), "capacity"),
            seats_left=_optional_int(raw.get("seats_left"), "seats_left"),
            language=None if raw.get("language") is None else str(raw["language"]),
        )

    @property
    def full(self) -> bool:
        return self.seats_left is not None and self.seats_left <= 0


@dataclass(frozen=True)
class Catalog:
    """A catalogue as last received from the hub; `etag` and `fetched_at` say which and when."""

    sessions: tuple[Session, ...]
    generated_at: dt.datetime | None = None
    etag: str | None = None
    fetched_at: float | None = None  # epoch seconds
    skipped: int = field(default=0, compare=False)  # malformed sessions left out

    @classmethod
    def from_body(cls, body: Any, *, etag: str | None = None,
                  fetched_at: float | None = None) -> "Catalog":
        """Build from the hub's JSON body. A malformed session is left out (and logged) so one
        bad row never hides the others; a body that is not a catalogue raises CatalogError."""
        if not isinstance(body, dict) or not isinstance(body.get("sessions"), list):
            raise CatalogError("a catalogue is an object with a 'sessions' list")
        sessions, skipped = [], 0
        for raw in body["sessions"]:
            try:
                sessions.append(Session.from_json(raw))
            except CatalogError as err:
                skipped += 1
                log.warning("catalogue session left out: %s", err)
        generated = body.get("generated_at")
        try:
            generated_at = _parse_time(generated, "generated_at") if generated else None
        except CatalogError as err:
            log.warning("catalogue: %s", err)
            generated_at = None
        sessions.sort(key=lambda s: (s.starts_at, s.topic, s.id))
        return cls(tuple(sessions), generated_at, etag, fetched_at, skipped)

    def upcoming(self, now: dt.datetime) -> list[Session]:
        """Sessions that have not started at `now`, earliest first."""
        return [s for s in self.sessions if s.starts_at > now]

    def topics(self, now: dt.datetime) -> list[str]:
        """Topics that have at least one upcoming session, in order of their next session."""
        seen: dict[str, None] = {}
        for session in self.upcoming(now):
            seen.setdefault(session.topic, None)
        return list(seen)

    def by_topic(self, now: dt.datetime) -> dict[str, list[Session]]:
        """Upcoming sessions grouped by topic; each list earliest first."""
        groups: dict[str, list[Session]] = {}
        for session in self.upcoming(now):
            groups.setdefault(session.topic, []).append(session)
        return groups

    def get(self, session_id: str) -> Session | None:
        return next((s for s in self.sessions if s.id == session_id), None)


# --- the cache file -----------------------------------------------------------------------------

def save_cached(path: str | Path, body: dict, etag: str | None, fetched_at: float) -> None:
    """Write the hub's body and ETag atomically: a crash leaves the old file or the new one."""
    record = {"format": CACHE_FORMAT, "etag": etag, "fetched_at": fetched_at, "body": body}
    replace_file(path, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def load_cached(path: str | Path) -> Catalog | None:
    """The cached catalogue, or None when there is none or it cannot be used (logged)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("catalogue cache %s cannot be read (%s); treated as absent", path, err)
        return None
    try:
        record = json.loads(raw.decode("utf-8"))
        if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
            raise CatalogError("not a catalogue cache file of this version")
        etag = record.get("etag")
        fetched_at = record.get("fetched_at")
        return Catalog.from_body(
            record.get("body"),
            etag=etag if isinstance(etag, str) else None,
            fetched_at=float(fetched_at) if isinstance(fetched_at, (int, float)) else None)
    except (ValueError, UnicodeDecodeError) as err:  # CatalogError and JSON errors included
        log.warning("catalogue cache %s is damaged (%s); treated as absent", path, err)
        return None

