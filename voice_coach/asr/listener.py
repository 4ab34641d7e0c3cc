"""Utterances in, intents out: the recogniser plus the self-hearing guard.

While the coach is talking its own voice reaches the mic, so only barge-in intents ("stop",
"pause", "quieter") are accepted then, unless echo cancellation is removing that voice from
what the mic hears: then every intent counts while it talks. A command that came close to the
accepting confidence is "unsure": the coach may ask "sorry?" (while it talks, only when its
voice is being cancelled: otherwise it could be asking its own echo). A command
that makes no sense at this moment (skip rest during a set, yes when nothing was asked) needs a
surer hearing: measured on the bench's decodes, this removed the one real false action left
(1/322 -> 0/322 outside the setup phase) and lost no command that made sense in the phase. In
wake-word mode only what is said in the window after the wake word counts, except barge-in
intents while the coach talks.

A command heard "unsure" twice running (the trainee said it again after the coach's "sorry?")
is acted on the second time: two hearings that agree are more evidence than either alone. A
false action would now need two utterances in a row that are not commands to decode as the
same command, each in the unsure band (0.5 to 0.853, where 2.5 % of real non-commands land).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voice_coach.asr.base import Hypothesis
from voice_coach.asr.recognize import UNSURE, interpret, recognize_samples
from voice_coach.content.intents import IntentParser
from voice_coach.core.coach import SURE
from voice_coach.core.events import BARGE_IN, Intent
from voice_coach.ports import SpeechEngine

if TYPE_CHECKING:
    from voice_coach.asr.endpoint import Utterance
    from voice_coach.asr.wakeword import WakeWindow


REPEAT_WINDOW = 12.0  # s from the end of the first hearing to the start of the second


@dataclass(frozen=True)
class Verdict:
    intent: Intent | None
    text: str
    confidence: float
    # "accepted", "said again" (accepted: unsure twice running), "rejected", "unsure",
    # "self-hearing", "unexpected now", "no wake word", "wake word"
    reason: str
    seconds: float


class Listener:
    def __init__(self, engine: SpeechEngine, parser: IntentParser,
                 is_speaking: Callable[[], bool] = lambda: False,
                 expects: Callable[[str], bool] = lambda _: True,
                 wake: WakeWindow | None = None,
                 echo_cancelled: Callable[[], bool] = lambda: False) -> None:
        self.engine, self.parser, self.is_speaking = engine, parser, is_speaking
        self.echo_cancelled = echo_cancelled  # the mic no longer hears the coach's voice now
        self.expects = expects  # would a trainee say this intent now?
        self.wake = wake  # None: every utterance may be a command
        self._unsure: tuple[str, dict, float] | None = None  # the last "sorry?": what, when

    def hear(self, utt: Utterance) -> Verdict:
        """Judge one endpointed utterance (see `_hear`); a command heard unsure twice running
        is acted on."""
        verdict = self._hear(utt)
        last, self._unsure = self._unsure, None
        if verdict.reason != "unsure":
            return verdict
        candidate = self.parser.parse(verdict.text, verdict.confidence)
        if candidate is None:
            return verdict
        if last is not None and last[:2] == (candidate.name, candidate.slots) \
                and utt.start - last[2] <= REPEAT_WINDOW and self.expects(candidate.name):
            return Verdict(candidate, verdict.text, verdict.confidence, "said again",
                           verdict.seconds)
        self._unsure = (candidate.name, dict(candidate.slots), utt.end)
        return verdict

    def _hear(self, utt: Utterance) -> Verdict:
        """Judge one endpointed utterance, gated by the wake word when that mode is on.

        Outside the wake window nothing is decoded while the coach is quiet (a busy room costs
        no recognition); while it talks the utterance is decoded for barge-in intents only.
        """
        if self.wake is None:
            return self.judge_utterance(utt)
        speaking = self.is_speaking()
        admitted = self.wake.admit(utt)
        if admitted is not None:
            return self.judge_utterance(admitted, speaking)
        if speaking:  # without the wake word only a barge-in may interrupt
            return self.judge_utterance(utt, True, barge_in_only=True)
        at = self.wake.woke_at
        said_it = at is not None and utt.start <= at <= utt.end + 0.5
        return Verdict(None, "", 0.0, "wake word" if said_it else "no wake word", 0.0)

    def judge_utterance(self, utt: Utterance, speaking: bool | None = None,
                        barge_in_only: bool | None = None) -> Verdict:
        """`judge`, from the stream's hypotheses when `utt` was cut short on a partial "stop".
        If the stream then doubted it and the utterance was said over the coach, what the second
        look heard may confirm it, and only it."""
        early = utt.hypotheses if utt.reason == "early" else None
        verdict = self.judge(utt.samples, speaking, hypotheses=early,
                             barge_in_only=barge_in_only)
        if early and verdict.intent is None and utt.looked_again:
            again = self.judge(utt.samples, True, barge_in_only=True)
            return again if again.intent is not None else verdict
        return verdict

    def judge(self, samples: np.ndarray, speaking: bool | None = None,
              hypotheses: list[Hypothesis] | None = None,
              barge_in_only: bool | None = None) -> Verdict:
        """Decode one utterance and decide whether the coach should act on it.

        `hypotheses` from a streaming decode are used as they are (an utterance cut short the
        moment its partial said "stop" would decode worse a second time).
        """
        speaking = self.is_speaking() if speaking is None else speaking
        if barge_in_only is None:
            barge_in_only = speaking and not self.echo_cancelled()
        if hypotheses:
            rec = interpret(hypotheses, self.engine.name, self.parser, 0.0)
        else:
            rec = recognize_samples(samples, self.engine, self.parser)
        intent = rec.intent
        if intent is None:
            # a "sorry?" only where every intent counts (the coach quiet, or its voice cancelled)
            unsure = rec.reason == UNSURE and not barge_in_only
            return Verdict(None, rec.text, rec.confidence, "unsure" if unsure else "rejected",
                           rec.seconds)
        if barge_in_only and intent.name not in BARGE_IN:
            return Verdict(None, rec.text, rec.confidence, "self-hearing", rec.seconds)
        if rec.confidence < SURE and not self.expects(intent.name):
            return Verdict(None, rec.text, rec.confidence, "unexpected now", rec.seconds)
        return Verdict(intent, rec.text, rec.confidence, "accepted", rec.seconds)
