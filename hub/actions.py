"""Applying kiosk actions exactly once, and exporting what was received.

`apply_action` checks the action id and applies the action inside one `BEGIN IMMEDIATE`
transaction, so five copies of one action arriving together give one record, and fifty bookings
for ten seats give exactly ten confirmations. The actions table's primary key makes the
deduplication permanent: a repeat a year later still gets the first answer.

A `booking_cancel` may arrive before its booking (tenants cancel from any kiosk with their
reference, while the booking may still sit in an offline kiosk's outbox). It is then kept in
`pending_cancellations`, and the booking, when it comes, is stored as cancelled in the same
transaction: whichever arrives first, the booking ends cancelled and never holds a seat.

Two actions with the same id are "the same" when their type, kiosk_id and payload are equal
as JSON values (key order and spacing do not matter). `created_at` is not compared: it is
when the tenant acted, on the kiosk's clock, and changes nothing the hub does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from hub.db import canonical_json, write_transaction
from hub.errors import Rejected
from hub.timeutil import rfc3339, utc_key

if TYPE_CHECKING:
    from hub.models import (
        AccountRequestAction,
        AssistanceCallAction,
        BookingAction,
        BookingCancelAction,
        FeedbackAction,
    )


def fingerprint(action_type: str, kiosk_id: str, payload: Any) -> str:
    """What makes a repeat "the same action": everything but the id and created_at."""
    text = canonical_json({"type": action_type, "kiosk_id": kiosk_id, "payload": payload})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_action(db: Database, action: Any, action_fingerprint: str, now: datetime) -> tuple[bool, dict]:
    """(True, result) when applied now; (False, first result) for a repeat. Raises Rejected."""
    action_id = str(action.id)
    with write_transaction(db):
        known = db.execute("SELECT fingerprint, result FROM actions WHERE id = ?", [action_id]).fetchone()
        if known is not None:
            if known[0] != action_fingerprint:
                raise Rejected(
                    "idempotency_conflict",
                    f"Action id {action_id} was already accepted with a different type, kiosk_id or payload; "
                    "an id names one action only, so send different content under a new id.",
                )
            return False, json.loads(known[1])
        result = _APPLIERS[action.type](db, action, now)
        db.execute(
            """INSERT INTO actions (id, type, kiosk_id, created_at, received_at, fingerprint, payload, result)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [action_id, action.type, action.kiosk_id, action.created_at, rfc3339(now), action_fingerprint,
             canonical_json(action.payload.model_dump(mode="json", exclude_none=True)), canonical_json(result)],
        )
    return True, result


# --- one applier per type: runs inside the transaction, returns the result or raises Rejected --


def _account_request(db: Database, action: AccountRequestAction, now: datetime) -> dict:
    # The back office picks account requests up with `hub export`; nothing else to do here.
    return {"account_request": "received"}


def _booking(db: Database, action: BookingAction, now: datetime) -> dict:
    payload = action.payload
    session = db.execute(
        "SELECT capacity, starts_utc, cancelled_at FROM sessions WHERE id = ?", [payload.session_id]
    ).fetchone()
    if session is None:
        raise Rejected(
            "unknown_session",
            f"Field 'payload.session_id' names session {payload.session_id!r}, which this hub does not know; "
            "book a session listed by GET /api/v1/catalog.",
        )
    capacity, starts_utc, cancelled_at = session
    if cancelled_at is not None:
        raise Rejected(
            "session_cancelled",
            f"Field 'payload.session_id' names session {payload.session_id!r}, which has been cancelled; "
            "choose another session from the catalogue.",
        )
    if starts_utc <= utc_key(now):
        raise Rejected(
            "session_past",
            f"Field 'payload.session_id' names session {payload.session_id!r}, which has already started or is over; "
            "choose a session that has not started yet.",
        )
    booking_id = str(action.id)
    stamp = rfc3339(now)
    row = {"id": booking_id, "session_id": payload.session_id, "kiosk_id": action.kiosk_id, "name": payload.name,
           "mobile": payload.mobile, "language": payload.language, "assisted_by": payload.assisted_by, "booked_at": stamp}
    cancelled_first = db.execute(
        "SELECT cancel_action_id, received_at FROM pending_cancellations WHERE booking_id = ?", [booking_id]
    ).fetchone()
    if cancelled_first is not None:
        # Its cancellation came first: stored as cancelled, it takes no seat and no place in line.
        db["bookings"].insert({**row, "status": "cancelled", "cancelled_at": cancelled_first[1],
                               "cancel_action_id": cancelled_first[0]})
        db.execute("DELETE FROM pending_cancellations WHERE booking_id = ?", [booking_id])
        return {"booking": "cancelled", "session_id": payload.session_id}
    confirmed, waitlisted = db.execute(
        """SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'waitlisted')
           FROM bookings WHERE session_id = ?""",
        [payload.session_id],
    ).fetchone()
    status = "confirmed" if confirmed < capacity else "waitlisted"
    db["bookings"].insert({**row, "status": status, "confirmed_at": stamp if status == "confirmed" else None})
    if status == "confirmed":
        return {"booking": "confirmed", "session_id": payload.session_id}
    return {"booking": "waitlisted", "session_id": payload.session_id, "waitlist_position": waitlisted + 1}


def _booking_cancel(db: Database, action: BookingCancelAction, now: datetime) -> dict:
    booking_id = str(action.payload.booking_id)
    booking = db.execute(
        """SELECT b.status, b.session_id, s.starts_utc, s.cancelled_at
           FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.id = ?""",
        [booking_id],
    ).fetchone()
    if booking is None:
        return _cancel_before_booking(db, action, booking_id, now)
    status, session_id, starts_utc, session_cancelled_at = booking
    if status == "cancelled":
        return {"booking": "already_cancelled", "booking_id": booking_id}
    stamp = rfc3339(now)
    db.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = ?, cancel_action_id = ? WHERE id = ?",
        [stamp, str(action.id), booking_id],
    )
    # A freed seat goes to the first in line, but only while the session can still take place.
    if status == "confirmed" and session_cancelled_at is None and starts_utc > utc_key(now):
        db.execute(
            """UPDATE bookings SET status = 'confirmed', confirmed_at = ?
               WHERE seq = (SELECT seq FROM bookings WHERE session_id = ? AND status = 'waitlisted'
                            ORDER BY seq LIMIT 1)""",
            [stamp, session_id],
        )
    return {"booking": "cancelled", "booking_id": booking_id}


def _cancel_before_booking(db: Database, action: BookingCancelAction, booking_id: str, now: datetime) -> dict:
    """No such booking yet: it may still be on its way from an offline kiosk, so keep the cancel."""
    other = db.execute("SELECT type FROM actions WHERE id = ?", [booking_id]).fetchone()
    if other is not None or booking_id == str(action.id):
        what = f"a {other[0]} action" if other is not None else "this cancellation itself"
        raise Rejected(
            "unknown_booking",
            f"Field 'payload.booking_id' names {booking_id}, which is {what}, not a booking; "
            "expected the id of a booking action.",
        )
    # The first cancellation is kept; another one for the same booking changes nothing.
    db.execute(
        """INSERT INTO pending_cancellations (booking_id, cancel_action_id, kiosk_id, received_at)
           VALUES (?, ?, ?, ?) ON CONFLICT (booking_id) DO NOTHING""",
        [booking_id, str(action.id), action.kiosk_id, rfc3339(now)],
    )
    return {"booking": "cancel_pending", "booking_id": booking_id}


def _assistance_call(db: Database, action: AssistanceCallAction, now: datetime) -> dict:
    payload = action.payload
    db["assistance_calls"].insert(
        {"id": str(action.id), "kiosk_id": action.kiosk_id, "reason": payload.reason, "language": payload.language,
         "screen": payload.screen, "status": "waiting", "called_at": rfc3339(now)}
    )
    return {"assistance": "waiting"}


def _feedback(db: Database, action: FeedbackAction, now: datetime) -> dict:
    return {"feedback": "received"}


_APPLIERS: dict[str, Callable[[Database, Any, datetime], dict]] = {
    "account_request": _account_request,
    "booking": _booking,
    "booking_cancel": _booking_cancel,
    "assistance_call": _assistance_call,
    "feedback": _feedback,
}


def export_actions(db: Database, action_type: str | None = None) -> Iterator[dict]:
    """Accepted actions in arrival order: envelope, payload, result and received_at."""
    rows = db.query(
        """SELECT id, type, created_at, kiosk_id, payload, result, received_at FROM actions
           WHERE :type IS NULL OR type = :type ORDER BY received_at, rowid""",
        {"type": action_type},
    )
    for row in rows:
        row["payload"] = json.loads(row["payload"])
        row["result"] = json.loads(row["result"])
        yield row
