"""Talking over the coach: the echo canceller, measured.

- ERLE: how much of the coach's voice the in-process canceller removes on a rendered room
  (sox reverberation, -10 dB, 20/50/80 ms), with an exact reference.
- commands said over the coach (rendered: user at 0 dB to the echo, after 12 s of coach
  speech), with and without cancelling, against the same commands in silence
- the coach's own voice through the room for its whole repertoire: actions it would trigger
- CPU: the canceller's real-time factor
- live (private PulseAudio, the echo path of tests/echo_path.py): the running coach's own ERLE
  figure over a session, and actions taken that the user did not ask for
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.sections import section
from tests.audio_util import render
from tests.echo_scene import BLOCK, Earlier, coach_voice, echo_of, hear, scene
from voice_coach.adapters.echo import EchoCanceller
from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import as_int16

COMMANDS = {"what's the cue": "cue", "how long left": "time_left", "next step": "next_step",
            "give me a tip": "cue", "list drills": "list_drills", "stop": "stop",
            "pause": "pause", "repeat that": "repeat"}
VOICES = ("en-us+f3", "en-gb", "en+m3")


def erle(far: np.ndarray, delay: float) -> tuple[float, float]:
    """(ERLE dB after the first second, CPU seconds per second of audio)."""
    mic = as_int16(echo_of(far, delay, -10.0))
    canceller = EchoCanceller()
    e_in = e_out = 0.0
    t0 = time.process_time()
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        out = canceller.cancel(mic[i:i + BLOCK], far[i:i + BLOCK])
        if i >= RATE:
            e_in += float(np.sum(np.square(mic[i:i + BLOCK], dtype=np.float64)))
            e_out += float(np.sum(np.square(out, dtype=np.float64)))
    cpu = (time.process_time() - t0) / (len(mic) / RATE)
    return 10 * float(np.log10(e_in / max(e_out, 1.0))), cpu


def accuracy(far: np.ndarray, folder: Path, engine: PocketsphinxEngine,
             parser: IntentParser, quick: bool) -> dict[str, Any]:
    # scene; with the second look; as live (streamed, ducked: `echo_scene.utterances`)
    conditions: dict[str, tuple[dict[str, Any], bool, bool]] = {
        "silence": (dict(coach=False, cancelled=False), True, False),
        "over the coach, no cancelling": (dict(cancelled=False, at=12.0), True, False),
        "over the coach, WebRTC's output only": (dict(cancelled=True, at=12.0), False, False),
        "over the coach, cancelled": (dict(cancelled=True, at=12.0), True, False),
        "over the coach, cancelled, ducked as live": (dict(cancelled=True, at=12.0), True, True)}
    voices = VOICES[:1] if quick else VOICES
    right = dict.fromkeys(conditions, 0)
    words = dict.fromkeys(conditions, 0)  # the command's words came out as one utterance
    texts: dict[str, list[str]] = {name: [] for name in conditions}
    n = 0
    for text, intent in COMMANDS.items():
        for voice in voices:
            user = render(text, folder, voice=voice)
            n += 1
            for name, (kw, look, live) in conditions.items():
                heard = hear(scene(user, far, **kw), engine, parser, second_look=look, live=live)
                right[name] += heard.intents == [intent]
                words[name] += text in heard.texts
                texts[name].append(" | ".join(t for t in heard.texts if t))
    return {"n": n, "right": right, "words": words, "texts": texts}


REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "audio" / "real_speech"
EARLIER = 20.0  # s of the coach's speech before the scene, for a session under way


_LIVE = dict(second_look=True, live=True)
# how the real recordings are heard: (scene, hearing). Scenes: "silence", the coach quiet;
# "start", said 4 s into the session; "under way", the same after EARLIER s of the coach
REAL_CONDITIONS: dict[str, tuple[str, dict[str, bool]]] = {
    "in silence": ("silence", {}),
    "as live": ("start", _LIVE),
    "second look, not ducked": ("start", dict(second_look=True, live=False)),
    "WebRTC's output only": ("start", dict(second_look=False, live=False)),
    "as live, session under way": ("under way", _LIVE)}


def real_over_coach(far: np.ndarray, engine: PocketsphinxEngine, parser: IntentParser,
                    folder: Path = REAL_DIR) -> dict[str, Any]:
    """The real recordings said 4 s into the coach's voice (its first 9 s), in each of
    REAL_CONDITIONS: real commands acted on, and real non-commands acted on (any action). In a
    session under way the canceller has first heard EARLIER s of the coach's other lines."""
    from bench.real_bench import load_clips
    from voice_coach.asr.audio_file import load_wav

    if not (folder / "manifest.csv").is_file():
        return {"skipped": f"no real-speech set at {folder}"}
    session = Earlier.of(np.resize(far[9 * RATE:], int(EARLIER * RATE)))
    far = far[:9 * RATE]
    counts: dict[str, dict[str, Any]] = {
        name: {"commands": 0, "right": 0, "others": 0, "acted_on_others": 0, "false": []}
        for name in REAL_CONDITIONS}
    for clip in load_clips(folder):
        user = load_wav(folder / clip["path"])
        start = scene(user, far, at=4.0)
        mics = {"silence": scene(user, far, at=4.0, coach=False, cancelled=False),
                "start": start, "under way": replace(start, earlier=session)}
        for name, (where, how) in REAL_CONDITIONS.items():
            heard = hear(mics[where], engine, parser, **how)
            c = counts[name]
            if clip["kind"] == "command":
                c["commands"] += 1
                c["right"] += heard.intents == [clip["intent"]]
            else:
                c["others"] += 1
                c["acted_on_others"] += bool(heard.intents)
                if heard.intents:
                    c["false"].append([clip["said"], heard.intents, heard.texts])
    return counts


def own_voice_actions(far: np.ndarray, engine: PocketsphinxEngine, parser: IntentParser,
                      ) -> dict[str, Any]:
    raw = hear(scene(None, far, cancelled=False), engine, parser)
    cancelled = hear(scene(None, far, cancelled=True), engine, parser, live=True)
    webrtc_only = hear(scene(None, far, cancelled=True), engine, parser, second_look=False)
    return {"seconds": round(len(far) / RATE, 1), "raw": raw.intents,
            "cancelled": cancelled.intents, "webrtc_only": webrtc_only.intents}


LIVE_COMMANDS = {"what's the cue": "cue", "repeat that": "repeat", "give me a tip": "cue",
                 "say that again": "repeat", "what are the common mistakes": "mistakes",
                 "next step": "next_step"}
STOPS = 6
HEARD_WITHIN = 5.0  # s after the user's words: an utterance lasts up to 4 s, then decodes


def _answered(coach: Any, intent: str, since: float, wait: float = 8.0) -> str:
    """"acted" when the coach acted on `intent` within `wait` s of `since`, "sorry" when it
    asked instead, else ""."""
    try:
        coach.wait_for(rf"^heard: .*-> {re.escape(intent)}$", after=since,
                       timeout=max(0.0, since + wait - time.monotonic()))
        return "acted"
    except AssertionError:
        unsure = any(t >= since and line.startswith("heard:") and line.endswith("(unsure)")
                     for t, line in list(coach.lines))
        return "sorry" if unsure else ""


def live(folder: Path, cancel: bool) -> dict[str, Any]:
    """A session on the echo path. The same commands are said in silence and over the coach
    (1.5 s into its list of drills); then the user asks for long answers: what else did it
    act on?"""
    from tests.echo_path import EchoPath
    from tests.live_coach import CoachProcess, render_user, wait_until_quiet
    from tests.pulse import PulseAudio, PulseUnavailable, last_sound

    try:
        pa = PulseAudio().start()
    except PulseUnavailable as exc:
        return {"skipped": str(exc)}
    silence, over = [0, 0], [0, 0]  # acted on at once, and within one "sorry?"
    stops: list[float] = []  # "stop" over the coach: end of the word -> the speaker silent
    asked: list[tuple[float, float]] = []

    def ask(text: str) -> float:
        start = time.monotonic()
        pa.play_into_room(render_user(text, folder))
        asked.append((start, time.monotonic() + HEARD_WITHIN))
        return start

    try:
        with EchoPath(pa, delay=0.05, gain_db=-10.0) as path:
            coach = CoachProcess(folder / f"data-{cancel}", "--time-scale", "10",
                                 env={"VOICE_COACH_ECHO_CANCEL": "on" if cancel else "off"})
            coach.wait_for(r"^coach: Step one", timeout=60)
            for text, intent in LIVE_COMMANDS.items():
                wait_until_quiet(pa, timeout=90)
                first = _answered(coach, intent, ask(text))
                silence[0] += first == "acted"
                silence[1] += first == "acted" or first == "sorry" and \
                    _answered(coach, intent, ask(text)) == "acted"  # said again after "sorry?"
            for text, intent in LIVE_COMMANDS.items():
                for _ in range(3):  # until the coach is reading its list
                    wait_until_quiet(pa, timeout=90)
                    if _answered(coach, "list_drills", ask("list drills")):
                        break
                time.sleep(1.5)
                first = _answered(coach, intent, ask(text))
                over[0] += first == "acted"
                over[1] += first == "acted" or first == "sorry" and \
                    _answered(coach, intent, ask(text)) == "acted"
            for _ in range(STOPS):  # "stop" over the coach: how soon is the speaker silent?
                wait_until_quiet(pa, timeout=90)
                if not _answered(coach, "list_drills", ask("list drills")):
                    continue
                time.sleep(1.5)
                with pa.capture(tail=1.5) as cap:
                    said = ask("stop")  # returns when the word has been played
                    ended = time.monotonic()
                end = last_sound(cap.samples)
                if end is not None and _answered(coach, "stop", said) == "acted":
                    stops.append(max(0.0, cap.time_at(end) - ended))
            for text in ("list drills", "common mistakes", "list drills"):
                wait_until_quiet(pa, timeout=90)
                ask(text)
            wait_until_quiet(pa, timeout=90)
            err = coach.stop()
            plumbing = path.plumbing
    finally:
        pa.stop()
    acted = [(t, line) for t, line in coach.lines
             if line.startswith("heard:") and not line.endswith(")")]
    own = [line for t, line in acted if not any(a <= t <= b for a, b in asked)]
    found = re.search(r"removed (-?[\d.]+) dB", err)
    short = re.search(r"ran short of sound (\d+) times", err)
    return {"erle_db": float(found.group(1)) if found else None, "own_voice_actions": own,
            "user_actions": len(acted) - len(own), "asked": len(asked),
            "in_silence": silence, "over_the_coach": over, "n": len(LIVE_COMMANDS),
            "stop_ms": sorted(round(x * 1000) for x in stops), "stops_said": STOPS,
            "heard": coach.heard(), "speaker_underruns": int(short.group(1)) if short else 0,
            "path_plumbing_ms": round(plumbing * 1000, 1)}


@section("echo", "Talking over the coach: echo cancellation")
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="vc-echo-bench-"))
    far = coach_voice(folder)
    grammar = Grammar.load(load_program("hip-hinge"))
    parser, engine = IntentParser(grammar), PocketsphinxEngine(grammar)
    rows = {f"{int(d * 1000)} ms": erle(far, d) for d in (0.02, 0.05, 0.08)}
    acc = accuracy(far, folder, engine, parser, args.quick)
    own = own_voice_actions(far, engine, parser)
    real: dict[str, Any] = {"skipped": "--quick"} if args.quick else \
        real_over_coach(far, engine, parser)
    lives = {} if args.quick else {"cancelled": live(folder, True),
                                   "not cancelled": live(folder, False)}
    table = Table("measure", "value", "target")
    for delay, (db, _) in rows.items():
        table.add_row(f"ERLE, rendered room, {delay}", f"{db:.1f} dB", "")
    cpu = max(c for _, c in rows.values())
    table.add_row("canceller CPU (real-time factor, 30 ms blocks)", f"{cpu:.4f}", "report")
    n = acc["n"]
    for name, k in acc["right"].items():
        w = acc["words"][name]
        table.add_row(f"commands: {name}: acted on / words heard",
                      f"{k}/{n} ({100 * k / n:.0f} %) / {w}/{n}",
                      "≥ 90 % of silence" if "cancelled" in name else "")
    table.add_row(f"own voice, {own['seconds']} s of coach speech: actions",
                  f"{len(own['cancelled'])} cancelled / {len(own['webrtc_only'])} WebRTC's output "
                  f"only / {len(own['raw'])} raw", "0")
    if "skipped" in real:
        table.add_row("real recordings over the coach", f"skipped ({real['skipped']})", "")
    looks: dict[str, dict[str, Any]] = {} if "skipped" in real else real
    quiet = looks.get("in silence", {}).get("right", 0)
    for name, c in looks.items():
        share = f" ({100 * c['right'] / quiet:.0f} % of silence)" \
            if quiet and name != "in silence" else ""
        table.add_row(f"real recordings, {name}: commands right / non-commands acted on",
                      f"{c['right']}/{c['commands']}{share} / "
                      f"{c['acted_on_others']}/{c['others']}",
                      "≥ 90 % of silence" if name.startswith("as live") else "")
    if not lives:
        table.add_row("live sessions on the echo path", "skipped (--quick)", "")
    for name, lv in lives.items():
        if "skipped" in lv:
            table.add_row(f"live, {name}", f"skipped ({lv['skipped']})", "")
            continue
        if lv["erle_db"] is not None:
            table.add_row("live: the running coach's ERLE", f"{lv['erle_db']} dB", "")
        table.add_row(f"live, {name}: actions from its own voice",
                      str(len(lv["own_voice_actions"])), "0")
        table.add_row(f"live, {name}: speaker underruns", str(lv["speaker_underruns"]), "")
        (s0, s1), (o0, o1), n = lv["in_silence"], lv["over_the_coach"], lv["n"]
        table.add_row(f"live, {name}: commands acted on in silence (at once, after 'sorry?')",
                      f"{s0}/{n}, {s1}/{n}", "")
        table.add_row(f"live, {name}: the same over the coach (at once, after 'sorry?')",
                      f"{o0}/{n}, {o1}/{n}", "≥ 90 % of silence" if name == "cancelled" else "")
        stops = lv["stop_ms"]
        if stops:
            table.add_row(f"live, {name}: \"stop\" over the coach → silence, p50 / max",
                          f"{stops[len(stops) // 2]} / {stops[-1]} ms (stopped {len(stops)} of "
                          f"{lv['stops_said']}; ≤ 100 ms: {sum(x <= 100 for x in stops)})",
                          "≤ 100 ms")
    console.print(table)
    return {"erle_db": {k: round(v[0], 1) for k, v in rows.items()}, "cpu_rtf": round(cpu, 4),
            "accuracy": acc, "own_voice": own, "real": real, "live": lives}
