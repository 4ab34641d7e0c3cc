"""Section "real": the recogniser on real human speech (the shared development set).

457 real recordings, 16 kHz mono (`<real-dir>/manifest.csv`: path,kind,said,intent,speaker,source):
135 commands ("stop", "go", "yes", "no" → stop / start / yes / no) and 322 non-commands (single
words from Speech Commands, wake-word phrases from the Picovoice benchmark). Each clip is decoded
as it is, one decode per utterance, with the project's engine and the hip-hinge grammar; the
report is commands right per word, false actions per source, decode cost and the confidence
trade-off (bench.tradeoff). The folder is `--real-dir` (default ../shared/audio/real_speech next
to the repository); without it the section says so and skips.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.asr_bench import _quantile, _timing
from bench.audio import ROOT
from bench.dataset import PROGRAM
from bench.sections import section
from bench.tradeoff import THRESHOLDS, acts, candidate_fields, check, label, pct, right, wrong
from voice_coach.asr.confidence import ACCEPT

DEFAULT_DIR = ROOT.parent / "shared" / "audio" / "real_speech"
SINGLE_WORDS = ("up", "down", "left", "right", "on", "off")  # 25 each; the rest are "other words"
SOURCES = {"speech-commands-v0.02-test": "single words",
           "picovoice-wake-word-benchmark": "wake-word phrases"}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--real-dir", type=Path, default=DEFAULT_DIR,
                    help="real-speech development set (manifest.csv + WAVs; default "
                         "../shared/audio/real_speech from the repository root)")


# ---- worker side (spawned processes)

_W: dict[str, Any] = {}


def _init(engine_name: str, model: str | None, load_lock: Any) -> None:
    import os

    from voice_coach.asr.engines import open_engine
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.content.programs import load_program

    _W.update(pid=os.getpid(), error=None)
    try:
        grammar = Grammar.load(load_program(PROGRAM))
        _W["parser"] = IntentParser(grammar)
        with load_lock:
            t0 = time.perf_counter()
            _W["engine"] = open_engine(engine_name, grammar, model=model)
            _W["load_seconds"] = time.perf_counter() - t0
    except Exception as exc:  # report, don't crash the pool
        _W["error"] = f"{type(exc).__name__}: {exc}"


def _probe() -> dict:
    return {k: _W.get(k) for k in ("pid", "error", "load_seconds")}


def _decode(job: tuple[str, dict]) -> dict:
    from voice_coach.asr.audio_file import load_wav
    from voice_coach.asr.recognize import recognize_samples

    folder, clip = job
    audio = load_wav(Path(folder) / clip["path"])
    t0 = time.perf_counter()
    rec = recognize_samples(audio, _W["engine"], _W["parser"])
    wall = time.perf_counter() - t0
    x = np.abs(audio.astype(np.float32)) / 32768.0
    peak = float(x.max()) if x.size else 0.0
    intent = rec.intent
    return {
        "path": clip["path"], "kind": clip["kind"], "said": clip["said"],
        "source": clip["source"], "speaker": clip["speaker"],
        "expected": {"intent": clip["intent"], "slots": {}} if clip["intent"] else None,
        "heard": rec.text, "intent": intent.name if intent else None,
        "slots": dict(intent.slots) if intent else None,
        "confidence": rec.confidence, "reason": rec.reason,
        **candidate_fields(rec, _W["parser"]),
        "decode_seconds": wall, "audio_seconds": audio.size / 16000,
        "peak_dbfs": round(20 * np.log10(max(peak, 1e-6)), 1),
        "pid": _W["pid"], "load_seconds": _W["load_seconds"],
    }


# ---- main side


def load_clips(folder: Path) -> list[dict]:
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _group(r: dict) -> str:
    """Non-command reporting group: the word for the six common single words, else a bucket."""
    if r["source"] == "picovoice-wake-word-benchmark":
        return r["said"]
    return r["said"] if r["said"] in SINGLE_WORDS else "other words"


def summarize(rows: list[dict], timing_rows: list[dict]) -> dict:
    cmds = [r for r in rows if r["kind"] == "command"]
    others = [r for r in rows if r["kind"] != "command"]

    def cmd_stats(sel: list[dict]) -> dict:
        n = len(sel)
        ok = sum(r["intent"] == r["expected"]["intent"] for r in sel)
        bad = sum(1 for r in sel if r["intent"] and r["intent"] != r["expected"]["intent"])
        cand_ok = sum(r["cand_intent"] == r["expected"]["intent"] for r in sel)
        reasons = Counter(r["reason"] or "accepted" for r in sel if r["intent"] is None)
        return {"n": n, "right": ok, "right_pct": pct(ok, n), "wrong_intent": bad,
                "wrong_intent_pct": pct(bad, n), "rejected": n - ok - bad,
                "right_before_gate": cand_ok, "rejected_by_reason": dict(reasons.most_common())}

    words = sorted({r["said"] for r in cmds}, key=["stop", "go", "yes", "no"].index)
    commands = {"all": cmd_stats(cmds), **{w: {"intent": next(r["expected"]["intent"] for r in cmds
                                                               if r["said"] == w),
                                               **cmd_stats([r for r in cmds if r["said"] == w])}
                                           for w in words}}
    commands["confusions"] = dict(Counter(
        f"{r['said']} -> {r['intent']}" for r in cmds
        if r["intent"] and r["intent"] != r["expected"]["intent"]).most_common())

    def fa(sel: list[dict]) -> dict:
        hits = [r for r in sel if r["intent"]]
        return {"n": len(sel), "false_actions": len(hits), "pct": pct(len(hits), len(sel)),
                "by_intent": dict(Counter(r["intent"] for r in hits).most_common())}

    by_source = {name: fa([r for r in others if r["source"] == src])
                 for src, name in SOURCES.items()}
    groups = [*SINGLE_WORDS, "other words",
              *sorted({r["said"] for r in others if r["source"] != "speech-commands-v0.02-test"})]
    non_commands = {
        "all": fa(others), "by_source": by_source,
        "by_word": {g: fa([r for r in others if _group(r) == g]) for g in groups},
    }

    curve_rows = []
    singles = [r for r in others if r["source"] == "speech-commands-v0.02-test"]
    wakes = [r for r in others if r["source"] == "picovoice-wake-word-benchmark"]
    for t in THRESHOLDS:
        ok = sum(right(r, t) for r in cmds)
        bad = sum(wrong(r, t) for r in cmds)
        fs, fw = sum(1 for r in singles if acts(r, t)), sum(1 for r in wakes if acts(r, t))
        curve_rows.append({
            "threshold": t, "right": ok, "right_pct": pct(ok, len(cmds)),
            "right_by_word_pct": {w: pct(sum(right(r, t) for r in cmds if r["said"] == w),
                                         sum(1 for r in cmds if r["said"] == w)) for w in words},
            "wrong_intent": bad, "wrong_intent_pct": pct(bad, len(cmds)),
            "single_word_false_actions": fs, "wake_word_false_actions": fw,
            "non_command_false_actions_pct": pct(fs + fw, len(others)),
            "commands_n": len(cmds), "single_words_n": len(singles), "wake_words_n": len(wakes),
        })

    loads = sorted({r["pid"]: r["load_seconds"] for r in rows}.values())
    cost = {**_timing(timing_rows), "under_load": _timing(rows),
            "load_seconds": round(loads[0], 3) if loads else None}

    def brief(r: dict) -> dict:
        return {"path": r["path"], "said": r["said"], "heard": r["heard"],
                "candidate": r["cand_intent"], "confidence": r["confidence"],
                "reason": r["reason"], "peak_dbfs": r["peak_dbfs"],
                "seconds": round(r["audio_seconds"], 2)}

    return {
        "commands": commands, "non_commands": non_commands,
        "curve": {"rows": curve_rows, "mismatches_at_accept": check(rows)},
        "cost": cost,
        "commands_missed": [brief(r) for r in cmds if r["intent"] != r["expected"]["intent"]],
        "false_actions": [brief(r) for r in others if r["intent"]],
        "heard_on_missed_commands": dict(Counter(
            r["heard"] or "(nothing)" for r in cmds
            if r["intent"] != r["expected"]["intent"]).most_common(20)),
        "level": _levels(cmds),
    }


def _levels(cmds: list[dict]) -> dict:
    """Peak level of right vs missed commands (is a miss a quiet clip?)."""
    def q(sel: list[dict]) -> dict:
        v = sorted(r["peak_dbfs"] for r in sel)
        return {"n": len(v), "peak_dbfs_p10": round(_quantile(v, 0.1), 1) if v else None,
                "peak_dbfs_p50": round(_quantile(v, 0.5), 1) if v else None}

    return {"right": q([r for r in cmds if r["intent"] == r["expected"]["intent"]]),
            "missed": q([r for r in cmds if r["intent"] != r["expected"]["intent"]])}


def _fmt(v: Any, suffix: str = "") -> str:
    return "—" if v is None else f"{v:g}{suffix}"


def print_tables(console: Console, name: str, s: dict) -> None:
    c = s["commands"]
    t = Table(title=f"{name}: real commands ({c['all']['n']} speakers, one clip each)")
    for col in ("said", "expected", "n", "right", "wrong intent", "rejected",
                "right before the gate"):
        t.add_column(col, justify="left" if col in ("said", "expected") else "right")
    for w, st in c.items():
        if w in ("all", "confusions"):
            continue
        t.add_row(w, st["intent"], str(st["n"]), f"{st['right']} ({_fmt(st['right_pct'], '%')})",
                  f"{st['wrong_intent']} ({_fmt(st['wrong_intent_pct'], '%')})",
                  str(st["rejected"]), str(st["right_before_gate"]))
    a = c["all"]
    t.add_row("all", "", str(a["n"]), f"{a['right']} ({_fmt(a['right_pct'], '%')})",
              f"{a['wrong_intent']} ({_fmt(a['wrong_intent_pct'], '%')})", str(a["rejected"]),
              str(a["right_before_gate"]), style="bold")
    console.print(t)
    if c["confusions"]:
        console.print("wrong intents: " + ", ".join(f"{k} ×{v}" for k, v in
                                                     c["confusions"].items()))

    nc = s["non_commands"]
    t = Table(title=f"{name}: false actions on real non-commands")
    for col in ("source / word", "n", "acted on", "intents"):
        t.add_column(col, justify="left" if col in ("source / word", "intents") else "right")
    for src, st in nc["by_source"].items():
        t.add_row(src, str(st["n"]), f"{st['false_actions']} ({_fmt(st['pct'], '%')})",
                  ", ".join(f"{k} ×{v}" for k, v in st["by_intent"].items()), style="bold")
        for g, gs in nc["by_word"].items():
            in_src = (g in SINGLE_WORDS or g == "other words") == (src == "single words")
            if in_src:
                t.add_row(f"  {g}", str(gs["n"]), f"{gs['false_actions']}",
                          ", ".join(f"{k} ×{v}" for k, v in gs["by_intent"].items()))
    al = nc["all"]
    t.add_row("all non-commands", str(al["n"]),
              f"{al['false_actions']} ({_fmt(al['pct'], '%')})", "", style="bold")
    console.print(t)

    cost = s["cost"]
    console.print(
        f"decode (one at a time, n={cost.get('utterances')}): p50 "
        f"{_fmt(cost.get('decode_ms_p50'), ' ms')}, p95 {_fmt(cost.get('decode_ms_p95'), ' ms')}, "
        f"RTF {_fmt(cost.get('rtf'))}; under load (all {cost['under_load'].get('utterances')} "
        f"clips, 2 workers): p50 {_fmt(cost['under_load'].get('decode_ms_p50'), ' ms')}, "
        f"p95 {_fmt(cost['under_load'].get('decode_ms_p95'), ' ms')}; load "
        f"{_fmt(cost.get('load_seconds'), ' s')}")

    cur = s["curve"]
    first = cur["rows"][0]
    t = Table(title=f"{name}: real speech, trade-off by accepting threshold "
                    "(act when confidence ≥ t)")
    for col in ("threshold", f"commands right\n(of {first['commands_n']})",
                *(f"{w}" for w in first["right_by_word_pct"]), "wrong intent",
                f"single words\nacted on (of {first['single_words_n']})",
                f"wake-word phrases\nacted on (of {first['wake_words_n']})", "all non-commands"):
        t.add_column(col, justify="left" if col == "threshold" else "right",
                     no_wrap=col == "threshold")
    for row in cur["rows"]:
        t.add_row(label(row["threshold"]), f"{row['right']} ({_fmt(row['right_pct'], '%')})",
                  *(_fmt(v, "%") for v in row["right_by_word_pct"].values()),
                  f"{row['wrong_intent']} ({_fmt(row['wrong_intent_pct'], '%')})",
                  str(row["single_word_false_actions"]), str(row["wake_word_false_actions"]),
                  _fmt(row["non_command_false_actions_pct"], "%"),
                  style="bold" if row["threshold"] == ACCEPT else None)
    console.print(t)
    if cur["mismatches_at_accept"]:
        console.print(f"[yellow]warning: {cur['mismatches_at_accept']} clip(s) where the curve "
                      "at ACCEPT disagrees with what recognize_samples returned[/]")


@section("real", "Real human speech: commands right, false actions, trade-off",
         add_arguments=add_arguments)
def run(args: argparse.Namespace, console: Console) -> dict:
    folder = Path(args.real_dir).resolve()
    if not (folder / "manifest.csv").is_file():
        console.print(f"real-speech set not found at {folder} (no manifest.csv): skipped; "
                      "point --real-dir at it")
        return {"skipped": True, "real_dir": str(folder)}
    clips = load_clips(folder)
    missing = [c["path"] for c in clips if not (folder / c["path"]).is_file()]
    clips = [c for c in clips if (folder / c["path"]).is_file()]
    if missing:
        console.print(f"[yellow]{len(missing)} clip(s) in the manifest are missing[/]")
    if args.quick:  # every 4th clip of each said word
        seen: Counter = Counter()
        keep = []
        for c in clips:
            if seen[c["said"]] % 4 == 0:
                keep.append(c)
            seen[c["said"]] += 1
        clips = keep
    jobs = [(str(folder), c) for c in clips]
    # long clips first so the pool's tail is short
    jobs.sort(key=lambda j: (j[1]["source"] != "picovoice-wake-word-benchmark", j[1]["path"]))

    ctx = mp.get_context("spawn")
    engines: dict[str, dict] = {}
    rows_all: list[dict] = []
    for name in args.engines:
        lock = ctx.Lock()
        with ctx.Pool(max(1, args.workers), initializer=_init,
                      initargs=(name, args.model, lock)) as pool:
            probe = pool.apply(_probe)
            if probe["error"]:
                engines[name] = {"available": False, "error": probe["error"]}
                console.print(f"{name}: not available ({probe['error']})")
                continue
            console.print(f"{name}: decoding {len(jobs)} real clips with "
                          f"{max(1, args.workers)} worker(s)...")
            t0 = time.perf_counter()
            rows = list(pool.imap_unordered(_decode, jobs, chunksize=4))
            wall = time.perf_counter() - t0
            n = min(len(jobs), args.timing_samples if not args.quick else 20)
            timing = [pool.apply(_decode, (jobs[round(k * (len(jobs) - 1) / max(1, n - 1))],))
                      for k in range(n)] if n else []
        summary = summarize(rows, timing)
        engines[name] = {"available": True, "summary": summary,
                         "decode_wall_seconds": round(wall, 1)}
        print_tables(console, name, summary)
        rows_all += [{"engine": name, **r} for r in sorted(rows, key=lambda r: r["path"])]
    detail = args.out.with_name(f"{args.out.stem}-real-utterances.jsonl")
    detail.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_all),
                      encoding="utf-8")
    console.print(f"per-clip results: {detail}")
    return {"real_dir": str(folder), "clips": len(jobs), "quick": args.quick,
            "manifest_counts": dict(Counter(f"{c['kind']}/{c['source']}" for c in clips)),
            "engines": engines, "utterances_file": str(detail)}
