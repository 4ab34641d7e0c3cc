"""The live coach on real audio devices: a private PulseAudio with null sinks, no fakes.

`room` is what the coach's microphone hears (its monitor is the default source); `speaker` is
where the coach talks. Commands rendered by espeak-ng are played into `room`; what the coach says
is recorded from `speaker.monitor`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_coach import CoachProcess, command, wait_until_quiet
from pulse import last_sound, loud, pulse_fixture

pytestmark = pytest.mark.live
pulse = pulse_fixture()


@pytest.fixture(scope="module")
def coach(pulse, tmp_path_factory):
    proc = CoachProcess(tmp_path_factory.mktemp("data"), "--time-scale", "10")
    try:
        proc.wait_for(r"^coach: Step one", timeout=60)
        yield proc
    finally:  # also when it never came up: a coach left running would hear later tests
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
        ended, _ = command(pulse, coach, "give me a cue", r"^heard: .* -> cue$", tmp_path)
        t_reply, reply = coach.wait_for(r"^coach: ", timeout=5, after=ended)
    reply_audio = cap.samples[cap.index_at(ended):]
    assert loud(reply_audio).any(), "the cue was printed but not heard"
    print(f"cue reply printed {1000 * (t_reply - ended):.0f} ms after the user stopped")


def test_rest_countdown_ends_on_time(pulse, coach, tmp_path: Path) -> None:
    wait_until_quiet(pulse)
    command(pulse, coach, ("start the set", "i am ready"), r"^coach: Set \w+ of three", tmp_path)
    wait_until_quiet(pulse)
    _, t_rest = command(pulse, coach, ("done with the set", "finished", "i'm finished"),
                        r"Rest forty five seconds", tmp_path, tries=5)
    t_over, _ = coach.wait_for(r"^coach: Rest over", timeout=15, after=t_rest)
    # 45 s at time scale 10 = 4.5 s
    assert abs((t_over - t_rest) - 4.5) < 0.25, t_over - t_rest
    for word in ("Three.", "Two.", "One."):
        coach.wait_for(rf"^coach: {word}$", timeout=1, after=t_rest)


def test_coach_never_acts_on_its_own_voice(pulse, tmp_path: Path) -> None:
    """Loop the speaker back into the mic for a time-scaled session: only the user's own
    commands may act."""
    loopback = pulse.pactl("load-module", "module-loopback", "source=speaker.monitor",
                           "sink=room", "latency_msec=30").strip()
    proc = CoachProcess(tmp_path / "data", "--time-scale", "30")
    try:
        proc.wait_for(r"^coach: Step one", timeout=60)
        time.sleep(2.0)
        user_lines = {"give me a cue": "cue", "list the drills": "list_drills",
                      "start the set": "start"}
        spoken: list[tuple[float, float]] = []  # when the user was talking (with any repeats)
        for text, intent in user_lines.items():
            wait_until_quiet(pulse)
            start = time.monotonic()
            _, heard_at = command(pulse, proc, text, rf"^heard: .* -> {intent}$", tmp_path,
                                  tries=5)  # the loopback makes mishearing likelier
            spoken.append((start, heard_at))
            time.sleep(1.0)
        wait_until_quiet(pulse, timeout=90)
    finally:  # a coach left running would talk into the next tests' microphone
        err = proc.stop()
        pulse.pactl("unload-module", loopback, check=False)
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
    try:
        proc.wait_for(r"^coach: Step one", timeout=60)
        command(pulse, proc, "stop", r"^\[quiet\]", tmp_path)
        command(pulse, proc, "next step", r"^coach: Step two", tmp_path)
        sent = time.monotonic()
        proc.proc.terminate()
        proc.proc.wait(5)
        took = time.monotonic() - sent
    finally:  # never leave a coach talking into the next tests' microphone
        err = proc.stop()
    print(f"SIGTERM -> exit {took * 1000:.0f} ms, code {proc.proc.returncode}")
    assert took < 1.0 and "Traceback" not in err
    resumed = subprocess.run(
        [sys.executable, "-m", "voice_coach", "run", "--text"], input="", text=True,
        capture_output=True, env={**os.environ, "VOICE_COACH_DATA_DIR": str(data)}, timeout=60)
    assert "Welcome back. You were on the tall-kneeling hip hinge" in resumed.stdout
    assert "Say resume to carry on" in resumed.stdout
