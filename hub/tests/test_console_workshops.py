"""Console, workshops: list, create and edit with kind French errors, cancel, waiting list, attendance."""

from datetime import date, timedelta

import pytest
import requests

from hub.tests.consoleclient import log_in, start_session_now, text_of
from tests.hubproc import HTTP_TIMEOUT, make_action, post_action

AGENCY = "Centre Ouest"


@pytest.fixture(scope="module")
def hub(bare_module_hub):
    return bare_module_hub


@pytest.fixture(scope="module")
def agent(hub):
    return log_in(hub, "jmartin", "Julie", agency=AGENCY)


@pytest.fixture(scope="module")
def kiosk(hub):
    return hub.add_kiosk_auth("borne-co", AGENCY)


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def session_form(**changes) -> dict:
    form = {"topic": "portal", "format": "group", "date": in_days(5), "start": "14:00", "end": "16:00",
            "place": "Maison de quartier du Hameau", "agency": AGENCY, "capacity": "6", "language": "fr"}
    form.update(changes)
    return form


def create(agent, **changes) -> str:
    agent.get("/console/workshops/new")
    page = agent.submit("/console/workshops/new", session_form(**changes))
    assert page.status_code == 200, text_of(page.text)
    return page.url.rsplit("/", 1)[1]


def book(hub, kiosk, session_id: str, name: str, mobile: str | None = None) -> dict:
    action = make_action(kiosk.kiosk_id, "booking", {"session_id": session_id, "name": name, "language": "fr",
                                                     **({"mobile": mobile} if mobile else {})})
    answer = post_action(hub, kiosk, action)
    assert answer.status_code == 201, answer.text
    return {"id": action["id"], **answer.json()["result"]}


def catalog(hub, kiosk, etag: str | None = None) -> requests.Response:
    headers = {**kiosk.headers, **({"If-None-Match": etag} if etag else {})}
    return requests.get(hub.url + "/api/v1/catalog", headers=headers, timeout=HTTP_TIMEOUT)


def test_a_new_session_is_listed_and_offered_by_the_kiosks(hub, agent, kiosk):
    agent.get("/console/workshops/new")
    page = agent.submit("/console/workshops/new", session_form(date=in_days(6), start="9:30", end="11h30",
                                                             place="Salle du Hameau"))
    session_id = page.url.rsplit("/", 1)[1]
    assert "Séance enregistrée." in page.text and "Espace locataire" in page.text
    listing = agent.get("/console/workshops")
    row = listing.text.split(f'id="session-{session_id}"')[1].split("</tr>")[0]
    assert "0 / 6" in text_of(row) and "Salle du Hameau" in row
    offered = {s["id"]: s for s in catalog(hub, kiosk).json()["sessions"]}
    assert offered[session_id]["starts_at"].startswith(f"{in_days(6)}T09:30:00")
    assert offered[session_id]["ends_at"].startswith(f"{in_days(6)}T11:30:00")
    assert (offered[session_id]["kind"], offered[session_id]["seats_left"]) == ("specific", 6)


def test_the_list_filters_by_agency(hub, agent, kiosk):
    other = create(agent, agency="PPO", place="Agence PPO — salle 2")
    assert f'id="session-{other}"' not in agent.get("/console/workshops").text  # Julie's agency by default
    assert f'id="session-{other}"' in agent.get("/console/workshops", params={"agency": "PPO"}).text
    assert f'id="session-{other}"' in agent.get("/console/workshops", params={"agency": ""}).text


def test_a_wrong_form_gets_kind_messages_keeps_what_was_typed_and_creates_nothing(hub, agent):
    before = hub.query("SELECT count(*) AS n FROM sessions")[0]["n"]
    agent.get("/console/workshops/new")
    page = agent.submit("/console/workshops/new", session_form(
        date=(date.today() - timedelta(days=1)).isoformat(), start="15:00", end="14:00", capacity="beaucoup",
        place="Salle des fêtes"))
    assert page.status_code == 422
    text = text_of(page.text)
    assert "3 choses sont à corriger" in text
    assert "Cette date et cette heure sont déjà passées. Choisissez un moment à venir." in text
    assert "L'heure de fin doit venir après l'heure de début." in text
    assert "Indiquez le nombre de places, en chiffres (par exemple 8)." in text
    assert 'value="Salle des fêtes"' in page.text and 'aria-invalid="true"' in page.text
    assert hub.query("SELECT count(*) AS n FROM sessions")[0]["n"] == before


@pytest.mark.parametrize("changes, message", [
    ({"format": "individual", "capacity": "3"}, "Un atelier individuel a exactement 1 place."),
    ({"topic": "cuisine"}, "Choisissez le thème de l'atelier."),
    ({"date": "31/02/2027"}, "Indiquez la date de la séance, par exemple 02/12/2026."),
    ({"start": "8:00", "end": "18:00"}, "Une séance dure 8 heures au plus."),
    ({"capacity": "0"}, "Il faut au moins 1 place."),
    ({"capacity": "²"}, "Indiquez le nombre de places, en chiffres (par exemple 8)."),
    ({"date": "31/12/9999"}, "Cette date est dans plus de deux ans. Vérifiez l'année."),
    ({"place": "  "}, "Indiquez le lieu"),
])
def test_each_wrong_field_is_explained(agent, changes, message):
    agent.get("/console/workshops/new")
    page = agent.submit("/console/workshops/new", session_form(**changes))
    assert page.status_code == 422 and message in text_of(page.text)


def test_editing_changes_the_catalogue_and_its_etag(hub, agent, kiosk):
    session_id = create(agent)
    first = catalog(hub, kiosk)
    assert catalog(hub, kiosk, first.headers["ETag"]).status_code == 304
    agent.get(f"/console/workshops/{session_id}/edit")
    page = agent.submit(f"/console/workshops/{session_id}/edit", session_form(place="Médiathèque — espace multimédia"))
    assert "Modifications enregistrées." in page.text
    after = catalog(hub, kiosk, first.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert {s["id"]: s["place"] for s in after.json()["sessions"]}[session_id] == "Médiathèque — espace multimédia"


def test_capacity_below_confirmed_bookings_is_refused_with_the_reason(hub, agent, kiosk):
    session_id = create(agent, capacity="3")
    for name in ("Ana Souza", "Jean Dupuis"):
        book(hub, kiosk, session_id, name)
    agent.get(f"/console/workshops/{session_id}/edit")
    page = agent.submit(f"/console/workshops/{session_id}/edit", session_form(capacity="1"))
    assert page.status_code == 422
    assert "2 personne(s) ont déjà une place confirmée" in text_of(page.text)
    assert hub.query("SELECT capacity FROM sessions WHERE id = ?", [session_id]) == [{"capacity": 3}]


def test_the_waiting_list_is_shown_in_order_and_more_seats_confirm_the_first_in_line(hub, agent, kiosk):
    session_id = create(agent, capacity="1")
    book(hub, kiosk, session_id, "Premier Inscrit")
    for name in ("Deuxième Arrivée", "Troisième Arrivée", "Quatrième Arrivée"):
        assert book(hub, kiosk, session_id, name)["booking"] == "waitlisted"
    page = agent.get(f"/console/workshops/{session_id}")
    waitlist = text_of(page.text.split('id="waitlist-order"')[1].split("</ol>")[0])
    assert waitlist.index("Deuxième") < waitlist.index("Troisième") < waitlist.index("Quatrième")
    agent.submit(f"/console/workshops/{session_id}/edit", session_form(capacity="3"))
    statuses = hub.query("SELECT name, status FROM bookings WHERE session_id = ? ORDER BY seq", [session_id])
    assert [row["status"] for row in statuses] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert statuses[3]["name"] == "Quatrième Arrivée"


def test_cancelling_asks_first_then_lists_the_tenants_to_call(hub, agent, kiosk):
    session_id = create(agent, capacity="1")
    book(hub, kiosk, session_id, "Rosa Lima", "+33698765432")
    book(hub, kiosk, session_id, "Paul Girard")  # wait-listed, no mobile
    asking = agent.get(f"/console/workshops/{session_id}", params={"confirm": "cancel"})
    assert "Annuler cette séance ?" in asking.text and "2 personne(s)" in text_of(asking.text)
    assert hub.query("SELECT cancelled_at FROM sessions WHERE id = ?", [session_id])[0]["cancelled_at"] is None
    page = agent.submit(f"/console/workshops/{session_id}/cancel")
    assert page.status_code == 200 and "Séance annulée" in page.text
    to_call = text_of(page.text.split('id="to-call"')[1].split("</section>")[0])
    assert "Rosa Lima" in to_call and "+33698765432" in to_call
    assert "Paul Girard" in to_call and "pas de mobile" in to_call
    assert session_id not in {s["id"] for s in catalog(hub, kiosk).json()["sessions"]}
    edit = agent.submit(f"/console/workshops/{session_id}/edit", session_form())
    assert edit.status_code == 422 and "Cette séance a été annulée" in edit.text


def test_attendance_is_marked_once_the_session_has_started(hub, agent, kiosk):
    session_id = create(agent, capacity="2")
    came = book(hub, kiosk, session_id, "Lina Haddad")["id"]
    absent = book(hub, kiosk, session_id, "Marc Olivier")["id"]
    early = agent.submit(f"/console/workshops/{session_id}/attendance", {"booking_id": came, "attended": "came"})
    assert "pas encore commencé : la présence se note à partir de son début." in text_of(early.text)
    start_session_now(hub, session_id)
    page = agent.get(f"/console/workshops/{session_id}")
    assert "notez qui est venu" in page.text and "Modifier" not in text_of(page.text)
    agent.submit(f"/console/workshops/{session_id}/attendance", {"booking_id": came, "attended": "came"})
    page = agent.submit(f"/console/workshops/{session_id}/attendance", {"booking_id": absent, "attended": "absent"})
    marks = hub.query("SELECT id, attended, attendance_marked_by FROM bookings WHERE session_id = ?", [session_id])
    assert {row["id"]: (row["attended"], row["attendance_marked_by"]) for row in marks} == {
        came: (1, "jmartin"), absent: (0, "jmartin")}
    booking = text_of(page.text.split(f'id="booking-{absent}"')[1].split("</li>")[0])
    assert "Pas venu" in booking
    assert f'id="session-{session_id}"' in agent.get("/console/workshops", params={"when": "past"}).text


def test_an_unknown_session_gets_a_kind_404(agent):
    page = agent.get("/console/workshops/nope-123")
    assert page.status_code == 404 and "Séance introuvable" in page.text
