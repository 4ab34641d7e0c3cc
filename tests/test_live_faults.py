"""Faults in a live session, reproduced on real PulseAudio devices: the coach keeps coaching.

A USB mic or speaker pulled out is a sink module unloaded (PulseAudio moves the stream
elsewhere, then back); a device that drops its stream with nowhere to go is the stream killed
server-side; a broken speech engine is espeak-ng rejecting the configured voice.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from live_coach import CoachProcess, command, wait_until_quiet
from pulse import loud, pulse_fixture

pytestmark = pytest.mark.live
pulse = pulse_fixture()
CUE = r"^heard: .* -> cue$"


@pytest.fixture(scope="module")
def coach(pulse, tmp_path_factory):
    proc = CoachProcess(tmp_path_factory.mktemp("data"), "--time-scale", "10")
    try:
        proc.wait_for(r"^coach: Step one", timeout=60)
        wait_until_quiet(pulse)  # the introduction has been said
        yield proc
    finally:  # also when set-up failed: a coach left running would hear later tests
        err = proc.stop()
    assert "Traceback" not in err


@pytest.mark.parametrize("device", ["room", "speaker"], ids=["mic", "speaker"])
def test_device_unplugged_and_plugged_back_in(pulse, coach, tmp_path: Path, device: str) -> None:
    wait_until_quiet(pulse)
    pulse.unplug(device)
    time.sleep(2.0)
    assert coach.proc.poll() is None, f"the coach must outlive its {device}"
    pulse.replug(device)
    time.sleep(1.0)
    with pulse.capture(tail=3.0) as cap:
        ended, _ = command(pulse, coach, "give me a cue", CUE, tmp_path)
    assert loud(cap.samples[cap.index_at(ended):]).any(), "the answer was not heard"


def test_mic_stream_dropped_is_reopened(pulse, coach, tmp_path: Path) -> None:
    wait_until_quiet(pulse)
    dropped = time.monotonic()
    assert pulse.kill_streams(coach.proc.pid, kind="source-output") >= 1
    coach.wait_for("microphone lost", stderr=True, after=dropped, timeout=5)
    coach.wait_for("microphone is back", stderr=True, after=dropped, timeout=10)
    command(pulse, coach, "give me a cue", CUE, tmp_path)


def test_speaker_stream_dropped_is_reopened(pulse, coach, tmp_path: Path) -> None:
    wait_until_quiet(pulse)
    assert pulse.kill_streams(coach.proc.pid) >= 1
    time.sleep(1.0)  # the speaker notices and reopens its stream in the background
    with pulse.capture(tail=3.0) as cap:
        ended, _ = command(pulse, coach, "give me a cue", CUE, tmp_path)
    assert loud(cap.samples[cap.index_at(ended):]).any(), "the answer was not heard"
    assert "speaker stream stopped" in coach.stderr_text()


def test_broken_speech_engine_beeps_and_prints_and_still_listens(pulse, tmp_path: Path) -> None:
    broken = {"VOICE_COACH_VOICE": "no-such-voice", "VOICE_COACH_CACHE_DIR": str(tmp_path)}
    proc = CoachProcess(tmp_path / "data", "--time-scale", "10", env=broken)
    try:
        with pulse.capture(tail=0.5) as cap:
            proc.wait_for(r"^coach: Step one", timeout=60)
            time.sleep(2.0)
        command(pulse, proc, "give me a cue", CUE, tmp_path)
        proc.wait_for(r"^coach: ", after=time.monotonic() - 1, timeout=5)
    finally:
        err = proc.stop()
    beeps = loud(cap.samples)
    assert beeps.any(), "a failed sentence should still make a sound"
    assert beeps.mean() < 0.5, "only short beeps: there is no speech to play"
    assert err.count("speech engine failed") == 1
    assert "Traceback" not in err


def test_a_recogniser_that_cannot_start_is_one_line_and_leaves_nothing_running(
        pulse, tmp_path: Path) -> None:
    """The recogniser loads in its own process while the devices open: a missing model still
    ends the start with one line (exit 2), the devices closed and the worker gone."""
    proc = CoachProcess(tmp_path / "data", "--engine", "vosk", "--model",
                        str(tmp_path / "no-model"))
    code = proc.proc.wait(timeout=60)
    left = _still_in_group(proc.proc.pid)  # what it started and did not end
    err = proc.stop()
    assert code == 2, err
    assert "not a Vosk model folder" in err and "Traceback" not in err
    assert not [line for _, line in proc.lines if line.startswith("coach:")]
    assert left == []


def _still_in_group(pgid: int, grace: float = 3.0) -> list[str]:
    """What is left of a process group once `grace` seconds have passed. Python's resource
    tracker ends on its own a moment after the coach does (it waits for its pipe to close),
    while a leaked worker would still be there."""
    deadline = time.monotonic() + grace
    while (left := _in_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _in_group(pgid: int) -> list[str]:
    """The live processes of a process group, by command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
            if entry.name.isdigit() and int(stat[2]) == pgid and stat[0] != "Z":
                found.append((entry / "cmdline").read_text().replace("\0", " "))
        except (OSError, IndexError, ValueError):
            continue
    return found
