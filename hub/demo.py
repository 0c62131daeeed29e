"""Demo data: three weeks of workshops in four agencies, the same every time for a given day.

Used by `serve --demo` (and so by `make run` and the tests). Seeding is skipped when the
database already has sessions, so restarting a demo hub keeps its bookings.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlite_utils import Database

from hub.catalog import session_row
from hub.db import write_transaction
from hub.rules import TOPIC_KINDS
from hub.timeutil import PARIS, paris_today, rfc3339

AGENCIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Centre Ouest": ("co", (
        "Agence Centre Ouest — salle 2",
        "Maison de quartier du Hameau",
        "Centre social de la Pépinière — espace numérique",
    )),
    "Côte Basque Sud": ("cbs", (
        "Agence Côte Basque Sud — salle de réunion",
        "Médiathèque du Fronton — espace multimédia",
        "Maison des associations — salle Txingudi",
    )),
    "Béarn": ("bea", (
        "Agence Béarn — salle 1",
        "Maison de quartier des Fleurs",
        "Point information jeunesse — salle informatique",
    )),
    "PPO": ("ppo", (  # Pau Porte des Pyrénées: the landlord's own short name, kept as is
        "Agence PPO — salle 2",
        "Maison de quartier Ousse-des-Bois",
        "Centre social Saragosse",
    )),
}
SLOTS = (time(9, 30), time(14, 0))
WEEKS = 3
SEED = 20240917
DEMO_KIOSK = "demo-seed"
_BOOKING_NAMESPACE = uuid.UUID("6f1d3c52-6a9b-4f53-9a43-3c4a1d1e2b7f")


def demo_plan(today: date) -> tuple[list[dict], list[dict], set[str]]:
    """(sessions, bookings, ids of cancelled sessions) for a demo starting on `today`."""
    rng = random.Random(SEED)
    topics = list(TOPIC_KINDS)
    sessions: list[dict] = []
    bookings: list[dict] = []
    cancelled: set[str] = set()
    for offset in range(WEEKS * 7):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for agency, (code, places) in AGENCIES.items():
            for slot in SLOTS:
                if rng.random() < 0.45:  # not every slot of every agency has a workshop
                    continue
                n = len(sessions)
                # Cycling topics and formats guarantees every topic appears in both formats.
                topic = topics[n % len(topics)]
                individual = (n // len(topics)) % 3 == 0
                capacity = 1 if individual else rng.randint(6, 10)
                language = "fr" if rng.random() < 0.85 else rng.choice(("en", "es", "pt"))
                row = session_row(
                    session_id=f"{day:%Y%m%d}-{slot:%H%M}-{code}",
                    topic=topic,
                    starts_at=datetime.combine(day, slot, tzinfo=PARIS),
                    minutes=60 if individual else 120,
                    place=rng.choice(places),
                    agency=agency,
                    capacity=capacity,
                    language=language,
                )
                sessions.append(row)
                taken = (1 if n % 7 == 3 else 0) if individual else rng.randint(0, capacity - 2)
                for seat in range(taken):
                    bookings.append({"session_id": row["id"], "seat": seat})
                if n % 23 == 11:
                    cancelled.add(row["id"])
    return sessions, bookings, cancelled


def seed_demo(db: Database, now: datetime, today: date | None = None) -> bool:
    """Seeds the demo if the database has no sessions yet; True when it did."""
    sessions, bookings, cancelled = demo_plan(today or paris_today())
    stamp = rfc3339(now)
    with write_transaction(db):
        if db.execute("SELECT count(*) FROM sessions").fetchone()[0]:
            return False
        for row in sessions:
            row["cancelled_at"] = stamp if row["id"] in cancelled else None
        db["sessions"].insert_all(sessions)
        db["bookings"].insert_all(
            {
                "id": str(uuid.uuid5(_BOOKING_NAMESPACE, f"{b['session_id']}/{b['seat']}")),
                "session_id": b["session_id"],
                "kiosk_id": DEMO_KIOSK,
                "name": "Réservation de démonstration",
                "language": "fr",
                "status": "confirmed",
                "booked_at": stamp,
                "confirmed_at": stamp,
            }
            for b in bookings
        )
    return True
