"""The workshop catalogue: upcoming sessions with seats, Paris times, a strong ETag."""

from datetime import date, datetime, timezone

import pytest
import requests

from hub.db import open_hub_db
from hub.demo import AGENCIES, demo_plan, seed_demo
from hub.rules import TOPIC_KINDS
from hub.timeutil import PARIS
from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def kiosk(module_hub):
    return module_hub.add_kiosk_auth("kiosk-catalog")


def get_catalog(hub, kiosk, **params):
    headers = kiosk.headers
    if "etag" in params:
        headers = {**headers, "If-None-Match": params.pop("etag")}
    return requests.get(hub.url + "/api/v1/catalog", params=params, headers=headers, timeout=10)


def test_catalogue_lists_upcoming_demo_sessions_with_seats_left(module_hub, kiosk):
    answer = get_catalog(module_hub, kiosk)
    assert answer.status_code == 200
    catalog = answer.json()
    sessions = catalog["sessions"]
    assert datetime.fromisoformat(catalog["generated_at"]).tzinfo is not None
    now = datetime.now(timezone.utc)
    cancelled = {row["id"] for row in module_hub.query("SELECT id FROM sessions WHERE cancelled_at IS NOT NULL")}
    assert cancelled and not cancelled & {s["id"] for s in sessions}
    for session in sessions:
        starts = datetime.fromisoformat(session["starts_at"])
        assert starts > now
        assert starts.utcoffset() == starts.astimezone(PARIS).utcoffset()  # Paris offset, summer or winter
        assert datetime.fromisoformat(session["ends_at"]) > starts
        assert 1 <= session["seats_left"] <= session["capacity"]
        assert session["kind"] == TOPIC_KINDS[session["topic"]]
        assert (session["format"] == "individual") == (session["capacity"] == 1)
        assert session["format"] == "individual" or 6 <= session["capacity"] <= 10
    assert {s["topic"] for s in sessions} == set(TOPIC_KINDS)
    assert {(s["kind"], s["format"]) for s in sessions} == {(k, f) for k in ("general", "specific") for f in ("individual", "group")}
    assert {s["agency"] for s in sessions} == {"Centre Ouest", "Côte Basque Sud", "Béarn", "PPO"}
    assert any(s["seats_left"] < s["capacity"] for s in sessions)
    assert [s["starts_at"] for s in sessions] == sorted(s["starts_at"] for s in sessions)


def test_catalogue_can_be_filtered_by_agency(module_hub, kiosk):
    sessions = get_catalog(module_hub, kiosk, agency="Côte Basque Sud").json()["sessions"]
    assert sessions and {s["agency"] for s in sessions} == {"Côte Basque Sud"}
    assert get_catalog(module_hub, kiosk, agency="Nowhere").json()["sessions"] == []


def test_unchanged_catalogue_answers_304_to_its_etag(module_hub, kiosk):
    first = get_catalog(module_hub, kiosk, agency="Béarn")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = get_catalog(module_hub, kiosk, agency="Béarn")
    assert (again.headers["ETag"], again.content) == (etag, first.content)
    not_modified = get_catalog(module_hub, kiosk, agency="Béarn", etag=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["ETag"] == etag
    assert get_catalog(module_hub, kiosk, agency="Béarn", etag=f'"stale", W/{etag}').status_code == 304
    assert get_catalog(module_hub, kiosk, agency="Béarn", etag='"stale"').status_code == 200


def test_a_booking_changes_the_etag(module_hub, kiosk):
    module_hub.add_session("etag-change", capacity=4, agency="PPO", place="Agence PPO — salle 2")
    before = get_catalog(module_hub, kiosk, agency="PPO")
    booking = make_action(kiosk.kiosk_id, "booking", {"session_id": "etag-change", "name": "Iker Etxeberria", "language": "es"})
    assert post_action(module_hub, kiosk, booking).status_code == 201
    after = get_catalog(module_hub, kiosk, agency="PPO", etag=before.headers["ETag"])
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert next(s for s in after.json()["sessions"] if s["id"] == "etag-change")["seats_left"] == 3


def test_demo_plan_is_the_same_every_time_for_a_given_day():
    day = date(2025, 3, 3)
    assert demo_plan(day) == demo_plan(day)
    sessions, _, _ = demo_plan(day)
    assert {s["agency"] for s in sessions} == set(AGENCIES)
    assert all(datetime.fromisoformat(s["starts_at"]).weekday() < 5 for s in sessions)
    assert {datetime.fromisoformat(s["starts_at"]).strftime("%H:%M") for s in sessions} == {"09:30", "14:00"}


def test_demo_seeding_happens_once(tmp_path):
    db = open_hub_db(tmp_path / "hub.db")
    try:
        now = datetime.now(timezone.utc)
        assert seed_demo(db, now) is True
        count = db["sessions"].count
        assert seed_demo(db, now) is False
        assert db["sessions"].count == count
    finally:
        db.close()
