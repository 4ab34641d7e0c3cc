"""The speech mixer: a priority queue of utterances read block by block by an output stream.

Device-free and clock-free. Utterances play strictly one after another; a higher-priority
utterance cuts a lower-priority one that is playing; `stop()` empties the queue and cuts the
current one within the next block. Earcons are mixed on top of whatever is playing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voice_coach.core.events import Priority
from voice_coach.pcm import as_float32

VOLUME_STEP_DB = 3.0
MIN_VOLUME_STEPS = -8
MAX_VOLUME_STEPS = 2
FADE_SECONDS = 0.005  # ramp applied when an utterance is cut, so the cut does not click
DUCK_DB = -15.0  # while the user talks over the coach: still audible, no longer in the way


@dataclass
class _Item:
    priority: int
    seq: int
    id: int
    samples: np.ndarray
    pos: int = 0

    @property
    def remaining(self) -> int:
        return len(self.samples) - self.pos


@dataclass(frozen=True)
class Finished:
    """An utterance left the queue: played to the end (`completed`) or cut/dropped."""

    id: int
    completed: bool


def gain_for_steps(steps: int) -> float:
    return float(10.0 ** (steps * VOLUME_STEP_DB / 20.0))


class SpeechQueue:
    """Thread-safe: `push`/`stop` from any thread, `read` from the audio callback."""

    def __init__(self, samplerate: int, volume_steps: int = 0,
                 notify: Callable[[], None] | None = None) -> None:
        self.samplerate = samplerate
        self._notify = notify  # called (from `read` or `stop`) when `finished` gains entries
        self._lock = threading.Lock()
        self._pending: list[_Item] = []
        self._current: _Item | None = None
        self._earcons: list[list] = []  # [samples, pos]
        self._tail: np.ndarray | None = None  # faded-out remainder of a cut utterance
        self._finished: deque[Finished] = deque()
        self._seq = 0
        self._next_id = 1
        self._volume_steps = self._clamp(volume_steps)
        self._gain = gain_for_steps(self._volume_steps)
        self.ducked = False  # set from any thread; ramped in over the next block
        self._sounding = False  # the previous block had sound
        self._fade = np.linspace(1.0, 0.0, max(2, int(samplerate * FADE_SECONDS)),
                                 dtype=np.float32)
        self.frames_read = 0  # total frames handed out by `read`
        self.last_sound_end = 0  # `frames_read` at the end of the last block that had sound

    # ---- producers

    def new_id(self) -> int:
        """Reserve an id (for callers that hand out an id before the audio exists)."""
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def push(self, samples: np.ndarray, priority: int = Priority.ANSWER,
             id: int | None = None) -> int:
        """Queue an utterance; cut the playing one if it has lower priority. Returns its id."""
        x = as_float32(samples)
        with self._lock:
            if id is None:
                id = self._next_id
                self._next_id += 1
            self._seq += 1
            self._pending.append(_Item(int(priority), self._seq, id, x))
            self._pending.sort(key=lambda it: (-it.priority, it.seq))
            cur = self._current
            if cur is not None and int(priority) > cur.priority:
                self._cut_current()
        self._signal()
        return id

    def push_earcon(self, samples: np.ndarray) -> None:
        """Mix a short sound on top of whatever is playing."""
        x = as_float32(samples)
        if len(x):
            with self._lock:
                self._earcons.append([x, 0])

    def stop(self) -> list[int]:
        """Cut the current utterance and drop all queued ones; returns their ids."""
        with self._lock:
            dropped = [self._current.id] if self._current is not None else []
            if self._current is not None:
                self._cut_current()
            dropped += [it.id for it in self._pending]
            self._finished.extend(Finished(it.id, False) for it in self._pending)
            self._pending.clear()
        self._signal()
        return dropped

    def clear(self) -> None:
        """Silence everything at once, earcons included (the stream is going away)."""
        self.stop()
        with self._lock:
            self._earcons.clear()
            self._tail = None

    # ---- volume

    @staticmethod
    def _clamp(steps: int) -> int:
        return max(MIN_VOLUME_STEPS, min(MAX_VOLUME_STEPS, int(steps)))

    @property
    def volume_steps(self) -> int:
        return self._volume_steps

    @volume_steps.setter
    def volume_steps(self, steps: int) -> None:
        self._volume_steps = self._clamp(steps)

    # ---- state

    @property
    def busy(self) -> bool:
        """Something is playing or waiting to play (speech, earcon or a fade-out tail)."""
        with self._lock:
            return bool(self._current or self._pending or self._earcons
                        or self._tail is not None)

    @property
    def current_id(self) -> int | None:
        cur = self._current
        return cur.id if cur else None

    def pop_finished(self) -> list[Finished]:
        """Utterances that left the queue since the last call, in order."""
        with self._lock:
            out = list(self._finished)
            self._finished.clear()
        return out

    # ---- consumer

    def read(self, frames: int) -> np.ndarray:
        """The next `frames` samples of output (float32 mono); silence when idle."""
        out = np.zeros(frames, dtype=np.float32)
        with self._lock:
            had_finished = bool(self._finished)
            sound = self._mix_tail(out)
            sound = self._mix_speech(out) or sound
            sound = self._mix_earcons(out) or sound
            gain = gain_for_steps(self._volume_steps)
            if self.ducked:
                gain *= float(10.0 ** (DUCK_DB / 20.0))
            if sound:
                # ramp a change made mid-sound over the block; after silence, start at the new gain
                start = self._gain if self._sounding else gain
                if gain != 1.0 or start != 1.0:
                    out *= np.linspace(start, gain, frames, dtype=np.float32)
                np.clip(out, -1.0, 1.0, out=out)
            self._gain, self._sounding = gain, sound
            self.frames_read += frames
            if sound:
                self.last_sound_end = self.frames_read
            signal = bool(self._finished) and not had_finished
        if signal:
            self._signal()
        return out

    # ---- internals (lock held)

    def _cut_current(self) -> None:
        cur = self._current
        assert cur is not None
        n = min(len(self._fade), cur.remaining)
        tail = cur.samples[cur.pos:cur.pos + n] * self._fade[:n]
        if self._tail is not None:  # a cut during a fade: keep the older tail's remainder too
            m = max(len(tail), len(self._tail))
            tail = np.pad(tail, (0, m - len(tail))) + np.pad(self._tail, (0, m - len(self._tail)))
        self._tail = tail if len(tail) else None
        self._finished.append(Finished(cur.id, False))
        self._current = None

    def _mix_tail(self, out: np.ndarray) -> bool:
        if self._tail is None:
            return False
        n = min(len(out), len(self._tail))
        out[:n] += self._tail[:n]
        self._tail = self._tail[n:] if n < len(self._tail) else None
        return True

    def _mix_speech(self, out: np.ndarray) -> bool:
        pos, sound = 0, False
        while pos < len(out):
            if self._current is None:
                if not self._pending:
                    break
                self._current = self._pending.pop(0)
            cur = self._current
            n = min(len(out) - pos, cur.remaining)
            out[pos:pos + n] += cur.samples[cur.pos:cur.pos + n]
            cur.pos += n
            pos += n
            sound = sound or n > 0
            if cur.remaining == 0:
                self._finished.append(Finished(cur.id, True))
                self._current = None
        return sound

    def _mix_earcons(self, out: np.ndarray) -> bool:
        if not self._earcons:
            return False
        alive = []
        for ear in self._earcons:
            samples, pos = ear
            n = min(len(out), len(samples) - pos)
            out[:n] += samples[pos:pos + n]
            ear[1] = pos + n
            if ear[1] < len(samples):
                alive.append(ear)
        self._earcons = alive
        return True

    def _signal(self) -> None:
        if self._notify is not None and self._finished:
            self._notify()
