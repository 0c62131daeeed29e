"""kill -9 at random moments: every action whose enqueue() returned is still there, once.

A child process enqueues as fast as it can and prints each id right after enqueue() returned;
the parent kills it with SIGKILL after a random number of ids, again and again on the same file.
This proves atomicity and recovery at the process level; surviving a power cut additionally
needs a disk that honours fsync (see kiosk/outbox.py), which no test here can prove.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from kiosk.config import OutboxSettings
from kiosk.outbox import STATES, Outbox

CHILD = Path(__file__).with_name("crash_child.py")
LINE = re.compile(r"([ED]) ([0-9a-f-]{36})\n")
ROUND_LIMIT_SECONDS = 30


def run_round(path: Path, ids_before_kill: int) -> tuple[list[str], list[str]]:
    """One child life; returns the ids it acknowledged as enqueued and as delivered."""
    child = subprocess.Popen([sys.executable, str(CHILD), str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    hung = threading.Event()

    def kill_hung_child() -> None:  # a hung child fails the test instead of hanging it
        hung.set()
        child.kill()

    watchdog = threading.Timer(ROUND_LIMIT_SECONDS, kill_hung_child)
    watchdog.start()
    try:
        lines = []
        while len(lines) < ids_before_kill:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=ROUND_LIMIT_SECONDS)
        lines += child.stdout.read().splitlines(keepends=True)  # printed before it died: valid
        errors = child.stderr.read()
    finally:
        watchdog.cancel()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, f"the child died by itself:\n{errors}"
    assert not hung.is_set(), f"the child hung for {ROUND_LIMIT_SECONDS} s:\n{errors}"
    assert not errors, errors
    enqueued, delivered = [], []
    for line in lines:
        match = LINE.fullmatch(line)
        if match:  # a line cut by the kill is not an acknowledgement
            (enqueued if match[1] == "E" else delivered).append(match[2])
    return enqueued, delivered


def test_every_acknowledged_action_survives_kill_9(tmp_path, crash_rounds):
    path = tmp_path / "outbox.db"
    seed = int.from_bytes(os.urandom(4), "big")
    pick = random.Random(seed)
    enqueued: list[str] = []
    delivered: set[str] = set()
    for _ in range(crash_rounds):
        # Sometimes at start-up (opening, recovering), mostly mid-stream.
        ids_before_kill = pick.choice([0, pick.randint(1, 20), pick.randint(20, 120)])
        acked, done = run_round(path, ids_before_kill)
        enqueued += acked
        delivered.update(done)

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT id, state FROM actions").fetchall())
        stored_rows = conn.execute("SELECT COUNT(*) FROM actions").fetchone()[0]
    finally:
        conn.close()
    why = f"(seed {seed}, {crash_rounds} rounds, {len(enqueued)} acknowledged)"
    assert enqueued, f"the child never got to enqueue anything {why}"
    assert len(set(enqueued)) == len(enqueued), why
    missing = [action_id for action_id in enqueued if action_id not in stored]
    assert missing == [], f"acknowledged but lost: {missing[:5]} {why}"
    assert stored_rows == len(stored), f"an id is stored twice {why}"
    # Each kill can cut at most one enqueue between its commit and its print.
    assert len(stored) - len(enqueued) <= crash_rounds, why
    assert set(stored.values()) <= set(STATES), why
    assert all(stored[action_id] == "delivered" for action_id in delivered), why

    outbox = Outbox(path, OutboxSettings(), "crash-kiosk")
    try:
        outbox.recover_in_flight()  # what the next start-up does
        assert outbox.counts()["sending"] == 0
        assert all(action.envelope()["id"] for action in outbox.list(limit=len(stored)))
    finally:
        outbox.close()
