"""Real pyttsx3/espeak-ng rendering through the worker process, and its disk cache."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from voice_coach.adapters.tts import (
    DEFAULT_RATE,
    MAX_RATE,
    MIN_RATE,
    SAMPLERATE,
    Pyttsx3Synthesizer,
    TTSError,
    cache_dir,
    read_wav,
    step_rate,
)

pytest.importorskip("pyttsx3")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tts-cache")


@pytest.fixture(scope="module")
def synth(cache: Path):
    try:
        s = Pyttsx3Synthesizer(cache=cache)
        s.render("ready")
    except TTSError as exc:
        pytest.skip(f"espeak-ng not usable here: {exc}")
    yield s
    s.close()


def test_render_is_speech_of_plausible_length(synth: Pyttsx3Synthesizer) -> None:
    text = "Keep a short string from your bellybutton to the bottom of your ribs."
    x = synth.render(text)
    seconds = len(x) / SAMPLERATE
    # 13 words at 165 wpm is ~4.7 s; espeak adds pauses at punctuation
    assert 2.5 < seconds < 8.0, seconds
    assert x.dtype == np.float32 and x.ndim == 1
    assert 0.05 < np.abs(x).max() <= 1.0
    voiced = np.mean(np.abs(x) > 0.02)
    assert voiced > 0.3, voiced


def test_rate_changes_duration(synth: Pyttsx3Synthesizer) -> None:
    text = "Three, two, one, rest over. Next set starts now."
    slow = synth.render(text, rate=MIN_RATE)
    fast = synth.render(text, rate=MAX_RATE)
    assert len(slow) > 1.5 * len(fast)


def test_cache_hit_is_fast_and_identical(synth: Pyttsx3Synthesizer, cache: Path) -> None:
    text = "Hinge at the hips, not the knees."
    assert not synth.is_cached(text)
    before = synth.renders
    first = synth.render(text)
    assert synth.renders == before + 1 and synth.is_cached(text)
    t = time.perf_counter()
    again = synth.render(text)
    hit = time.perf_counter() - t
    assert synth.renders == before + 1
    np.testing.assert_array_equal(first, again)
    assert hit < 0.02, hit
    # the WAV on disk serves a fresh synthesizer (next start-up) without re-rendering
    wavs = list(cache.glob("*.wav"))
    assert wavs and all(read_wav(p)[1] == SAMPLERATE for p in wavs)
    other = Pyttsx3Synthesizer(cache=cache, start=False)
    np.testing.assert_array_equal(other.render(text), first)
    assert other.renders == 0 and other.worker_pid is None


def test_cache_key_includes_voice_and_rate(synth: Pyttsx3Synthesizer) -> None:
    text = "Stand tall."
    a = synth.render(text, rate=150, voice="en-us")
    b = synth.render(text, rate=190, voice="en-us")
    c = synth.render(text, rate=150, voice="en-us+f3")
    assert len(a) != len(b) and not np.array_equal(a[: len(c)], c[: len(a)])


def test_thirty_renders_in_a_row_do_not_hang(synth: Pyttsx3Synthesizer) -> None:
    pid = synth.worker_pid
    t = time.monotonic()
    for i in range(30):
        x = synth.render(f"Set {i} of thirty, rest for {i + 10} seconds.")
        assert len(x) > SAMPLERATE // 2
    elapsed = time.monotonic() - t
    assert synth.worker_pid == pid  # one persistent worker did all of them
    assert elapsed < 15, elapsed
    print(f"30 renders: {elapsed:.2f} s")


def test_bad_voice_is_a_tts_error_and_the_engine_recovers(synth: Pyttsx3Synthesizer) -> None:
    with pytest.raises(TTSError) as err:
        synth.render("hello", voice="no-such-voice")
    assert "\n" not in str(err.value) and "no-such-voice" in str(err.value)
    assert len(synth.render("hello again")) > 0


def test_timeout_restarts_the_worker(synth: Pyttsx3Synthesizer) -> None:
    pid = synth.worker_pid
    synth.timeout = 1e-4
    try:
        with pytest.raises(TTSError, match="restarting"):
            synth.render("this render cannot finish in a tenth of a millisecond")
    finally:
        synth.timeout = 5.0
    assert synth.worker_pid is None
    x = synth.render("back again after a restart")
    assert len(x) > 0 and synth.worker_pid not in (None, pid)


def test_dead_worker_is_replaced_on_the_next_render(synth: Pyttsx3Synthesizer) -> None:
    synth.render("warm")
    proc = synth._proc
    assert proc is not None
    proc.kill()
    proc.join()
    assert len(synth.render("the worker is back for this one")) > 0
    assert synth.worker_pid not in (None, proc.pid)


def test_prerender_fills_the_cache_in_the_background(synth: Pyttsx3Synthesizer) -> None:
    words = ["three", "two", "one", "rest over", "Go!", "", "three"]
    thread = synth.prerender(words, rate=DEFAULT_RATE)
    thread.join(20)
    assert not thread.is_alive()
    assert all(synth.is_cached(w) for w in words if w)
    before = synth.renders
    synth.render("rest over")
    assert synth.renders == before


def test_memory_cache_stays_within_its_byte_budget(synth: Pyttsx3Synthesizer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import voice_coach.adapters.tts as tts

    monkeypatch.setattr(tts, "MEMORY_BYTES", 150_000)  # about three short phrases
    sizes = [synth.render(f"Set {n} of three.").nbytes for n in ("one", "two", "three", "four")]
    assert max(sizes) < tts.MEMORY_BYTES < sum(sizes)
    assert sizes[-1] <= synth.memory_bytes <= tts.MEMORY_BYTES
    synth.render("Set four of three.")  # the newest is still in memory: no engine needed
    assert synth.memory_bytes <= tts.MEMORY_BYTES


def test_empty_text_needs_no_engine(synth: Pyttsx3Synthesizer) -> None:
    assert len(synth.render("   ")) == 0


def test_closed_synthesizer_raises(cache: Path) -> None:
    s = Pyttsx3Synthesizer(cache=cache, start=False)
    s.close()
    with pytest.raises(TTSError):
        s.render("nobody home, a phrase never rendered before")


def test_rate_steps_are_clamped() -> None:
    assert step_rate(DEFAULT_RATE, 1) == DEFAULT_RATE + 20
    assert step_rate(DEFAULT_RATE, -1) == DEFAULT_RATE - 20
    assert step_rate(DEFAULT_RATE, 10) == MAX_RATE
    assert step_rate(DEFAULT_RATE, -10) == MIN_RATE


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("VOICE_COACH_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "tts"
    monkeypatch.delenv("VOICE_COACH_CACHE_DIR")
    assert cache_dir().name == "tts" and "voice-coach" in str(cache_dir())
