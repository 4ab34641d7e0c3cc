"""Choosing and opening a speech engine by name."""

from __future__ import annotations

from voice_coach.asr import SPEECH_ENGINES
from voice_coach.asr.base import EngineError
from voice_coach.asr.grammar import GrammarError, phrases
from voice_coach.content.intents import Grammar
from voice_coach.ports import SpeechEngine


def open_engine(name: str, grammar: Grammar, model: str | None = None,
                denoise: bool = False, search: str = "lm") -> SpeechEngine:
    """A ready engine: "pocketsphinx", "vosk" (needs a model) or "auto" (vosk when a model is
    found, else pocketsphinx). `search` is pocketsphinx's: "lm" for the coach's commands, "fsg"
    (the exact sentences) for other folders of intents. Raises EngineError with a one-line
    reason."""
    if name not in SPEECH_ENGINES:
        raise EngineError(f"unknown engine '{name}' (choose from {', '.join(SPEECH_ENGINES)})")
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
        return PocketsphinxEngine(grammar, denoise=denoise, search=search)
    except GrammarError as exc:
        raise EngineError(f"cannot build the pocketsphinx grammar: {exc}") from None
