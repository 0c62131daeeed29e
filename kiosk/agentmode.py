"""Agent mode's core: the site passcode, the lockout, the inactivity re-lock and the gesture.

Plain Python, no Kivy (screens/agent.py shows it). How it works:
- An agent opens it by holding the landlord's logo or name in the top bar for 3 seconds without
  moving (`HoldGesture`), then types their agent id (their console login, which the kiosk puts
  in `assisted_by`) and the site's agent passcode.
- The passcode is one per site, at least 8 characters, stored in the config only as a scrypt
  hash that carries its parameters and salt (`python -m kiosk.agentmode hash` makes the line).
  An empty `[agent] passcode_hash` turns agent mode off.
- Wrong passcodes lock it with a growing delay (`lockout_delay`); the failures are kept in
  `<data_dir>/agent-lockout.json`, written durably, so a restart does not reset them.
- Unlocked, it locks again by itself after `relock_seconds` without a touch (and on every
  visitor wipe: home button, idle timeout).

The clock is wall time (the lockout must survive a reboot) and is injected for tests.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.config import Config
# The outbox's own scrubbing of personal values (what retention uses), for the hub's reasons.
from kiosk.outbox import (EXPIRED, PENDING, REJECTED, SENDING, STUCK, Action, _kept_payload,
                          _personal_values, _scrub)
from kiosk.durable import load_json, save_json
from kiosk.sync import SyncStatus

log = logging.getLogger(__name__)

MIN_PASSCODE_LENGTH = 8
SCHEME = "scrypt"
N, R, P = 2**15, 8, 1          # about 32 MiB and 0.1-0.2 s per check on a kiosk
SALT_BYTES = 16
HASH_BYTES = 32
LOCKOUT_FILE = "agent-lockout.json"
FREE_FAILURES = 2              # two typos cost nothing; the third wrong passcode locks
FORGET_FAILURES_AFTER = 24 * 3600   # a day without a wrong passcode: the count starts again
HOLD_SECONDS = 3.0
AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")    # the hub's identifier rule
KEYBOARD_LAYOUT = Path(__file__).resolve().parent.parent / "assets" / "keyboards" / "email.json"

# Outcomes of an unlock attempt.
UNLOCKED = "unlocked"
WRONG = "wrong"            # wrong passcode (counted)
LOCKED = "locked"          # too many wrong passcodes: not even checked
BAD_AGENT_ID = "bad_agent_id"
DISABLED = "disabled"


# --- the passcode hash --------------------------------------------------------------------------

def _scrypt(passcode: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: OpenSSL's default (32 MiB) is just below what n=2**15, r=8 needs.
    return hashlib.scrypt(passcode.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * n * r * 2, dklen=HASH_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_passcode(passcode: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """`scrypt$<n>$<r>$<p>$<salt>$<hash>` (base64), with a fresh random salt."""
    problem = passcode_problem(passcode)
    if problem:
        raise ValueError(problem)
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(_scrypt(passcode, salt, n, r, p))}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    scheme, n, r, p, salt, expected = stored.split("$")
    if scheme != SCHEME:
        raise ValueError(f"unknown scheme {scheme!r}")
    return (int(n), int(r), int(p), base64.b64decode(salt, validate=True),
            base64.b64decode(expected, validate=True))


def hash_problem(stored: str) -> str | None:
    """None for a usable hash, else what is expected (for the config's error message)."""
    expected = ("a hash made by `python -m kiosk.agentmode hash` "
                "(scrypt$<n>$<r>$<p>$<salt>$<hash>), or an empty text to turn agent mode off")
    try:
        n, r, p, salt, key = _parse(stored)
    except (ValueError, TypeError):
        return expected
    if n < N or n & (n - 1) or r < R or p < 1 or len(salt) < SALT_BYTES or len(key) < HASH_BYTES:
        return f"{expected}; this one is too weak (at least n={N}, r={R}, p=1)"
    return None


def verify_passcode(passcode: str, stored: str) -> bool:
    """True when `passcode` matches; constant-time comparison; a malformed hash never matches."""
    try:
        n, r, p, salt, expected = _parse(stored)
        return hmac.compare_digest(_scrypt(passcode, salt, n, r, p), expected)
    except (ValueError, TypeError):
        return False


def keyboard_characters() -> set[str]:
    """The single characters the kiosk's on-screen keyboard for the passcode can type."""
    layout = json.loads(KEYBOARD_LAYOUT.read_text(encoding="utf-8"))
    return {key[1] for name, row in layout.items() if name[-1:].isdigit() and "_" in name
            for key in row if isinstance(key[1], str) and len(key[1]) == 1}


def passcode_problem(passcode: str) -> str | None:
    """Why this passcode cannot be used (in English, for IT at install), or None."""
    if len(passcode) < MIN_PASSCODE_LENGTH:
        return (f"the agent passcode must have at least {MIN_PASSCODE_LENGTH} characters "
                f"(this one has {len(passcode)})")
    allowed = keyboard_characters()
    missing = sorted(set(passcode) - allowed)
    if missing:
        return (f"the kiosk's on-screen keyboard cannot type {''.join(missing)!r}; use lowercase "
                f"letters, digits and {''.join(sorted(c for c in allowed if not c.isalnum()))}")
    return None


def is_agent_id(text: str) -> bool:
    return AGENT_ID.fullmatch(text) is not None


# --- the lockout --------------------------------------------------------------------------------

def lockout_delay(failures: int, base_seconds: float, cap_seconds: float) -> float:
    """Seconds locked after `failures` wrong passcodes in a row: none for the first two, then
    base, 2 x base, 4 x base... never more than cap."""
    if failures <= FREE_FAILURES:
        return 0.0
    return float(min(cap_seconds, base_seconds * 2 ** min(failures - FREE_FAILURES - 1, 30)))


class Lockout:
    """Wrong passcodes in a row and until when the form is locked, kept in a file (wall clock)."""

    def __init__(self, path: Path, base_seconds: float, cap_seconds: float):
        self.path = Path(path)
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.failures = 0
        self.locked_until = 0.0
        self.last_failure_at: float | None = 0.0     # None: unknown (a broken file)
        self._read()

    def _read(self) -> None:
        try:
            data = load_json(self.path)
        except ValueError as problem:
            # Fail closed, a little: the next wrong passcode locks at once.
            log.warning("agent lockout file %s %s; counting it as %d wrong passcodes",
                        self.path, problem, FREE_FAILURES)
            self.failures, self.last_failure_at = FREE_FAILURES, None
            return
        if data is None:
            return
        try:
            self.failures = max(0, int(data.get("failures", 0)))
            self.locked_until = float(data.get("locked_until", 0.0))
            self.last_failure_at = float(data.get("last_failure_at", 0.0))
        except (TypeError, ValueError):
            log.warning("agent lockout file %s has unusable values; counting it as %d wrong "
                        "passcodes", self.path, FREE_FAILURES)
            self.failures, self.locked_until, self.last_failure_at = FREE_FAILURES, 0.0, None
        if not all(map(math.isfinite, (self.locked_until, self.last_failure_at or 0.0))):
            self.failures, self.locked_until, self.last_failure_at = FREE_FAILURES, 0.0, None

    def _write(self) -> None:
        try:
            save_json(self.path, {"failures": self.failures, "locked_until": self.locked_until,
                                  "last_failure_at": self.last_failure_at})
        except OSError as err:
            # Still enforced in memory until the next restart.
            log.error("agent lockout could not be saved to %s: %s", self.path, err)

    def seconds_left(self, now: float) -> float:
        """How long the form stays locked; a clock set back never makes it longer than cap."""
        return max(0.0, min(self.locked_until - now, self.cap_seconds))

    def failed(self, now: float) -> float:
        """A wrong passcode: count it, lock, save. Returns the seconds locked from now."""
        if (self.failures and self.last_failure_at is not None
                and 0 <= now - self.last_failure_at > FORGET_FAILURES_AFTER):
            self.failures = 0
        self.failures += 1
        self.last_failure_at = now
        delay = lockout_delay(self.failures, self.base_seconds, self.cap_seconds)
        self.locked_until = now + delay
        self._write()
        return delay

    def succeeded(self) -> None:
        if self.failures or self.locked_until:
            self.failures, self.locked_until, self.last_failure_at = 0, 0.0, 0.0
            self._write()


# --- the mode -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    outcome: str                # UNLOCKED, WRONG, LOCKED, BAD_AGENT_ID, DISABLED
    seconds_left: float = 0.0   # locked for this long (WRONG that locked, LOCKED)


class AgentMode:
    """Locked or unlocked by one agent; see the module docstring."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time):
        self.settings = config.agent
        self.clock = clock
        self.enabled = bool(self.settings.passcode_hash)
        self.lockout = Lockout(config.kiosk.data_dir / LOCKOUT_FILE,
                               self.settings.lockout_base_seconds,
                               self.settings.lockout_cap_seconds)
        self.agent_id = ""               # "" while locked
        self._last_touch = 0.0

    @property
    def unlocked(self) -> bool:
        return bool(self.agent_id)

    def seconds_locked(self) -> float:
        return self.lockout.seconds_left(self.clock())

    def unlock(self, agent_id: str, passcode: str) -> Attempt:
        if not self.enabled:
            return Attempt(DISABLED)
        now = self.clock()
        left = self.lockout.seconds_left(now)
        if left > 0:
            return Attempt(LOCKED, left)       # not even checked: no guessing while locked
        agent_id = agent_id.strip()
        if not is_agent_id(agent_id):
            return Attempt(BAD_AGENT_ID)
        if not verify_passcode(passcode, self.settings.passcode_hash):
            delay = self.lockout.failed(now)
            log.warning("agent mode: wrong passcode for agent %r (%d in a row)", agent_id,
                        self.lockout.failures)
            return Attempt(WRONG, delay)
        self.lockout.succeeded()
        self.agent_id = agent_id
        self._last_touch = now
        log.info("agent mode unlocked by %s", agent_id)
        return Attempt(UNLOCKED)

    def lock(self) -> None:
        if self.agent_id:
            log.info("agent mode locked (agent %s)", self.agent_id)
        self.agent_id = ""

    def touched(self) -> None:
        self._last_touch = self.clock()

    def relock_due(self) -> bool:
        """Unlocked and untouched for relock_seconds (a clock set back is not more time)."""
        quiet = max(0.0, self.clock() - self._last_touch)
        return self.unlocked and quiet >= self.settings.relock_seconds


class HoldGesture:
    """Touch down, stay put, lift after `hold_seconds`: True from up(). Any move beyond `slop`
    pixels, or a second finger, cancels. Shows nothing: the caller opens the form or not."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS, slop: float = 24.0,
                 clock: Callable[[], float] = time.time):
        self.hold_seconds = hold_seconds
        self.slop = slop
        self.clock = clock
        self._touch = None       # (touch id, x, y, time down)

    def down(self, touch_id, x: float, y: float) -> None:
        # A second finger while one is held: not the gesture.
        self._touch = None if self._touch is not None else (touch_id, x, y, self.clock())

    def move(self, touch_id, x: float, y: float) -> None:
        if self._touch is not None and self._touch[0] == touch_id:
            if math.hypot(x - self._touch[1], y - self._touch[2]) > self.slop:
                self._touch = None

    def up(self, touch_id) -> bool:
        if self._touch is None or self._touch[0] != touch_id:
            return False
        held = self.clock() - self._touch[3]
        self._touch = None
        return held >= self.hold_seconds

    def cancel(self) -> None:
        self._touch = None


# --- what the panel shows (French: agents read it) -----------------------------------------------

ACTION_NAMES = {"account_request": "Demande de compte", "booking": "Inscription à un atelier",
                "booking_cancel": "Annulation d'inscription", "assistance_call": "Appel d'un agent",
                "feedback": "Avis"}
STATE_NAMES = {PENDING: "en attente", SENDING: "en cours d'envoi", STUCK: "bloquée",
               REJECTED: "refusée par le hub", EXPIRED: "expirée"}
SHOWN_STATES = (STUCK, REJECTED, PENDING, SENDING, EXPIRED)   # most urgent first
DISCARDABLE = (REJECTED, STUCK, EXPIRED)                      # as Outbox.discard allows
RETRYABLE = (PENDING, STUCK)                                  # as Outbox.retry allows


@dataclass(frozen=True)
class OutboxRow:
    """One action as agent mode lists it: never a tenant's name, phone or e-mail."""

    id: str
    state: str
    summary: str      # "Inscription à un atelier · bloquée · il y a 12 min · 5 essais"
    reason: str       # the hub's error code and detail (personal values scrubbed), or ""
    can_retry: bool
    can_discard: bool


def plain_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "il y a moins d'une minute"
    if seconds < 3600:
        return f"il y a {seconds // 60} min"
    if seconds < 48 * 3600:
        return f"il y a {seconds // 3600} h {seconds % 3600 // 60:02d}"
    return f"il y a {seconds // 86400} jours"


def outbox_rows(actions: list[Action], now: float) -> list[OutboxRow]:
    """The rows agent mode lists, most urgent state first, oldest first within a state."""
    rows = []
    order = {state: rank for rank, state in enumerate(SHOWN_STATES)}
    for action in sorted((a for a in actions if a.state in order),
                         key=lambda a: (order[a.state], a.enqueued_at)):
        attempts = f"{action.attempts} essai{'s' if action.attempts > 1 else ''}"
        summary = " · ".join([ACTION_NAMES.get(action.type, action.type),
                              STATE_NAMES[action.state], plain_age(now - action.enqueued_at),
                              attempts])
        # The hub may echo what was typed (a refused e-mail address): scrub it out.
        kept = _kept_payload(action.type, action.payload)
        reason = _scrub(action.last_error, _personal_values(action.payload, kept)) or ""
        rows.append(OutboxRow(id=action.id, state=action.state, summary=summary, reason=reason,
                              can_retry=action.state in RETRYABLE,
                              can_discard=action.state in DISCARDABLE))
    return rows


def connection_text(status: SyncStatus | None) -> str:
    if status is None or status.online is None:
        return "pas encore de contact avec le hub"
    if status.paused:
        return f"en pause : le hub refuse la borne ({status.paused})"
    return "en ligne" if status.online else "hors ligne"


def last_sync_text(status: SyncStatus | None, now: float) -> str:
    if status is None or status.last_sync_at is None:
        return "jamais depuis le démarrage"
    at = datetime.fromtimestamp(status.last_sync_at).strftime("%H:%M:%S")
    return f"{at} ({plain_age(now - status.last_sync_at)})"


# --- the command IT runs at install ---------------------------------------------------------------

def _read_passcode(args) -> str:
    if args.passcode_file:
        return Path(args.passcode_file).read_text(encoding="utf-8").rstrip("\r\n")
    first = getpass.getpass("Agent passcode: ")
    if getpass.getpass("The same again: ") != first:
        raise ValueError("the two passcodes differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.agentmode",
        description="Agent mode of the lobby kiosk: make the passcode hash for kiosk.toml.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("hash", help="ask the site's agent passcode (twice) and print "
                                            "the [agent] passcode_hash line for kiosk.toml")
    make.add_argument("--passcode-file", help="read the passcode from this file's first line "
                                              "instead of asking")
    args = parser.parse_args(argv)
    try:
        passcode = _read_passcode(args)
        hashed = hash_passcode(passcode)
    except (ValueError, OSError) as err:
        print(f"kiosk.agentmode: {err}", file=sys.stderr)
        return 2
    print("# Paste under [agent] in kiosk.toml:", file=sys.stderr)
    print(f'passcode_hash = "{hashed}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
