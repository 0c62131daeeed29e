"""Booking a workshop in the real window, against a real hub with demo data.

The tenant's text is typed through the on-screen keyboard (key by key, capitals with the
"Majuscule" key), never set on the field. Screenshots of every step go to tests/screenshots/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import load_config
from kiosk.i18n import translate
from kiosk.journeys.booking import ENQUEUE_FAILED
from kiosk.outbox import EnqueueFailed
from kiosk.references import action_id_for
from tests.hubproc import free_port, make_action, post_action
from tests.kiosk_harness import KioskHarness, write_config

pytestmark = pytest.mark.ui

LONG_PLACE = ("Centre social et culturel de la Pépinière — espace numérique, 2e étage, "
              "porte B (entrée par la rue des Acacias)")


def on_the_hour(days: int, hour: int) -> timedelta:
    """From now to that day at hour o'clock, Paris time (sessions start on the hour)."""
    now = datetime.now(ZoneInfo("Europe/Paris"))
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0) - now


# --- driving the screens -------------------------------------------------------------------------

def new_harness(config) -> KioskHarness:
    """A harness whose KV `app` is this app. Workaround: KioskHarness.close() draws a frame after
    on_stop, which re-caches the closed app in Kivy's KV `app` proxy (kivy.lang.parser.ProxyApp);
    the next harness's KV would then call the closed app (and its stopped outbox)."""
    from kivy.lang.parser import global_idmap

    object.__setattr__(global_idmap["app"], "_obj", None)
    harness = KioskHarness(config)
    harness.app.root.ids.screens.transition.duration = 0
    return harness


def start_kiosk(tmp_path, hub, kiosk_id="kiosk-test") -> KioskHarness:
    """A kiosk on `hub` whose catalogue cache has been filled (so it can book offline too)."""
    token = hub.add_kiosk(kiosk_id)
    kiosk = new_harness(load_config(write_config(tmp_path, hub.url, token, kiosk_id=kiosk_id)))
    cache = kiosk.app.kiosk_config.catalog_path
    kiosk.wait_until(cache.exists, what="the catalogue cached by the sync worker")
    return kiosk


def booking_screen(kiosk):
    return kiosk.app.root.ids.screens.get_screen("booking")


def touch_at(kiosk, x: float, y: float, frames: int = 2) -> None:
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    kiosk.frames(frames)


def type_on_keyboard(kiosk, keyboard_id: str, text: str) -> None:
    """Touch the on-screen keys that type text: "Majuscule" before a capital.

    A key acts on release, so no frame is drawn between keys (a frame with the keyboard costs
    up to half a second under Xvfb's software rendering), except around a capital: the keys
    change to capitals, and back, on the next frame.
    """
    keyboard = kiosk.widget(keyboard_id)
    kiosk.wait_until(lambda: keyboard.field is not None, what=f"{keyboard_id} shown")
    for char in text:
        capital = char.isupper() and char.lower() != char and keyboard.layout == "azerty"
        if capital:
            touch_at(kiosk, *keyboard.key_center("shift"), frames=1)   # capitals from next frame
        touch_at(kiosk, *keyboard.key_center(char), frames=1 if capital else 0)
    kiosk.frames(1)


def press_ok(kiosk, keyboard_id: str) -> None:
    touch_at(kiosk, *kiosk.widget(keyboard_id).key_center("enter"))
    kiosk.frames(2)


def open_booking(kiosk) -> None:
    kiosk.wait_until(lambda: kiosk.app.root.ids.screens.current == "home", what="home")
    kiosk.widget("home_scroll").scroll_to(kiosk.widget("booking_button"), animate=False)
    kiosk.frames(2)
    kiosk.tap("booking_button")
    screens = kiosk.app.root.ids.screens
    kiosk.wait_until(lambda: screens.current == "booking" and not screens.transition.is_active,
                     what="the booking screen")
    assert booking_screen(kiosk).step == "topic"


def choose_session(kiosk, topic: str, session_id: str) -> None:
    screen = booking_screen(kiosk)
    kiosk.tap(f"topic_{topic}_button")
    kiosk.wait_until(lambda: f"session_{session_id}_button" in screen.ids,
                     what=f"session {session_id} listed")
    card = kiosk.widget(f"session_{session_id}_button")
    screen.ids.sessions_body.scroll_to(card, animate=False)
    kiosk.frames(3)
    kiosk.tap(f"session_{session_id}_button")
    kiosk.wait_until(lambda: screen.step == "name", what="the name step")


def book(kiosk, topic: str, session_id: str, name="Awa Diallo", mobile="06 12 34 56 78",
         shots: str | None = None) -> str:
    """Book by touches from home to the receipt; returns the reference shown."""
    screen = booking_screen(kiosk)
    open_booking(kiosk)
    if shots:
        kiosk.screenshot(f"{shots}-1-topics")
    kiosk.widget("topics_body").scroll_to(kiosk.widget(f"topic_{topic}_button"), animate=False)
    kiosk.frames(2)
    kiosk.tap(f"topic_{topic}_button")
    kiosk.wait_until(lambda: screen.session_count > 0, what="sessions listed")
    if shots:
        kiosk.screenshot(f"{shots}-2-sessions")
    kiosk.tap("sessions_back_button")
    choose_session(kiosk, topic, session_id)
    type_on_keyboard(kiosk, "name_keyboard", name)
    if shots:
        kiosk.screenshot(f"{shots}-3-name")
    press_ok(kiosk, "name_keyboard")
    kiosk.wait_until(lambda: screen.step == "mobile", what="the mobile step")
    if mobile:
        type_on_keyboard(kiosk, "mobile_keyboard", mobile)
    if shots:
        kiosk.screenshot(f"{shots}-4-mobile")
    press_ok(kiosk, "mobile_keyboard")
    kiosk.wait_until(lambda: screen.step == "review", what="the review step")
    if shots:
        kiosk.screenshot(f"{shots}-5-review")
    kiosk.tap("confirm_button")
    kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")
    return screen.reference


def visible_labels(widget):
    from kivy.uix.label import Label

    for node in widget.walk(restrict=True):
        if isinstance(node, Label) and node.text and node.opacity > 0 and node.height > 0 \
                and node.text_size[0] is not None:
            yield node


def assert_no_clipped_text(kiosk) -> None:
    """Every wrapped text fits its widget: no line cut at the bottom or the side."""
    screen = kiosk.app.root.ids.screens.current_screen
    kiosk.frames(3)
    for label in visible_labels(screen):
        width, height = label.texture_size
        assert height <= label.height + 2, f"text cut at the bottom: {label.text[:60]!r}"
        assert width <= label.width + 2, f"text cut at the side: {label.text[:60]!r}"


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def sessions(hub):
    """Sessions of this kiosk's agency, added before the kiosk fetches the catalogue."""
    hub.add_session("ui-email", capacity=8, topic="email", starts_in=on_the_hour(1, 14))
    hub.add_session("ui-long-place", capacity=8, topic="email", starts_in=on_the_hour(2, 10),
                    place=LONG_PLACE)
    hub.add_session("ui-full", capacity=1, topic="internet", starts_in=on_the_hour(1, 16))
    return hub


@pytest.fixture
def kiosk(tmp_path, sessions):
    harness = start_kiosk(tmp_path, sessions)
    yield harness
    harness.close()


# --- tests ---------------------------------------------------------------------------------------

def test_booking_by_touch_reaches_the_hub_and_the_receipt_confirms(kiosk, hub):
    kiosk.wait_until(lambda: kiosk.app.online is True, what="online")
    reference = book(kiosk, "email", "ui-email", shots="booking-online")
    screen = booking_screen(kiosk)
    assert reference in kiosk.text("reference_label")
    assert "Gardez-le pour annuler" in kiosk.text("keep_reference_label")

    kiosk.wait_until(lambda: len(hub.actions("booking")) == 1, what="the booking at the hub")
    [action] = hub.actions("booking")
    assert action["id"] == action_id_for(reference)
    assert action["payload"] == {"session_id": "ui-email", "name": "Awa Diallo",
                                 "mobile": "+33612345678", "language": "fr"}
    kiosk.wait_until(lambda: screen.status == "confirmed", what="the hub's answer on the receipt")
    assert kiosk.text("status_label") == "Inscription confirmée."
    qr = kiosk.widget("event_qr")
    assert f"Référence\u00a0: {reference}" in qr.data and "Awa" not in qr.data and "612345678" not in qr.data
    kiosk.screenshot("booking-online-6-receipt-confirmed")


def test_long_place_and_two_hundred_percent_text_are_not_cut(kiosk):
    kiosk.app.text_scale = 2.0
    kiosk.frames(2)              # home laid out again at 200 % before scrolling to its button
    screen = booking_screen(kiosk)
    open_booking(kiosk)
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("booking-200-1-topics")
    kiosk.widget("topics_body").scroll_to(kiosk.widget("topic_email_button"), animate=False)
    kiosk.frames(2)
    kiosk.tap("topic_email_button")
    kiosk.wait_until(lambda: "session_ui-long-place_button" in screen.ids, what="sessions listed")
    card = kiosk.widget("session_ui-long-place_button")
    screen.ids.sessions_body.scroll_to(card, animate=False)
    kiosk.frames(3)
    assert LONG_PLACE in card.ids.where_label.text
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("booking-200-2-sessions-long-place")
    # At 200 % the card is taller than the list's view: touch the part of it that shows.
    body = screen.ids.sessions_body
    (_bx, by), (cx, cy) = body.to_window(*body.pos), card.to_window(*card.pos)
    low, high = max(by, cy), min(by + body.height, cy + card.height)
    kiosk.tap_at(cx + card.width / 2, (low + high) / 2)
    kiosk.wait_until(lambda: screen.step == "name", what="the name step")
    type_on_keyboard(kiosk, "name_keyboard", "Awa")
    kiosk.screenshot("booking-200-3-name")
    press_ok(kiosk, "name_keyboard")
    kiosk.wait_until(lambda: screen.step == "mobile", what="the mobile step")
    kiosk.screenshot("booking-200-4-mobile")
    press_ok(kiosk, "mobile_keyboard")
    kiosk.wait_until(lambda: screen.step == "review", what="the review step")
    assert kiosk.text("review_mobile_label") == "Pas de numéro"
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("booking-200-5-review")
    kiosk.tap("confirm_button")
    kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("booking-200-6-receipt")


def test_a_full_session_puts_the_tenant_on_the_waiting_list(kiosk, hub):
    # Another kiosk takes the only seat after this kiosk has fetched the catalogue.
    other = hub.add_kiosk_auth("kiosk-other")
    taken = post_action(hub, other, make_action("kiosk-other", "booking", {
        "session_id": "ui-full", "name": "Jean Martin", "language": "fr"}))
    assert taken.json()["result"]["booking"] == "confirmed"

    screen = booking_screen(kiosk)
    book(kiosk, "internet", "ui-full", name="Awa Diallo", mobile="")
    kiosk.wait_until(lambda: screen.status == "waitlisted", what="the waiting list answer")
    assert kiosk.text("status_label") == "Vous êtes sur la liste d'attente (place 1)."
    assert "mobile" not in hub.actions("booking")[-1]["payload"]
    kiosk.screenshot("booking-waitlisted")


def test_a_wrong_name_gets_a_kind_message_and_stays(kiosk):
    screen = booking_screen(kiosk)
    open_booking(kiosk)
    choose_session(kiosk, "email", "ui-email")
    press_ok(kiosk, "name_keyboard")                      # nothing typed
    assert screen.step == "name"
    assert kiosk.widget("name_field").error
    kiosk.screenshot("booking-name-error")
    type_on_keyboard(kiosk, "name_keyboard", "Awa")
    press_ok(kiosk, "name_keyboard")
    kiosk.wait_until(lambda: screen.step == "mobile", what="the mobile step")
    type_on_keyboard(kiosk, "mobile_keyboard", "01 23 45 67 89")   # a landline
    press_ok(kiosk, "mobile_keyboard")
    assert screen.step == "mobile"
    assert kiosk.widget("mobile_field").error
    kiosk.screenshot("booking-mobile-error")


def test_enqueue_failure_shows_a_kind_message_and_no_receipt(kiosk, monkeypatch):
    def disk_full(*args, **kwargs):
        raise EnqueueFailed("disk full")

    screen = booking_screen(kiosk)
    open_booking(kiosk)
    choose_session(kiosk, "email", "ui-email")
    type_on_keyboard(kiosk, "name_keyboard", "Awa")
    press_ok(kiosk, "name_keyboard")
    kiosk.wait_until(lambda: screen.step == "mobile", what="the mobile step")
    press_ok(kiosk, "mobile_keyboard")
    kiosk.wait_until(lambda: screen.step == "review", what="the review step")
    monkeypatch.setattr(kiosk.app.services, "submit", disk_full)
    kiosk.tap("confirm_button")
    assert screen.step == "review" and screen.reference == ""
    # French typography on screen: a no-break space before ":".
    assert kiosk.text("review_problem_label") == translate(ENQUEUE_FAILED, "fr")
    kiosk.screenshot("booking-enqueue-failed")


def test_going_home_wipes_the_booking(kiosk):
    screen = booking_screen(kiosk)
    book(kiosk, "email", "ui-email")
    kiosk.app.go_home()
    kiosk.frames(2)
    assert screen.step == "topic" and screen.journey.data == {}
    assert screen.reference == "" and screen.session is None and screen.name_value == ""
    assert screen.ids.event_qr.data == ""
    assert screen.ids.name_field.text == "" and screen.ids.mobile_field.text == ""


def test_another_journey_can_start_at_a_topics_sessions(kiosk):
    kiosk.app.show("booking", topic="email")
    screen = booking_screen(kiosk)
    kiosk.wait_until(lambda: screen.session_count > 0, what="the e-mail sessions")
    assert screen.step == "sessions" and screen.topic == "email"
    assert screen.journey.sessions()[0].agency == "Centre Ouest"    # this kiosk's agency first


def test_offline_booking_waits_then_arrives_exactly_once_after_a_restart(tmp_path, sessions):
    hub = sessions
    kiosk = start_kiosk(tmp_path, hub)
    try:
        hub.stop()
        screen = booking_screen(kiosk)
        reference = book(kiosk, "email", "ui-email", shots="booking-offline")
        assert screen.status == "waiting"
        assert kiosk.text("status_label") == ("En attente de confirmation\u00a0: "
                                              "la borne l'enverra dès que possible.")
        kiosk.screenshot("booking-offline-6-receipt-waiting")
    finally:
        kiosk.close()

    hub.start()
    config = load_config(tmp_path / "kiosk.toml")
    again = new_harness(config)
    try:
        again.wait_until(lambda: again.app.services.outbox.waiting_count() == 0,
                         timeout=20, what="the outbox emptied after the restart")
        bookings = [a for a in hub.actions("booking") if a["id"] == action_id_for(reference)]
        assert len(bookings) == 1
        assert bookings[0]["result"]["booking"] == "confirmed"
    finally:
        again.close()


def test_no_session_says_so_and_offers_an_agent(tmp_path):
    nobody_there = f"http://127.0.0.1:{free_port()}"
    kiosk = new_harness(load_config(write_config(tmp_path, nobody_there, "t")))
    try:
        screen = booking_screen(kiosk)
        open_booking(kiosk)
        kiosk.tap("topic_exchange_button")
        kiosk.wait_until(lambda: screen.catalog_ready, what="the (missing) catalogue read")
        assert screen.session_count == 0
        assert "pas d'atelier prévu" in kiosk.text("no_sessions_label")
        assert "Appeler un agent" in kiosk.text("no_sessions_help_label")
        kiosk.screenshot("booking-no-session")
        kiosk.tap("call_agent_button")
        assert kiosk.app.call_state in ("queued", "unreachable")
    finally:
        kiosk.close()
