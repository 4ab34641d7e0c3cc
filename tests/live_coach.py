"""Drive `voice-coach run` as a user does: speak into the `room` sink, read what it prints.

Shared by the live tests; needs the `pulse` fixture from `pulse.py`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

try:
    import children
    from pulse import loud
except ImportError:  # imported as tests.live_coach (the benchmark)
    from tests import children
    from tests.pulse import loud

from voice_coach.app.demo import speak_as_user


class CoachProcess:
    """`voice-coach run` as a user starts it, with every console line time-stamped.

    It runs in its own process group; `stop()` (or `children.stop_all()` at the end of the
    tests) ends it and anything it started. Its sound server is the one os.environ names."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
               **(env or {})}
        self.proc = children.spawn(
            [sys.executable, "-m", "voice_coach", "run", "--fresh", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        self.lines: list[tuple[float, str]] = []  # stdout: what a user sees
        self.errors: list[tuple[float, str]] = []  # stderr: warnings
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.proc.stdout, self.lines),
                                              (self.proc.stderr, self.errors))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[tuple[float, str]]) -> None:
        for line in stream:
            into.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, pattern: str, timeout: float = 20.0, after: float = 0.0,
                 stderr: bool = False) -> tuple[float, str]:
        lines = self.errors if stderr else self.lines
        deadline = time.monotonic() + timeout
        while True:  # the lines already in count even with timeout=0
            for t, line in list(lines):
                if t >= after and re.search(pattern, line):
                    return t, line
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r}; got: {lines[-12:]}")

    def heard(self) -> list[str]:
        return [line for _, line in self.lines if line.startswith("heard:")]

    def stderr_text(self) -> str:
        return "\n".join(line for _, line in self.errors)

    def stop(self, timeout: float = 10.0) -> str:
        """SIGTERM, up to `timeout` s to exit, then SIGKILL to its process group; returns
        everything it wrote to stderr."""
        children.stop(self.proc, timeout)
        for reader in self._readers:
            reader.join(5)
        return self.stderr_text()


def render_user(text: str, folder: Path) -> Path:
    """The user's voice saying `text` (the demo's), as a WAV in `folder` (rendered once)."""
    wav = folder / (re.sub(r"\W+", "_", text) + ".wav")
    if not wav.exists():
        speak_as_user(text, wav)
    return wav


def say(pulse, text: str, tmp: Path) -> float:
    """Speak `text` into the room; returns the monotonic time the speech ended."""
    pulse.play_into_room(render_user(text, tmp))
    return time.monotonic()


def command(pulse, coach: CoachProcess, text: str | tuple[str, ...], expect: str, tmp: Path,
            tries: int = 3) -> tuple[float, float]:
    """Say `text` until the coach answers with a line matching `expect`; returns when the speech
    ended and when the line came. Recognition accuracy is the benchmark's business: here a
    misheard command would only make the plumbing test flaky. Like a person, it lets the coach
    finish talking before it says it again, and with several phrasings it tries the next one."""
    phrasings = (text,) if isinstance(text, str) else text
    for attempt in range(max(tries, len(phrasings))):
        if attempt:
            wait_until_quiet(pulse)
        ended = say(pulse, phrasings[attempt % len(phrasings)], tmp)
        try:
            return ended, coach.wait_for(expect, timeout=4, after=ended - 3)[0]
        except AssertionError:
            continue
    raise AssertionError(f"{text!r} never produced {expect!r}: {coach.lines[-6:]}")


def wait_until_quiet(pulse, quiet: float = 0.6, timeout: float = 60.0) -> None:
    """Wait until the speaker has been silent for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tail = pulse.record_speaker(quiet)
        if not loud(tail).any():
            return
    raise AssertionError("the coach never went quiet")
