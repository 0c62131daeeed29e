"""Console: statistics by agency and by ISO week (Paris time), as a chart, tables and CSV.

What is counted, per week:
- account requests (by the day they reached the hub), alone or with an agent (`assisted_by`);
- bookings received (by the day they reached the hub; the session's agency);
- attendance, for sessions held that week and not cancelled: confirmed seats, came, did not come;
- assistance calls, and the median time from the call reaching the hub to an agent taking it;
- satisfaction: the three faces (feedback score 1, 2, 3), their shares and the mean score.
Requests, calls and feedback belong to the agency of the kiosk they came from.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlite_utils import Database

from hub.console.chart import Series, stacked_bars
from hub.console.requests import NO_AGENCY, csv_response, csv_text
from hub.console.web import Agent, console_db, duration, paris_time, render, whole_number
from hub.console.workshops import chosen_agency, known_agencies
from hub.timeutil import PARIS, utc_key, utc_now

router = APIRouter(prefix="/console")

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
FACES = {1: "Pas content", 2: "Moyen", 3: "Content"}


@dataclass
class Tally:
    """The numbers of one week and/or one agency; tallies add up."""

    requests_alone: int = 0
    requests_assisted: int = 0
    bookings: int = 0
    booked: int = 0          # confirmed seats in sessions held
    came: int = 0
    absent: int = 0
    calls: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    scores: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for name in ("requests_alone", "requests_assisted", "bookings", "booked", "came", "absent", "calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ack_seconds.extend(other.ack_seconds)
        self.scores.update(other.scores)

    @property
    def requests(self) -> int:
        return self.requests_alone + self.requests_assisted

    @property
    def calls_taken(self) -> int:
        return len(self.ack_seconds)

    @property
    def median_ack_seconds(self) -> float | None:
        return statistics.median(self.ack_seconds) if self.ack_seconds else None

    @property
    def feedback(self) -> int:
        return sum(self.scores.values())

    def share(self, score: int) -> int | None:
        """Percentage of feedback with this score, rounded; None without feedback."""
        return round(100 * self.scores[score] / self.feedback) if self.feedback else None

    @property
    def mean_score(self) -> float | None:
        return sum(s * n for s, n in self.scores.items()) / self.feedback if self.feedback else None


@dataclass
class Week:
    key: str        # ISO week, 2026-W47
    label: str      # what agents read: S47
    monday: datetime


def week_key(moment: datetime) -> str:
    year, week, _ = moment.astimezone(PARIS).isocalendar()
    return f"{year}-W{week:02d}"


def last_weeks(now: datetime, count: int) -> list[Week]:
    """The `count` ISO weeks up to and including this one (Paris time), oldest first."""
    today = now.astimezone(PARIS).date()
    this_monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(count - 1, -1, -1):
        monday = datetime.combine(this_monday - timedelta(weeks=back), datetime.min.time(), tzinfo=PARIS)
        weeks.append(Week(week_key(monday), f"S{monday.isocalendar()[1]}", monday))
    return weeks


def collect(db: Database, now: datetime, weeks: list[Week]) -> dict[tuple[str, str], Tally]:
    """Tallies per (ISO week, agency) for the given weeks."""
    wanted = {week.key for week in weeks}
    since = weeks[0].monday - timedelta(days=1)  # a day of margin for offsets; exact filter below
    since_text = since.astimezone(PARIS).isoformat()
    since_key = utc_key(since)
    tallies: dict[tuple[str, str], Tally] = {}

    def tally(stamp: str, agency: str | None) -> Tally | None:
        key = week_key(datetime.fromisoformat(stamp))
        if key not in wanted:
            return None
        return tallies.setdefault((key, agency or NO_AGENCY), Tally())

    for stamp, agency, payload, kind in db.execute(
        """SELECT a.received_at, k.agency, a.payload, a.type FROM actions a LEFT JOIN kiosks k ON k.id = a.kiosk_id
           WHERE a.type IN ('account_request', 'feedback') AND a.received_at >= ?""",
        [since_text[:10]],
    ):
        t = tally(stamp, agency)
        if t is None:
            continue
        payload = json.loads(payload)
        if kind == "feedback":
            t.scores[payload["score"]] += 1
        elif payload.get("assisted_by"):
            t.requests_assisted += 1
        else:
            t.requests_alone += 1
    for stamp, agency in db.execute(
        "SELECT b.booked_at, s.agency FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.booked_at >= ?",
        [since_text[:10]],
    ):
        if (t := tally(stamp, agency)) is not None:
            t.bookings += 1
    for starts_at, agency, attended in db.execute(
        """SELECT s.starts_at, s.agency, b.attended FROM bookings b JOIN sessions s ON s.id = b.session_id
           WHERE b.status = 'confirmed' AND s.cancelled_at IS NULL AND s.starts_utc >= ? AND s.starts_utc <= ?""",
        [since_key, utc_key(now)],
    ):
        if (t := tally(starts_at, agency)) is not None:
            t.booked += 1
            t.came += attended == 1
            t.absent += attended == 0
    for called_at, agency, acknowledged_at in db.execute(
        """SELECT c.called_at, k.agency, c.acknowledged_at FROM assistance_calls c
           LEFT JOIN kiosks k ON k.id = c.kiosk_id WHERE c.called_at >= ?""",
        [since_text[:10]],
    ):
        if (t := tally(called_at, agency)) is not None:
            t.calls += 1
            if acknowledged_at:
                waited = datetime.fromisoformat(acknowledged_at) - datetime.fromisoformat(called_at)
                t.ack_seconds.append(max(waited.total_seconds(), 0.0))
    return tallies


@dataclass
class Report:
    weeks: list[tuple[Week, Tally]]       # oldest first, for the chosen agency (or all)
    agencies: list[tuple[str, Tally]]     # over the whole period
    total: Tally


def weekly_report(db: Database, now: datetime, weeks: int = DEFAULT_WEEKS, agency: str | None = None) -> Report:
    periods = last_weeks(now, weeks)
    tallies = collect(db, now, periods)
    by_week = {week.key: Tally() for week in periods}
    by_agency: dict[str, Tally] = {}
    total = Tally()
    for (key, name), t in tallies.items():
        by_agency.setdefault(name, Tally()).add(t)
        if agency is None or name == agency:
            by_week[key].add(t)
            total.add(t)
    return Report([(week, by_week[week.key]) for week in periods],
                  sorted(by_agency.items(), key=lambda item: item[0].casefold()), total)


def requests_chart(report: Report) -> str:
    labels = [week.label for week, _ in report.weeks]
    return stacked_bars(
        "chart-requests", "Demandes de compte par semaine : seuls ou avec un agent", labels,
        [Series("Seuls", [t.requests_alone for _, t in report.weeks]),
         Series("Avec un agent", [t.requests_assisted for _, t in report.weeks])],
    )


def attendance_chart(report: Report) -> str:
    labels = [week.label for week, _ in report.weeks]
    return stacked_bars(
        "chart-attendance", "Présence aux ateliers par semaine : venus, pas venus, non noté", labels,
        [Series("Venus", [t.came for _, t in report.weeks]),
         Series("Pas venus", [t.absent for _, t in report.weeks]),
         Series("Non noté", [t.booked - t.came - t.absent for _, t in report.weeks])],
    )


# --- CSV -----------------------------------------------------------------------------------------

CSV_HEADER = ["Semaine", "Lundi", "Agence", "Demandes seuls", "Demandes avec un agent", "Réservations reçues",
              "Places confirmées (séances tenues)", "Venus", "Pas venus", "Appels", "Appels pris",
              "Délai médian de prise en charge (s)", "Avis pas content", "Avis moyen", "Avis content", "Note moyenne (1 à 3)"]


def _csv_row(week: Week, agency: str, t: Tally) -> list:
    median = t.median_ack_seconds
    mean = t.mean_score
    return [week.key, paris_time(week.monday, "%d/%m/%Y"), agency, t.requests_alone, t.requests_assisted, t.bookings,
            t.booked, t.came, t.absent, t.calls, t.calls_taken, "" if median is None else f"{median:.0f}",
            t.scores[1], t.scores[2], t.scores[3], "" if mean is None else f"{mean:.2f}".replace(".", ",")]


def stats_csv(db: Database, now: datetime, weeks: int, agency: str | None) -> str:
    """One line per week and agency that had something, oldest week first."""
    periods = last_weeks(now, weeks)
    tallies = collect(db, now, periods)
    rows = []
    for week in periods:
        for name in sorted({n for (k, n) in tallies if k == week.key}, key=str.casefold):
            if agency is None or name == agency:
                rows.append(_csv_row(week, name, tallies[(week.key, name)]))
    return csv_text(CSV_HEADER, rows)


# --- routes ------------------------------------------------------------------------------------


def _weeks(value: str) -> int:
    count = whole_number(value)
    return DEFAULT_WEEKS if count is None else min(max(count, 1), MAX_WEEKS)


@router.get("/stats")
def stats_page(request: Request, agent: Agent, agency: Annotated[str | None, Query(max_length=120)] = None,
               weeks: Annotated[str, Query(max_length=4)] = str(DEFAULT_WEEKS)) -> Response:
    count = _weeks(weeks)
    chosen = chosen_agency(agent, agency)
    with console_db(request) as db:
        report = weekly_report(db, utc_now(), count, chosen)
        agencies = known_agencies(db)
    return render(request, "stats.html", agent, active="stats", report=report, agencies=agencies,
                  agency=chosen or "", weeks=count, faces=FACES, duration=duration,
                  requests_chart=requests_chart(report), attendance_chart=attendance_chart(report))


@router.get("/stats.csv")
def stats_csv_export(request: Request, agent: Agent, agency: Annotated[str | None, Query(max_length=120)] = None,
                     weeks: Annotated[str, Query(max_length=4)] = str(DEFAULT_WEEKS)) -> Response:
    count = _weeks(weeks)
    now = utc_now()
    with console_db(request) as db:
        text = stats_csv(db, now, count, chosen_agency(agent, agency))
    return csv_response(text, f"statistiques-{count}-semaines-{paris_time(now, '%Y%m%d')}.csv")
