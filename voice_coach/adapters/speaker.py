"""The coach's voice: one long-lived sounddevice output stream fed by the speech queue.

`say` returns at once: text is rendered by the synthesizer on a worker thread and then queued.
The stream stays open for the whole session (no clipped first syllable), runs small blocks so
`stop_speaking` is heard within a block or two, and is reopened in the background if the device
goes away. Nothing here raises into the coach once the speaker is constructed.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice_coach.adapters import tts
from voice_coach.adapters.devices import load_sounddevice
from voice_coach.adapters.earcons import Earcons
from voice_coach.adapters.echo import EchoReference, SampleClock
from voice_coach.adapters.mixer import SpeechQueue
from voice_coach.core.events import Priority
from voice_coach.pcm import resample
from voice_coach.ports import Synthesizer
from voice_coach.workers import sigint_ignored

SPEECH_PEAK = 0.5  # utterances are normalised to -6 dBFS, leaving headroom for volume steps
LINGER = 0.3  # `speaking` stays true this long after the last sound (room echo, mic lag)
HEALTH_TIMEOUT = 2.0  # no callback for this long on an active stream: treat it as lost
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(order=True)
class _Job:
    order: tuple[int, int]
    id: int = field(compare=False)
    text: str = field(compare=False)
    priority: int = field(compare=False)
    generation: int = field(compare=False)


_STOP = _Job((-(1 << 30), -1), 0, "", 0, -1)  # sorts first: ends the render thread


class Speaker:
    """Speaks and plays earcons on an output device. Thread-safe; never blocks the caller."""

    def __init__(self, synth: Synthesizer | None = None, device: int | str | None = None,
                 *, samplerate: int | None = None, blocksize: int | None = None,
                 rate: int = tts.DEFAULT_RATE, voice: str = tts.DEFAULT_VOICE,
                 volume_steps: int = 0,
                 on_finished: Callable[[int, bool], None] | None = None,
                 earcon_dir: Path | None = None, linger: float = LINGER,
                 latency: float | str = "low",
                 echo_reference: EchoReference | None = None) -> None:
        self._sd = load_sounddevice()
        self._owns_synth = synth is None
        if synth is None:
            with sigint_ignored():  # inherited by the speech worker process it starts
                synth = tts.Pyttsx3Synthesizer()
        self.synth = synth
        self.device = device
        self.rate, self.voice = rate, voice
        self.on_finished = on_finished
        self.linger = linger
        self.echo_reference = echo_reference  # told every block played (echo cancellation)
        self._want_rate, self._want_block, self._want_latency = samplerate, blocksize, latency
        self._earcons = Earcons(earcon_dir)

        self._wake = threading.Event()
        self.queue = SpeechQueue(samplerate or synth.samplerate, volume_steps, self._wake.set)
        self._stream = None
        self._latency = 0.0
        self._clock = SampleClock(self.queue.samplerate)  # steady play times for echo_reference
        self._last_callback = self._last_sound = 0.0
        self.underruns = 0  # blocks the device asked for too late (crackles): tune `latency`
        self._lost = False
        self._warned: set[str] = set()

        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._generation = 0
        self._jobs: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._rendering = 0
        self._lock = threading.Lock()
        self._dropped: deque[tuple[int, bool]] = deque()
        self._closed = False

        self._open()
        self._renderer = threading.Thread(target=self._render_loop, name="speaker-tts", daemon=True)
        self._watcher = threading.Thread(target=self._watch_loop, name="speaker", daemon=True)
        self._renderer.start()
        self._watcher.start()

    # ---- the coach's Output API

    def say(self, text: str, priority: int = Priority.ANSWER) -> int:
        """Queue `text`; returns the id later reported to `on_finished`."""
        uid = next(self._ids)
        if self._closed:
            return uid
        with self._lock:
            self._rendering += 1
            job = _Job((-int(priority), next(self._seq)), uid, text, int(priority),
                       self._generation)
        self._jobs.put(job)
        return uid

    def play(self, earcon: str) -> None:
        samples = self._earcons.get(earcon, self.queue.samplerate)
        if samples is None:
            self._warn(f"earcon:{earcon}", f"no earcon named {earcon!r}")
        elif self._stream is not None:
            self.queue.push_earcon(samples)

    def stop_speaking(self) -> None:
        """Cut the current utterance and drop everything queued or still rendering."""
        with self._lock:
            self._generation += 1
        self.queue.stop()

    def set_voice(self, rate_steps: int = 0, volume_steps: int = 0) -> None:
        """Relative change: +1 faster/louder, -1 slower/quieter."""
        self.rate = tts.step_rate(self.rate, rate_steps)
        self.queue.volume_steps = self.queue.volume_steps + volume_steps

    def duck(self, on: bool = True) -> None:
        """Turn the voice down (the user is talking over it) or back up; nothing is cut."""
        self.queue.ducked = on

    # ---- extras

    @property
    def speaking(self) -> bool:
        """True while speech is rendering, queued or playing, and for `linger` s after."""
        return (self._rendering > 0 or self.queue.busy
                or time.monotonic() < self._last_sound + self.linger)

    @property
    def last_sound_time(self) -> float:
        """`time.monotonic()` when the last sound is expected to have left the speaker."""
        return self._last_sound

    @property
    def stream_ok(self) -> bool:
        return self._stream is not None and not self._lost

    @property
    def samplerate(self) -> int:
        return self.queue.samplerate

    def prerender(self, texts: Iterable[str]) -> threading.Thread | None:
        """Warm the synthesizer's cache with phrases at the current rate and voice."""
        pre = getattr(self.synth, "prerender", None)
        return pre(texts, self.rate, self.voice) if pre is not None else None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is being said (tests and demos); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.speaking:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def release(self) -> None:
        """Stop playing and give the device back; the speech engine is left running."""
        with self._lock:
            if self._closed:
                return
            self._closed = True  # from here on nothing reopens the stream
        self._jobs.put(_STOP)
        self._wake.set()
        self._close_stream()
        self._watcher.join(2.0)  # it may be reopening the stream right now

    def close(self) -> None:
        """`release`, then end the render thread and the speech engine (when it is ours)."""
        self.release()
        self._renderer.join(2.0)
        if self._owns_synth:
            close = getattr(self.synth, "close", None)
            if close:
                close()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- stream

    def _open(self) -> bool:
        """Open the output stream; on failure leave it closed for the watcher to retry."""
        sd = self._sd
        try:
            info = sd.query_devices(self.device, "output")
            rates = [r for r in (self._want_rate, self.synth.samplerate,
                                 int(info["default_samplerate"])) if r]
            last: Exception | None = None
            for rate, channels in itertools.product(dict.fromkeys(rates), (1, 2)):
                if channels > info["max_output_channels"]:
                    continue
                block = self._want_block or (512 if rate <= 24000 else 1024)
                try:
                    stream = sd.OutputStream(
                        device=self.device, samplerate=rate, channels=channels,
                        dtype="float32", blocksize=block, latency=self._want_latency,
                        callback=self._callback, finished_callback=self._wake.set)
                except sd.PortAudioError as exc:
                    last = exc
                    continue
                if rate != self.queue.samplerate:
                    old = self.queue
                    self.queue = SpeechQueue(rate, old.volume_steps, self._wake.set)
                    self.queue.ducked = old.ducked
                self._last_callback = time.monotonic()
                self._clock = SampleClock(rate)
                stream.start()
                with self._lock:
                    if not self._closed:
                        self._stream, self._latency = stream, float(stream.latency)
                        self._lost = False
                        return True
                stream.abort()  # closed while it was opening
                stream.close()
                return False
            raise last or sd.PortAudioError("no usable output format")
        except Exception as exc:  # unknown device, device busy, PortAudio errors
            self._warn("stream", f"speaker unavailable ({exc}); retrying in the background")
            self._stream = None
            return False

    def _close_stream(self) -> None:
        with self._lock:  # the watcher and close() may both get here: close it once
            stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.abort()
                stream.close()

    def _callback(self, outdata: np.ndarray, frames: int, stamps, status) -> None:
        try:
            q = self.queue
            block = q.read(frames)
            outdata[:] = block[:, None]
            now = time.monotonic()
            self._last_callback = now
            if status.output_underflow:
                self.underruns += 1
                self._clock.restart()  # the speaker fell silent: the count starts again
            if self.echo_reference is not None:  # PortAudio's figure for this block, if any
                lag = stamps.outputBufferDacTime - stamps.currentTime
                lag = lag if 0 < lag < 1 else self._latency
                self.echo_reference.write(block, q.samplerate,
                                          self._clock.stamp(frames, now + lag))
            if q.last_sound_end == q.frames_read:
                self._last_sound = now + self._latency
        except Exception:
            outdata.fill(0)

    def _healthy(self) -> bool:
        stream = self._stream
        if stream is None:
            return False
        try:
            active = stream.active
        except Exception:
            return False
        return active and time.monotonic() - self._last_callback < HEALTH_TIMEOUT

    # ---- background threads

    def _watch_loop(self) -> None:
        """Deliver finished ids; notice a lost stream and reopen it with backoff."""
        attempt, retry_at = 0, 0.0
        while not self._closed:
            self._wake.wait(0.25)
            self._wake.clear()
            if self._closed:
                break
            self._deliver_finished()
            if self._healthy():
                attempt = 0
                continue
            now = time.monotonic()
            if self._stream is not None:
                self._lost = True
                self._close_stream()
                self.queue.clear()  # nobody will hear it: report it as not completed
                self._deliver_finished()
                self._warn("lost", "speaker stream stopped; reopening it")
                retry_at = now
            if now >= retry_at and self._open():
                attempt = 0
                self._warned.discard("stream")
                self._warned.discard("lost")
            elif now >= retry_at:
                retry_at = now + BACKOFF[min(attempt, len(BACKOFF) - 1)]
                attempt += 1
        self._deliver_finished()

    def _deliver_finished(self) -> None:
        done = [(f.id, f.completed) for f in self.queue.pop_finished()]
        with self._lock:
            done += list(self._dropped)
            self._dropped.clear()
        if self.on_finished is None:
            return
        for uid, completed in done:
            try:
                self.on_finished(uid, completed)
            except Exception as exc:  # a broken listener must not stop the speaker
                self._warn("listener", f"speech listener failed: {exc}")

    def _render_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            try:
                self._render_job(job)
            except Exception as exc:  # never let one utterance take the speaker down
                self._warn("render", f"could not play speech: {exc}")
                self._drop(job.id)
            finally:
                with self._lock:
                    self._rendering -= 1

    def _render_job(self, job: _Job) -> None:
        if job.generation != self._generation:
            self._drop(job.id)
            return
        try:
            samples = self.synth.render(job.text, self.rate, self.voice)
        except tts.TTSError as exc:
            self._warn("tts", f"speech engine failed ({exc}); showing text instead")
            print(f"coach: {job.text}", file=sys.stderr, flush=True)
            self.play("ack")
            self._drop(job.id)
            return
        self._warned.discard("tts")
        if self._stream is None and not self._closed:  # no device now: the text is all we have
            print(f"coach: {job.text}", file=sys.stderr, flush=True)
            self._drop(job.id)
            return
        peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
        if peak > 0:
            samples = samples * (SPEECH_PEAK / peak)
        q = self.queue
        samples = resample(samples, self.synth.samplerate, q.samplerate)
        with self._lock:  # checked and queued together, so a stop in between cannot miss it
            if job.generation == self._generation:
                q.push(samples, job.priority, id=job.id)
                return
        self._drop(job.id)

    def _drop(self, uid: int) -> None:
        with self._lock:
            self._dropped.append((uid, False))
        self._wake.set()

    # ---- messages

    def _warn(self, key: str, message: str) -> None:
        """Print a problem to stderr once per kind until it clears."""
        if key not in self._warned:
            self._warned.add(key)
            print(f"voice-coach: {message}", file=sys.stderr, flush=True)
