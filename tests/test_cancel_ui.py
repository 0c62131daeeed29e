"""Cancelling a workshop booking with the number on the ticket, in the real window against a real
hub. The number is typed on the on-screen keyboard (the e-mail one: it has letters and digits)."""

from __future__ import annotations

import pytest

from kiosk.journeys.booking import WRONG_REFERENCE
from kiosk.references import ALPHABET, action_id_for, new_reference
from tests.test_booking_ui import (assert_no_clipped_text, book, on_the_hour, press_ok,
                                   start_kiosk, touch_at, type_on_keyboard)

pytestmark = pytest.mark.ui


@pytest.fixture
def kiosk(tmp_path, hub):
    hub.add_session("ui-cancel", capacity=8, topic="office", starts_in=on_the_hour(1, 14))
    harness = start_kiosk(tmp_path, hub)
    yield harness
    harness.close()


def cancel_screen(kiosk):
    return kiosk.app.root.ids.screens.get_screen("cancel")


def open_cancel(kiosk) -> None:
    screens = kiosk.app.root.ids.screens
    kiosk.wait_until(lambda: screens.current == "home", what="home")
    kiosk.widget("home_scroll").scroll_to(kiosk.widget("cancel_button"), animate=False)
    kiosk.frames(2)
    kiosk.tap("cancel_button")
    kiosk.wait_until(lambda: screens.current == "cancel" and not screens.transition.is_active,
                     what="the cancel screen")


def with_one_wrong_symbol(reference: str) -> str:
    """The reference with its third symbol mistyped (the check symbol catches it)."""
    wrong = next(symbol for symbol in ALPHABET if symbol != reference[2])
    return reference[:2] + wrong + reference[3:]


def erase(kiosk, keyboard_id: str, count: int) -> None:
    keyboard = kiosk.widget(keyboard_id)
    for _ in range(count):
        touch_at(kiosk, *keyboard.key_center("backspace"), frames=0)
    kiosk.frames(1)


def booking_status(hub, reference: str) -> str | None:
    rows = hub.query("SELECT status FROM bookings WHERE id = ?", [action_id_for(reference)])
    return rows[0]["status"] if rows else None


def test_cancel_by_reference_after_a_typo(kiosk, hub):
    reference = book(kiosk, "office", "ui-cancel")
    kiosk.wait_until(lambda: booking_status(hub, reference) == "confirmed",
                     what="the booking confirmed at the hub")
    kiosk.widget("receipt_body").scroll_to(kiosk.widget("receipt_done_button"), animate=False)
    kiosk.frames(2)
    kiosk.tap("receipt_done_button")
    screen = cancel_screen(kiosk)
    open_cancel(kiosk)
    assert screen.step == "reference"
    kiosk.screenshot("cancel-1-reference")

    typo = with_one_wrong_symbol(reference).lower()
    type_on_keyboard(kiosk, "reference_keyboard", typo)
    press_ok(kiosk, "reference_keyboard")
    assert screen.step == "reference"
    assert kiosk.widget("reference_field").error == WRONG_REFERENCE
    kiosk.screenshot("cancel-2-typo")
    assert hub.actions("booking_cancel") == []

    erase(kiosk, "reference_keyboard", len(typo))
    type_on_keyboard(kiosk, "reference_keyboard", reference.replace("-", "").lower())
    press_ok(kiosk, "reference_keyboard")
    kiosk.wait_until(lambda: screen.step == "confirm", what="the confirm step")
    assert reference in kiosk.text("confirm_reference_label")
    kiosk.screenshot("cancel-3-confirm")

    kiosk.tap("confirm_button")
    kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")
    assert kiosk.text("cancel_receipt_title_label") == "Votre demande d'annulation est enregistrée."
    kiosk.wait_until(lambda: booking_status(hub, reference) == "cancelled",
                     what="the booking cancelled at the hub")
    [cancel] = hub.actions("booking_cancel")
    assert cancel["payload"] == {"booking_id": action_id_for(reference)}
    kiosk.wait_until(lambda: screen.status == "cancelled", what="the hub's answer on the receipt")
    assert kiosk.text("cancel_status_label").startswith(
        "C'est fait\u00a0: votre inscription est annulée.")
    kiosk.screenshot("cancel-4-receipt")

    kiosk.app.go_home()
    kiosk.frames(2)
    assert screen.step == "reference" and screen.reference == "" and screen.journey.data == {}
    assert screen.ids.reference_field.text == ""


def test_cancel_confirm_and_receipt_at_two_hundred_percent_are_not_cut(kiosk):
    kiosk.app.text_scale = 2.0
    kiosk.frames(2)              # home laid out again at 200 % before scrolling to its button
    screen = cancel_screen(kiosk)
    open_cancel(kiosk)
    kiosk.screenshot("cancel-200-1-reference")
    type_on_keyboard(kiosk, "reference_keyboard", new_reference().lower())
    press_ok(kiosk, "reference_keyboard")
    kiosk.wait_until(lambda: screen.step == "confirm", what="the confirm step")
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("cancel-200-2-confirm")
    kiosk.tap("confirm_button")
    kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")
    # Nobody booked this number: the hub keeps the cancellation until the booking comes.
    kiosk.wait_until(lambda: screen.status == "noted", what="the hub's answer")
    assert_no_clipped_text(kiosk)
    kiosk.screenshot("cancel-200-3-receipt-noted")
