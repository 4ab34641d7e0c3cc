"""Echo cancellation: the time stamps, the reference, the canceller on a rendered room, the
listener's rule while the coach talks, ducking, the setting and `doctor`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from audio_util import espeak_available, render
from echo_scene import BLOCK, Earlier, coach_voice, echo_of, hear, scene, utterances

from voice_coach.adapters.echo import (
    PRE_ROLL,
    TAIL,
    EchoCanceller,
    EchoReference,
    SampleClock,
    self_test,
    user_span,
)
from voice_coach.adapters.mixer import DUCK_DB, SpeechQueue
from voice_coach.app.doctor import check_echo
from voice_coach.app.settings import Settings, load_settings
from voice_coach.asr.listener import Listener
from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import as_int16

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng not installed")


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.load(load_program("hip-hinge"))


@pytest.fixture(scope="module")
def parser(grammar: Grammar) -> IntentParser:
    return IntentParser(grammar)


@pytest.fixture(scope="module")
def engine(grammar: Grammar) -> PocketsphinxEngine:
    return PocketsphinxEngine(grammar)


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("echo-renders")


@pytest.fixture(scope="module")
def far(renders: Path) -> np.ndarray:
    return coach_voice(renders)


@pytest.fixture(scope="module")
def under_way(far: np.ndarray) -> Earlier:
    """A session under way: 20 s of the coach's other lines, heard before the scene."""
    return Earlier.of(np.resize(far[9 * RATE:], 20 * RATE))


# ---- time stamps and the reference


def test_sample_clock_is_not_moved_by_late_callbacks() -> None:
    clock = SampleClock(16000)
    rng = np.random.default_rng(1)
    stamps = [clock.stamp(480, 100.0 + k * 0.03 + abs(rng.normal(0, 0.02)))
              for k in range(200)]
    # once an on-time callback has been seen, every block sits on the sample grid
    expected = 100.0 + np.arange(200) * 0.03 + min(s - 100.0 - k * 0.03
                                                   for k, s in enumerate(stamps[:5]))
    assert np.max(np.abs(np.array(stamps[100:]) - (100.0 + np.arange(100, 200) * 0.03))) \
        < 0.002
    assert stamps[0] >= expected[0] - 1e-9
    clock.restart()  # after an underrun the stream starts a new count
    assert clock.stamp(480, 500.0) == 500.0


def test_reference_gives_what_played_at_that_moment() -> None:
    ref = EchoReference()
    x = np.sin(np.arange(22050 * 2) / 10).astype(np.float32)
    for i in range(0, len(x), 512):  # played at 22.05 kHz from t = 100 s
        ref.write(x[i:i + 512], 22050, 100.0 + i / 22050)
    got = ref.read(16000, 100.5)
    want = np.sin(np.arange(8000, 24000) * 22050 / 16000 / 10)
    assert np.max(np.abs(got - want)) < 0.01
    assert not ref.read(1600, 110.0).any()  # nothing played then
    assert not ref.read(1600, 50.0).any()


def test_reference_starts_anew_after_the_speaker_stalled() -> None:
    ref = EchoReference()
    block = np.ones(480, dtype=np.float32)
    ref.write(block, 16000, 10.0)
    ref.write(block * 2, 16000, 11.0)  # a second later: the stream stalled in between
    assert ref.jumps == 1
    assert np.allclose(ref.read(480, 10.0), 1.0)
    assert not ref.read(480, 10.5).any()
    assert np.allclose(ref.read(480, 11.0), 2.0)


# ---- the canceller on a rendered room


@needs_espeak
@pytest.mark.audio
@pytest.mark.parametrize("delay", [0.02, 0.05, 0.08])
def test_canceller_removes_the_coachs_voice_from_a_room(far: np.ndarray, delay: float) -> None:
    mic = as_int16(echo_of(far, delay, -10.0))
    canceller = EchoCanceller()
    out = np.zeros_like(mic)
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        out[i:i + BLOCK] = canceller.cancel(mic[i:i + BLOCK], far[i:i + BLOCK])
    after_a_second = slice(RATE, None)
    e_in = np.sum(mic[after_a_second].astype(np.float64) ** 2)
    e_out = np.sum(out[after_a_second].astype(np.float64) ** 2)
    erle = 10 * np.log10(e_in / e_out)
    print(f"ERLE at {delay * 1000:.0f} ms: {erle:.1f} dB; running figure {canceller.erle_db}")
    assert erle > 20
    assert canceller.erle_db is not None and canceller.erle_db > 20
    assert canceller.effective


@needs_espeak
@pytest.mark.audio
def test_the_coachs_own_voice_through_the_room_is_no_command_once_cancelled(
        far: np.ndarray, engine: PocketsphinxEngine, parser: IntentParser) -> None:
    heard = hear(scene(None, far, cancelled=True), engine, parser)
    print(heard.texts)
    assert heard.intents == []


@needs_espeak
@pytest.mark.audio
def test_a_command_over_the_coach_keeps_its_words_once_cancelled(
        far: np.ndarray, renders: Path, engine: PocketsphinxEngine,
        parser: IntentParser) -> None:
    """What the recogniser reads from a command said over the coach (0 dB to its echo) is the
    command's words with cancelling; without it the two voices run together."""
    user = render("how long left", renders, voice="en-gb")
    cancelled = hear(scene(user, far, at=12.0), engine, parser)
    raw = hear(scene(user, far, at=12.0, cancelled=False), engine, parser)
    print("cancelled:", cancelled.texts, "raw:", raw.texts)
    assert "how long left" in cancelled.texts
    assert "how long left" not in raw.texts


SAID_OVER = [("what's the cue", "cue"), ("how long left", "time_left"),
             ("repeat that", "repeat"), ("next step", "next_step")]


@needs_espeak
@pytest.mark.audio
def test_commands_over_the_coach_are_judged_from_what_speex_left_whole(
        far: np.ndarray, renders: Path, engine: PocketsphinxEngine,
        parser: IntentParser) -> None:
    """WebRTC's suppressor carves up a user talking over the coach; the second look (the same
    stretch from Speex's canceller) is what a person would have heard, and gets it acted on."""
    acted = {True: 0, False: 0}
    for text, intent in SAID_OVER:
        for voice in ("en-gb", "en+m3", "en-us+f3"):
            mic = scene(render(text, renders, voice=voice), far, at=12.0)
            for look in (True, False):
                heard = hear(mic, engine, parser, second_look=look)
                print(look, voice, text, heard.intents, heard.texts)
                acted[look] += heard.intents == [intent]
    print(acted)
    assert acted[True] >= 6
    assert acted[True] >= acted[False] + 4


@needs_espeak
@pytest.mark.audio
def test_a_user_talking_over_the_coach_does_not_make_cancelling_look_broken(
        far: np.ndarray, renders: Path) -> None:
    """The user's voice must pass the canceller, so their blocks read as little cancelled;
    the canceller still counts as working, or their command would be judged as self-hearing.
    """
    mic = echo_of(far, 0.05, -10.0)
    user = render("can you tell me how much time is left in this rest", renders, voice="en-gb")
    start = int(12.0 * RATE)
    mic[start:start + len(user)] += user / np.max(np.abs(user)) * 10 ** (-16 / 20)
    mic16 = as_int16(np.clip(mic, -1, 1))
    canceller = EchoCanceller()
    end = start + len(user)
    for i in range(0, end - BLOCK + 1, BLOCK):
        canceller.cancel(mic16[i:i + BLOCK], far[i:i + BLOCK])
    print(f"running figure at the end of the user's words: {canceller.erle_db:.1f} dB")
    assert len(user) > 2 * RATE  # a long request: most of the recent window is double talk
    assert canceller.effective


@needs_espeak
@pytest.mark.audio
def test_a_user_over_the_coach_reaches_the_voice_detector_whole(
        far: np.ndarray, renders: Path, under_way: Earlier) -> None:
    """In double talk WebRTC's suppressor carves the user up (real "stop"s over the coach were
    never found as speech, or lost their "s"); once Speex's filter has learnt the room, what the
    canceller passes on in those blocks is Speex's output, which keeps them whole. The coach
    alone still comes out as WebRTC's."""
    user = render("stop", renders, voice="en-gb")
    mic = scene(user, far, at=12.0)
    canceller = EchoCanceller()
    under_way.teach(canceller)
    assert canceller.speex_learnt
    out = np.concatenate([canceller.cancel(mic.samples[i:i + BLOCK], far[i:i + BLOCK])
                          for i in range(0, len(far) - BLOCK + 1, BLOCK)]).astype(np.float64)
    a, b = int(12.0 * RATE), int(12.0 * RATE) + len(user)
    said = np.asarray(mic.rest)[a:b] * 32768  # the user's voice as the mic heard it
    onset = np.flatnonzero(np.abs(said) > 0.05 * np.max(np.abs(said)))[0]
    first = slice(onset, onset + RATE // 10)

    def db(x: np.ndarray) -> float:
        return 10 * float(np.log10(np.sum(np.square(x)) + 1.0))

    # how much of what passed is the user's voice rather than damage (WebRTC's output alone:
    # -3 dB over the word, 0 dB over its first 100 ms, which it removed)
    sdr = db(said) - db(out[a:b] - said)
    sdr_first = db(said[first]) - db(out[a:b][first] - said[first])
    print(f"signal to distortion: {sdr:.1f} dB, first 100 ms {sdr_first:.1f} dB")
    assert sdr > 5.0 and sdr_first > 5.0
    coach_alone = slice(4 * RATE, 11 * RATE)
    erle = db(mic.samples[coach_alone].astype(np.float64)) - db(out[coach_alone])
    print(f"the coach alone, 4-11 s: {erle:.1f} dB removed")
    assert erle > 20


@needs_espeak
@pytest.mark.audio
def test_the_second_look_gives_the_decoder_a_lead_in_before_a_soft_s(
        far: np.ndarray, renders: Path, under_way: Earlier, engine: PocketsphinxEngine,
        parser: IntentParser) -> None:
    """Over the coach the voice detector starts at the user's first loud sound, and
    pocketsphinx finds a word's first sound only after a lead-in of something else: real
    "stop"s, whose "s" is soft (20-30 dB under the vowel), decoded as "got", "talk", "that"
    when the second look began where the detector did, less 0.1 s."""
    said = render("stop", renders, voice="en-gb", rate=110).astype(np.float64)
    level = np.convolve(np.abs(said), np.ones(160) / 160, "same")
    onset = int(np.flatnonzero(level > 0.01 * np.max(level))[0])
    closure = onset + int(np.flatnonzero(level[onset:] < 0.001 * np.max(level))[0])
    said[:closure] *= 10 ** (-10 / 20)  # espeak's "s" is loud: soften it as people say it
    mic = replace(scene(said, far, at=12.0), earlier=under_way)
    looked = [u for u in utterances(mic) if u.looked_again]
    assert len(looked) == 1
    lead_in = 12.0 + onset / RATE - looked[0].start
    print(f"lead-in before the 's': {lead_in * 1000:.0f} ms")
    assert lead_in >= 0.08  # with 0.1 s of pre-roll: 0
    assert hear(mic, engine, parser, live=True).intents == ["stop"]  # with 0.1 s: "talk"


def _heard_the_user(mic: np.ndarray, far: np.ndarray) -> list[float]:
    """The moments (s) at which the canceller, working, hears the user over the coach."""
    canceller, at = EchoCanceller(), []
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        canceller.cancel(mic[i:i + BLOCK], far[i:i + BLOCK])
        if canceller.hears_the_user and canceller.effective:
            at.append(i / RATE)
    return at


@needs_espeak
@pytest.mark.audio
def test_the_canceller_hears_a_user_over_the_coach_at_once(far: np.ndarray,
                                                           renders: Path) -> None:
    """So the coach ducks as the user starts, not once the recogniser has words (which took
    up to half a second): over the coach, 6 more real commands of 135 were right, and 1 more
    rendered one of 48."""
    for voice in ("en-gb", "en+m3"):
        said = render("stop", renders, voice=voice)
        voiced = np.flatnonzero(np.abs(said) > 0.05 * np.max(np.abs(said)))[0] / RATE
        heard = _heard_the_user(scene(said, far, at=12.0).samples, far)
        print(voice, [t for t in heard if t > 4.0])
        assert any(12.0 + voiced <= t <= 12.0 + voiced + 0.2 for t in heard)
    # the coach alone, once the canceller has settled: never, in a quiet room or in one with
    # the running tap at -50 dBFS (its splashes pass any canceller)
    for noise in (-70.0, -50.0):
        heard = _heard_the_user(scene(None, far, noise_db=noise).samples, far)
        assert [t for t in heard if t > 4.0] == []


@needs_espeak
@pytest.mark.audio
def test_a_canceller_that_lost_track_of_the_speaker_is_not_effective(far: np.ndarray) -> None:
    """A reference that comes later than its echo (the time stamps went wrong) cannot be
    cancelled: the running figure shows it, and the coach keeps to barge-in words."""
    mic = as_int16(echo_of(far, 0.05, -10.0))
    late = np.concatenate([np.zeros(int(0.6 * RATE)), far])[:len(far)]
    canceller = EchoCanceller()
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        canceller.cancel(mic[i:i + BLOCK], late[i:i + BLOCK])
    assert canceller.erle_db is not None and canceller.erle_db < 6
    assert not canceller.effective


def _blocks(kinds: str) -> list[tuple[int, np.ndarray, bool, float, float]]:
    """Kept blocks: C the coach alone (WebRTC removed 30 dB), U the user over the coach
    (3 dB), . silence (nothing played, next to nothing heard)."""
    energy = {"C": (True, 1e9, 1e6), "U": (True, 2e9, 1e9), ".": (False, 1e3, 1e3)}
    return [(i * BLOCK, np.zeros(BLOCK, np.int16), *energy[k]) for i, k in enumerate(kinds)]


def test_the_second_look_leaves_out_the_coach_alone_around_the_user() -> None:
    parts = _blocks("..CCCCCCCCUUUUUUUUUUCCCCCCCC..")
    first, last = user_span(parts, 0, len(parts) * BLOCK, 0.0)
    # the user's blocks (10 to 19), give or take the one block the figures are smoothed over,
    # with the pre-roll before them and a word's quiet end after
    assert 9 * BLOCK - PRE_ROLL * RATE <= first <= 10 * BLOCK - PRE_ROLL * RATE
    assert 20 * BLOCK + TAIL * RATE <= last <= 21 * BLOCK + TAIL * RATE
    # never more than was asked for, and all of it when no block is the user's
    assert user_span(parts, 9 * BLOCK, 20 * BLOCK, 0.0) == (9 * BLOCK, 20 * BLOCK)
    coach_only = _blocks("CCCC....CCCC")
    assert user_span(coach_only, 0, 12 * BLOCK, 0.0) == (0, 12 * BLOCK)


def test_self_test_measures_a_working_canceller() -> None:
    assert self_test() > 15


# ---- the listener's rule while the coach talks


@needs_espeak
@pytest.mark.audio
def test_every_intent_counts_over_the_coach_only_while_cancelling_works(
        renders: Path, engine: PocketsphinxEngine, parser: IntentParser) -> None:
    said = render("what's the cue", renders, voice="en-us+f3")
    working = {"now": False}
    listener = Listener(engine, parser, is_speaking=lambda: True,
                        echo_cancelled=lambda: working["now"])
    assert listener.judge(said).reason == "self-hearing"
    working["now"] = True
    verdict = listener.judge(said)
    assert verdict.reason == "accepted" and verdict.intent is not None
    assert verdict.intent.name == "cue"
    stop = render("stop talking", renders, voice="en-us+f3")
    working["now"] = False
    verdict = listener.judge(stop)  # barge-in words work either way
    assert verdict.intent is not None and verdict.intent.name == "stop"


def test_a_command_half_heard_over_the_coach_gets_a_sorry_only_while_cancelling_works(
        engine: PocketsphinxEngine, parser: IntentParser) -> None:
    from voice_coach.asr.base import Hypothesis

    working = {"now": False}
    listener = Listener(engine, parser, is_speaking=lambda: True,
                        echo_cancelled=lambda: working["now"])

    def judge(text: str, confidence: float) -> str:
        hyps = [Hypothesis(text, 0.0, {"confidence": confidence})]
        return listener.judge(np.zeros(0, dtype=np.int16), hypotheses=hyps).reason

    assert judge("what's the cue", 0.7) == "rejected"  # it may be the coach's own echo
    working["now"] = True
    assert judge("what's the cue", 0.7) == "unsure"
    assert judge("what's the cue", 0.3) == "rejected"


@needs_espeak
@pytest.mark.audio
@pytest.mark.parametrize("wake", [False, True], ids=["no wake word", "wake word not said"])
def test_a_doubted_early_stop_over_the_coach_is_looked_at_again(
        renders: Path, engine: PocketsphinxEngine, parser: IntentParser, wake: bool) -> None:
    """Cut short on a partial "stop" that the stream then doubted: the second look's samples
    decide, for a barge-in intent only; in wake-word mode too, where a barge-in needs no wake
    word while the coach talks."""
    from voice_coach.asr.base import Hypothesis
    from voice_coach.asr.endpoint import Utterance
    from voice_coach.asr.wakeword import WakeWindow

    listener = Listener(engine, parser, is_speaking=lambda: True, echo_cancelled=lambda: True,
                        wake=WakeWindow(8.0) if wake else None)
    doubted = [Hypothesis("stop", 0.0, {"confidence": 0.2})]

    def early(text: str, looked_again: bool = True) -> Utterance:
        said = as_int16(render(text, renders, voice="en-us+f3"))
        return Utterance(said, 0.0, len(said) / RATE, "early", doubted,
                         looked_again=looked_again)

    verdict = listener.hear(early("stop talking"))
    assert verdict.reason == "accepted" and verdict.intent is not None
    assert verdict.intent.name == "stop"
    assert listener.hear(early("stop talking", looked_again=False)).intent is None
    assert listener.hear(early("what's the cue")).intent is None  # not a barge-in intent


# ---- ducking


def test_ducking_turns_the_voice_down_without_cutting_it() -> None:
    q = SpeechQueue(16000)
    q.push(np.full(16000, 0.5, dtype=np.float32))
    before = q.read(800)
    q.ducked = True
    q.read(800)  # the change is ramped over one block
    ducked = q.read(800)
    q.ducked = False
    q.read(800)
    after = q.read(800)
    assert np.allclose(before, 0.5) and np.allclose(after, 0.5)
    assert np.allclose(ducked, 0.5 * 10 ** (DUCK_DB / 20), rtol=1e-4)
    assert q.busy  # still speaking


# ---- the setting and doctor


def test_echo_cancel_is_a_setting(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.setenv("VOICE_COACH_CONFIG", str(config))
    assert load_settings(env={})[0].echo_cancel is True  # on unless turned off
    config.write_text("echo_cancel = false\n")
    settings, sources = load_settings(env={})
    assert settings.echo_cancel is False and sources["echo_cancel"] == str(config)
    assert load_settings(env={"VOICE_COACH_ECHO_CANCEL": "on"})[0].echo_cancel is True


def test_doctor_says_whether_cancelling_is_on_and_how_much_it_removes() -> None:
    on = check_echo(Settings(echo_cancel=True))
    assert on.ok and on.detail.startswith("on") and " dB " in on.detail
    off = check_echo(Settings(echo_cancel=False))
    assert off.ok and off.detail.startswith("off")


def test_talking_over_the_coach_ducks_it_then_cuts_or_carries_on() -> None:
    """The barge-in rule between the listener's verdicts and the speaker."""
    from voice_coach.app.live import BargeIn
    from voice_coach.asr.listener import Verdict
    from voice_coach.core.events import Intent

    class SpeakerLog:  # the speaker's side of the rule: what it was told
        speaking = True

        def __init__(self) -> None:
            self.calls: list[str] = []

        def duck(self, on: bool = True) -> None:
            self.calls.append("duck" if on else "full")

        def stop_speaking(self) -> None:
            self.calls.append("stop")

    class Working:
        effective = True

    def over_the_coach(intent: str | None, reason: str) -> list[str]:
        speaker = SpeakerLog()
        barge = BargeIn(speaker, Working())  # type: ignore[arg-type]
        barge.user_started()
        barge.judged(Verdict(Intent(intent) if intent else None, "", 0.9, reason, 0.1))
        return speaker.calls

    assert over_the_coach("cue", "accepted") == ["duck", "stop", "full"]
    assert over_the_coach(None, "unsure") == ["duck", "stop", "full"]  # then "sorry?"
    assert over_the_coach(None, "rejected") == ["duck", "full"]
    assert over_the_coach("louder", "accepted") == ["duck", "full"]
    Working.effective = False  # without cancelling the mic may be hearing the coach itself
    assert over_the_coach(None, "unsure") == []
