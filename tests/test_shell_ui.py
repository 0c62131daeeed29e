"""The shell in a real window against a real hub: the bars on every screen (text size,
contrast, speech, language, home, network, call an agent), showing screens, the satisfaction
faces. Journey screens are stand-ins here (tests/kiosk_harness.stand_in_screens)."""

import pytest
from kivy.uix.label import Label

from kiosk.config import load_config
from tests.hubproc import free_port
from tests.kiosk_harness import KioskHarness, stand_in_screens, write_config

pytestmark = pytest.mark.ui


@pytest.fixture
def stand_ins(monkeypatch):
    return stand_in_screens(monkeypatch)


@pytest.fixture
def kiosk(tmp_path, hub, stand_ins):
    token = hub.add_kiosk("kiosk-test")
    harness = KioskHarness(load_config(write_config(tmp_path, hub.url, token)))
    harness.wait_until(lambda: harness.app.online is True, what="the first contact with the hub")
    yield harness
    harness.close()


@pytest.fixture
def offline_kiosk(tmp_path, stand_ins):
    nobody_there = f"http://127.0.0.1:{free_port()}"
    harness = KioskHarness(load_config(write_config(tmp_path, nobody_there, "t")))
    harness.wait_until(lambda: harness.app.online is False, what="the hub seen as unreachable")
    yield harness
    harness.close()


def window_rect(widget):
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def overlap(a, b) -> bool:
    ax0, ay0, ax1, ay1 = window_rect(a)
    bx0, by0, bx1, by1 = window_rect(b)
    return min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5


def assert_holds(kiosk, what: str) -> None:
    """Nothing in the bars overlaps, spills out of its place, or leaves the window."""
    window = kiosk.window
    top, screens, bottom = (kiosk.widget(i) for i in ("top_bar", "screens", "call_bar"))
    assert not overlap(top, screens) and not overlap(screens, bottom), what
    assert screens.height >= 0.35 * window.height, f"{what}: the screen keeps too little room"
    visible = lambda w: w.opacity > 0 and w.width > 1 and w.height > 1  # noqa: E731
    groups = [
        [kiosk.widget("brand"), kiosk.widget("tools")],
        [kiosk.widget(i) for i in ("text_size_button", "contrast_button", "speech_button",
                                   "language_button")],
        [kiosk.widget(i) for i in ("home_button", "network_label", "call_agent_button")],
        [kiosk.widget("call_status_label"), kiosk.widget("call_agent_button")],
    ]
    for group in groups:
        shown = [w for w in group if visible(w)]
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                assert not overlap(a, b), f"{what}: {a} overlaps {b}"
    for bar in (top, bottom):
        x0, y0, x1, y1 = window_rect(bar)
        assert x0 >= -0.5 and y0 >= -0.5 and x1 <= window.width + 0.5 and y1 <= window.height + 0.5
        for label in bar.walk(restrict=True):
            if isinstance(label, Label) and label.text and visible(label):
                label.texture_update()
                tw, th = label.texture_size
                assert tw <= label.width + 1 and th <= label.height + 1, \
                    f"{what}: {label.text!r} ({tw:.0f}x{th:.0f}) spills out of {label.size}"
                lx0, ly0, lx1, ly1 = window_rect(label)
                assert x0 - 0.5 <= lx0 and lx1 <= x1 + 0.5 and y0 - 0.5 <= ly0 and ly1 <= y1 + 0.5, \
                    f"{what}: {label.text!r} leaves its bar"


# --- the visitor's settings -----------------------------------------------------------------------

def test_text_size_button_cycles_100_150_200_and_back(kiosk):
    seen = []
    for _ in range(4):
        seen.append((kiosk.app.text_scale, kiosk.widget("text_size_button").text))
        kiosk.tap("text_size_button")
    assert seen == [(1.0, "Texte 100\u00a0%"), (1.5, "Texte 150\u00a0%"),
                    (2.0, "Texte 200\u00a0%"), (1.0, "Texte 100\u00a0%")]


def test_text_size_grows_the_screen_texts(kiosk):
    before = kiosk.widget("heading_label").font_size
    kiosk.tap("text_size_button")
    kiosk.tap("text_size_button")
    assert kiosk.widget("heading_label").font_size == pytest.approx(before * 2)


def test_contrast_button_switches_every_colour_at_once(kiosk):
    heading, bar_button = kiosk.widget("heading_label"), kiosk.widget("call_agent_button")
    assert list(heading.color) != [1, 1, 1, 1]
    kiosk.tap("contrast_button")
    assert kiosk.app.high_contrast and kiosk.app.theme.name == "high_contrast"
    assert list(heading.color) == [1, 1, 1, 1]                      # white on black
    assert list(bar_button.background_color) == [1, 1, 0, 1]        # yellow
    assert kiosk.widget("contrast_button").active
    kiosk.tap("contrast_button")
    assert kiosk.app.theme.name == "default" and list(heading.color) != [1, 1, 1, 1]


def test_speech_toggle_keeps_its_state_until_the_visitor_leaves(kiosk):
    kiosk.tap("speech_button")
    assert kiosk.app.speech_on and kiosk.widget("speech_button").active
    kiosk.app.show("booking")
    kiosk.frames(2)
    assert kiosk.app.speech_on
    kiosk.tap("home_button")
    assert not kiosk.app.speech_on and not kiosk.widget("speech_button").active


def test_language_chooser_names_each_language_in_itself_and_switches_live(kiosk):
    assert kiosk.widget("language_button").text == "Français"
    kiosk.tap("language_button")
    chooser = kiosk.app.root.overlay
    names = [button.text for button in chooser.ids.choices.children[::-1]]
    assert names == ["Français", "English", "Español", "Português"]
    kiosk.screenshot("language-chooser")
    english = next(b for b in chooser.ids.choices.children if b.code == "en")
    kiosk.tap_at(*english.to_window(*english.center))
    assert kiosk.app.language == "en"
    assert kiosk.app.root.overlay is None
    assert kiosk.widget("language_button").text == "English"


def test_language_chooser_closes_when_touched_outside(kiosk):
    kiosk.tap("language_button")
    kiosk.tap_at(20, 20)
    assert kiosk.app.root.overlay is None and kiosk.app.language == "fr"
    assert kiosk.app.current_screen == "home"


def test_only_configured_languages_are_offered(tmp_path, hub, stand_ins):
    path = write_config(tmp_path, hub.url, hub.add_kiosk("kiosk-test"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('agency = "Centre Ouest"',
                                 'agency = "Centre Ouest"\nlanguages = ["fr", "pt"]'), encoding="utf-8")
    harness = KioskHarness(load_config(path))
    try:
        harness.tap("language_button")
        names = [b.text for b in harness.app.root.overlay.ids.choices.children[::-1]]
        assert names == ["Français", "Português"]
    finally:
        harness.close()


# --- showing screens, going home ------------------------------------------------------------------

def test_home_button_only_away_from_home(kiosk):
    home = kiosk.widget("home_button")
    assert home.disabled and home.opacity == 0
    kiosk.app.show("booking")
    kiosk.frames(2)
    assert not home.disabled and home.opacity == 1
    kiosk.tap("home_button")
    assert kiosk.app.current_screen == "home" and home.disabled


def test_show_tells_the_screen_where_to_start(kiosk):
    assert kiosk.app.show("account", step="existing_account")
    account = kiosk.app.screen_manager.get_screen("account")
    assert kiosk.app.current_screen == "account"
    assert account.starts == [{"step": "existing_account"}]
    kiosk.app.show("booking", topic="email")
    assert kiosk.app.screen_manager.get_screen("booking").starts == [{"topic": "email"}]


def test_show_an_unknown_screen_stays_where_it_is(kiosk):
    assert not kiosk.app.show("no_such_screen")
    assert kiosk.app.current_screen == "home"


def test_home_button_wipes_the_visit(kiosk):
    kiosk.app.show("booking")
    kiosk.frames(2)
    kiosk.widget("field").text = "Dupont"
    kiosk.tap("text_size_button")
    kiosk.tap("contrast_button")
    kiosk.tap("home_button")
    booking = kiosk.app.screen_manager.get_screen("booking")
    assert booking.cleared == 1 and booking.ids.field.text == ""
    assert (kiosk.app.text_scale, kiosk.app.high_contrast, kiosk.app.language) == (1.0, False, "fr")
    assert kiosk.app.current_screen == "home"


# --- calling an agent -----------------------------------------------------------------------------

def test_call_says_where_the_visitor_is_in_their_journey(kiosk, hub):
    kiosk.app.show("booking")
    kiosk.app.screen_manager.get_screen("booking").journey.next()
    kiosk.frames(2)
    kiosk.tap("language_button")
    es = next(b for b in kiosk.app.root.overlay.ids.choices.children if b.code == "es")
    kiosk.tap_at(*es.to_window(*es.center))
    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: len(hub.actions("assistance_call")) == 1, what="the call at the hub")
    payload = hub.actions("assistance_call")[0]["payload"]
    assert payload == {"screen": "booking", "language": "es",
                       "reason": "Inscription à un atelier (étape : details)"}


def test_second_touch_during_a_call_sends_no_second_call(kiosk, hub):
    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: kiosk.app.call_state == "sent", what="the call seen as sent")
    kiosk.tap("call_agent_button")
    kiosk.tap("call_agent_button")
    assert kiosk.text("call_status_label").startswith("Votre appel est déjà parti.")
    kiosk.screenshot("call-already-sent")
    kiosk.frames(10)
    assert len(hub.actions("assistance_call")) == 1
    assert kiosk.app.services.outbox.counts().get("pending", 0) == 0


def test_call_status_goes_sent_seen_then_the_agent_by_name(kiosk, hub):
    kiosk.tap("call_agent_button")
    kiosk.wait_until(lambda: kiosk.app.call_state == "sent", what="the call seen as sent")
    assert kiosk.text("call_status_label") == "Votre appel est arrivé. Un agent va le voir."
    call_id = hub.actions("assistance_call")[0]["id"]
    hub.call("call", "ack", call_id, "--agent", "Karim")
    kiosk.wait_until(lambda: "Karim" in kiosk.text("call_status_label"), what="the agent's name")
    assert kiosk.text("call_status_label") == "Karim a vu votre appel. Karim arrive."


def test_call_that_expires_says_so(offline_kiosk):
    kiosk = offline_kiosk
    kiosk.tap("call_agent_button")
    assert "Allez à l'accueil de l'agence" in kiosk.text("call_status_label")
    # The outbox expires calls after assistance_expiry_seconds (30 s at least): here the sync
    # worker's news is given as it would give it.
    kiosk.app._on_assistance(kiosk.app.assistance.call_id, "expired", None)
    kiosk.frames(2)
    assert kiosk.app.call_state == "expired"
    assert kiosk.text("call_status_label") == ("Personne n'a pu recevoir votre appel. "
                                               "Allez à l'accueil de l'agence.")
    kiosk.tap("call_agent_button")
    assert kiosk.app.call_state == "unreachable"     # a new call may go once the old one expired


# --- satisfaction ---------------------------------------------------------------------------------

def test_feedback_faces_queue_one_opinion_then_thank_and_offer_home(kiosk, hub):
    from screens.widgets import FeedbackFaces

    kiosk.app.show("booking")
    booking = kiosk.app.screen_manager.get_screen("booking")
    faces = FeedbackFaces(journey="booking", pos_hint={"center_x": 0.5, "center_y": 0.4})
    booking.add_widget(faces)
    kiosk.frames(3)
    kiosk.screenshot("feedback-faces")
    kiosk.app.text_scale = 2.0
    kiosk.frames(3)
    for face in ("face_unhappy", "face_neutral", "face_happy"):
        label = kiosk.widget(face).ids.face_label
        label.texture_update()
        assert label.texture_size[0] <= label.width + 1, f"{label.text!r} spills at 200 %"
    kiosk.screenshot("feedback-faces-200")
    kiosk.app.text_scale = 1.0
    kiosk.frames(2)
    kiosk.tap("face_happy")
    kiosk.tap("face_unhappy")                     # hidden once answered: nothing more is sent
    kiosk.wait_until(lambda: len(hub.actions("feedback")) == 1, what="the feedback at the hub")
    assert hub.actions("feedback")[0]["payload"] == {"journey": "booking", "score": 3}
    assert kiosk.text("feedback_question_label") == "Merci pour votre avis\u00a0!"
    assert kiosk.widget("feedback_home_button").opacity == 1
    kiosk.screenshot("feedback-thanks")
    kiosk.tap("feedback_home_button")
    assert kiosk.app.current_screen == "home"
    assert faces.given == 0                         # wiped for the next visitor
    kiosk.frames(10)
    assert len(hub.actions("feedback")) == 1


# --- the layout holds ---------------------------------------------------------------------------

@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "high-contrast"])
def test_bars_hold_at_every_text_size(offline_kiosk, contrast):
    kiosk = offline_kiosk
    kiosk.app.high_contrast = contrast
    kiosk.app.show("booking")
    kiosk.tap("call_agent_button")            # offline: the longest call message
    kiosk.wait_until(lambda: kiosk.app.waiting >= 1, what="the call counted as waiting")
    name = "high-contrast" if contrast else "normal"
    for scale in (1.0, 1.5, 2.0):
        kiosk.app.text_scale = scale
        kiosk.frames(4)
        assert_holds(kiosk, f"{name} at {scale:.0%}")
        kiosk.screenshot(f"bars-{name}-{int(scale * 100)}")
    kiosk.app.language = "pt"
    kiosk.frames(3)
    assert_holds(kiosk, f"{name} at 200 %, in Portuguese")
