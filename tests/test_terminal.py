"""`voice-coach run` in a real terminal: a pseudo-terminal is the coach's controlling terminal,
as in a terminal window, so Ctrl-C typed there is SIGINT to the coach's process group.

Everything else pipes the coach's output, and `run` once died at start-up only on a terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from live_coach import render_user, wait_until_quiet
from pulse import pulse_fixture

ANSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][0-9A-Za-z]|\x1b[=>]")
EXIT_CODES = {"ctrl-c": 130, "SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}


def _take_terminal() -> None:  # in the child, after setsid: the pty becomes its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    # as a shell in a terminal window starts it: a test run under nohup, or in the background,
    # must not pass on its ignored SIGHUP or SIGINT (the coach keeps an ignored signal ignored)
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


class Terminal:
    """A child process on a pseudo-terminal: what it shows, and keys typed into it."""

    def __init__(self, *args: str, columns: int = 200) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        self.initial_modes = termios.tcgetattr(master)
        env = {**os.environ, "TERM": "xterm", "PYTHONUNBUFFERED": "1"}
        env.pop("VOICE_COACH_DEBUG", None)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "voice_coach", "run", "--fresh", *args],
                stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                preexec_fn=_take_terminal)
        finally:
            os.close(slave)
        self.master = master
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # EIO: every process holding the terminal has exited
                return
            if not chunk:
                return
            with self._lock:
                self._raw += chunk

    @property
    def raw(self) -> str:
        with self._lock:
            return self._raw.decode(errors="replace")

    def plain(self) -> str:
        """Everything shown, escape sequences and carriage returns removed."""
        return ANSI.sub("", self.raw).replace("\r", "")

    def screen(self) -> list[str]:
        return render(self.raw)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, pattern: str, timeout: float = 20.0, screen: bool = False) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = "\n".join(self.screen()) if screen else self.plain()
            if re.search(pattern, text, re.MULTILINE):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} on the terminal; it shows:\n"
                             + "\n".join(self.screen()[-15:]))

    def wait_for_prompt(self, typed: str = "", timeout: float = 10.0) -> None:
        """Until the last line on screen is the prompt (with `typed` after it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.screen()[-1:] == [f"> {typed}"]:
                return
            time.sleep(0.02)
        raise AssertionError(f"no prompt {'> ' + typed!r}: {self.screen()[-5:]}")

    def stop_by(self, how: str) -> float:
        """Ctrl-C typed, or a signal sent; returns the seconds until the process had exited."""
        sent = time.monotonic()
        if how == "ctrl-c":
            self.type("\x03")
        else:
            self.proc.send_signal(getattr(signal, how))
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        took = time.monotonic() - sent
        self._reader.join(2)  # the last output, up to EIO
        return took

    def modes(self) -> list:
        return termios.tcgetattr(self.master)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(2)
        os.close(self.master)


def render(raw: str) -> list[str]:
    """The lines a terminal shows for `raw`: carriage return, newline, backspace, erase-line and
    cursor-up are followed; other escape sequences are dropped. Never wraps (use wide ptys)."""
    lines, row, col = [""], 0, 0
    pos = 0
    while pos < len(raw):
        m = ANSI.match(raw, pos)
        if m:
            pos = m.end()
            arg, cmd = m.group(1) or "", m.group(2)
            if cmd == "K":
                lines[row] = lines[row][:col] if arg in ("", "0") else ""
            elif cmd == "A":
                row = max(0, row - int(arg or 1))
            continue
        ch = raw[pos]
        pos += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif ch == "\b":
            col = max(0, col - 1)
        elif ch >= " ":
            line = lines[row].ljust(col)
            lines[row] = line[:col] + ch + line[col + 1:]
            col += 1
    return lines


def test_render_follows_the_prompt_redraws() -> None:
    assert render("> ab\r\x1b[Kcoach: hi\n> ab") == ["coach: hi", "> ab"]
    assert render("one\ntwo\r\n\x1b[1A\x1b[2Kthree\n") == ["one", "three", ""]


# ---- text mode


def resumes() -> str:
    """What a new `run --text` says first (piped, so no prompt)."""
    return subprocess.run([sys.executable, "-m", "voice_coach", "run", "--text"], input="",
                          capture_output=True, text=True, timeout=60).stdout


def test_text_mode_prompt_stays_readable_while_the_coach_talks() -> None:
    term = Terminal("--text", "--time-scale", "20")
    try:
        term.wait_for(r"^coach: Step one", screen=True)
        term.wait_for_prompt()
        term.type("what's the cue\r")
        term.wait_for(r"^coach: Keep your chest tall\.$", screen=True)
        term.wait_for_prompt()
        term.type("go\r")
        term.wait_for(r"^coach: Set one of three", screen=True)
        term.type("done\r")
        term.wait_for(r"^coach: Nice work\. Rest", screen=True)
        term.type("how lo")  # half typed while the countdown (2.25 s) talks over it
        term.wait_for(r"^coach: Rest over\.", timeout=5, screen=True)
        term.wait_for_prompt("how lo")
        term.type("ng left\r")
        term.wait_for(r"^> how long left$", screen=True)
        term.type("\x04")  # Ctrl-D: the end of input, a clean exit
        assert term.proc.wait(5) == 0
    finally:
        term.close()
    shown = term.screen()
    print("\n".join(shown))
    coach = [line for line in shown if "coach: " in line]
    assert coach and all(line.startswith("coach: ") for line in coach), \
        "a coach line was printed onto the prompt line"
    assert not any(line.startswith("> >") for line in shown), "the prompt was drawn twice"
    assert [line for line in shown if line.startswith("> ")] == \
        ["> what's the cue", "> go", "> done", "> how long left"]
    assert "Traceback" not in term.plain()


def test_text_mode_piped_has_no_prompt() -> None:
    done = subprocess.run([sys.executable, "-m", "voice_coach", "run", "--text", "--fresh"],
                          input="what's the cue\n", capture_output=True, text=True, timeout=60)
    assert "coach: Keep your chest tall." in done.stdout.splitlines()
    assert ">" not in done.stdout and "\x1b" not in done.stdout


@pytest.mark.parametrize("how", ["ctrl-c", "SIGINT", "SIGTERM", "SIGHUP"])
def test_text_mode_stops_mid_rest_within_a_second(how: str) -> None:
    term = Terminal("--text")
    try:
        term.wait_for_prompt(timeout=20)
        term.type("go\r")
        term.wait_for(r"^coach: Set one", screen=True)
        term.type("done\r")
        term.wait_for(r"Rest forty five seconds", screen=True)
        term.wait_for_prompt()
        took = term.stop_by(how)
        code = term.proc.returncode
        after = term.modes()
    finally:
        term.close()
    print(f"{how} -> exit {took * 1000:.0f} ms, code {code}")
    assert code == EXIT_CODES[how] and took < 1.0
    assert "Traceback" not in term.plain()
    assert after == term.initial_modes, "the terminal was left in readline's modes (no echo)"
    assert "Welcome back. You were on the tall-kneeling hip hinge, set two of three" in resumes()


# ---- the live coach


pulse = pulse_fixture()


@pytest.mark.live
@pytest.mark.parametrize("how", ["ctrl-c", "SIGTERM"])
def test_live_coach_on_a_terminal(pulse, tmp_path: Path, how: str) -> None:
    term = Terminal("--time-scale", "10")
    try:
        term.wait_for(r"^coach: Step one", timeout=60, screen=True)
        term.wait_for(r"drill 1/7 tall-kneeling hip hinge \| setup \| set 1/3")  # status line
        wav = render_user("give me a cue", tmp_path)
        for _ in range(3):  # recognition accuracy is the benchmark's business
            wait_until_quiet(pulse)  # a person lets the coach finish
            pulse.play_into_room(wav)
            with contextlib.suppress(AssertionError):
                term.wait_for(r"^heard: .* -> cue$", timeout=4, screen=True)
                break
        term.wait_for(r"^heard: .* -> cue$", timeout=1, screen=True)  # answered
        took = term.stop_by(how)
        code = term.proc.returncode
    finally:
        term.close()
    print(f"{how} -> exit {took * 1000:.0f} ms, code {code}")
    assert "unexpected error" not in term.plain() and "Traceback" not in term.plain()
    assert code == EXIT_CODES[how] and took < 1.0
