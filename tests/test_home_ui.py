"""Home in a real window, against a real hub: the greeting, the big choices, the status bars,
calling an agent from home."""

import subprocess
import sys

import pytest

from kiosk.config import load_config
from tests.hubproc import free_port
from tests.kiosk_harness import KioskHarness, stand_in_screens, write_config

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
    assert kiosk.text("landlord_label") == "Office Test de l'Habitat"
    assert kiosk.text("agency_label") == "Agence Centre Ouest"
    assert kiosk.text("network_label") == "En ligne"
    assert kiosk.text("heading_label") == "Bonjour\u00a0!"
    kiosk.screenshot("home-online")


def test_call_agent_reaches_the_hub_and_shows_who_is_coming(kiosk, hub):
    kiosk.wait_until(lambda: kiosk.app.online is True, what="the first contact with the hub")
    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: len(hub.actions("assistance_call")) == 1, what="the call at the hub")
    call = hub.actions("assistance_call")[0]
    assert call["payload"] == {"screen": "home", "language": "fr",
                               "reason": "Page d'accueil de la borne"}
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
    assert "Allez à l'accueil de l'agence" in kiosk.text("call_status_label")
    assert kiosk.app.waiting >= 1 or kiosk.app.services.outbox.waiting_count() == 1
    assert kiosk.text("network_label").startswith("Hors ligne")
    kiosk.screenshot("home-offline-call")


def test_call_with_a_refused_token_points_to_the_reception_desk(tmp_path, hub):
    hub.add_kiosk("kiosk-test")  # registered, but this kiosk holds a token the hub never issued
    kiosk = KioskHarness(load_config(write_config(tmp_path, hub.url, "not-the-token")))
    try:
        kiosk.wait_until(lambda: kiosk.app.online is False, what="the refused token seen as offline")
        kiosk.tap("call_agent_button")
        assert "Allez à l'accueil de l'agence" in kiosk.text("call_status_label")
        assert hub.actions("assistance_call") == []
    finally:
        kiosk.close()


def test_bad_config_stops_with_one_clear_line(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[hub]\nurl = "hub.local"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "main.py", "--config", str(bad)], capture_output=True,
                          text=True, timeout=60, cwd=str(__import__("main").ROOT))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"lobby-kiosk: {bad}: [hub] url: found 'hub.local' (a text); "
                                   "expected an address starting with http:// or https://.")


@pytest.fixture
def kiosk_with_stand_ins(tmp_path, hub, monkeypatch):
    stand_in_screens(monkeypatch)
    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, hub.add_kiosk("kiosk-test"))))
    yield harness
    harness.close()


def test_home_offers_only_the_choices_whose_screen_is_built(kiosk):
    from screens import SCREEN_NAMES
    from screens.home import CHOICES

    shown = [button.text for button in kiosk.widget("choices").children[::-1]]
    assert shown == [text for _id, text, _picture, screen, _step in CHOICES if screen in SCREEN_NAMES]


@pytest.mark.parametrize("choice_id, screen, start", [
    ("account_new_button", "account", {"step": "new_account"}),
    ("account_existing_button", "account", {"step": "existing_account"}),
    ("booking_button", "booking", {}),
    ("cancel_button", "cancel", {}),
])
def test_each_choice_opens_its_screen_at_the_right_step(kiosk_with_stand_ins, choice_id, screen, start):
    kiosk = kiosk_with_stand_ins
    kiosk.tap(choice_id)
    assert kiosk.app.current_screen == screen
    assert kiosk.app.screen_manager.get_screen(screen).starts == [start]


def test_home_reads_well_at_every_text_size_and_contrast(kiosk_with_stand_ins):
    kiosk = kiosk_with_stand_ins
    expected = ["Créer mon compte sur l'espace locataire", "J'ai déjà un compte",
                "M'inscrire à un atelier", "Annuler une inscription"]
    assert [b.text for b in kiosk.widget("choices").children[::-1]] == expected
    for contrast in (False, True):
        kiosk.app.high_contrast = contrast
        for scale in (1.0, 1.5, 2.0):
            kiosk.app.text_scale = scale
            kiosk.frames(4)
            if scale == 1.0:      # at 100 % every choice is in view without scrolling
                scroll = kiosk.widget("home_scroll")
                for button in kiosk.widget("choices").children:
                    bottom = button.to_window(button.x, button.y)[1]
                    assert bottom >= scroll.to_window(scroll.x, scroll.y)[1], f"{button.text!r} is cut"
            for button in kiosk.widget("choices").children:
                label = button.ids.text_label
                label.texture_update()
                assert label.texture_size[1] <= label.height + 1, f"{label.text!r} spills at {scale}"
                assert button.height >= 100
            kiosk.screenshot(f"home-{'high-contrast' if contrast else 'normal'}-{int(scale * 100)}")
