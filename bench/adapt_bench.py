"""Section "adapt": the acoustic model - bundled, adapted (`make model`), and with an enrolment.

Three measurements, all with the real pocketsphinx decoder and one decode per utterance:

- synthetic commands of the `test` split (voices never used for tuning or adaptation), clean and
  at 24 / 18 / 12 / 6 dB, for the bundled model and (when built) the adapted one;
- the real-speech development set, the held-out half of its speakers (`make model` may adapt
  on the others): commands right, non-commands acted on;
- enrolment: for each of a few test voices, `enroll` on the 26 enrolment prompts in that voice,
  then that voice's other commands (not prompts) at every SNR, with and without the transform.

Decode time (one utterance at a time, after the parallel pass) and peak memory per variant.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import clips as clipmod
from bench.asr_bench import CONDITIONS, _peak_rss_mb, _same_slots, _timing
from bench.audio import RATE, read_wav, rendered, to_int16
from bench.dataset import PROGRAM, SNRS, load_manifest
from bench.noise import NOISE_TYPES, mix, prepare_beds
from bench.real_bench import DEFAULT_DIR
from bench.sections import section

# Test voices (never in tuning or adaptation data) that each get enrolled.
ENROL_VOICES = (("en-gb-x-rp", 150, 50), ("en+m1", 170, 40), ("en-us+f4", 140, 60))
OTHER_COMMANDS = 40  # per enrolled voice, none of them an enrolment prompt
ENROL_SEED = 99


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--adapt-voices", type=int, default=len(ENROL_VOICES),
                    help="how many voices to enrol (default all three; 0 for none)")
    ap.add_argument("--candidate", action="append", type=Path, default=[], metavar="DIR",
                    help="also score an adapted model folder (means, variances) not shipped")
    ap.add_argument("--no-real", action="store_true", help="leave out the real-speech set")


# ---- workers

_W: dict[str, Any] = {}


def _init(acoustic: dict[str, str]) -> None:
    from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.content.programs import load_program

    grammar = Grammar.load(load_program(PROGRAM))
    _W["parser"] = IntentParser(grammar)
    prepare_beds()
    t0 = time.perf_counter()
    _W["engine"] = PocketsphinxEngine(grammar, acoustic=acoustic)
    _W["load_seconds"] = time.perf_counter() - t0


def _decode(job: dict) -> dict:
    from voice_coach.asr.audio_file import load_wav
    from voice_coach.asr.recognize import recognize_samples

    if "path" in job:
        audio = load_wav(job["path"])
    elif "clip" in job:
        audio = clipmod.samples(job["clip"], job["cond"])
    else:
        speech = read_wav(Path(job["speech"]))[0]
        audio = to_int16(mix(speech, job["noise"], job["snr"], job["offset"]))
    t0 = time.perf_counter()
    rec = recognize_samples(audio, _W["engine"], _W["parser"])
    seconds = time.perf_counter() - t0
    exp = job["expected"]
    got = rec.intent
    correct = exp is not None and got is not None and got.name == exp["intent"] \
        and _same_slots(dict(got.slots), exp["slots"])
    return {"group": job["group"], "condition": job["condition"], "correct": correct,
            "acted": got is not None, "decode_seconds": seconds,
            "audio_seconds": audio.size / RATE, "peak_rss_mb": _peak_rss_mb(),
            "load_seconds": _W["load_seconds"]}


def _run(acoustic: dict[str, str], jobs: list[dict], workers: int) -> list[dict]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init, initargs=(acoustic,)) as pool:
        rows = list(pool.imap_unordered(_decode, jobs, chunksize=4))
        step = max(1, len(jobs) // 30)
        timing = [pool.apply(_decode, (jobs[k],)) for k in range(0, len(jobs), step)]
    for r in timing:
        r["group"] = "timing"
    return rows + timing


# ---- jobs


def synthetic_jobs(quick: bool) -> list[dict]:
    jobs = []
    for clip in load_manifest():
        if clip["split"] != "test" or clip["kind"] != "positive" or (quick and not clip["quick"]):
            continue
        for cond in clip["conditions"]:
            jobs.append({"group": "synthetic", "condition": cond["name"], "clip": clip,
                         "cond": cond, "expected": clip["expected"]})
    return jobs


def real_jobs(folder: Path) -> list[dict]:
    """The real recordings of the speakers `make model` may not adapt on (about half)."""
    from bench.model_build import in_adaptation

    table = folder / "manifest.csv"
    if not table.is_file():
        return []
    with open(table, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if not in_adaptation(r["speaker"])]
    return [{"group": "real", "condition": r["kind"], "path": str(folder / r["path"]),
             "expected": {"intent": r["intent"], "slots": {}} if r["kind"] == "command"
             else None} for r in rows]


def enrol_voice(voice: tuple[str, int, int], base: str, work: Path, quick: bool,
                ) -> tuple[dict[str, str], list[dict], float]:
    """Enrol one voice on the prompts (on model `base`); its other commands as jobs; seconds
    the enrolment took."""
    from voice_coach.app.enroll import PROMPTS, enroll
    from voice_coach.asr import adapt
    from voice_coach.asr.audio_file import load_wav
    from voice_coach.asr.grammar import phrases
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.content.programs import load_program

    name, rate, pitch = voice
    items = [(load_wav(rendered(p, name, rate, pitch)), p, p) for p in PROMPTS]
    t0 = time.perf_counter()
    saved = enroll(items, adapt.find_tools(), work / f"{name}-{base}", base)
    seconds = time.perf_counter() - t0
    grammar = Grammar.load(load_program(PROGRAM))
    parser = IntentParser(grammar)
    rng = random.Random(f"{ENROL_SEED}-{name}")
    texts = [t for t in rng.sample(phrases(grammar), 3 * OTHER_COMMANDS) if t not in PROMPTS]
    texts = texts[: 10 if quick else OTHER_COMMANDS]
    jobs = []
    for i, text in enumerate(texts):
        intent = parser.parse(text, 1.0)
        assert intent is not None
        expected = {"intent": intent.name, "slots": {k: str(v) for k, v in intent.slots.items()}}
        speech = str(rendered(text, name, rate, pitch))
        for k, cond in enumerate(CONDITIONS):
            snr = None if cond == "clean" else SNRS[k - 1]
            noise = None if snr is None else NOISE_TYPES[(i + k) % len(NOISE_TYPES)]
            jobs.append({"group": f"voice:{name}", "condition": cond, "speech": speech,
                         "noise": noise, "snr": snr, "offset": rng.randrange(RATE * 20),
                         "expected": expected})
    return {**adapt.base_model(base)[1], "mllr": str(saved.transform)}, jobs, seconds


# ---- summary


def _pct(rows: list[dict], key: str = "correct") -> float | None:
    return round(100 * sum(r[key] for r in rows) / len(rows), 1) if rows else None


def summarize(rows: list[dict]) -> dict:
    timed = [r for r in rows if r["group"] == "timing"]
    rows = [r for r in rows if r["group"] != "timing"]
    out: dict[str, Any] = {}
    for group in sorted({r["group"] for r in rows}):
        sel = [r for r in rows if r["group"] == group]
        if group == "real":
            out["real_commands_right_pct"] = _pct([r for r in sel if r["condition"] == "command"])
            others = [r for r in sel if r["condition"] == "other"]
            out["real_non_commands_acted_on"] = f"{sum(r['acted'] for r in others)}/{len(others)}"
        else:
            out[group] = {c: _pct([r for r in sel if r["condition"] == c]) for c in CONDITIONS}
            out[group]["n"] = sum(1 for r in sel if r["condition"] == "clean")
    out["cost"] = {**_timing(timed),
                   "load_seconds": round(min((r["load_seconds"] for r in rows), default=0), 3),
                   "peak_rss_mb": round(max((r["peak_rss_mb"] for r in rows), default=0), 1)}
    return out


@section("adapt", "Acoustic model: bundled, adapted, enrolled", add_arguments)
def run(args: argparse.Namespace, console: Console) -> dict:
    from voice_coach.asr import adapt

    if "pocketsphinx" not in args.engines:
        return {"skipped": "pocketsphinx not selected"}
    prepare_beds()
    variants: dict[str, dict[str, str]] = {"bundled": {}}
    adapted = adapt.shipped_model()
    if adapted is not None:
        variants["adapted"] = adapt.adapted_config(adapted)
    for folder in args.candidate:
        variants[f"candidate {folder.name}"] = adapt.adapted_config(folder)
    base_jobs = synthetic_jobs(args.quick)
    if not args.no_real:
        base_jobs += real_jobs(getattr(args, "real_dir", DEFAULT_DIR))
    unique = {j["clip"]["id"]: j["clip"] for j in base_jobs if "clip" in j}
    clipmod.render_all(list(unique.values()), quiet=True)
    results: dict[str, Any] = {"variants": {}, "enrolment": {}}
    for name, acoustic in variants.items():
        console.print(f"{name}: {len(base_jobs)} utterances...")
        results["variants"][name] = summarize(_run(acoustic, base_jobs, args.workers))
    try:
        adapt.find_tools()
    except adapt.MissingToolsError as exc:
        results["enrolment"] = {"skipped": str(exc)}
    else:
        bases = ["bundled"] + (["adapted"] if adapted is not None else [])
        with tempfile.TemporaryDirectory(prefix="vc-enrol-") as tmp:
            for voice in ENROL_VOICES[: args.adapt_voices]:
                for base in bases:
                    acoustic, jobs, seconds = enrol_voice(voice, base, Path(tmp), args.quick)
                    console.print(f"enrolled {voice[0]} on {base} in {seconds:.1f} s; "
                                  f"{len(jobs)} utterances")
                    results["enrolment"][f"{voice[0]} {base}"] = {
                        "enrol_seconds": round(seconds, 1),
                        "base": summarize(_run(adapt.base_model(base)[1], jobs, args.workers)),
                        "enrolled": summarize(_run(acoustic, jobs, args.workers))}
    print_tables(results, console)
    return results


def print_tables(results: dict, console: Console) -> None:
    table = Table(title="Commands right (%), unseen voices; real speech; cost")
    for col in ("model", *CONDITIONS, "real cmds", "real FA", "ms p50", "RTF", "RSS MB"):
        table.add_column(col, justify="right")
    rows: list[tuple[str, dict, str]] = [
        (name, data, "synthetic") for name, data in results["variants"].items()]
    enrol = results["enrolment"]
    if "skipped" not in enrol:
        for voice, data in enrol.items():
            name = voice.split()[0]
            for kind in ("base", "enrolled"):
                label = voice if kind == "base" else f"{voice}+enrolment"
                rows.append((label, data[kind], f"voice:{name}"))
    for name, data, group in rows:
        acc = data.get(group, {})
        cost = data["cost"]
        table.add_row(name, *(_fmt(acc.get(c)) for c in CONDITIONS),
                      _fmt(data.get("real_commands_right_pct")),
                      str(data.get("real_non_commands_acted_on", "")),
                      _fmt(cost.get("decode_ms_p50")), _fmt(cost.get("rtf")),
                      _fmt(cost.get("peak_rss_mb")))
    console.print(table)
    if "skipped" in enrol:
        console.print(f"enrolment: skipped ({enrol['skipped']})")


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

