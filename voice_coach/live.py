"""The live coach: mic -> endpointer -> recogniser -> guard -> coach -> speaker, one runtime.

The runtime's loop owns the coach on the main thread; the listening side runs on its own thread
and only posts intents. Console output is one line per thing heard or said, plus a status line
when attached to a terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable

from voice_coach.asr.endpoint import Utterance
from voice_coach.listener import Listener, Verdict
from voice_coach.runtime import Runtime


class Console:
    """What a person at the Pi's terminal sees; a rich status line when it is a TTY."""

    def __init__(self, runtime_state, stream=sys.stdout) -> None:
        self.stream = stream
        self._state = runtime_state
        self._live = None
        if stream.isatty():
            from rich.console import Console as RichConsole
            from rich.live import Live

            self._rich = RichConsole(file=stream)
            self._live = Live(self._status(), console=self._rich, refresh_per_second=4,
                              transient=True)
            self._live.start()

    def _status(self):
        from rich.text import Text

        return Text(self._state(), style="bold cyan")

    def line(self, text: str) -> None:
        if self._live is not None:
            self._rich.print(text, markup=False, highlight=False)
            self._live.update(self._status())
        else:
            print(text, file=self.stream, flush=True)

    def refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._status())

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()


class LiveOutput:
    """The runtime's Output: the speaker, with each action echoed to the console."""

    def __init__(self, speaker, console: Console) -> None:
        self.speaker, self.console = speaker, console

    def say(self, text: str, priority: int) -> None:
        self.speaker.say(text, priority)
        self.console.line(f"coach: {text}")

    def play(self, earcon: str) -> None:
        self.speaker.play(earcon)

    def stop_speaking(self) -> None:
        self.speaker.stop_speaking()
        self.console.line("[quiet]")

    def set_voice(self, rate_steps: int, volume_steps: int) -> None:
        self.speaker.set_voice(rate_steps, volume_steps)

    def timer(self, name: str) -> None:
        self.console.refresh()

    def record(self, kind: str, data: dict) -> None:
        pass


def status_text(runtime: Runtime) -> str:
    coach, state = runtime.coach, runtime.coach.state
    drill = coach.current
    timer = state.timer
    clock = ""
    if timer is not None:
        left = timer.left(runtime.clock.now())
        clock = f" | {timer.kind} {int(left) // 60}:{int(left) % 60:02d}"
        clock += " (paused)" if timer.paused_left is not None else ""
    return (f"drill {state.drill + 1}/{len(coach.program.drills)} {drill.name} | {state.phase} "
            f"| set {state.set_number}/{drill.prescription.sets}{clock}")


def listen(utterances: Iterable[Utterance], listener: Listener, runtime: Runtime,
           report=None) -> None:
    """Judge each utterance and post what should be acted on; runs on the listening thread."""
    for utterance in utterances:
        early = utterance.hypotheses if utterance.reason == "early" else None
        try:
            verdict: Verdict = listener.judge(utterance.samples, hypotheses=early)
        except Exception as exc:  # a recogniser failure loses one utterance, not the session
            print(f"voice-coach: recogniser error: {exc}", file=sys.stderr)
            continue
        if report is not None:
            report(verdict)
        if verdict.intent is not None:
            runtime.post_heard(verdict.intent)
    runtime.post_end()


def start_listening(utterances: Iterable[Utterance], listener: Listener, runtime: Runtime,
                    report=None) -> threading.Thread:
    thread = threading.Thread(target=listen, args=(utterances, listener, runtime, report),
                              name="listener", daemon=True)
    thread.start()
    return thread


def utterances_from(mic, engine, parser) -> Iterable[Utterance]:
    """Mic blocks -> utterances; "stop" ends its utterance as soon as the partial says so."""
    from voice_coach.asr.endpoint import StreamingEndpointer, barge_in_finisher

    endpointer = StreamingEndpointer(engine, early_finish=barge_in_finisher(parser))
    for block in mic.frames():
        yield from endpointer.feed(block)


def open_microphone(device, wait: bool):
    """The mic, or with `wait` (the boot service) keep trying until one appears."""
    from voice_coach.adapters.mic import MicError, Microphone

    delay = 1.0
    while True:
        mic = Microphone(device)
        try:
            mic.open()
            return mic
        except MicError:
            if not wait:
                raise
            print(f"voice-coach: waiting for a microphone (retry in {delay:.0f} s)",
                  file=sys.stderr, flush=True)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
            mic.rescan()


def run_live(settings, engine, program, parser, log, saved,
             wait_for_audio: bool = False) -> Runtime:
    from voice_coach.adapters import quiet_alsa_messages
    from voice_coach.adapters.speaker import Speaker
    from voice_coach.adapters.tts import DEFAULT_VOICE
    from voice_coach.coach import Coach
    from voice_coach.coach_lines import spoken_lines
    from voice_coach.settings import device_arg
    from voice_coach.timers import ScaledClock

    quiet_alsa_messages()
    mic = open_microphone(device_arg(settings.input_device), wait_for_audio)
    speaker = Speaker(device=device_arg(settings.output_device), rate=settings.rate,
                      voice=settings.voice or DEFAULT_VOICE)
    try:
        speaker.prerender(spoken_lines(program))
        clock = ScaledClock(settings.time_scale)
        runtime: Runtime
        console = Console(lambda: status_text(runtime))
        runtime = Runtime(Coach(program, saved), clock, LiveOutput(speaker, console),
                          clock.real_seconds, log)
        listener = Listener(engine, parser, is_speaking=lambda: speaker.speaking)

        def report(verdict: Verdict) -> None:
            meaning = verdict.intent.name if verdict.intent else f"({verdict.reason})"
            console.line(f"heard: {verdict.text or '...'} ({verdict.confidence:.2f}) -> {meaning}")

        start_listening(utterances_from(mic, engine, parser), listener, runtime, report)
        print(f"voice-coach: listening with {engine.name}", file=sys.stderr, flush=True)
        try:
            runtime.run()
        finally:
            console.close()
        speaker.wait_idle(timeout=10)
        return runtime
    finally:
        mic.close()
        speaker.close()
