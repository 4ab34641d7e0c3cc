"""Clocks and a deadline scheduler. Deadlines are absolute session times, never sleep-and-count."""

from __future__ import annotations

import time


class ScaledClock:
    """Monotonic time, sped up by `scale` (60 makes a minute pass in a second)."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    def real_seconds(self, session_seconds: float) -> float:
        return session_seconds / self.scale


class ManualClock:
    """Session time that only moves when told to: scenario tests and rendered demos."""

    def __init__(self, start: float = 0.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t


class Scheduler:
    """Named one-shot timers; starting a name again replaces it."""

    def __init__(self) -> None:
        self._deadlines: dict[str, float] = {}

    def start(self, name: str, deadline: float) -> None:
        self._deadlines[name] = deadline

    def cancel(self, name: str) -> None:
        self._deadlines.pop(name, None)

    def deadline(self, name: str) -> float | None:
        return self._deadlines.get(name)

    def next_deadline(self) -> float | None:
        return min(self._deadlines.values(), default=None)

    def due(self, now: float) -> list[tuple[str, float]]:
        """Pop every timer whose deadline has passed, earliest first."""
        fired = sorted((d, n) for n, d in self._deadlines.items() if d <= now)
        for _, name in fired:
            del self._deadlines[name]
        return [(name, deadline) for deadline, name in fired]

    def __len__(self) -> int:
        return len(self._deadlines)
