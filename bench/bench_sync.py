"""Sync throughput and latency against a real hub process on loopback.

1. Backlog: N actions already in the outbox (a kiosk back online after an outage); the worker
   starts and drains them. Reported as actions delivered per second.
2. Single actions: enqueue one, wake() the worker, wait for the hub's answer; repeated. Reported
   as median and p95 of enqueue -> the hub's record acknowledged to the kiosk (the hub commits
   before it answers, so this is an upper bound of enqueue -> hub record).
3. For comparison, the bare round trip of one POST with the HubClient alone (no outbox, no
   worker): what the hub itself costs per action.

Run with `make bench` (all benchmarks) or `.venv/bin/python -m bench bench_sync`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from kiosk.api import HubClient
from kiosk.config import Config, HubSettings, KioskSettings
from kiosk.outbox import Outbox
from kiosk.sync import SyncWorker
from tests.hubproc import HubProcess

BACKLOG = 2000
SINGLES = 100
KIOSK_ID = "kiosk-bench"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _config(workdir: Path, hub_url: str) -> Config:
    return Config(kiosk=KioskSettings(id=KIOSK_ID, data_dir=workdir / "kiosk"),
                  hub=HubSettings(url=hub_url, token_file=workdir / "kiosk.token"))


def run(backlog: int = BACKLOG, singles: int = SINGLES) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        workdir = Path(tmp)
        hub = HubProcess(workdir / "hub")
        hub.start()
        try:
            config = _config(workdir, hub.url)
            config.hub.token_file.write_text(hub.add_kiosk(KIOSK_ID) + "\n")
            config.kiosk.data_dir.mkdir()
            outbox = Outbox(config.outbox_path, config.outbox, KIOSK_ID)

            started = time.perf_counter()
            for i in range(backlog):
                outbox.enqueue("feedback", {"journey": "booking", "score": 1 + i % 3})
            enqueue_seconds = time.perf_counter() - started

            cond = threading.Condition()
            delivered: dict[str, float] = {}

            def on_result(action_id: str, state: str, result) -> None:
                with cond:
                    delivered[action_id] = time.perf_counter()
                    cond.notify_all()

            worker = SyncWorker(config, on_action_result=on_result)
            started = time.perf_counter()
            worker.start()
            try:
                with cond:
                    if not cond.wait_for(lambda: len(delivered) >= backlog, timeout=600):
                        raise RuntimeError(f"only {len(delivered)} of {backlog} delivered")
                drain_seconds = time.perf_counter() - started

                latencies = []
                for i in range(singles):
                    sent_at = time.perf_counter()
                    action = outbox.enqueue("feedback", {"journey": "help", "score": 2})
                    worker.wake()
                    with cond:
                        if not cond.wait_for(lambda: action.id in delivered, timeout=30):
                            raise RuntimeError(f"single action {i} not delivered in 30 s")
                    latencies.append(delivered[action.id] - sent_at)
            finally:
                worker.stop(timeout=10)
            client = HubClient(config.hub, kiosk_id=KIOSK_ID)
            round_trips = []
            for i in range(singles):
                envelope = outbox.enqueue("feedback", {"journey": "bare", "score": 1}).envelope()
                sent_at = time.perf_counter()
                client.post_action(envelope)
                round_trips.append(time.perf_counter() - sent_at)
            client.close()
            recorded = hub.query("SELECT COUNT(*) AS n FROM actions WHERE kiosk_id = ?",
                                 [KIOSK_ID])[0]["n"]
            outbox.close()
        finally:
            hub.stop()
    return {"backlog": backlog, "enqueue_seconds": enqueue_seconds,
            "drain_seconds": drain_seconds, "singles": singles, "latencies": latencies,
            "round_trips": round_trips, "recorded": recorded}


def main() -> None:
    r = run()
    ms = [x * 1000 for x in r["latencies"]]
    print("## Sync worker -> real hub on loopback\n")
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| backlog of {r['backlog']} actions drained | {r['drain_seconds']:.1f} s, "
          f"**{r['backlog'] / r['drain_seconds']:.0f} actions/s** |")
    print(f"| enqueue (durable commit) while pre-filling | "
          f"{r['enqueue_seconds'] / r['backlog'] * 1000:.2f} ms per action |")
    print(f"| enqueue -> hub record, single action with wake() (n={r['singles']}) | "
          f"median **{statistics.median(ms):.1f} ms**, p95 {_percentile(ms, 0.95):.1f} ms, "
          f"max {max(ms):.1f} ms |")
    bare = [x * 1000 for x in r["round_trips"]]
    print(f"| one POST round trip with the HubClient alone (n={len(bare)}) | "
          f"median {statistics.median(bare):.1f} ms, p95 {_percentile(bare, 0.95):.1f} ms |")
    print(f"| records at the hub / actions posted | {r['recorded']} / "
          f"{r['backlog'] + 2 * r['singles']} |")
    print(f"\n_One worker thread, one request at a time (each a durable commit at the hub and "
          f"in the outbox); {os.cpu_count()} cores._")


if __name__ == "__main__":
    main()
