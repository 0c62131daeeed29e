"""Read-aloud in the real app: what each screen and step queues, that a touch or a screen change
silences it, that frames keep coming while it speaks, errors said, personal data never said."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kiosk.config import load_config
from tests.kiosk_harness import KioskHarness, write_config
from tests.screen_tour import (ACCOUNT_ENTRIES, MOBILE, NAME, VIEWS, booking_review, fresh, settle,
                               wait_for_catalogue)
from tests.soundsink import DEVICE, sink_in_environment

pytestmark = pytest.mark.ui

PERSONAL = [NAME, MOBILE, ACCOUNT_ENTRIES["surname"], ACCOUNT_ENTRIES["email"], "12 34 56 78"]


def kiosk_with_speech(tmp_path, hub, device: str) -> KioskHarness:
    token = hub.add_kiosk(f"kiosk-speech-{device}")
    config = write_config(tmp_path, hub.url, token, kiosk_id=f"kiosk-speech-{device}",
                          extra=f'[speech]\ndevice = "{device}"\n')
    return KioskHarness(load_config(config))


def heading_texts(app) -> list[str]:
    from screens.readaloud import every_widget, shown, spoken_text

    top = app.read_aloud.current_top()
    return [spoken_text(w) for w in every_widget(top)
            if getattr(w, "role", "") == "heading" and shown(w, top)]


def test_every_view_says_its_heading_and_never_personal_data(tmp_path, module_hub):
    # aplay -D null returns at once: this test reads the log, not the sound.
    kiosk = kiosk_with_speech(tmp_path, module_hub, "null")
    app = kiosk.app
    try:
        app.speech_on = True
        settle(kiosk)
        assert app.speech.log[-1][1].startswith("Bonjour ! Que voulez-vous faire ? Touchez une image.")
        said: dict[str, str] = {}
        wait_for_catalogue(kiosk)
        for tour_view in VIEWS:       # screen_tour.every_view turns speech off: its own loop here
            view = tour_view.name
            fresh(kiosk)
            app.speech.log.clear()      # the log keeps the last 200 sentences: count from empty
            before = 0
            app.speech_on = True
            tour_view.enter(kiosk)
            settle(kiosk)
            new = [text for _language, text in app.speech.log[before:]]
            said[view] = " | ".join(new)
            if view != "overlay/language":      # the chooser is names of languages, no text
                assert new, f"{view}: nothing said on entry"
                for heading in heading_texts(app):
                    assert heading in said[view], f"{view}: heading {heading!r} not said"
            for personal in PERSONAL:
                assert personal not in said[view], f"{view}: said {personal!r} on the loudspeaker"
        assert "Vérifiez vos informations" in said["account/review"]
        assert "Votre demande est enregistrée." in said["account/receipt"]
        # The idle warning is read in place of the screen under it, countdown included.
        app.idle_seconds_left = 20
        app._show_idle_warning()
        assert [text for text, _personal in app.read_aloud.screen_parts()] == [
            "Vous êtes toujours là ?", "Si vous ne touchez rien, la borne efface tout dans 20 secondes."]
        app.keep_visiting()
        # The call bar's news is said when it changes.
        assert "Jean-Christophe arrive." in said["call/acknowledged"]
        # Each step change is said in the visitor's language, and a language change re-reads.
        app.show("booking")
        settle(kiosk)
        app.language = "en"
        settle(kiosk)
        language, text = app.speech.log[-1]
        assert language == "en" and heading_texts(app)[0] in text
        # Through a private headset, the review says the tenant's own name and number too.
        app.language = "fr"
        app.speech.settings = replace(app.speech.settings, private_headset=True)
        booking_review(kiosk)
        settle(kiosk)
        assert NAME in app.speech.log[-1][1] and MOBILE in app.speech.log[-1][1]
    finally:
        kiosk.close()


def test_an_error_is_said_when_it_appears(tmp_path, module_hub):
    kiosk = kiosk_with_speech(tmp_path, module_hub, "null")
    app = kiosk.app
    try:
        app.speech_on = True
        app.show("cancel")
        settle(kiosk)
        kiosk.tap("reference_next_button")      # no number typed
        settle(kiosk)
        error = kiosk.widget("reference_field").ids.error_label.text
        assert error and app.speech.log[-1] == ("fr", " ".join(error.replace("\u00a0", " ").split()))
        # "Répéter" says it again; the visitor's wipe empties the queue and resets the voice.
        count = len(app.speech.log)
        kiosk.tap("repeat_button")
        assert app.speech.log[count:] == app.speech.log[count - 1:count]
        app.speech.volume = 0.1
        app.go_home()
        assert app.speech.volume == app.speech.default_volume and app.speech_on is False
    finally:
        kiosk.close()


@pytest.fixture
def sink():
    with sink_in_environment() as sink:
        yield sink


def test_frames_keep_coming_while_it_speaks_and_a_touch_silences_it(tmp_path, module_hub, sink):
    kiosk = kiosk_with_speech(tmp_path, module_hub, DEVICE)
    app = kiosk.app
    try:
        kiosk.tap("speech_button")
        kiosk.wait_until(lambda: app.speech.speaking, what="the greeting being said")
        # One second of the greeting (about 8 s long): the UI thread draws all along.
        frames, started = 0, time.monotonic()
        while time.monotonic() - started < 1.0:
            kiosk.frames(1)
            frames += 1
        assert app.speech.speaking
        print(f"{frames} frames drawn in 1 s of speech")
        assert frames >= 10, f"only {frames} frames in 1 s of speech"
        greeting = app.speech.log[-1][1]
        kiosk.tap("heading_label")               # any touch, even on text
        kiosk.wait_until(lambda: not app.speech.speaking, timeout=2, what="silence after a touch")
        assert app.speech.outcomes[-1] == (greeting, "interrupted")
        # A screen change silences it too, then the new screen is said.
        app.speak_screen()
        kiosk.wait_until(lambda: app.speech.speaking, what="the greeting said again")
        app.show("booking")
        kiosk.wait_until(lambda: app.speech.outcomes and app.speech.outcomes[-1][1] == "interrupted"
                         and app.speech.outcomes[-1][0] == greeting, timeout=2,
                         what="the greeting cut by the screen change")
        kiosk.wait_until(lambda: "Quel atelier voulez-vous faire ?" in app.speech.log[-1][1],
                         timeout=2, what="the booking screen said")
    finally:
        kiosk.close()


def test_without_espeak_the_button_says_so_and_the_hub_is_told(tmp_path, module_hub):
    token = module_hub.add_kiosk("kiosk-speechless")
    config = write_config(tmp_path, module_hub.url, token, kiosk_id="kiosk-speechless",
                          extra='[speech]\nespeak_command = "no-such-espeak-ng"\n')
    kiosk = KioskHarness(load_config(config))
    try:
        assert kiosk.text("speech_button") == "Voix indisponible"
        kiosk.tap("speech_button")
        assert kiosk.app.speech_on is False

        def reported():
            rows = module_hub.query("select speech_available from kiosks where id = 'kiosk-speechless'")
            return rows and rows[0]["speech_available"] == 0
        kiosk.wait_until(reported, timeout=15, what="a heartbeat with speech_available false")
    finally:
        kiosk.close()
