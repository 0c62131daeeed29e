"""Console, statistics: numbers for a known set of kiosk actions, the SVG chart and the CSV."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from hub.console.chart import Series, describe, nice_ceiling, stacked_bars
from hub.console.stats import last_weeks
from hub.db import connect, write_transaction
from hub.tests.consoleclient import log_in, start_session_now, text_of
from hub.timeutil import rfc3339
from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def hub(bare_module_hub):
    return bare_module_hub


def send(hub, auth, action_type: str, payload: dict) -> str:
    action = make_action(auth.kiosk_id, action_type, payload)
    answer = post_action(hub, auth, action)
    assert answer.status_code == 201, answer.text
    return action["id"]


def acknowledge_after(hub, call_id: str, seconds: int) -> None:
    """The agent took the call `seconds` after it arrived (set directly: the test cannot wait minutes)."""
    db = connect(hub.db_path)
    try:
        with write_transaction(db):
            called_at = db.execute("SELECT called_at FROM assistance_calls WHERE id = ?", [call_id]).fetchone()[0]
            acked = datetime.fromisoformat(called_at) + timedelta(seconds=seconds)
            db.execute("UPDATE assistance_calls SET status = 'acknowledged', acknowledged_at = ?, agent_first_name = 'Ana' "
                       "WHERE id = ?", [rfc3339(acked), call_id])
    finally:
        db.close()


@pytest.fixture(scope="module")
def agent(hub):
    """A known week: Nord has 3 requests alone and 2 assisted, Sud 1 assisted; calls, feedback, a workshop."""
    agent = log_in(hub, "asouza", "Ana")
    nord, sud = hub.add_kiosk_auth("borne-nord", "Nord"), hub.add_kiosk_auth("borne-sud", "Sud")
    request = {"tenant_ref": "R1", "surname": "Dupont", "email": "d@exemple.fr", "consent": True, "language": "fr"}
    for _ in range(3):
        send(hub, nord, "account_request", request)
    for _ in range(2):
        send(hub, nord, "account_request", {**request, "assisted_by": "asouza"})
    send(hub, sud, "account_request", {**request, "assisted_by": "asouza"})
    for seconds in (30, 60, 300):
        acknowledge_after(hub, send(hub, nord, "assistance_call", {"language": "fr"}), seconds)
    send(hub, nord, "assistance_call", {"language": "fr"})  # nobody took it
    for score in (3, 3, 3, 2, 1):
        send(hub, nord, "feedback", {"journey": "account", "score": score})
    hub.add_session("stats-nord", capacity=2, agency="Nord")
    bookings = [send(hub, nord, "booking", {"session_id": "stats-nord", "name": name, "language": "fr"})
                for name in ("Un", "Deux", "Trois")]  # the third is wait-listed
    start_session_now(hub, "stats-nord", started_ago_minutes=5)
    agent.get("/console/workshops/stats-nord")
    agent.submit("/console/workshops/stats-nord/attendance", {"booking_id": bookings[0], "attended": "came"})
    agent.submit("/console/workshops/stats-nord/attendance", {"booking_id": bookings[1], "attended": "absent"})
    return agent


def total_row(page: str, table: str) -> dict:
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    row = body.split('id="week-total"')[1].split("</tr>")[0]
    return {name: text_of(value) for name, value in re.findall(r'<td class="(?:num )?([\w-]+)">(.*?)</td>', row, re.S)}


def test_totals_count_requests_alone_and_assisted_calls_median_and_satisfaction(agent):
    page = agent.get("/console/stats", params={"agency": "Nord"})
    assert page.status_code == 200
    total = total_row(page.text, "weekly")
    assert (total["alone"], total["assisted"], total["calls"]) == ("3", "2", "4")
    assert total["median-ack"] == "1 min"  # 30 s, 60 s, 300 s; the unanswered call has no time
    assert total["satisfaction"].startswith("60 % content · 20 % moyen · 20 % pas content")
    assert "moyenne 2,4 sur 3, 5 avis" in total["satisfaction"]
    assert (total["bookings"], total["attendance"]) == ("3", "1 / 2")


def test_every_agency_together_and_side_by_side(agent):
    page = agent.get("/console/stats", params={"agency": ""})
    total = total_row(page.text, "weekly")
    assert (total["alone"], total["assisted"]) == ("3", "3")
    by_agency = text_of(page.text.split('id="by-agency"')[1].split("</table>")[0])
    assert "Nord 3 2 3 1 / 2 4 1 min" in by_agency
    assert "Sud 0 1 0 0 / 0 0 —" in by_agency


def test_the_chart_is_an_svg_with_text_alternatives(agent):
    page = agent.get("/console/stats", params={"agency": "", "weeks": "4"}).text
    svg = page.split('<svg id="chart-requests"')[1].split("</svg>")[0]
    assert 'role="img"' in svg and 'aria-labelledby="chart-requests-title chart-requests-desc"' in svg
    assert "Demandes de compte par semaine" in svg
    this_week = last_weeks(datetime.now(timezone.utc), 1)[0].label
    assert f"{this_week} : 3 seuls, 3 avec un agent." in svg  # the <desc> read by screen readers
    assert f"<title>{this_week} : 3 seuls</title>" in svg
    assert len(re.findall(r'<tr id="week-', page)) == 4 + 1  # four weeks and the total


def test_stats_csv_for_excel(agent):
    answer = agent.get("/console/stats.csv", params={"agency": ""})
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    nord = [dict(zip(header, row)) for row in rows[1:] if row[2] == "Nord"]
    assert len(nord) == 1
    assert nord[0]["Demandes seuls"] == "3" and nord[0]["Demandes avec un agent"] == "2"
    assert nord[0]["Délai médian de prise en charge (s)"] == "60"
    assert nord[0]["Note moyenne (1 à 3)"] == "2,40"


def test_weeks_are_iso_weeks_in_paris_time_across_the_new_year():
    # Sunday 3 January 2027, 23:30 in Paris (22:30 UTC) is still in ISO week 2026-W53.
    weeks = last_weeks(datetime(2027, 1, 3, 22, 30, tzinfo=timezone.utc), 3)
    assert [w.key for w in weeks] == ["2026-W51", "2026-W52", "2026-W53"]
    assert weeks[-1].monday.isoformat() == "2026-12-28T00:00:00+01:00"


def test_axis_tops_are_round_numbers():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 51, 200)] == [1, 1, 5, 10, 20, 100, 200]


def test_an_empty_chart_still_draws_and_says_so():
    svg = stacked_bars("c", "Titre", ["S1"], [Series("Seuls", [0])])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>S1" not in svg  # no bar, only the legend's swatch
    assert describe(["S1"], [Series("Seuls", [0])]) == "S1 : 0 seuls."
