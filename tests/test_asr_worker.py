"""The speech engine in its own process: same answers as in the coach's process, the audio
threads keep running during a decode, a dead or failing worker costs one utterance."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from audio_util import espeak_available, pad, render

from voice_coach.asr.base import EngineError
from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine
from voice_coach.asr.worker import EngineProcess
from voice_coach.content.intents import Grammar
from voice_coach.content.programs import load_program

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]

CUE = "what's the cue"  # heard right by every engine state in these tests
SENTENCES = ("what's the cue", "next drill", "rest thirty seconds", "how much time is left")


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.load(load_program("hip-hinge"))


@pytest.fixture(scope="module")
def worker(grammar: Grammar) -> Iterator[EngineProcess]:
    with EngineProcess("pocketsphinx", grammar) as engine:
        yield engine


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("renders")
    return {text: pad(render(text, folder)) for text in SENTENCES}


def test_the_worker_decodes_as_the_engine_does(worker: EngineProcess, grammar: Grammar,
                                                clips: dict[str, np.ndarray]) -> None:
    local = PocketsphinxEngine(grammar)
    assert worker.name == "pocketsphinx"
    for samples in clips.values():
        theirs, ours = worker.decode(samples), local.decode(samples)
        assert [h.text for h in theirs] == [h.text for h in ours]
        assert theirs[0].details["confidence"] == pytest.approx(ours[0].details["confidence"])
    assert worker.decode(clips[CUE])[0].text == CUE  # heard, not just equally wrong


def test_streaming_through_the_worker(worker: EngineProcess,
                                      clips: dict[str, np.ndarray]) -> None:
    samples = clips["how much time is left"]
    worker.start_utterance()
    partials = [worker.feed(samples[i:i + 480]) for i in range(0, len(samples), 480)]
    assert partials[0] in (None, "") and partials[-1]
    final = worker.finish()
    assert len(final) == 1 and final[0].text.startswith("how much")
    assert 0 <= final[0].details["confidence"] <= 1
    assert worker.finish() == []  # nothing open any more


def _longest_pause_during(decode: callable) -> float:  # type: ignore[valid-type]
    """The longest a thread that wakes every 2 ms was held off while `decode` ran."""
    gaps: list[float] = []
    done = threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        decode()
    finally:
        done.set()
        ticker.join()
    return max(gaps)


def test_other_threads_run_while_the_worker_decodes(worker: EngineProcess, grammar: Grammar,
                                                    clips: dict[str, np.ndarray]) -> None:
    """The reason for the worker: in-process decoding holds the interpreter lock. Compared
    within this test (the same decodes, the same machine load), the worker's decodes hold the
    other thread off far less than the in-process ones do."""
    long = np.concatenate(list(clips.values()))  # ~6 s: a long in-process stall
    local = PocketsphinxEngine(grammar)
    in_process = _longest_pause_during(lambda: local.decode(long))
    in_worker = _longest_pause_during(lambda: worker.decode(long))
    assert in_process > 0.1
    assert in_worker < in_process / 3


def test_a_dead_worker_costs_one_utterance(grammar: Grammar,
                                           clips: dict[str, np.ndarray]) -> None:
    with EngineProcess("pocketsphinx", grammar) as engine:
        first = engine.worker_pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        with pytest.raises(EngineError, match="stopped unexpectedly"):
            engine.decode(clips[CUE])
        assert engine.decode(clips[CUE])[0].text == CUE
        assert engine.worker_pid not in (None, first)


def test_ctrl_c_is_left_to_the_coach(worker: EngineProcess,
                                     clips: dict[str, np.ndarray]) -> None:
    """A terminal's Ctrl-C reaches every process of the group: the worker ignores it."""
    pid = worker.worker_pid
    assert pid is not None
    os.kill(pid, signal.SIGINT)
    time.sleep(0.2)
    assert worker.decode(clips[CUE])[0].text == CUE
    assert worker.worker_pid == pid


def test_an_engine_that_cannot_start_says_why(grammar: Grammar, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="not a Vosk model folder"):
        EngineProcess("vosk", grammar, model=str(tmp_path / "missing"))
