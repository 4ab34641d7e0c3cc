"""Wake-word mode for busy rooms: a detector fed the mic blocks, and the window it opens.

The detector is microWakeWord (the `pymicro-wakeword` package, an optional dependency: its trained
models and TensorFlow Lite runtime ship in the wheel). It sees the same 16 kHz int16 blocks as the
endpointer and reports when, in stream seconds, it heard the wake phrase. `WakeWindow` then says
which utterances came close enough after it to count.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import SAMPLE_RATE, as_int16

if TYPE_CHECKING:
    from voice_coach.asr.endpoint import Utterance

# model name -> what to say (the names are also in asr/__init__.py, for settings)
PHRASES = {"okay_nabu": "okay nabu", "hey_jarvis": "hey jarvis", "alexa": "alexa",
           "hey_mycroft": "hey mycroft"}
INSTALL = "pip install 'pymicro-wakeword>=2.5,<3'"
FEATURE_SECONDS = 0.01  # one feature vector per 10 ms of audio
MIN_COMMAND_SECONDS = 0.25  # less than this left after the wake phrase: nothing more was said


class WakeWordError(VoiceCoachError):
    """Wake-word mode is on but cannot run (package missing, unknown model)."""


def wake_word_available() -> bool:
    try:
        import pymicro_wakeword  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


class WakeWordDetector:
    """Feed mic blocks in order; `feed` returns the stream times (s) at which the phrase ended.

    One spoken phrase gives one detection: after a detection the detector stays deaf for
    `refractory` seconds while its smoothed probability falls back.
    """

    def __init__(self, model: str, refractory: float = 1.0) -> None:
        if model not in PHRASES:
            raise WakeWordError(f"unknown wake word '{model}' (known: {', '.join(PHRASES)})")
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except (ImportError, OSError) as exc:
            raise WakeWordError(f"wake_word '{model}' needs the pymicro-wakeword package "
                                f"({exc}): .venv/bin/{INSTALL}") from None
        self.model, self.phrase = model, PHRASES[model]
        try:
            self._mww: Any = MicroWakeWord.from_builtin(Model(model))
        except Exception as exc:  # the bundled runtime cannot load on this machine
            raise WakeWordError(f"wake word model '{model}' cannot load ({exc})") from None
        self._features: Any = MicroWakeWordFeatures()
        self.cutoff = float(self._mww.probability_cutoff)
        self.refractory = refractory
        self._n = 0  # feature vectors seen
        self._deaf_until = 0.0
        self.peak = 0.0  # highest smoothed probability so far (the bench's score)

    @property
    def seconds(self) -> float:
        """Audio consumed so far."""
        return self._n * FEATURE_SECONDS

    def feed(self, samples: np.ndarray) -> list[float]:
        hits: list[float] = []
        for features in self._features.process_streaming(as_int16(samples).tobytes()):
            self._n += 1
            prob = self._mww.process_streaming_prob(features) or 0.0
            self.peak = max(self.peak, prob)
            now = self.seconds
            if prob > self.cutoff and now >= self._deaf_until:
                hits.append(now)
                self._deaf_until = now + self.refractory
        return hits

    def close(self) -> None:
        self._mww.close()


class WakeWindow:
    """After the wake word, `seconds` in which commands count; the wake phrase itself does not.

    Times are stream seconds, as in `Utterance.start` / `end`.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.woke_at: float | None = None

    def wake(self, at: float) -> None:
        self.woke_at = at

    def admit(self, utt: Utterance) -> Utterance | None:
        """The part of `utt` said after the wake word and starting inside the window, or None.

        An utterance that runs through the wake phrase ("okay nabu next" in one breath) is cut at
        the detection; if little is left it was the wake phrase alone.
        """
        at = self.woke_at
        if at is None or utt.end <= at or utt.start > at + self.seconds:
            return None
        if utt.start >= at:
            return utt
        cut = int((at - utt.start) * SAMPLE_RATE)
        rest = utt.samples[cut:]
        if len(rest) < MIN_COMMAND_SECONDS * SAMPLE_RATE:
            return None
        return replace(utt, samples=rest, start=at, hypotheses=[])
