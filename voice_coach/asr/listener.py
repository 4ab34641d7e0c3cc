"""Utterances in, intents out: the recogniser plus the self-hearing guard.

While the coach is talking its own voice reaches the mic, so only barge-in intents ("stop",
"pause", "quieter") are accepted then, and only with a stricter confidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice_coach.asr.base import Hypothesis
from voice_coach.asr.recognize import interpret, recognize_samples
from voice_coach.content.intents import IntentParser
from voice_coach.core.events import BARGE_IN, Intent

# While speaking, only barge-in intents count. Measured: the coach's 285 sentences in its own TTS
# voice, endpointed into 286 utterances, gave 4 accepted commands (slower x2, louder, repeat) and
# no barge-in intent at all, while a user's real "stop" over the coach scored 0.26-1.0 here
# (n-best rank and score gap, see asr.recognize). So the intent restriction does the guarding and
# this floor only drops hypotheses found far down the n-best list.
STRICT_CONFIDENCE = 0.1


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

    def judge(self, samples: np.ndarray, speaking: bool | None = None,
              hypotheses: list[Hypothesis] | None = None) -> Verdict:
        """Decode one utterance and decide whether the coach should act on it.

        `hypotheses` from a streaming decode are used as they are (an utterance cut short the
        moment its partial said "stop" would decode worse a second time).
        """
        speaking = self.is_speaking() if speaking is None else speaking
        if hypotheses:
            rec = interpret(hypotheses, self.engine.name, self.parser, 0.0)
        else:
            # a second look doubles the chances of hearing a command in the coach's own voice
            rec = recognize_samples(samples, self.engine, self.parser, second_look=not speaking)
        intent = rec.intent
        if intent is None:
            return Verdict(None, rec.text, rec.confidence, "rejected", rec.seconds)
        if speaking and (intent.name not in BARGE_IN or rec.confidence < STRICT_CONFIDENCE):
            return Verdict(None, rec.text, rec.confidence, "self-hearing", rec.seconds)
        return Verdict(intent, rec.text, rec.confidence, "accepted", rec.seconds)
