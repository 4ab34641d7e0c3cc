"""All of the coach's clock handling: rests and timed holds with spoken countdowns, pause,
resume, add time, and carrying on after a restart.

Pure like the rest of the core: deadlines come from the event time (`ctx.now`) and leave as
StartTimer/CancelTimer commands; the runtime only fires names back.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.core.context import Context, timer_words
from voice_coach.core.events import (
    CancelTimer,
    Command,
    Intent,
    Play,
    Priority,
    Record,
    StartTimer,
    StopSpeaking,
)
from voice_coach.core.numbers import duration_words, number_words
from voice_coach.core.state import (
    COUNTDOWN,
    Countdown,
    Mark,
    Phase,
    TimerKind,
    parse_timer_name,
    timer_name,
)

CUE_DELAY = 8.0  # seconds into a set before an unprompted cue
DEFAULT_ADD = 30.0  # "add time" without a number


class Clockwork:
    """Owns `ctx.state.timer`; `on_end(kind)` is what the coach does when a deadline arrives."""

    def __init__(self, ctx: Context, on_end: Callable[[TimerKind], list[Command]]) -> None:
        self.ctx, self.on_end = ctx, on_end

    # ---- running timers

    def run(self, kind: TimerKind, seconds: float) -> list[Command]:
        self.ctx.state.timer = Countdown(kind, self.ctx.now + seconds, seconds)
        return self._schedule(kind, seconds)

    def cancel(self) -> list[Command]:
        timer, self.ctx.state.timer = self.ctx.state.timer, None
        if timer is None:
            return []
        marks = (Mark.END, *COUNTDOWN, Mark.TEN, Mark.HALF)
        return [CancelTimer(timer_name(timer.kind, mark)) for mark in marks]

    def start_cue(self) -> list[Command]:
        return [StartTimer(timer_name(TimerKind.CUE), CUE_DELAY)]

    def cancel_cue(self) -> list[Command]:
        return [CancelTimer(timer_name(TimerKind.CUE))]

    def fired(self, name: str) -> list[Command]:
        """A countdown mark or deadline; stale names (from before a pause or a change) do
        nothing."""
        parsed, timer = parse_timer_name(name), self.ctx.state.timer
        if parsed is None or timer is None or timer.paused_left is not None:
            return []
        kind, mark = parsed
        if kind != timer.kind:
            return []
        if mark == Mark.HALF:
            left = duration_words(timer.left(self.ctx.now)).capitalize()
            return self.ctx.say(f"Halfway. {left} to go.", priority=Priority.CHATTER)
        if mark == Mark.TEN:
            return self.ctx.say("Ten seconds.", priority=Priority.TIMING)
        if mark != Mark.END:
            return self.ctx.say(number_words(int(mark)).capitalize() + ".",
                                priority=Priority.TIMING)
        return self.on_end(kind)

    # ---- rests

    def start_rest(self, seconds: float, prefix: str = "") -> list[Command]:
        self.ctx.state.phase = Phase.REST
        cmds = self.cancel()
        cmds += self.ctx.say(prefix, f"Rest {duration_words(seconds)}.")
        return cmds + self.run(TimerKind.REST, seconds)

    def retime_rest(self, seconds: float) -> list[Command]:
        return [*self.ctx.say(f"Okay, {duration_words(seconds)}."), *self._retime(seconds)]

    def stop_rest(self) -> list[Command]:
        """End a rest (on time or skipped): log how long it really was, then the earcon."""
        timer, ctx = self.ctx.state.timer, self.ctx
        cmds: list[Command] = []
        if timer is not None:
            actual = timer.total - timer.left(ctx.now)
            cmds.append(Record("rest", {"drill": ctx.current.id, "planned": timer.total,
                                        "actual": round(actual, 1)}))
        return [*cmds, *self.cancel(), Play("rest_over")]

    # ---- the user's timer commands

    def add_time(self, intent: Intent) -> list[Command]:
        timer, ctx = self.ctx.state.timer, self.ctx
        seconds = float(intent.slots.get("seconds") or DEFAULT_ADD)
        if timer is None:
            return ctx.say("There's no timer running.", ctx.resume_hint())
        left = timer.left(ctx.now) + seconds
        if timer.paused_left is not None:
            timer.paused_left, timer.total = left, timer.total + seconds
            return ctx.say(f"Added {duration_words(seconds)}. Still paused.")
        return [*ctx.say(f"Added {duration_words(seconds)}. "
                         f"{duration_words(left).capitalize()} left."), *self._retime(left)]

    def pause(self, intent: Intent) -> list[Command]:
        timer, ctx = self.ctx.state.timer, self.ctx
        cmds: list[Command] = [StopSpeaking(), *self.cancel_cue()]
        if timer is None or timer.paused_left is not None:
            return cmds + ctx.say("Take your time. Say resume when you're ready.")
        left = timer.left(ctx.now)
        kind, total = timer.kind, timer.total
        cmds += self.cancel()
        ctx.state.timer = Countdown(kind, 0.0, total, paused_left=left)
        return cmds + ctx.say(f"Take your time. {duration_words(left).capitalize()} left "
                              f"when you say resume.")

    def resume(self, intent: Intent) -> list[Command]:
        paused = self._unpause()
        if paused is None:
            return self.ctx.say("Carrying on.", self.ctx.resume_hint())
        left, schedule = paused
        return [*self.ctx.say(f"Resuming. {duration_words(left).capitalize()} left."),
                *schedule]

    def carry_on(self) -> list[Command]:
        """After a restart: a saved rest or hold carries on from where it was."""
        ctx, paused = self.ctx, self._unpause()
        if paused is not None:
            left, schedule = paused
            kind = ctx.state.timer.kind if ctx.state.timer else TimerKind.REST
            return [*ctx.say(f"Carrying on. {duration_words(left).capitalize()} left in "
                             f"{timer_words(kind)}."), *schedule]
        if ctx.state.phase == Phase.SETUP:
            return ctx.say("Carrying on.", ctx.go_prompt())
        return ctx.say("Carrying on.", ctx.resume_hint())

    # ---- internals

    def _unpause(self) -> tuple[float, list[Command]] | None:
        timer = self.ctx.state.timer
        if timer is None or timer.paused_left is None:
            return None
        left = timer.paused_left
        timer.paused_left, timer.deadline = None, self.ctx.now + left
        return left, self._schedule(timer.kind, left)

    def _retime(self, left: float) -> list[Command]:
        timer = self.ctx.state.timer
        assert timer is not None
        kind, total = timer.kind, timer.total + (left - timer.left(self.ctx.now))
        cmds = self.cancel()
        self.ctx.state.timer = Countdown(kind, self.ctx.now + left, total)
        return cmds + self._schedule(kind, left)

    def _schedule(self, kind: TimerKind, left: float) -> list[Command]:
        marks = {Mark.END: left, **{mark: left - int(mark) for mark in COUNTDOWN}}
        if kind == TimerKind.REST and left >= 20:
            marks[Mark.TEN] = left - 10
        timer = self.ctx.state.timer
        if timer and timer.total >= 30 and left > timer.total / 2:
            marks[Mark.HALF] = left - timer.total / 2
        return [StartTimer(timer_name(kind, mark), at) for mark, at in marks.items() if at > 0]
