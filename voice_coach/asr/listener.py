"""Utterances in, intents out: the recogniser plus the self-hearing guard.

While the coach is talking its own voice reaches the mic, so only barge-in intents ("stop",
"pause", "quieter") are accepted then. A command that came close to the accepting confidence is
"unsure": the coach may ask "sorry?" (never while it talks). A command that makes no sense at this
moment (skip rest during a set, yes when nothing was asked) needs a surer hearing: measured on
the bench's decodes, this removed the one real false action left (1/322 -> 0/322 outside the
setup phase) and lost no command that made sense in the phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice_coach.asr.base import Hypothesis
from voice_coach.asr.recognize import UNSURE, interpret, recognize_samples
from voice_coach.content.intents import IntentParser
from voice_coach.core.coach import SURE
from voice_coach.core.events import BARGE_IN, Intent
from voice_coach.ports import SpeechEngine


@dataclass(frozen=True)
class Verdict:
    intent: Intent | None
    text: str
    confidence: float
    reason: str  # "accepted", "rejected", "unsure", "self-hearing", "unexpected now"
    seconds: float


class Listener:
    def __init__(self, engine: SpeechEngine, parser: IntentParser,
                 is_speaking: Callable[[], bool] = lambda: False,
                 expects: Callable[[str], bool] = lambda _: True) -> None:
        self.engine, self.parser, self.is_speaking = engine, parser, is_speaking
        self.expects = expects  # would a trainee say this intent now?

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
            rec = recognize_samples(samples, self.engine, self.parser)
        intent = rec.intent
        if intent is None:
            unsure = rec.reason == UNSURE and not speaking
            return Verdict(None, rec.text, rec.confidence, "unsure" if unsure else "rejected",
                           rec.seconds)
        if speaking and intent.name not in BARGE_IN:
            return Verdict(None, rec.text, rec.confidence, "self-hearing", rec.seconds)
        if rec.confidence < SURE and not self.expects(intent.name):
            return Verdict(None, rec.text, rec.confidence, "unexpected now", rec.seconds)
        return Verdict(intent, rec.text, rec.confidence, "accepted", rec.seconds)
