"""The live coach's speech engine, run in a process of its own.

pocketsphinx holds Python's interpreter lock for the whole of a decode: measured, a 230 ms
decode held a thread that wakes every 2 ms off for 198 ms (846 ms once in a live session). In
the coach's process that stalls every audio callback: the speaker underruns (the coach's voice
stutters), the echo canceller loses the time base it aligns the coach's voice by, and mic blocks
arrive in bursts. Here the engine decodes in a worker; the listening thread waits on a pipe,
which lets go of the lock, so the audio keeps its timing however long a decode takes.

The worker builds its engine from the same arguments as `open_engine`. A worker that dies or
hangs costs the utterance being decoded (one `EngineError`) and is started again for the next.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from voice_coach.asr.base import EngineError, Hypothesis
from voice_coach.content.intents import Grammar
from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import as_int16
from voice_coach.workers import sigint_ignored

STARTUP_TIMEOUT = 60.0  # importing and loading the models on a cold Raspberry Pi
REQUEST_TIMEOUT = 20.0  # far beyond any decode of a 4 s utterance: the worker is stuck
_OPERATIONS = ("start_utterance", "feed", "finish", "decode")


def _serve(conn: Connection, spec: tuple[Any, ...]) -> None:
    """The worker: open the engine, then answer requests until the coach closes the pipe (a
    coach that stopped before the engine was ready has closed it already: nothing to say)."""
    from voice_coach.asr.engines import open_engine

    try:
        try:
            engine = open_engine(*spec)
        except Exception as exc:  # a missing model, a grammar without pronunciations, ...
            conn.send(("fatal", str(exc) if isinstance(exc, VoiceCoachError)
                       else f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("ready", engine.name))
        while True:
            request = conn.recv()
            if request is None:
                return
            operation, audio = request
            try:
                args = () if audio is None else (np.frombuffer(audio, dtype=np.int16),)
                reply = ("ok", getattr(engine, operation)(*args))
            except Exception as exc:
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
    except (EOFError, OSError):  # the coach is gone
        return


class EngineProcess:
    """A `SpeechEngine` decoding in a worker process (`open_engine`'s arguments)."""

    def __init__(self, name: str, grammar: Grammar, model: str | None = None,
                 denoise: bool = False, search: str = "lm", wait: bool = True) -> None:
        """With `wait` False the worker starts loading while the caller gets on with other
        things; `wait_ready` (or the first request) then says whether it could start."""
        self._spec = (name, grammar, model, denoise, search)
        self.name = name
        self._lock = threading.Lock()  # one request at a time on the pipe
        self._conn: Connection | None = None
        self._proc: mp.process.BaseProcess | None = None
        self._ready = False
        self._start()
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Until the worker has its engine; EngineError (one line) if it cannot have one."""
        with self._lock:
            self._wait_ready()

    # ---- SpeechEngine

    def start_utterance(self) -> None:
        self._call("start_utterance")

    def feed(self, samples: np.ndarray) -> str | None:
        partial: str | None = self._call("feed", samples)
        return partial

    def finish(self) -> list[Hypothesis]:
        hyps: list[Hypothesis] = self._call("finish")
        return hyps

    def decode(self, samples: np.ndarray) -> list[Hypothesis]:
        hyps: list[Hypothesis] = self._call("decode", samples)
        return hyps

    # ---- the worker

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        with self._lock:
            self._stop(graceful=True)

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        with sigint_ignored():
            self._proc = ctx.Process(target=_serve, args=(child, self._spec),
                                     name="voice-coach-asr", daemon=True)
            self._proc.start()
        child.close()
        self._ready = False

    def _wait_ready(self) -> None:
        if self._conn is None:  # the last worker died: a new one
            self._start()
        if self._ready:
            return
        status, detail = self._reply(STARTUP_TIMEOUT, "starting")
        if status != "ready":
            self._stop(graceful=False)
            raise EngineError(detail)
        self.name, self._ready = detail, True

    def _call(self, operation: str, samples: np.ndarray | None = None) -> Any:
        assert operation in _OPERATIONS
        audio = None if samples is None else as_int16(samples).tobytes()
        with self._lock:
            self._wait_ready()
            assert self._conn is not None
            try:
                self._conn.send((operation, audio))
            except (OSError, ValueError):
                self._stop(graceful=False)
                raise EngineError("the speech engine stopped unexpectedly; restarting it"
                                  ) from None
            status, result = self._reply(REQUEST_TIMEOUT, "decoding")
        if status != "ok":
            raise EngineError(f"the speech engine failed: {result}")
        return result

    def _reply(self, timeout: float, doing: str) -> tuple[str, Any]:
        """The worker's answer (waiting on the pipe lets other threads run)."""
        assert self._conn is not None
        try:
            if self._conn.poll(timeout):
                reply: tuple[str, Any] = self._conn.recv()
                return reply
            why = f"took over {timeout:g} s while {doing}"
        except (EOFError, OSError):
            why = f"stopped unexpectedly while {doing}"
        self._stop(graceful=False)
        raise EngineError(f"the speech engine {why}; restarting it")

    def _stop(self, graceful: bool) -> None:
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            if graceful:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
            conn.close()
        if proc is not None:
            proc.join(1.0 if graceful else 0.0)
            if proc.is_alive():
                proc.kill()
                proc.join(2.0)
