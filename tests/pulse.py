"""A private PulseAudio for live tests: real devices for sounddevice, no hardware needed.

Each `PulseAudio` starts its own daemon (`pulse_server.py`) and kills it when stopped; a sound
server already running on the machine is never used nor touched.

Two null sinks stand in for the world: `room` (its monitor is the coach's microphone, the
default source) and `speaker` (the default sink, where the coach talks). A recorder runs on
`speaker.monitor` while the fixture is up, each sample mapped to `time.monotonic()`, so a
test can say "what did the speaker play between t1 and t2".

    pulse = pulse_fixture()            # in a test module: a module-scoped fixture

    def test_x(pulse):
        with pulse.capture() as cap:   # record what the speaker plays inside the block
            ...
        cap.samples, cap.time_at(i), cap.index_at(t)
        pulse.play_into_room("cmd.wav")

Needs (apt) pulseaudio, pulseaudio-utils, libasound2-plugins; tests are skipped otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

try:
    import children
    from pulse_server import PulseServer, PulseUnavailable
except ImportError:  # imported as tests.pulse (the benchmark)
    from tests import children
    from tests.pulse_server import PulseServer, PulseUnavailable

RATE = 16000  # recordings are 16 kHz mono float32
GAP = 0.25  # a recorder this far behind the clock has had its source go silent


def pactl(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """`pactl ARGS` against the server `env` points at (default: os.environ's)."""
    try:
        result = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10,
                                env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if check:
            raise PulseUnavailable(f"pactl {' '.join(args)}: {exc}") from exc
        return ""
    if check and result.returncode != 0:
        raise PulseUnavailable(f"pactl {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout if result.returncode == 0 else ""


def rescan_sounddevice() -> None:
    """sounddevice lists devices once at import; re-initialise PortAudio to see new ones."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


class Recorder:
    """`parecord` on a source, read continuously; sample i was heard at `t0 + i / RATE`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.t0 = float("inf")
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def start(self, env: dict[str, str], warmup_timeout: float = 6.0) -> None:
        # a small latency makes the null sink render in ~10 ms steps instead of seconds
        self._proc = children.spawn(
            ["parecord", f"--device={self.source}", "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._thread = threading.Thread(target=self._read, name="parecord", daemon=True)
        self._thread.start()
        # data only flows once the idle sink has woken up (can take ~2 s): wait for steady flow
        deadline = time.monotonic() + warmup_timeout
        while time.monotonic() < deadline:
            if self.frames > RATE // 5:
                return
            time.sleep(0.02)
        self.stop()
        raise PulseUnavailable(f"no audio from {self.source} after {warmup_timeout:g} s")

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 1 << 16)  # a whole backlog at once, or it looks like a gap
            if not chunk:
                return
            now = time.monotonic()
            with self._lock:
                # a source that went quiet (moved to an idle monitor) sends nothing: fill the
                # gap with silence so that sample i is still heard at t0 + i / RATE
                gap = now - len(chunk) / 2 / RATE - (self.t0 + len(self._buf) / 2 / RATE)
                if self._buf and gap > GAP:
                    self._buf += bytes(2 * int(gap * RATE))
                self._buf += chunk
                # each chunk arrives after its last sample was captured: tightest bound wins
                self.t0 = min(self.t0, now - (len(self._buf) // 2) / RATE)

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc is not None else -1

    @property
    def frames(self) -> int:
        return len(self._buf) // 2

    def index_at(self, t: float) -> int:
        return max(0, int(round((t - self.t0) * RATE)))

    def between(self, start: float, end: float) -> np.ndarray:
        """What the source carried between two `time.monotonic()` instants."""
        a, b = self.index_at(start), self.index_at(end)
        with self._lock:
            raw = bytes(self._buf[2 * a:2 * b])
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0

    def stop(self) -> None:
        if self._proc is not None:
            children.stop(self._proc, timeout=2.0)
            self._proc = None
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None


class Capture:
    """Audio recorded during a `with pulse.capture()` block (plus a short tail)."""

    def __init__(self, recorder: Recorder, tail: float) -> None:
        self._rec, self._tail = recorder, tail
        self.samples = np.zeros(0, dtype=np.float32)
        self.start = self.end = 0.0

    def __enter__(self) -> Capture:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = time.monotonic() + self._tail
        # wait for the recorder to have caught up with `end` (chunks come every ~10 ms)
        deadline = self.end + 2.0
        while self._rec.frames < self._rec.index_at(self.end) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.samples = self._rec.between(self.start, self.end)

    def time_at(self, index: int | float) -> float:
        return self.start + index / RATE

    def index_at(self, t: float) -> int:
        return int(round((t - self.start) * RATE))


class PulseAudio:
    """A private PulseAudio server (see `PulseServer`) with `room` and `speaker` null sinks.

    `activate` points os.environ at it while it is up, so the coach and the tools reach it;
    `runtime` puts its socket in a given folder (where a coach may already be waiting);
    `record` runs the recorder on the speaker's monitor.
    """

    def __init__(self, room: str = "room", speaker: str = "speaker", runtime: Path | None = None,
                 activate: bool = True, record: bool = True) -> None:
        self.room, self.speaker = room, speaker
        self.server = PulseServer(runtime)
        self.activate, self.record = activate, record
        self.recorder = Recorder(f"{speaker}.monitor")
        self._players: list[subprocess.Popen] = []

    @property
    def env(self) -> dict[str, str]:
        """Environment for a process that should use this server."""
        return self.server.client_env()

    def pactl(self, *args: str, check: bool = True) -> str:
        return pactl(*args, env=self.env, check=check)

    def start(self) -> PulseAudio:
        try:
            self.server.start(activate=self.activate)
            for name in (self.room, self.speaker):
                self.pactl("load-module", "module-null-sink", f"sink_name={name}")
            self.pactl("set-default-source", f"{self.room}.monitor")
            self.pactl("set-default-sink", self.speaker)
            if self.activate:
                self._check_sounddevice()
            if self.record:
                self.recorder.start(self.env)
        except BaseException:
            self.stop()
            raise
        return self

    def _check_sounddevice(self) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:
            raise PulseUnavailable(f"sounddevice unusable: {exc}") from exc
        rescan_sounddevice()
        names = {d["name"] for d in sd.query_devices()}
        if not names & {"pulse", "default"}:
            raise PulseUnavailable("sounddevice sees no `pulse`/`default` device "
                                   "(apt: libasound2-plugins)")

    def stop(self) -> None:
        """Stop the recorder and any player, then kill the server. Safe to call again."""
        self.recorder.stop()
        while self._players:
            children.stop(self._players.pop(), timeout=1.0)
        self.server.stop()

    def __enter__(self) -> PulseAudio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- helpers for tests

    def play_into_room(self, wav: Path | str, wait: bool = True) -> subprocess.Popen:
        """Play a WAV where the coach's microphone (room.monitor) hears it."""
        proc = children.spawn(["paplay", f"--device={self.room}", str(wav)], env=self.env)
        if not wait:
            self._players.append(proc)
            return proc
        try:
            proc.wait(60)
        finally:
            children.stop(proc, timeout=1.0)
        return proc

    def streams(self, pid: int, kind: str = "sink-input") -> list[str]:
        """Indexes of a process's playback (`sink-input`) or capture (`source-output`) streams."""
        title = kind.replace("-", " ").title()  # "Sink Input", "Source Output"
        found = []
        for block in self.pactl("list", f"{kind}s").split("\n\n"):
            index = re.search(rf"{title} #(\d+)", block)
            owner = re.search(r'application\.process\.id = "(\d+)"', block)
            if index and owner and int(owner.group(1)) == pid:
                found.append(index.group(1))
        return found

    def kill_streams(self, pid: int | None = None, kind: str = "sink-input") -> int:
        """Kill a process's streams server-side, as a vanished device does when there is
        nothing to fall back to."""
        if not any("module-cli-protocol-unix" in line
                   for line in self.pactl("list", "short", "modules").splitlines()):
            self.pactl("load-module", "module-cli-protocol-unix")
        found = self.streams(os.getpid() if pid is None else pid, kind)
        for index in found:
            subprocess.run(["pacmd", f"kill-{kind}", index], capture_output=True, timeout=10,
                           env=self.env)
        return len(found)

    def unplug(self, sink: str) -> None:
        """Remove a sink (and its monitor) the way unplugging a USB device does."""
        for line in self.pactl("list", "short", "modules").splitlines():
            index, _, rest = line.partition("\t")
            if "module-null-sink" in rest and f"sink_name={sink}" in rest:
                self.pactl("unload-module", index)

    def replug(self, sink: str) -> None:
        """Bring a sink back; like a desktop, make it the default again."""
        self.pactl("load-module", "module-null-sink", f"sink_name={sink}")
        if sink == self.room:
            self.pactl("set-default-source", f"{self.room}.monitor")
        else:
            self.pactl("set-default-sink", sink)
        # streams follow the new default, our recorder too: keep it on the speaker
        for index in self.streams(self.recorder.pid, "source-output"):
            self.pactl("move-source-output", index, self.recorder.source)

    def capture(self, tail: float = 0.15) -> Capture:
        """Record what the speaker plays inside a `with` block, plus `tail` seconds after."""
        return Capture(self.recorder, tail)

    def record_speaker(self, seconds: float) -> np.ndarray:
        """Wait `seconds` and return what the speaker played meanwhile."""
        with self.capture(tail=0.0) as cap:
            time.sleep(seconds)
        return cap.samples


def pulse_fixture(scope: str = "module", **kwargs):
    """A pytest fixture giving a started `PulseAudio`, or skipping with the reason."""
    import pytest

    @pytest.fixture(scope=scope)
    def pulse():
        pa = PulseAudio(**kwargs)
        try:
            pa.start()
        except (PulseUnavailable, OSError, subprocess.SubprocessError) as exc:
            pa.stop()
            if os.environ.get("CI"):  # CI installs PulseAudio: a skip there would hide a failure
                pytest.fail(f"PulseAudio unavailable in CI: {exc}")
            pytest.skip(f"PulseAudio unavailable: {exc}")
        try:
            yield pa
        finally:
            pa.stop()

    return pulse


# ---- analysis helpers


def loud(samples: np.ndarray, threshold: float = 0.01, window: int = 80) -> np.ndarray:
    """Boolean per sample: peak over a short window (5 ms at 16 kHz) above `threshold`."""
    x = np.abs(samples)
    if len(x) < window:
        return x > threshold
    padded = np.pad(x, (window // 2, window - window // 2 - 1), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    return windows.max(axis=1) > threshold


def first_sound(samples: np.ndarray, threshold: float = 0.01) -> int | None:
    idx = np.flatnonzero(np.abs(samples) > threshold)
    return int(idx[0]) if len(idx) else None


def last_sound(samples: np.ndarray, threshold: float = 0.01) -> int | None:
    idx = np.flatnonzero(np.abs(samples) > threshold)
    return int(idx[-1]) if len(idx) else None


def locate(haystack: np.ndarray, needle: np.ndarray) -> tuple[int, float]:
    """Best offset of `needle` in `haystack` by normalised cross-correlation: (offset, score)."""
    n = len(haystack) + len(needle)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size)), size)
    corr = corr[: len(haystack) - len(needle) + 1] if len(haystack) >= len(needle) else corr[:1]
    # normalise by the haystack energy under each placement
    csum = np.concatenate([[0.0], np.cumsum(haystack.astype(np.float64) ** 2)])
    energy = csum[len(needle):] - csum[: len(csum) - len(needle)]
    denom = np.sqrt(np.maximum(energy[: len(corr)], 1e-12) * float(np.sum(needle**2)))
    score = corr / denom
    best = int(np.argmax(score))
    return best, float(score[best])
