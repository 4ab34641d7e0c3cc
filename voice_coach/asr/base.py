"""The speech-engine port: what every recogniser adapter offers, and what recognition returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voice_coach.core.events import Intent


class EngineError(RuntimeError):
    """A speech engine cannot be opened or used; the message is one line for a human."""


@dataclass(frozen=True)
class Hypothesis:
    """One candidate transcript. `score` is engine-specific; higher is better within a list."""

    text: str
    score: float
    details: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Recognition:
    """The outcome of one utterance: text heard, the intent (None when rejected), and why."""

    text: str
    intent: Intent | None
    confidence: float
    engine: str
    seconds: float
    alternatives: list[Hypothesis] = field(default_factory=list)
    reason: str = ""  # why it was rejected ("" when accepted)


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
