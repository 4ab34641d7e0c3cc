"""What recognition returns: hypotheses from an engine, and the outcome of one utterance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voice_coach.core.events import Intent
from voice_coach.errors import VoiceCoachError


class EngineError(VoiceCoachError):
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
