"""The live coach left running: are memory and threads flat with the audio threads in play?

The whole live loop (mic stream, endpointer, recogniser, TTS worker, speaker stream) runs on a
private PulseAudio while spoken commands are played into its microphone in a loop, time-scaled so
that hours of session time pass in minutes of real audio. RSS and threads are sampled from /proc.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.live_bench import quiet
from bench.sections import section
from bench.soak_bench import proc_memory
from tests.live_coach import CoachProcess, render_user
from tests.pulse import PulseAudio, PulseUnavailable

# a training loop as a person would talk through it, back to drill one so it never ends
LOOP = ["what's the cue", "let's go", "all done", "how much time is left", "skip the rest",
        "common mistakes", "next drill", "let's go", "all done", "stop", "go to drill one"]
FAULTS = ("microphone lost", "speaker stream stopped", "recogniser error", "speech engine failed",
          "Traceback")


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--soak-hours", type=float, default=8.0, help="session hours (default 8)")
    group.add_argument("--soak-scale", type=float, default=60.0,
                       help="time scale (default 60: 8 hours in 8 minutes of real audio)")


def soak(args: argparse.Namespace) -> dict[str, Any]:
    hours = 1.0 if args.quick else args.soak_hours
    scale = args.soak_scale
    real_seconds = hours * 3600 / scale
    tmp = Path(tempfile.mkdtemp(prefix="vc-soak-live-"))
    with PulseAudio() as pa:
        coach = CoachProcess(tmp / "data", "--time-scale", f"{scale:g}")
        coach.wait_for(r"^coach: Step one", timeout=60)
        start = time.monotonic()
        samples: list[tuple[float, float, int]] = [(0.0, *proc_memory(coach.proc.pid))]
        said = acted = 0
        while time.monotonic() - start < real_seconds and coach.proc.poll() is None:
            text = LOOP[said % len(LOOP)]
            if text != "stop":  # a person mostly lets the coach finish; "stop" barges in
                quiet(pa, 0.4, timeout=5)
            t = time.monotonic()
            pa.play_into_room(render_user(text, tmp))
            said += 1
            try:
                coach.wait_for(r"^heard: .* -> [a-z_]+$", after=t, timeout=3)
                acted += 1
            except AssertionError:
                pass
            samples.append((time.monotonic() - start, *proc_memory(coach.proc.pid)))
        alive = coach.proc.poll() is None
        coach.stop()
    log = [line for _, line in coach.lines + coach.errors]
    first = next(s for s in samples if s[0] >= real_seconds / 10)
    last = samples[-1]
    series = {f"{pct}%": round(next(s for s in samples if s[0] >= real_seconds * pct / 100
                                     or s is last)[1], 1) for pct in (10, 25, 50, 75, 100)}
    return {
        "session_hours": hours, "time_scale": scale, "real_minutes": round(real_seconds / 60, 1),
        "commands_played": said, "commands_acted_on": acted, "alive_at_end": alive,
        "rss_mb": {"start": round(samples[0][1], 1), "after_10pct": round(first[1], 1),
                   "end": round(last[1], 1), "max": round(max(s[1] for s in samples), 1),
                   "by_time": series},
        "threads": {"after_10pct": first[2], "end": last[2],
                    "min": min(s[2] for s in samples[1:]), "max": max(s[2] for s in samples)},
        "faults_logged": {f: sum(f in line for line in log) for f in FAULTS},
    }


@section("soak-live", "Soak: the live coach on real audio devices, time-scaled",
         add_arguments=add_arguments, default=False)
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    try:
        data = soak(args)
    except PulseUnavailable as exc:
        console.print(f"soak-live: skipped ({exc})")
        return {"skipped": str(exc)}
    rss, threads = data["rss_mb"], data["threads"]
    table = Table("session", "real audio", "commands acted on", "RSS 10 % / end / max",
                  "threads", "alive")
    table.add_row(f"{data['session_hours']:g} h (×{data['time_scale']:g})",
                  f"{data['real_minutes']} min",
                  f"{data['commands_acted_on']} of {data['commands_played']}",
                  f"{rss['after_10pct']} / {rss['end']} / {rss['max']} MB",
                  f"{threads['after_10pct']} → {threads['end']} "
                  f"({threads['min']}–{threads['max']})",
                  "yes" if data["alive_at_end"] else "NO")
    console.print(table)
    console.print(f"RSS by time (MB): {rss['by_time']}")
    console.print(f"faults logged: {data['faults_logged']}")
    return data
