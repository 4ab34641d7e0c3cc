"""A user talking over the coach, rendered: the coach's voice through a room into the mic,
the user's command on top, room noise under both; then what the recogniser makes of it.

The room is the echo path's (`echo_path.room_ir`: sox reverberation), the reference is exactly
what the coach played, so this measures the canceller and the recogniser, not the timing of a
live process (the live tests and the bench's live rows do that).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    from audio_util import render
    from echo_path import load_16k, room_ir
except ImportError:  # imported as tests.echo_scene (the benchmark)
    from tests.audio_util import render
    from tests.echo_path import load_16k, room_ir

from voice_coach.adapters.echo import EchoCanceller
from voice_coach.adapters.mixer import DUCK_DB
from voice_coach.asr.endpoint import (
    StreamingEndpointer,
    Utterance,
    barge_in_finisher,
    split_utterances,
)
from voice_coach.asr.listener import Listener
from voice_coach.content.intents import IntentParser
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import as_int16
from voice_coach.ports import SpeechEngine

NOISE = Path(__file__).parent / "data" / "noise" / "running_tap.wav"
COACH_LINES = (
    "Step one: Put a pad on the floor and kneel on it. Say next step when you're ready.",
    "Keep your chest tall and reach your hips back toward your heels.",
    "Set one of three. Ten reps. Say done when you finish. Go as deep as you can.",
    "Rest forty five seconds. Halfway. Twenty two seconds to go. Three. Two. One.",
)
BLOCK = RATE * 3 // 100  # the microphone's 30 ms blocks


def coach_voice(folder: Path, lines: tuple[str, ...] = COACH_LINES) -> np.ndarray:
    """The coach's voice (espeak-ng's default, at the coach's -6 dBFS peak), float 16 kHz."""
    parts = [render(text, folder, voice="en-us", rate=165) for text in lines]
    x = np.concatenate([np.concatenate([p, np.zeros(RATE // 3, np.int16)]) for p in parts])
    x = x.astype(np.float64)
    return 0.5 * x / np.max(np.abs(x))


def echo_of(far: np.ndarray, delay: float, gain_db: float) -> np.ndarray:
    wet = np.convolve(far, room_ir())[:len(far)]
    d = int(delay * RATE)
    return np.concatenate([np.zeros(d), wet[:len(wet) - d]]) * 10 ** (gain_db / 20)


def noise_like(n: int, level_db: float) -> np.ndarray:
    clip = load_16k(NOISE).astype(np.float64)
    piece = np.resize(clip, n)
    return piece * (10 ** (level_db / 20) / float(np.sqrt(np.mean(piece ** 2))))


@dataclass(frozen=True)
class Earlier:
    """The coach's speech earlier in the session, as the mic heard it through the room: the
    canceller has learnt the room on it before the scene begins (Speex's filter needs some
    20 s of the coach's voice to remove all it will)."""
    samples: np.ndarray  # int16
    far: np.ndarray

    @classmethod
    def of(cls, far: np.ndarray, delay: float = 0.05, gain_db: float = -10.0,
           noise_db: float = -70.0) -> Earlier:
        mic = echo_of(far, delay, gain_db) + noise_like(len(far), noise_db)
        return cls(as_int16(np.clip(mic, -1, 1)), far)

    def teach(self, canceller: EchoCanceller) -> float:
        """Feed this speech to `canceller` block by block; the seconds of its stream it took."""
        for i in range(0, len(self.samples) - BLOCK + 1, BLOCK):
            canceller.cancel(self.samples[i:i + BLOCK], self.far[i:i + BLOCK])
        return len(self.samples) // BLOCK * BLOCK / RATE


@dataclass
class Mic:
    """What the mic hears, and what the coach played (None: no cancelling)."""
    samples: np.ndarray  # int16
    far: np.ndarray | None = None
    # everything but the coach's echo, and the echo path: to hear the coach turned down
    rest: np.ndarray | None = None
    path: tuple[float, float] = (0.05, -10.0)
    earlier: Earlier | None = None  # None: the scene is the first the canceller hears

    def played_at(self, gain: np.ndarray) -> Mic:
        """The same scene with the coach's voice scaled by `gain` (per sample) as it played."""
        assert self.far is not None and self.rest is not None
        far = self.far * gain
        mic = as_int16(np.clip(echo_of(far, *self.path) + self.rest, -1, 1))
        return Mic(mic, far, self.rest, self.path, self.earlier)


@dataclass
class Heard:
    intents: list[str]  # every intent the recogniser found, in order
    texts: list[str]


def utterances(mic: Mic, second_look: bool = True, engine: SpeechEngine | None = None,
               parser: IntentParser | None = None) -> list[Utterance]:
    """Cancel (if `mic.far`) and endpoint block by block, in step, as the live coach does.

    With an `engine` (and `parser`), also as the live coach does: the utterance streams into it
    while the coach talks (a partial "stop" ends it early), and the coach ducks (DUCK_DB) from
    the moment the utterance is the user's until it ends. The coach's voice then depends on what
    was heard, so the scene is played again with the ducks found until they no longer change."""
    if mic.far is None:
        return split_utterances(mic.samples)
    ducks: list[tuple[int, int]] = []
    for _ in range(6):
        gain = np.ones(len(mic.far))
        for a, b in ducks:
            gain[a:b] = 10 ** (DUCK_DB / 20)
        out, found = _cancelled(mic.played_at(gain) if ducks else mic, second_look, engine,
                                parser)
        if found == ducks:
            break
        ducks = found
    return out


def _cancelled(mic: Mic, second_look: bool, engine: SpeechEngine | None,
               parser: IntentParser | None) -> tuple[list[Utterance], list[tuple[int, int]]]:
    assert mic.far is not None
    far = mic.far
    canceller = EchoCanceller()
    # s of the canceller's stream before the scene
    before = mic.earlier.teach(canceller) if mic.earlier is not None else 0.0

    def look(start: float, end: float) -> tuple[np.ndarray, float] | None:
        found = canceller.second_look(start + before, end + before)
        return None if found is None else (found[0], found[1] - before)

    at, ducked, ducks = 0, None, []

    def speaking() -> bool:  # `Speaker.speaking`: playing, or within its 0.3 s linger
        return bool(np.any(far[max(0, at - int(0.3 * RATE)):at + BLOCK]))

    def user_started() -> None:  # `BargeIn.user_started`
        nonlocal ducked
        if speaking() and canceller.effective and ducked is None:
            ducked = at

    kw: dict = {}
    if engine is not None:
        assert parser is not None
        kw = dict(engine=engine, early_finish=barge_in_finisher(parser), stream_when=speaking,
                  on_user=user_started, hears_the_user=lambda: canceller.hears_the_user)
    endpointer = StreamingEndpointer(second_look=look if second_look else None,
                                     **kw)
    out: list[Utterance] = []
    for at in range(0, len(mic.samples) - BLOCK + 1, BLOCK):
        done = endpointer.feed(canceller.cancel(mic.samples[at:at + BLOCK], far[at:at + BLOCK]))
        if done and ducked is not None:  # judged: back to full voice
            ducks.append((ducked, at + BLOCK))
            ducked = None
        out += done
    out += endpointer.close()
    if ducked is not None:
        ducks.append((ducked, len(far)))
    return out, ducks


def scene(user: np.ndarray | None, far: np.ndarray, *, at: float = 2.0, delay: float = 0.05,
          gain_db: float = -10.0, user_db: float = -16.0, noise_db: float = -70.0,
          cancelled: bool = True, coach: bool = True, earlier: Earlier | None = None) -> Mic:
    """What the mic passes on: the coach's echo (if `coach`), the user (peak `user_db` dBFS)
    from `at` seconds, noise; with `cancelled`, through the canceller (which has heard
    `earlier` first, if given: a session under way)."""
    n = len(far)
    rest = np.zeros(n)
    if user is not None:
        voice = user.astype(np.float64)
        voice = voice / np.max(np.abs(voice)) * 10 ** (user_db / 20)
        start = int(at * RATE)
        rest[start:start + len(voice)] += voice[:n - start]
    rest += noise_like(n, noise_db)
    mic = (echo_of(far, delay, gain_db) if coach else 0.0) + rest
    mic16 = as_int16(np.clip(mic, -1, 1))
    played = far if coach else np.zeros(n)
    return Mic(mic16, played if cancelled else None, rest, (delay, gain_db), earlier)


def hear(mic: Mic, engine: SpeechEngine, parser: IntentParser, second_look: bool = True,
         live: bool = False) -> Heard:
    """Endpoint the stream as the live coach does and judge every utterance as its listener
    does (`Listener.judge_utterance`; with `second_look`, from what Speex's canceller heard,
    over the coach; with `live`, streaming and ducking as well, see `utterances`). Only the
    recogniser decides: every intent counts, none is "unexpected now" or "said again"."""
    listener = Listener(engine, parser)
    intents, texts = [], []
    for utt in utterances(mic, second_look, *((engine, parser) if live else ())):
        verdict = listener.judge_utterance(utt)
        texts.append(verdict.text)
        if verdict.intent is not None:
            intents.append(verdict.intent.name)
    return Heard(intents, texts)
