"""Microphone input with sounddevice: 16 kHz mono int16 blocks, reopened if the device goes away."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from voice_coach.adapters.echo import SampleClock
from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import resample, to_int16

if TYPE_CHECKING:
    from voice_coach.adapters.echo import EchoCanceller

BLOCK_SECONDS = 0.03


class MicError(VoiceCoachError):
    """No usable input device."""


class Microphone:
    """Captures at 16 kHz when the device allows it, else at its native rate, resampled."""

    def __init__(self, device: int | str | None = None,
                 canceller: EchoCanceller | None = None) -> None:
        self.device = device
        self.canceller = canceller  # removes the coach's own voice from each block
        # each block with the `time.monotonic()` at which its first sample was heard
        self._blocks: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(maxsize=400)
        self._closed = threading.Event()
        self._stream = None
        self._lock = threading.Lock()
        self._rate = RATE
        self.reopens = 0

    def _open(self) -> None:
        import sounddevice as sd

        try:
            sd.check_input_settings(device=self.device, samplerate=RATE, channels=1,
                                    dtype="int16")
            rate = RATE
        except Exception:
            info = sd.query_devices(self.device, "input")
            rate = int(info["default_samplerate"])
        self._rate = rate
        latency = [0.0]
        clock = SampleClock(rate)

        def callback(indata: np.ndarray, frames: int, stamps, status) -> None:
            # PortAudio's own figure for this block when it has one, else the stream's
            lag = stamps.currentTime - stamps.inputBufferAdcTime
            lag = lag if 0 < lag < 1 else latency[0] + frames / rate
            if status.input_overflow:  # samples were lost: the count starts again
                clock.restart()
            heard = clock.stamp(frames, time.monotonic() - lag)
            try:
                self._blocks.put_nowait((indata[:, 0].copy(), heard))
            except queue.Full:  # the consumer stalled: drop the oldest audio, keep the newest
                self._blocks.get_nowait()

        stream = sd.InputStream(device=self.device, samplerate=rate, channels=1, dtype="int16",
                                blocksize=int(rate * BLOCK_SECONDS), callback=callback)
        latency[0] = float(stream.latency)
        stream.start()
        with self._lock:
            if not self._closed.is_set():
                self._stream = stream
                return
        stream.close()  # closed while it was opening

    def open(self) -> None:
        """Open the device now; raise MicError with one line if there is none."""
        try:
            self._open()
        except Exception as exc:
            reason = str(exc) if self._any_input() else "no input device found"
            raise MicError(f"cannot open the microphone ({reason}); check `voice-coach devices`") \
                from None

    @staticmethod
    def _any_input() -> bool:
        try:
            import sounddevice as sd

            return any(d["max_input_channels"] > 0 for d in sd.query_devices())
        except Exception:
            return False

    def _reopen_with_backoff(self) -> None:
        delay = 0.5
        while not self._closed.is_set():
            try:
                self._open()
                self.reopens += 1
                print("voice-coach: microphone is back", file=sys.stderr)
                return
            except Exception:
                self._closed.wait(delay)
                delay = min(delay * 2, 5.0)

    @staticmethod
    def rescan() -> None:
        """Let PortAudio see devices plugged in since start-up."""
        import sounddevice as sd

        sd._terminate()
        sd._initialize()

    def frames(self) -> Iterator[np.ndarray]:
        """Yield int16 16 kHz blocks until closed; survive the device vanishing."""
        if self._stream is None:
            self.open()
        warned = False
        while not self._closed.is_set():
            try:
                block, heard = self._blocks.get(timeout=1.0)
            except queue.Empty:
                stream = self._stream
                if stream is not None and not stream.active and not self._closed.is_set():
                    if not warned:
                        print("voice-coach: microphone lost, waiting for it", file=sys.stderr)
                        warned = True
                    self._close_stream()
                    self._reopen_with_backoff()
                    warned = False
                continue
            if self._rate != RATE:
                block = to_int16(resample(block / 32768.0, self._rate, RATE))
            if self.canceller is not None:
                block = self.canceller.process(block, heard)
            yield block

    def _close_stream(self) -> None:
        with self._lock:  # the reopening listener and close() may both get here
            stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    def close(self) -> None:
        with self._lock:
            self._closed.set()
        self._close_stream()

