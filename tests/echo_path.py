"""A loudspeaker beside the microphone, on the private PulseAudio: the coach's own voice comes
back into its mic as it would in a room.

What the `speaker` sink plays is recorded from its monitor, delayed, put through a room's
reverberation (an impulse response rendered with sox, `tests/data/echo/README.md`), turned down,
mixed with room noise and played into the `room` sink, whose monitor is the coach's microphone.
The delay is the whole path's, the plumbing's own latency included (measured with a click at
start-up and topped up to the asked-for value).

    with EchoPath(pulse, delay=0.05, gain_db=-10, noise="running_tap.wav", noise_db=-45):
        ...   # the coach now hears itself

A `Recorder` on `room.monitor` (`path.mic`) keeps what the microphone heard.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

try:
    import children
    from pulse import RATE, PulseAudio, Recorder
except ImportError:  # imported as tests.echo_path (the benchmark)
    from tests import children
    from tests.pulse import RATE, PulseAudio, Recorder

from voice_coach.adapters.tts import read_wav
from voice_coach.pcm import resample

DATA = Path(__file__).parent / "data"
ROOM_IR = DATA / "echo" / "room_ir.wav"
CHUNK = 160  # 10 ms
CUSHION_MS = 50  # what the room's player holds: it outlasts most of the pump's stalls


def load_16k(path: Path) -> np.ndarray:
    samples, rate = read_wav(path)
    return resample(samples, rate, RATE)


def room_ir() -> np.ndarray:
    """The room: the direct sound at 1.0, then sox's reverberation."""
    ir = load_16k(ROOM_IR).astype(np.float64)
    return ir / np.max(np.abs(ir))


class _Convolver:
    """Streaming FFT overlap-add convolution with a fixed impulse response."""

    def __init__(self, ir: np.ndarray) -> None:
        self.ir = ir
        self.tail = np.zeros(len(ir) - 1)
        self._spectra: dict[int, np.ndarray] = {}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n = len(x) + len(self.ir) - 1
        size = 1 << (n - 1).bit_length()
        if size not in self._spectra:
            self._spectra[size] = np.fft.rfft(self.ir, size)
        y = np.fft.irfft(np.fft.rfft(x, size) * self._spectra[size], size)[:n]
        y[:len(self.tail)] += self.tail
        self.tail = y[len(x):].copy()
        return y[:len(x)]


class EchoPath:
    """Speaker monitor -> delay, reverb, gain, noise -> room. A context manager."""

    def __init__(self, pulse: PulseAudio, delay: float = 0.05, gain_db: float = -10.0,
                 reverb: bool = True, noise: str | None = None, noise_db: float = -45.0,
                 record_mic: bool = True) -> None:
        self.pulse, self.delay, self.gain = pulse, delay, 10 ** (gain_db / 20)
        self.convolve = _Convolver(room_ir() if reverb else np.ones(1))
        self.noise = None
        if noise is not None:
            clip = load_16k(DATA / "noise" / noise).astype(np.float64)
            rms = float(np.sqrt(np.mean(clip ** 2)))
            self.noise = clip * (10 ** (noise_db / 20) / rms)
        self._noise_at = 0
        self.mic = Recorder(f"{pulse.room}.monitor") if record_mic else None
        self.plumbing = 0.0  # the path's own latency before any added delay (measured)
        self._procs: list[subprocess.Popen] = []
        self._thread: threading.Thread | None = None
        self._running = False
        self._extra = 0

    def _spawn(self, argv: list[str], **kw) -> subprocess.Popen:
        proc = children.spawn(argv, env=self.pulse.env, **kw)
        self._procs.append(proc)
        return proc

    def start(self) -> EchoPath:
        if self.mic is not None:  # before the player: a recorder started on a monitor that
            self.mic.start(self.pulse.env)  # is already playing heard only silence here
        raw = ["--raw", "--format=s16le", f"--rate={RATE}", "--channels=1"]
        self._rec = self._spawn(["parecord", f"--device={self.pulse.speaker}.monitor", *raw,
                                 "--latency-msec=10"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._play = self._spawn(["pacat", "--playback", f"--device={self.pulse.room}", *raw,
                                  f"--latency-msec={CUSHION_MS * 2}"],
                                 stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._running = True
        self._thread = threading.Thread(target=self._pump, name="echo-path", daemon=True)
        self._thread.start()
        self.plumbing = self._measure_plumbing()
        self._extra = max(0, int(round((self.delay - self.plumbing) * RATE)))
        return self

    def _pump(self) -> None:
        assert self._rec.stdout is not None and self._play.stdin is not None
        fd = self._rec.stdout.fileno()
        # A head start: the player is fed at exactly the rate it plays, so whatever it holds
        # now it holds for good. An underrun (the pump held up on a busy machine) would add
        # its length to the echo's delay for the rest of the run (measured with a 40 ms head
        # start and the player's latency at 10 ms: 170 ms growing to over a second in 20 s),
        # which no room does. With this cushion the delay held at 52 ms with one 20 ms step
        # in 60 s, and the coach's reference stayed aligned with it to the sample.
        self._play.stdin.write(bytes(2 * RATE * CUSHION_MS // 1000))
        pending = b""
        delayed = np.zeros(0)
        while self._running:
            chunk = os.read(fd, 4096)
            if not chunk:
                return
            pending += chunk
            n = len(pending) // 2
            if not n:
                continue
            x = np.frombuffer(pending[:2 * n], dtype="<i2") / 32768.0
            pending = pending[2 * n:]
            wet = self.convolve(x) * self.gain
            delayed = np.concatenate([delayed, wet])
            # the added delay: hold back `_extra` samples (grows once, then stays)
            out, delayed = delayed[:max(0, len(delayed) - self._extra)], \
                delayed[max(0, len(delayed) - self._extra):]
            if self.noise is not None and len(out):
                idx = (self._noise_at + np.arange(len(out))) % len(self.noise)
                out = out + self.noise[idx]
                self._noise_at += len(out)
            pcm = np.clip(np.round(out * 32768), -32768, 32767).astype("<i2").tobytes()
            try:
                self._play.stdin.write(pcm)
                self._play.stdin.flush()
            except (BrokenPipeError, ValueError):
                return

    def _measure_plumbing(self) -> float:
        """Play a click on the speaker and time its echo in the room (no added delay yet)."""
        if self.mic is None:
            return 0.0
        click = np.zeros(RATE // 2, dtype=np.int16)  # a 10 ms burst after 0.2 s of silence
        click[RATE // 5:RATE // 5 + 160] = (20000 * np.sin(np.arange(160) / 3)).astype(np.int16)
        proc = children.spawn(["pacat", "--playback", f"--device={self.pulse.speaker}", "--raw",
                               "--format=s16le", f"--rate={RATE}", "--channels=1",
                               "--latency-msec=10"], stdin=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=self.pulse.env)
        with self.pulse.capture(tail=0.6) as spk:
            assert proc.stdin is not None
            proc.stdin.write(click.tobytes())
            proc.stdin.close()
            proc.wait(5)
        time.sleep(0.3)
        played = np.flatnonzero(np.abs(spk.samples) > 0.1)
        heard = self.mic.between(spk.start, spk.end)
        echo = np.flatnonzero(np.abs(heard) > 0.02)
        if not len(played) or not len(echo):
            raise RuntimeError(f"the echo path's click was not heard ({len(played)}, {len(echo)})")
        return max(0.0, (echo[0] - played[0]) / RATE)

    def stop(self) -> None:
        self._running = False
        if self.mic is not None:
            self.mic.stop()
        while self._procs:
            with contextlib.suppress(OSError):
                children.stop(self._procs.pop(), timeout=1.0)
        if self._thread is not None:
            self._thread.join(2.0)

    def __enter__(self) -> EchoPath:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
