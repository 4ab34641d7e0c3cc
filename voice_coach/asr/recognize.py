"""Decode, gate, parse: one utterance in, a `Recognition` (intent or a reasoned rejection) out."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.asr.audio_file import load_wav
from voice_coach.asr.base import Hypothesis, Recognition
from voice_coach.content.intents import IntentParser
from voice_coach.pcm import as_int16
from voice_coach.ports import SpeechEngine


@dataclass(frozen=True)
class Gate:
    """Rejection thresholds for the pocketsphinx engine (scores are per 10 ms frame, log base
    1.0001 as pocketsphinx reports them)."""

    min_gap: float = -1e9  # grammar path minus free phone-loop path, per speech frame
    min_posterior: float = 0.0  # lattice posterior of the best path
    min_speech_frames: int = 0
    center: float = 0.0  # gap at which confidence is 0.5
    scale: float = 1.0


# Calibrated with tests/calibrate_asr.py --quick (grammar = real hip-hinge templates; 50 commands x
# 3 voices, 80 negatives x 2 voices (chatter + the coach's own cues), 48 noise/silence clips;
# clean and 12 dB with shared/audio/noise). Sweep of min_gap (correct / false accepts):
#   no gate : clean 106/150 ok, 13 wrong, 83/160 FA | 12 dB  58/150 ok, 31 wrong, 82/160 FA
#   -25     : clean  86/150 ok,  6 wrong, 50/160 FA | 12 dB  45/150 ok, 18 wrong, 45/160 FA
#   -20     : clean  74/150 ok,  4 wrong, 37/160 FA | 12 dB  34/150 ok, 14 wrong, 33/160 FA
#   -10     : clean  52/150 ok,  1 wrong, 24/160 FA | 12 dB  22/150 ok,  9 wrong, 17/160 FA
# Non-speech (noise bursts, recorded noise, silence): 1/48 accepted at any threshold.
# -20 halves false accepts for a third fewer commands. The gap alone does not separate well on
# espeak voices (their acoustics are far from the model's), so this gate is a first cut.
DEFAULT_GATE = Gate(min_gap=-20.0, center=-20.0, scale=6.0)


def pocketsphinx_confidence(best: Hypothesis, gate: Gate = DEFAULT_GATE) -> tuple[float, str]:
    """(confidence 0..1, rejection reason or "") from the engine's score details."""
    d = best.details
    speech = int(d.get("speech_frames", 0))
    if speech < max(1, gate.min_speech_frames):
        return 0.0, "too short"
    gap = gap_per_frame(best)
    conf = 1.0 / (1.0 + math.exp(-(gap - gate.center) / gate.scale))
    if gap < gate.min_gap:
        return conf, "does not sound like a command"
    if float(d.get("posterior", 1.0)) < gate.min_posterior:
        return conf, "unsure between commands"
    return conf, ""


def gap_per_frame(best: Hypothesis) -> float:
    d = best.details
    if "phone_score" not in d:
        return 0.0
    speech = max(1, int(d.get("speech_frames", 1)))
    return (float(d["grammar_score"]) - float(d["phone_score"])) / speech


# A second look, 5 ms later: the 10 ms feature frames fall differently on the audio, and with
# voices far from the acoustic model that alone changes the words ("nah drill" -> "list the
# drills", "cue you" -> "skip the rest"). Engines that want it set `second_look`; it costs a
# second decode only for utterances whose words made no command. Measured (make bench, unseen
# voices): clean 58.5 -> 61.3 %, noisy 44.8 -> 49.2 %, false actions on non-command speech
# 8.8 -> 11.2 %, and one of the coach's own 369 lines became a barge-in: so never while the
# coach is talking.
SECOND_LOOK_SHIFT = 80


def recognize_samples(samples: np.ndarray, engine: SpeechEngine, parser: IntentParser,
                      gate: Gate | None = None, second_look: bool = True) -> Recognition:
    """Decode one utterance and return what was meant, or why nothing was accepted."""
    start = time.perf_counter()
    x = as_int16(samples)
    rec = interpret(engine.decode(x), engine.name, parser, 0.0, gate)
    if (second_look and rec.intent is None and rec.text
            and getattr(engine, "second_look", False)):
        again = interpret(engine.decode(x[SECOND_LOOK_SHIFT:]), engine.name, parser, 0.0, gate)
        if again.intent is not None:
            rec = again
    return replace(rec, seconds=time.perf_counter() - start)


def interpret(hyps: list[Hypothesis], engine_name: str, parser: IntentParser, seconds: float,
              gate: Gate | None = None) -> Recognition:
    """Turn an engine's n-best list into a Recognition (an intent, or a reasoned rejection)."""
    if not hyps or not hyps[0].text.strip():
        return Recognition("", None, 0.0, engine_name, seconds, hyps, "nothing heard")
    best = hyps[0]
    if "confidence" in best.details:  # engines that gate themselves (vosk)
        confidence = float(best.details["confidence"])
        reason = str(best.details.get("reject", ""))
    elif "phone_score" in best.details:  # grammar search with the phone-loop reference
        confidence, reason = pocketsphinx_confidence(best, gate or DEFAULT_GATE)
    else:  # language-model search: the first whole command in the n-best list
        best, confidence = first_command(hyps, parser)
        reason = "" if confidence > 0 else "not a complete command"
    intent = parser.parse(best.text, round(confidence, 3))
    if intent is None and not reason:
        reason = "not a complete command"
    if reason:
        intent = None
    return Recognition(best.text, intent, round(confidence, 3), engine_name, seconds, hyps,
                       reason)


# How deep into the n-best list a command may be found, and how fast confidence falls with the
# score gap to the top of the list (log-1.0001 units per 10 ms frame, on the n-best list's own
# scale). Measured on espeak-ng voices (5 voices x 14 commands + 6 negatives, clean): taking the
# first parseable of 10 raised correct intents from 67 to 81 of 100 with no extra false accepts.
# Right commands found below the top sat 0-5 units from it, wrong ones 1-4.4 (5 voices x 15
# sentences): the gap only shades the confidence; rank and the listener's intent restriction
# do the guarding.
N_BEST = 10
GAP_SCALE = 10.0


def first_command(hyps: list[Hypothesis], parser: IntentParser) -> tuple[Hypothesis, float]:
    """The best hypothesis that is a whole command, and a confidence from its rank and gap."""
    best = hyps[0]
    frames = max(1, int(best.details.get("frames", 1)))
    top = float(best.details.get("nbest_top", best.score))  # the n-best list's own scale
    for rank, hyp in enumerate(hyps[:N_BEST]):
        if parser.parse(hyp.text) is not None:
            gap = 0.0 if rank == 0 else max(0.0, top - hyp.score) / frames
            return hyp, math.exp(-gap / GAP_SCALE) * (1.0 if rank == 0 else 0.85)
    return best, 0.0


def recognize_file(path: str | Path, engine: SpeechEngine, parser: IntentParser,
                   ) -> dict[str, Any]:
    """One WAV file -> {"file","text","intent","slots","confidence","engine","seconds"}.

    `intent` is None (and `slots` empty) when the speech was rejected; `text` is what the engine
    heard even then ("" for nothing). Raises AudioFileError for unreadable files.
    """
    samples = load_wav(path)
    rec = recognize_samples(samples, engine, parser)
    return {
        "file": str(path),
        "text": rec.text,
        "intent": rec.intent.name if rec.intent else None,
        "slots": dict(rec.intent.slots) if rec.intent else {},
        "confidence": rec.confidence,
        "engine": rec.engine,
        "seconds": round(rec.seconds, 4),
    }
