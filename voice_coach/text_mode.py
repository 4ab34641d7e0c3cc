"""Text mode: each line typed is what the user said; each thing the coach does is printed.

`voice-coach run --text` uses the same runtime and coach as the live loop, so it is how the coach
is used and tested without audio.
"""

from __future__ import annotations

import sys
import threading

from voice_coach.coach import Coach
from voice_coach.runtime import Runtime
from voice_coach.timers import ScaledClock


class TextOutput:
    """Prints what the coach does, one line each: `coach: ...` or `[...]`."""

    def __init__(self, stream=sys.stdout) -> None:
        self.stream = stream

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def say(self, text: str, priority: int) -> None:
        self._line(f"coach: {text}")

    def play(self, earcon: str) -> None:
        self._line(f"[sound {earcon}]")

    def stop_speaking(self) -> None:
        self._line("[quiet]")

    def set_voice(self, rate_steps: int, volume_steps: int) -> None:
        self._line(f"[voice rate {rate_steps:+d} volume {volume_steps:+d}]")

    def timer(self, name: str) -> None:
        self._line(f"[timer {name}]")

    def record(self, kind: str, data: dict) -> None:
        pass


def run_text(settings, program, parser, log, saved) -> bool:
    """Run a session on stdin; True when the workout was finished (not just the input)."""
    clock = ScaledClock(settings.time_scale)
    runtime = Runtime(Coach(program, saved), clock, TextOutput(), clock.real_seconds, log)

    def read_stdin() -> None:
        for line in sys.stdin:
            if line.strip():
                runtime.post_heard(parser.parse(line), line.strip())
        runtime.post_end()

    threading.Thread(target=read_stdin, name="stdin", daemon=True).start()
    runtime.run()
    return runtime.finished
