"""When the disk says no, enqueue says so (EnqueueFailed) and nothing half-written is left."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import kiosk.outbox
from kiosk.config import OutboxSettings
from kiosk.outbox import EnqueueFailed, Outbox

REPO = Path(__file__).resolve().parents[1]
SETTINGS = OutboxSettings()
BIG_REASON = "help me please " * 20_000  # about 300 kB: many pages to write


def rows(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT type, state FROM actions ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_enqueue_failure_raises_enqueue_failed(tmp_path):
    """A real write error: the process may not grow files past a limit (EFBIG, like a full disk).

    Run in a child process, so the limit cannot touch pytest's own files.
    """
    path = tmp_path / "outbox.db"
    script = textwrap.dedent(f"""
        import os, resource, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from kiosk.config import OutboxSettings
        from kiosk.outbox import EnqueueFailed, Outbox

        outbox = Outbox({str(path)!r}, OutboxSettings(), "kiosk-7")
        outbox.enqueue("feedback", {{"journey": "home", "score": 3}})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG from write(), not a signal
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        largest = max(os.path.getsize(p) for p in ({str(path)!r}, {str(path)!r} + "-wal"))
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 8192, hard))
        try:
            big = {{"language": "fr", "reason": "help me please " * 20_000}}
            outbox.enqueue("assistance_call", big)
            print("QUEUED")
        except EnqueueFailed as err:
            print("FAILED", err)
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        outbox.enqueue("booking_cancel", {{"booking_id": "b-1"}})  # usable again once it can write
        print("AFTER")
        outbox.close()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAILED") and "not queued" in lines[0]
    assert lines[1] == "AFTER"
    assert rows(path) == [("feedback", "pending"), ("booking_cancel", "pending")]


def test_enqueue_fails_when_the_outbox_stays_locked_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(kiosk.outbox, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "outbox.db"
    outbox = Outbox(path, SETTINGS, "kiosk-7")
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer that never lets go
        with pytest.raises(EnqueueFailed, match="locked"):
            outbox.enqueue("feedback", {"journey": "home", "score": 2})
        blocker.execute("ROLLBACK")
        outbox.enqueue("feedback", {"journey": "home", "score": 3})
        assert outbox.counts()["pending"] == 1
    finally:
        blocker.close()
        outbox.close()


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 512 kB file system (tmpfs); needs root, skipped elsewhere."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)],
                       check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount_point
    finally:
        # Lazy, so a file a failed test left open cannot leave the mount behind.
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False,
                       capture_output=True, timeout=10)


def test_enqueue_on_a_full_disk_raises_enqueue_failed(tiny_disk):
    path = tiny_disk / "outbox.db"
    outbox = Outbox(path, SETTINGS, "kiosk-7")
    try:
        kept = outbox.enqueue("feedback", {"journey": "home", "score": 3})
        filler = tiny_disk / "filler"
        with open(filler, "wb", buffering=0) as out:  # fill every last block
            try:
                while True:
                    out.write(b"\0" * 4096)
            except OSError:
                pass

        with pytest.raises(EnqueueFailed, match="full"):
            outbox.enqueue("assistance_call", {"language": "fr", "reason": BIG_REASON[:60_000]})
        assert [a.id for a in outbox.list()] == [kept.id]

        filler.unlink()  # IT frees space: the outbox works again, nothing was lost or doubled
        again = outbox.enqueue("booking_cancel", {"booking_id": str(uuid.uuid4())})
        assert [a.id for a in outbox.list()] == [kept.id, again.id]
    finally:
        outbox.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
