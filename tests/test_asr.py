"""Real decoders on real (espeak-ng rendered) audio: grammar, recognition, rejection, endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pocketsphinx
import pytest
from audio_util import espeak_available, mix, noise_burst, noise_files, pad, render

from voice_coach.asr.audio_file import load_wav, save_wav
from voice_coach.asr.base import EngineError
from voice_coach.asr.endpoint import StreamingEndpointer, barge_in_finisher, split_utterances
from voice_coach.asr.engines import open_engine
from voice_coach.asr.fsm import to_fsm
from voice_coach.asr.grammar import grammar_words, phrases, to_jsgf, word_grammar
from voice_coach.asr.pocketsphinx_engine import (
    MissingWordsError,
    PocketsphinxEngine,
    extra_dict_path,
    read_dict,
)
from voice_coach.asr.recognize import recognize_file, recognize_samples
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]

VOICES = [("en-us+klatt", 150), ("en-us+klatt4", 170)]
COMMANDS = {  # text -> (intent, slots)
    "next drill": ("next_drill", {}),
    "what's the cue": ("cue", {}),
    "rest thirty seconds": ("rest", {"seconds": 30}),
    "stop": ("stop", {}),
    "go to the wall tap": ("goto_drill", {"drill": "wall-tap-hip-hinge"}),
    "previous drill": ("previous_drill", {}),
    "how much time is left": ("time_left", {}),
    "pause": ("pause", {}),
    "resume": ("resume", {}),
    "skip the rest": ("skip_rest", {}),
    "add fifteen seconds": ("add_time", {"seconds": 15}),
    "repeat that": ("repeat", {}),
    "common mistakes": ("mistakes", {}),
    "end the workout": ("end_workout", {}),
    "next step": ("next_step", {}),
    "my back hurts": ("pain", {"body_part": "back"}),
    "list the drills": ("list_drills", {}),
    "what drill is this": ("current_drill", {}),
    "louder": ("louder", {}),
    "help": ("help", {}),
}
NEGATIVES = [
    "my hamstrings feel tight", "hello there", "one two three", "I need some water",
    "can you turn the music down", "where is my phone", "the weather is nice today",
    "did you see the game last night", "keep your chest tall", "rest over, set two of three",
    "squeeze your glutes at the top", "put a pad on the floor and kneel on it", "okay",
    "pass me that towel", "how was your weekend",
]


@pytest.fixture(scope="session")
def grammar() -> Grammar:
    return Grammar.load(load_program("hip-hinge"))


@pytest.fixture(scope="session")
def parser(grammar: Grammar) -> IntentParser:
    return IntentParser(grammar)


@pytest.fixture(scope="session")
def engine(grammar: Grammar) -> PocketsphinxEngine:
    return PocketsphinxEngine(grammar)


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renders")


@pytest.fixture(scope="session")
def noise() -> np.ndarray:
    files = noise_files()
    assert files, "tests/data/noise/*.wav is missing (it ships with the repository)"
    return load_wav(files[0])


# ---- grammar


def test_grammar_words_all_have_pronunciations(grammar: Grammar) -> None:
    words = grammar_words(grammar)
    assert {"next", "drill", "stop", "kettlebell"} <= words
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    extra = read_dict(extra_dict_path())
    missing = [w for w in words if decoder.lookup_word(w) is None and w not in extra]
    assert missing == []


def test_jsgf_is_factored_and_parses(grammar: Grammar) -> None:
    wg = word_grammar(grammar)
    jsgf = to_jsgf(wg)
    assert jsgf.count("public <intent_") == len(grammar.intents.intents)
    assert "<list_drill>" in jsgf and "<list_seconds>" in jsgf
    assert len(jsgf) < 60_000  # no sentence enumeration
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    for word, phones in read_dict(extra_dict_path()).items():
        decoder.add_word(word, phones, True)
    assert decoder.parse_jsgf(jsgf, "commands.command") is not None


def test_fsm_accepts_exactly_the_phrases(grammar: Grammar, parser: IntentParser) -> None:
    wg = word_grammar(grammar)
    fsm = to_fsm(wg)
    arcs: dict[int, dict[str, set[int]]] = {}
    for a, b, w in fsm.arcs:
        arcs.setdefault(a, {}).setdefault(w, set()).add(b)

    def accepts(text: str) -> bool:
        states = {fsm.start}
        for word in text.split():
            states = {t for s in states for t in arcs.get(s, {}).get(word, ())}
        return fsm.final in states

    every = phrases(wg)
    rng = np.random.default_rng(0)
    for text in rng.choice(every, size=300, replace=False):
        assert accepts(str(text)), text
        assert parser.parse(str(text)) is not None, text
    assert not accepts("next drill please please")
    assert not accepts("hello there")


def test_missing_word_fails_loudly(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        "language: en\nintents:\n  stop:\n    data:\n      - sentences:\n"
        "          - 'stop [zorblax]'\n", encoding="utf-8")
    tiny = Grammar.load(load_program("hip-hinge"), folder)
    with pytest.raises(MissingWordsError, match="zorblax"):
        PocketsphinxEngine(tiny)


# ---- recognition and rejection


def _commands(renders: Path) -> list[tuple[str, str, np.ndarray]]:
    return [(text, voice, pad(render(text, renders, voice, rate)))
            for text in COMMANDS for voice, rate in VOICES]


def _score(engine: PocketsphinxEngine, parser: IntentParser,
           clips: list[tuple[str, str, np.ndarray]]) -> tuple[list[str], list[str], list[float]]:
    wrong, missed, times = [], [], []
    for text, voice, x in clips:
        rec = recognize_samples(x, engine, parser)
        times.append(rec.seconds)
        want = COMMANDS[text]
        if rec.intent is None:
            missed.append(f"{text} [{voice}] -> rejected ({rec.text!r}: {rec.reason})")
        elif (rec.intent.name, rec.intent.slots) != want:
            wrong.append(f"{text} [{voice}] -> {rec.intent.name} {rec.intent.slots}")
    return wrong, missed, times


def test_commands_clean(engine: PocketsphinxEngine, parser: IntentParser,
                        renders: Path) -> None:
    clips = _commands(renders)
    wrong, missed, _ = _score(engine, parser, clips)
    # Measured: 22 of 40 accepted, none wrong. Acting only on a confident top hypothesis costs
    # commands on these two synthetic voices (short words decode to nothing; a fifth land in
    # the "unsure" band): the price of not acting on other people's words. Pinned here.
    assert len(wrong) <= 1, wrong
    assert len(missed) <= len(clips) // 2, missed


def test_commands_at_12_db(engine: PocketsphinxEngine, parser: IntentParser, renders: Path,
                           noise: np.ndarray) -> None:
    rng = np.random.default_rng(12)
    clips = [(t, v, mix(x, noise, 12, rng)) for t, v, x in _commands(renders)]
    wrong, missed, _ = _score(engine, parser, clips)
    # Weak (measured 7 of 40 accepted, none wrong): pinned so it cannot get worse.
    assert len(wrong) <= 1, wrong
    assert len(missed) <= len(clips) - 5, missed


def test_non_commands_rejected(engine: PocketsphinxEngine, parser: IntentParser,
                               renders: Path, noise: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    clips = [(t, pad(render(t, renders, "en-us+klatt3", 160))) for t in NEGATIVES]
    clips += [("white noise", noise_burst(1.0, rng, "white", 2000)),
              ("pink noise", noise_burst(1.0, rng, "pink", 4000)),
              ("dishes", noise[16000:40000]),
              ("room tone", rng.normal(0, 20, 16000).astype(np.int16)),
              ("digital silence", np.zeros(16000, dtype=np.int16))]
    accepted = []
    for text, x in clips:
        rec = recognize_samples(x, engine, parser)
        if rec.intent is not None:
            accepted.append(f"{text!r} -> {rec.text!r} {rec.intent.name} ({rec.confidence})")
    assert not [a for a in accepted if "noise" in a or "silence" in a or "tone" in a or
                "dishes" in a], accepted
    # Measured: 3 of 15 spoken negatives still get through (e.g. the coach's own "rest over,
    # set two of three" -> "rest over" -> skip_rest). Known weakness; must not get worse.
    assert len(accepted) <= 4, accepted


def test_recognize_file_shape(engine: PocketsphinxEngine, parser: IntentParser,
                              renders: Path, tmp_path: Path) -> None:
    path = tmp_path / "cmd.wav"
    save_wav(path, pad(render("rest thirty seconds", renders, "en-us+klatt", 150)))
    out = recognize_file(path, engine, parser)
    assert set(out) == {"file", "text", "intent", "slots", "confidence", "engine", "seconds"}
    assert out["intent"] == "rest" and out["slots"] == {"seconds": 30}
    assert out["engine"] == "pocketsphinx" and 0 < out["confidence"] <= 1
    json.dumps(out)


def test_denoised_recognition_of_one_file_after_another(grammar: Grammar, parser: IntentParser,
                                                       renders: Path, tmp_path: Path) -> None:
    """RNNoise in front: each file is decoded whole, and the next one after it still works."""
    pytest.importorskip("pyrnnoise", reason="the denoise extra is not installed")
    engine = PocketsphinxEngine(grammar, denoise=True)
    path = tmp_path / "cmd.wav"
    save_wav(path, pad(render("how much time is left", renders, "en-us+klatt", 150)))
    for _ in range(2):
        assert recognize_file(path, engine, parser)["intent"] == "time_left"


def test_open_engine_choices(grammar: Grammar, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert open_engine("auto", grammar).name == "pocketsphinx"
    with pytest.raises(EngineError, match="voice-coach model download") as info:
        open_engine("vosk", grammar)
    assert "\n" not in str(info.value)
    with pytest.raises(EngineError, match="not a Vosk model"):
        open_engine("vosk", grammar, model=str(tmp_path))
    with pytest.raises(EngineError, match="unknown engine"):
        open_engine("whisper", grammar)


# ---- endpointing


def test_endpointer_finds_padded_utterances(engine: PocketsphinxEngine,
                                           parser: IntentParser, renders: Path) -> None:
    rng = np.random.default_rng(5)
    room = lambda s: rng.normal(0, 3, int(s * 16000)).astype(np.int16)  # noqa: E731
    a = render("next drill", renders, "en-us+klatt", 150)
    b = render("how much time is left", renders, "en-us+klatt4", 150)
    stream = np.concatenate([room(1.0), a, room(1.2), b, room(1.0)])
    for chunk_ms in (10, 30):
        utts = split_utterances(stream, chunk_ms=chunk_ms, engine=engine)
        assert [u.reason for u in utts] == ["silence", "silence"]
        assert abs(utts[0].start - 1.0) < 0.35
        assert abs(utts[1].start - (2.2 + len(a) / 16000)) < 0.35
        texts = [u.hypotheses[0].text for u in utts]
        assert [parser.parse(t).name for t in texts] == ["next_drill", "time_left"], texts


def test_endpointer_says_when_words_are_heard_not_when_noise_starts(
        engine: PocketsphinxEngine, renders: Path) -> None:
    """The barge-in hook (the coach ducks) fires once per utterance, when the partial has
    words; a burst of noise the voice detector takes for speech decodes as none."""
    rng = np.random.default_rng(7)
    room = lambda s: rng.normal(0, 3, int(s * 16000)).astype(np.int16)  # noqa: E731
    burst = noise_burst(0.6, rng, "pink")
    said = render("how much time is left", renders, "en-us+klatt4", 150)
    stream = np.concatenate([room(1.0), burst, room(1.2), said, room(1.0)])
    told: list[int] = []
    ep = StreamingEndpointer(engine, on_user=lambda: told.append(len(ep._speech)))
    utts: list = []
    for i in range(0, len(stream), 480):
        utts += ep.feed(stream[i:i + 480])
    assert [u.hypotheses[0].text if u.hypotheses else "" for u in utts][-1].startswith("how")
    assert len(utts) == 2 and utts[0].hypotheses == []  # the burst: an utterance, no words
    assert len(told) == 1 and told[0] > 1  # once, for the words, a few frames into them
    plain = StreamingEndpointer(on_user=lambda: told.append(-1))  # no engine: at the start
    for i in range(0, len(stream), 480):
        plain.feed(stream[i:i + 480])
    assert told.count(-1) == 2


def test_endpointer_cuts_long_speech_and_finishes_early(engine: PocketsphinxEngine,
                                                       parser: IntentParser,
                                                       renders: Path) -> None:
    rng = np.random.default_rng(6)
    talk = render("keep your chest tall and send your hips back toward the wall, then squeeze "
                  "your glutes and drive your hips forward until you stand tall", renders,
                  "en-us+klatt", 130)
    assert len(talk) > 4.5 * 16000
    stream = np.concatenate([rng.normal(0, 30, 8000).astype(np.int16), talk,
                             rng.normal(0, 30, 16000).astype(np.int16)])
    utts = split_utterances(stream, max_seconds=4.0)
    assert utts[0].reason == "max_length" and len(utts[0].samples) <= 4.1 * 16000
    # the rest of that speech is skipped until a pause; no utterance is longer than the cap
    assert all(len(u.samples) <= 4.1 * 16000 for u in utts)

    stop = np.concatenate([rng.normal(0, 30, 8000).astype(np.int16),
                           render("stop", renders, "en-us+klatt", 150),
                           rng.normal(0, 30, 16000).astype(np.int16)])
    finisher, cut_on = barge_in_finisher(parser), []

    def finish_on(partial: str) -> bool:
        cut_on.append(partial)
        return finisher(partial)

    early = split_utterances(stop, chunk_ms=20, engine=engine, early_finish=finish_on)
    assert early and early[0].reason == "early" and early[0].hypotheses
    assert parser.parse(cut_on[-1]).name == "stop"  # cut the moment the partial said "stop"
    # What the final decode of the cut-off word says is not asserted: it depends on what the
    # decoder heard before (this clip decodes to "nah" on a fresh decoder, with the templates
    # before and after they grew).

    # while the coach is quiet nothing is streamed: the utterance is not cut short, and the
    # one decode is left to the listener
    quiet = split_utterances(stop, chunk_ms=20, engine=engine, early_finish=finish_on,
                             stream_when=lambda: False)
    assert len(quiet) == 1 and quiet[0].reason != "early" and quiet[0].hypotheses == []
    assert len(quiet[0].samples) >= len(early[0].samples) + 0.1 * 16000


class FailsOnce:
    """The real engine, except its first decode fails as a crashed native decoder would."""

    def __init__(self, engine: PocketsphinxEngine) -> None:
        self.engine, self.name, self.failed = engine, engine.name, False

    def decode(self, samples: np.ndarray):
        if not self.failed:
            self.failed = True
            raise EngineError("decoder crashed")
        return self.engine.decode(samples)


def test_recogniser_failure_loses_one_utterance_not_the_session(
        engine: PocketsphinxEngine, parser: IntentParser, renders: Path, capsys) -> None:
    from harness import Session

    from voice_coach.app.live import listen
    from voice_coach.asr.endpoint import Utterance
    from voice_coach.asr.listener import Listener

    clip = pad(render("what's the cue", renders, *VOICES[0]))
    utterances = [Utterance(clip, 0.0, len(clip) / 16000, "silence") for _ in range(2)]
    session = Session(load_program("hip-hinge"))
    session.start()
    before = len(session.out.records)
    listen(utterances, Listener(FailsOnce(engine), parser), session.runtime)
    while session.runtime.step(timeout=0):
        pass
    # the first utterance is lost to the crash, the second is answered
    assert [kind for kind, _ in session.out.records[before:]] == ["cue"]
    assert capsys.readouterr().err.count("recogniser error: decoder crashed") == 1


def test_only_the_top_hypothesis_is_acted_on(parser: IntentParser) -> None:
    """A command found lower in the n-best list is not acted on: taking the first parseable
    sentence of the list acted on a third of real non-command words."""
    from voice_coach.asr.base import Hypothesis
    from voice_coach.asr.recognize import interpret

    hyps = [Hypothesis("stop the", -3112.0, {"confidence": 0.99}),
            Hypothesis("stop", -3200.0, {"confidence": 0.99})]
    rec = interpret(hyps, "pocketsphinx", parser, 0.0)
    assert rec.intent is None and rec.reason == "not a command"
    sure = interpret([Hypothesis("stop", -3112.0, {"confidence": 0.9})], "pocketsphinx", parser,
                     0.0)
    assert sure.intent is not None and sure.intent.name == "stop"
    close = interpret([Hypothesis("pause", -3112.0, {"confidence": 0.6})], "pocketsphinx",
                      parser, 0.0)
    assert close.intent is None and close.reason == "unsure"
    far = interpret([Hypothesis("pause", -3112.0, {"confidence": 0.2})], "pocketsphinx", parser,
                    0.0)
    assert far.intent is None and far.reason == "does not sound like a command"
    # a wrong "stop" costs only a repeat: it is acted on from the "unsure" bar
    cheap = interpret([Hypothesis("stop", -3112.0, {"confidence": 0.6})], "pocketsphinx",
                      parser, 0.0)
    assert cheap.intent is not None and cheap.intent.name == "stop"


@pytest.mark.parametrize(("voice", "rate", "padded"), [("en-us+m3", 150, False)])
def test_stop_gets_through_while_the_coach_is_talking(engine: PocketsphinxEngine,
                                                     parser: IntentParser, renders: Path,
                                                     voice: str, rate: int, padded: bool) -> None:
    """While the coach talks, "stop" is still heard. (With silence around it, en-gb's "stop"
    decodes as "stop it" at 0.12 and klatt's as "stop the": both missed; the live loop usually
    catches a "stop" from the partial result first.)"""
    from voice_coach.asr.listener import Listener

    audio = render("stop", renders, voice, rate)
    verdict = Listener(engine, parser).judge(pad(audio) if padded else audio, speaking=True)
    assert verdict.intent is not None and verdict.intent.name == "stop", verdict


def test_the_listener_wants_a_surer_hearing_for_what_makes_no_sense_now(
        engine: PocketsphinxEngine, parser: IntentParser) -> None:
    from harness import Session

    from voice_coach.asr.base import Hypothesis
    from voice_coach.asr.listener import Listener
    from voice_coach.core.state import Phase

    session = Session(load_program("hip-hinge"))
    session.start()
    listener = Listener(engine, parser, expects=session.coach.expects)

    def judge(text: str, confidence: float) -> str:
        verdict = listener.judge(np.zeros(0, dtype=np.int16), speaking=False,
                                 hypotheses=[Hypothesis(text, 0.0, {"confidence": confidence})])
        return verdict.reason

    assert judge("skip the rest", 0.9) == "unexpected now"  # in setup
    assert judge("skip the rest", 0.97) == "accepted"  # heard surely: the trainee's call
    assert judge("next step", 0.9) == "accepted"
    session.hear("start")
    session.hear("set_done")
    assert session.phase == Phase.REST
    assert judge("skip the rest", 0.9) == "accepted"


def test_a_command_said_again_after_sorry_is_acted_on(engine: PocketsphinxEngine,
                                                      parser: IntentParser) -> None:
    """Unsure twice running about the same command: the second hearing acts. A different
    command, a long gap or something surely heard in between starts the count again."""
    from voice_coach.asr.base import Hypothesis
    from voice_coach.asr.endpoint import Utterance
    from voice_coach.asr.listener import REPEAT_WINDOW, Listener

    listener = Listener(engine, parser)

    def hear(text: str, confidence: float, at: float) -> str:
        utt = Utterance(np.zeros(0, dtype=np.int16), at, at + 1.0, "early",
                        [Hypothesis(text, 0.0, {"confidence": confidence})])
        verdict = listener.hear(utt)
        assert (verdict.intent is not None) == (verdict.reason in ("accepted", "said again"))
        return verdict.reason

    assert hear("next step", 0.7, 0.0) == "unsure"
    assert hear("next step", 0.8, 4.0) == "said again"
    assert hear("next step", 0.7, 8.0) == "unsure"  # a new count after acting
    assert hear("what's the cue", 0.7, 10.0) == "unsure"  # not what was unsure before
    assert hear("next step", 0.7, 12.0) == "unsure"
    assert hear("next step", 0.7, 13.0 + REPEAT_WINDOW + 0.5) == "unsure"  # too long after
    assert hear("rest thirty seconds", 0.7, 40.0) == "unsure"
    assert hear("rest forty seconds", 0.7, 42.0) == "unsure"  # another amount: not a repeat
    assert hear("what's the cue", 0.7, 50.0) == "unsure"
    assert hear("hello there", 0.9, 51.0) == "rejected"  # not a command in between
    assert hear("what's the cue", 0.7, 52.0) == "unsure"
    assert hear("what's the cue", 0.3, 53.0) == "rejected"  # too unsure to count
    assert hear("what's the cue", 0.7, 54.0) == "unsure"


def test_endpointer_closes_in_speech_after_whole_frames() -> None:
    """The stream ends in speech exactly on a frame boundary (nothing pending)."""
    ep = StreamingEndpointer()
    rng = np.random.default_rng(1)
    speech = 8000 * np.sin(np.arange(16000) * 0.2) * rng.uniform(0.5, 1, 16000)
    x = np.concatenate([np.zeros(8000), speech]).astype(np.int16)
    out = [u for i in range(0, len(x), ep.frame) for u in ep.feed(x[i:i + ep.frame])]
    out += ep.close()
    assert [u.reason for u in out] == ["end_of_stream"]
