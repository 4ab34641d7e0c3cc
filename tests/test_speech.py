"""The speech mixer, block by block, with no device: priority, preemption, stop, volume."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from voice_coach.adapters.mixer import (
    FADE_SECONDS,
    MAX_VOLUME_STEPS,
    MIN_VOLUME_STEPS,
    Finished,
    SpeechQueue,
    gain_for_steps,
)
from voice_coach.core.events import Priority
from voice_coach.pcm import resample

RATE = 22050
BLOCK = 512
FADE = int(RATE * FADE_SECONDS)


def tone(value: float, n: int) -> np.ndarray:
    """A constant 'utterance' whose level identifies it in the output."""
    return np.full(n, value, dtype=np.float32)


def run(q: SpeechQueue, blocks: int) -> np.ndarray:
    return np.concatenate([q.read(BLOCK) for _ in range(blocks)])


def test_idle_queue_reads_silence() -> None:
    q = SpeechQueue(RATE)
    out = q.read(BLOCK)
    assert out.dtype == np.float32 and out.shape == (BLOCK,) and not out.any()
    assert not q.busy and q.last_sound_end == 0 and q.frames_read == BLOCK


def test_utterances_play_in_order_without_overlap_or_gap() -> None:
    q = SpeechQueue(RATE)
    a = q.push(tone(0.1, 700))
    b = q.push(tone(0.2, 300))
    c = q.push(tone(0.3, 1000))
    out = run(q, 5)
    expected = np.concatenate([tone(0.1, 700), tone(0.2, 300), tone(0.3, 1000)])
    np.testing.assert_allclose(out[:2000], expected)
    assert not out[2000:].any()
    assert q.pop_finished() == [Finished(a, True), Finished(b, True), Finished(c, True)]
    assert q.pop_finished() == []
    assert not q.busy
    assert q.last_sound_end == 4 * BLOCK  # the block holding the last sample


def test_ids_are_unique_and_reserved_ids_are_kept() -> None:
    q = SpeechQueue(RATE)
    reserved = q.new_id()
    ids = [q.push(tone(0.1, 10)) for _ in range(3)] + [q.push(tone(0.1, 10), id=reserved)]
    assert len(set(ids)) == 4 and ids[-1] == reserved


def test_higher_priority_preempts_lower_one_that_is_playing() -> None:
    q = SpeechQueue(RATE)
    chatter = q.push(tone(0.1, 10 * BLOCK), Priority.CHATTER)
    q.read(BLOCK)  # chatter is now playing
    timing = q.push(tone(0.5, BLOCK), Priority.TIMING)
    out = q.read(BLOCK)
    # the chatter fades out over a few ms under the new item, then only the timing item remains
    np.testing.assert_allclose(out[FADE:], 0.5)
    assert out[0] == pytest.approx(0.6, abs=1e-6)
    assert q.pop_finished() == [Finished(chatter, False), Finished(timing, True)]
    q.read(BLOCK)
    assert not q.busy  # the cut chatter does not come back


def test_equal_or_lower_priority_waits_its_turn() -> None:
    q = SpeechQueue(RATE)
    first = q.push(tone(0.2, BLOCK), Priority.ANSWER)
    q.read(BLOCK // 2)
    same = q.push(tone(0.3, BLOCK), Priority.ANSWER)
    lower = q.push(tone(0.1, BLOCK), Priority.CHATTER)
    out = q.read(3 * BLOCK)
    np.testing.assert_allclose(out[: BLOCK // 2], 0.2)
    np.testing.assert_allclose(out[BLOCK // 2: 3 * BLOCK // 2], 0.3)
    np.testing.assert_allclose(out[3 * BLOCK // 2: 5 * BLOCK // 2], 0.1)
    assert [f.id for f in q.pop_finished()] == [first, same, lower]


def test_queued_items_are_ordered_by_priority_then_arrival() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.9, BLOCK), Priority.TIMING)  # playing first, never preempted by lower
    q.read(1)
    c1 = q.push(tone(0.1, 10), Priority.CHATTER)
    a1 = q.push(tone(0.2, 10), Priority.ANSWER)
    c2 = q.push(tone(0.1, 10), Priority.CHATTER)
    a2 = q.push(tone(0.2, 10), Priority.ANSWER)
    run(q, 2)
    assert [f.id for f in q.pop_finished()][1:] == [a1, a2, c1, c2]


def test_stop_cuts_within_one_block_and_drops_the_queue() -> None:
    q = SpeechQueue(RATE)
    current = q.push(tone(0.4, 100 * BLOCK))
    queued = q.push(tone(0.4, 100 * BLOCK))
    q.read(BLOCK)
    assert q.stop() == [current, queued]
    out = q.read(BLOCK)
    assert np.abs(out[FADE:]).max() == 0.0  # silent after a 5 ms fade
    assert np.all(np.diff(out[:FADE]) <= 0)  # the fade only goes down: no click
    assert q.pop_finished() == [Finished(current, False), Finished(queued, False)]
    assert not q.busy
    assert not run(q, 3).any()


def test_stop_keeps_earcons_and_later_pushes_play() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.4, 100 * BLOCK))
    q.read(BLOCK)
    q.push_earcon(tone(0.05, 2 * BLOCK))
    q.stop()
    after = q.push(tone(0.3, BLOCK))
    out = run(q, 3)
    np.testing.assert_allclose(out[FADE:BLOCK], 0.35)  # new speech + earcon, old speech gone
    np.testing.assert_allclose(out[BLOCK:2 * BLOCK], 0.05)
    assert Finished(after, True) in q.pop_finished()


def test_earcons_mix_on_top_of_speech() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.2, 2 * BLOCK))
    q.push_earcon(tone(0.1, BLOCK // 2))
    q.push_earcon(tone(0.05, BLOCK // 4))
    out = q.read(BLOCK)
    np.testing.assert_allclose(out[: BLOCK // 4], 0.35)
    np.testing.assert_allclose(out[BLOCK // 4: BLOCK // 2], 0.3)
    np.testing.assert_allclose(out[BLOCK // 2:], 0.2)
    assert q.pop_finished() == []  # earcons are not utterances


def test_earcon_alone_marks_busy_and_sound() -> None:
    q = SpeechQueue(RATE)
    q.push_earcon(tone(0.1, BLOCK + 10))
    assert q.busy
    q.read(BLOCK)
    q.read(BLOCK)
    assert not q.busy and q.last_sound_end == 2 * BLOCK
    q.read(BLOCK)
    assert q.last_sound_end == 2 * BLOCK and q.frames_read == 3 * BLOCK


def test_volume_steps_scale_output_and_are_clamped() -> None:
    q = SpeechQueue(RATE)
    q.volume_steps = -2
    q.push(tone(0.5, 10 * BLOCK))
    out = q.read(BLOCK)  # set while silent: applies from the first sample, no ramp
    np.testing.assert_allclose(out, 0.5 * gain_for_steps(-2), rtol=1e-5)
    assert gain_for_steps(-2) == pytest.approx(0.501, abs=1e-3)  # 3 dB per step
    q.volume_steps = 100
    assert q.volume_steps == MAX_VOLUME_STEPS
    q.volume_steps = -100
    assert q.volume_steps == MIN_VOLUME_STEPS


def test_volume_change_ramps_instead_of_jumping() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.5, 10 * BLOCK))
    q.read(BLOCK)
    q.volume_steps = -4
    out = q.read(BLOCK)
    assert out[0] == pytest.approx(0.5, rel=1e-3)
    assert out[-1] == pytest.approx(0.5 * gain_for_steps(-4), rel=1e-3)
    assert np.all(np.diff(out) <= 1e-7)


def test_output_is_clipped_to_full_scale() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.9, BLOCK))
    q.push_earcon(tone(0.9, BLOCK))
    assert np.abs(q.read(BLOCK)).max() <= 1.0


def test_int16_and_empty_input() -> None:
    q = SpeechQueue(RATE)
    a = q.push(np.full(BLOCK, 16384, dtype=np.int16))
    b = q.push(np.zeros(0, dtype=np.float32))
    np.testing.assert_allclose(q.read(BLOCK), 0.5)
    q.read(BLOCK)
    assert q.pop_finished() == [Finished(a, True), Finished(b, True)]


def test_notify_fires_when_something_finishes() -> None:
    calls: list[int] = []
    q = SpeechQueue(RATE, notify=lambda: calls.append(1))
    q.push(tone(0.1, 10))
    assert calls == []
    q.read(BLOCK)
    assert calls == [1]
    q.push(tone(0.1, 10 * BLOCK))
    q.stop()
    assert len(calls) >= 2


def test_preempting_during_a_fade_keeps_output_bounded() -> None:
    q = SpeechQueue(RATE)
    q.push(tone(0.3, 10 * BLOCK), Priority.CHATTER)
    q.read(BLOCK)
    q.push(tone(0.3, 10 * BLOCK), Priority.ANSWER)
    q.read(10)  # the answer starts while the chatter fades
    q.push(tone(0.3, BLOCK), Priority.TIMING)
    out = q.read(BLOCK)
    assert np.abs(out).max() <= 0.9 + 1e-6
    np.testing.assert_allclose(out[2 * FADE:], 0.3)


def test_concurrent_pushes_and_reads_lose_nothing() -> None:
    q = SpeechQueue(RATE)
    ids: list[int] = []

    def producer() -> None:
        for _ in range(200):
            ids.append(q.push(tone(0.01, 37)))

    threads = [threading.Thread(target=producer) for _ in range(4)]
    for t in threads:
        t.start()
    finished: list[Finished] = []
    while any(t.is_alive() for t in threads) or q.busy:
        q.read(BLOCK)
        finished += q.pop_finished()
    for t in threads:
        t.join()
    finished += q.pop_finished()
    assert sorted(f.id for f in finished) == sorted(ids) and len(ids) == 800
    assert all(f.completed for f in finished)


def test_resample_keeps_duration_and_shape() -> None:
    x = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    y = resample(x, 22050, 48000)
    assert len(y) == 48000 and y.dtype == np.float32
    expected = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)
    error = np.abs(y - expected)
    assert error[96:-96].max() < 0.001  # band-limited; the first and last 2 ms ring a little
    assert error.max() < 0.2
    assert resample(x, 22050, 22050) is x or np.array_equal(resample(x, 22050, 22050), x)
