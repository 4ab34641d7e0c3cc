"""The live coach: mic -> endpointer -> recogniser -> guard -> coach -> speaker, one runtime.

The runtime's loop owns the coach on the main thread; the listening side runs on its own thread
and only posts intents. Console output is one line per thing heard or said, plus a status line
when attached to a terminal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from voice_coach.app.exits import close_within, run_awake
from voice_coach.app.runtime import Runtime
from voice_coach.asr.endpoint import Utterance
from voice_coach.asr.listener import Listener, Verdict
from voice_coach.core.events import Command, Say, StopSpeaking, TimerFired
from voice_coach.ports import AudioSource, Observer, SpeechEngine

if TYPE_CHECKING:
    from rich.live import Live
    from rich.text import Text

    from voice_coach.adapters.echo import EchoCanceller
    from voice_coach.adapters.mic import Microphone
    from voice_coach.adapters.speaker import Speaker
    from voice_coach.adapters.workout_log import WorkoutLog
    from voice_coach.app.settings import Settings
    from voice_coach.asr.wakeword import WakeWindow, WakeWordDetector
    from voice_coach.content.intents import IntentParser
    from voice_coach.core.program import Program
    from voice_coach.core.state import Past


class Console:
    """What a person at the Pi's terminal sees; a rich status line when it is a TTY.

    Lines can be printed from the start; the status line appears once `show_status` gives it
    something to show (the runtime it describes does not exist yet when the console is made).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._state: Callable[[], str] | None = None
        self._shown = ""
        self._live: Live | None = None

    def show_status(self, state: Callable[[], str]) -> None:
        """Keep `state()` on the last line of a terminal, redrawn a few times a second."""
        self._state = state
        if self._live is not None or not self.stream.isatty():
            return
        from rich.console import Console as RichConsole
        from rich.live import Live

        self._rich = RichConsole(file=self.stream)
        self._live = Live(get_renderable=self._status, console=self._rich,
                          refresh_per_second=4, transient=True)
        self._live.start()

    def _status(self) -> Text:
        from rich.text import Text

        # drawn on rich's thread while the coach may be mid-change: keep the last good one
        with contextlib.suppress(Exception):
            self._shown = self._state() if self._state is not None else ""
        return Text(self._shown, style="bold cyan")

    def line(self, text: str) -> None:
        if self._live is not None:
            self._rich.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def refresh(self) -> None:
        if self._live is not None:
            self._live.refresh()

    def close(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()


def echo_to(console: Console) -> Observer:
    """What the coach says (and when it falls quiet) echoed on the console; timers refresh the
    status line."""

    def observe(item: Command | TimerFired) -> None:
        match item:
            case Say(text):
                console.line(f"coach: {text}")
            case StopSpeaking():
                console.line("[quiet]")
            case TimerFired():
                console.refresh()

    return observe


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


# heard over the coach, these change how it sounds, not what it says: it carries on
CARRY_ON = frozenset({"louder", "quieter", "slower", "faster"})


class BargeIn:
    """The user talks over the coach (only while echo cancellation is working: without it the
    mic would take the coach's own voice for a user). The coach ducks the moment the
    utterance is the user's: the canceller hears a voice it did not play, or the recogniser
    hears words (not at every burst the voice detector takes for speech). Once
    they are judged, a command cuts it short so the answer comes now, and so does a command
    it is unsure of (it asks "sorry?" as a person would; said again, it is acted on); anything
    else (or a change of volume or pace) lets it carry on at full voice."""

    def __init__(self, speaker: Speaker, canceller: EchoCanceller) -> None:
        self.speaker, self.canceller = speaker, canceller
        self.ducked = False

    def user_started(self) -> None:
        if self.speaker.speaking and self.canceller.effective:
            self.speaker.duck(True)
            self.ducked = True

    def judged(self, verdict: Verdict) -> None:
        if not self.ducked:
            return
        self.ducked = False
        if verdict.reason == "unsure" or \
                verdict.intent is not None and verdict.intent.name not in CARRY_ON:
            self.speaker.stop_speaking()
        self.speaker.duck(False)


def listen(utterances: Iterable[Utterance], listener: Listener, runtime: Runtime,
           report: Callable[[Verdict], None] | None = None) -> None:
    """Judge each utterance and post what should be acted on; runs on the listening thread."""
    for utterance in utterances:
        try:
            verdict: Verdict = listener.hear(utterance)
        except Exception as exc:  # a recogniser failure loses one utterance, not the session
            print(f"voice-coach: recogniser error: {exc}", file=sys.stderr)
            continue
        if report is not None:
            report(verdict)
        if verdict.intent is not None:
            runtime.post_heard(verdict.intent)
        elif verdict.reason == "unsure":
            runtime.post_unsure()
    runtime.post_end()


def start_listening(utterances: Iterable[Utterance], listener: Listener, runtime: Runtime,
                    report: Callable[[Verdict], None] | None = None) -> threading.Thread:
    thread = threading.Thread(target=listen, args=(utterances, listener, runtime, report),
                              name="listener", daemon=True)
    thread.start()
    return thread


def utterances_from(mic: AudioSource, engine: SpeechEngine, parser: IntentParser,
                    wake: WakeWordDetector | None = None,
                    on_wake: Callable[[float], None] | None = None,
                    on_user: Callable[[], None] | None = None,
                    canceller: EchoCanceller | None = None,
                    stream_when: Callable[[], bool] | None = None,
                    ) -> Iterable[Utterance]:
    """Mic blocks -> utterances; "stop" ends its utterance as soon as the partial says so.

    With a wake-word detector each block goes to it first, so a detection (reported to `on_wake`
    in stream seconds) is known before the utterance it ends is judged.
    """
    from voice_coach.asr.endpoint import StreamingEndpointer, barge_in_finisher

    endpointer = StreamingEndpointer(
        engine, early_finish=barge_in_finisher(parser), on_user=on_user, stream_when=stream_when,
        hears_the_user=(lambda: canceller.hears_the_user) if canceller is not None else None,
        second_look=canceller.second_look if canceller is not None else None)
    for block in mic.frames():
        if wake is not None:
            for at in wake.feed(block):
                if on_wake is not None:
                    on_wake(at)
        yield from endpointer.feed(block)


def open_microphone(device: int | str | None, wait: bool,
                    canceller: EchoCanceller | None = None) -> Microphone:
    """The mic, or with `wait` (the boot service) keep trying until one appears."""
    from voice_coach.adapters.mic import MicError, Microphone

    delay = 1.0
    while True:
        mic = Microphone(device, canceller)
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


def run_live(settings: Settings, engine: SpeechEngine, program: Program, parser: IntentParser,
             log: WorkoutLog, saved: dict[str, Any] | None,
             wait_for_audio: bool = False, past: Past | None = None) -> Runtime:
    from voice_coach.adapters import quiet_alsa_messages
    from voice_coach.adapters.speaker import Speaker
    from voice_coach.adapters.tts import DEFAULT_VOICE
    from voice_coach.app.clocks import ScaledClock
    from voice_coach.app.settings import device_arg
    from voice_coach.asr.worker import EngineProcess
    from voice_coach.core.coach import Coach
    from voice_coach.core.lines import spoken_lines
    from voice_coach.pcm import SAMPLE_RATE

    quiet_alsa_messages()
    wake: WakeWordDetector | None = None
    window: WakeWindow | None = None
    if settings.wake_word:  # before the devices: a missing package is one line, not a half-start
        from voice_coach.asr.wakeword import WakeWindow, WakeWordDetector

        wake, window = WakeWordDetector(settings.wake_word), WakeWindow(settings.wake_window)
    canceller = start_echo_cancel(settings.echo_cancel)
    mic = open_microphone(device_arg(settings.input_device), wait_for_audio, canceller)
    speaker = None
    try:
        # with a canceller the voice plays at 16 kHz, so what it models is exactly what played
        speaker = Speaker(device=device_arg(settings.output_device), rate=settings.rate,
                          voice=settings.voice or DEFAULT_VOICE,
                          samplerate=SAMPLE_RATE if canceller else None,
                          echo_reference=canceller.reference if canceller else None)
        speaker.prerender(spoken_lines(program))
        clock = ScaledClock(settings.time_scale)
        console = Console()
        runtime = Runtime(Coach(program, saved, past), clock, speaker, clock.real_seconds, log,
                          observers=[echo_to(console)])
        console.show_status(lambda: status_text(runtime))
        listener = Listener(engine, parser, is_speaking=lambda: speaker.speaking,
                            expects=runtime.coach.expects, wake=window,
                            echo_cancelled=lambda: canceller is not None and canceller.effective)
        barge = BargeIn(speaker, canceller) if canceller is not None else None

        def woke(at: float) -> None:
            if window is not None:
                window.wake(at)
            runtime.post_cue("ack")
            console.line("[wake word]")

        def report(verdict: Verdict) -> None:
            meaning = verdict.intent.name if verdict.intent else f"({verdict.reason})"
            console.line(f"heard: {verdict.text or '...'} ({verdict.confidence:.2f}) -> {meaning}")
            if barge is not None:
                barge.judged(verdict)

        if isinstance(engine, EngineProcess):  # it loaded while the devices opened
            engine.wait_ready()
        start_listening(utterances_from(mic, engine, parser, wake, woke,
                                        barge.user_started if barge else None, canceller,
                                        stream_when=lambda: speaker.speaking),
                        listener, runtime, report)
        hint = f", commands after '{wake.phrase}'" if wake is not None else ""
        hint += ", echo cancellation on" if canceller is not None else ""
        print(f"voice-coach: listening with {engine.name}{hint}", file=sys.stderr, flush=True)
        try:
            run_awake(runtime)
        finally:
            console.close()
        speaker.wait_idle(timeout=10)
        return runtime
    finally:  # the devices, with a deadline; the speech worker process ends with this one
        close_within(mic.close, *([speaker.release] if speaker is not None else []))
        if speaker is not None and speaker.underruns:
            print(f"voice-coach: the speaker ran short of sound {speaker.underruns} times "
                  "(heard as crackles)", file=sys.stderr, flush=True)
        if canceller is not None and canceller.erle_db is not None:
            print(f"voice-coach: echo cancellation removed {canceller.erle_db:.1f} dB of the "
                  "coach's voice", file=sys.stderr, flush=True)


def start_echo_cancel(enabled: bool) -> EchoCanceller | None:
    """The in-process echo canceller, or None when it is off or cannot run (said once)."""
    if not enabled:
        return None
    from voice_coach.adapters.echo import EchoCanceller, EchoError

    try:
        return EchoCanceller()
    except EchoError as exc:
        print(f"voice-coach: {exc}; while the coach talks only stop, pause and quieter are "
              "heard", file=sys.stderr, flush=True)
        return None
