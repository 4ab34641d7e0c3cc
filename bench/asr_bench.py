"""Section "asr": intent accuracy by SNR, false actions on non-commands, decode cost, per engine.

Each engine runs in its own pool of fresh (spawned) worker processes, so load time and peak RSS
are that engine's alone (plus the Python/numpy baseline, reported separately). Workers build each
condition's audio themselves (clean rendering from the cache + noise mix) and time only
`recognize_samples`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import clips as clipmod
from bench.audio import RATE
from bench.dataset import PROGRAM, SNRS, build, dumps, load_manifest
from bench.noise import NOISE_TYPES, prepare_beds
from bench.sections import section
from bench.tradeoff import THRESHOLDS, acts, candidate_fields, check, label, right, wrong
from voice_coach.asr.confidence import ACCEPT

CONDITIONS = ("clean", *(f"{s}dB" for s in SNRS))
QUICK_CONDITIONS = ("clean", "12dB")
SPEECH_NEGATIVES = ("chatter", "counting", "coffee", "audiobook", "single_word", "near_miss")


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--split", choices=("test", "tune", "all"), default="test",
                    help="which voices to score (default: test = voices never used for tuning)")
    ap.add_argument("--model", default=None, help="vosk model folder (else the usual lookup)")
    ap.add_argument("--denoise", choices=("off", "on", "both"), default="off",
                    help="engines' denoising front-end: off (default), on, or both as two rows")
    ap.add_argument("--timing-samples", type=int, default=60,
                    help="utterances re-decoded one at a time for the decode-time figures")


# ---- worker side (runs in spawned processes)

_W: dict[str, Any] = {}


def _rss_mb() -> float:
    """Current resident set size of this process, MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _init(engine_name: str, model: str | None, denoise: bool, load_lock: Any) -> None:
    import os

    from voice_coach.asr.engines import open_engine
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.content.programs import load_program

    _W.update(pid=os.getpid(), error=None)
    try:
        program = load_program(PROGRAM)
        grammar = Grammar.load(program)
        _W["parser"] = IntentParser(grammar)
        prepare_beds()
        _W["rss_before_engine"] = _rss_mb()
        kwargs: dict[str, Any] = {"model": model}
        if denoise:
            kwargs["denoise"] = True
        with load_lock:  # one load at a time, so load time is not inflated by the other worker
            t0 = time.perf_counter()
            _W["engine"] = open_engine(engine_name, grammar, **kwargs)
            _W["load_seconds"] = time.perf_counter() - t0
    except Exception as exc:  # EngineError and anything else: report, don't crash the pool
        _W["error"] = f"{type(exc).__name__}: {exc}"


def _probe() -> dict:
    return {k: _W.get(k) for k in ("pid", "error", "load_seconds", "rss_before_engine")}


def _decode(job: tuple[dict, dict]) -> dict:
    from voice_coach.asr.recognize import recognize_samples

    clip, cond = job
    audio = clipmod.samples(clip, cond)
    t0 = time.perf_counter()
    rec = recognize_samples(audio, _W["engine"], _W["parser"])
    wall = time.perf_counter() - t0
    intent = rec.intent
    strict_intent = intent.name if intent else None
    if intent is not None and clip["kind"] == "coach":
        # While the coach talks, the live listener accepts only barge-in intents ("stop",
        # "pause", "quieter"); only an accepted utterance can change, so re-judge just those.
        from voice_coach.asr.listener import Listener

        verdict = Listener(_W["engine"], _W["parser"]).judge(audio, speaking=True)
        strict_intent = verdict.intent.name if verdict.intent else None
    return {
        "id": clip["id"], "condition": cond["name"], "noise": cond["noise"], "snr": cond["snr"],
        "kind": clip["kind"], "category": clip["category"], "text": clip["text"],
        "voice": clip["voice"], "parses_as": clip.get("parses_as"),
        "expected": clip["expected"],
        "heard": rec.text, "intent": intent.name if intent else None,
        "slots": _jsonable(intent.slots) if intent else None,
        "confidence": rec.confidence, "reason": getattr(rec, "reason", ""),
        **candidate_fields(rec, _W["parser"]),
        "strict_intent": strict_intent, "decode_seconds": wall,
        "audio_seconds": audio.size / RATE, "pid": _W["pid"], "peak_rss_mb": _peak_rss_mb(),
        "load_seconds": _W["load_seconds"], "rss_before_engine_mb": _W["rss_before_engine"],
    }


def _jsonable(slots: dict) -> dict:
    return {k: v if isinstance(v, (int, float, str, bool)) or v is None else str(v)
            for k, v in slots.items()}


def curve(rows: list[dict]) -> dict:
    """Commands right / wrong and false actions at each accepting threshold (see bench.tradeoff).
    Coach lines: acted on as if the user said them, and (`coach_barge_in`) what the listener
    would accept while the coach talks: barge-in intents only."""
    from voice_coach.core.events import BARGE_IN

    pos = [r for r in rows if r["kind"] == "positive"]
    neg = [r for r in rows if r["kind"] == "negative" and r["category"] in SPEECH_NEGATIVES]
    other = [r for r in rows if r["kind"] == "negative" and r["category"] not in SPEECH_NEGATIVES]
    coach = [r for r in rows if r["kind"] == "coach"]
    noisy = [r for r in pos if r["snr"] is not None]
    out = []
    for t in THRESHOLDS:
        by_cond = {}
        for cond in CONDITIONS:
            sel = [r for r in pos if r["condition"] == cond]
            if sel:
                by_cond[cond] = _pct(sum(right(r, t) for r in sel), len(sel))
        noisy_acc = [v for c, v in by_cond.items() if c != "clean" and v is not None]
        clean = [r for r in pos if r["snr"] is None]
        speech_fa = sum(1 for r in neg if acts(r, t))
        out.append({
            "threshold": t,
            "right_pct": by_cond,
            "right_avg_noisy_pct": round(statistics.mean(noisy_acc), 1) if noisy_acc else None,
            "wrong_clean_pct": _pct(sum(wrong(r, t) for r in clean), len(clean)),
            "wrong_noisy_pct": _pct(sum(wrong(r, t) for r in noisy), len(noisy)),
            "speech_false_actions": speech_fa, "speech_n": len(neg),
            "speech_false_actions_pct": _pct(speech_fa, len(neg)),
            "coach_false_actions": sum(1 for r in coach if acts(r, t)), "coach_n": len(coach),
            "coach_barge_in": sum(1 for r in coach if acts(r, t) in BARGE_IN),
            "silence_noise_false_actions": sum(1 for r in other if acts(r, t)),
            "silence_noise_n": len(other),
        })
    return {"rows": out, "mismatches_at_accept": check(rows)}


# ---- main side


def _jobs(manifest: list[dict], split: str, quick: bool) -> list[tuple[dict, dict]]:
    jobs = []
    for i, clip in enumerate(manifest):
        if split != "all" and clip["split"] != split:
            continue
        # the quick subset is flagged in the manifest for `test`; for `tune` take every 5th clip
        if quick and not (clip.get("quick") or (clip["split"] == "tune" and i % 5 == 0)):
            continue
        for cond in clip["conditions"]:
            if quick and clip["kind"] == "positive" and cond["name"] not in QUICK_CONDITIONS:
                continue
            jobs.append((clip, cond))
    # long clips first so the pool's tail is short
    jobs.sort(key=lambda j: (j[0]["kind"] != "coach", j[0]["id"], j[1]["name"]))
    return jobs


def _same_slots(a: dict | None, b: dict | None) -> bool:
    def norm(d: dict | None) -> dict:
        return {k: str(v) for k, v in (d or {}).items()}

    return norm(a) == norm(b)


def _pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def _variants(args: argparse.Namespace) -> list[tuple[str, str, bool]]:
    """(row label, engine name, denoise) for every engine run asked for."""
    flags = {"off": (False,), "on": (True,), "both": (False, True)}[args.denoise]
    return [(f"{name}+denoise" if d else name, name, d) for name in args.engines for d in flags]


def _run_engine(label: str, name: str, denoise: bool, jobs: list[tuple[dict, dict]],
                args: argparse.Namespace, console: Console) -> dict:
    ctx = mp.get_context("spawn")
    workers = max(1, args.workers)
    lock = ctx.Lock()
    with ctx.Pool(workers, initializer=_init, initargs=(name, args.model, denoise, lock)) as pool:
        probe = pool.apply(_probe)
        if probe["error"]:
            return {"available": False, "error": probe["error"]}
        console.print(f"{label}: decoding {len(jobs)} utterances with {workers} worker(s)...")
        t0 = time.perf_counter()
        rows = []
        for i, row in enumerate(pool.imap_unordered(_decode, jobs, chunksize=4), 1):
            rows.append(row)
            if i % 250 == 0:
                console.print(f"  {i}/{len(jobs)}  ({time.perf_counter() - t0:.0f} s)")
        wall = time.perf_counter() - t0
        # Concurrent workers slow each other down (shared cores, caches, SMT), so decode time is
        # measured again on an evenly spaced sample, one utterance at a time.
        n = min(len(jobs), args.timing_samples if not args.quick else 20)
        timing = [pool.apply(_decode, (jobs[round(k * (len(jobs) - 1) / max(1, n - 1))],))
                  for k in range(n)] if n else []
    return {"available": True, "rows": rows, "timing_rows": timing, "decode_wall_seconds": wall}


def _timing(rows: list[dict]) -> dict:
    times = sorted(r["decode_seconds"] for r in rows)
    audio = sum(r["audio_seconds"] for r in rows)
    if not times:
        return {"utterances": 0}
    return {
        "utterances": len(rows),
        "decode_ms_p50": round(1000 * _quantile(times, 0.5), 1),
        "decode_ms_p95": round(1000 * _quantile(times, 0.95), 1),
        "decode_ms_max": round(1000 * times[-1], 1),
        "rtf": round(sum(times) / audio, 4) if audio else None,
        "audio_seconds": round(audio, 1),
    }


def summarize(rows: list[dict], timing_rows: list[dict]) -> dict:
    pos = [r for r in rows if r["kind"] == "positive"]
    for r in pos:
        exp = r["expected"]
        r["correct"] = r["intent"] == exp["intent"] and _same_slots(r["slots"], exp["slots"])
    acc: dict[str, Any] = {}
    wrong: dict[str, Any] = {}
    n_by_cond: dict[str, int] = {}
    for cond in CONDITIONS:
        sel = [r for r in pos if r["condition"] == cond]
        n_by_cond[cond] = len(sel)
        acc[cond] = _pct(sum(r["correct"] for r in sel), len(sel))
        wrong[cond] = _pct(sum(1 for r in sel if r["intent"] and not r["correct"]), len(sel))
    noisy = [acc[c] for c in CONDITIONS[1:] if acc[c] is not None]
    acc["avg_6_24"] = round(statistics.mean(noisy), 1) if noisy else None
    noisy_pos = [r for r in pos if r["snr"] is not None]
    wrong["avg_6_24"] = _pct(sum(1 for r in noisy_pos if r["intent"] and not r["correct"]),
                             len(noisy_pos))

    by_noise = {}
    for noise in NOISE_TYPES:
        sel = [r for r in noisy_pos if r["noise"] == noise]
        by_noise[noise] = _pct(sum(r["correct"] for r in sel), len(sel))
    by_intent: dict[str, dict] = {}
    for intent in sorted({r["expected"]["intent"] for r in pos}):
        sel = [r for r in pos if r["expected"]["intent"] == intent]
        clean = [r for r in sel if r["condition"] == "clean"]
        by_intent[intent] = {"clean": _pct(sum(r["correct"] for r in clean), len(clean)),
                             "noisy": _pct(sum(r["correct"] for r in sel if r["snr"]),
                                           sum(1 for r in sel if r["snr"]))}
    confusions = Counter(f"{r['expected']['intent']} -> {r['intent'] or '(rejected)'}"
                         for r in pos if not r["correct"])

    def fa(sel: list[dict]) -> dict:
        hits = [r for r in sel if r["intent"]]
        return {"n": len(sel), "false_actions": len(hits), "pct": _pct(len(hits), len(sel)),
                "by_intent": dict(Counter(r["intent"] for r in hits).most_common())}

    neg = [r for r in rows if r["kind"] == "negative" and r["category"] in SPEECH_NEGATIVES]
    other = [r for r in rows if r["kind"] == "negative" and r["category"] not in SPEECH_NEGATIVES]
    coach = [r for r in rows if r["kind"] == "coach"]
    negatives = {
        "speech": fa(neg),
        "speech_clean": fa([r for r in neg if r["snr"] is None]),
        "speech_noisy": fa([r for r in neg if r["snr"] is not None]),
        "by_category": {c: fa([r for r in neg if r["category"] == c]) for c in SPEECH_NEGATIVES},
        "silence_and_noise": fa(other),
        "coach": fa(coach),
        "coach_clean": fa([r for r in coach if r["snr"] is None]),
        "coach_strict": fa([{**r, "intent": r["strict_intent"]} for r in coach]),
        # lines the templates accept as text (e.g. a bare drill name): only a self-hearing gate
        # can keep these out
        "coach_lines_that_are_commands": fa([r for r in coach if r.get("parses_as")]),
        "examples": [
            {"id": r["id"], "condition": r["condition"], "text": r["text"], "heard": r["heard"],
             "intent": r["intent"], "confidence": r["confidence"]}
            for r in neg + other + coach if r["intent"]
        ],
    }

    peak_by_pid: dict[int, float] = defaultdict(float)
    per_worker: dict[int, dict] = {}
    for r in rows:
        peak_by_pid[r["pid"]] = max(peak_by_pid[r["pid"]], r["peak_rss_mb"])
        per_worker[r["pid"]] = r
    loads = [r["load_seconds"] for r in per_worker.values()]
    cost = {
        **_timing(timing_rows),  # one utterance at a time: the numbers to quote
        "under_load": {**_timing(rows), "concurrent_workers": len(per_worker)},
        # workers load one at a time; the first load has the machine to itself
        "load_seconds": round(min(loads), 3) if loads else None,
        "load_seconds_each_worker": [round(x, 3) for x in loads],
        "peak_rss_mb": round(max(peak_by_pid.values()), 1) if peak_by_pid else None,
        "rss_before_engine_mb": round(max((r["rss_before_engine_mb"] for r in per_worker.values()),
                                          default=0), 1),
    }
    return {
        "accuracy_pct": acc, "wrong_intent_pct": wrong, "positives_per_condition": n_by_cond,
        "accuracy_by_noise_pct": by_noise, "accuracy_by_intent_pct": by_intent,
        "top_confusions": dict(confusions.most_common(15)), "negatives": negatives, "cost": cost,
        "curve": curve(rows),
    }


def _quantile(sorted_values: list[float], q: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _fmt(v: float | None, suffix: str = "") -> str:
    return "—" if v is None else f"{v:g}{suffix}"


def print_tables(console: Console, engines: dict[str, dict], split: str, quick: bool,
                 per_cond: int) -> None:
    conds = QUICK_CONDITIONS if quick else CONDITIONS
    ok = {n: e for n, e in engines.items() if e.get("available")}
    voices = "unseen voices" if split == "test" else f"{split} split"

    t = Table(title=f"Commands right (intent + slots), {voices}, n={per_cond}/condition")
    t.add_column("engine")
    for c in conds:
        t.add_column(c, justify="right")
    if not quick:
        t.add_column("avg 6–24 dB", justify="right")
    t.add_column("wrong intent\n(noisy)", justify="right")
    for name, e in engines.items():
        if not e.get("available"):
            t.add_row(name, *(["—"] * (len(conds) + (0 if quick else 1) + 1)))
            continue
        s = e["summary"]
        cells = [_fmt(s["accuracy_pct"][c], "%") for c in conds]
        if not quick:
            cells.append(_fmt(s["accuracy_pct"]["avg_6_24"], "%"))
        t.add_row(name, *cells, _fmt(s["wrong_intent_pct"]["avg_6_24"], "%"))
    console.print(t)

    if ok:
        t = Table(title="Accuracy by noise type (noisy conditions pooled)")
        t.add_column("engine")
        for n in NOISE_TYPES:
            t.add_column(n, justify="right")
        for name, e in ok.items():
            t.add_row(name, *(_fmt(e["summary"]["accuracy_by_noise_pct"][n], "%")
                              for n in NOISE_TYPES))
        console.print(t)

    t = Table(title="False actions (any intent on a non-command) and cost per utterance")
    for col, j in (("engine", "left"), ("non-command\nspeech", "right"),
                   ("coach's own\nspeech", "right"), ("silence/\nnoise only", "right"),
                   ("decode p50", "right"), ("decode p95", "right"), ("RTF", "right"),
                   ("load", "right"), ("peak RSS", "right")):
        t.add_column(col, justify=j)
    for name, e in engines.items():
        if not e.get("available"):
            t.add_row(name, *(["—"] * 8))
            continue
        s = e["summary"]
        neg, c = s["negatives"], s["cost"]
        sp, co, sn = neg["speech"], neg["coach"], neg["silence_and_noise"]
        t.add_row(
            name,
            f"{_fmt(sp['pct'], '%')} ({sp['false_actions']}/{sp['n']})",
            f"{co['false_actions']}/{co['n']}\n(while speaking: "
            f"{neg['coach_strict']['false_actions']})",
            f"{sn['false_actions']}/{sn['n']}",
            _fmt(c["decode_ms_p50"], " ms"), _fmt(c["decode_ms_p95"], " ms"), _fmt(c["rtf"]),
            _fmt(c["load_seconds"], " s"), _fmt(c["peak_rss_mb"], " MB"),
        )
    console.print(t)
    for name, e in ok.items():
        print_curve(console, name, e["summary"]["curve"], quick)
    for name, e in engines.items():
        if not e.get("available"):
            console.print(e.get("note") or f"{name}: {e.get('error')}")


def print_curve(console: Console, name: str, cur: dict, quick: bool) -> None:
    noisy = "12 dB" if quick else "avg 6–24 dB"
    t = Table(title=f"{name}: trade-off by accepting threshold (act when confidence ≥ t)")
    for col in ("threshold", "right\nclean", f"right\n{noisy}", "wrong intent\nclean",
                f"wrong intent\n{noisy}", "false actions\nnon-command speech",
                "coach's own lines\n(barge-in)", "silence/\nnoise only"):
        t.add_column(col, justify="left" if col == "threshold" else "right",
                     no_wrap=col == "threshold")
    for row in cur["rows"]:
        t.add_row(
            label(row["threshold"]), _fmt(row["right_pct"].get("clean"), "%"),
            _fmt(row["right_avg_noisy_pct"], "%"), _fmt(row["wrong_clean_pct"], "%"),
            _fmt(row["wrong_noisy_pct"], "%"),
            f"{_fmt(row['speech_false_actions_pct'], '%')} "
            f"({row['speech_false_actions']}/{row['speech_n']})",
            f"{row['coach_false_actions']}/{row['coach_n']} ({row['coach_barge_in']})",
            f"{row['silence_noise_false_actions']}/{row['silence_noise_n']}",
            style="bold" if row["threshold"] == ACCEPT else None,
        )
    console.print(t)
    if cur["mismatches_at_accept"]:
        console.print(f"[yellow]warning: {cur['mismatches_at_accept']} utterance(s) where the "
                      "curve at ACCEPT disagrees with what recognize_samples returned[/]")


@section("asr", "Speech recognition: accuracy in noise, false actions, decode cost",
         add_arguments=add_arguments)
def run(args: argparse.Namespace, console: Console) -> dict:
    manifest = load_manifest()
    if dumps(build()[0]) != dumps(manifest):
        console.print("[yellow]warning: audio/eval/manifest.jsonl is stale (templates, program or "
                      "negatives changed); rebuild it with `python -m bench.dataset`[/]")
    jobs = _jobs(manifest, args.split, args.quick)
    if not jobs:
        raise SystemExit(f"no clips in split '{args.split}'")
    t0 = time.perf_counter()
    prepare_beds()
    clipmod.render_all(sorted({j[0]["id"]: j[0] for j in jobs}.values(), key=lambda c: c["id"]))
    render_s = time.perf_counter() - t0
    console.print(f"{len(jobs)} utterances ready ({render_s:.1f} s to render/check the cache)")

    engines: dict[str, dict] = {}
    rows_all: list[dict] = []
    for name, engine_name, denoise in _variants(args):
        result = _run_engine(name, engine_name, denoise, jobs, args, console)
        if not result["available"]:
            no_model = engine_name == "vosk" and "model" in result["error"].lower()
            note = (f"{name}: no English model on this machine" if no_model
                    else f"{name}: not available")
            engines[name] = {"available": False, "note": note, "error": result["error"]}
            console.print(f"{note} ({result['error']})")
            continue
        engines[name] = {
            "available": True,
            "summary": summarize(result["rows"], result["timing_rows"]),
            "decode_wall_seconds": round(result["decode_wall_seconds"], 1),
        }
        rows_all += [{"engine": name, **r} for r in sorted(
            result["rows"], key=lambda r: (r["id"], r["condition"]))]
    per_cond = sum(1 for clip, cond in jobs if clip["kind"] == "positive" and cond["snr"] is None)
    print_tables(console, engines, args.split, args.quick, per_cond)
    detail = args.out.with_name(f"{args.out.stem}-utterances.jsonl")
    detail.parent.mkdir(parents=True, exist_ok=True)
    detail.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_all),
                      encoding="utf-8")
    console.print(f"per-utterance results: {detail}")
    counts = Counter((c["kind"], c["split"]) for c in manifest)
    return {
        "split": args.split, "quick": args.quick,
        "conditions": list(QUICK_CONDITIONS if args.quick else CONDITIONS),
        "manifest_counts": {f"{k}/{s}": n for (k, s), n in sorted(counts.items())},
        "render_seconds": round(render_s, 1),
        "engines": engines,
        "utterances_file": str(detail),
    }
