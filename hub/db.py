"""The hub's SQLite database: schema, connections and the one write-transaction helper.

One file, WAL mode. Every request and every CLI command opens its own connection (a
`sqlite_utils.Database` belongs to the thread that opened it); writers serialise on
`BEGIN IMMEDIATE` and wait for each other through the busy timeout.

A request waits for the lock at most `REQUEST_BUSY_TIMEOUT_SECONDS`, well below a kiosk's read
timeout (10 s by default): past that it answers 503 rather than committing an action after the
kiosk gave up on it. Commands (`python -m hub ...`) are run by people and wait longer.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from hub.errors import HubError

SCHEMA_VERSION = 3
REQUEST_BUSY_TIMEOUT_SECONDS = 5.0   # `serve --busy-timeout`; must stay below the kiosks' read timeout
COMMAND_BUSY_TIMEOUT_SECONDS = 30.0

# Schema 2; a new database then gets every migration after 2.
SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    agency TEXT,
    token_hash TEXT UNIQUE,            -- SHA-256 of the current token; NULL once revoked
    token_issued_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    last_heartbeat_at TEXT,            -- hub clock; the fields below are the kiosk's last report
    version TEXT,
    queue_depth INTEGER,
    oldest_pending_age_seconds REAL,
    last_sync_at TEXT,
    free_disk_bytes INTEGER,
    speech_available INTEGER,
    stuck_count INTEGER,               -- NULL: the kiosk did not report it (older kiosks)
    rejected_count INTEGER
);

-- Every accepted action, forever: the primary key is the idempotency guarantee.
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,         -- SHA-256 of canonical JSON of type, kiosk_id, payload
    payload TEXT NOT NULL,             -- the validated, normalised payload (JSON)
    result TEXT NOT NULL               -- the first answer's result (JSON), repeated to every retry
);
CREATE INDEX IF NOT EXISTS actions_by_type ON actions (type, received_at);

CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL CHECK (topic IN ('email', 'internet', 'office', 'portal', 'housing_request', 'exchange')),
    kind TEXT NOT NULL CHECK (kind IN ('general', 'specific')),
    format TEXT NOT NULL CHECK (format IN ('individual', 'group')),
    starts_at TEXT NOT NULL,           -- RFC 3339, Europe/Paris offset, as shown to tenants
    ends_at TEXT NOT NULL,
    starts_utc TEXT NOT NULL,          -- fixed-width UTC copy of starts_at, for comparisons
    place TEXT NOT NULL,
    agency TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    language TEXT NOT NULL CHECK (language IN ('fr', 'en', 'es', 'pt')),
    cancelled_at TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (starts_utc);

CREATE TABLE IF NOT EXISTS bookings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- arrival order, which is the wait-list order
    id TEXT NOT NULL UNIQUE,                 -- the booking action's id
    session_id TEXT NOT NULL REFERENCES sessions (id),
    kiosk_id TEXT NOT NULL,
    name TEXT NOT NULL,
    mobile TEXT,
    language TEXT NOT NULL,
    assisted_by TEXT,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    booked_at TEXT NOT NULL,
    confirmed_at TEXT,
    cancelled_at TEXT,
    cancel_action_id TEXT
);
CREATE INDEX IF NOT EXISTS bookings_by_session ON bookings (session_id, status, seq);

-- A cancellation that arrived before its booking (tenants cancel from any kiosk with their
-- reference); the booking is stored as cancelled when it arrives, and the row is deleted.
CREATE TABLE IF NOT EXISTS pending_cancellations (
    booking_id TEXT PRIMARY KEY,       -- the id of the booking action still on its way
    cancel_action_id TEXT NOT NULL,    -- the first booking_cancel action naming it
    kiosk_id TEXT NOT NULL,
    received_at TEXT NOT NULL          -- hub clock; becomes the booking's cancelled_at
);

-- The application never over-books; these make an over-booking impossible even for a bug.
CREATE TRIGGER IF NOT EXISTS bookings_capacity_insert
BEFORE INSERT ON bookings WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'session is full')
    WHERE (SELECT count(*) FROM bookings WHERE session_id = NEW.session_id AND status = 'confirmed')
        >= (SELECT capacity FROM sessions WHERE id = NEW.session_id);
END;
CREATE TRIGGER IF NOT EXISTS bookings_capacity_update
BEFORE UPDATE OF status ON bookings WHEN NEW.status = 'confirmed' AND OLD.status != 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'session is full')
    WHERE (SELECT count(*) FROM bookings WHERE session_id = NEW.session_id AND status = 'confirmed')
        >= (SELECT capacity FROM sessions WHERE id = NEW.session_id);
END;

CREATE TABLE IF NOT EXISTS assistance_calls (
    id TEXT PRIMARY KEY,               -- the assistance_call action's id
    kiosk_id TEXT NOT NULL,
    reason TEXT,
    language TEXT NOT NULL,
    screen TEXT,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'acknowledged', 'resolved')),
    agent_first_name TEXT,
    called_at TEXT NOT NULL,
    acknowledged_at TEXT,
    resolved_at TEXT
);
CREATE INDEX IF NOT EXISTS assistance_calls_by_status ON assistance_calls (status, called_at);
"""

# Schema 3: the agent console (agents, their browser sessions, what they did with requests
# and bookings). A new database gets SCHEMA then every migration after 2.
V3 = """
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY,               -- login name, also the kiosk actions' assisted_by
    first_name TEXT NOT NULL,          -- what the kiosk shows a tenant: "Marie arrive"
    agency TEXT,                       -- NULL: every agency
    password_hash TEXT NOT NULL,       -- scrypt, with its parameters and salt (hub/passwords.py)
    created_at TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash TEXT PRIMARY KEY,       -- SHA-256 of the cookie's random token
    agent_id TEXT NOT NULL REFERENCES agents (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS account_request_status (
    action_id TEXT PRIMARY KEY REFERENCES actions (id),
    processed_at TEXT NOT NULL,
    processed_by TEXT NOT NULL
);
ALTER TABLE bookings ADD COLUMN attended INTEGER;   -- NULL: not marked; 1 came; 0 did not come
ALTER TABLE bookings ADD COLUMN attendance_marked_by TEXT;
ALTER TABLE assistance_calls ADD COLUMN acknowledged_by TEXT;
ALTER TABLE assistance_calls ADD COLUMN resolved_by TEXT;
"""

# From schema N-1 to N; each runs inside the write transaction that re-checks user_version.
MIGRATIONS = {
    2: """
ALTER TABLE kiosks ADD COLUMN stuck_count INTEGER;
ALTER TABLE kiosks ADD COLUMN rejected_count INTEGER;
CREATE TABLE IF NOT EXISTS pending_cancellations (
    booking_id TEXT PRIMARY KEY,
    cancel_action_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);
""",
    3: V3,
}


def connect(path: Path | str, busy_timeout: float = COMMAND_BUSY_TIMEOUT_SECONDS) -> Database:
    """A new connection for the calling thread only; waits up to `busy_timeout` s for a lock."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    # An accepted action must survive a power cut: the kiosk forgets it once we answer 201.
    db.execute("PRAGMA synchronous = FULL")
    return db


def open_hub_db(path: Path | str, *, create: bool = True) -> Database:
    """Connect and make sure the schema is there (idempotent, safe while the hub runs)."""
    path = Path(path)
    if not create and not path.exists():
        raise HubError("no_database", f"There is no hub database at {path}; check --db (the hub creates it on first start).")
    if create and not path.parent.is_dir():
        raise HubError("no_database", f"The folder {path.parent} does not exist; create it or choose another --db path.")
    db = connect(path)
    try:
        db.enable_wal()
        version = _schema_version(db, path)
        if version < SCHEMA_VERSION:
            with write_transaction(db):
                # Re-read under the lock: another process may have created or upgraded it meanwhile.
                version = _schema_version(db, path)
                scripts = ([SCHEMA] if version == 0 else []) + [MIGRATIONS[v] for v in range((version or 2) + 1, SCHEMA_VERSION + 1)]
                for script in scripts:
                    for statement in _statements(script):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


def _schema_version(db: Database, path: Path) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HubError("schema_too_new", f"The database {path} was written by a newer hub (schema {version}); update this hub first.")
    return version


def _statements(script: str) -> Iterator[str]:
    """The statements of a script one by one (executescript would commit our transaction)."""
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):  # a trigger's body holds ';' too
            if current.strip(" \n;"):
                yield current.strip()
            current = ""
    if current.strip(" \n;"):
        raise ValueError(f"incomplete SQL statement in the schema: {current.strip()[:60]!r}")


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction that holds the write lock from its first statement."""
    # IMMEDIATE takes the lock now, so a check made inside cannot be invalidated before the write.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.commit()


@contextlib.contextmanager
def session_db(path: Path | str, busy_timeout: float = REQUEST_BUSY_TIMEOUT_SECONDS) -> Iterator[Database]:
    """A connection for one request, closed afterwards."""
    db = connect(path, busy_timeout)
    try:
        yield db
    finally:
        db.close()


def is_busy(error: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: someone else holds the database; worth retrying soon."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
    message = str(error).lower()
    return "locked" in message or "busy" in message


def canonical_json(value: object) -> str:
    """The same JSON value always gives the same text (key order and spacing do not matter)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def open_read_only(path: Path | str) -> Database:
    """A connection that cannot write, for tests and exports while the hub runs."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=COMMAND_BUSY_TIMEOUT_SECONDS)
    return Database(conn, execute_plugins=False, recursive_triggers=False)
