"""Wake-word mode on real audio: the detector on rendered wake phrases, and the live loop's
listening window (wake phrase then command counts; a command alone does not; "stop" while the
coach talks always does)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from audio_util import espeak_available, render

from voice_coach.asr.wakeword import WakeWindow, WakeWordDetector, wake_word_available
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program
from voice_coach.pcm import SAMPLE_RATE as RATE

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
    pytest.mark.skipif(not wake_word_available(), reason="pymicro-wakeword is not installed"),
]

BLOCK = 480  # the microphone's 30 ms blocks
USER = ("en-us+m3", 150)  # one person says the wake phrase and the command


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def detect(model: str, audio: np.ndarray) -> list[float]:
    det = WakeWordDetector(model)
    hits = [t for i in range(0, len(audio), BLOCK) for t in det.feed(audio[i:i + BLOCK])]
    det.close()
    return hits


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wake-renders")


@pytest.fixture(scope="module")
def parser() -> IntentParser:
    return IntentParser(Grammar.load(load_program("hip-hinge")))


@pytest.fixture(scope="module")
def engine(parser: IntentParser):
    from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine

    return PocketsphinxEngine(parser.grammar)


@pytest.mark.parametrize(("model", "text", "voice", "rate"), [
    ("okay_nabu", "okay nabu", "en-us", 130), ("okay_nabu", "okay nabu", "en-gb", 175),
    ("okay_nabu", "okay nabu", "en+m3", 220), ("okay_nabu", "okay nabu", "en-gb-x-rp", 175),
    ("okay_nabu", "okay nabu", "en-us+klatt", 150),
    ("hey_jarvis", "hey jarvis", "en-us+f3", 160),
])
def test_wake_phrase_is_detected_once_where_it_ends(renders: Path, model: str, text: str,
                                                    voice: str, rate: int) -> None:
    phrase = render(text, renders, voice, rate)
    audio = np.concatenate([silence(1.0), phrase, silence(1.5)])
    hits = detect(model, audio)
    end = 1.0 + len(phrase) / RATE
    assert len(hits) == 1, hits
    assert end - 0.6 <= hits[0] <= end + 0.6, (hits, end)


def test_commands_and_the_other_wake_phrase_do_not_wake_it(renders: Path) -> None:
    said = ["next drill", "what's the cue", "stop", "okay, next step", "hey, how long left",
            "keep your chest tall", "rest over, set two of three"]
    audio = np.concatenate([np.concatenate([render(t, renders, v, 160), silence(0.4)])
                            for t in said for v in ("en-us", "en+m3")])
    assert detect("okay_nabu", audio) == []
    assert detect("hey_jarvis", np.concatenate([audio, render("okay nabu", renders)])) == []


def test_the_window_cuts_the_wake_phrase_off_a_command_said_in_one_breath() -> None:
    from voice_coach.asr.endpoint import Utterance

    window = WakeWindow(5.0)
    utt = Utterance(np.ones(2 * RATE, np.int16), 10.0, 12.0, "silence")
    assert window.admit(utt) is None  # nothing woke it yet
    window.wake(10.8)
    cut = window.admit(utt)
    assert cut is not None and cut.start == 10.8 and len(cut.samples) == int(1.2 * RATE)
    assert window.admit(Utterance(np.ones(RATE, np.int16), 13.0, 14.0, "silence")) is not None
    assert window.admit(Utterance(np.ones(RATE, np.int16), 16.0, 17.0, "silence")) is None
    window.wake(11.9)  # the wake phrase alone: too little after the detection
    assert window.admit(utt) is None


class Recording:
    """An AudioSource playing a recording in the microphone's block size."""

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio

    def frames(self) -> Iterator[np.ndarray]:
        for i in range(0, len(self.audio), BLOCK):
            yield self.audio[i:i + BLOCK]


def run_loop(audio: np.ndarray, engine, parser: IntentParser, speaking: bool = False,
             window_s: float = 5.0):
    """The live loop's listening side as `run_live` wires it, on a recording."""
    from harness import Session

    from voice_coach.app.live import listen, utterances_from
    from voice_coach.asr.listener import Listener

    session = Session(load_program("hip-hinge"))
    session.start()
    runtime, before = session.runtime, len(session.out.records)
    window = WakeWindow(window_s)

    def woke(at: float) -> None:
        window.wake(at)
        runtime.post_cue("ack")

    verdicts = []
    listener = Listener(engine, parser, is_speaking=lambda: speaking, wake=window)
    listen(utterances_from(Recording(audio), engine, parser, WakeWordDetector("okay_nabu"),
                           woke), listener, runtime, verdicts.append)
    lines_before = len(session.out.lines)
    while runtime.step(timeout=0):
        pass
    acted = [kind for kind, _ in session.out.records[before:]]
    return acted, verdicts, [line for _, line in session.out.lines[lines_before:]]


def test_a_command_without_the_wake_word_is_dropped(renders: Path, engine,
                                                    parser: IntentParser) -> None:
    audio = np.concatenate([silence(0.5), render("what's the cue", renders, *USER),
                            silence(1.0)])
    acted, verdicts, _ = run_loop(audio, engine, parser)
    assert acted == []
    assert [v.reason for v in verdicts] == ["no wake word"]


def test_wake_phrase_then_command_is_acted_on(renders: Path, engine,
                                              parser: IntentParser) -> None:
    audio = np.concatenate([silence(0.5), render("okay nabu", renders, *USER),
                            silence(0.8), render("what's the cue", renders, *USER),
                            silence(1.0)])
    acted, verdicts, lines = run_loop(audio, engine, parser)
    assert acted == ["cue"], verdicts
    assert "[sound ack]" in " ".join(lines)
    assert verdicts[-1].reason == "accepted"


def test_wake_phrase_and_command_in_one_utterance_is_acted_on(renders: Path, engine,
                                                               parser: IntentParser) -> None:
    """A comma's pause is too short for the endpointer: the utterance is cut at the detection."""
    audio = np.concatenate([silence(0.5), render("okay nabu, what's the cue", renders, *USER),
                            silence(1.0)])
    acted, verdicts, _ = run_loop(audio, engine, parser)
    assert acted == ["cue"], verdicts
    assert len(verdicts) == 1


def test_a_command_after_the_window_is_dropped(renders: Path, engine,
                                               parser: IntentParser) -> None:
    audio = np.concatenate([silence(0.5), render("okay nabu", renders, *USER),
                            silence(3.0), render("what's the cue", renders, *USER),
                            silence(1.0)])
    acted, verdicts, _ = run_loop(audio, engine, parser, window_s=2.0)
    assert acted == []
    assert verdicts[-1].reason == "no wake word"


def test_stop_while_the_coach_talks_needs_no_wake_word(renders: Path, engine,
                                                       parser: IntentParser) -> None:
    audio = np.concatenate([silence(0.5), render("stop", renders, "en-us+m3", 150),
                            silence(1.0)])
    _, verdicts, lines = run_loop(audio, engine, parser, speaking=True)
    assert [v.intent.name for v in verdicts if v.intent] == ["stop"], verdicts
    assert "[quiet]" in lines, lines


def test_a_missing_package_is_one_clear_line(tmp_path: Path) -> None:
    """With wake_word set and no pymicro-wakeword, `voice-coach run` says what to install."""
    code = ("import sys; sys.modules['pymicro_wakeword'] = None\n"
            "from voice_coach.app.cli import main\n"
            "sys.exit(main(['run', '--wake-word', 'okay_nabu', '--fresh']))")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "VOICE_COACH_CONFIG": str(tmp_path / "none.toml")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pymicro-wakeword" in lines[0] and "pip install" in lines[0], lines[0]


def test_doctor_says_whether_it_is_on() -> None:
    from voice_coach.app.doctor import check_wake_word
    from voice_coach.app.settings import Settings

    off = check_wake_word(Settings())
    assert off.ok and off.detail.startswith("off")
    on = check_wake_word(Settings(wake_word="okay_nabu", wake_window=4.0))
    assert on.ok and on.detail.startswith("on: say 'okay nabu', then a command within 4 s")
