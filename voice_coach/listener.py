"""Utterances in, intents out: the recogniser plus the self-hearing guard.

While the coach is talking its own voice reaches the mic, so only barge-in intents ("stop",
"pause", "quieter") are accepted then, and only with a stricter confidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice_coach.asr.recognize import recognize_samples
from voice_coach.events import BARGE_IN, Intent
from voice_coach.intents import IntentParser

STRICT_CONFIDENCE = 0.8  # while speaking; normal gating is done by the recogniser


@dataclass(frozen=True)
class Verdict:
    intent: Intent | None
    text: str
    confidence: float
    reason: str  # "accepted", "rejected", "self-hearing"
    seconds: float


class Listener:
    def __init__(self, engine, parser: IntentParser,
                 is_speaking: Callable[[], bool] = lambda: False) -> None:
        self.engine, self.parser, self.is_speaking = engine, parser, is_speaking

    def judge(self, samples: np.ndarray, speaking: bool | None = None) -> Verdict:
        """Decode one utterance and decide whether the coach should act on it."""
        speaking = self.is_speaking() if speaking is None else speaking
        rec = recognize_samples(samples, self.engine, self.parser)
        intent = rec.intent
        if intent is None:
            return Verdict(None, rec.text, rec.confidence, "rejected", rec.seconds)
        if speaking and (intent.name not in BARGE_IN or rec.confidence < STRICT_CONFIDENCE):
            return Verdict(None, rec.text, rec.confidence, "self-hearing", rec.seconds)
        return Verdict(intent, rec.text, rec.confidence, "accepted", rec.seconds)
