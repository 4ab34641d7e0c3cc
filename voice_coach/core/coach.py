"""The coach: a pure state machine over a Program. `handle(event) -> list[Command]`.

It is composed of a flow (drills, steps, sets, rests), a clockwork (every timer) and answers
(questions), all sharing one Context. What each intent does is one explicit table, checked
against the intent templates at start-up and in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voice_coach.core.answers import Answers
from voice_coach.core.clock import Clockwork
from voice_coach.core.context import Context
from voice_coach.core.events import (
    BARGE_IN,
    Command,
    Event,
    Heard,
    Intent,
    Misheard,
    Started,
    TimerFired,
)
from voice_coach.core.flow import Flow
from voice_coach.core.program import Drill, Program
from voice_coach.core.state import Pending, State, TimerKind, snapshot, timer_name

Handler = Callable[[Intent], list[Command]]


class Coach:
    def __init__(self, program: Program, saved: dict[str, Any] | None = None) -> None:
        self.ctx = Context(program)
        self.clock = Clockwork(self.ctx, on_end=lambda kind: self.flow.timer_ended(kind))
        self.flow = Flow(self.ctx, self.clock)
        self.answers = Answers(self.ctx)
        self._saved = saved
        self._asked = Pending.NONE  # the question the last yes/no answers
        f, a, c = self.flow, self.answers, self.clock
        self.handlers: dict[str, Handler] = {
            # navigation
            "next_drill": f.next_drill, "previous_drill": f.previous_drill,
            "goto_drill": f.goto_drill, "list_drills": a.list_drills,
            "current_drill": a.current_drill, "setup": f.setup, "next_step": f.next_step,
            "previous_step": f.previous_step, "repeat": a.repeat, "what_now": f.what_now,
            "restart_drill": f.restart_drill, "easier": f.easier, "harder": f.harder,
            "sets_left": a.sets_left, "reps": a.reps, "equipment": a.equipment,
            # coaching
            "cue": a.cue, "mistakes": a.mistakes, "why": a.why,
            "squat_vs_hinge": a.squat_vs_hinge, "pain": f.pain, "help": a.help,
            # sets and timing
            "start": f.go, "set_done": f.set_done, "rest": f.rest, "skip_rest": f.skip_rest,
            "add_set": f.add_set,
            "add_time": c.add_time, "time_left": a.time_left, "pause": c.pause,
            "resume": c.resume, "end_workout": f.end_workout,
            # the voice, and answers to the coach's questions
            "stop": a.stop, "slower": a.slower, "faster": a.faster, "louder": a.louder,
            "quieter": a.quieter,
            "yes": lambda _: f.answer(self._asked, yes=True),
            "no": lambda _: f.answer(self._asked, yes=False),
        }

    @property
    def program(self) -> Program:
        return self.ctx.program

    @property
    def current(self) -> Drill:
        return self.ctx.current

    @property
    def state(self) -> State:
        return self.ctx.state

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """Everything needed to carry on after a crash (see state.restore)."""
        return snapshot(self.ctx.state, self.ctx.now if now is None else now)

    def handle(self, event: Event) -> list[Command]:
        self.ctx.now = event.at
        match event:
            case Started():
                return (self.flow.welcome_back(self._saved) if self._saved
                        else self.flow.start_program())
            case Heard(intent):
                return self._heard(intent)
            case Misheard():
                return self.ctx.say("Sorry, I didn't catch that. "
                                    "Say help to hear what I understand.")
            case TimerFired(name):
                if name == timer_name(TimerKind.CUE):
                    return self.answers.unprompted_cue()
                return self.clock.fired(name)
        return []

    def _heard(self, intent: Intent) -> list[Command]:
        handler = self.handlers.get(intent.name)
        if handler is None:
            raise ValueError(f"the coach has no handler for intent '{intent.name}'")
        asked = self.ctx.state.pending
        if intent.name not in BARGE_IN:  # "stop" or "pause" keeps a question open
            self.ctx.state.pending = Pending.NONE
        if asked == Pending.RESUME and intent.name in ("resume", "start"):
            return self.clock.carry_on()
        if asked == Pending.RESUME and intent.name == "restart_drill":  # "start over"
            return self.flow.start_program()
        self._asked = asked
        return handler(intent)
