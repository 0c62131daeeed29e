"""The idle timer: quiet, then a warning with a countdown, then expiry; a touch starts over."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.idle import IdleTimer
from tests.fakes import FakeClock


@pytest.fixture
def clock():
    return FakeClock(1000.0)


@pytest.fixture
def timer(clock):
    return IdleTimer(timeout_seconds=90, warning_seconds=20, clock=clock)


def test_active_counts_down_to_the_warning(timer, clock):
    assert timer.state() == ("active", 90.0)
    clock.advance(30)
    assert timer.state() == ("active", 60.0)
    clock.advance(59.5)
    assert timer.state() == ("active", 0.5)


def test_warning_starts_exactly_at_the_timeout(timer, clock):
    clock.advance(90)
    assert timer.state() == ("warning", 20.0)


def test_warning_counts_down(timer, clock):
    clock.advance(90)
    seen = []
    for _ in range(19):
        clock.advance(1)
        seen.append(timer.state())
    assert seen == [("warning", float(left)) for left in range(19, 0, -1)]


def test_expires_when_the_countdown_ends(timer, clock):
    clock.advance(110)
    assert timer.state() == ("expired", 0.0)


def test_stays_expired_until_touched(timer, clock):
    clock.advance(110)
    clock.advance(3600)
    assert timer.state() == ("expired", 0.0)
    timer.touched()
    assert timer.state() == ("active", 90.0)


def test_i_continue_during_the_warning_goes_back_to_active(timer, clock):
    clock.advance(100)
    assert timer.state()[0] == "warning"
    timer.touched()  # "Je continue"
    assert timer.state() == ("active", 90.0)


def test_i_continue_works_any_number_of_times(timer, clock):
    for _ in range(10):
        clock.advance(105)  # well into the warning each time
        assert timer.state() == ("warning", 5.0)
        timer.touched()
        assert timer.state() == ("active", 90.0)
    clock.advance(110)
    assert timer.state() == ("expired", 0.0)


def test_every_touch_puts_the_warning_off(timer, clock):
    for _ in range(50):
        clock.advance(80)
        timer.touched()
    assert timer.state() == ("active", 90.0)


def test_a_clock_going_back_is_not_more_idle_time(timer, clock):
    clock.advance(-50)
    assert timer.state() == ("active", 90.0)


def test_the_real_monotonic_clock_is_the_default():
    timer = IdleTimer(90, 20)
    state, left = timer.state()
    assert state == "active" and 89 < left <= 90


@pytest.mark.parametrize("timeout, warning", [(0, 20), (90, 0), (-1, 20)])
def test_times_must_be_positive(timeout, warning):
    with pytest.raises(ValueError):
        IdleTimer(timeout, warning)


def test_core_modules_never_import_kivy():
    # The core must run without a window (tests, tools); checked in a fresh interpreter.
    import subprocess
    import sys
    code = ("import sys, kiosk.idle, kiosk.validation, kiosk.references, kiosk.receipts; "
            "sys.exit('kivy' in sys.modules)")
    root = Path(__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root, timeout=60).returncode == 0
