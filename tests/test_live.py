"""The live coach on real audio devices: a private PulseAudio with null sinks, no fakes.

`room` is what the coach's microphone hears (its monitor is the default source); `speaker` is
where the coach talks. Commands rendered by espeak-ng are played into `room`; what the coach says
is recorded from `speaker.monitor`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pulse import _pactl, last_sound, loud, pulse_fixture

pytestmark = pytest.mark.live
pulse = pulse_fixture()
USER_VOICE = ("en-us+klatt", 150)  # accuracy by voice is measured in the bench


class CoachProcess:
    """`voice-coach run` as a user starts it, with every console line time-stamped."""

    def __init__(self, data_dir: Path, *args: str) -> None:
        env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voice_coach", "run", "--fresh", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, pattern: str, timeout: float = 20.0,
                 after: float = 0.0) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, line in list(self.lines):
                if t >= after and re.search(pattern, line):
                    return t, line
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r}; got: {self.lines[-12:]}")

    def heard(self) -> list[str]:
        return [line for _, line in self.lines if line.startswith("heard:")]

    def stop(self) -> str:
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=10)
        return err


def say(pulse, text: str, tmp: Path) -> float:
    """Speak `text` into the room; returns the monotonic time the speech ended."""
    wav = tmp / (re.sub(r"\W+", "_", text) + ".wav")
    voice, rate = USER_VOICE
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(wav), text], check=True)
    pulse.play_into_room(wav)
    return time.monotonic()


def command(pulse, coach: CoachProcess, text: str, expect: str, tmp: Path,
            tries: int = 3) -> tuple[float, float]:
    """Say `text` until the coach answers with a line matching `expect`; returns when the speech
    ended and when the line came. Recognition accuracy is the benchmark's business: here a
    misheard command would only make the plumbing test flaky."""
    for _ in range(tries):
        ended = say(pulse, text, tmp)
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


@pytest.fixture(scope="module")
def coach(pulse, tmp_path_factory):
    proc = CoachProcess(tmp_path_factory.mktemp("data"), "--time-scale", "10")
    proc.wait_for(r"^coach: Step one", timeout=60)
    yield proc
    err = proc.stop()
    assert "Traceback" not in err


def test_stop_cuts_a_long_speech_quickly(pulse, coach, tmp_path: Path) -> None:
    # the intro is still playing: barge in over it
    with pulse.capture(tail=1.5) as cap:
        time.sleep(1.0)
        assert loud(pulse.record_speaker(0.3)).any(), "the coach should be talking"
        spoken_end, _ = command(pulse, coach, "stop", r"^\[quiet\]", tmp_path)
    silent_at = cap.time_at(last_sound(cap.samples))
    latency = silent_at - spoken_end
    print(f"stop: end of user speech -> silence {latency * 1000:.0f} ms")
    assert latency < 0.8


def test_whats_the_cue_gets_a_cue(pulse, coach, tmp_path: Path) -> None:
    wait_until_quiet(pulse)
    with pulse.capture(tail=3.0) as cap:
        ended, _ = command(pulse, coach, "what's the cue", r"^heard: .* -> cue$", tmp_path)
        t_reply, reply = coach.wait_for(r"^coach: ", timeout=5, after=ended)
    reply_audio = cap.samples[cap.index_at(ended):]
    assert loud(reply_audio).any(), "the cue was printed but not heard"
    print(f"cue reply printed {1000 * (t_reply - ended):.0f} ms after the user stopped")


def test_rest_countdown_ends_on_time(pulse, coach, tmp_path: Path) -> None:
    wait_until_quiet(pulse)
    command(pulse, coach, "let's go", r"^coach: Set \w+ of three", tmp_path)
    wait_until_quiet(pulse)
    _, t_rest = command(pulse, coach, "all done", r"Rest forty five seconds", tmp_path)
    t_over, _ = coach.wait_for(r"^coach: Rest over", timeout=15, after=t_rest)
    # 45 s at time scale 10 = 4.5 s
    assert abs((t_over - t_rest) - 4.5) < 0.25, t_over - t_rest
    for word in ("Three.", "Two.", "One."):
        coach.wait_for(rf"^coach: {word}$", timeout=1, after=t_rest)


def test_coach_never_acts_on_its_own_voice(pulse, tmp_path: Path) -> None:
    """Loop the speaker back into the mic for a time-scaled session: only the user's own
    commands may act."""
    loopback = _pactl("load-module", "module-loopback", "source=speaker.monitor", "sink=room",
                      "latency_msec=30").strip()
    try:
        proc = CoachProcess(tmp_path / "data", "--time-scale", "30")
        proc.wait_for(r"^coach: Step one", timeout=60)
        time.sleep(2.0)
        user_lines = {"what's the cue": "cue", "list drills": "list_drills", "let's go": "start"}
        spoken: list[tuple[float, float]] = []  # when the user was talking (with any repeats)
        for text, intent in user_lines.items():
            wait_until_quiet(pulse)
            start = time.monotonic()
            _, heard_at = command(pulse, proc, text, rf"^heard: .* -> {intent}$", tmp_path)
            spoken.append((start, heard_at))
            time.sleep(1.0)
        wait_until_quiet(pulse, timeout=90)
        err = proc.stop()
    finally:
        _pactl("unload-module", loopback, check=False)
    print("\n".join(proc.heard()))
    acted = [(t, line) for t, line in proc.lines
             if line.startswith("heard:") and not line.endswith(")")]
    # an action is the user's if it came while the user was speaking, or as the answer to it
    own_voice = [line for t, line in acted
                 if not any(start <= t <= end + 0.1 for start, end in spoken)]
    assert "Traceback" not in err
    assert own_voice == []
    assert len(acted) >= len(user_lines), "the user's commands should get through the loopback"


def test_sigterm_exits_within_a_second_and_keeps_progress(pulse, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = CoachProcess(data, "--time-scale", "10")
    proc.wait_for(r"^coach: Step one", timeout=60)
    command(pulse, proc, "stop", r"^\[quiet\]", tmp_path)
    command(pulse, proc, "next step", r"^coach: Step two", tmp_path)
    sent = time.monotonic()
    proc.proc.terminate()
    proc.proc.wait(5)
    took = time.monotonic() - sent
    _, err = proc.proc.communicate()
    print(f"SIGTERM -> exit {took * 1000:.0f} ms, code {proc.proc.returncode}")
    assert took < 1.0 and "Traceback" not in err
    resumed = subprocess.run(
        [sys.executable, "-m", "voice_coach", "run", "--text"], input="", text=True,
        capture_output=True, env={**os.environ, "VOICE_COACH_DATA_DIR": str(data)}, timeout=60)
    assert "Welcome back. You were on the tall-kneeling hip hinge" in resumed.stdout
    assert "Say resume to carry on" in resumed.stdout
