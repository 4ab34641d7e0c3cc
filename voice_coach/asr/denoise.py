"""Optional RNNoise front-end (the `pyrnnoise` wheel ships the compiled model).

RNNoise works on 10 ms frames at 48 kHz; we resample 16 kHz chunks up, denoise, and back down.
Chunks are resampled independently (FFT method), which is exact for whole utterances and leaves
small seams for very short streaming chunks.
"""

from __future__ import annotations

import ctypes

import numpy as np

from voice_coach.asr.base import EngineError
from voice_coach.pcm import SAMPLE_RATE, resample

_RATE_IN, _RATE_RN, _FRAME = SAMPLE_RATE, 48_000, 480


class Denoiser:
    def __init__(self) -> None:
        try:
            from pyrnnoise import rnnoise
        except (ImportError, OSError) as exc:
            raise EngineError(f"denoising needs the pyrnnoise package ({exc})") from None
        self._lib = rnnoise.lib
        self._state = None
        self._pending = np.zeros(0, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        if self._state is not None:
            self._lib.rnnoise_destroy(self._state)
        self._state = self._lib.rnnoise_create(None)
        self._pending = np.zeros(0, dtype=np.float32)

    def __del__(self) -> None:
        if getattr(self, "_state", None) is not None:
            self._lib.rnnoise_destroy(self._state)
            self._state = None

    def process(self, x: np.ndarray) -> np.ndarray:
        """Denoise int16 16 kHz samples; returns what is ready (whole 10 ms frames)."""
        up = resample(x.astype(np.float64), _RATE_IN, _RATE_RN).astype(np.float32)
        data = np.concatenate([self._pending, up])
        n = len(data) // _FRAME * _FRAME
        out = np.empty(n, dtype=np.float32)
        ptr = ctypes.POINTER(ctypes.c_float)
        for i in range(0, n, _FRAME):
            frame = np.ascontiguousarray(data[i:i + _FRAME])
            dst = out[i:i + _FRAME]
            self._lib.rnnoise_process_frame(self._state, dst.ctypes.data_as(ptr),
                                            frame.ctypes.data_as(ptr))
        self._pending = data[n:]
        down = resample(out.astype(np.float64), _RATE_RN, _RATE_IN)
        return np.clip(np.round(down), -32768, 32767).astype(np.int16)

    def flush(self) -> np.ndarray:
        """The last partial frame, padded with silence."""
        if len(self._pending) == 0:
            return np.zeros(0, dtype=np.int16)
        keep = len(self._pending) * _RATE_IN // _RATE_RN
        pad = np.zeros(_FRAME - len(self._pending), dtype=np.float32)
        self._pending = np.concatenate([self._pending, pad])
        x = self.process(np.zeros(0, dtype=np.int16))
        return x[:keep]
