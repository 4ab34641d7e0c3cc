"""Measure the pocketsphinx engine + rejection gate on rendered commands and negatives.

    .venv/bin/python tests/calibrate_asr.py [--denoise] [--out features.pkl]

Prints accept / correct / false-accept rates by noise level and decode times. The thresholds in
voice_coach/asr/recognize.py were chosen from this script's output (numbers quoted there).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr_corpus import COMMANDS, NEGATIVES  # noqa: E402
from audio_util import mix, noise_burst, noise_files, pad, render  # noqa: E402

from voice_coach.asr.audio_file import load_wav  # noqa: E402
from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine  # noqa: E402
from voice_coach.asr.recognize import recognize_samples  # noqa: E402
from voice_coach.content.intents import Grammar, IntentParser  # noqa: E402
from voice_coach.content.programs import load_program  # noqa: E402

POS_VOICES = [("en-us+klatt", 150), ("en-us+klatt2", 170), ("en-us+klatt4", 135),
              ("en+klatt4", 160), ("en-us+f2", 150), ("en-us+m1", 185)]
NEG_VOICES = [("en-us+klatt3", 150), ("en-us+f2", 170), ("en-us+m1", 140)]
SNRS = [None, 24, 12, 6]


def clips(cache: Path) -> list[dict]:
    rng = np.random.default_rng(7)
    noises = [load_wav(p) for p in noise_files()]
    items: list[dict] = []
    for label, texts, voices in (("pos", COMMANDS, POS_VOICES), ("neg", NEGATIVES, NEG_VOICES)):
        for i, text in enumerate(texts):
            for voice, rate in voices:
                speech = pad(render(text, cache, voice, rate), 0.3, 0.3)
                for snr in SNRS:
                    x = speech if snr is None else mix(speech, noises[i % len(noises)], snr, rng)
                    items.append(dict(label=label, text=text, voice=voice, snr=snr, x=x))
    for i in range(12):  # non-speech: noise bursts, recorded noise alone, near-silence
        items.append(dict(label="noise", text="", voice="white", snr=None,
                          x=noise_burst(1.0, rng, "white", 300 + 600 * i)))
        items.append(dict(label="noise", text="", voice="pink", snr=None,
                          x=noise_burst(1.2, rng, "pink", 300 + 600 * i)))
        n = noises[i % len(noises)]
        start = int(rng.integers(0, len(n) - 24000))
        items.append(dict(label="noise", text="", voice="recorded", snr=None,
                          x=(n[start:start + 24000] * (0.5 + i / 4)).astype(np.int16)))
        items.append(dict(label="noise", text="", voice="silence", snr=None,
                          x=(rng.normal(0, 5 + 10 * i, 16000)).astype(np.int16)))
    return items


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--denoise", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--quick", action="store_true", help="3+2 voices, clean and 12 dB only")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "vc-asr-render")
    args = ap.parse_args()
    grammar = Grammar.load(load_program("hip-hinge"))
    parser = IntentParser(grammar)
    engine = PocketsphinxEngine(grammar, denoise=args.denoise)
    rows = []
    if args.quick:
        POS_VOICES[:] = POS_VOICES[:2] + POS_VOICES[4:5]
        NEG_VOICES[:] = NEG_VOICES[:2]
        SNRS[:] = [None, 12]
    for item in clips(args.cache):
        t0 = time.perf_counter()
        rec = recognize_samples(item["x"], engine, parser)
        item["seconds"] = time.perf_counter() - t0
        item["rec"] = rec
        expected = parser.parse(item["text"]) if item["label"] == "pos" else None
        item["expected"] = expected.name if expected else None
        item["expected_slots"] = expected.slots if expected else None
        del item["x"]
        rows.append(item)
    if args.out:
        args.out.write_bytes(pickle.dumps(rows))
    report(rows)


def report(rows: list[dict]) -> None:
    print(f"{'condition':10} {'cmds':>5} {'correct':>8} {'wrong':>6} {'rejected':>9} "
          f"{'negatives':>9} {'false acc':>9}")
    for snr in SNRS:
        pos = [r for r in rows if r["label"] == "pos" and r["snr"] == snr]
        neg = [r for r in rows if r["label"] == "neg" and r["snr"] == snr]
        ok = sum(1 for r in pos if r["rec"].intent and r["rec"].intent.name == r["expected"]
                 and r["rec"].intent.slots == r["expected_slots"])
        rej = sum(1 for r in pos if r["rec"].intent is None)
        fa = sum(1 for r in neg if r["rec"].intent is not None)
        name = "clean" if snr is None else f"{snr} dB"
        print(f"{name:10} {len(pos):5} {ok / len(pos):8.1%} {(len(pos) - ok - rej) / len(pos):6.1%}"
              f" {rej / len(pos):9.1%} {len(neg):9} {fa / len(neg):9.1%}")
    noise = [r for r in rows if r["label"] == "noise"]
    fa = sum(1 for r in noise if r["rec"].intent is not None)
    print(f"non-speech: {len(noise)} clips, false accepts {fa}")
    secs = np.array([r["seconds"] for r in rows]) * 1000
    print(f"decode time per utterance: p50 {np.median(secs):.0f} ms, "
          f"p90 {np.percentile(secs, 90):.0f} ms, max {secs.max():.0f} ms")


if __name__ == "__main__":
    main()
