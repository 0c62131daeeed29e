"""A journey as a table of steps (after Electrum's wizard): no UI, driven by the screens.

Each step names where it goes next, either a step name or a function of the journey's data
and of the tenant's choice. The screens show `current`, call `next(choice)` and `back()`, and
`reset()` wipes everything the visitor entered (going home, or the idle timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Next = str | Callable[[dict, str | None], str] | None


@dataclass(frozen=True)
class Step:
    next: Next = None          # None: the last step of the journey
    can_go_back: bool = True   # False once an action is queued (a receipt has no "back")


class Wizard:
    steps: dict[str, Step] = {}
    start: str = ""

    def __init__(self) -> None:
        self.data: dict = {}
        self._path: list[str] = [self.start]

    @property
    def current(self) -> str:
        return self._path[-1]

    @property
    def can_go_back(self) -> bool:
        return len(self._path) > 1 and self.steps[self.current].can_go_back

    def next(self, choice: str | None = None) -> str:
        """Move on from the current step; `choice` is the tenant's answer where a step asks one."""
        rule = self.steps[self.current].next
        if rule is None:
            raise LookupError(f"{self.current!r} is the last step")
        target = rule(self.data, choice) if callable(rule) else rule
        if target not in self.steps:
            raise LookupError(f"step {self.current!r} leads to unknown step {target!r}")
        self._path.append(target)
        return target

    def back(self) -> str:
        if self.can_go_back:
            self._path.pop()
        return self.current

    def reset(self) -> None:
        """Forget everything the visitor entered and start again."""
        self.data.clear()
        self._path = [self.start]
