"""Workshop topics and how a session is described to a tenant."""

import datetime as dt
from pathlib import Path

import pytest

from hub.rules import TOPIC_KINDS
from kiosk.catalog import Session
from kiosk.workshops import (KIND_HEADINGS, KINDS, PICTURES, TOPICS, details_text, seats_text,
                             topics_of_kind, when_text, where_text)

PARIS = dt.timezone(dt.timedelta(hours=1))


def session(**changes) -> Session:
    fields = dict(id="s1", topic="email", kind="general", format="group",
                  starts_at=dt.datetime(2025, 12, 2, 14, 0, tzinfo=PARIS), ends_at=None,
                  place="Agence Centre Ouest — salle 2", agency="Centre Ouest", capacity=8,
                  seats_left=5, language="fr")
    fields.update(changes)
    return Session(**fields)


def test_every_hub_topic_has_a_topic_with_the_hubs_kind():
    assert set(TOPICS) == set(TOPIC_KINDS)
    for topic_id, kind in TOPIC_KINDS.items():
        assert TOPICS[topic_id].id == topic_id
        assert TOPICS[topic_id].kind == kind


def test_every_topic_has_a_label_a_description_and_a_heading():
    for topic in TOPICS.values():
        assert topic.label.strip() and topic.description.strip()
        assert topic.heading == KIND_HEADINGS[topic.kind]
    assert [t.id for t in topics_of_kind("general")] == ["email", "internet", "office"]
    assert [t.id for t in topics_of_kind("specific")] == ["portal", "housing_request", "exchange"]
    assert set(KINDS) == set(KIND_HEADINGS)


def test_every_topic_picture_is_in_the_assets():
    if not PICTURES.is_dir():
        pytest.skip(f"{PICTURES} does not exist yet (the forms engineer draws the pictures)")
    for topic in TOPICS.values():
        assert Path(topic.picture) == PICTURES / f"topic-{topic.id}.png"
        assert Path(topic.picture).is_file(), f"missing picture for topic {topic.id}"


@pytest.mark.parametrize(("left", "fmt", "expected"), [
    (5, "group", "5 places libres"),
    (3, "group", "Plus que 3 places"),
    (2, "group", "Plus que 2 places"),
    (1, "group", "Plus qu'une place"),
    (0, "group", "Complet\u00a0: vous serez sur liste d'attente."),
    (-1, "group", "Complet\u00a0: vous serez sur liste d'attente."),
    (1, "individual", "Place libre"),
    (None, "group", ""),
])
def test_seats_left_are_said_in_words(left, fmt, expected):
    assert seats_text(session(seats_left=left, format=fmt), "fr") == expected


def test_details_say_the_format_the_language_when_it_differs_and_the_seats():
    assert details_text(session(seats_left=2), "fr") == "En groupe · Plus que 2 places"
    assert details_text(session(format="individual", capacity=1, seats_left=1, language="en"),
                        "fr") == "Individuel\u00a0: vous et un animateur · En anglais · Place libre"


def test_where_names_the_agency_only_when_the_place_does_not():
    assert where_text(session(), "fr") == "Agence Centre Ouest — salle 2"
    assert (where_text(session(place="Maison de quartier du Hameau"), "fr")
            == "Maison de quartier du Hameau (agence Centre Ouest)")


def test_when_starts_with_a_capital():
    text = when_text(session(), "fr")
    assert text[0].isupper()
