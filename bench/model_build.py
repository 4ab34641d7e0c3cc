"""`make model`: adapt the bundled en-us model to noisy, distant speech (reproducible).

Adaptation data: espeak-ng voices whose variants appear nowhere in the evaluation `test` split
(`ADAPT_VOICES`), speaking command phrasings that are not test sentences, at random rates and
pitches; each clip clean or mixed at 0-24 dB with noise generated here from its own seeds
(pink, brown, a fan hum, babble of adaptation voices reading their own sentences) - the two real
recordings the benchmark mixes in (dishes, tap) are never used - and half of them through sox
room reverberation. Every random choice comes from `SEED`.

Methods (`--method`): `mllr` (one global mean transform, applied to the means), `map` (MAP
re-estimation of means and variances), `mllr+map` (MAP starting from the MLLR-adapted means).
The result goes to `voice_coach/data/acoustic/en-us-adapted/` (means, variances, build.json);
`voice_coach.asr.adapt.DEFAULT_ACOUSTIC` decides whether the coach uses it, on the numbers of the
bench's "adapt" section.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np

from bench.audio import RATE, ROOT, espeak, read_wav, write_wav
from bench.dataset import PROGRAM, load_manifest
from bench.noise import peak_normalize

SEED = 20261202
CLIPS = 1500
CLEAN_SHARE = 0.2
REVERB_SHARE = 0.5
OUT = ROOT / "voice_coach" / "data" / "acoustic" / "en-us-adapted"
DEFAULT_REAL = ROOT.parent / "shared" / "audio" / "real_speech"
# Accents as in the test split, but only voice variants the test split never uses.
ACCENTS = ("en-us", "en-gb", "en", "en-029", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc")
VARIANTS = ("f3", "m3", "f2", "klatt", "klatt3", "klatt5", "klatt6", "Alex", "Alicia", "Adam",
            "Michael", "Mike", "Steph", "Linda", "Paul", "Robert", "grandma", "grandpa", "Lee",
            "Ed", "David", "Gene", "Max", "Benjamin", "Edward")
BABBLE_TEXT = (
    "the shop on the corner sells fresh bread every morning",
    "we took the long road home because of the roadworks",
    "my brother bought a second hand car last weekend",
    "the meeting moved to thursday after lunch",
    "there is a concert in the park on saturday evening",
    "she has been studying french for almost two years",
)


@cache
def adapt_voices() -> list[str]:
    test_variants = {v.partition("+")[2] for c in load_manifest() if c["split"] == "test"
                     for v in [c.get("voice") or ""]}
    return [f"{a}+{v}" for a in ACCENTS for v in VARIANTS if v not in test_variants]


def sentences(rng: random.Random, n: int) -> list[str]:
    from voice_coach.asr.grammar import phrases
    from voice_coach.content.intents import Grammar
    from voice_coach.content.programs import load_program

    test_texts = {c["text"] for c in load_manifest() if c["split"] == "test"}
    pool = [p for p in phrases(Grammar.load(load_program(PROGRAM))) if p not in test_texts]
    return rng.sample(pool, n)


def noise(kind: str, n: int, rng: np.random.Generator, voices: list[str]) -> np.ndarray:
    from voice_coach.asr.adapt import colored_noise

    if kind == "pink":
        return colored_noise(n, 1.0, rng)
    if kind == "brown":
        return colored_noise(n, 2.0, rng)
    if kind == "fan":  # broadband rush plus a mains-like hum and its harmonics
        t = np.arange(n) / RATE
        f0 = rng.uniform(45, 120)
        hum = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 6))
        return colored_noise(n, 1.5, rng) + 0.3 * hum / np.abs(hum).max()
    talkers = np.zeros(n)
    for _ in range(4):
        speech = espeak(str(rng.choice(BABBLE_TEXT)), str(rng.choice(voices)),
                        int(rng.integers(140, 190)), int(rng.integers(30, 70)))
        start = int(rng.integers(0, max(1, n // 2)))
        piece = np.resize(speech, n - start)
        talkers[start:] += piece / (np.sqrt(np.mean(piece**2)) + 1e-9)
    return talkers


def make_clip(i: int, text: str, voice: str, folder: Path, speech: np.ndarray | None = None,
              clean: bool | None = None) -> Path:
    """One adaptation clip: render (unless `speech` is given), pad, maybe reverberate, maybe
    mix noise (never when `clean`); 16 kHz WAV."""
    rng = np.random.default_rng([SEED, i])
    if speech is None:
        speech = espeak(text, voice, int(rng.integers(120, 200)), int(rng.integers(25, 75)))
    pad = np.zeros(int(0.3 * RATE), dtype=np.float32)
    x = np.concatenate([pad, speech, pad])
    path = folder / f"a{i:05d}.wav"
    write_wav(path, peak_normalize(x))
    if rng.random() < REVERB_SHARE and not clean:
        wet = path.with_suffix(".rev.wav")
        subprocess.run(["sox", str(path), str(wet), "reverb", str(int(rng.integers(30, 90))),
                        "50", str(int(rng.integers(40, 100))), "trim", "0",
                        f"{x.size / RATE:.3f}"], check=True, capture_output=True)
        x = read_wav(wet)[0]
        wet.unlink()
    if rng.random() >= CLEAN_SHARE and not clean:
        kind = str(rng.choice(["pink", "brown", "fan", "babble"]))
        snr = rng.uniform(0, 24)
        n = noise(kind, x.size, rng, adapt_voices()[:8])
        from voice_coach.asr.adapt import _peak_frame_energy

        gain = np.sqrt(_peak_frame_energy(x) / (_peak_frame_energy(n) * 10 ** (snr / 10)))
        x = x + gain * n
    floor = np.random.default_rng([SEED, i, 1]).standard_normal(x.size) * 1e-3
    write_wav(path, peak_normalize(x + floor))
    return path


def in_adaptation(speaker: str) -> bool:
    """Half the real-speech speakers (by a hash of the name) may be adaptation data; the
    benchmark scores real speech on the other half only."""
    return hashlib.sha1(f"{SEED}:{speaker}".encode()).digest()[0] < 128


def real_clips(folder: Path, copies: int, work: Path) -> list[tuple[Path, str]]:
    """The Speech Commands clips (commands and single words) of the adaptation half of the
    speakers, each clean once and `copies` - 1 times in generated noise and reverberation."""
    with open(folder / "manifest.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["source"].startswith("speech-commands")
                and in_adaptation(r["speaker"])]
    out = []
    for k, row in enumerate(rows):
        speech = read_wav(folder / row["path"])[0]
        for c in range(copies):
            i = 100000 + k * copies + c
            out.append((make_clip(i, row["said"], "", work, speech=speech,
                                  clean=c == 0), row["said"].lower()))
    return out


def build(method: str, clips: int, work: Path, data: str = "synthetic", copies: int = 6,
          real_dir: Path = DEFAULT_REAL) -> dict:
    from voice_coach.asr import adapt
    from voice_coach.asr.grammar import grammar_words
    from voice_coach.asr.pocketsphinx_engine import command_dict, extra_dict_path
    from voice_coach.content.intents import Grammar
    from voice_coach.content.programs import load_program

    tools = adapt.find_tools()
    rng = random.Random(SEED)
    voices = adapt_voices()
    texts = sentences(rng, clips) if data != "real" else []
    chosen = [rng.choice(voices) for _ in texts]
    t0 = time.perf_counter()
    audio = work / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda a: make_clip(*a, audio),
                              zip(range(len(texts)), texts, chosen, strict=True)))
    pairs = list(zip(paths, texts, strict=True))
    if data != "synthetic":
        pairs += real_clips(real_dir, copies, audio)
    print(f"{len(pairs)} clips ({len(texts)} synthetic from {len(set(chosen))} voices) in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    grammar = Grammar.load(load_program(PROGRAM))
    words = set(grammar_words(grammar)) | {w for _, t in pairs for w in adapt_words(t).split()}
    dictionary = command_dict(sorted(words), [extra_dict_path()])
    utts = [adapt.Utterance(p, adapt_words(t)) for p, t in pairs]
    model = adapt.bundled_model()
    acc = adapt.collect_stats(utts, dictionary, work / "job", tools)
    out = work / "model"
    out.mkdir()
    means, variances = model / "means", model / "variances"
    if method.startswith("mllr"):
        mllr = adapt.solve_mllr(acc, work / "mllr_matrix", tools)
        means = adapt.transform_means(mllr, out / "means", tools)
        if method == "mllr+map":  # statistics again, now against the MLLR-adapted means
            acc = adapt.collect_stats(utts, dictionary, work / "job2", tools,
                                      means=means)
    if method.endswith("map"):
        means, variances = adapt.map_means(acc, means, out, tools)
    if means.parent != out:
        shutil.copyfile(means, out / "means")
    if variances.parent != out:
        shutil.copyfile(variances, out / "variances")
    return {"method": method, "data": data, "clips": len(pairs), "synthetic": len(texts),
            "voices": sorted(set(chosen)), "seed": SEED,
            "seconds": round(time.perf_counter() - t0), "folder": str(out)}


def adapt_words(text: str) -> str:
    from voice_coach.app.enroll import _words

    return _words(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.model_build", description=__doc__)
    ap.add_argument("--method", choices=("mllr", "map", "mllr+map"), default="mllr")
    ap.add_argument("--clips", type=int, default=CLIPS)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--data", choices=("synthetic", "real", "both"), default="synthetic",
                    help="espeak-ng clips, the adaptation half of the real recordings "
                         "(in noise), or both")
    ap.add_argument("--copies", type=int, default=6, help="versions of each real clip")
    ap.add_argument("--real-dir", type=Path, default=DEFAULT_REAL)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vc-model-") as tmp:
        info = build(args.method, args.clips, Path(tmp), args.data, args.copies, args.real_dir)
        args.out.mkdir(parents=True, exist_ok=True)
        for name in ("means", "variances"):
            shutil.copyfile(Path(info["folder"]) / name, args.out / name)
    info.pop("folder")
    (args.out / "build.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.method}, {info['clips']} clips, {info['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
