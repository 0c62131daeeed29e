"""The step table that every journey is built on."""

import pytest

from kiosk.journeys.wizard import Step, Wizard


class Sample(Wizard):
    start = "ask"
    steps = {
        "ask": Step(next=lambda data, choice: "yes_path" if choice == "yes" else "no_path"),
        "yes_path": Step(next="done"),
        "no_path": Step(),
        "done": Step(can_go_back=False),
    }


def test_next_follows_the_tenants_choice():
    assert Sample().next("yes") == "yes_path"
    assert Sample().next("no") == "no_path"


def test_back_returns_to_the_previous_step():
    wizard = Sample()
    wizard.next("yes")
    assert wizard.back() == "ask"
    assert not wizard.can_go_back


def test_a_receipt_step_has_no_way_back():
    wizard = Sample()
    wizard.next("yes")
    wizard.next()
    assert wizard.back() == "done"


def test_last_step_has_no_next():
    wizard = Sample()
    wizard.next("no")
    with pytest.raises(LookupError):
        wizard.next()


def test_reset_forgets_the_visitor():
    wizard = Sample()
    wizard.data["surname"] = "CANARY"
    wizard.next("yes")
    wizard.reset()
    assert wizard.data == {} and wizard.current == "ask"
