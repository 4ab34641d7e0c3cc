"""`python -m bench`: run the benchmark sections, print their tables, save JSON.

    .venv/bin/python -m bench                      # every default section, all engines
    .venv/bin/python -m bench --quick              # small subset, < 1 min
    .venv/bin/python -m bench --engine pocketsphinx --out bench/results.json
    .venv/bin/python -m bench --sections asr       # only some sections
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

import bench.adapt_bench  # noqa: F401  (registers the "adapt" section)
import bench.asr_bench  # noqa: F401  (registers the "asr" section)
import bench.echo_bench  # noqa: F401  (registers the "echo" section)
import bench.grammar_bench  # noqa: F401  (registers the "grammar" section)
import bench.live_bench  # noqa: F401  (registers the "live" section)
import bench.real_bench  # noqa: F401  (registers the "real" section)
import bench.soak_bench  # noqa: F401  (registers the "soak" section)
import bench.soak_live_bench  # noqa: F401  (registers the "soak-live" section)
import bench.wakeword_bench  # noqa: F401  (registers the "wakeword" section)
from bench.audio import BENCH_DIR, espeak_version
from bench.sections import SECTIONS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--engine", choices=("pocketsphinx", "vosk", "all"), default="all")
    ap.add_argument("--quick", action="store_true", help="a small subset (< 1 min)")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON results (default bench/results.json, or bench/results-quick.json "
                         "with --quick)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                    help="decoder processes per engine (default: 2, or 1 on one core)")
    ap.add_argument("--sections", default=",".join(n for n, s in SECTIONS.items() if s.default),
                    help=f"comma-separated, in order (known: {', '.join(SECTIONS)})")
    for s in SECTIONS.values():
        if s.add_arguments:
            s.add_arguments(ap.add_argument_group(f"{s.name}: {s.title}"))
    args = ap.parse_args(argv)
    args.engines = ["pocketsphinx", "vosk"] if args.engine == "all" else [args.engine]
    if args.out is None:
        args.out = BENCH_DIR / ("results-quick.json" if args.quick else "results.json")
    names = [n.strip() for n in args.sections.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    args.section_names = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    if not console.is_terminal:  # piped or captured: wide enough that the tables do not wrap
        console = Console(width=130)
    results: dict = {}
    if args.out.exists():  # keep sections this run does not redo
        try:
            results = json.loads(args.out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results = {}
    results["meta"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "quick": args.quick,
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "espeak": espeak_version(),
    }
    results.setdefault("sections", {})
    failed: list[str] = []
    for name in args.section_names:
        s = SECTIONS[name]
        console.rule(f"[bold]{s.title}")
        t0 = time.perf_counter()
        try:
            data = s.run(args, console)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # one broken section must not lose the others' results
            console.print_exception()
            data = {"error": f"{type(exc).__name__}: {exc}"}
            failed.append(name)
        data["wall_seconds"] = round(time.perf_counter() - t0, 1)
        results["sections"][name] = data
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    console.print(f"saved {args.out}")
    if failed:
        console.print(f"[red]section(s) failed: {', '.join(failed)}[/]")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
