"""A time-scaled long session: is memory and thread count flat over hours of coaching?

Runs `voice-coach run --text` at a high time scale (8 hours of session time in about a minute
and a half), feeding a loop of real commands, and samples RSS and threads from /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.sections import section

ROOT = Path(__file__).resolve().parent.parent
LOOP = ["next step", "what's the cue", "go", "cue for my back", "done", "how long left",
        "add fifteen seconds", "skip rest", "done", "pause", "resume", "done", "next drill",
        "why", "common mistakes"]


def proc_memory(pid: int, field: str = "VmRSS") -> tuple[float, int]:
    """(MB of `field` — VmRSS now, VmHWM at peak — and threads) of a running process."""
    status = Path(f"/proc/{pid}/status").read_text()
    mb = int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024
    return mb, int(re.search(r"Threads:\s+(\d+)", status).group(1))


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs (helper processes: speech, recognition)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            out += [int(child), *descendants(int(child))]
    return out


def family_memory(pid: int, field: str = "VmHWM") -> tuple[float, int, int]:
    """(MB summed over a process and its helpers, its own threads, helper processes)."""
    mb, threads = proc_memory(pid, field)
    helpers = descendants(pid)
    for child in helpers:
        with contextlib.suppress(OSError, AttributeError):  # ended meanwhile
            mb += proc_memory(child, field)[0]
    return mb, threads, len(helpers)


@section("soak", "Soak: 8 hours of session time, time-scaled", default=False)
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    hours = 1.0 if args.quick else 8.0
    scale = 320.0
    real_seconds = hours * 3600 / scale
    data = Path(tempfile.mkdtemp(prefix="vc-soak-"))
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data)}
    proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "run", "--text", "--fresh",
                             "--time-scale", str(scale)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    lines = [0]
    threading.Thread(target=lambda: [lines.__setitem__(0, lines[0] + 1)
                                     for _ in proc.stdout], daemon=True).start()
    samples: list[tuple[float, float, int]] = []
    start = time.monotonic()
    i = 0
    assert proc.stdin
    while time.monotonic() - start < real_seconds and proc.poll() is None:
        proc.stdin.write(LOOP[i % len(LOOP)] + "\n")
        proc.stdin.flush()
        i += 1
        if i % len(LOOP) == 0:
            proc.stdin.write("go to drill one\n")
        time.sleep(0.05)
        if i % 20 == 0:
            samples.append((time.monotonic() - start, *proc_memory(proc.pid)))
    proc.stdin.close()
    proc.wait(10)
    first, last = samples[len(samples) // 10], samples[-1]
    result = {"session_hours": hours, "commands": i, "lines_out": lines[0],
              "rss_mb": {"after_10pct": round(first[1], 1), "end": round(last[1], 1),
                         "max": round(max(s[1] for s in samples), 1)},
              "threads": {"after_10pct": first[2], "end": last[2],
                          "max": max(s[2] for s in samples)},
              "exit_code": proc.returncode}
    table = Table("session", "commands", "RSS after 10 % / end / max", "threads", "exit")
    table.add_row(f"{hours:g} h (×{scale:g})", str(i),
                  f"{first[1]:.1f} / {last[1]:.1f} / {result['rss_mb']['max']} MB",
                  f"{first[2]} → {last[2]}", str(proc.returncode))
    console.print(table)
    return result
