"""Boot order on a Pi: the coach may start before the sound server. Reproduced with a private
PulseAudio runtime folder that has no server in it yet (a private server starts there later)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from live_coach import CoachProcess
from pulse import PulseAudio, PulseUnavailable
from pulse_server import CLIENT_VARS

pytestmark = pytest.mark.live


@pytest.fixture
def no_sound_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    for var in CLIENT_VARS:  # no server named anywhere else either
        monkeypatch.delenv(var, raising=False)
    # this test's processes only: they look for a server here, and only here
    monkeypatch.setenv("PULSE_RUNTIME_PATH", str(runtime))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{runtime / 'native'}")
    return runtime


def test_without_audio_run_says_so_in_one_line(no_sound_server: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "voice_coach", "run"], capture_output=True,
                            text=True, timeout=60,
                            env={**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        "voice-coach: cannot open the microphone (no input device found)")
    assert "Traceback" not in result.stderr


def test_service_waits_for_the_sound_server_then_coaches(no_sound_server: Path,
                                                          tmp_path: Path) -> None:
    coach = CoachProcess(tmp_path / "data", "--wait-for-audio")
    pulse = PulseAudio(runtime=no_sound_server, record=False)  # where the coach is looking
    try:
        coach.wait_for("waiting for a microphone", stderr=True, timeout=60)
        assert coach.proc.poll() is None
        try:
            pulse.start()
        except PulseUnavailable as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"PulseAudio unavailable: {exc}")
        coach.wait_for("listening with", stderr=True, timeout=60)
        coach.wait_for(r"^coach: Step one", timeout=60)
    finally:
        err = coach.stop()
        pulse.stop()
    assert "Traceback" not in err
