"""A scripted session: the real Runtime and Coach on a fake clock, with every output recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_coach.app.clocks import ManualClock
from voice_coach.app.runtime import Runtime
from voice_coach.content.programs import Program
from voice_coach.core.coach import Coach
from voice_coach.core.events import Command, Heard, Intent, Record, TimerFired


@dataclass
class Recorder:
    lines: list[tuple[float, str]] = field(default_factory=list)
    records: list[tuple[str, dict]] = field(default_factory=list)
    clock: ManualClock | None = None

    def _add(self, line: str) -> None:
        self.lines.append((self.clock.now() if self.clock else 0.0, line))

    def say(self, text: str, priority: int) -> None:
        self._add(f"coach: {text}")

    def play(self, earcon: str) -> None:
        self._add(f"[sound {earcon}]")

    def stop_speaking(self) -> None:
        self._add("[quiet]")

    def set_voice(self, rate_steps: int, volume_steps: int) -> None:
        self._add(f"[voice {rate_steps:+d} {volume_steps:+d}]")

    def observe(self, item: Command | TimerFired) -> None:
        if isinstance(item, TimerFired):
            self._add(f"[timer {item.name}]")
        elif isinstance(item, Record):
            self.records.append((item.kind, item.data))


class Session:
    def __init__(self, program: Program) -> None:
        self.clock = ManualClock()
        self.out = Recorder(clock=self.clock)
        self.coach = Coach(program)
        self.runtime = Runtime(self.coach, self.clock, self.out, observers=[self.out.observe])
        self.program = program

    def _since(self, mark: int) -> list[str]:
        return [line for _, line in self.out.lines[mark:]]

    def start(self) -> list[str]:
        from voice_coach.core.events import Started

        self.runtime.dispatch(Started(self.clock.now()))
        return self._since(0)

    def hear(self, name: str, **slots) -> list[str]:
        mark = len(self.out.lines)
        self.runtime.dispatch(Heard(Intent(name, slots), self.clock.now()))
        return self._since(mark)

    def wait(self, seconds: float) -> list[str]:
        """Let `seconds` of session time pass, firing timers at their exact deadlines."""
        mark = len(self.out.lines)
        self.runtime.advance(self.clock, seconds)
        return self._since(mark)

    @property
    def phase(self) -> str:
        return self.coach.state.phase

    def said(self, lines: list[str]) -> str:
        return " ".join(line[len("coach: "):] for line in lines if line.startswith("coach: "))
