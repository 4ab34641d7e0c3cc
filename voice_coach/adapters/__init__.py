"""Adapters at the edge: microphone, speaker, speech synthesis."""

from __future__ import annotations

import ctypes
import ctypes.util

_ALSA_HANDLER = None  # kept alive for as long as ALSA may call it


def quiet_alsa_messages() -> None:
    """Stop libasound printing "underrun occurred" and similar notes onto the user's console.

    ALSA reports recoverable glitches on stderr by default; PortAudio recovers from them itself.
    """
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return
    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        asound = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                        ctypes.c_int, ctypes.c_char_p)
        _ALSA_HANDLER = handler_type(lambda *_: None)
        asound.snd_lib_error_set_handler(_ALSA_HANDLER)
    except (OSError, AttributeError):
        pass
