"""Wake-word mode: detections on rendered voices, false wakes on real speech and on the coach's
own voice, and what the detector costs per second of audio.

    .venv/bin/python -m bench --sections wakeword
    .venv/bin/python -m bench.wakeword_bench [--models okay_nabu,hey_jarvis]

Needs the optional `pymicro-wakeword` package (`pip install -e '.[wakeword]'`). Real speech comes
from the shared set (`--real-speech DIR`, default ../shared/audio/real_speech): every clip goes
through a fresh detector with 0.5 s of silence after it. The coach's voice is every sentence of
`spoken_lines(program)` rendered by its own TTS (pyttsx3 + espeak-ng, default voice and rate),
joined with 0.4 s pauses and played through one detector, as a whole session would be.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.audio import ROOT, espeak, to_int16
from bench.sections import section
from voice_coach.pcm import SAMPLE_RATE, resample

PHRASE_VOICES = ("en-us", "en-gb", "en+m3", "en-us+f3", "en+f2", "en-gb-x-rp", "en-us+klatt",
                 "en-029", "en-gb-scotland", "en-us-nyc")
RATES = (130, 175, 220)
REAL_SPEECH = ROOT.parent / "shared" / "audio" / "real_speech"
GAP = np.zeros(int(0.4 * SAMPLE_RATE), np.int16)


def _detections(model: str, audio: np.ndarray, block: int = 480) -> tuple[list[float], float]:
    """Feed `audio` in mic-sized blocks (30 ms) through a fresh detector: (hits, peak)."""
    from voice_coach.asr.wakeword import WakeWordDetector

    det = WakeWordDetector(model)
    hits: list[float] = []
    for i in range(0, len(audio), block):
        hits += det.feed(audio[i:i + block])
    det.close()
    return hits, det.peak


def rendered_phrases(models: list[str], quick: bool) -> dict[str, Any]:
    from voice_coach.asr.wakeword import PHRASES

    voices = PHRASE_VOICES[:3] if quick else PHRASE_VOICES
    out: dict[str, Any] = {}
    for model in models:
        per_voice: dict[str, list[int]] = {}
        for voice in voices:
            got = []
            for rate in RATES:
                clip = to_int16(espeak(PHRASES[model], voice, rate, 50))
                audio = np.concatenate([GAP, clip, GAP, GAP])
                got.append(int(bool(_detections(model, audio)[0])))
            per_voice[voice] = got
        n = sum(len(v) for v in per_voice.values())
        out[model] = {"detected": sum(map(sum, per_voice.values())), "of": n,
                      "per_voice": per_voice}
    return out


def real_speech(models: list[str], folder: Path, quick: bool) -> dict[str, Any]:
    from voice_coach.asr.audio_file import load_wav

    with (folder / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if quick:
        rows = rows[::10]
    out: dict[str, Any] = {}
    for model in models:
        wakes: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for row in rows:
            group = row["said"] if row["path"].startswith("wake_words") else \
                "commands" if row["kind"] == "command" else "other words"
            total[group] += 1
            audio = np.concatenate([load_wav(folder / row["path"]), GAP])
            if _detections(model, audio)[0]:
                wakes[group] += 1
        out[model] = {"false_wakes": sum(wakes.values()), "clips": len(rows),
                      "by_group": {g: [wakes[g], total[g]] for g in sorted(total)}}
    return out


def coach_voice(models: list[str], quick: bool) -> dict[str, Any]:
    """The coach's whole repertoire in its own voice, end to end, through each detector."""
    from voice_coach.adapters.tts import Pyttsx3Synthesizer
    from voice_coach.content.programs import load_program
    from voice_coach.core.lines import spoken_lines

    lines = spoken_lines(load_program("hip-hinge"))
    if quick:
        lines = lines[:40]
    parts: list[np.ndarray] = []
    with Pyttsx3Synthesizer() as synth:
        for text in lines:
            x = synth.render(text)
            parts += [to_int16(resample(np.asarray(x, np.float32), synth.samplerate)), GAP]
    audio = np.concatenate(parts)
    seconds = len(audio) / SAMPLE_RATE
    out: dict[str, Any] = {"lines": len(lines), "seconds": round(seconds, 1)}
    for model in models:
        t0 = time.process_time()
        hits, peak = _detections(model, audio)
        cpu = time.process_time() - t0
        out[model] = {"false_wakes": len(hits), "at_seconds": [round(h, 1) for h in hits],
                      "peak": round(peak, 3), "cpu_ms_per_audio_s": round(1000 * cpu / seconds, 2)}
    return out


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--models", default="okay_nabu,hey_jarvis,alexa,hey_mycroft",
                    help="wake-word models to measure, comma-separated")
    ap.add_argument("--real-speech", type=Path, default=REAL_SPEECH,
                    help="the real-speech set (manifest.csv + clips)")


@section("wakeword", "Wake word: detections, false wakes, cost", add_arguments, default=False)
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    data: dict[str, Any] = {"rendered": rendered_phrases(models, args.quick)}
    if (args.real_speech / "manifest.csv").is_file():
        data["real_speech"] = real_speech(models, args.real_speech, args.quick)
    data["coach_voice"] = coach_voice(models, args.quick)
    _print(data, models, console)
    return data


def _print(data: dict[str, Any], models: list[str], console: Console) -> None:
    voices = next(iter(data["rendered"].values()))["per_voice"]
    t = Table(title=f"rendered wake phrases detected (espeak-ng, rates {RATES} wpm)")
    t.add_column("model")
    for voice in voices:
        t.add_column(voice, justify="right")
    t.add_column("total", justify="right")
    for model in models:
        r = data["rendered"][model]
        t.add_row(model, *(f"{sum(v)}/{len(v)}" for v in r["per_voice"].values()),
                  f"{r['detected']}/{r['of']}")
    console.print(t)
    if "real_speech" in data:
        groups = next(iter(data["real_speech"].values()))["by_group"]
        t = Table(title="false wakes on real speech (clips that woke the detector)")
        t.add_column("model")
        for g in groups:
            t.add_column(f"{g}\n(n={groups[g][1]})", justify="right")
        t.add_column("total", justify="right")
        for model in models:
            r = data["real_speech"][model]
            t.add_row(model, *(str(r["by_group"][g][0]) for g in groups),
                      f"{r['false_wakes']}/{r['clips']}")
        console.print(t)
    cv = data["coach_voice"]
    t = Table(title=f"the coach's own voice: {cv['lines']} lines, {cv['seconds'] / 60:.1f} min")
    for col in ("model", "false wakes", "peak probability", "CPU ms per audio s"):
        t.add_column(col, justify="right")
    for model in models:
        r = cv[model]
        t.add_row(model, str(r["false_wakes"]), f"{r['peak']:.3f}",
                  f"{r['cpu_ms_per_audio_s']:.1f}")
    console.print(t)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    add_arguments(ap)
    run(ap.parse_args(), Console(width=130))
