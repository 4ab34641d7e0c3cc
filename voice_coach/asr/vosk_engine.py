"""Vosk adapter: Kaldi models restricted at run time to the command phrases (+ "[unk]").

Only "small"/lookahead Vosk models (graph/HCLr.fst + Gr.fst) accept a run-time phrase list; big
models ignore it. Model lookup: an explicit path, then $VOSK_MODEL_PATH, then the voice-coach data
dir, then vosk's own cache (~/.cache/vosk).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.asr.base import EngineError, Hypothesis
from voice_coach.pcm import SAMPLE_RATE, as_int16

MODEL_HINT = "get one with `voice-coach model download`, or pass --model PATH"
UNK = "[unk]"


def is_vosk_model(path: Path) -> bool:
    """Does `path` look like an unpacked Vosk model folder?"""
    return (path / "am" / "final.mdl").is_file() or (
        (path / "final.mdl").is_file() and (path / "conf").is_dir())


def _model_in(folder: Path) -> Path | None:
    """`folder` itself if it is a model, else the first model directly inside it."""
    if not folder.is_dir():
        return None
    if is_vosk_model(folder):
        return folder
    for child in sorted(folder.iterdir()):
        if child.is_dir() and is_vosk_model(child):
            return child
    return None


def user_model_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("voice-coach")) / "vosk-model"


def vosk_cache_dir() -> Path:
    return Path.home() / ".cache" / "vosk"


def find_vosk_model(explicit: str | None = None) -> Path | None:
    """The Vosk model to use, or None. An explicit path that is not a model is an error."""
    if explicit:
        found = _model_in(Path(explicit).expanduser())
        if found is None:
            raise EngineError(f"{explicit}: not a Vosk model folder (no am/final.mdl); "
                              f"{MODEL_HINT}")
        return found
    env = os.environ.get("VOSK_MODEL_PATH")
    candidates = [Path(env).expanduser()] if env else []
    candidates += [user_model_dir(), vosk_cache_dir()]
    for folder in candidates:
        found = _model_in(folder)
        if found is not None:
            return found
    return None


MODEL_SITE = "alphacephei.com"


def _download_problem(exc: BaseException, lang: str) -> str:
    """Why vosk's downloader failed, in words a user can act on (never its raw text)."""
    import urllib.error
    import zipfile

    import requests

    offline = (requests.ConnectionError, requests.Timeout, urllib.error.URLError,
               ConnectionError, TimeoutError)
    if isinstance(exc, urllib.error.HTTPError):
        return (f"the model server ({MODEL_SITE}) answered HTTP {exc.code}; try again later, or "
                "copy a model folder and pass --model DIR")
    if isinstance(exc, ValueError):  # an error page instead of the JSON model list
        return (f"the model server ({MODEL_SITE}) did not send the model list; try again later, "
                "or copy a model folder and pass --model DIR")
    if isinstance(exc, offline):
        return (f"no network: cannot download the vosk model for '{lang}' ({MODEL_SITE} is not "
                "reachable); connect the Pi to a network and run it again, or copy a model "
                "folder and pass --model DIR")
    if isinstance(exc, zipfile.BadZipFile):
        return "the downloaded model archive is damaged; run it again"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"cannot save the vosk model ({where}{exc.strerror or exc})"
    return f"could not download the vosk model for '{lang}' ({type(exc).__name__})"


def download_vosk_model(lang: str = "en-us") -> Path:
    """Fetch vosk's small model for `lang` with vosk's own downloader (into ~/.cache/vosk)."""
    import contextlib
    import io

    import vosk

    class _Finder(vosk.Model):  # vosk's lookup/download code without loading a model
        def __init__(self) -> None:
            self._handle = None

        def __del__(self) -> None:
            pass

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # vosk prints "lang x does not exist"
            path = Path(_Finder().get_model_by_lang(lang))
    except SystemExit:
        raise EngineError(f"vosk has no model for language '{lang}'") from None
    except Exception as exc:  # network errors come in many types
        raise EngineError(_download_problem(exc, lang)) from None
    if not is_vosk_model(path):
        raise EngineError(f"vosk's download for '{lang}' did not produce a model in {path}")
    return path


class VoskEngine:
    """Grammar-restricted Kaldi recogniser. Results that contain "[unk]" are rejected."""

    name = "vosk"

    def __init__(self, model_path: str | Path | None, phrases: list[str],
                 max_alternatives: int = 5) -> None:
        try:
            import vosk
        except ImportError as exc:
            raise EngineError(f"the vosk package is not installed ({exc})") from None
        path = find_vosk_model(str(model_path) if model_path else None)
        if path is None:
            raise EngineError(f"no Vosk model found; {MODEL_HINT}")
        vosk.SetLogLevel(-1)
        try:
            self.model = vosk.Model(str(path))
        except Exception as exc:
            raise EngineError(f"{path}: vosk cannot load this model ({exc})") from None
        self.model_path = path
        self.vosk = vosk
        known = [p for p in phrases if all(self.model.vosk_model_find_word(w) >= 0
                                               for w in p.split())]
        self.unknown_phrases = [p for p in phrases if p not in known]
        if not known:
            raise EngineError(f"{path}: none of the command words are in this model's "
                              f"vocabulary (wrong language?)")
        self.phrases = known
        self.grammar_json = json.dumps([*known, UNK], ensure_ascii=False)
        self.max_alternatives = max_alternatives
        self._rec = None
        self._done: list[dict] = []

    def _new_recognizer(self) -> Any:
        rec = self.vosk.KaldiRecognizer(self.model, SAMPLE_RATE, self.grammar_json)
        rec.SetMaxAlternatives(self.max_alternatives)
        rec.SetWords(True)
        return rec

    def start_utterance(self) -> None:
        if self._rec is None:
            self._rec = self._new_recognizer()
        else:
            self._rec.Reset()
        self._done = []

    def feed(self, samples: np.ndarray) -> str | None:
        if self._rec is None:
            self.start_utterance()
        assert self._rec is not None
        if self._rec.AcceptWaveform(as_int16(samples).tobytes()):
            self._done.append(json.loads(self._rec.Result()))  # vosk's own endpoint fired
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        text = " ".join([*(_best_text(r) for r in self._done), partial]).split()
        return " ".join(text) or None

    def finish(self) -> list[Hypothesis]:
        if self._rec is None:
            return []
        results = [*self._done, json.loads(self._rec.FinalResult())]
        self._done = []
        results = [r for r in results if _best_text(r)]
        if not results:
            return []
        if len(results) > 1:  # several segments: one joined hypothesis, never a command list
            text = " ".join(_best_text(r) for r in results)
            return [_hyp(text, 0.0)]
        alts = results[0].get("alternatives") or [results[0]]
        out: list[Hypothesis] = []
        for alt in alts:
            text = alt.get("text", "").strip()
            if text and text not in [h.text for h in out]:
                out.append(_hyp(text, float(alt.get("confidence", 0.0))))
        if len(out) > 1:
            out[0].details["margin"] = out[0].score - out[1].score
        return out

    def decode(self, samples: np.ndarray) -> list[Hypothesis]:
        self.start_utterance()
        self.feed(samples)
        return self.finish()


def _best_text(result: dict) -> str:
    alts = result.get("alternatives")
    if alts:
        return str(alts[0].get("text", "")).strip()
    return str(result.get("text", "")).strip()


def _hyp(text: str, score: float) -> Hypothesis:
    unk = UNK in text.split()
    return Hypothesis(text, score, {"confidence": 0.0 if unk else 1.0,
                                    "reject": "unknown words" if unk else ""})
