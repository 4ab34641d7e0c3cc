#!/usr/bin/env python3
"""Generate the coach's earcons into audio/earcons/: short, soft, bell-like tones.

    python scripts/make-earcons.py [OUT_DIR]

16-bit mono WAV at 22050 Hz, peak about -6 dBFS, faded in and out.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

RATE = 22050
PEAK = 0.5


def note(freq: float, seconds: float, decay: float = 6.0) -> np.ndarray:
    """A plucked tone: fundamental plus soft overtones, exponential decay, short fades."""
    t = np.arange(int(RATE * seconds)) / RATE
    x = (np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
         + 0.08 * np.sin(2 * np.pi * 3 * freq * t))
    x *= np.exp(-decay * t / seconds)
    fade_in, fade_out = int(0.004 * RATE), int(0.02 * RATE)
    x[:fade_in] *= np.linspace(0.0, 1.0, fade_in)
    x[-fade_out:] *= np.linspace(1.0, 0.0, fade_out) ** 2
    return x


def sequence(*parts: tuple[float, float], overlap: float = 0.02) -> np.ndarray:
    """Notes one after another, each ringing slightly into the next."""
    out = np.zeros(0)
    for freq, seconds in parts:
        tone = note(freq, seconds)
        start = max(0, len(out) - int(overlap * RATE))
        out = np.pad(out, (0, max(0, start + len(tone) - len(out))))
        out[start:start + len(tone)] += tone
    return out


EARCONS = {
    "start": lambda: note(880.0, 0.16),  # one bright ping: go
    "ack": lambda: note(659.3, 0.09, decay=4.0),  # a quiet tick: heard you
    "rest_over": lambda: sequence((587.3, 0.12), (880.0, 0.16)),  # two rising tones
    "done": lambda: sequence((523.3, 0.09), (659.3, 0.09), (784.0, 0.13)),  # C-E-G arpeggio
    "sorry": lambda: sequence((493.9, 0.08), (587.3, 0.12)),  # a low, rising "hm?": say again
}
QUIET = {"sorry": 0.25}  # peak, where softer than PEAK


def write(path: Path, x: np.ndarray, peak: float = PEAK) -> None:
    x = x / np.max(np.abs(x)) * peak
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.round(x * 32767).astype("<i2").tobytes())


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[1] / "audio" / "earcons"
    out = Path(argv[1]) if len(argv) > 1 else default
    out.mkdir(parents=True, exist_ok=True)
    for name, make in EARCONS.items():
        x = make()
        write(out / f"{name}.wav", x, QUIET.get(name, PEAK))
        print(f"{out / name}.wav  {1000 * len(x) / RATE:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
