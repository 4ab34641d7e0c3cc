"""The ports: what the application needs from the world, as protocols. Adapters (sounddevice,
pocketsphinx, vosk, pyttsx3, SQLite) implement them in `adapters/` and `asr/`; tests and the
rendered demo bring their own.

    mic (AudioSource) -> SpeechEngine -> listener -> Runtime(coach) -> Output (speaker)
                                                        |  Clock      -> observers (console,
                                                        |                transcript)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from voice_coach.core.events import Command, Priority, TimerFired

if TYPE_CHECKING:
    from voice_coach.asr.base import Hypothesis


class Clock(Protocol):
    def now(self) -> float:
        """Session time in seconds (monotonic, possibly scaled)."""
        ...


class AudioSource(Protocol):
    def frames(self) -> Iterator[np.ndarray]:
        """Blocks of 16 kHz mono int16 samples, until the source is closed."""
        ...


@runtime_checkable
class SpeechEngine(Protocol):
    """A streaming recogniser constrained to the command grammar.

    Audio is 16 kHz mono int16. Call `start_utterance()`, `feed()` chunks (each returns the
    current partial text or None), then `finish()` for the n-best list, best first. The first
    hypothesis's `details["confidence"]` (0..1) is the engine's own acceptance score.
    """

    name: str

    def start_utterance(self) -> None: ...

    def feed(self, samples: np.ndarray) -> str | None: ...

    def finish(self) -> list[Hypothesis]: ...

    def decode(self, samples: np.ndarray) -> list[Hypothesis]: ...


class Synthesizer(Protocol):
    samplerate: int

    def render(self, text: str, rate: int = ..., voice: str = ...) -> np.ndarray:
        """Mono float32 samples at `samplerate`; raises TTSError."""
        ...


class Output(Protocol):
    """Where the coach is heard: the speaker, a terminal, the demo's timeline. What the calls
    return is not used."""

    def say(self, text: str, priority: Priority) -> object: ...
    def play(self, earcon: str) -> None: ...
    def stop_speaking(self) -> None: ...
    def set_voice(self, rate_steps: int, volume_steps: int) -> None: ...


# Something that watches the session without acting on it (console, transcript): it is shown
# every command the runtime carries out and every timer that fires, in order.
Observer = Callable[[Command | TimerFired], None]
