"""The child of tests/test_crash.py: enqueue as fast as it can until it is killed.

Usage: python tests/crash_child.py DBPATH

Prints "E <id>" right after enqueue() returned (the moment a tenant would see a receipt) and
"D <id>" right after mark_delivered() returned. Some claimed actions are failed or left in
flight on purpose, so a kill lands in every kind of transaction.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import OutboxSettings  # noqa: E402 - after the path fix above
from kiosk.outbox import Outbox  # noqa: E402

SETTINGS = OutboxSettings(retry_base_seconds=0.01, retry_cap_seconds=1.0)


def some_action(booking_ids: list[str]) -> tuple[str, dict]:
    kind = random.random()
    if kind < 0.4:
        return "booking", {"session_id": f"s-{random.randint(1, 9)}", "name": "Zoé Ñúñez",
                           "mobile": "+33612345678", "language": "fr"}
    if kind < 0.6 and booking_ids:
        return "booking_cancel", {"booking_id": random.choice(booking_ids)}
    if kind < 0.7:
        return "assistance_call", {"language": "pt", "screen": "home",
                                   "reason": "x" * random.randint(0, 6000)}  # overflow pages
    return "feedback", {"journey": "booking", "score": random.randint(1, 3)}


def main(path: str) -> None:
    outbox = Outbox(path, SETTINGS, "crash-kiosk")
    outbox.recover_in_flight()
    booking_ids: list[str] = []
    count = 0
    while True:
        action_type, payload = some_action(booking_ids)
        action = outbox.enqueue(action_type, payload)
        print("E", action.id, flush=True)
        if action_type == "booking":
            booking_ids = (booking_ids + [action.id])[-20:]
        count += 1
        if count % 4:
            continue
        for claimed in outbox.claim_ready(limit=3):
            fate = random.random()
            if fate < 0.6:
                outbox.mark_delivered(claimed.id, {"status": "confirmed"})
                print("D", claimed.id, flush=True)
            elif fate < 0.8:
                outbox.mark_failed(claimed.id, "HTTP 503")
            # else: left 'sending', as if the kiosk died mid-request


if __name__ == "__main__":
    main(sys.argv[1])
