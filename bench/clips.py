"""Manifest entries -> audio: render with espeak-ng (cached), then mix one condition."""

from __future__ import annotations

import argparse
import json
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bench.audio import RATE, read_wav, rendered, to_int16
from bench.noise import mix, noise_only


def render_all(clips: list[dict], threads: int = 4, quiet: bool = False) -> None:
    """Make sure every spoken clip has a cached clean rendering (espeak-ng runs in parallel)."""
    spoken = [c for c in clips if c.get("voice")]

    def one(c: dict) -> None:
        rendered(c["text"], c["voice"], c["rate"], c["pitch"])

    with ThreadPoolExecutor(threads) as pool:
        for i, _ in enumerate(pool.map(one, spoken), 1):
            if not quiet and (i % 200 == 0 or i == len(spoken)):
                print(f"  rendered {i}/{len(spoken)} clips", file=sys.stderr)


def clean_speech(clip: dict) -> np.ndarray:
    return read_wav(rendered(clip["text"], clip["voice"], clip["rate"], clip["pitch"]))[0]


def synth(spec: dict, clip_id: str) -> np.ndarray:
    """Silence (optionally with a faint hiss) or a noise-only clip."""
    n = int(spec["seconds"] * RATE)
    if spec["type"] == "silence":
        if spec.get("level_db") is None:
            return np.zeros(n, dtype=np.float32)
        rng = np.random.default_rng(random.Random(clip_id).getrandbits(32))
        return (rng.standard_normal(n) * 10 ** (spec["level_db"] / 20)).astype(np.float32)
    if spec["type"] == "noise":
        return noise_only(spec["noise"], spec["seconds"], spec["offset"], spec["peak"])
    raise ValueError(f"{clip_id}: unknown synth type {spec['type']!r}")


def samples(clip: dict, condition: dict) -> np.ndarray:
    """The int16 16 kHz mono samples the recogniser hears for (clip, condition)."""
    if clip.get("synth"):
        return to_int16(synth(clip["synth"], clip["id"]))
    return to_int16(mix(clean_speech(clip), condition["noise"], condition["snr"],
                        condition["offset"]))


def export(out_dir: Path, split: str = "tune", kinds: tuple[str, ...] = (), quick: bool = False,
           conditions: tuple[str, ...] = ()) -> int:
    """Write the mixed WAVs of a split (for listening, or for tuning an engine on `tune`)."""
    from bench.audio import write_wav
    from bench.dataset import load_manifest
    from bench.noise import prepare_beds

    chosen = [c for c in load_manifest() if (split == "all" or c["split"] == split)
              and (not kinds or c["kind"] in kinds) and (not quick or c.get("quick"))]
    prepare_beds()
    render_all(chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out_dir / "labels.jsonl", "w", encoding="utf-8") as labels:
        for clip in chosen:
            for cond in clip["conditions"]:
                if conditions and cond["name"] not in conditions:
                    continue
                name = f"{clip['id']}__{cond['name']}.wav"
                write_wav(out_dir / name, samples(clip, cond))
                labels.write(json.dumps({"file": name, "condition": cond, **{
                    k: clip[k] for k in ("id", "kind", "split", "category", "text", "voice",
                                         "rate", "pitch", "expected")}}) + "\n")
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.clips",
                                 description="Write evaluation clips as WAV files.")
    ap.add_argument("--export", type=Path, required=True, metavar="DIR")
    ap.add_argument("--split", choices=("test", "tune", "all"), default="tune")
    ap.add_argument("--kind", action="append", choices=("positive", "negative", "coach"),
                    default=[], help="repeatable; default all kinds")
    ap.add_argument("--condition", action="append", default=[],
                    help="clean, 24dB, 18dB, 12dB, 6dB or as-is; repeatable; default all")
    ap.add_argument("--quick", action="store_true", help="only the quick subset")
    args = ap.parse_args(argv)
    n = export(args.export, args.split, tuple(args.kind), args.quick, tuple(args.condition))
    print(f"wrote {n} WAV files and labels.jsonl to {args.export}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
