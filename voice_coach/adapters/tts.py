"""Text to speech: pyttsx3 (espeak-ng) rendering to WAV in a worker process, cached on disk.

pyttsx3's `runAndWait` can hang when called repeatedly in one process, so the engine lives in
its own process fed by a queue; a render that takes too long kills and restarts that process.
Rendered audio is cached by (text, voice, rate), so the program's fixed phrases are rendered
once (see `prerender`) and replayed from disk afterwards.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import queue
import threading
import time
import wave
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from voice_coach.core.context import SPEECH_WPM
from voice_coach.errors import VoiceCoachError

SAMPLERATE = 22050  # what the espeak driver writes
DEFAULT_RATE = SPEECH_WPM  # words per minute (the core times speech by it too)
RATE_STEP = 20
MIN_RATE, MAX_RATE = 110, 230
DEFAULT_VOICE = "en-us"
RENDER_TIMEOUT = 5.0
STARTUP_TIMEOUT = 30.0  # first start of the worker (imports + espeak init) on a slow board
MAX_CACHE_FILES = 2000
_CACHE_VERSION = "1"


# Recent renders kept in memory (the disk cache has the rest): about 3 minutes of speech.
MEMORY_BYTES = 16 * 1024 * 1024


class TTSError(VoiceCoachError):
    """Speech could not be rendered; the message is one line for the user."""


def clamp_rate(rate: int) -> int:
    return max(MIN_RATE, min(MAX_RATE, int(rate)))


def step_rate(rate: int, steps: int) -> int:
    """`rate` moved by `steps` slower (-) or faster (+) steps, kept in the usable range."""
    return clamp_rate(rate + steps * RATE_STEP)


def cache_dir() -> Path:
    """`$VOICE_COACH_CACHE_DIR/tts`, else the user cache dir's `tts` folder."""
    root = os.environ.get("VOICE_COACH_CACHE_DIR")
    if not root:
        from platformdirs import user_cache_dir

        root = user_cache_dir("voice-coach")
    return Path(root) / "tts"


def cache_key(text: str, voice: str, rate: int) -> str:
    raw = "\0".join([_CACHE_VERSION, voice, str(rate), text])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV -> (mono float32 in [-1, 1], sample rate)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    x = data.astype(np.float32) / 32768.0
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return x, rate


# ---- the worker process (runs pyttsx3; nothing else)


def _worker_main(jobs: mp.Queue, results: mp.Queue) -> None:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the espeak driver prints per saved file
    try:
        import pyttsx3

        engine = pyttsx3.init("espeak")
    except Exception as exc:  # no pyttsx3, no libespeak-ng, ...
        results.put((0, "fatal", f"{type(exc).__name__}: {exc}"))
        return
    try:  # the driver's ctypes binding: lets us wait until espeak is really idle
        from pyttsx3.drivers import _espeak
    except ImportError:
        _espeak = None
    errors: list[BaseException] = []
    engine.connect("error", lambda name=None, exception=None, **_: errors.append(exception))
    results.put((0, "ready", ""))
    parent = mp.parent_process()
    while True:
        try:
            job = jobs.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return  # the coach died without closing us: do not linger
            continue
        if job is None:
            return
        job_id, text, rate, voice, path = job
        try:
            results.put((job_id, "ok", _synthesize(engine, _espeak, errors, text, rate, voice,
                                                   path)))
        except Exception as exc:
            results.put((job_id, "error", f"{exc}"))


def _synthesize(engine, espeak, errors: list, text: str, rate: int, voice: str,
                path: str) -> str:
    """One render, retried. espeak runs commands on its own thread: a rate change queued
    there is cancelled (and the render with it) if pyttsx3's loop starts while it is still
    pending, and the WAV can land after `runAndWait` returns. So properties are set on the
    driver directly, espeak is drained before synthesis, and the file is checked."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    for attempt in range(3):
        tmp = f"{path}.{os.getpid()}.{attempt}.tmp"
        try:
            _wait_idle(espeak)
            errors.clear()
            if driver is not None and espeak is not None:
                driver.setProperty("voice", voice)  # raises ValueError for an unknown voice
                driver.setProperty("rate", rate)
                _wait_idle(espeak)
            else:
                engine.setProperty("voice", voice)
                engine.setProperty("rate", rate)
            engine.save_to_file(text, tmp)
            engine.runAndWait()
            if errors:
                raise errors[0]
            _wait_idle(espeak)
            if _complete_wav(tmp, wait=1.0):
                os.replace(tmp, path)
                return path
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise RuntimeError("no audio produced")


def _wait_idle(espeak, limit: float = 2.0) -> None:
    deadline = time.monotonic() + limit
    while espeak is not None and espeak.IsPlaying() and time.monotonic() < deadline:
        time.sleep(0.002)


def _complete_wav(path: str, wait: float) -> bool:
    """True once `path` is a WAV with audio whose data is all on disk."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with wave.open(path, "rb") as w:
                frames, width = w.getnframes(), w.getsampwidth() * w.getnchannels()
            if frames and os.path.getsize(path) >= 44 + frames * width:
                return True
        except (OSError, EOFError, wave.Error):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


class Pyttsx3Synthesizer:
    """`render` is thread-safe; renders are serialised through one worker process."""

    samplerate = SAMPLERATE

    def __init__(self, cache: Path | None = None, timeout: float = RENDER_TIMEOUT,
                 start: bool = True) -> None:
        self.cache = Path(cache) if cache else cache_dir()
        self.timeout = timeout
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()  # one job at a time in the worker
        self._proc: mp.process.BaseProcess | None = None
        self._jobs: mp.Queue | None = None
        self._results: mp.Queue | None = None
        self._ready = False
        self._fatal: str | None = None
        self._job_id = 0
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()  # recent renders, read-only
        self._memory_bytes = 0
        self._memory_lock = threading.Lock()
        self._prerender: threading.Thread | None = None
        self.renders = 0  # renders done by the engine (not served from cache)
        self._closed = False
        if start:
            with self._lock:
                self._spawn()
        _prune(self.cache)

    # ---- public

    def render(self, text: str, rate: int = DEFAULT_RATE, voice: str = DEFAULT_VOICE,
               ) -> np.ndarray:
        text = " ".join(text.split())
        if not text:
            return np.zeros(0, dtype=np.float32)
        rate = clamp_rate(rate)
        key = cache_key(text, voice, rate)
        hit = self._cached(key)
        if hit is not None:
            return hit
        with self._lock:
            hit = self._cached(key)  # another thread may have just rendered it
            if hit is not None:
                return hit
            path = self._render_locked(text, rate, voice, key)
        samples, _ = read_wav(path)
        self._remember(key, samples)
        return samples

    def is_cached(self, text: str, rate: int = DEFAULT_RATE, voice: str = DEFAULT_VOICE) -> bool:
        key = cache_key(" ".join(text.split()), voice, clamp_rate(rate))
        return key in self._memory or self._path(key).exists()

    def prerender(self, texts: Iterable[str], rate: int = DEFAULT_RATE,
                  voice: str = DEFAULT_VOICE) -> threading.Thread:
        """Render `texts` into the cache in the background; failures are skipped."""
        todo = [t for t in dict.fromkeys(texts) if t.strip()]

        def run() -> None:
            for text in todo:
                if self._closed:
                    return
                try:
                    self.render(text, rate, voice)
                except TTSError:
                    if self._fatal:
                        return

        self._prerender = threading.Thread(target=run, name="tts-prerender", daemon=True)
        self._prerender.start()
        return self._prerender

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop_worker(graceful=True)

    def __enter__(self) -> Pyttsx3Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ---- cache

    @property
    def memory_bytes(self) -> int:
        """Bytes of rendered speech held in memory (bounded by MEMORY_BYTES)."""
        return self._memory_bytes

    def _path(self, key: str) -> Path:
        return self.cache / f"{key}.wav"

    def _cached(self, key: str) -> np.ndarray | None:
        with self._memory_lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        path = self._path(key)
        if not path.exists():
            return None
        try:
            samples, _ = read_wav(path)
        except (OSError, ValueError, EOFError, wave.Error):
            path.unlink(missing_ok=True)  # a damaged entry: render it again
            return None
        self._remember(key, samples)
        return samples

    def _remember(self, key: str, samples: np.ndarray) -> None:
        samples.setflags(write=False)  # shared by every caller that asks for this phrase
        with self._memory_lock:
            old = self._memory.pop(key, None)
            self._memory_bytes -= old.nbytes if old is not None else 0
            self._memory[key] = samples
            self._memory_bytes += samples.nbytes
            while self._memory_bytes > MEMORY_BYTES and len(self._memory) > 1:
                self._memory_bytes -= self._memory.popitem(last=False)[1].nbytes

    # ---- worker (lock held)

    def _render_locked(self, text: str, rate: int, voice: str, key: str) -> Path:
        if self._closed:
            raise TTSError("speech engine is closed")
        if self._fatal:
            raise TTSError(f"speech engine unavailable: {self._fatal}")
        if self._proc is None or not self._proc.is_alive():
            self._spawn()
        self._wait_ready()
        self.cache.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        self._job_id += 1
        assert self._jobs is not None
        self._jobs.put((self._job_id, text, rate, voice, str(path)))
        while True:
            job_id, status, detail = self._get(self.timeout, "rendering")
            if job_id == self._job_id:
                break
        if status != "ok":
            raise TTSError(f"could not speak {text[:40]!r} with voice {voice!r}: {detail}")
        self.renders += 1
        return path

    def _spawn(self) -> None:
        self._stop_worker(graceful=False)
        self._jobs, self._results = self._ctx.Queue(), self._ctx.Queue()
        self._proc = self._ctx.Process(target=_worker_main, args=(self._jobs, self._results),
                                       name="voice-coach-tts", daemon=True)
        self._proc.start()
        self._ready = False

    def _wait_ready(self) -> None:
        if self._ready:
            return
        _, status, detail = self._get(STARTUP_TIMEOUT, "starting")
        if status == "fatal":
            self._fatal = detail
            self._stop_worker(graceful=False)
            raise TTSError(f"speech engine unavailable: {detail}")
        self._ready = True

    def _get(self, timeout: float, doing: str) -> tuple[int, str, str]:
        """The worker's next message; a timeout or a dead worker restarts it and raises."""
        assert self._results is not None and self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._results.get(timeout=min(0.2, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                pass
            dead = not self._proc.is_alive()
            if dead or time.monotonic() >= deadline:
                self._stop_worker(graceful=False)
                why = "stopped unexpectedly" if dead else f"took over {timeout:g} s"
                raise TTSError(f"speech engine {why} while {doing}; restarting it") from None

    def _stop_worker(self, graceful: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if graceful and proc.is_alive() and self._jobs is not None:
                try:
                    self._jobs.put(None)
                    proc.join(1.0)
                except (OSError, ValueError):
                    pass
            if proc.is_alive():
                proc.kill()
            proc.join(2.0)
        for q in (self._jobs, self._results):
            if q is not None:
                q.cancel_join_thread()
                q.close()
        self._jobs = self._results = None
        self._ready = False


def _prune(folder: Path) -> None:
    """Keep the cache bounded: drop the oldest files beyond MAX_CACHE_FILES, and stray temps."""
    try:
        for p in folder.glob("*.tmp"):
            if time.time() - p.stat().st_mtime > 60:
                p.unlink(missing_ok=True)
        files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
        for p in files[: max(0, len(files) - MAX_CACHE_FILES)]:
            p.unlink(missing_ok=True)
    except OSError:
        pass
