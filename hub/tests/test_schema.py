"""A hub database written by an older hub is brought up to date when the hub opens it."""

import sqlite3

from hub.db import SCHEMA_VERSION, open_hub_db


def columns(db, table):
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}


def downgrade_to_schema_1(path):
    """What the first hub release created: no heartbeat counts, no pending cancellations."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("ALTER TABLE kiosks DROP COLUMN stuck_count")
        conn.execute("ALTER TABLE kiosks DROP COLUMN rejected_count")
        conn.execute("DROP TABLE pending_cancellations")
        for table in ("console_sessions", "agents", "account_request_status"):
            conn.execute(f"DROP TABLE {table}")
        for table, column in (("bookings", "attended"), ("bookings", "attendance_marked_by"),
                              ("assistance_calls", "acknowledged_by"), ("assistance_calls", "resolved_by")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 1")
    finally:
        conn.close()


def test_a_schema_1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "hub.db"
    open_hub_db(path).close()
    downgrade_to_schema_1(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO kiosks (id, created_at) VALUES ('kiosk-old', '2025-01-01T00:00:00.000+00:00')")
    conn.commit()
    conn.close()

    db = open_hub_db(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert {"stuck_count", "rejected_count"} <= columns(db, "kiosks")
        assert {"attended", "attendance_marked_by"} <= columns(db, "bookings")
        assert {"agents", "console_sessions", "account_request_status"} <= set(db.table_names())
        assert columns(db, "pending_cancellations") == {"booking_id", "cancel_action_id", "kiosk_id", "received_at"}
        assert db.execute("SELECT id FROM kiosks").fetchall() == [("kiosk-old",)]
    finally:
        db.close()
    open_hub_db(path).close()  # opening again changes nothing


def test_a_new_database_has_the_current_schema(tmp_path):
    db = open_hub_db(tmp_path / "hub.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert {"stuck_count", "rejected_count"} <= columns(db, "kiosks")
        assert "pending_cancellations" in db.table_names()
        assert {"acknowledged_by", "resolved_by"} <= columns(db, "assistance_calls")
        assert {"agents", "console_sessions", "account_request_status"} <= set(db.table_names())
    finally:
        db.close()
