"""Acoustic echo cancellation in the process: the mic hears the user, not the coach.

The speaker writes every block it plays into an `EchoReference`, stamped with the moment it
reaches the loudspeaker; the microphone hands every block it captures, stamped with the moment
it was heard, to the `EchoCanceller`, which takes the reference for that moment and removes its
echo with WebRTC's canceller (AEC3, from `pywebrtc-audio`). Because the coach knows exactly what
it played, this works the same under PulseAudio, PipeWire or bare ALSA, with no system setup.

WebRTC's output is what the voice detector cuts utterances on: it leaves the least of the coach.
But its suppressor carves up a user who talks over the coach (a short "stop" was often not found
as speech at all), so in blocks of double talk the detector gets a second canceller's output
instead (Speex's linear filter, which leaves the user whole), and an utterance said over the
coach is judged from that canceller's output (`second_look`).
"""

from __future__ import annotations

import threading
from collections import deque
from itertools import islice
from typing import Any

import numpy as np

from voice_coach.adapters import speexdsp
from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import as_int16

RESYNC = 0.02  # a block stamped further than this from where the stream left off starts anew
ACTIVE_RMS = 0.003  # reference blocks quieter than this (-50 dBFS) carry no echo to measure
ERLE_WINDOW = 1000  # blocks kept for the running figure (30 s of coach speech)
RECENT = 100  # the last 3 s of coach speech decide whether cancelling is working now
EFFECTIVE_DB = 10.0  # the median block's figure when working (lost track: 2 dB; see below)
INSTALL = "pip install 'pywebrtc-audio>=0.2,<0.3'"
KEPT = 300  # blocks of the second look's signal kept (9 s: the longest utterance and then some)
# Over an utterance WebRTC removed less than it does from the coach's voice alone when it
# counts as working: so much passed that it must be the user. Rendered (user at -16 and -26
# dBFS, noise at -70 and -45 dBFS): the user's utterances 1.3-13.9 dB (12 of 14 under 10),
# the coach's own residue 10.6-34 dB (every one under 13.4 decoded as no words).
NEAR_END_DB = EFFECTIVE_DB
# s before the voice detector's start that the second look decodes too. Over the coach the
# detector starts at the user's first loud sound (WebRTC's output, which it hears until then,
# has carved a soft "s" away), and pocketsphinx finds a word's first sound only after a lead-in
# of something else: with 0.1 s, real "stop"s said over the coach decoded as "got", "talk",
# "that". Real commands right over the coach in a session under way, with 0.1 / 0.2 / 0.3 s:
# 74 / 78 / 78 of 135 (as many without trimming the start at all). Too much lets the coach's
# residue in: rendered, before Speex's output reached the detector, 0 / 0.1 / 0.2 / 0.3 / 0.5 s
# gave 6 / 14 / 12 / 8 / 7 of 48 acted on.
PRE_ROLL = 0.2


# s kept after the last block in which the user was heard (a word's quiet end)
TAIL = 0.15
SMOOTH = 3  # blocks (90 ms) over which the user is looked for
ABOVE_FLOOR_DB = 10.0  # a voice, not the room: this far over the output's usual power
FLOOR_BLOCKS = 300  # the usual power: the 10th percentile over the last 9 s
# Speex's filter has learnt the room when its median block removes this much of the coach: 10 dB
# over NEAR_END_DB, so that blocks of the coach's residue seldom read as the user's. On the
# rendered room it gets there after 10-12 s of the coach's speech (Speex removes 6 dB in the
# first 2 s, 17 after 4-6 s, 25-30 after 20 s).
LEARNT_DB = NEAR_END_DB + 10.0


def _the_user(e_in: np.ndarray, e_out: np.ndarray, samples: np.ndarray, floor: float,
              ) -> np.ndarray:
    """For stretches of the mic (energies and sample counts summed over each): was the user
    heard? WebRTC let through much of what the mic heard (removed under NEAR_END_DB, the
    utterance rule) and what it let through was sound: over ACTIVE_RMS, and ABOVE_FLOOR_DB
    over `floor`, the usual power of its output (noise no canceller removes, and residue)."""
    passed = 10.0 * np.log10(np.maximum(e_in, 1.0) / np.maximum(e_out, 1.0)) < NEAR_END_DB
    least = max((ACTIVE_RMS * 32768) ** 2, floor * 10 ** (ABOVE_FLOOR_DB / 10))
    return passed & (e_out / np.maximum(samples, 1.0) > least)


def _removed_db(e_in: float, e_out: float) -> float:
    """How much a canceller removed (dB): the energy it was given over what it let through."""
    return 10.0 * float(np.log10(max(e_in, 1.0) / max(e_out, 1.0)))


def user_span(parts: list[tuple[int, np.ndarray, bool, float, float]], a: int, b: int,
               floor: float) -> tuple[int, int]:
    """`a`..`b` (samples) without the stretches at either end where only the coach was heard.

    The voice detector holds an utterance open over the coach's residue around the user's
    words; decoded, those words made a command unparseable ("next step tip")."""
    k = np.ones(SMOOTH)
    e_in, e_out, size = (np.convolve(np.array(x, dtype=np.float64), k, "same") for x in
                         zip(*[(p[3], p[4], len(p[1])) for p in parts]))
    user = np.flatnonzero(_the_user(e_in, e_out, size, floor))
    if not len(user):
        return a, b
    first, last = parts[user[0]], parts[user[-1]]
    return (max(a, first[0] - int(PRE_ROLL * RATE)),
            min(b, last[0] + len(last[1]) + int(TAIL * RATE)))


class EchoError(VoiceCoachError):
    """The echo canceller cannot run here."""


class SampleClock:
    """Steady time stamps for a stream's blocks from jittery callback times.

    Sample k of a running stream is heard (or played) at t0 + k / rate. Each callback gives an
    estimate of t0 that can only be late (the callback waited for the interpreter), never early,
    so the earliest estimate of the last few seconds wins: a late callback moves nothing. An
    underrun or a lost block breaks the count: `restart` then, and slower breaks are caught
    up with within `window` blocks.
    """

    def __init__(self, rate: int, window: int = 100) -> None:
        self.rate = rate
        self._frames = 0
        self._t0: deque[float] = deque(maxlen=window)

    def restart(self) -> None:
        self._frames = 0
        self._t0.clear()

    def stamp(self, frames: int, observed: float) -> float:
        """The steady time of this block's first sample, `observed` being the callback's."""
        start = self._frames / self.rate
        self._t0.append(observed - start)
        self._frames += frames
        return min(self._t0) + start


class EchoReference:
    """What the speaker played, on the `time.monotonic()` clock, at 16 kHz (float32).

    `write` is called from the output stream's callback and `read` from the microphone's
    consumer; both are cheap and thread-safe. Blocks are laid end to end unless their time stamp
    says the stream jumped (an underrun, a reopened device), so callback jitter cannot tear the
    signal the canceller models.
    """

    def __init__(self, seconds: float = 4.0) -> None:
        self._ring = np.zeros(int(seconds * RATE), dtype=np.float32)
        self._lock = threading.Lock()
        self._t0: float | None = None  # when absolute sample 0 played
        self._end = 0  # absolute index one past the newest sample written
        self._read_at: int | None = None  # where the next read continues
        self._last = 0.0  # previous input sample, for interpolation across blocks
        self._pos = 0.0  # where the next output sample falls in the next input block
        self.jumps = 0  # times the speaker's stream was found elsewhere than it left off

    def _to_rate(self, block: np.ndarray, rate: int) -> np.ndarray:
        """Linear interpolation to 16 kHz, continuous from one block to the next."""
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        if rate == RATE or not len(x):
            return x
        step = rate / RATE
        count = int(np.floor((len(x) - 1 - self._pos) / step)) + 1 if self._pos <= len(x) - 1 \
            else 0
        pos = self._pos + step * np.arange(count)
        src = np.concatenate([[self._last], x])
        out = np.interp(pos, np.arange(-1, len(x)), src).astype(np.float32)
        self._pos = (pos[-1] + step if count else self._pos) - len(x)
        self._last = float(x[-1])
        return out

    def write(self, block: np.ndarray, rate: int, play_time: float) -> None:
        """`block` (mono float) starts leaving the speaker at `play_time`."""
        with self._lock:
            x = self._to_rate(block, rate)
            if self._t0 is None:
                self._t0 = play_time
            at = int(round((play_time - self._t0) * RATE))
            if abs(at - self._end) > RESYNC * RATE or at < self._end - len(self._ring):
                at = max(at, self._end - len(self._ring) // 2)
                self._zero(self._end, at)
                self.jumps += 1
            else:
                at = self._end
            size = len(self._ring)
            x = x[-size:]
            idx = (at + np.arange(len(x))) % size
            self._ring[idx] = x
            self._end = max(self._end, at + len(x))

    def _zero(self, start: int, stop: int) -> None:
        if stop > start:
            n = min(stop - start, len(self._ring))
            self._ring[(stop - n + np.arange(n)) % len(self._ring)] = 0.0

    def read(self, n: int, capture_time: float) -> np.ndarray:
        """The `n` samples that played from `capture_time` on (zeros where nothing did)."""
        with self._lock:
            if self._t0 is None:
                return np.zeros(n, dtype=np.float32)
            at = int(round((capture_time - self._t0) * RATE))
            if self._read_at is not None and abs(at - self._read_at) <= RESYNC * RATE:
                at = self._read_at  # carry on seamlessly
            self._read_at = at + n
            size = len(self._ring)
            idx = at + np.arange(n)
            valid = (idx < self._end) & (idx >= self._end - size) & (idx >= 0)
            out = np.zeros(n, dtype=np.float32)
            out[valid] = self._ring[idx[valid] % size]
            return out


def load_backend(**kwargs: Any) -> Any:
    """WebRTC's echo canceller for 16 kHz mono; EchoError when the package is missing."""
    try:
        from pywebrtc_audio import EchoCanceller as WebRtcEchoCanceller
    except ImportError as exc:
        raise EchoError(f"echo cancellation needs pywebrtc-audio ({exc}): {INSTALL}") from None
    return WebRtcEchoCanceller(sample_rate=RATE, **kwargs)


class EchoCanceller:
    """Removes what the speaker played from each microphone block, and measures how much.

    `erle_db` is the echo return loss enhancement of the running canceller: mic energy in over
    energy out, summed over the recent blocks in which the coach was audible. (A user talking
    over the coach counts against it: the figure errs low.)

    `effective` asks whether it is working now, by the median of the per-block figures over
    the last 3 s of coach speech: a user talking over the coach makes their own blocks read
    low (their voice is let through, as it should be), but not the median unless they talk
    most of the time. Measured on the rendered room (sum / median): working 38.8 / 51.8 dB,
    with a user talking over 2.7 s of it 6.7 / 23.6, with noise at -50 dBFS (which no canceller
    removes) 16.1 / 13.9; a reference 0.1 s or 0.6 s late (lost track) 1.9 / 2.0 and 0.8 / 0.9.
    """

    name = "webrtc (in-process)"

    def __init__(self, reference: EchoReference | None = None) -> None:
        self._aec = load_backend()
        self.reference = reference or EchoReference()
        self._energy: deque[tuple[float, float]] = deque(maxlen=ERLE_WINDOW)
        # the user's words as Speex's canceller leaves them, for utterances said over the coach
        self._speex = speexdsp.SpeexEchoCanceller() if speexdsp.available() else None
        # (first sample, Speex's output, the coach audible, mic energy, WebRTC's output energy)
        self._kept: deque[tuple[int, np.ndarray, bool, float, float]] = deque(maxlen=KEPT)
        self._done = 0  # samples of the second look's signal so far
        # (the coach audible, mic energy, WebRTC's output energy, samples) of the last blocks
        self._blocks: deque[tuple[bool, float, float, int]] = deque(maxlen=FLOOR_BLOCKS)
        self._floor_now: float | None = None  # `_floor()` until the next block
        self._speex_db: deque[float] = deque(maxlen=RECENT)  # its per-block figures, coach on

    def process(self, near: np.ndarray, capture_time: float) -> np.ndarray:
        """One int16 16 kHz mic block captured from `capture_time` on, with the echo removed."""
        mic = as_int16(near)
        return self.cancel(mic, self.reference.read(len(mic), capture_time))

    def cancel(self, mic: np.ndarray, far: np.ndarray) -> np.ndarray:
        """Mic and reference blocks already aligned (int16 mic, float far): the cleaned mic."""
        mic, far16 = as_int16(mic), as_int16(far)
        out = np.asarray(self._aec.process(mic, far16), dtype=np.int16)
        active = float(np.sqrt(np.mean(np.square(far, dtype=np.float64)))) > ACTIVE_RMS
        energy = (float(np.sum(np.square(mic, dtype=np.float64))),
                  float(np.sum(np.square(out, dtype=np.float64))))
        if active:
            self._energy.append(energy)
        self._blocks.append((active, *energy, len(mic)))
        self._floor_now = None
        if self._speex is None:
            return out
        kept = self._speex.cancel(mic, far16)
        self._kept.append((self._done, kept, active, *energy))
        self._done += len(kept)
        if not active or len(kept) != len(mic):
            return out
        e_kept = float(np.sum(np.square(kept, dtype=np.float64)))
        removed = _removed_db(energy[0], e_kept)
        self._speex_db.append(removed)
        # the user talks over the coach: Speex removed less than from the coach's voice alone
        # and left sound; WebRTC's suppressor would carve them up (see the module's note)
        if removed < NEAR_END_DB and e_kept / len(kept) > (ACTIVE_RMS * 32768) ** 2 \
                and self.speex_learnt and self.effective:
            return kept
        return out

    def second_look(self, start: float, end: float) -> tuple[np.ndarray, float] | None:
        """For an utterance from `start` to `end` (seconds of the cancelled stream): if the
        coach was heard during it, the same stretch from Speex's canceller, which keeps a user
        talking over the coach whole (see `adapters.speexdsp`), and where it starts; else None
        (nothing to redo). Stretches at either end where only the coach was heard are left
        out (see `user_span`); PRE_ROLL before it is kept, but only the utterance itself
        decides whether the user was heard over the coach."""
        said, b = int(start * RATE), int(end * RATE)
        a = said - int(PRE_ROLL * RATE)
        parts = [p for p in self._kept if p[0] < b and p[0] + len(p[1]) > a]
        over = [(e_in, e_out) for at, x, active, e_in, e_out in parts
                if active and at + len(x) > said]
        if not over or not self.effective:
            return None
        e_in, e_out = np.sum(over, axis=0)
        if _removed_db(e_in, e_out) >= NEAR_END_DB:
            return None  # WebRTC removed as much as from the coach alone: its own residue
        a, b = user_span(parts, a, b, self._floor())
        x = np.concatenate([p[1] for p in parts])
        x = x[max(0, a - parts[0][0]):b - parts[0][0]]
        return x, max(a, parts[0][0]) / RATE

    @property
    def hears_the_user(self) -> bool:
        """Whether the user is talking over the coach now (the last 90 ms): the coach was
        audible, and what WebRTC let through was the user's voice, not the coach's residue."""
        recent = list(islice(reversed(self._blocks), SMOOTH))  # not a copy of all 9 s
        if not any(r[0] for r in recent):
            return False
        _, e_in, e_out, n = np.sum(recent, axis=0)
        return bool(_the_user(np.array(e_in), np.array(e_out), np.array(n), self._floor()))

    def _floor(self) -> float:
        """The usual power of WebRTC's output: the 10th percentile of the last 9 s of blocks
        (worked out once per block)."""
        if self._floor_now is None:
            power = [e_out / max(1, n) for _, _, e_out, n in self._blocks]
            self._floor_now = float(np.percentile(power, 10)) if power else 0.0
        return self._floor_now

    @property
    def erle_db(self) -> float | None:
        """None until the coach has been heard for a while."""
        return self._erle(len(self._energy))

    def _erle(self, blocks: int) -> float | None:
        if len(self._energy) < 50:
            return None
        e_in, e_out = np.sum(np.asarray(self._energy)[-blocks:], axis=0)
        return _removed_db(e_in, e_out)

    @property
    def speex_learnt(self) -> bool:
        """Whether Speex's filter has learnt the room: the median of its per-block figures over
        the last 3 s of the coach's speech is LEARNT_DB or more. Before (its first 10-12 s of
        the coach), blocks of the coach's residue pass it as if they were the user's."""
        return len(self._speex_db) == RECENT and float(np.median(self._speex_db)) >= LEARNT_DB

    @property
    def effective(self) -> bool:
        """Whether the coach's voice is being removed right now (over its last 3 s of speech).

        Until it is, the coach must not take what the mic hears while it talks for the user:
        a canceller that lost track of the speaker (the process stalled, a device changed)
        removes next to nothing. Nor is a canceller that is still learning the room: its
        first 3 s of the coach's speech (the residue of the first 2 s decoded as "what", which
        asks for a repeat, once the coach ducked under it)."""
        if len(self._energy) < RECENT:
            return False
        energy = np.maximum(np.asarray(self._energy)[-RECENT:], 1.0)
        return 10.0 * float(np.median(np.log10(energy[:, 0] / energy[:, 1]))) >= EFFECTIVE_DB


# ---- a self-test on a simulated room, for `doctor`


def room_echo(far: np.ndarray, delay: float = 0.05, gain_db: float = -10.0,
              rt60: float = 0.3, seed: int = 7) -> np.ndarray:
    """`far` as a mic beside the speaker hears it: delayed, reverberant, quieter."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * RATE)
    tail = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)  # -60 dB at rt60
    ir = np.concatenate([[1.0], 0.1 * tail])  # the direct sound, then the room
    wet = np.convolve(far, ir)[:len(far)]
    d = int(delay * RATE)
    wet = np.concatenate([np.zeros(d), wet[:len(wet) - d]])
    return wet * 10 ** (gain_db / 20) / max(1e-9, float(np.max(np.abs(ir))))


def speechlike(seconds: float, seed: int = 3) -> np.ndarray:
    """Voiced syllables (a wandering pitch with harmonics) at about -12 dBFS."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 130 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 20))
    syllables = np.clip(np.sin(2 * np.pi * 3.5 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    x = voice * syllables + 0.05 * rng.standard_normal(len(t)) * syllables
    return (0.25 * x / np.max(np.abs(x))).astype(np.float32)


def self_test(seconds: float = 4.0) -> float:
    """ERLE (dB) of a fresh canceller on a simulated room echo, after a second to converge."""
    far = speechlike(seconds)
    mic = as_int16(room_echo(far))
    canceller = EchoCanceller()
    block = RATE * 3 // 100
    e_in = e_out = 0.0
    for i in range(0, len(far) - block + 1, block):
        out = canceller.cancel(mic[i:i + block], far[i:i + block])
        if i >= RATE:
            e_in += float(np.sum(np.square(mic[i:i + block], dtype=np.float64)))
            e_out += float(np.sum(np.square(out, dtype=np.float64)))
    return 10.0 * float(np.log10(e_in / max(e_out, 1.0)))
