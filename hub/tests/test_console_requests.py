"""Console, account requests: new and processed tabs, marking processed, the CSV for French Excel."""

import csv
import io

import pytest

from hub.console.requests import spreadsheet_safe
from hub.tests.consoleclient import log_in, text_of
from tests.hubproc import make_action, post_action


@pytest.fixture(scope="module")
def hub(bare_module_hub):
    return bare_module_hub


@pytest.fixture(scope="module")
def agent(hub):
    """Marie, of the Béarn agency."""
    return log_in(hub, "mdupont", "Marie", agency="Béarn")


@pytest.fixture(scope="module")
def kiosks(hub):
    return {"Béarn": hub.add_kiosk_auth("borne-bearn", "Béarn"), "PPO": hub.add_kiosk_auth("borne-ppo", "PPO")}


def send_request(hub, auth, **payload) -> str:
    fields = {"tenant_ref": "123456", "surname": "Lefèvre", "email": "lefevre@exemple.fr", "consent": True,
              "language": "fr", **payload}
    action = make_action(auth.kiosk_id, "account_request", fields)
    assert post_action(hub, auth, action).status_code == 201
    return action["id"]


def test_new_request_shows_agency_contact_birth_date_and_helping_agent(hub, agent, kiosks):
    action_id = send_request(hub, kiosks["Béarn"], tenant_ref="REF-778", surname="Élodie Garcés",
                             birth_date="1956-04-23", mobile="+33612345678", assisted_by="mdupont")
    page = agent.get("/console/requests")
    assert page.status_code == 200
    card = text_of(page.text.split(f'id="request-{action_id}"')[1].split("</li>")[0])
    for shown in ("Élodie Garcés", "REF-778", "Béarn", "lefevre@exemple.fr", "+33612345678", "23/04/1956",
                  "Français", "Avec un agent : Marie (mdupont)", "Marquer comme traitée"):
        assert shown in card


def test_an_agent_sees_their_agency_first_and_every_agency_on_request(hub, agent, kiosks):
    ppo_id = send_request(hub, kiosks["PPO"], surname="Etcheverry")
    assert ppo_id not in agent.get("/console/requests").text
    assert ppo_id in agent.get("/console/requests", params={"agency": ""}).text
    assert ppo_id in agent.get("/console/requests", params={"agency": "PPO"}).text


def test_marking_processed_moves_the_request_to_processed_with_who_did_it(hub, agent, kiosks):
    action_id = send_request(hub, kiosks["Béarn"], surname="Martin")
    agent.get("/console/requests")
    page = agent.submit(f"/console/requests/{action_id}/processed", {"agency": "Béarn"})
    assert page.status_code == 200 and "Demande marquée comme traitée." in page.text
    assert action_id not in page.text  # back on the "Nouvelles" tab
    processed = agent.get("/console/requests", params={"status": "processed"})
    assert f'id="request-{action_id}"' in processed.text and "par Marie" in text_of(processed.text)
    row = hub.query("SELECT processed_by FROM account_request_status WHERE action_id = ?", [action_id])
    assert row == [{"processed_by": "mdupont"}]


def test_marking_processed_needs_the_form_token(hub, agent, kiosks):
    action_id = send_request(hub, kiosks["Béarn"], surname="Bernard")
    answer = agent.submit(f"/console/requests/{action_id}/processed", {"csrf_token": "forged"})
    assert answer.status_code == 403
    assert hub.query("SELECT * FROM account_request_status WHERE action_id = ?", [action_id]) == []


def test_a_mistaken_mark_can_be_undone(hub, agent, kiosks):
    action_id = send_request(hub, kiosks["Béarn"], surname="Petit")
    agent.get("/console/requests")
    agent.submit(f"/console/requests/{action_id}/processed")
    page = agent.submit(f"/console/requests/{action_id}/new")
    assert page.status_code == 200 and "La demande est de nouveau dans « Nouvelles »." in text_of(page.text)
    assert f'id="request-{action_id}"' in agent.get("/console/requests").text
    again = agent.submit(f"/console/requests/{action_id}/new")  # a second click, or a stale page
    assert "Cette demande n'est pas marquée comme traitée. Rechargez la page." in text_of(again.text)


def test_csv_opens_in_french_excel_and_cannot_run_formulas(hub, agent, kiosks):
    action_id = send_request(hub, kiosks["Béarn"], tenant_ref="=HYPERLINK(\"http://x\")", surname="-Dupré",
                             email=None, mobile="+33611223344")
    answer = agent.get("/console/requests.csv", params={"status": "new", "agency": ""})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8 accents right
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:5] == ["Reçue le", "Agence", "Borne", "Référence locataire", "Nom"]
    mine = [dict(zip(header, row)) for row in rows[1:] if row[-1] == action_id]
    assert len(mine) == 1
    assert mine[0]["Référence locataire"] == "'=HYPERLINK(\"http://x\")"
    assert mine[0]["Nom"] == "'-Dupré"
    assert mine[0]["Mobile"] == "'+33611223344"
    assert (mine[0]["Agence"], mine[0]["Statut"]) == ("Béarn", "nouvelle")


def test_csv_filters_new_and_processed(hub, agent, kiosks):
    done_id = send_request(hub, kiosks["Béarn"], surname="Roux")
    agent.get("/console/requests")
    agent.submit(f"/console/requests/{done_id}/processed")
    new_csv = agent.get("/console/requests.csv", params={"status": "new"}).content.decode("utf-8-sig")
    processed_csv = agent.get("/console/requests.csv", params={"status": "processed"}).content.decode("utf-8-sig")
    assert done_id not in new_csv and done_id in processed_csv
    assert ";traitée;" in processed_csv


@pytest.mark.parametrize("cell, safe", [("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("\tx", "'\tx"), ("Dupont", "Dupont"), (None, ""), (12, "12")])
def test_spreadsheet_safe_quotes_formula_starts(cell, safe):
    assert spreadsheet_safe(cell) == safe
