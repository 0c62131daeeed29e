"""The kiosk's shell in a real window, against a real hub: status bar, home, calling an agent."""

import subprocess
import sys

import pytest

from kiosk.config import load_config
from tests.hubproc import free_port
from tests.kiosk_harness import KioskHarness, write_config

pytestmark = pytest.mark.ui


@pytest.fixture
def kiosk(tmp_path, hub):
    token = hub.add_kiosk("kiosk-test")
    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, token)))
    yield harness
    harness.close()


@pytest.fixture
def offline_kiosk(tmp_path):
    nobody_there = f"http://127.0.0.1:{free_port()}"
    harness = KioskHarness(load_config(write_config(tmp_path, nobody_there, "t")))
    yield harness
    harness.close()


def test_home_shows_landlord_agency_and_online_state(kiosk):
    kiosk.wait_until(lambda: kiosk.app.online is True, what="the first contact with the hub")
    assert "Office Test de l'Habitat" in kiosk.text("landlord_label")
    assert "Agence Centre Ouest" in kiosk.text("landlord_label")
    assert kiosk.text("network_label") == "En ligne"
    assert kiosk.text("heading_label") == "Bonjour !"
    kiosk.screenshot("home-online")


def test_call_agent_reaches_the_hub_and_shows_who_is_coming(kiosk, hub):
    kiosk.wait_until(lambda: kiosk.app.online is True, what="the first contact with the hub")
    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: len(hub.actions("assistance_call")) == 1, what="the call at the hub")
    call = hub.actions("assistance_call")[0]
    assert call["payload"]["screen"] == "home"
    kiosk.wait_until(lambda: kiosk.app.call_state == "sent", what="the call seen as sent")
    assert "Votre appel est arrivé" in kiosk.text("call_status_label")

    hub.call("call", "ack", call["id"], "--agent", "Marie")
    kiosk.wait_until(lambda: "Marie" in kiosk.text("call_status_label"), what="the agent's name")
    assert kiosk.text("call_status_label") == "Marie a vu votre appel. Marie arrive."
    kiosk.screenshot("home-call-acknowledged")


def test_call_agent_offline_points_to_the_reception_desk_at_once(offline_kiosk):
    kiosk = offline_kiosk
    kiosk.wait_until(lambda: kiosk.app.online is False, what="the hub seen as unreachable")
    kiosk.tap("call_agent_button")
    assert "Allez à l'accueil" in kiosk.text("call_status_label")
    assert kiosk.app.waiting >= 1 or kiosk.app.services.outbox.waiting_count() == 1
    assert kiosk.text("network_label").startswith("Hors ligne")
    kiosk.screenshot("home-offline-call")


def test_bad_config_stops_with_one_clear_line(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[hub]\nurl = "hub.local"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "main.py", "--config", str(bad)], capture_output=True,
                          text=True, timeout=60, cwd=str(__import__("main").ROOT))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"lobby-kiosk: {bad}: [hub] url: found 'hub.local' (a text); "
                                   "expected an address starting with http:// or https://.")
