"""Assistance calls: what the kiosk polls, and the agent's verbs (the CLI now, the console later).

A call goes waiting -> acknowledged (an agent is coming, with their first name) -> resolved.
An agent may resolve a call directly (handled at the desk); a resolved call stays resolved.

An open call older than `STALE_AFTER` (the kiosks' default `assistance_expiry_seconds`, 600) is
listed as stale rather than live: a call that reached the hub that late was already expired by
its kiosk, which sent the tenant to the desk; and a tenant is unlikely to be still waiting at the
kiosk after that long (the kiosk wipes the screen after 90 s without a touch).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from hub.db import write_transaction
from hub.errors import HubError, NotFound
from hub.rules import RuleError, check_name
from hub.timeutil import rfc3339

# The kiosk's default assistance_expiry_seconds (600): `call list --call-stale-minutes` changes it.
STALE_AFTER = timedelta(minutes=10)


def _public(row: dict) -> dict:
    answer = {"id": row["id"], "status": row["status"]}
    if row["agent_first_name"]:
        answer["agent_first_name"] = row["agent_first_name"]
    return answer


def _unknown(call_id: str) -> NotFound:
    return NotFound("unknown_call", f"There is no assistance call with id {call_id!r}.")


def call_status(db: Database, call_id: str, kiosk_id: str | None = None) -> dict:
    """The call as a kiosk sees it; a call made by another kiosk is reported as unknown."""
    row = db.execute(
        "SELECT id, status, agent_first_name, kiosk_id FROM assistance_calls WHERE id = ?", [call_id]
    ).fetchone()
    if row is None or (kiosk_id is not None and row[3] != kiosk_id):
        raise _unknown(call_id)
    return _public({"id": row[0], "status": row[1], "agent_first_name": row[2]})


def acknowledge(db: Database, call_id: str, agent_first_name: str, now: datetime, agent_id: str | None = None) -> dict:
    """An agent takes the call; the kiosk then shows "<first name> arrive". `agent_id`: the console's agent."""
    try:
        first_name = check_name(agent_first_name)
    except RuleError:
        raise HubError("invalid_agent", "The agent's first name must be 1 to 80 letters (apostrophes, hyphens, dots and spaces allowed).") from None
    with write_transaction(db):
        row = db.execute("SELECT status FROM assistance_calls WHERE id = ?", [call_id]).fetchone()
        if row is None:
            raise _unknown(call_id)
        if row[0] == "resolved":
            raise HubError("call_resolved", f"The assistance call {call_id} is already resolved; it cannot be acknowledged again.")
        # Another agent may take over an acknowledged call: the kiosk shows whoever is coming now.
        db.execute(
            """UPDATE assistance_calls SET status = 'acknowledged', agent_first_name = ?, acknowledged_by = ?,
                   acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?""",
            [first_name, agent_id, rfc3339(now), call_id],
        )
    return call_status(db, call_id)


def resolve(db: Database, call_id: str, now: datetime, agent_id: str | None = None) -> dict:
    """The tenant has been helped; resolving twice is harmless (the first resolver is kept)."""
    with write_transaction(db):
        cursor = db.execute(
            """UPDATE assistance_calls SET status = 'resolved', resolved_at = coalesce(resolved_at, ?),
                   resolved_by = CASE WHEN status = 'resolved' THEN resolved_by ELSE ? END WHERE id = ?""",
            [rfc3339(now), agent_id, call_id],
        )
        if cursor.rowcount == 0:
            raise _unknown(call_id)
    return call_status(db, call_id)


def open_calls(db: Database, now: datetime, stale_after: timedelta = STALE_AFTER) -> list[dict]:
    """Calls not yet resolved, oldest first, each with `stale`: made longer than `stale_after` ago.

    Waiting and acknowledged calls alike: age is counted from when the hub received the call.
    """
    calls = []
    for row in db.query("SELECT * FROM assistance_calls WHERE status != 'resolved' ORDER BY called_at, rowid"):
        row["stale"] = now - datetime.fromisoformat(row["called_at"]) > stale_after
        calls.append(row)
    return calls
