"""Rendering test audio: espeak-ng speech, recorded noise at a chosen SNR, silence padding."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np

from voice_coach.asr.audio_file import load_wav
from voice_coach.pcm import SAMPLE_RATE as RATE

NOISE_DIR = Path(__file__).resolve().parent / "data" / "noise"  # shipped: see its README.md
VOICES = ("en-us+f3", "en-gb", "en+m3", "en-us+klatt", "en+f2")


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def render(text: str, folder: Path, voice: str = "en-us+f3", rate: int = 150) -> np.ndarray:
    """Speak `text` with espeak-ng into `folder` (cached by text/voice/rate); 16 kHz int16."""
    key = hashlib.sha1(f"{voice}|{rate}|{text}".encode()).hexdigest()[:16]
    path = folder / f"{key}.wav"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(tmp), text],
                       check=True, capture_output=True)
        tmp.rename(path)
    return load_wav(path)


def noise_files() -> list[Path]:
    return sorted(NOISE_DIR.glob("*.wav"))


def peak_frame_energy(x: np.ndarray, frame: int = 2048) -> float:
    """Energy of the loudest 2048-sample frame (the Picovoice speech-to-intent SNR definition)."""
    x = x.astype(np.float64)
    n = max(1, len(x) // frame)
    frames = x[: n * frame].reshape(n, -1) if len(x) >= frame else x.reshape(1, -1)
    return float(np.max(np.sum(frames**2, axis=1))) + 1e-9


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator,
        ) -> np.ndarray:
    """Add a random stretch of `noise` under `speech` at `snr_db` (peak-frame energy ratio)."""
    start = int(rng.integers(0, max(1, len(noise) - len(speech))))
    piece = np.resize(noise[start:], len(speech)).astype(np.float64)
    gain = np.sqrt(peak_frame_energy(speech) / (peak_frame_energy(piece) * 10 ** (snr_db / 10)))
    out = speech.astype(np.float64) + gain * piece
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def pad(x: np.ndarray, before: float = 0.3, after: float = 0.3) -> np.ndarray:
    z = np.zeros
    return np.concatenate([z(int(before * RATE), np.int16), x, z(int(after * RATE), np.int16)])


def noise_burst(seconds: float, rng: np.random.Generator, color: str = "white",
                level: float = 3000.0) -> np.ndarray:
    """White or pink noise, `level` RMS, int16."""
    n = int(seconds * RATE)
    white = rng.standard_normal(n)
    if color == "pink":
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        white = np.fft.irfft(spec / np.sqrt(f), n)
    x = white / (np.sqrt(np.mean(white**2)) + 1e-12) * level
    return np.clip(x, -32768, 32767).astype(np.int16)
