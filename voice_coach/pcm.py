"""The audio format every port speaks (16 kHz mono) and the conversions into it."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000  # what the microphone delivers and the recognisers expect


def as_int16(samples: np.ndarray) -> np.ndarray:
    """Samples as contiguous little-endian int16 (floats in [-1, 1] are scaled)."""
    x = np.asarray(samples)
    if x.dtype.kind == "f":
        x = np.clip(np.round(x * 32768.0), -32768, 32767)
    return np.ascontiguousarray(x, dtype="<i2").reshape(-1)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as int16."""
    return np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767).astype(np.int16)


def as_float32(samples: np.ndarray) -> np.ndarray:
    """Samples as float32 in [-1, 1] (int16 is scaled)."""
    x = np.asarray(samples)
    if x.dtype == np.int16:
        return x.astype(np.float32) / 32768.0
    return x.astype(np.float32, copy=False)


def resample(samples: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling (FFT method, edges reflected) of mono audio, as float32."""
    x = as_float32(samples).astype(np.float64)
    if rate_in == rate_out or len(x) == 0:
        return x.astype(np.float32)
    n_out = max(1, round(len(x) * rate_out / rate_in))
    pad = min(len(x) - 1, rate_in // 50)  # 20 ms of reflection hides the FFT wrap-around
    padded = np.pad(x, (pad, pad), mode="reflect") if pad > 0 else x
    n_pad_out = round(len(padded) * rate_out / rate_in)
    spec = np.fft.rfft(padded)
    keep = n_pad_out // 2 + 1
    out_spec = np.zeros(keep, dtype=complex)
    k = min(keep, len(spec))
    out_spec[:k] = spec[:k]
    if rate_out < rate_in:  # gentle roll-off at the new Nyquist
        taper = max(1, k // 40)
        out_spec[k - taper:k] *= np.linspace(1.0, 0.0, taper)
    y = np.fft.irfft(out_spec, n_pad_out) * (n_pad_out / len(padded))
    start = round(pad * rate_out / rate_in)
    return y[start:start + n_out].astype(np.float32)
