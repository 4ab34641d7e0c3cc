"""One event loop that owns the coach: inputs post events, timers fire, commands go to the
output, the workout log keeps the state after every event, and observers watch."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence

from voice_coach.adapters.workout_log import WorkoutLog
from voice_coach.app.clocks import ManualClock, Scheduler
from voice_coach.core.coach import Coach
from voice_coach.core.events import (
    CancelTimer,
    Command,
    EndSession,
    Event,
    Heard,
    Intent,
    Misheard,
    Play,
    Record,
    Say,
    SetVoice,
    Started,
    StartTimer,
    StopSpeaking,
    TimerFired,
    Unsure,
)
from voice_coach.ports import Clock, Observer, Output


class EndOfInput:
    """Posted when the input has nothing more to say (stdin EOF)."""


class Cue:
    """Posted to play an earcon that is no event for the coach (the wake word's "ack")."""

    def __init__(self, earcon: str) -> None:
        self.earcon = earcon


class Runtime:
    """Runs the coach until the session ends or the input closes."""

    def __init__(self, coach: Coach, clock: Clock, output: Output,
                 real_seconds: Callable[[float], float] | None = None,
                 log: WorkoutLog | None = None, observers: Sequence[Observer] = ()) -> None:
        self.coach, self.clock, self.output, self.log = coach, clock, output, log
        self.observers = list(observers)
        self.scheduler = Scheduler()
        self.inbox: queue.Queue[Event | EndOfInput | Cue] = queue.Queue()
        self._real_seconds = real_seconds or (lambda s: s)
        self.finished = False

    # inputs call these from any thread
    def post_heard(self, intent: Intent | None, text: str = "") -> None:
        now = self.clock.now()
        self.inbox.put(Heard(intent, now) if intent else Misheard(text, now))

    def post_unsure(self) -> None:
        """Speech that came close to a command: the coach may ask "sorry?"."""
        self.inbox.put(Unsure(self.clock.now()))

    def post_cue(self, earcon: str) -> None:
        self.inbox.put(Cue(earcon))

    def post_end(self) -> None:
        self.inbox.put(EndOfInput())

    def dispatch(self, event: Event) -> None:
        for command in self.coach.handle(event):
            self._execute(command, event.at)
        if self.log is not None:
            if self.finished:
                self.log.end_session(finished=True)
            else:
                self.log.save_state(self.coach.snapshot(self.clock.now()))

    def _execute(self, command: Command, at: float | None = None) -> None:
        """`at`: the time of the event the command answers; timers start from it, so a timer
        started when another fired keeps to the session clock however late it is handled."""
        out = self.output
        match command:
            case Say(text, priority):
                out.say(text, priority)
            case Play(earcon):
                out.play(earcon)
            case StartTimer(name, seconds):
                self.scheduler.start(name, (self.clock.now() if at is None else at) + seconds)
            case CancelTimer(name):
                self.scheduler.cancel(name)
            case StopSpeaking():
                out.stop_speaking()
            case SetVoice(rate_steps, volume_steps):
                out.set_voice(rate_steps, volume_steps)
            case Record(kind, data):
                if self.log is not None:
                    self.log.event(kind, data)
            case EndSession():
                self.finished = True
        self._notify(command)

    def _notify(self, item: Command | TimerFired) -> None:
        for observe in self.observers:
            observe(item)

    def fire_due(self) -> None:
        """Fire every timer whose deadline has passed, each stamped with its own deadline."""
        for name, deadline in self.scheduler.due(self.clock.now()):
            fired = TimerFired(name, deadline)
            self._notify(fired)
            self.dispatch(fired)

    def advance(self, clock: ManualClock, seconds: float) -> None:
        """Move a manual clock forward, firing each timer exactly at its deadline."""
        target = clock.t + seconds
        while (nxt := self.scheduler.next_deadline()) is not None and nxt <= target:
            clock.t = max(clock.t, nxt)
            self.fire_due()
        clock.t = target

    def step(self, timeout: float | None) -> bool:
        """Handle what is due, then wait up to `timeout` real seconds for one input."""
        self.fire_due()
        if self.finished:
            return False
        nxt = self.scheduler.next_deadline()
        wait = timeout
        if nxt is not None:
            until = max(0.0, self._real_seconds(nxt - self.clock.now()))
            wait = until if wait is None else min(wait, until)
        try:
            item = self.inbox.get(timeout=wait)
        except queue.Empty:
            return True
        if isinstance(item, EndOfInput):
            return False
        if isinstance(item, Cue):
            self._execute(Play(item.earcon))
            return True
        self.dispatch(item)
        return not self.finished

    def run(self) -> None:
        self.dispatch(Started(self.clock.now()))
        while not self.finished and self.step(None):
            pass
