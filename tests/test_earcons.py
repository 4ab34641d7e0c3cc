"""Earcons load from WAVs, skip a corrupt one with one line, and resample per output rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voice_coach.adapters.earcons import Earcons
from voice_coach.asr.audio_file import save_wav


def test_earcons_skip_a_corrupt_wav_and_resample(tmp_path: Path, capsys) -> None:
    tone = (0.3 * np.sin(np.arange(1600) * 0.2) * 32767).astype(np.int16)
    save_wav(tmp_path / "ack.wav", tone)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00not a wave at all")
    earcons = Earcons(tmp_path)
    assert earcons.names == ["ack"]
    assert "skipping earcon broken.wav" in capsys.readouterr().err
    at_48k = earcons.get("ack", 48000)
    assert at_48k is not None and abs(len(at_48k) - 3 * len(tone)) <= 3
    assert earcons.get("ack", 48000) is at_48k  # resampled once
    assert earcons.get("missing", 16000) is None


def test_the_packaged_earcons_load() -> None:
    assert {"ack", "sorry"} <= set(Earcons().names)
