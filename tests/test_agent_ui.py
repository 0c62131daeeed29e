"""Agent mode in the real window, against a real hub: the hidden gesture, the passcode and its
lockout (across a restart), the re-lock, retry and discard from the panel, an assisted journey.

Agent mode's clock (lockout, re-lock, the 3 s hold) is a FakeClock: no test waits for time.
"""

from __future__ import annotations

import uuid

import pytest

from kiosk.agentmode import hash_passcode
from kiosk.config import load_config
from tests.faultproxy import FaultProxy
from tests.fakes import FakeClock
from tests.kiosk_harness import KioskHarness, write_config
from tests.test_booking_ui import (booking_screen, choose_session, on_the_hour, press_ok,
                                   touch_at, type_on_keyboard)

pytestmark = pytest.mark.ui

PASSCODE = "site-code-42"
AGENT = "marie.dupont"
PASSCODE_HASH = hash_passcode(PASSCODE)


def agent_config(tmp_path, hub_url: str, token: str, kiosk_id: str, *, outbox: str = ""):
    path = write_config(tmp_path, hub_url, token, kiosk_id=kiosk_id,
                        extra=f'\n[agent]\npasscode_hash = "{PASSCODE_HASH}"\n')
    if outbox:
        path.write_text(path.read_text(encoding="utf-8").replace("[outbox]\n", f"[outbox]\n{outbox}\n"),
                        encoding="utf-8")
    return load_config(path)


def new_harness(config, agent_clock: FakeClock, idle_clock: FakeClock | None = None) -> KioskHarness:
    """As tests/test_booking_ui.py's: forget the closed app cached by KV's `app` proxy first."""
    from kivy.lang.parser import global_idmap

    object.__setattr__(global_idmap["app"], "_obj", None)
    return KioskHarness(config, agent_clock=agent_clock, clock=idle_clock)


def current(kiosk) -> str:
    return kiosk.app.root.ids.screens.current


def agent_screen(kiosk):
    return kiosk.app.root.ids.screens.get_screen("agent")


def hold_brand(kiosk, clock: FakeClock, seconds: float, widget_id: str = "landlord_label") -> None:
    """A finger on the landlord's name, still, for `seconds` of agent mode's clock."""
    from kivy.tests.common import UnitTestTouch

    target = kiosk.widget(widget_id)
    touch = UnitTestTouch(*target.to_window(*target.center))
    touch.touch_down()
    kiosk.frames(1)
    clock.advance(seconds)
    touch.touch_up()
    kiosk.frames(2)


def open_form(kiosk, clock: FakeClock) -> None:
    hold_brand(kiosk, clock, 3.2)
    kiosk.wait_until(lambda: current(kiosk) == "agent", what="the unlock form")


def type_credentials(kiosk, agent_id: str, passcode: str) -> None:
    """Typed as the keys do (FormField.type), then the keyboard's "OK" on the passcode; every
    key is touched in test_the_hold_opens_the_form_and_the_passcode_typed_by_touch_unlocks."""
    screen = agent_screen(kiosk)
    screen.ids.agent_id_field.clear()
    screen.ids.agent_id_field.type(agent_id)
    screen.ids.passcode_field.focus()
    screen.ids.passcode_field.type(passcode)
    kiosk.frames(1)
    touch_at(kiosk, *kiosk.widget("unlock_keyboard").key_center("enter"), frames=1)


def tap_in_panel(kiosk, widget_id: str) -> None:
    """Scroll the panel to the widget first: the panel is longer than the screen."""
    kiosk.widget("panel_scroll").scroll_to(kiosk.widget(widget_id), padding=20, animate=False)
    kiosk.frames(2)
    kiosk.tap(widget_id)


def unlock(kiosk, clock: FakeClock, agent_id: str = AGENT) -> None:
    open_form(kiosk, clock)
    type_credentials(kiosk, agent_id, PASSCODE)
    kiosk.wait_until(lambda: agent_screen(kiosk).unlocked, what="the panel")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def kiosk(tmp_path, module_hub, clock):
    kiosk_id = f"kiosk-agent-{uuid.uuid4().hex[:8]}"
    harness = new_harness(agent_config(tmp_path, module_hub.url, module_hub.add_kiosk(kiosk_id),
                                       kiosk_id), agent_clock=clock, idle_clock=clock)
    yield harness
    harness.close()


# --- tests ------------------------------------------------------------------------------------------

def test_the_hold_opens_the_form_the_passcode_typed_by_touch_unlocks_and_inactivity_locks(
        kiosk, clock):
    hold_brand(kiosk, clock, 1.5)                       # too short: nothing at all
    assert current(kiosk) == "home"
    hold_brand(kiosk, clock, 3.2, widget_id="logo")
    kiosk.wait_until(lambda: current(kiosk) == "agent", what="the unlock form")
    screen = agent_screen(kiosk)
    assert not screen.unlocked

    type_on_keyboard(kiosk, "unlock_keyboard", AGENT)
    kiosk.screenshot("agent-1-unlock-form")
    press_ok(kiosk, "unlock_keyboard")                  # "Suivant": to the passcode
    type_on_keyboard(kiosk, "unlock_keyboard", PASSCODE)
    assert screen.ids.passcode_field.ids.input.password
    press_ok(kiosk, "unlock_keyboard")                  # "OK": unlock
    kiosk.wait_until(lambda: screen.unlocked, what="the panel")
    assert screen.ids.passcode_field.text == ""          # never kept on screen
    assert kiosk.app.agent.agent_id == AGENT
    assert AGENT in kiosk.text("agent_title_label")
    assert kiosk.text("kiosk_id_label") == kiosk.app.kiosk_config.kiosk.id
    assert kiosk.text("hub_url_label") == kiosk.app.kiosk_config.hub.url
    kiosk.wait_until(lambda: kiosk.text("connection_label") == "en ligne", what="online")
    kiosk.tap("sync_now_button")
    assert kiosk.text("notice_label") == "Synchronisation demandée."
    kiosk.screenshot("agent-2-panel")

    # Site settings: saved in data_dir, applied to every visitor from now on.
    volume = int(kiosk.text("volume_label").split()[0])  # the speech engine's, at first
    tap_in_panel(kiosk, "site_language_en_button")
    tap_in_panel(kiosk, "volume_down_button")
    assert kiosk.app.site.default_language == "en"
    assert kiosk.app.site.speech_volume == volume - 10
    assert kiosk.text("volume_label") == f"{volume - 10} %"
    speech = getattr(kiosk.app, "speech", None)
    if speech is not None:
        assert speech.default_volume == pytest.approx((volume - 10) / 100)
    assert load_config(kiosk.app.kiosk_config.source).kiosk.default_language == "fr"  # file untouched
    kiosk.screenshot("agent-3-panel-settings")

    # Untouched for relock_seconds: locked, and home (in the new default language).
    relock = kiosk.app.kiosk_config.agent.relock_seconds
    clock.advance(relock - 5)
    kiosk.tap("agent_title_label")                       # a touch: the agent is still there
    clock.advance(relock - 5)
    kiosk.frames(3)
    assert current(kiosk) == "agent" and screen.unlocked
    assert not kiosk.app.idle_warning                   # the tenant's "Vous êtes toujours là ?" is not the agent's
    clock.advance(6)
    kiosk.wait_until(lambda: current(kiosk) == "home", what="the re-lock")
    assert not kiosk.app.agent.unlocked and not screen.unlocked
    assert kiosk.app.language == "en"


def test_wrong_passcodes_lock_with_a_growing_delay_that_survives_a_restart(tmp_path, module_hub,
                                                                           clock):
    config = agent_config(tmp_path, module_hub.url, module_hub.add_kiosk("kiosk-agent-lockout"),
                          "kiosk-agent-lockout")
    kiosk = new_harness(config, agent_clock=clock)
    try:
        open_form(kiosk, clock)
        for _ in range(2):
            type_credentials(kiosk, AGENT, "wrong-code-1")
            assert kiosk.text("unlock_message_label") == "Identifiant ou code faux."
        type_credentials(kiosk, AGENT, "wrong-code-3")     # the third locks: 30 s
        assert "essayez dans 30 s" in kiosk.text("unlock_message_label")
        type_credentials(kiosk, AGENT, PASSCODE)            # locked: not even checked
        assert not agent_screen(kiosk).unlocked
        assert "essayez dans 30 s" in kiosk.text("unlock_message_label")
        kiosk.screenshot("agent-3-locked")
    finally:
        kiosk.close()

    clock.advance(10)
    kiosk = new_harness(config, agent_clock=clock)          # a restart: still locked
    try:
        open_form(kiosk, clock)
        assert 0 < kiosk.app.agent.seconds_locked() <= 20
        kiosk.wait_until(lambda: "Trop de codes faux" in kiosk.text("unlock_message_label"),
                         what="the lockout after the restart")
        type_credentials(kiosk, AGENT, PASSCODE)
        assert not agent_screen(kiosk).unlocked
        clock.advance(21)
        type_credentials(kiosk, AGENT, "wrong-code-4")     # the fourth: 60 s
        assert "essayez dans 1 min" in kiosk.text("unlock_message_label")
        clock.advance(61)
        type_credentials(kiosk, AGENT, PASSCODE)
        kiosk.wait_until(lambda: agent_screen(kiosk).unlocked, what="the panel")
        assert kiosk.app.agent.lockout.failures == 0
    finally:
        kiosk.close()


def test_the_panel_retries_a_stuck_action_and_discards_a_refused_one_after_confirmation(
        tmp_path, module_hub, clock):
    with FaultProxy(module_hub.url) as proxy:
        config = agent_config(tmp_path, proxy.url, module_hub.add_kiosk("kiosk-agent-outbox"),
                              "kiosk-agent-outbox", outbox="stuck_after_attempts = 1")
        kiosk = new_harness(config, agent_clock=clock)
        try:
            services, outbox = kiosk.app.services, kiosk.app.services.outbox
            stuck_id = str(uuid.uuid4())
            proxy.fail_keys.add(stuck_id)                  # the hub "fails" on this one
            services.submit("feedback", {"journey": "booking", "score": 3}, action_id=stuck_id)
            refused = services.submit("feedback", {"journey": "booking", "score": 7})
            kiosk.wait_until(lambda: outbox.get(stuck_id).state == "stuck", what="stuck")
            kiosk.wait_until(lambda: outbox.get(refused.id).state == "rejected", what="refused")
            proxy.fail_keys.discard(stuck_id)

            unlock(kiosk, clock)
            stuck_row = kiosk.widget(f"row_{stuck_id}")
            assert "Avis · bloquée" in stuck_row.summary and "1 essai" in stuck_row.summary
            assert stuck_row.reason                        # the failure, for the agent
            refused_row = kiosk.widget(f"row_{refused.id}")
            assert "refusée par le hub" in refused_row.summary and "score" in refused_row.reason
            assert not refused_row.can_retry and refused_row.can_discard
            kiosk.screenshot("agent-4-panel-outbox")

            kiosk.tap(f"retry_{stuck_id}_button")
            kiosk.wait_until(lambda: outbox.get(stuck_id).state == "delivered", what="delivered")
            assert stuck_id in [action["id"] for action in module_hub.actions("feedback")]

            tap_in_panel(kiosk, f"discard_{refused.id}_button")
            kiosk.screenshot("agent-5-discard-confirmation")
            kiosk.tap("discard_cancel_button")
            assert outbox.get(refused.id) is not None
            tap_in_panel(kiosk, f"discard_{refused.id}_button")
            kiosk.tap("discard_confirm_button")
            assert outbox.get(refused.id) is None
            assert f"row_{refused.id}" not in agent_screen(kiosk).ids
            assert kiosk.text("notice_label").startswith("Action supprimée")

            kiosk.tap("leave_agent_button")
            assert current(kiosk) == "home" and not kiosk.app.agent.unlocked
        finally:
            kiosk.close()


def test_an_assisted_booking_reaches_the_hub_with_the_agents_id(tmp_path, module_hub, clock):
    module_hub.add_session("agent-assisted", capacity=8, topic="email",
                           starts_in=on_the_hour(1, 15))
    config = agent_config(tmp_path, module_hub.url, module_hub.add_kiosk("kiosk-agent-assist"),
                          "kiosk-agent-assist")
    kiosk = new_harness(config, agent_clock=clock)
    try:
        kiosk.wait_until(config.catalog_path.exists, what="the catalogue")
        unlock(kiosk, clock)
        tap_in_panel(kiosk, "assist_booking_button")
        screen = booking_screen(kiosk)
        kiosk.wait_until(lambda: current(kiosk) == "booking", what="the booking journey")
        assert not kiosk.app.agent.unlocked                 # the tenant holds the kiosk now
        assert kiosk.text("assisted_banner") == f"Avec l'aide de {AGENT}"

        choose_session(kiosk, "email", "agent-assisted")   # the tenant, by touch
        type_on_keyboard(kiosk, "name_keyboard", "Awa Diallo")
        press_ok(kiosk, "name_keyboard")
        kiosk.wait_until(lambda: screen.step == "mobile", what="the mobile step")
        press_ok(kiosk, "mobile_keyboard")
        kiosk.wait_until(lambda: screen.step == "review", what="the review step")
        kiosk.screenshot("agent-6-assisted-review")
        kiosk.tap("confirm_button")
        kiosk.wait_until(lambda: screen.step == "receipt", what="the receipt")

        def booked():
            return module_hub.query("SELECT assisted_by FROM bookings WHERE session_id = ?",
                                    ["agent-assisted"])
        kiosk.wait_until(lambda: booked(), what="the booking at the hub")
        assert booked() == [{"assisted_by": AGENT}]

        kiosk.tap("home_button")                             # the visit ends
        assert kiosk.app.assisted_by == "" and kiosk.text("assisted_banner") == ""
        assert kiosk.app.services.assisted_by == ""
    finally:
        kiosk.close()
