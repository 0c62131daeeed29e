"""The offline workshop catalogue: its cache file and what the booking screens read from it."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from kiosk.catalog import Catalog, CatalogError, load_cached, save_cached

UTC = dt.timezone.utc
PARIS = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2025, 12, 2, 12, 0, tzinfo=UTC)


def session(id, topic, starts_at, **extra):
    return {"id": id, "topic": topic, "kind": "general", "format": "group",
            "starts_at": starts_at, "ends_at": None, "place": "Salle 1",
            "agency": "Centre Ouest", "capacity": 8, "seats_left": 3, "language": "fr", **extra}


BODY = {
    "generated_at": "2025-12-02T07:00:00+00:00",
    "sessions": [
        session("s3", "email", "2025-12-05T14:00:00+01:00"),
        session("s1", "portal", "2025-12-03T14:00:00+01:00"),
        session("s0", "email", "2025-12-01T09:00:00+01:00"),  # already over at NOW
        session("s2", "email", "2025-12-03T09:30:00Z", seats_left=0),
    ],
}


def test_sessions_sorted_by_start():
    catalog = Catalog.from_body(BODY)
    assert [s.id for s in catalog.sessions] == ["s0", "s2", "s1", "s3"]


def test_upcoming_is_relative_to_the_given_now():
    catalog = Catalog.from_body(BODY)
    assert [s.id for s in catalog.upcoming(NOW)] == ["s2", "s1", "s3"]
    later = dt.datetime(2025, 12, 4, tzinfo=PARIS)
    assert [s.id for s in catalog.upcoming(later)] == ["s3"]


def test_by_topic_groups_upcoming_sessions_in_order():
    groups = Catalog.from_body(BODY).by_topic(NOW)
    assert {topic: [s.id for s in sessions] for topic, sessions in groups.items()} == {
        "email": ["s2", "s3"], "portal": ["s1"]}
    assert Catalog.from_body(BODY).topics(NOW) == ["email", "portal"]


def test_session_fields_are_typed():
    catalog = Catalog.from_body(BODY)
    s2 = catalog.get("s2")
    assert s2.starts_at == dt.datetime(2025, 12, 3, 9, 30, tzinfo=UTC)
    assert s2.full and not catalog.get("s1").full
    assert catalog.get("nope") is None
    assert catalog.generated_at == dt.datetime(2025, 12, 2, 7, 0, tzinfo=UTC)


def test_one_bad_session_does_not_hide_the_others(caplog):
    body = {"sessions": [session("ok", "email", "2025-12-05T14:00:00+01:00"),
                         {"id": "no-start", "topic": "email"},
                         session("naive", "email", "2025-12-05T14:00:00"),
                         session("bad-seats", "email", "2025-12-05T14:00:00Z", seats_left="3"),
                         "not an object"]}
    with caplog.at_level(logging.WARNING, logger="kiosk.catalog"):
        catalog = Catalog.from_body(body)
    assert [s.id for s in catalog.sessions] == ["ok"]
    assert catalog.skipped == 4


@pytest.mark.parametrize("body", [None, [], {}, {"sessions": "none"}])
def test_a_body_that_is_no_catalogue_is_refused(body):
    with pytest.raises(CatalogError):
        Catalog.from_body(body)


def test_cache_round_trip_survives_a_restart(tmp_path):
    path = tmp_path / "data" / "catalog.json"
    save_cached(path, BODY, '"etag-1"', 1234.5)
    cached = load_cached(path)  # a new process would do exactly this
    assert cached.etag == '"etag-1"' and cached.fetched_at == 1234.5
    assert cached == Catalog.from_body(BODY, etag='"etag-1"', fetched_at=1234.5)


def test_cache_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "catalog.json"
    save_cached(path, BODY, '"a"', 1.0)
    save_cached(path, {"sessions": []}, '"b"', 2.0)
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]
    assert load_cached(path).etag == '"b"'


def test_missing_cache_is_no_catalogue(tmp_path):
    assert load_cached(tmp_path / "catalog.json") is None


@pytest.mark.parametrize("content", [
    b"", b"{", b"\xff\xfe garbage", b"[]", b'{"format": 99, "body": {"sessions": []}}',
    json.dumps({"format": 1, "etag": None, "fetched_at": 1, "body": {"sessions": 3}}).encode(),
])
def test_corrupt_cache_is_treated_as_absent_and_logged(tmp_path, caplog, content):
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="kiosk.catalog"):
        assert load_cached(path) is None
    assert "treated as absent" in caplog.text
