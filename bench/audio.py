"""Audio helpers for the benchmark: 16 kHz mono WAV I/O, resampling, espeak-ng rendering.

Dependency-free on purpose (stdlib `wave` + numpy): the bench must run wherever the tests run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

import numpy as np

from voice_coach.pcm import SAMPLE_RATE, resample

RATE = SAMPLE_RATE
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def cache_dir() -> Path:
    """Rendered clips and generated noise beds live here (git-ignored); override with env."""
    path = Path(os.environ.get("VOICE_COACH_BENCH_CACHE") or BENCH_DIR / ".cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Return (float32 mono samples in [-1, 1], sample rate) for a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return data.astype(np.float32) / 32768.0, rate


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Write float samples in [-1, 1] (or int16) as 16-bit mono PCM, atomically."""
    if samples.dtype != np.int16:
        samples = to_int16(samples)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    tmp.replace(path)


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)


def trim(samples: np.ndarray, floor_db: float = -45.0, margin_s: float = 0.03) -> np.ndarray:
    """Cut leading/trailing silence: keep from the first to the last 10 ms frame within
    `floor_db` of the loudest frame, plus a small margin."""
    frame = RATE // 100
    n = samples.size // frame
    if n == 0:
        return samples
    energy = (samples[: n * frame].reshape(n, frame).astype(np.float64) ** 2).sum(axis=1)
    if energy.max() <= 0:
        return samples[:0]
    active = np.flatnonzero(energy >= energy.max() * 10 ** (floor_db / 10))
    margin = int(margin_s * RATE)
    start = max(0, active[0] * frame - margin)
    end = min(samples.size, (active[-1] + 1) * frame + margin)
    return samples[start:end]


@cache
def espeak_binary() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt install espeak-ng); it renders the "
                           "evaluation clips")
    return exe


@cache
def espeak_version() -> str:
    out = subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def render_key(text: str, voice: str, rate: int, pitch: int) -> str:
    return hashlib.sha1(f"{text}\x00{voice}\x00{rate}\x00{pitch}".encode()).hexdigest()[:20]


def espeak(text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
    """Render `text` with espeak-ng; return trimmed float32 samples at 16 kHz."""
    with tempfile.TemporaryDirectory(prefix="vc-bench-") as tmp:
        out = Path(tmp) / "x.wav"
        proc = subprocess.run(
            [espeak_binary(), "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(out),
             "--", text],
            capture_output=True, text=True,
        )
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"espeak-ng -v {voice} failed: {proc.stderr.strip()}")
        samples, rate_in = read_wav(out)
    return trim(resample(samples, rate_in))


def rendered(text: str, voice: str, rate: int, pitch: int) -> Path:
    """Path of the cached 16 kHz rendering of (text, voice, rate, pitch); render if missing."""
    path = cache_dir() / "clips" / f"{render_key(text, voice, rate, pitch)}.wav"
    if not path.exists():
        write_wav(path, espeak(text, voice, rate, pitch))
    return path
