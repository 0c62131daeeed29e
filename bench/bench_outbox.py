"""Outbox benchmark: what enqueue costs the UI thread, and what a backlog costs disk and memory.

Run: .venv/bin/python bench/bench_outbox.py [--dir DIR] [--count N]   (or `make bench`)
DIR should be on the disk the kiosk will use (synchronous=FULL makes fsync the main cost).
Prints a markdown table. A timing is information, never a pass/fail.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import OutboxSettings  # noqa: E402 - after the path fix above
from kiosk.outbox import Outbox  # noqa: E402

PAYLOADS = [
    ("booking", {"session_id": "2024-12-03-email-1", "name": "Awa Diallo",
                 "mobile": "+33612345678", "language": "fr"}),
    ("account_request", {"tenant_ref": "00123456", "surname": "Martin",
                         "birth_date": "1950-02-03", "email": "j.martin@example.org",
                         "consent": True, "language": "fr", "assisted_by": "agent-12"}),
    ("feedback", {"journey": "booking", "score": 3}),
    ("assistance_call", {"language": "pt", "screen": "booking", "reason": "password"}),
]


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), 0 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def files_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def run(directory: str | None, count: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    settings = replace(OutboxSettings(), retention_days=0)
    with tempfile.TemporaryDirectory(dir=directory, prefix="bench-outbox-") as tmp:
        path = Path(tmp) / "outbox.db"
        gc.collect()
        rss_start = rss_bytes()
        outbox = Outbox(path, settings, "bench-kiosk")
        checkpoint(path)
        empty_size = files_size(path)

        latencies = []
        for i in range(count):
            action_type, payload = PAYLOADS[i % len(PAYLOADS)]
            started = time.perf_counter()
            outbox.enqueue(action_type, payload)
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        ms = [1000 * percentile(latencies, q) for q in (0.5, 0.95, 0.99)]
        rows.append((f"enqueue latency, median / p95 / p99 ({count} actions, "
                     f"synchronous=FULL)", f"{ms[0]:.2f} / {ms[1]:.2f} / {ms[2]:.2f} ms"))
        rows.append(("enqueue latency, max", f"{1000 * latencies[-1]:.2f} ms"))

        wal_peak = Path(f"{path}-wal").stat().st_size
        gc.collect()
        rss_pending = rss_bytes()
        checkpoint(path)
        per_10k = (files_size(path) - empty_size) * 10_000 / count
        rows.append(("file growth per 10k pending actions (after checkpoint)",
                     f"{per_10k / 1e6:.2f} MB"))
        rows.append(("-wal file at its largest while enqueueing (auto-checkpoint 1000 pages)",
                     f"{wal_peak / 1e6:.2f} MB"))
        rows.append((f"process RSS growth with {count} pending (outbox open)",
                     f"{(rss_pending - rss_start) / 1e6:.1f} MB"))

        tracemalloc.start()
        pending = outbox.list("pending", limit=count)
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((f"Python memory to hold all {len(pending)} pending as Action objects",
                     f"{held / 1e6:.1f} MB"))
        del pending

        started = time.perf_counter()
        claims = 0
        delivered = 0
        claim_time = 0.0
        while True:
            before = time.perf_counter()
            batch = outbox.claim_ready(limit=20)
            claim_time += time.perf_counter() - before
            claims += 1
            if not batch:
                break
            for action in batch:
                outbox.mark_delivered(action.id, {"status": "confirmed"})
                delivered += 1
        elapsed = time.perf_counter() - started
        rows.append(("claim_ready(20) + mark_delivered each, throughput",
                     f"{delivered / elapsed:,.0f} actions/s"))
        rows.append(("claim_ready(20) with a backlog, mean",
                     f"{1000 * claim_time / claims:.2f} ms"))

        checkpoint(path)
        rows.append(("file growth per 10k delivered actions",
                     f"{(files_size(path) - empty_size) * 10_000 / count / 1e6:.2f} MB"))
        started = time.perf_counter()
        erased = outbox.erase_personal_data()
        rows.append((f"erase_personal_data on {erased} rows (incl. checkpoint)",
                     f"{time.perf_counter() - started:.2f} s"))
        rows.append(("file growth per 10k delivered actions, personal data erased",
                     f"{(files_size(path) - empty_size) * 10_000 / count / 1e6:.2f} MB"))
        outbox.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the results as a markdown section; `python -m bench` calls this with no arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="where to put the test file (default: the system temp)")
    parser.add_argument("--count", type=int, default=10_000, help="actions (default 10000)")
    args = parser.parse_args([] if argv is None else argv)  # sys.argv belongs to the runner
    rows = run(args.dir, args.count)
    where = args.dir or tempfile.gettempdir()
    print("## Outbox (`kiosk/outbox.py`)\n")
    print(f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs, files in {where}. Realistic payloads (booking, account "
          f"request, feedback, assistance call in turn).\n")
    print("| measure | value |")
    print("| --- | --- |")
    for measure, value in rows:
        print(f"| {measure} | {value} |")


if __name__ == "__main__":
    main(sys.argv[1:])
