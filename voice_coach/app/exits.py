"""Exits that cannot hang.

Three things used to keep a stopped coach alive: a signal caught on one of the audio libraries'
threads waited until the main thread next woke up; closing a stream could block on the sound
server (PulseAudio in the middle of a reconnect); and so could sounddevice's exit hook
(Pa_Terminate). So the main loop wakes up a few times a second, audio is closed on worker threads
with a deadline, PortAudio is shut down the same way instead of by its exit hook, and when any of
that is still stuck the process leaves with `os._exit` once the session is saved and the log
closed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_coach.app.runtime import Runtime

SIGNAL_POLL = 0.1  # the main thread wakes this often, so a signal lands within this delay
AUDIO_CLOSE_TIMEOUT = 0.4  # mic and speaker, side by side
PORTAUDIO_TIMEOUT = 0.2
_stuck: list[threading.Thread] = []  # closers that missed their deadline


def stop_on_signals() -> None:
    """SIGTERM (and SIGHUP, a closed terminal) exit with 128 + the signal, SIGINT raises
    KeyboardInterrupt; once: a repeat while shutting down (which is bounded) is ignored."""
    ours = [signal.SIGTERM] + [s for s in (signal.SIGINT, signal.SIGHUP)
                               if signal.getsignal(s) is not signal.SIG_IGN]  # keep nohup's

    def handler(signum: int, _frame: object) -> None:
        for s in ours:
            signal.signal(s, signal.SIG_IGN)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    for s in ours:
        signal.signal(s, handler)


def run_awake(runtime: Runtime) -> None:
    """`runtime.run()`, waking every SIGNAL_POLL s: Python acts on a signal only in the main
    thread, and one delivered to another thread (audio libraries start their own) would
    otherwise wait for the next timer or utterance."""
    from voice_coach.core.events import Started

    runtime.dispatch(Started(runtime.clock.now()))
    while not runtime.finished and runtime.step(SIGNAL_POLL):
        pass


def close_within(*closers: Callable[[], object], timeout: float = AUDIO_CLOSE_TIMEOUT) -> bool:
    """Run `closers` side by side on daemon threads; False if any missed the deadline."""
    threads = [threading.Thread(target=_quietly, args=(close,), name="closing", daemon=True)
               for close in closers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    late = [t for t in threads if t.is_alive()]
    _stuck.extend(late)
    return not late


def release_audio(timeout: float = PORTAUDIO_TIMEOUT) -> bool:
    """Shut PortAudio down within `timeout`, in place of sounddevice's exit hook; False when
    some audio shutdown is still stuck (the process must then leave with `os._exit`)."""
    sd = sys.modules.get("sounddevice")
    hook = getattr(sd, "_exit_handler", None) or getattr(sd, "_terminate", None)
    if hook is not None:
        atexit.unregister(hook)
    if any(t.is_alive() for t in _stuck):
        return False  # Pa_Terminate would wait on what the stuck close waits on
    return hook is None or close_within(hook, timeout=timeout)


def leave(code: int) -> int:
    """`code`, once nothing left can hang the exit; otherwise end the process right here."""
    if release_audio():
        return code
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _quietly(close: Callable[[], object]) -> None:
    try:
        close()
    except Exception as exc:  # a device that fails to close is still left behind
        print(f"voice-coach: while closing audio: {exc}", file=sys.stderr, flush=True)
