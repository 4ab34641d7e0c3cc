"""SpeexDSP's echo canceller (Xiph's libspeexdsp, through ctypes): the signal the recogniser
decodes when the user talked over the coach.

WebRTC's canceller (`adapters.echo`) removes the coach's voice best, so the voice detector
cuts utterances on its output; but while two people talk, its suppressor carves the user's
words up with the echo (rendered, over the coach: 2 of 48 commands acted on, 15 with the right
words). Speex's adaptive filter (MDF, which slows its learning down in double talk) removes
only what is linearly the coach's and leaves the user whole: the same utterances, decoded from
its output, gave 19 of 48 acted on (in silence: 11).

Only the linear filter is used. Speex's residual-echo and noise suppressor (its preprocessor)
cost the recogniser more than the residue it took away. Over the coach, with it, 14 of 48
rendered commands were acted on (19 without), 43 of 135 real ones (49 without), and 5 of 322
real non-commands (3 without). It helped only in loud tap noise: 8 of 48 against 7. Like
WebRTC's suppressor, it carves the user's words up.

libspeexdsp is a system library (Debian `libspeexdsp1`; PulseAudio depends on it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

import numpy as np

from voice_coach.pcm import SAMPLE_RATE as RATE

FRAME = 160  # 10 ms, as Speex recommends
TAIL = 0.4  # seconds of echo the filter models: a small room's reverberation
_ECHO_SET_SAMPLING_RATE = 24
_INT16P = ctypes.POINTER(ctypes.c_int16)


def _library() -> Any:
    """libspeexdsp, or None when the system does not have it."""
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, _INT16P, _INT16P, _INT16P]
    return lib


_LIB = _library()


def available() -> bool:
    return _LIB is not None


class SpeexEchoCanceller:
    """Speex's adaptive echo filter alone (see the module's note)."""

    def __init__(self) -> None:
        if _LIB is None:
            raise OSError("libspeexdsp is not installed (Debian: apt install libspeexdsp1)")
        self._echo = _LIB.speex_echo_state_init(FRAME, int(TAIL * RATE))
        rate = ctypes.c_int(RATE)
        _LIB.speex_echo_ctl(self._echo, _ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        self._mic = np.zeros(0, np.int16)  # a block's remainder, to the next 10 ms frame
        self._far = np.zeros(0, np.int16)

    def cancel(self, mic: np.ndarray, far: np.ndarray) -> np.ndarray:
        """int16 mic and reference blocks, aligned: the cleaned mic (whole 10 ms frames come
        out at once; a block of any other size gets its remainder with the next one)."""
        self._mic = np.concatenate([self._mic, np.asarray(mic, np.int16)])
        self._far = np.concatenate([self._far, np.asarray(far, np.int16)])
        n = len(self._mic) // FRAME * FRAME
        out = np.zeros(n, np.int16)
        for i in range(0, n, FRAME):
            m = np.ascontiguousarray(self._mic[i:i + FRAME])
            f = np.ascontiguousarray(self._far[i:i + FRAME])
            o = out[i:i + FRAME]
            _LIB.speex_echo_cancellation(self._echo, m.ctypes.data_as(_INT16P),
                                         f.ctypes.data_as(_INT16P), o.ctypes.data_as(_INT16P))
        self._mic, self._far = self._mic[n:], self._far[n:]
        return out

    def __del__(self) -> None:
        if _LIB is not None and getattr(self, "_echo", None):
            _LIB.speex_echo_state_destroy(self._echo)
            self._echo = None
