"""Agent mode's core without a window: the passcode hash, the lockout and its file, the re-lock,
the hold gesture, the site settings, discarding from the outbox, `assisted_by` on payloads."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest

from kiosk import agentmode
from kiosk.agentmode import (BAD_AGENT_ID, DISABLED, LOCKED, UNLOCKED, WRONG, AgentMode,
                             HoldGesture, Lockout, hash_passcode, hash_problem, lockout_delay,
                             outbox_rows, passcode_problem, verify_passcode)
from kiosk.config import Config, ConfigError, KioskSettings, OutboxSettings, load_config
from kiosk.outbox import Outbox
from kiosk.services import Services
from kiosk.site import SiteSettings, SiteStore
from tests.fakes import FakeClock

PASSCODE = "site-code-42"
PASSCODE_HASH = hash_passcode(PASSCODE)      # once: each hash costs about 0.1 s


def config_for(tmp_path, **agent) -> Config:
    config = Config(kiosk=KioskSettings(data_dir=tmp_path / "data", languages=("fr", "en")))
    return replace(config, agent=replace(config.agent, **{"passcode_hash": PASSCODE_HASH, **agent}))


# --- the hash -------------------------------------------------------------------------------------

def test_the_hash_verifies_the_passcode_and_nothing_else():
    assert PASSCODE_HASH.startswith("scrypt$32768$8$1$")
    assert verify_passcode(PASSCODE, PASSCODE_HASH)
    assert not verify_passcode("site-code-43", PASSCODE_HASH)
    assert not verify_passcode(PASSCODE, "scrypt$not$a$hash")
    assert hash_passcode(PASSCODE) != PASSCODE_HASH          # a fresh salt each time
    assert hash_problem(PASSCODE_HASH) is None


def test_weak_or_malformed_hashes_are_refused_by_the_config(tmp_path):
    weak = PASSCODE_HASH.replace("scrypt$32768$", "scrypt$1024$")
    assert "too weak" in hash_problem(weak)
    assert hash_problem("plain-passcode") is not None
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[agent]\npasscode_hash = "{weak}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[agent\] passcode_hash"):
        load_config(path)


def test_short_or_untypable_passcodes_are_refused():
    assert "at least 8" in passcode_problem("abc-123")
    assert "cannot type" in passcode_problem("Secret-2026")    # no capitals on that keyboard
    assert passcode_problem("agent-demo-2026") is None
    with pytest.raises(ValueError):
        hash_passcode("short")


def test_the_hash_command_prints_a_line_the_config_takes(tmp_path, capsys):
    secret = tmp_path / "passcode"
    secret.write_text("agent-demo-2026\n", encoding="utf-8")
    assert agentmode.main(["hash", "--passcode-file", str(secret)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('passcode_hash = "scrypt$')
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[agent]\n{line}\n", encoding="utf-8")
    assert verify_passcode("agent-demo-2026", load_config(config).agent.passcode_hash)

    secret.write_text("short\n", encoding="utf-8")
    assert agentmode.main(["hash", "--passcode-file", str(secret)]) == 2
    assert "at least 8" in capsys.readouterr().err


def test_the_demo_config_opens_with_the_documented_demo_passcode():
    demo = load_config(agentmode.KEYBOARD_LAYOUT.parents[2] / "config" / "demo.toml")
    assert verify_passcode("agent-demo-2026", demo.agent.passcode_hash)


# --- the lockout ----------------------------------------------------------------------------------

def test_the_lockout_schedule_grows_after_two_typos_and_stops_at_the_cap():
    delays = [lockout_delay(failures, 30, 900) for failures in range(1, 10)]
    assert delays == [0, 0, 30, 60, 120, 240, 480, 900, 900]


def test_wrong_passcodes_lock_and_the_lock_survives_a_restart(tmp_path):
    clock = FakeClock()
    config = config_for(tmp_path)
    mode = AgentMode(config, clock=clock)
    assert [mode.unlock("marie", "wrong-code").outcome for _ in range(2)] == [WRONG, WRONG]
    third = mode.unlock("marie", "wrong-code")
    assert (third.outcome, third.seconds_left) == (WRONG, 30)
    assert mode.unlock("marie", PASSCODE).outcome == LOCKED      # not even checked

    clock.advance(10)
    restarted = AgentMode(config, clock=clock)                    # a new process, same data_dir
    attempt = restarted.unlock("marie", PASSCODE)
    assert (attempt.outcome, attempt.seconds_left) == (LOCKED, 20)
    clock.advance(20)
    assert restarted.unlock("marie", "wrong-code").seconds_left == 60
    clock.advance(60)
    assert restarted.unlock("marie", PASSCODE).outcome == UNLOCKED
    assert restarted.lockout.failures == 0
    assert json.loads((config.kiosk.data_dir / agentmode.LOCKOUT_FILE).read_text())["failures"] == 0


def test_a_clock_set_back_never_locks_longer_than_the_cap(tmp_path):
    lockout = Lockout(tmp_path / "lockout.json", 30, 900)
    for _ in range(3):
        lockout.failed(1_000_000.0)
    assert lockout.seconds_left(1_000_000.0 - 86_400) == 900


def test_a_broken_lockout_file_counts_as_two_wrong_passcodes(tmp_path):
    path = tmp_path / "lockout.json"
    path.write_text("{not json", encoding="utf-8")
    lockout = Lockout(path, 30, 900)
    assert lockout.failed(1_000_000.0) == 30                     # the next wrong one locks


def test_a_wrong_agent_id_is_not_a_guess_and_disabled_mode_never_opens(tmp_path):
    mode = AgentMode(config_for(tmp_path), clock=FakeClock())
    assert mode.unlock("marie dupont", PASSCODE).outcome == BAD_AGENT_ID
    assert mode.lockout.failures == 0
    disabled = AgentMode(config_for(tmp_path, passcode_hash=""), clock=FakeClock())
    assert not disabled.enabled and disabled.unlock("marie", PASSCODE).outcome == DISABLED


def test_agent_mode_relocks_after_relock_seconds_without_a_touch(tmp_path):
    clock = FakeClock()
    mode = AgentMode(config_for(tmp_path, relock_seconds=120), clock=clock)
    assert mode.unlock("marie.dupont", PASSCODE).outcome == UNLOCKED
    clock.advance(100)
    mode.touched()
    clock.advance(119)
    assert not mode.relock_due()
    clock.advance(1)
    assert mode.relock_due()
    mode.lock()
    assert not mode.unlocked and not mode.relock_due()


def test_the_hold_gesture_needs_three_still_seconds_and_one_finger():
    clock = FakeClock()
    hold = HoldGesture(clock=clock, slop=20)
    hold.down(1, 100, 100)
    clock.advance(2.9)
    assert not hold.up(1)
    hold.down(2, 100, 100)
    clock.advance(3)
    assert hold.up(2)
    hold.down(3, 100, 100)
    hold.move(3, 130, 100)                                        # it slid: a swipe
    clock.advance(3)
    assert not hold.up(3)
    hold.down(4, 100, 100)
    hold.down(5, 300, 100)                                        # a second finger
    clock.advance(3)
    assert not hold.up(4) and not hold.up(5)


# --- the site settings ----------------------------------------------------------------------------

def test_site_settings_are_kept_in_data_dir_and_checked_against_the_config(tmp_path):
    config = config_for(tmp_path)
    store = SiteStore(config)
    assert store.load() == SiteSettings(default_language="fr", speech_volume=None)
    store.save(SiteSettings(default_language="en", speech_volume=60))
    assert SiteStore(config).load() == SiteSettings(default_language="en", speech_volume=60)
    with pytest.raises(ValueError):
        store.save(SiteSettings(default_language="pt"))            # not offered on this kiosk
    with pytest.raises(ValueError):
        store.save(SiteSettings(default_language="fr", speech_volume=120))

    # Later the config drops English: the kiosk falls back to its default, it does not stop.
    narrower = replace(config, kiosk=replace(config.kiosk, languages=("fr",)))
    assert SiteStore(narrower).load().default_language == "fr"
    store.path.write_text("[broken", encoding="utf-8")
    assert SiteStore(config).load() == store.defaults()


# --- the outbox and the payloads ------------------------------------------------------------------

def test_discard_removes_only_rejected_stuck_or_expired_actions(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db", OutboxSettings(stuck_after_attempts=1), "kiosk-1")
    try:
        pending = outbox.enqueue("feedback", {"journey": "booking", "score": 3})
        rejected = outbox.enqueue("feedback", {"journey": "booking", "score": 9})
        stuck = outbox.enqueue("feedback", {"journey": "account", "score": 2})
        outbox.claim_ready()
        outbox.release(pending.id)
        outbox.mark_rejected(rejected.id, "422 invalid_field: score")
        assert outbox.mark_failed(stuck.id, "HTTP 503") == "stuck"

        assert not outbox.discard(pending.id)                       # it may be on its way
        assert not outbox.discard(str(uuid.uuid4()))
        assert outbox.discard(rejected.id) and outbox.discard(stuck.id)
        assert [action.id for action in outbox.list()] == [pending.id]
    finally:
        outbox.close()


def test_the_panel_rows_say_what_the_agent_needs_and_no_personal_data(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db", OutboxSettings(), "kiosk-1")
    try:
        action = outbox.enqueue("account_request", {
            "tenant_ref": "00123456", "surname": "Dupont", "email": "marie.dupont@example.fr",
            "consent": True, "language": "fr"})
        outbox.claim_ready()
        outbox.mark_rejected(action.id, "422 invalid_field: 'marie.dupont@example.fr' is refused")
        [row] = outbox_rows(outbox.list(), action.enqueued_at + 600)
    finally:
        outbox.close()
    assert row.summary == "Demande de compte · refusée par le hub · il y a 10 min · 0 essai"
    assert "invalid_field" in row.reason and "marie.dupont" not in row.reason
    assert row.can_discard and not row.can_retry


def test_an_assisted_journey_puts_the_agents_id_on_account_requests_and_bookings(tmp_path):
    # A hub nobody listens on: the worker fails to send, the payloads stay in the outbox.
    config = replace(config_for(tmp_path),
                     hub=replace(Config().hub, url="http://127.0.0.1:9", token_file=tmp_path / "t"))
    services = Services(config)
    services.start()
    try:
        services.assisted_by = "marie.dupont"
        booking = services.submit("booking", {"session_id": "s1", "name": "Awa", "language": "fr"})
        feedback = services.submit("feedback", {"journey": "booking", "score": 3})
        services.assisted_by = ""
        alone = services.submit("booking", {"session_id": "s1", "name": "Awa", "language": "fr"})
        assert services.outbox.get(booking.id).payload["assisted_by"] == "marie.dupont"
        assert "assisted_by" not in services.outbox.get(feedback.id).payload
        assert "assisted_by" not in services.outbox.get(alone.id).payload
    finally:
        services.stop(timeout=5)
