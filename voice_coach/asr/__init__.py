"""Offline speech recognition for voice-coach: engines constrained to the command grammar.

    engine = open_engine("auto", grammar)          # vosk if a model is found, else pocketsphinx
    result = recognize_file("next.wav", engine, IntentParser(grammar))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voice_coach.asr.audio_file import AudioFileError, load_wav
from voice_coach.asr.base import EngineError, Hypothesis, Recognition, SpeechEngine
from voice_coach.asr.grammar import GrammarError, grammar_words, phrases, to_jsgf
from voice_coach.asr.recognize import recognize_samples
from voice_coach.content.intents import Grammar, IntentParser

ENGINES = ("auto", "pocketsphinx", "vosk")

__all__ = [
    "ENGINES", "AudioFileError", "EngineError", "GrammarError", "Hypothesis", "Recognition",
    "SpeechEngine", "grammar_words", "load_wav", "open_engine", "phrases", "recognize_file",
    "recognize_samples", "to_jsgf",
]


def open_engine(name: str, grammar: Grammar, model: str | None = None,
                denoise: bool = False) -> SpeechEngine:
    """A ready engine: "pocketsphinx", "vosk" (needs a model) or "auto" (vosk when a model is
    found, else pocketsphinx). Raises EngineError with a one-line reason."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine '{name}' (choose from {', '.join(ENGINES)})")
    if name in ("auto", "vosk"):
        from voice_coach.asr.vosk_engine import VoskEngine, find_vosk_model

        path = find_vosk_model(model)
        if path is not None:
            return VoskEngine(path, phrases(grammar))
        if name == "vosk":
            raise EngineError("no Vosk model found; get one with `voice-coach model download`, "
                              "or pass --model PATH")
    from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine

    try:
        return PocketsphinxEngine(grammar, denoise=denoise)
    except GrammarError as exc:
        raise EngineError(f"cannot build the pocketsphinx grammar: {exc}") from None


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
