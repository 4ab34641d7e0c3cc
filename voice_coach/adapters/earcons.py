"""The coach's short sounds (acknowledged, sorry?, rest over): loaded once from the package's
`audio/earcons/*.wav`, resampled once per output rate."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from voice_coach.adapters.tts import read_wav
from voice_coach.pcm import resample


class Earcons:
    """Earcons by name. A WAV that cannot be read is skipped with one line on stderr."""

    def __init__(self, folder: Path | None = None) -> None:
        self._sounds = _load(folder)
        self._resampled: dict[tuple[str, int], np.ndarray] = {}

    @property
    def names(self) -> list[str]:
        return list(self._sounds)

    def get(self, name: str, rate: int) -> np.ndarray | None:
        """The earcon `name` at `rate` Hz, or None when there is no such earcon."""
        key = (name, rate)
        if key not in self._resampled:
            if name not in self._sounds:
                return None
            samples, src = self._sounds[name]
            self._resampled[key] = resample(samples, src, rate)
        return self._resampled[key]


def _load(folder: Path | None) -> dict[str, tuple[np.ndarray, int]]:
    if folder is None:
        from voice_coach.resources import data_dir

        try:
            folder = data_dir("audio") / "earcons"
        except FileNotFoundError:
            return {}
    out = {}
    for path in sorted(Path(folder).glob("*.wav")):
        try:
            out[path.stem] = read_wav(path)
        except Exception as exc:
            print(f"voice-coach: skipping earcon {path.name}: {exc}", file=sys.stderr)
    return out
