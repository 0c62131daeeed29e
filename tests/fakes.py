"""A clock for tests that only moves when told, injected wherever code reads the time."""


class FakeClock:
    def __init__(self, start: float = 1_750_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
