"""`voice-coach demo`: a whole hands-free session through the real recogniser and TTS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.asr.audio_file import load_wav

pytestmark = pytest.mark.audio


def test_demo_renders_a_session_that_acts_on_commands_only(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "voice_coach", "demo", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    audio = load_wav(out / "session.wav")
    assert len(audio) / 16000 > 120
    entries = [json.loads(line) for line in (out / "transcript.jsonl").read_text().splitlines()]
    users = [e for e in entries if e["who"] == "user"]
    chatter = next(e for e in users if e["text"] == "man this is heavy")
    assert chatter["intent"] is None
    commands = [e for e in users if e is not chatter]
    right = [e for e in commands if e["intent"] is not None]
    assert len(right) >= len(commands) - 3, [(e["text"], e["heard"]) for e in commands]
    assert any(e["text"] == "[stopped talking]" for e in entries)
    coach = [e["text"] for e in entries if e["who"] == "coach"]
    assert any(text.startswith("Rest over.") for text in coach)
    times = [e["t"] for e in entries]
    assert times == sorted(times)
