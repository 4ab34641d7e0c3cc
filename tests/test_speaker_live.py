"""The speaker on real (PulseAudio null-sink) devices: what the recording of the sink shows."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from pulse import RATE, first_sound, last_sound, locate, loud, pulse_fixture

from voice_coach.core.events import Priority
from voice_coach.pcm import resample

pytestmark = pytest.mark.live

pulse = pulse_fixture()

LONG = ("Stand with your feet about hip width apart, soften your knees, and push your hips "
        "back as if you were closing a car door behind you, keeping your back long and your "
        "shins nearly vertical the whole time.")
COUNTDOWN = "Three, two, one, rest over."


class Finished:
    """Collects `on_finished` reports; lets a test wait for particular ids."""

    def __init__(self) -> None:
        self.events: list[tuple[int, bool]] = []
        self._cond = threading.Condition()

    def __call__(self, uid: int, completed: bool) -> None:
        with self._cond:
            self.events.append((uid, completed))
            self._cond.notify_all()

    def wait(self, *ids: int, timeout: float = 15.0) -> dict[int, bool]:
        with self._cond:
            self._cond.wait_for(lambda: set(ids) <= {u for u, _ in self.events}, timeout)
            return {u: c for u, c in self.events if u in ids}

    def order(self, *ids: int) -> list[int]:
        return [u for u, _ in self.events if u in ids]


@pytest.fixture(scope="module")
def finished() -> Finished:
    return Finished()


@pytest.fixture(scope="module")
def speaker(pulse, finished, tmp_path_factory):
    from voice_coach.adapters.speaker import Speaker
    from voice_coach.adapters.tts import Pyttsx3Synthesizer, TTSError

    synth = Pyttsx3Synthesizer(cache=tmp_path_factory.mktemp("tts"))
    try:
        synth.render("ready")
    except TTSError as exc:
        synth.close()
        pytest.skip(f"espeak-ng not usable here: {exc}")
    sp = Speaker(synth, device=None, on_finished=finished)
    assert sp.stream_ok, "no output stream on the PulseAudio default device"
    sp.prerender([LONG, COUNTDOWN])
    yield sp
    sp.close()
    synth.close()


def heard(sp, text: str) -> np.ndarray:
    """What `text` should sound like in the 16 kHz recording (same render, same level)."""
    x = sp.synth.render(text, sp.rate, sp.voice)
    return resample(x / np.abs(x).max() * 0.5, sp.synth.samplerate, RATE)


def sound_seconds(samples: np.ndarray) -> float:
    return float(np.mean(loud(samples))) * len(samples) / RATE


def test_say_is_heard_with_low_first_audio_latency(pulse, speaker, finished) -> None:
    speaker.synth.prerender([COUNTDOWN]).join(10)
    fresh = f"Set number {time.time_ns() % 1000} starts now."  # not in the cache yet
    latencies = {}
    for label, text in (("cache miss", fresh), ("cache hit", COUNTDOWN)):
        assert speaker.wait_idle(10)
        with pulse.capture(tail=0.3) as cap:
            t = time.monotonic()
            uid = speaker.say(text, Priority.ANSWER)
            assert speaker.speaking
            assert finished.wait(uid) == {uid: True}
        onset = first_sound(cap.samples)
        assert onset is not None, f"nothing was heard for {label}"
        latencies[label] = cap.time_at(onset) - t
        expected = heard(speaker, text)
        offset, score = locate(cap.samples, expected)
        assert score > 0.8, (label, score)  # it is that utterance, intact
        assert abs(offset - onset) < 0.05 * RATE + (first_sound(expected) or 0)
    print("first-audio latency: " + ", ".join(f"{k} {1000 * v:.0f} ms"
                                              for k, v in latencies.items()))
    assert latencies["cache hit"] < 0.25
    assert latencies["cache miss"] < 0.6


def test_stop_speaking_silences_quickly(pulse, speaker, finished) -> None:
    delays = []
    for after in (0.6, 1.1, 1.7):
        assert speaker.wait_idle(10)
        with pulse.capture(tail=0.8) as cap:
            uid = speaker.say(LONG, Priority.CHATTER)
            deadline = time.monotonic() + 5
            while speaker.queue.current_id != uid and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(after)
            t_stop = time.monotonic()
            speaker.stop_speaking()
        i_stop = cap.index_at(t_stop)
        before = cap.samples[max(0, i_stop - RATE // 2):i_stop]
        assert sound_seconds(before) > 0.1, "the sentence was not playing when stopped"
        end = last_sound(cap.samples)
        assert end is not None
        delays.append(cap.time_at(end) - t_stop)
        assert finished.wait(uid) == {uid: False}
        assert speaker.wait_idle(1.0)
    print("stop latency (stop_speaking() -> last sound): "
          + ", ".join(f"{1000 * d:.0f} ms" for d in delays))
    assert max(delays) <= 0.15


def test_timing_preempts_chatter(pulse, speaker, finished) -> None:
    speaker.synth.prerender([LONG, COUNTDOWN]).join(10)
    assert speaker.wait_idle(10)
    with pulse.capture(tail=0.6) as cap:
        chatter = speaker.say(LONG, Priority.CHATTER)
        time.sleep(1.0)
        t_push = time.monotonic()
        timing = speaker.say(COUNTDOWN, Priority.TIMING)
        result = finished.wait(chatter, timing)
    assert result == {chatter: False, timing: True}
    assert finished.order(chatter, timing) == [chatter, timing]
    countdown = heard(speaker, COUNTDOWN)
    offset, score = locate(cap.samples, countdown)
    assert score > 0.8, score  # the countdown is heard alone, not over the chatter
    start = cap.time_at(offset) - t_push
    assert 0 <= start < 0.3, start
    chatter_audio = cap.samples[: cap.index_at(t_push)]
    assert sound_seconds(chatter_audio) > 0.3  # the chatter was playing before
    after = cap.samples[offset + len(countdown):]
    assert last_sound(after) is None or last_sound(after) < 0.05 * RATE  # chatter does not resume
    print(f"countdown started {1000 * start:.0f} ms after the TIMING say()")


def test_utterances_never_overlap(pulse, speaker, finished) -> None:
    texts = ["Hinge at the hips.", "Keep your shins vertical.", "Breathe out at the top."]
    speaker.synth.prerender(texts).join(10)
    assert speaker.wait_idle(10)
    with pulse.capture(tail=0.3) as cap:
        ids = [speaker.say(texts[0], Priority.ANSWER), speaker.say(texts[1], Priority.ANSWER),
               speaker.say(texts[2], Priority.CHATTER)]
        assert all(finished.wait(*ids).values())
    assert finished.order(*ids) == ids
    spans = []
    for text in texts:
        needle = heard(speaker, text)
        offset, score = locate(cap.samples, needle)
        assert score > 0.8, (text, score)
        spans.append((offset, offset + len(needle)))
    for (_, end_a), (start_b, _) in zip(spans, spans[1:]):
        assert start_b >= end_a - 0.01 * RATE, spans  # back to back, never on top
    total = sum(len(heard(speaker, t)) for t in texts) / RATE
    assert abs((spans[-1][1] - spans[0][0]) / RATE - total) < 0.05


def test_earcon_and_volume(pulse, speaker) -> None:
    peaks = []
    for steps in (0, -4):
        speaker.set_voice(0, steps)
        assert speaker.wait_idle(5)
        with pulse.capture(tail=0.3) as cap:
            speaker.play("rest_over")
            time.sleep(0.3)
        speaker.set_voice(0, -steps)
        if steps == 0:
            length = sound_seconds(cap.samples)
            assert 0.15 < length < 0.4, length  # the 260 ms two-tone earcon
        peaks.append(float(np.abs(cap.samples).max()))
    ratio_db = 20 * np.log10(peaks[1] / peaks[0])
    assert -13.5 < ratio_db < -10.5, ratio_db  # 4 steps of 3 dB


def test_speaker_recovers_when_its_stream_dies(pulse, speaker, finished) -> None:
    uid = speaker.say(LONG, Priority.CHATTER)
    deadline = time.monotonic() + 5
    while speaker.queue.current_id != uid and time.monotonic() < deadline:
        time.sleep(0.005)
    assert pulse.kill_streams() >= 1
    # the cut utterance is reported as not completed, and the stream comes back
    assert finished.wait(uid, timeout=10) == {uid: False}
    deadline = time.monotonic() + 10
    while not speaker.stream_ok and time.monotonic() < deadline:
        time.sleep(0.05)
    assert speaker.stream_ok
    with pulse.capture(tail=0.3) as cap:
        again = speaker.say(COUNTDOWN, Priority.ANSWER)
        assert finished.wait(again) == {again: True}
    assert sound_seconds(cap.samples) > 0.5


def test_failed_speech_falls_back_to_ack_and_text(pulse, speaker, finished, capsys) -> None:
    assert speaker.wait_idle(10)
    voice, speaker.voice = speaker.voice, "no-such-voice"  # espeak-ng rejects it
    try:
        with pulse.capture(tail=0.4) as cap:
            uid = speaker.say("Push the hips back.", Priority.ANSWER)
            assert finished.wait(uid) == {uid: False}
    finally:
        speaker.voice = voice
    assert 0.03 < sound_seconds(cap.samples) < 0.2  # the 90 ms ack earcon, no speech
    err = capsys.readouterr().err
    assert "coach: Push the hips back." in err and "speech engine failed" in err


def test_missing_device_does_not_crash(speaker, capsys) -> None:
    from voice_coach.adapters.speaker import Speaker

    got: list[tuple[int, bool]] = []
    with Speaker(speaker.synth, device="no such device anywhere",
                 on_finished=lambda u, c: got.append((u, c))) as sp:
        assert not sp.stream_ok
        uid = sp.say("Nobody can hear this.")
        sp.play("ack")
        sp.stop_speaking()
        sp.set_voice(1, 1)
        assert sp.wait_idle(5)
        deadline = time.monotonic() + 2
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
    assert got == [(uid, False)]
    err = capsys.readouterr().err
    assert "speaker unavailable" in err
