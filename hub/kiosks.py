"""Kiosks and their tokens: issue (and rotate), revoke, authenticate, record heartbeats."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database

from hub.db import write_transaction
from hub.errors import HubError, NotFound
from hub.rules import RuleError, check_identifier
from hub.timeutil import rfc3339

if TYPE_CHECKING:
    from hub.models import Heartbeat


def hash_token(token: str) -> str:
    # A plain SHA-256 is enough: tokens are 256 random bits, nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_kiosk_id(kiosk_id: str) -> None:
    try:
        check_identifier(kiosk_id)
    except RuleError:
        raise HubError(
            "invalid_kiosk_id",
            f"The kiosk id {kiosk_id!r} is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        ) from None


def issue_token(db: Database, kiosk_id: str, now: datetime, agency: str | None = None) -> str:
    """Create the kiosk, or give it a new token (the old one stops working at once)."""
    _check_kiosk_id(kiosk_id)
    if agency is not None and not (1 <= len(agency.strip()) <= 80):
        raise HubError("invalid_agency", "The agency name must be 1 to 80 characters long.")
    token = secrets.token_urlsafe(32)
    stamp = rfc3339(now)
    with write_transaction(db):
        existing = db.execute("SELECT id FROM kiosks WHERE id = ?", [kiosk_id]).fetchone()
        if existing is None:
            db["kiosks"].insert(
                {"id": kiosk_id, "agency": agency.strip() if agency else None, "token_hash": hash_token(token),
                 "token_issued_at": stamp, "created_at": stamp}
            )
        else:
            changes = {"token_hash": hash_token(token), "token_issued_at": stamp, "revoked_at": None}
            if agency is not None:
                changes["agency"] = agency.strip()
            db["kiosks"].update(kiosk_id, changes)
    return token


def revoke(db: Database, kiosk_id: str, now: datetime) -> None:
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE kiosks SET token_hash = NULL, revoked_at = ? WHERE id = ?", [rfc3339(now), kiosk_id]
        )
        if cursor.rowcount == 0:
            raise NotFound("unknown_kiosk", f"There is no kiosk with id {kiosk_id!r}; 'kiosk list' shows the known ones.")


def authenticate(db: Database, token: str) -> dict | None:
    """The kiosk this token belongs to, or None when it is unknown or revoked."""
    # Looking up by hash leaks nothing through timing: an attacker cannot steer the hash.
    row = db.execute("SELECT id, agency FROM kiosks WHERE token_hash = ?", [hash_token(token)]).fetchone()
    return {"id": row[0], "agency": row[1]} if row else None


def record_heartbeat(db: Database, heartbeat: Heartbeat, now: datetime) -> None:
    with write_transaction(db):
        db.execute(
            """UPDATE kiosks SET last_heartbeat_at = ?, version = ?, queue_depth = ?,
                   oldest_pending_age_seconds = ?, last_sync_at = ?, free_disk_bytes = ?, speech_available = ?,
                   stuck_count = ?, rejected_count = ?
               WHERE id = ?""",
            # A kiosk that does not report the counts (an older version) leaves them unknown (NULL).
            [rfc3339(now), heartbeat.version, heartbeat.queue_depth, heartbeat.oldest_pending_age_seconds,
             heartbeat.last_sync_at, heartbeat.free_disk_bytes, int(heartbeat.speech_available),
             heartbeat.stuck_count, heartbeat.rejected_count, heartbeat.kiosk_id],
        )


def list_kiosks(db: Database) -> list[dict]:
    rows = []
    for row in db.query("SELECT * FROM kiosks ORDER BY id"):
        row["status"] = "revoked" if row.pop("token_hash") is None else "active"
        if row["speech_available"] is not None:
            row["speech_available"] = bool(row["speech_available"])
        rows.append(row)
    return rows
