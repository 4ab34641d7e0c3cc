"""The live loop, measured on real audio devices (a private PulseAudio with null sinks).

- reply latency: end of the user's speech -> first sample of the coach's reply on the speaker
- stop latency: end of "stop" -> the speaker falls silent
- timer error: a rest's "Rest over" against its deadline, with chatter during the rest
- cold start: process start -> listening; peak RSS and threads of the running coach
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.sections import section
from bench.soak_bench import family_memory, proc_memory
from tests.live_coach import CoachProcess, render_user
from tests.pulse import PulseAudio, PulseUnavailable, first_sound, last_sound, loud


def quiet(pa: PulseAudio, seconds: float = 0.6, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and loud(pa.record_speaker(seconds)).any():
        pass


def command(pa: PulseAudio, coach: CoachProcess, text: str, expect: str, tmp: Path,
            tries: int = 3) -> float:
    """Say `text` until the coach answers with a line matching `expect` (misrecognitions are
    measured in the ASR section; here they would only stall the measurement)."""
    for _ in range(tries):
        quiet(pa)
        said = time.monotonic()
        pa.play_into_room(render_user(text, tmp))
        try:
            return coach.wait_for(expect, after=said, timeout=8)[0]
        except AssertionError:
            continue
    raise TimeoutError(f"'{text}' was not understood in {tries} tries; the coach's last "
                       f"lines: {[line for _, line in coach.lines[-8:]]}")


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None


def measure(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="vc-live-bench-"))
    rest_seconds = 30 if args.quick else 300
    repeats = 4 if args.quick else 12
    pa = PulseAudio().start()
    try:
        # warm the TTS and language-model caches, as a coach that has run before has them
        warm = CoachProcess(tmp / "warm")
        warm.wait_for(r"^coach: Step one")
        time.sleep(3)
        warm.stop()

        started = time.monotonic()
        coach = CoachProcess(tmp / "data")
        listening, _ = coach.wait_for(r"listening with", stderr=True)
        cold_start = listening - started
        coach.wait_for(r"^coach: Step one")
        replies, stops = [], []
        for _ in range(repeats):  # barge in over the coach, then ask for a cue in silence
            # the coach must be talking when "stop" is said: a missed "list drills" is asked
            # again (its accuracy is the ASR section's business), not counted as a slow stop
            command(pa, coach, "list drills", r"^coach: The drills are", tmp)
            time.sleep(1.5)
            with pa.capture(tail=1.0) as cap:
                pa.play_into_room(render_user("stop", tmp))
                ended = time.monotonic()
            end = last_sound(cap.samples)
            if end is not None:
                stops.append(max(0.0, cap.time_at(end) - ended))
            quiet(pa)
            with pa.capture(tail=3.0) as cap:
                pa.play_into_room(render_user("give me a cue", tmp))
                ended = time.monotonic()
                time.sleep(2.0)
            start = first_sound(cap.samples[cap.index_at(ended):])
            if start is not None:
                replies.append(cap.time_at(cap.index_at(ended) + start) - ended)
        # a long rest with chatter during it: when does "Rest over" sound?
        command(pa, coach, "start the set", r"^coach: Set ", tmp)
        rest_said = command(pa, coach, f"rest {'thirty seconds' if args.quick else 'five minutes'}",
                            r"^coach: .*Rest (thirty seconds|five minutes)\.", tmp)
        chatter_until = rest_said + rest_seconds - 8
        while time.monotonic() < chatter_until:
            pa.play_into_room(render_user("give me a cue", tmp))
            time.sleep(min(20.0, max(0.0, chatter_until - time.monotonic())))
        over_line, _ = coach.wait_for(r"^coach: Rest over", after=rest_said,
                                      timeout=rest_seconds)
        timer_error = over_line - (rest_said + rest_seconds)
        own_rss = proc_memory(coach.proc.pid, "VmHWM")[0]
        rss, threads, helpers = family_memory(coach.proc.pid, "VmHWM")
        coach.stop()
    finally:
        pa.stop()
    return {
        "reply_ms": {"p50": pct(replies, 50), "p95": pct(replies, 95), "n": len(replies)},
        "stop_ms": {"p50": pct(stops, 50), "p95": pct(stops, 95), "n": len(stops),
                    "silent_within_100ms": sum(s <= 0.1 for s in stops), "said": repeats},
        "timer_error_ms": round(timer_error * 1000, 1), "rest_seconds": rest_seconds,
        "cold_start_s": round(cold_start, 2), "peak_rss_mb": round(rss, 1), "threads": threads,
        "main_process_peak_rss_mb": round(own_rss, 1), "helper_processes": helpers,
    }


@section("live", "Live loop on PulseAudio: latency, timing, start-up, memory")
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    try:
        data = measure(args, console)
    except PulseUnavailable as exc:
        console.print(f"live: skipped ({exc})")
        return {"skipped": str(exc)}
    table = Table("measure", "value", "target")
    table.add_row("reply latency p50 / p95", f"{data['reply_ms']['p50']} / "
                  f"{data['reply_ms']['p95']} ms (n={data['reply_ms']['n']})", "≤ 250 / 400 ms")
    stop = data["stop_ms"]
    table.add_row("stop → silence p50 / p95", f"{stop['p50']} / {stop['p95']} ms (n={stop['n']}; "
                  f"silent ≤ 100 ms after {stop['silent_within_100ms']} of {stop['said']})",
                  "≤ 100 ms")
    table.add_row(f"rest-end error ({data['rest_seconds']} s rest, chatter)",
                  f"{data['timer_error_ms']} ms", "≤ 50 ms")
    table.add_row("cold start → listening", f"{data['cold_start_s']} s", "≤ 1.5 s")
    table.add_row("peak RSS, coach + its helper processes (speech, recognition) / threads",
                  f"{data['peak_rss_mb']} MB ({data['main_process_peak_rss_mb']} MB main, "
                  f"{data['helper_processes']} helpers) / {data['threads']}", "")
    console.print(table)
    return data
