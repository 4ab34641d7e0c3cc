"""Decode, gate, parse: one utterance in, a `Recognition` (intent or a reasoned rejection) out."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.asr import confidence
from voice_coach.asr.audio_file import load_wav
from voice_coach.asr.base import Hypothesis, Recognition
from voice_coach.content.intents import IntentParser
from voice_coach.pcm import as_int16
from voice_coach.ports import SpeechEngine

UNSURE = "unsure"  # the rejection reason for a command that came close (confidence.UNSURE)


def recognize_samples(samples: np.ndarray, engine: SpeechEngine, parser: IntentParser,
                      ) -> Recognition:
    """Decode one utterance and return what was meant, or why nothing was accepted."""
    start = time.perf_counter()
    rec = interpret(engine.decode(as_int16(samples)), engine.name, parser, 0.0)
    return replace(rec, seconds=time.perf_counter() - start)


def interpret(hyps: list[Hypothesis], engine_name: str, parser: IntentParser,
              seconds: float) -> Recognition:
    """The engine's top hypothesis as a Recognition: a command at or above the accepting
    confidence, or a reasoned rejection ("unsure" when it came close)."""
    if not hyps or not hyps[0].text.strip():
        return Recognition("", None, 0.0, engine_name, seconds, hyps, "nothing heard")
    best = hyps[0]
    conf = round(float(best.details.get("confidence", 0.0)), 3)
    intent = parser.parse(best.text, conf)
    if intent is None:
        return Recognition(best.text, None, conf, engine_name, seconds, hyps,
                           "not a command")
    reason = str(best.details.get("reject", ""))
    if not reason and conf < confidence.bar(intent.name):
        reason = UNSURE if conf >= confidence.UNSURE else "does not sound like a command"
    return Recognition(best.text, None if reason else intent, conf, engine_name, seconds, hyps,
                       reason)


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
