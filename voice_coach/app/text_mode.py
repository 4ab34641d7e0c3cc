"""Text mode: each line typed is what the user said; each thing the coach does is printed.

`voice-coach run --text` uses the same runtime and coach as the live loop, so it is how the coach
is used and tested without audio. On a terminal it shows a `> ` prompt (with line editing when
readline is available) and keeps it, with whatever was typed so far, below the coach's lines
when timers make the coach speak while the user is typing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

from voice_coach.app.clocks import ScaledClock
from voice_coach.app.exits import run_awake
from voice_coach.app.runtime import Runtime
from voice_coach.core.coach import Coach
from voice_coach.core.events import Command, TimerFired

if TYPE_CHECKING:
    from voice_coach.adapters.workout_log import WorkoutLog
    from voice_coach.app.settings import Settings
    from voice_coach.content.intents import IntentParser
    from voice_coach.core.program import Program
    from voice_coach.core.state import Past

PROMPT = "> "
CLEAR_LINE = "\r\x1b[K"


class Prompt:
    """Reads typed lines on a terminal and prints coach lines without garbling the prompt.

    With readline the prompt is drawn by readline; its startup and pre-input hooks mark, under
    the same lock the printer takes, the moment the prompt is on screen, so a coach line is
    printed above it and the prompt is drawn again below, never twice on one line.
    """

    def __init__(self, stream: TextIO, text: str = PROMPT) -> None:
        self.stream, self.text = stream, text
        self._lock = threading.Lock()
        self._shown = False  # the prompt (and what was typed) is the screen's last line
        self._readline: ModuleType | None = None
        with contextlib.suppress(ImportError):  # some builds lack it: a plain prompt still works
            import readline

            self._readline = readline
        if self._readline is not None:
            self._readline.parse_and_bind("set enable-bracketed-paste off")
            self._readline.set_startup_hook(self._prompt_coming)
            self._readline.set_pre_input_hook(self._prompt_drawn)

    def _prompt_coming(self) -> None:  # readline is about to draw the prompt
        self._lock.acquire()
        self.stream.write(CLEAR_LINE)  # a prompt printed after the last Enter goes
        self.stream.flush()

    def _prompt_drawn(self) -> None:
        self._shown = True
        self._lock.release()

    def read(self) -> str:
        """The next line typed; EOFError at Ctrl-D."""
        if self._readline is not None:
            try:
                return input(self.text)
            finally:
                with self._lock:
                    self._shown = False
        with self._lock:
            self.stream.write(self.text)
            self.stream.flush()
            self._shown = True
        line = sys.stdin.readline()
        with self._lock:
            self._shown = False
        if not line:
            raise EOFError
        return line

    def print(self, text: str) -> None:
        with self._lock:
            if self._shown:
                typed = self._readline.get_line_buffer() if self._readline is not None else ""
                self.stream.write(f"{CLEAR_LINE}{text}\n{self.text}{typed}")
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Leave the cursor on a fresh line (after Ctrl-D or Ctrl-C at the prompt)."""
        with contextlib.suppress(Exception):
            self.stream.write(CLEAR_LINE)
            self.stream.flush()


class TextOutput:
    """Prints what the coach does, one line each: `coach: ...` or `[...]`."""

    def __init__(self, stream: TextIO | None = None, prompt: Prompt | None = None) -> None:
        self.stream = stream or sys.stdout
        self.prompt = prompt

    def _line(self, text: str) -> None:
        if self.prompt is not None:
            self.prompt.print(text)
        else:
            print(text, file=self.stream, flush=True)

    def say(self, text: str, priority: int) -> None:
        self._line(f"coach: {text}")

    def play(self, earcon: str) -> None:
        self._line(f"[sound {earcon}]")

    def stop_speaking(self) -> None:
        self._line("[quiet]")

    def set_voice(self, rate_steps: int, volume_steps: int) -> None:
        self._line(f"[voice rate {rate_steps:+d} volume {volume_steps:+d}]")

    def observe(self, item: Command | TimerFired) -> None:
        """Timers show as `[timer NAME]` lines too."""
        if isinstance(item, TimerFired):
            self._line(f"[timer {item.name}]")


def on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def run_text(settings: Settings, program: Program, parser: IntentParser, log: WorkoutLog,
             saved: dict[str, Any] | None, past: Past | None = None) -> bool:
    """Run a session on stdin; True when the workout was finished (not just the input)."""
    clock = ScaledClock(settings.time_scale)
    prompt = Prompt(sys.stdout) if on_terminal() else None
    output = TextOutput(prompt=prompt)
    runtime = Runtime(Coach(program, saved, past), clock, output, clock.real_seconds, log,
                      observers=[output.observe])

    def post(line: str) -> None:
        if line.strip():
            runtime.post_heard(parser.parse(line), line.strip())

    def read_stdin() -> None:
        if prompt is None:
            for line in sys.stdin:
                post(line)
        else:
            with contextlib.suppress(EOFError):
                while True:
                    post(prompt.read())
        runtime.post_end()

    terminal = _TerminalModes()
    threading.Thread(target=read_stdin, name="stdin", daemon=True).start()
    try:
        run_awake(runtime)
    finally:
        if prompt is not None:
            prompt.close()
        terminal.restore()
    return runtime.finished


class _TerminalModes:
    """stdin's terminal settings, put back at the end: readline changes them while it waits for
    a line, and a Ctrl-C or SIGTERM ends the session in the middle of that wait."""

    def __init__(self) -> None:
        self._saved = None
        with contextlib.suppress(Exception):
            import termios

            if sys.stdin.isatty():
                self._saved = termios.tcgetattr(sys.stdin.fileno())

    def restore(self) -> None:
        if self._saved is not None:
            with contextlib.suppress(Exception):
                import termios

                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
