"""Live-microphone endpointing: frames in, whole utterances out.

Uses pocketsphinx's `Endpointer` (a WebRTC-style VAD with a smoothing window). Optionally streams
the speech into a `SpeechEngine` as it arrives, so the result is ready when the speaker stops, and
so an utterance can end *early* when the partial text is already a complete barge-in command
("stop") - the coach goes quiet without waiting for the trailing silence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pocketsphinx

from voice_coach.asr.base import Hypothesis
from voice_coach.content.intents import IntentParser
from voice_coach.core.events import BARGE_IN
from voice_coach.pcm import SAMPLE_RATE, as_int16
from voice_coach.ports import SpeechEngine

# (start, end) of an utterance in stream seconds -> other audio of it and where that starts
SecondLook = Callable[[float, float], tuple[np.ndarray, float] | None]


@dataclass
class Utterance:
    samples: np.ndarray
    start: float  # seconds from the start of the stream
    end: float
    reason: str  # "silence", "max_length", "early", "end_of_stream"
    hypotheses: list[Hypothesis] = field(default_factory=list)  # when an engine is attached
    decode_seconds: float = 0.0
    looked_again: bool = False  # `samples` are the second look's (see `StreamingEndpointer`)


def barge_in_finisher(parser: IntentParser, intents: Iterable[str] = BARGE_IN,
                      ) -> Callable[[str], bool]:
    """An early-finish hook: True when the partial text already parses to a barge-in intent."""
    wanted = frozenset(intents)

    def check(partial: str) -> bool:
        intent = parser.parse(partial)
        return intent is not None and intent.name in wanted

    return check


class StreamingEndpointer:
    """Feed any-sized chunks of 16 kHz int16 audio; get finished `Utterance`s back."""

    def __init__(self, engine: SpeechEngine | None = None,
                 early_finish: Callable[[str], bool] | None = None,
                 max_seconds: float = 4.0, window: float = 0.3, ratio: float = 0.9,
                 vad_mode: int = pocketsphinx.Vad.LOOSE,
                 on_user: Callable[[], None] | None = None,
                 hears_the_user: Callable[[], bool] | None = None,
                 second_look: SecondLook | None = None,
                 stream_when: Callable[[], bool] | None = None,
                 ) -> None:
        self.ep = pocketsphinx.Endpointer(window=window, ratio=ratio, vad_mode=vad_mode,
                                          sample_rate=SAMPLE_RATE)
        self.frame = self.ep.frame_bytes // 2
        self.engine = engine
        self.early_finish = early_finish
        # told once per utterance, as soon as it is the user's: its partial has words, or the
        # echo canceller hears the user over the coach (`hears_the_user`, which comes sooner);
        # without an engine, when it begins. This skips the bursts of noise or of the coach's
        # cancelled voice that the voice detector takes for speech: they decode as no words.
        self.on_user, self.hears_the_user = on_user, hears_the_user
        # given an utterance's start and end, other audio of it to judge instead (the echo
        # canceller's, when the user talked over the coach; `EchoCanceller.second_look`)
        self.second_look = second_look
        # asked as an utterance begins: stream it into the engine? (None: always.) The partial
        # serves barge-in only (an early "stop", ducking on words), so while the coach is
        # quiet streaming would cost CPU and the engine's end of stream (35 ms) for nothing.
        self.stream_when = stream_when
        self._streamed: SpeechEngine | None = None  # the engine this utterance streams into
        self._told = False
        self.max_samples = int(max_seconds * SAMPLE_RATE)
        self._pending = np.zeros(0, dtype=np.int16)
        self._speech: list[np.ndarray] = []
        self._n = 0
        self._start = 0.0
        self._draining = False  # after an early or max-length cut: skip until silence
        self._decode_s = 0.0
        self.partial: str | None = None

    # ---- input

    def feed(self, samples: np.ndarray) -> list[Utterance]:
        out: list[Utterance] = []
        data = np.concatenate([self._pending, as_int16(samples)])
        n_full = len(data) // self.frame * self.frame
        for i in range(0, n_full, self.frame):
            utt = self._frame(data[i:i + self.frame])
            if utt is not None:
                out.append(utt)
        self._pending = data[n_full:]
        return out

    def close(self) -> list[Utterance]:
        """End of stream: flush whatever speech is still open."""
        out: list[Utterance] = []
        if self.ep.in_speech:
            # (pocketsphinx's end_stream fails on no samples: one silent sample stands in)
            speech = self.ep.end_stream(self._pending.tobytes() or bytes(2))
            if speech is not None and not self._draining:
                self._add(np.frombuffer(speech, dtype=np.int16))
        self._pending = np.zeros(0, dtype=np.int16)
        if self._speech and not self._draining:
            out.append(self._emit("end_of_stream"))
        self._draining = False
        return out

    # ---- internals

    def _frame(self, frame: np.ndarray) -> Utterance | None:
        was_in_speech = self.ep.in_speech
        speech = self.ep.process(frame.tobytes())
        if self._draining:
            if not self.ep.in_speech:
                self._draining = False
            return None
        if speech is not None:
            if not self._speech:
                self._start = self.ep.speech_start
                self._told = False
                stream = self.stream_when is None or self.stream_when()
                self._streamed = self.engine if stream else None
                if self._streamed is not None:
                    self._streamed.start_utterance()
            self._add(np.frombuffer(speech, dtype=np.int16))
            if not self._told and (self.partial or self._streamed is None or
                                   self.hears_the_user is not None and self.hears_the_user()):
                self._told = True
                if self.on_user is not None:
                    self.on_user()
            if self.early_finish is not None and self.partial and \
                    self.early_finish(self.partial):
                self._draining = self.ep.in_speech
                return self._emit("early")
            if self._n >= self.max_samples:
                self._draining = self.ep.in_speech
                return self._emit("max_length")
        if was_in_speech and not self.ep.in_speech and self._speech:
            return self._emit("silence")
        return None

    def _add(self, chunk: np.ndarray) -> None:
        self._speech.append(chunk)
        self._n += len(chunk)
        if self._streamed is not None:
            t0 = time.perf_counter()
            self.partial = self._streamed.feed(chunk)
            self._decode_s += time.perf_counter() - t0

    def _emit(self, reason: str) -> Utterance:
        samples = np.concatenate(self._speech) if self._speech else np.zeros(0, np.int16)
        hyps: list[Hypothesis] = []
        if self._streamed is not None:
            t0 = time.perf_counter()
            hyps = self._streamed.finish()
            self._decode_s += time.perf_counter() - t0
            if not hyps and reason == "early" and self.partial:
                hyps = [Hypothesis(self.partial, 0.0, {"early": True})]
        start, end = self._start, self._start + len(samples) / SAMPLE_RATE
        looked_again = False  # "early" keeps its hypotheses too
        if self.second_look is not None:
            other = self.second_look(start, end)
            if other is not None and len(other[0]):
                (samples, start), looked_again = other, True
        utt = Utterance(samples, start, end, reason, hyps, self._decode_s, looked_again)
        self._speech, self._n, self._decode_s, self.partial = [], 0, 0.0, None
        return utt


def split_utterances(samples: np.ndarray, chunk_ms: int = 20,
                     **kwargs: object) -> list[Utterance]:
    """Run a whole recording through the endpointer in `chunk_ms` pieces (tests, files)."""
    ep = StreamingEndpointer(**kwargs)  # type: ignore[arg-type]
    step = SAMPLE_RATE * chunk_ms // 1000
    x = as_int16(samples)
    out: list[Utterance] = []
    for i in range(0, len(x), step):
        out += ep.feed(x[i:i + step])
    return out + ep.close()
