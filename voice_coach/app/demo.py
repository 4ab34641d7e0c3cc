"""A rendered hands-free session: the real runtime, recogniser and TTS on a virtual timeline.

The user's lines are spoken by espeak-ng in another voice, decoded by the real recogniser and
judged by the same self-hearing guard as the live loop; the coach's replies are rendered by the
real TTS. Everything lands on one timeline: `session.wav` plus `transcript.jsonl`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voice_coach.adapters.earcons import Earcons
from voice_coach.adapters.tts import DEFAULT_RATE, step_rate
from voice_coach.app.clocks import ManualClock
from voice_coach.app.runtime import Runtime
from voice_coach.asr.audio_file import load_wav, save_wav
from voice_coach.asr.listener import Listener, Verdict
from voice_coach.core.coach import Coach
from voice_coach.core.events import Command, Heard, Priority, Started, TimerFired, Unsure
from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import SAMPLE_RATE as RATE
from voice_coach.pcm import resample, to_int16
from voice_coach.ports import SpeechEngine, Synthesizer

if TYPE_CHECKING:
    from voice_coach.content.intents import IntentParser
    from voice_coach.core.program import Program

USER_VOICE = ("en-us+klatt", 150)  # a different voice from the coach's
# (what the user says, seconds of quiet before it; "barge" = talk over the coach, "wait" = idle)
SCRIPT: list[tuple[str, float]] = [
    ("next step", 0.8), ("what's the cue", 0.8), ("I'm ready", 1.0), ("man this is heavy", 4.0),
    ("done", 3.0), ("how much time is left", 8.0), ("add fifteen seconds", 1.0), ("wait", 50),
    ("done", 6.0), ("skip rest", 3.0), ("done", 6.0), ("next drill", 1.5), ("barge:stop", 1.5),
    ("cue for my back", 1.0), ("end workout", 1.0), ("yes", 0.8),
]


@dataclass
class Timeline:
    """Clips on one track; coach speech never overlaps, a stop cuts what is playing."""

    clips: list[tuple[float, np.ndarray, str]] = field(default_factory=list)

    def place(self, start: float, samples: np.ndarray, who: str) -> float:
        self.clips.append((start, samples, who))
        return start + len(samples) / RATE

    def cut(self, at: float) -> None:
        kept = []
        for start, samples, who in self.clips:
            if who == "coach" and start >= at:
                continue
            if who == "coach" and start + len(samples) / RATE > at:
                samples = samples[: int((at - start) * RATE)]
            kept.append((start, samples, who))
        self.clips = kept

    def mix(self) -> np.ndarray:
        end = max((s + len(x) / RATE for s, x, _ in self.clips), default=0.0)
        out = np.zeros(int(end * RATE) + RATE, dtype=np.float32)
        for start, samples, _ in self.clips:
            i = int(start * RATE)
            out[i:i + len(samples)] += samples
        return np.clip(out, -1.0, 1.0)


class DemoOutput:
    """The runtime's Output, writing onto the timeline instead of a sound card."""

    def __init__(self, clock: ManualClock, synth: Synthesizer,
                 earcons: dict[str, np.ndarray]) -> None:
        self.clock, self.synth, self.earcons = clock, synth, earcons
        self.timeline = Timeline()
        self.transcript: list[dict] = []
        self.busy_until = 0.0
        self.busy_priority = 0
        self.rate_steps = 0

    def _log(self, who: str, text: str, **extra: object) -> None:
        self.transcript.append({"t": round(self.clock.now(), 2), "who": who, "text": text,
                                **extra})

    def say(self, text: str, priority: int) -> None:
        now = self.clock.now()
        if self.busy_until > now and priority == Priority.TIMING > self.busy_priority:
            self._cut(now)
        start = max(now, self.busy_until)
        audio = self.synth.render(text, rate=step_rate(DEFAULT_RATE, self.rate_steps))
        samples = resample(audio, self.synth.samplerate, RATE).astype(np.float32)
        self.busy_until = self.timeline.place(start, samples * 0.8, "coach")
        self.busy_priority = priority
        self.transcript.append({"t": round(start, 2), "who": "coach", "text": text})

    def play(self, earcon: str) -> None:
        if earcon in self.earcons:
            self.timeline.place(self.clock.now(), self.earcons[earcon], "earcon")
        if earcon == "sorry":
            self._log("coach", "[sorry?]")

    def _cut(self, at: float) -> None:
        """Silence the coach from `at`: what was queued behind it is never heard, so it leaves
        the transcript too (it would otherwise show up after later lines, at its queued time)."""
        self.timeline.cut(at)
        self.transcript = [e for e in self.transcript if e["who"] != "coach" or e["t"] < at]
        self.busy_until = min(self.busy_until, at)

    def stop_speaking(self) -> None:
        self._cut(self.clock.now())
        self._log("coach", "[stopped talking]")

    def set_voice(self, rate_steps: int, volume_steps: int) -> None:
        self.rate_steps += rate_steps

    def observe(self, item: Command | TimerFired) -> None:
        """Timers go into the transcript."""
        if isinstance(item, TimerFired):
            self._log("timer", item.name)


def load_earcons() -> dict[str, np.ndarray]:
    earcons = Earcons()
    return {name: np.asarray(earcons.get(name, RATE), np.float32) * 0.5
            for name in earcons.names}


class DemoError(VoiceCoachError):
    """The user's voice cannot be rendered; one line for the user."""


def speak_as_user(text: str, wav: Path) -> None:
    """The user's voice (espeak-ng, not the coach's) saying `text`, written to `wav`."""
    voice, wpm = USER_VOICE
    try:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text],
                       check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise DemoError("espeak-ng is not installed (it speaks the user's lines): "
                        "sudo apt install espeak-ng") from None
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or "").strip().splitlines() or [f"exit code {exc.returncode}"]
        raise DemoError(f"espeak-ng cannot speak the user's lines ({reason[-1]})") from None


def render_user(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "user.wav"
        speak_as_user(text, wav)
        return load_wav(wav)


def say_line(text: str, runtime: Runtime, sink: DemoOutput, listener: Listener,
             clock: ManualClock) -> Verdict:
    """The user says `text` now; the listener judges it as the live loop would."""
    samples = render_user(text)
    start = clock.now()
    sink.timeline.place(start, samples.astype(np.float32) / 32768.0, "user")
    speaking = sink.busy_until > start
    runtime.advance(clock, len(samples) / RATE)
    verdict = listener.judge(samples, speaking=speaking)
    sink.transcript.append({"t": round(start, 2), "who": "user", "text": text,
                            "heard": verdict.text, "intent": verdict.intent.name
                            if verdict.intent else None, "verdict": verdict.reason,
                            "confidence": round(verdict.confidence, 3)})
    return verdict


def run_demo(out_dir: Path, engine: SpeechEngine, parser: IntentParser, program: Program,
             synth: Synthesizer) -> dict[str, float]:
    clock = ManualClock()
    sink = DemoOutput(clock, synth, load_earcons())
    runtime = Runtime(Coach(program), clock, sink, observers=[sink.observe])
    listener = Listener(engine, parser, is_speaking=lambda: sink.busy_until > clock.now(),
                        expects=runtime.coach.expects)
    runtime.dispatch(Started(0.0))
    acted = 0
    for line, gap in SCRIPT:
        if line == "wait":
            runtime.advance(clock, gap)
            continue
        barge = line.startswith("barge:")
        text = line.removeprefix("barge:")
        if not barge:  # a person waits for the coach to finish, then speaks
            while sink.busy_until > clock.now():
                runtime.advance(clock, sink.busy_until - clock.now())
        runtime.advance(clock, gap)
        for _ in range(2):  # asked "sorry?", a person says it once more
            verdict = say_line(text, runtime, sink, listener, clock)
            if verdict.intent:
                acted += 1
                runtime.dispatch(Heard(verdict.intent, clock.now()))
            if verdict.reason != "unsure":
                break
            runtime.dispatch(Unsure(clock.now()))
            runtime.advance(clock, 0.8)
        if runtime.finished:
            break
    runtime.advance(clock, max(0.0, sink.busy_until - clock.now()) + 1.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    audio = sink.timeline.mix()
    save_wav(out_dir / "session.wav", to_int16(audio))
    transcript = sorted(sink.transcript, key=lambda e: e["t"])
    with open(out_dir / "transcript.jsonl", "w", encoding="utf-8") as f:
        for entry in transcript:
            f.write(json.dumps(entry) + "\n")
    return {"seconds": round(len(audio) / RATE, 1), "user_lines": sum(
        1 for e in transcript if e["who"] == "user"), "acted": acted}
