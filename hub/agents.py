"""Agents of the console: add, list, disable, reset a password, check a login, open sessions.

Plain Python over the database (no web framework), for the command line and the console alike.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database

from hub.db import write_transaction
from hub.errors import HubError, NotFound
from hub.kiosks import hash_token
from hub.passwords import dummy_hash, verify_password
from hub.rules import RuleError, check_identifier, check_name
from hub.timeutil import rfc3339


def _check_agent_id(agent_id: str) -> str:
    try:
        return check_identifier(agent_id)
    except RuleError:
        raise HubError(
            "invalid_agent_id",
            f"The agent name {agent_id!r} is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        ) from None


def _unknown(agent_id: str) -> NotFound:
    return NotFound("unknown_agent", f"There is no agent {agent_id!r}; 'agent list' shows the known ones.")


def add_agent(db: Database, agent_id: str, first_name: str, password_hash: str, now: datetime, agency: str | None = None) -> dict:
    """A new agent; `password_hash` from hub.passwords.hash_password (checked for strength there)."""
    _check_agent_id(agent_id)
    try:
        first_name = check_name(first_name)
    except RuleError:
        raise HubError("invalid_first_name", "The first name must be 1 to 80 letters (apostrophes, hyphens, dots and spaces allowed).") from None
    if agency is not None and not (1 <= len(agency.strip()) <= 80):
        raise HubError("invalid_agency", "The agency name must be 1 to 80 characters long.")
    row = {"id": agent_id, "first_name": first_name, "agency": agency.strip() if agency else None,
           "password_hash": password_hash, "created_at": rfc3339(now), "disabled_at": None}
    with write_transaction(db):
        if db.execute("SELECT 1 FROM agents WHERE id = ?", [agent_id]).fetchone():
            raise HubError("agent_exists", f"The agent {agent_id!r} already exists; 'agent password {agent_id}' gives it a new password.")
        db["agents"].insert(row)
    return row


def list_agents(db: Database) -> list[dict]:
    rows = []
    for row in db.query("SELECT id, first_name, agency, created_at, disabled_at FROM agents ORDER BY id"):
        row["status"] = "disabled" if row["disabled_at"] else "active"
        rows.append(row)
    return rows


def disable_agent(db: Database, agent_id: str, now: datetime) -> None:
    """The agent can no longer log in; their open console sessions end at once."""
    with write_transaction(db):
        cursor = db.execute("UPDATE agents SET disabled_at = coalesce(disabled_at, ?) WHERE id = ?", [rfc3339(now), agent_id])
        if cursor.rowcount == 0:
            raise _unknown(agent_id)
        db.execute("DELETE FROM console_sessions WHERE agent_id = ?", [agent_id])


def set_password(db: Database, agent_id: str, password_hash: str) -> None:
    """A new password (and the agent enabled again); their open console sessions end at once."""
    with write_transaction(db):
        cursor = db.execute("UPDATE agents SET password_hash = ?, disabled_at = NULL WHERE id = ?", [password_hash, agent_id])
        if cursor.rowcount == 0:
            raise _unknown(agent_id)
        db.execute("DELETE FROM console_sessions WHERE agent_id = ?", [agent_id])


def check_login(db: Database, agent_id: str, password: str) -> dict | None:
    """The agent when the password is right and the agent enabled; None otherwise, in similar time."""
    row = db.execute("SELECT id, first_name, agency, password_hash, disabled_at FROM agents WHERE id = ?", [agent_id]).fetchone()
    if row is None:
        verify_password(password, dummy_hash())  # the same work as for a known agent
        return None
    if not verify_password(password, row[3]) or row[4]:
        return None
    return {"id": row[0], "first_name": row[1], "agency": row[2]}


def open_session(db: Database, agent_id: str, now: datetime, lifetime: timedelta) -> str:
    """A new console session; returns the cookie's token (only its SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute("DELETE FROM console_sessions WHERE expires_at < ?", [rfc3339(now)])  # housekeeping
        db["console_sessions"].insert({
            "token_hash": hash_token(token),
            "agent_id": agent_id,
            "csrf_token": secrets.token_urlsafe(32),
            "created_at": rfc3339(now),
            "last_seen_at": rfc3339(now),
            "expires_at": rfc3339(now + lifetime),
        })
    return token


def close_session(db: Database, token_hash: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM console_sessions WHERE token_hash = ?", [token_hash])
