"""Noise beds and SNR mixing for the speech benchmark.

Noise types (each a >= 30 s bed at 16 kHz; a clip takes a random segment of it):

- ``dishes``, ``tap``: real recordings ``doing_the_dishes.wav`` and ``running_tap.wav`` from
  ``tests/data/noise/`` (or ``$VOICE_COACH_NOISE_DIR``). They are the ``_background_noise_``
  recordings of Google's Speech Commands data set v0.02, licensed CC-BY-4.0 — attribution: Pete
  Warden, "Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition", 2018.
- ``pink``, ``brown``: 1/f and 1/f^2 noise shaped in the frequency domain (fans, HVAC, treadmills).
- ``babble``: 4 to 6 overlapping espeak-ng talkers reading unrelated sentences (a busy gym).
- ``clank``: impulsive metallic hits — sums of exponentially damped, inharmonic sinusoids with a
  short noise attack at random times and levels (plates and kettlebells), over a faint pink floor.

SNR follows the Picovoice speech-to-intent benchmark (so figures compare with theirs and with the
prototype numbers in DESIGN.md): compute the energy of every 2048-sample frame of the speech clip
and of the equally long noise segment, take the maximum of each, and scale the noise so that
``10 * log10(max_speech_frame_energy / max_noise_frame_energy) == snr_db``. The mix is then
peak-normalised to 0.5 (as Picovoice does), so absolute level carries no information, and a
-60 dBFS white microphone floor is added to every condition, clean included (`MIC_FLOOR_DB`).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np

from bench.audio import RATE, ROOT, cache_dir, espeak, read_wav, resample, write_wav

FRAME = 2048
PAD_S = 0.3
BED_SECONDS = 30
NOISE_SEED = 20240611
NOISE_TYPES = ("dishes", "tap", "pink", "brown", "babble", "clank")
REAL_NOISE = {"dishes": "doing_the_dishes.wav", "tap": "running_tap.wav"}
# Every mix gets a faint white floor, like any real microphone: TTS output has exact digital
# silence between words, which no mic delivers and which skews some decoders' feature
# normalisation (pocketsphinx got 28/62 clean test clips right without it, 39/62 with it).
MIC_FLOOR_DB = -60.0
GENERATOR_VERSION = 1  # bump when a generator changes: cached beds are keyed by it

# Babble talkers read these; none of them is or contains a coach command.
BABBLE_SENTENCES = (
    "The weather service expects light showers over the coast by the end of the afternoon.",
    "Our quarterly figures came in slightly above what the analysts had predicted.",
    "She planted tomatoes along the fence because that corner gets the most sun.",
    "The museum reopens in spring with a new wing devoted to maritime history.",
    "He always forgets where he parked, so he takes a photo of the level sign.",
    "Traffic on the bridge was backed up for an hour after the morning accident.",
    "My cousin is moving to a smaller apartment closer to her office downtown.",
    "The recipe calls for two cups of flour, a pinch of salt and some melted butter.",
    "They argued for ages about which film to watch and ended up reading instead.",
    "A new bakery opened on the corner and the queue goes round the block.",
    "The library has extended its opening hours during the exam period.",
    "We drove through three small villages before we found a place to eat.",
    "The band played mostly old songs, but the crowd loved every minute of it.",
    "Scientists have found a species of frog that glows under ultraviolet light.",
    "The kids built a fort out of sofa cushions and refused to come for dinner.",
    "I read somewhere that octopuses can taste with the suckers on their arms.",
    "The train was delayed because of a signal fault somewhere outside the city.",
    "Her grandmother kept bees for forty years and still sells honey at the market.",
    "The council wants to turn the old car park into a community garden.",
    "Apparently the new phone has a better camera but the battery is worse.",
    "We should book the cabin early because it fills up every summer.",
    "The painter mixed a shade of blue that reminded everyone of the sea.",
    "He has been learning the guitar for a year and can finally play a song.",
    "The election results will be announced some time after midnight.",
    "Somebody left a bicycle chained to the railings for the whole winter.",
    "The soup was far too salty, but nobody wanted to say anything.",
    "Our neighbours are renovating the kitchen and the drilling never seems to end.",
    "The documentary followed a family of elephants across the dry season.",
)
BABBLE_VOICES = ("en-us+m2", "en-gb-x-rp+f1", "en-029+m6", "en-gb-scotland+f4", "en+m7",
                 "en-us-nyc+f5", "en-gb-x-gbclan+m4", "en+f1")


def max_frame_energy(samples: np.ndarray, frame: int = FRAME) -> float:
    """Largest energy over consecutive `frame`-sample frames (the Picovoice SNR definition)."""
    x = samples.astype(np.float64)
    n = x.size // frame
    if n == 0:  # shorter than one frame: the whole clip is the frame
        return float((x**2).sum())
    return float((x[: n * frame].reshape(n, frame) ** 2).sum(axis=1).max())


def snr_db(speech: np.ndarray, noise: np.ndarray) -> float:
    return 10 * np.log10(max_frame_energy(speech) / max_frame_energy(noise))


def noise_gain(speech: np.ndarray, noise: np.ndarray, target_db: float) -> float:
    """Factor to multiply `noise` by so that snr_db(speech, gain * noise) == target_db."""
    noise_energy = max_frame_energy(noise)
    if noise_energy <= 0:
        return 0.0
    return float(np.sqrt(max_frame_energy(speech) / (noise_energy * 10 ** (target_db / 10))))


def pad(speech: np.ndarray, seconds: float = PAD_S) -> np.ndarray:
    """Silence before and after the speech; noise fills it when mixed."""
    z = np.zeros(int(round(seconds * RATE)), dtype=np.float32)
    return np.concatenate([z, speech.astype(np.float32), z])


def peak_normalize(x: np.ndarray, peak: float = 0.5) -> np.ndarray:
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return (x * (peak / m)).astype(np.float32) if m > 0 else x.astype(np.float32)


def segment(bed: np.ndarray, offset: int, length: int) -> np.ndarray:
    """`length` samples of the bed from `offset`, wrapping around if needed."""
    idx = (offset + np.arange(length)) % bed.size
    return bed[idx]


def mic_floor(length: int, seed: int, level_db: float = MIC_FLOOR_DB) -> np.ndarray:
    """A microphone's self-noise: white, `level_db` dBFS RMS."""
    rng = np.random.default_rng([NOISE_SEED, seed, length])
    return (rng.standard_normal(length) * 10 ** (level_db / 20)).astype(np.float32)


def mix(speech: np.ndarray, noise_type: str | None, snr: float | None, offset: int = 0,
        pad_s: float = PAD_S, floor_db: float | None = MIC_FLOOR_DB) -> np.ndarray:
    """Pad `speech`, add a segment of the noise bed at `snr` dB, peak-normalise to 0.5, then add
    the microphone floor (`floor_db=None` leaves it out).

    `noise_type=None` (or `snr=None`) gives the clean condition: a quiet room, nothing but the
    mic floor around and between the words.
    """
    x = pad(speech, pad_s)
    if noise_type is not None and snr is not None:
        n = segment(noise_bed(noise_type), offset, x.size)
        x = x + noise_gain(x, n, snr) * n
    x = peak_normalize(x)
    if floor_db is not None:
        x = x + mic_floor(x.size, offset, floor_db)
    return x


def noise_only(noise_type: str, seconds: float, offset: int, peak: float) -> np.ndarray:
    """A noise-only clip (no speech at all) at a given peak level."""
    return peak_normalize(segment(noise_bed(noise_type), offset, int(seconds * RATE)), peak)


# ---- the beds


def real_noise_dir() -> Path:
    env = os.environ.get("VOICE_COACH_NOISE_DIR")
    return Path(env) if env else ROOT / "tests" / "data" / "noise"


@cache
def noise_bed(noise_type: str) -> np.ndarray:
    """The whole bed for a noise type as float32 at 16 kHz (generated ones are cached on disk)."""
    if noise_type in REAL_NOISE:
        path = real_noise_dir() / REAL_NOISE[noise_type]
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: real noise recording missing (set VOICE_COACH_NOISE_DIR to the folder "
                f"with {', '.join(REAL_NOISE.values())})")
        samples, rate = read_wav(path)
        return resample(samples, rate).astype(np.float32)
    if noise_type not in GENERATORS:
        raise ValueError(f"unknown noise type '{noise_type}' (known: {', '.join(NOISE_TYPES)})")
    path = cache_dir() / "noise" / f"{noise_type}-v{GENERATOR_VERSION}-{NOISE_SEED}.wav"
    if path.exists():
        return read_wav(path)[0]
    bed = peak_normalize(GENERATORS[noise_type](np.random.default_rng(
        [NOISE_SEED, NOISE_TYPES.index(noise_type)])), 0.9)
    write_wav(path, bed)
    return read_wav(path)[0]  # identical to what later runs read back (int16-quantised)


def _colored(rng: np.random.Generator, exponent: float, seconds: int = BED_SECONDS) -> np.ndarray:
    """Noise with power spectral density ~ 1/f**exponent, 20 Hz high-passed."""
    n = seconds * RATE
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = np.zeros_like(freqs)
    shape[freqs >= 20] = freqs[freqs >= 20] ** (-exponent / 2)
    x = np.fft.irfft(spectrum * shape, n)
    return (x / np.abs(x).max()).astype(np.float32)


def pink(rng: np.random.Generator) -> np.ndarray:
    return _colored(rng, 1.0)


def brown(rng: np.random.Generator) -> np.ndarray:
    return _colored(rng, 2.0)


def clank(rng: np.random.Generator, seconds: int = BED_SECONDS) -> np.ndarray:
    """Random metallic hits: each a few inharmonic damped partials plus a 3 ms noise attack."""
    n = seconds * RATE
    out = np.zeros(n, dtype=np.float64)
    t = 0.0
    while True:
        t += rng.exponential(0.8)  # ~1.25 hits per second, Poisson
        start = int(t * RATE)
        if start >= n:
            break
        decay = rng.uniform(0.04, 0.45)  # seconds (time constant)
        length = min(n - start, int(decay * 6 * RATE))
        tt = np.arange(length) / RATE
        base = rng.uniform(300, 2500)
        hit = np.zeros(length)
        for ratio in (1.0, *rng.uniform(1.3, 5.5, size=rng.integers(2, 6))):
            f = base * ratio
            if f >= RATE / 2 - 200:
                continue
            hit += rng.uniform(0.2, 1.0) * np.exp(-tt / (decay * rng.uniform(0.4, 1.0))) * np.sin(
                2 * np.pi * f * tt + rng.uniform(0, 2 * np.pi))
        attack = min(length, int(0.003 * RATE))
        hit[:attack] += rng.standard_normal(attack) * np.linspace(1.5, 0, attack)
        out[start:start + length] += hit / np.abs(hit).max() * 10 ** (rng.uniform(-20, 0) / 20)
    floor = _colored(rng, 1.0, seconds) * 10 ** (-45 / 20)
    return (out / np.abs(out).max() + floor).astype(np.float32)


def babble(rng: np.random.Generator, seconds: int = BED_SECONDS) -> np.ndarray:
    """4 to 6 simultaneous talkers: four always on, two more that come and go."""
    n = seconds * RATE
    out = np.zeros(n, dtype=np.float64)
    sentences = list(BABBLE_SENTENCES)
    for talker in range(6):
        voice = BABBLE_VOICES[talker % len(BABBLE_VOICES)]
        track = np.zeros(n, dtype=np.float64)
        pos = int(rng.uniform(0, 0.8) * RATE)
        intermittent = talker >= 4
        while pos < n:
            text = sentences[int(rng.integers(len(sentences)))]
            speech = espeak(text, voice, int(rng.integers(140, 190)), int(rng.integers(30, 70)))
            speech = speech / (np.sqrt(np.mean(speech.astype(np.float64) ** 2)) + 1e-9)
            end = min(n, pos + speech.size)
            track[pos:end] += speech[: end - pos]
            gap = rng.uniform(1.5, 5.0) if intermittent else rng.uniform(0.1, 0.5)
            pos = end + int(gap * RATE)
        out += track * 10 ** (rng.uniform(-4, 0) / 20)
    return (out / np.abs(out).max()).astype(np.float32)


GENERATORS = {"pink": pink, "brown": brown, "babble": babble, "clank": clank}


def prepare_beds(types: tuple[str, ...] = NOISE_TYPES) -> None:
    """Load or generate every bed up front (fails early if the real recordings are missing)."""
    for t in types:
        noise_bed(t)
