"""When a tenant walks away: after a quiet spell, warn; after the warning, wipe.

`IdleTimer` only counts; it never touches a screen. The app calls `touched()` on every touch
or key ("Je continue" too) and polls `state()` once a second: "active" until `timeout_seconds`
of quiet, then "warning" for `warning_seconds` (the countdown), then "expired" (wipe and go
home). The clock is injected so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

ACTIVE = "active"
WARNING = "warning"
EXPIRED = "expired"


class IdleTimer:
    """Counts the quiet time since the last touch, on a monotonic clock."""

    def __init__(self, timeout_seconds: float, warning_seconds: float,
                 clock: Callable[[], float] = time.monotonic):
        if timeout_seconds <= 0 or warning_seconds <= 0:
            raise ValueError("idle timeout and warning must be positive numbers of seconds")
        self.timeout_seconds = float(timeout_seconds)
        self.warning_seconds = float(warning_seconds)
        self._clock = clock
        self._last_touch = clock()

    def touched(self) -> None:
        """Any touch or key, and "Je continue": the tenant is here, back to active."""
        self._last_touch = self._clock()

    def state(self) -> tuple[str, float]:
        """("active", seconds until the warning) | ("warning", seconds left) | ("expired", 0.0).

        Once expired it stays expired until the next `touched()`.
        """
        quiet = max(0.0, self._clock() - self._last_touch)  # a clock set back is not "more time"
        if quiet < self.timeout_seconds:
            return (ACTIVE, self.timeout_seconds - quiet)
        left = self.timeout_seconds + self.warning_seconds - quiet
        if left > 0:
            return (WARNING, left)
        return (EXPIRED, 0.0)
