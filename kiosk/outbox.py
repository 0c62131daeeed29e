"""The durable local outbox: every tenant action goes here first, then the sync worker sends it.

A journey calls `Outbox.enqueue()`; the receipt is shown only after it returns, and from that
moment the action survives a crash, a kill -9 and a power cut. The sync worker claims due actions
(`claim_ready`), sends them with the action id as Idempotency-Key, and records the answer
(`mark_delivered`, `mark_rejected`, `mark_failed`, `release`). Delivery is at-least-once; the hub
makes it exactly-once by deduplicating on the id.

States: an action waits as `pending`, is `sending` while the worker holds it, and ends
`delivered` or `rejected` (the hub said no for good; the reason is kept). A transient failure puts
it back to `pending` with a backoff, or to `stuck` after too many or too long failures (agents are
alerted; stuck rows are retried slowly by themselves and at once on an agent's retry, so nothing
confirmed to a tenant is ever dropped). An assistance call nobody could receive in time becomes
`expired` instead of arriving stale.

Only the sync worker claims, and it holds nothing between passes, so it calls `recover_in_flight()`
before each pass: a row left `sending` (a crash, or an answer that could not be recorded because
the file stayed locked) goes back to waiting and is sent again.

Storage requirements (IT, read this):
- The outbox file must live on a local disk that honours fsync (no write cache that lies, no
  network file system) and OUTSIDE any read-only or tmpfs overlay: the kiosk refuses to start
  (`StorageNotDurable`) when WAL with synchronous=FULL cannot be had, but it cannot detect a disk
  that acknowledges a flush it did not do.
- Erased personal data is overwritten inside the SQLite files (secure_delete, WAL checkpointed
  and truncated); blocks the file system freed earlier may still hold old bytes, so use full-disk
  encryption on kiosks.
- If an fsync fails *during* a commit, SQLite may still find that commit at the next start even
  though `enqueue` raised `EnqueueFailed`: the tenant saw no receipt, yet the action may be sent,
  and if the tenant tries again the hub gets two (it deduplicates by id, not by content). Rare,
  and the lesser evil next to losing a confirmed action.
- The row stays; retention only erases the personal fields of delivered actions (and of
  assistance calls that expired), so counts survive for statistics (roughly 4 MB per 10,000
  actions). Rejected actions are kept whole: they exist nowhere else, and agents follow them up.

Threads: an `Outbox` owns its SQLite connection and belongs to the thread that created it. The
UI thread and the sync thread each open their own `Outbox` on the same file; writers take turns
through `BEGIN IMMEDIATE` and a busy timeout.

Order is by dependency, not one global line: a `booking_cancel` waits for its booking, and a
row that keeps failing never blocks the others (each row has its own backoff).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import random
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.config import OutboxSettings

log = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
REJECTED = "rejected"
EXPIRED = "expired"
STUCK = "stuck"
STATES = (PENDING, SENDING, DELIVERED, REJECTED, EXPIRED, STUCK)
WAITING_STATES = (PENDING, SENDING, STUCK)
SETTLED_STATES = (DELIVERED, REJECTED, EXPIRED)

# How long a writer waits for the other thread's transaction before giving up (EnqueueFailed).
BUSY_TIMEOUT_MS = 5000
# A hub's Retry-After is honoured up to one hour: a wrong header must not park an action for days.
MAX_RETRY_AFTER_SECONDS = 3600.0
# Error texts can be whole HTML pages from a proxy; keep enough to diagnose, not to bloat the file.
MAX_ERROR_CHARS = 2000
SCHEMA_VERSION = 1
# Rows erased per transaction: a big backlog must not hold the write lock the UI needs for long.
ERASE_BATCH = 200
ERASED = "[erased]"

# Payload fields kept after retention, per type; everything else is personal and erased.
KEPT_PAYLOAD_FIELDS: dict[str, tuple[str, ...]] = {
    "account_request": ("language",),
    "booking": ("session_id", "language"),
    "booking_cancel": ("booking_id",),
    "assistance_call": ("language", "screen"),
    "feedback": ("journey", "score"),
}
# Retention erases these once settled for retention_days; rejected rows stay whole for agents.
ERASED_STATES = (DELIVERED, EXPIRED)


def _state_in(states: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{state}'" for state in states)
    return f"state IN ({quoted})"


_IN_WAITING_STATES = _state_in(WAITING_STATES)
# Waiting and not in flight. The exact text matters: SQLite uses a partial index only when a
# query repeats its WHERE term.
_WAITING_ROW = _state_in((PENDING, STUCK))

_SCHEMA = (
    f"""
    CREATE TABLE IF NOT EXISTS actions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the order of arrival
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ({", ".join(f"'{s}'" for s in STATES)})),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        depends_on TEXT,
        last_error TEXT,
        result TEXT,
        enqueued_at REAL NOT NULL,
        delivered_at REAL,
        first_failure_at REAL,
        settled_at REAL,  -- became delivered/rejected/expired: retention counts from here
        erased_at REAL    -- personal fields erased
    )
    """,
    "CREATE INDEX IF NOT EXISTS actions_due ON actions (state, next_attempt_at)",
    # claim_ready walks this in arrival order and stops at `limit`, however long the history.
    f"CREATE INDEX IF NOT EXISTS actions_waiting ON actions (seq) WHERE {_WAITING_ROW}",
    "CREATE INDEX IF NOT EXISTS actions_waiting_dependents ON actions (depends_on)"
    f" WHERE depends_on IS NOT NULL AND {_WAITING_ROW}",
    "CREATE INDEX IF NOT EXISTS actions_to_erase ON actions (settled_at)"
    " WHERE erased_at IS NULL",
)

_COLUMNS = ("id, type, created_at, kiosk_id, payload, state, attempts, next_attempt_at, "
            "depends_on, last_error, result, enqueued_at, delivered_at, first_failure_at")


class OutboxError(Exception):
    """The outbox could not do what was asked; nothing half-done was left behind."""


class StorageNotDurable(OutboxError):
    """WAL with synchronous=FULL cannot be had on this storage: the kiosk must not run on it."""


class EnqueueFailed(OutboxError):
    """The commit did not happen (disk full, I/O error, locked too long): nothing was queued."""


@dataclass(frozen=True)
class Action:
    id: str
    type: str
    created_at: str
    kiosk_id: str
    payload: dict
    state: str
    attempts: int
    next_attempt_at: float
    depends_on: str | None
    last_error: str | None
    result: dict | None
    enqueued_at: float
    delivered_at: float | None
    first_failure_at: float | None

    def envelope(self) -> dict:
        """The body POSTed to /api/v1/actions (a copy: the caller may change it freely)."""
        return {"id": self.id, "type": self.type, "created_at": self.created_at,
                "kiosk_id": self.kiosk_id, "payload": copy.deepcopy(self.payload)}


def _rfc3339(timestamp: float) -> str:
    """RFC 3339 with the kiosk's local offset at that moment, e.g. 2024-12-03T14:00:00.000+01:00."""
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="milliseconds")


def _dumps(value: Any) -> str:
    # UTF-8 as is (not \\u escapes), so what is stored is what the retention test looks for.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def _clip(text: str | None) -> str | None:
    return None if text is None else str(text)[:MAX_ERROR_CHARS]


def _kept_payload(action_type: str, payload: dict) -> dict:
    kept = {key: payload[key] for key in KEPT_PAYLOAD_FIELDS.get(action_type, ()) if key in payload}
    if action_type == "account_request":
        kept["assisted"] = bool(payload.get("assisted_by"))  # the statistic, not the agent's id
    return kept


def _personal_values(payload: dict, kept: dict) -> list[str]:
    """The erased values as texts, longest first, to scrub echoes of them from errors/results."""
    values: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            if len(text) >= 3:  # shorter texts would scrub ordinary words, not personal data
                values.add(text)

    collect({key: value for key, value in payload.items() if key not in kept})
    return sorted(values, key=len, reverse=True)


def _scrub(text: str | None, secrets: list[str]) -> str | None:
    if text is None or not secrets:
        return text
    pattern = re.compile("|".join(re.escape(secret) for secret in secrets), re.IGNORECASE)
    return pattern.sub(ERASED, text)


def _scrub_json(value: Any, secrets: list[str], personal_keys: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _scrub_json(item, secrets, personal_keys)
                for key, item in value.items() if key not in personal_keys}
    if isinstance(value, list):
        return [_scrub_json(item, secrets, personal_keys) for item in value]
    if isinstance(value, str):
        return _scrub(value, secrets)
    return value


class Outbox:
    """One connection to the outbox file; see the module docstring for the rules."""

    def __init__(self, path: str | Path, settings: OutboxSettings, kiosk_id: str, *,
                 clock: Callable[[], float] = time.time,
                 rng: Callable[[], float] = random.random) -> None:
        self.path = str(path)
        self.settings = settings
        self.kiosk_id = kiosk_id
        self._clock = clock
        self._rng = rng
        try:
            # isolation_level=None: the driver opens no hidden transactions, we say BEGIN ourselves.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None)
        except sqlite3.Error as err:
            raise OutboxError(f"cannot open the outbox at {self.path}: {err}") from err
        self._conn = conn
        try:
            # The stuck rule, written once (in _is_stuck) and usable from SQL.
            conn.create_function("is_stuck", 3, self._is_stuck, deterministic=True)
            self._make_durable()
            self._db = sqlite_utils.Database(conn, recursive_triggers=False,
                                             execute_plugins=False)
            self._create_schema()
        except BaseException:
            conn.close()
            raise

    # --- opening -------------------------------------------------------------------------------

    def _pragma(self, sql: str) -> Any:
        row = self._conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def _make_durable(self) -> None:
        try:
            self._pragma(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            journal = str(self._pragma("PRAGMA journal_mode = WAL")).lower()
            self._pragma("PRAGMA synchronous = FULL")
            synchronous = self._pragma("PRAGMA synchronous")
            self._pragma("PRAGMA secure_delete = ON")
            secure_delete = self._pragma("PRAGMA secure_delete")
        except sqlite3.Error as err:
            raise StorageNotDurable(
                f"the outbox at {self.path} cannot be made durable ({err}); put it on a "
                f"writable local disk that honours fsync") from err
        if journal != "wal":
            raise StorageNotDurable(
                f"the outbox at {self.path} refused WAL journaling (got {journal!r}); it needs "
                f"a real file on a local disk, not an in-memory or temporary database")
        if synchronous != 2:
            raise StorageNotDurable(
                f"the outbox at {self.path} refused synchronous=FULL (got {synchronous!r})")
        if secure_delete != 1:
            raise StorageNotDurable(
                f"the outbox at {self.path} refused secure_delete (got {secure_delete!r}); "
                f"erased personal data could stay in the file")

    def _create_schema(self) -> None:
        try:
            with self._write() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise OutboxError(
                        f"the outbox at {self.path} was written by a newer kiosk version "
                        f"(schema {version}, this one knows {SCHEMA_VERSION}); not touching it")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as err:
            raise OutboxError(f"cannot create the outbox schema in {self.path}: {err}") from err

    # --- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock up front (no deadlocks)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:  # the first error is the one worth reporting
                    pass
            raise

    @contextmanager
    def _storage(self, doing: str) -> Iterator[None]:
        """Turn SQLite's errors into OutboxError, so the worker has one exception to handle."""
        try:
            yield
        except sqlite3.Error as err:
            raise OutboxError(f"outbox {doing} failed: {err}") from err

    def _query(self, sql: str, params: dict | tuple = ()) -> list[dict]:
        return list(self._db.query(sql, params))

    @staticmethod
    def _action(row: dict) -> Action:
        return Action(
            id=row["id"], type=row["type"], created_at=row["created_at"],
            kiosk_id=row["kiosk_id"], payload=json.loads(row["payload"]), state=row["state"],
            attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
            depends_on=row["depends_on"], last_error=row["last_error"],
            result=None if row["result"] is None else json.loads(row["result"]),
            enqueued_at=row["enqueued_at"], delivered_at=row["delivered_at"],
            first_failure_at=row["first_failure_at"])

    def _horizon(self, now: float) -> float:
        """No delay we set reaches past this: a row due later means the clock went backwards."""
        s = self.settings
        return now + max(s.retry_cap_seconds, MAX_RETRY_AFTER_SECONDS, s.stuck_retry_seconds) + 1

    def _stale_before(self, now: float) -> float:
        return now - self.settings.assistance_expiry_seconds

    # Waiting rows that may ever be sent (a stale assistance call never is); callers add the
    # due-time and dependency terms, and the index hint ({index}).
    _CLAIMABLE = f"""
        FROM actions a {{index}} LEFT JOIN actions d ON d.id = a.depends_on
        WHERE a.{_WAITING_ROW}
          AND NOT (a.type = 'assistance_call' AND a.enqueued_at <= :stale_before)
    """

    def _is_stuck(self, attempts: int, first_failure_at: float | None, now: float) -> bool:
        """Failed too many times, or for too long: agents are alerted, retries slow down."""
        s = self.settings
        failing_for = 0.0 if first_failure_at is None else now - first_failure_at
        return attempts >= s.stuck_after_attempts or failing_for >= s.stuck_after_seconds

    # Back to waiting: pending, or stuck again if its failures already made it stuck.
    _BACK_TO_WAITING = (f"CASE WHEN is_stuck(attempts, first_failure_at, :now) "
                        f"THEN '{STUCK}' ELSE '{PENDING}' END")

    # --- the contract --------------------------------------------------------------------------

    def recover_in_flight(self) -> int:
        """Rows left 'sending' go back to waiting, due now. Only for the one claimer (the sync
        worker), before a pass, while it holds no claimed row.

        Whether the hub got them is unknown; sending again is safe (the id is the
        Idempotency-Key). Returns how many rows were recovered. With none in flight (the usual
        case) it only reads, so calling it before every pass never waits on the UI's writes.
        """
        now = self._clock()
        with self._storage("recover_in_flight"):
            if self._conn.execute(f"SELECT 1 FROM actions WHERE state = '{SENDING}' LIMIT 1"
                                  ).fetchone() is None:
                return 0
            with self._write() as conn:
                cursor = conn.execute(
                    f"UPDATE actions SET state = {self._BACK_TO_WAITING}, next_attempt_at = :now "
                    f"WHERE state = '{SENDING}'", {"now": now})
                return cursor.rowcount

    def enqueue(self, type: str, payload: dict,  # noqa: A002 - the contract's name
                action_id: str | None = None) -> Action:
        """Queue one action; returns only after the durable commit (then show the receipt).

        `action_id` (a UUID) is made here unless given: a journey gives one when the id must be
        derivable from the reference shown to the tenant (see kiosk/references.py).
        Raises EnqueueFailed when the commit did not happen: nothing was queued, tell the tenant.
        A ValueError means a programming error (a payload that is not a JSON object).
        """
        if not isinstance(type, str) or not type:
            raise ValueError(f"an action type must be a non-empty text, got {type!r}")
        if not isinstance(payload, dict):
            raise ValueError(f"a payload must be a dict, got {payload.__class__.__name__}")
        try:
            body = _dumps(payload)
        except (TypeError, ValueError) as err:
            raise ValueError(f"the payload cannot be sent as JSON: {err}") from err
        now = self._clock()
        action_id = str(uuid.UUID(action_id)) if action_id else str(uuid.uuid4())
        created_at = _rfc3339(now)
        depends_on = None
        try:
            with self._write() as conn:
                booking_id = payload.get("booking_id")
                if type == "booking_cancel" and isinstance(booking_id, str):
                    # The one place the ordering rule lives: a cancellation waits for its booking.
                    known = conn.execute("SELECT 1 FROM actions WHERE id = ?",
                                         (booking_id,)).fetchone()
                    depends_on = booking_id if known else None
                conn.execute(
                    "INSERT INTO actions (id, type, created_at, kiosk_id, payload, state, "
                    "attempts, next_attempt_at, depends_on, enqueued_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                    (action_id, type, created_at, self.kiosk_id, body, PENDING, now, depends_on,
                     now))
        except sqlite3.Error as err:
            raise EnqueueFailed(f"the action was not queued ({err})") from err
        return Action(id=action_id, type=type, created_at=created_at, kiosk_id=self.kiosk_id,
                      payload=json.loads(body), state=PENDING, attempts=0, next_attempt_at=now,
                      depends_on=depends_on, last_error=None, result=None, enqueued_at=now,
                      delivered_at=None, first_failure_at=None)

    def claim_ready(self, limit: int = 20) -> list[Action]:
        """Mark up to `limit` due rows 'sending' and return them, oldest first, in one transaction.

        A row whose dependency was rejected or expired is rejected here, with the reason.
        """
        if limit <= 0:
            return []
        now = self._clock()
        params = {"now": now, "horizon": self._horizon(now), "limit": limit,
                  "stale_before": self._stale_before(now)}
        with self._storage("claim_ready"), self._write() as conn:
            conn.execute(
                f"UPDATE actions INDEXED BY actions_waiting_dependents "
                f"SET state = '{REJECTED}', settled_at = :now, "
                f"last_error = 'not sent: the action it depends on (' || depends_on || ') was ' "
                f"|| (SELECT d.state FROM actions d WHERE d.id = actions.depends_on) "
                f"WHERE depends_on IS NOT NULL AND {_WAITING_ROW} AND EXISTS (SELECT 1 "
                f"FROM actions d WHERE d.id = actions.depends_on "
                f"AND d.state IN ('{REJECTED}', '{EXPIRED}'))",
                {"now": now})
            # INDEXED BY (here and above): without statistics SQLite would scan every waiting row.
            rows = self._query(
                f"SELECT a.seq, {', '.join('a.' + c for c in _COLUMNS.split(', '))} "
                f"{self._CLAIMABLE.format(index='INDEXED BY actions_waiting')} "
                f"AND (a.next_attempt_at <= :now OR a.next_attempt_at > :horizon) "
                f"AND (a.depends_on IS NULL OR d.id IS NULL OR d.state = '{DELIVERED}') "
                f"ORDER BY a.seq LIMIT :limit", params)
            conn.executemany(f"UPDATE actions SET state = '{SENDING}' WHERE seq = ?",
                             [(row["seq"],) for row in rows])
        return [self._action({**row, "state": SENDING}) for row in rows]

    def mark_delivered(self, action_id: str, result: dict | None) -> None:
        """The hub accepted it (201, or 200 for a repeat). Delivered wins over any other state."""
        now = self._clock()
        body = None if result is None else _dumps(result)
        with self._storage("mark_delivered"), self._write() as conn:
            self._require(conn, action_id)
            conn.execute(
                f"UPDATE actions SET state = '{DELIVERED}', delivered_at = :now, "
                f"settled_at = :now, result = :result WHERE id = :id AND state != '{DELIVERED}'",
                {"now": now, "result": body, "id": action_id})

    def mark_rejected(self, action_id: str, reason: str) -> None:
        """The hub said no for good; the reason is kept for agents. Settled rows stay settled."""
        now = self._clock()
        with self._storage("mark_rejected"), self._write() as conn:
            self._require(conn, action_id)
            conn.execute(
                f"UPDATE actions SET state = '{REJECTED}', settled_at = :now, last_error = :reason"
                f" WHERE id = :id AND {_IN_WAITING_STATES}",
                {"now": now, "reason": _clip(reason), "id": action_id})

    def mark_failed(self, action_id: str, error: str, retry_after: float | None = None) -> str:
        """A transient failure: back off (full jitter) and maybe become stuck. Returns the state.

        The wait is rng() * min(cap, base * 2**(attempts-1)). A Retry-After (seconds, already
        parsed) makes it max(retry_after, that jitter), never more than MAX_RETRY_AFTER_SECONDS
        (1 hour). A stuck row waits at least stuck_retry_seconds, then is tried again. A row
        already settled (delivered, rejected, expired) is left alone and its state returned.
        """
        now = self._clock()
        s = self.settings
        with self._storage("mark_failed"), self._write() as conn:
            row = self._require(conn, action_id)
            state, attempts, first_failure_at = row
            if state not in WAITING_STATES:
                return state  # a late failure report must never undo a delivery
            attempts += 1
            first_failure_at = now if first_failure_at is None else first_failure_at
            # Exponent bounded: 2**1100 would overflow a float long after the cap applies.
            delay = self._rng() * min(s.retry_cap_seconds,
                                      s.retry_base_seconds * 2 ** min(attempts - 1, 60))
            if retry_after is not None and not math.isnan(retry_after):
                delay = min(max(retry_after, delay), MAX_RETRY_AFTER_SECONDS)
            stuck = self._is_stuck(attempts, first_failure_at, now)
            if stuck:
                delay = max(delay, s.stuck_retry_seconds)
            new_state = STUCK if stuck else PENDING
            conn.execute(
                "UPDATE actions SET state = ?, attempts = ?, first_failure_at = ?, "
                "next_attempt_at = ?, last_error = ? WHERE id = ?",
                (new_state, attempts, first_failure_at, now + delay, _clip(error), action_id))
        return new_state

    def release(self, action_id: str) -> None:
        """Give a claimed row back unsent (queue paused on 401/403, worker stopping): due now,
        attempts unchanged. It goes back to 'pending' ('stuck' if its failures made it stuck)."""
        now = self._clock()
        with self._storage("release"), self._write() as conn:
            self._require(conn, action_id)
            conn.execute(
                f"UPDATE actions SET state = {self._BACK_TO_WAITING}, next_attempt_at = :now"
                f" WHERE id = :id AND {_IN_WAITING_STATES}", {"now": now, "id": action_id})

    def retry(self, action_id: str) -> bool:
        """An agent's retry: a stuck (or pending) row is due now with a fresh failure count.

        Returns False when the row is unknown, in flight or already settled.
        """
        now = self._clock()
        with self._storage("retry"), self._write() as conn:
            cursor = conn.execute(
                f"UPDATE actions SET state = '{PENDING}', next_attempt_at = ?, attempts = 0, "
                f"first_failure_at = NULL WHERE id = ? AND state IN ('{PENDING}', '{STUCK}')",
                (now, action_id))
            return cursor.rowcount == 1

    def discard(self, action_id: str) -> bool:
        """An agent's discard, after confirming: a rejected, stuck or expired row is deleted
        (secure_delete overwrites it). It is never sent again.

        Pending and in-flight rows cannot be discarded: they may be on their way to the hub
        already, and are retried by themselves; an agent waits until one is stuck or rejected.
        Returns False when the row is unknown or in another state.
        """
        with self._storage("discard"), self._write() as conn:
            cursor = conn.execute(
                f"DELETE FROM actions WHERE id = ? AND state IN ('{REJECTED}', '{STUCK}', "
                f"'{EXPIRED}')", (action_id,))
            return cursor.rowcount == 1

    def retry_soon(self, spread_seconds: float = 5.0) -> int:
        """The hub is reachable again: every pending row due within a jittered spread.

        Only moves rows earlier. Stuck rows keep their slow retry (stuck_retry_seconds) until an
        agent's retry(): most fail for a reason of their own, and must not be tried again each
        time the network comes back. Returns how many rows were moved.
        """
        now = self._clock()
        with self._storage("retry_soon"), self._write() as conn:
            seqs = [row[0] for row in conn.execute(
                f"SELECT seq FROM actions INDEXED BY actions_waiting WHERE {_WAITING_ROW} "
                f"AND state = '{PENDING}' ORDER BY seq")]
            # One rng() per row, so a whole backlog does not hit the hub in the same instant.
            due = [(now + self._rng() * spread_seconds, seq) for seq in seqs]
            cursor = conn.executemany(
                "UPDATE actions SET next_attempt_at = ?1 WHERE seq = ?2 AND next_attempt_at > ?1",
                due)
            return max(cursor.rowcount, 0)

    def expire_assistance(self) -> list[str]:
        """Waiting assistance calls older than assistance_expiry_seconds become 'expired' (an
        agent arriving for someone long gone helps nobody). Returns their ids, oldest first."""
        now = self._clock()
        expiry = self.settings.assistance_expiry_seconds
        with self._storage("expire_assistance"), self._write() as conn:
            ids = [row[0] for row in conn.execute(
                f"SELECT id FROM actions WHERE type = 'assistance_call' "
                f"AND {_WAITING_ROW} AND enqueued_at <= ? ORDER BY seq",
                (now - expiry,))]
            conn.executemany(
                f"UPDATE actions SET state = '{EXPIRED}', settled_at = ?, last_error = ? "
                f"WHERE id = ?",
                [(now, f"expired: not delivered within {expiry} s", action_id)
                 for action_id in ids])
        return ids

    def erase_personal_data(self) -> int:
        """Retention: erase personal fields of rows delivered (or expired: a call for help that
        never reached anyone) more than retention_days ago.

        Rejected rows are left whole: the hub never took them, so the kiosk holds the only copy,
        and agents need it to follow the tenant up.
        Kept: type, timestamps, state, counts and the non-personal payload fields
        (KEPT_PAYLOAD_FIELDS, plus 'assisted' true/false for account requests). Erased: every
        other payload field; last_error of delivered rows; echoes of erased values in other
        errors and in the hub's result (replaced by "[erased]").
        Then the WAL is checkpointed and truncated so old copies leave the -wal file too.
        Returns how many rows were erased.
        """
        now = self._clock()
        cutoff = now - self.settings.retention_days * 86400
        erased = 0
        with self._storage("erase_personal_data"):
            while True:
                with self._write() as conn:
                    rows = conn.execute(
                        f"SELECT seq, type, state, payload, last_error, result FROM actions "
                        f"INDEXED BY actions_to_erase "  # not a scan of the whole history
                        f"WHERE erased_at IS NULL AND settled_at <= ? AND "
                        f"{_state_in(ERASED_STATES)} LIMIT ?",
                        (cutoff, ERASE_BATCH)).fetchall()
                    for seq, action_type, state, payload_text, last_error, result_text in rows:
                        payload = json.loads(payload_text)
                        kept = _kept_payload(action_type, payload)
                        secrets = _personal_values(payload, kept)
                        personal_keys = set(payload) - set(kept)
                        error = None if state == DELIVERED else _scrub(last_error, secrets)
                        result = (None if result_text is None else
                                  _dumps(_scrub_json(json.loads(result_text), secrets,
                                                     personal_keys)))
                        conn.execute(
                            "UPDATE actions SET payload = ?, last_error = ?, result = ?, "
                            "erased_at = ? WHERE seq = ?",
                            (_dumps(kept), error, result, now, seq))
                erased += len(rows)
                if len(rows) < ERASE_BATCH:
                    break
            # Old page images stay in the -wal file until it is checkpointed and truncated.
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("outbox: WAL checkpoint could not finish (another reader); erased data "
                        "may stay in %s-wal until the next erase pass", self.path)
        return erased

    def get(self, action_id: str) -> Action | None:
        with self._storage("get"):
            rows = self._query(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", (action_id,))
        return self._action(rows[0]) if rows else None

    def list(self, *states: str, action_type: str | None = None,
             limit: int = 200) -> list[Action]:
        """Actions in these states (all states if none given), of this type if given, oldest
        first."""
        unknown = [state for state in states if state not in STATES]
        if unknown:
            raise ValueError(f"unknown state(s) {unknown}; expected some of {list(STATES)}")
        terms = [f"state IN ({', '.join('?' for _ in states)})"] if states else []
        terms += ["type = ?"] if action_type is not None else []
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        params = (*states, *([action_type] if action_type is not None else []), limit)
        with self._storage("list"):
            rows = self._query(f"SELECT {_COLUMNS} FROM actions {where} ORDER BY seq LIMIT ?",
                               params)
        return [self._action(row) for row in rows]

    def counts(self, *states: str) -> dict[str, int]:
        """How many actions are in each of these states (every state if none given), zeros
        included. With states given, only those rows are counted (through the state index),
        not the whole history."""
        unknown = [state for state in states if state not in STATES]
        if unknown:
            raise ValueError(f"unknown state(s) {unknown}; expected some of {list(STATES)}")
        where = f"WHERE state IN ({', '.join('?' for _ in states)})" if states else ""
        with self._storage("counts"):
            rows = self._query(f"SELECT state, COUNT(*) AS n FROM actions {where} "
                               f"GROUP BY state", states)
        found = {row["state"]: row["n"] for row in rows}
        return {state: found.get(state, 0) for state in states or STATES}

    def waiting_count(self) -> int:
        """Pending + sending + stuck: what the tenant sees as "waiting to be sent"."""
        with self._storage("waiting_count"):
            return self._conn.execute(
                f"SELECT COUNT(*) FROM actions WHERE {_IN_WAITING_STATES}").fetchone()[0]

    def oldest_pending_age(self) -> float | None:
        """Seconds since the oldest waiting (pending, sending, stuck) action was queued."""
        with self._storage("oldest_pending_age"):
            oldest = self._conn.execute(
                f"SELECT MIN(enqueued_at) FROM actions WHERE {_IN_WAITING_STATES}").fetchone()[0]
        return None if oldest is None else max(0.0, self._clock() - oldest)

    def seconds_until_due(self) -> float | None:
        """How long until claim_ready has something to do (0 if now); None if nothing will be due.

        Rows waiting on an undelivered dependency are left out (their dependency's time counts);
        rows whose dependency failed count as due now, since claim_ready rejects them.
        """
        now = self._clock()
        params = {"now": now, "horizon": self._horizon(now),
                  "stale_before": self._stale_before(now)}
        with self._storage("seconds_until_due"):
            rows = self._query(
                f"SELECT MIN(CASE WHEN a.next_attempt_at > :horizon "
                f"OR d.state IN ('{REJECTED}', '{EXPIRED}') THEN :now "
                f"ELSE a.next_attempt_at END) AS due {self._CLAIMABLE.format(index='')} "
                f"AND (a.depends_on IS NULL OR d.id IS NULL "
                f"OR d.state IN ('{DELIVERED}', '{REJECTED}', '{EXPIRED}'))", params)
        due = rows[0]["due"]
        return None if due is None else max(0.0, due - now)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _require(conn: sqlite3.Connection, action_id: str) -> tuple:
        row = conn.execute("SELECT state, attempts, first_failure_at FROM actions WHERE id = ?",
                           (action_id,)).fetchone()
        if row is None:
            raise KeyError(f"no action {action_id!r} in this outbox")
        return row
