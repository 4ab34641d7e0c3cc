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
from voice_coach.core.counter import COUNT_TIMER, Counter, Counting
from voice_coach.core.events import (
    BARGE_IN,
    Command,
    Event,
    Heard,
    Intent,
    Misheard,
    Play,
    Started,
    TimerFired,
    Unsure,
)
from voice_coach.core.flow import Flow
from voice_coach.core.program import Drill, Program
from voice_coach.core.state import Past, Pending, Phase, State, TimerKind, snapshot, timer_name

Handler = Callable[[Intent], list[Command]]

# Heard with less confidence than this, these are checked with a question before they happen:
# they cost a trainee their place (a drill, a rest). Typed commands are always sure. Counting
# and "tell me more" are not here: a wrong one costs a sentence, and "stop" ends it. The
# questions are not commands themselves ("Switch to the wall tap hip hinge?" was, and in the
# coach's own voice it was heard as one at 0.97).
SURE = 0.95
CHECK_FIRST = {
    "next_drill": "Did you mean the next drill?", "previous_drill": "Did you mean the last drill?",
    "goto_drill": "Did you mean the {drill}?", "skip_rest": "Did you mean skip the rest?",
    "easier": "Did you mean an easier drill?", "harder": "Did you mean a harder drill?",
}
SORRY_GAP = 8.0  # at most one "sorry?" earcon in this many seconds

# Intents that make sense only in some phases; every other intent (stop, pause, pain, help,
# cue, time left...) makes sense at any time. Used to weight recognition by the moment.
MAKES_SENSE_IN = {
    "next_step": {Phase.SETUP, Phase.REST, Phase.DRILL_DONE, Phase.DONE},
    "previous_step": {Phase.SETUP},
    "setup": {Phase.SETUP, Phase.SET, Phase.DRILL_DONE},
    "start": {Phase.SETUP, Phase.SET, Phase.REST, Phase.DRILL_DONE, Phase.DONE},
    "set_done": {Phase.SETUP, Phase.SET, Phase.REST},  # in a rest: an answer, not an action
    "stop_counting": {Phase.SET},
    "skip_rest": {Phase.REST},
    "add_time": {Phase.SET, Phase.REST},
}
ANSWERS = frozenset({"yes", "no"})  # make sense only when the coach has asked something
# Said to "carry on at drill four?", these mean yes.
YES_TO_CONTINUE = frozenset({"start", "resume", "next_step", "next_drill"})


class Coach:
    def __init__(self, program: Program, saved: dict[str, Any] | None = None,
                 past: Past | None = None) -> None:
        """`saved`: progress to offer back (after a crash or a quit); `past`: what the workout
        log knows of earlier sessions (a returning trainee gets a short start)."""
        self.ctx = Context(program, past=past or Past())
        self.clock = Clockwork(self.ctx, on_end=lambda kind: self.flow.timer_ended(kind))
        self.counter = Counter(self.ctx)
        self.flow = Flow(self.ctx, self.clock, self.counter)
        self.answers = Answers(self.ctx)
        self.counting = Counting(self.ctx, self.counter, self.answers, self.clock)
        self._saved = saved
        self._asked = Pending.NONE  # the question the last yes/no answers
        self._to_check: Intent | None = None  # a consequential command waiting for a yes
        self._last_sorry = -SORRY_GAP
        f, a, c, n = self.flow, self.answers, self.clock, self.counting
        self.handlers: dict[str, Handler] = {
            # navigation
            "next_drill": f.next_drill, "previous_drill": f.previous_drill,
            "goto_drill": f.goto_drill, "list_drills": a.list_drills,
            "current_drill": a.current_drill, "setup": f.setup, "next_step": f.next_step,
            "previous_step": f.previous_step, "repeat": a.repeat, "what_now": f.what_now,
            "restart_drill": f.restart_drill, "easier": f.easier, "harder": f.harder,
            "tell_me_more": f.tell_me_more,
            "sets_left": a.sets_left, "reps": a.reps, "equipment": a.equipment,
            # coaching
            "cue": a.cue, "mistakes": a.mistakes, "why": self._why,
            "squat_vs_hinge": a.squat_vs_hinge, "pain": f.pain, "help": a.help,
            # sets and timing
            "start": f.go, "set_done": f.set_done, "rest": f.rest, "skip_rest": f.skip_rest,
            "add_set": f.add_set,
            "add_time": c.add_time, "time_left": a.time_left, "pause": n.pause,
            "resume": n.resume, "end_workout": f.end_workout,
            "count_reps": n.count_reps, "stop_counting": n.stop_counting,
            # the voice (or the count's tempo), and answers to the coach's questions
            "stop": n.stop, "slower": n.slower, "faster": n.faster, "louder": a.louder,
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

    def expects(self, intent: str) -> bool:
        """Whether a trainee would say this now (phase, open question); safety and questions
        always make sense."""
        if intent in ANSWERS:
            return self.ctx.state.pending != Pending.NONE or self._to_check is not None
        phases = MAKES_SENSE_IN.get(intent)
        return phases is None or self.ctx.state.phase in phases

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """Everything needed to carry on after a crash (see state.restore)."""
        return snapshot(self.ctx.state, self.ctx.now if now is None else now)

    def handle(self, event: Event) -> list[Command]:
        self.ctx.now = event.at
        match event:
            case Started():
                self.ctx.started = event.at
                return (self.flow.welcome_back(self._saved) if self._saved
                        else self.flow.start_program())
            case Heard(intent):
                return [*self._heard(intent), *self._keep_count(intent)]
            case Misheard():
                return self.ctx.say("Sorry, I didn't catch that. "
                                    "Say help to hear what I understand.")
            case TimerFired(name):
                if name == COUNT_TIMER:
                    return self.counter.fired(event.at)
                if name == timer_name(TimerKind.CUE):  # never over a count or a question
                    busy = self.counter.running or self.ctx.state.pending != Pending.NONE
                    return [] if busy else self.answers.unprompted_cue()
                return self.clock.fired(name)
            case Unsure(at):
                if at - self._last_sorry < SORRY_GAP:
                    return []
                self._last_sorry = at
                return [Play("sorry")]
        return []

    def _heard(self, intent: Intent) -> list[Command]:
        handler = self.handlers.get(intent.name)
        if handler is None:
            raise ValueError(f"the coach has no handler for intent '{intent.name}'")
        asked = self.ctx.state.pending
        to_check, self._to_check = self._to_check, None
        if intent.name not in BARGE_IN:  # "stop" or "pause" keeps a question open
            self.ctx.state.pending = Pending.NONE
        elif to_check is not None:
            self._to_check = to_check
        if to_check is not None and intent.name in ("yes", "no"):
            if intent.name == "no":
                return self.ctx.say("Okay, we'll carry on.", self.ctx.resume_hint())
            return self.handlers[to_check.name](to_check)
        if asked == Pending.RESUME and intent.name in ("resume", "start"):
            return self.clock.carry_on()
        if asked == Pending.RESUME and intent.name == "restart_drill":  # "start over"
            return self.flow.start_program()
        if asked == Pending.CONTINUE and intent.name in YES_TO_CONTINUE:
            return self.flow.answer(asked, yes=True)
        if asked == Pending.CONTINUE and intent.name == "restart_drill":  # "from drill one"
            return self.flow.answer(asked, yes=False)
        if intent.name in CHECK_FIRST and intent.confidence < SURE:
            return self._check_first(intent)
        self._asked = asked
        return handler(intent)

    def _keep_count(self, intent: Intent) -> list[Command]:
        """A count ends with its set, waits while the coach asks something, and carries on
        after a "no" to that question."""
        s = self.ctx.state
        if s.phase != Phase.SET:
            return self.counter.reset()
        if self.counter.running and (s.pending != Pending.NONE or self._to_check):
            return self.counter.stop()
        if intent.name == "no" and self.counter.interrupted and s.counting:
            return self.counter.resume(after=s.last_said)
        return []

    def _why(self, intent: Intent) -> list[Command]:
        """After a short start "why" gives the introduction it left out; then the benefits."""
        if self.ctx.state.more:
            return self.flow.tell_me_more(intent)
        return self.answers.why(intent)

    def _check_first(self, intent: Intent) -> list[Command]:
        """Ask before a consequential command heard with middling confidence."""
        self._to_check = intent
        drill = str(intent.slots.get("drill", ""))
        name = self.program.drill(drill).name if drill in self.program.drill_ids else "drill"
        return self.ctx.say(CHECK_FIRST[intent.name].format(drill=name), "Say yes or no.")
