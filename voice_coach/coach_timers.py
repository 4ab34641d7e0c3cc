"""The coach's clockwork: timers with spoken countdowns, and pause, resume and add time.

A mixin of `Coach`, pure like it: deadlines come from the event time (`_now`) and leave as
StartTimer/CancelTimer commands.
"""

from __future__ import annotations

from voice_coach.coach_answers import Answers
from voice_coach.coach_state import COUNTDOWN, Clockwork
from voice_coach.events import CancelTimer, Command, Intent, StartTimer, StopSpeaking
from voice_coach.numbers import duration_words


class TimerControls(Answers):
    def _run_timer(self, kind: str, seconds: float) -> list[Command]:
        self.state.timer = Clockwork(kind, self._now + seconds, seconds)
        return self._schedule(kind, seconds)

    def _schedule(self, kind: str, left: float) -> list[Command]:
        marks = {kind: left, **{f"{kind}:{n}": left - n for n in COUNTDOWN}}
        if kind == "rest" and left >= 20:
            marks["rest:10"] = left - 10
        timer = self.state.timer
        if timer and timer.total >= 30 and left > timer.total / 2:
            marks[f"{kind}:half"] = left - timer.total / 2
        return [StartTimer(name, at) for name, at in marks.items() if at > 0]

    def _cancel_timer(self) -> list[Command]:
        timer, self.state.timer = self.state.timer, None
        if timer is None:
            return []
        names = [timer.kind, *(f"{timer.kind}:{n}" for n in (*COUNTDOWN, 10, "half"))]
        return [CancelTimer(name) for name in names]

    def _retime(self, left: float) -> list[Command]:
        timer = self.state.timer
        assert timer is not None
        kind, total = timer.kind, timer.total + (left - timer.left(self._now))
        cmds = self._cancel_timer()
        self.state.timer = Clockwork(kind, self._now + left, total)
        return cmds + self._schedule(kind, left)

    # ---- timer commands

    def _on_add_time(self, intent: Intent) -> list[Command]:
        timer = self.state.timer
        seconds = float(intent.slots.get("seconds") or 30)
        if timer is None:
            return self._say("There's no timer running.", self._resume_hint())
        left = timer.left(self._now) + seconds
        if timer.paused_left is not None:
            timer.paused_left, timer.total = left, timer.total + seconds
            return self._say(f"Added {duration_words(seconds)}. Still paused.")
        return [*self._say(f"Added {duration_words(seconds)}. "
                           f"{duration_words(left).capitalize()} left."), *self._retime(left)]

    def _on_pause(self, intent: Intent) -> list[Command]:
        timer = self.state.timer
        cmds: list[Command] = [StopSpeaking(), CancelTimer("cue")]
        if timer is None or timer.paused_left is not None:
            return cmds + self._say("Take your time. Say resume when you're ready.")
        left = timer.left(self._now)
        kind, total = timer.kind, timer.total
        cmds += self._cancel_timer()
        self.state.timer = Clockwork(kind, 0.0, total, paused_left=left)
        return cmds + self._say(f"Take your time. {duration_words(left).capitalize()} left "
                                f"when you say resume.")

    def _on_resume(self, intent: Intent) -> list[Command]:
        timer = self.state.timer
        if timer is None or timer.paused_left is None:
            return self._say("Carrying on.", self._resume_hint())
        left = timer.paused_left
        timer.paused_left, timer.deadline = None, self._now + left
        return [*self._say(f"Resuming. {duration_words(left).capitalize()} left."),
                *self._schedule(timer.kind, left)]
