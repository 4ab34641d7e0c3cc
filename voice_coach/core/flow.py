"""The session's flow: drills, setup steps, sets, rests, pain, the end of the workout.

Setup (steps one at a time) -> set -> rest -> set ... -> drill done -> next drill ... -> done.
"""

from __future__ import annotations

from typing import Any

from voice_coach.core import intro
from voice_coach.core.clock import Clockwork
from voice_coach.core.context import Context
from voice_coach.core.counter import Counter
from voice_coach.core.events import (
    Command,
    EndSession,
    Intent,
    Play,
    Priority,
    Record,
    StopSpeaking,
)
from voice_coach.core.numbers import duration_words, number_words
from voice_coach.core.state import Pending, Phase, State, TimerKind, restore

UNPROMPTED_CUE_SETS = 2  # unprompted cues fade: only in the first sets of a drill


class Flow:
    def __init__(self, ctx: Context, clock: Clockwork, counter: Counter) -> None:
        self.ctx, self.clock, self.counter = ctx, clock, counter

    # ---- starting

    def start_program(self) -> list[Command]:
        """The first session: the program's introduction, then drill one. A returning trainee
        gets a short start (or the offer to carry on after last time's drill); "tell me more"
        gives what was left out."""
        ctx = self.ctx
        ctx.state = State()
        if not intro.returning(ctx):
            return [Play("start"), *ctx.say(ctx.program.intro), *self.open_drill(0)]
        at = intro.continue_at(ctx)
        if at is not None:
            ctx.state.pending = Pending.CONTINUE
            return [Play("start"), *ctx.say(intro.continue_question(ctx, at))]
        return [Play("start"), *self.open_drill(0, lead=f"Welcome back. {ctx.program.title}, ")]

    def welcome_back(self, saved: dict[str, Any]) -> list[Command]:
        """Restore saved progress and ask whether to carry on or start over."""
        ctx = self.ctx
        try:
            ctx.state = restore(saved, ctx.program)
        except (TypeError, ValueError, KeyError):
            return self.start_program()
        s = ctx.state
        if s.phase == Phase.SET:  # an unfinished set is done again from its start
            s.phase, s.step = Phase.SETUP, len(ctx.current.steps)
        s.pending = Pending.RESUME
        where = ("" if s.phase in (Phase.DRILL_DONE, Phase.DONE)
                 else f", {ctx.set_label().lower()[:-1]}")
        return [Play("start"), *ctx.say(
            f"Welcome back. You were on the {ctx.current.name}{where}. "
            "Say resume to carry on, or no to start over.")]

    # ---- drills and steps

    def open_drill(self, index: int, lead: str = "", named: bool = False) -> list[Command]:
        """Open a drill at its first step; a drill done before is opened briefly. With a `lead`
        (a returning start) the program's introduction was left out too; `named`: the drill
        was just named in a question."""
        ctx = self.ctx
        cmds = [*self.clock.cancel(), *self.counter.reset()]
        s = ctx.state
        s.drill, s.phase, s.step, s.last_cue, s.cue_turn, s.mistake_turn, s.pending = (
            index, Phase.SETUP, -1, "", 0, 0, Pending.NONE)
        s.set_number = s.sets_done.get(ctx.current.id, 0) + 1
        d = ctx.current
        if s.set_number > ctx.total_sets():
            s.set_number = ctx.total_sets()
            s.phase = Phase.DRILL_DONE
        brief = d.id in ctx.past.drills_done
        text, more = intro.drill_opening(ctx, index, brief, lead, named)
        s.more = f"{ctx.program.intro} {more}" if lead and more else more
        cmds.append(Record("drill", {"drill": d.id, "index": index}))
        if not brief and lead:
            cmds += ctx.say(lead.rstrip(", ") + ".")
        if text:
            cmds += ctx.say(text)
        if s.phase == Phase.DRILL_DONE:
            return cmds + ctx.say("You've already finished this one. Say next drill to move on.")
        return cmds + self.step(0)

    def tell_me_more(self, intent: Intent) -> list[Command]:
        """ "tell me more": what a short start left out, else what the drill is for."""
        ctx = self.ctx
        more, ctx.state.more = ctx.state.more, ""
        return ctx.say(more or intro.about(ctx, ctx.current))

    def step(self, index: int) -> list[Command]:
        ctx = self.ctx
        steps, s = ctx.current.steps, ctx.state
        if index >= len(steps):
            s.step = len(steps)
            return ctx.say("That's the whole setup.", ctx.go_prompt())
        s.step = max(0, index)
        first = s.step == 0 and s.drill == 0 and not intro.returning(ctx)
        hint = " Say next step when you're ready." if first else ""
        return ctx.say(f"Step {number_words(s.step + 1)}: {steps[s.step]}{hint}")

    def next_drill(self, intent: Intent) -> list[Command]:
        ctx = self.ctx
        if ctx.state.drill + 1 >= len(ctx.program.drills):
            if ctx.state.phase == Phase.DONE:
                return ctx.say("That was the last drill. Say end workout to finish.")
            return ctx.say("This is the last drill.", ctx.resume_hint())
        return self.open_drill(ctx.state.drill + 1)

    def previous_drill(self, intent: Intent) -> list[Command]:
        if self.ctx.state.drill == 0:
            return self.ctx.say("This is the first drill.", self.ctx.resume_hint())
        return self.open_drill(self.ctx.state.drill - 1)

    def goto_drill(self, intent: Intent) -> list[Command]:
        drill_id = intent.slots.get("drill")
        try:
            return self.open_drill(self.ctx.program.index_of(str(drill_id)))
        except ValueError:
            return self.ctx.say("I don't know that drill. Say list drills to hear them.")

    def setup(self, intent: Intent) -> list[Command]:
        if self.ctx.state.phase == Phase.SET:
            return self.ctx.say(f"Quick setup: {self.ctx.current.steps[0]}")
        return self.step(0)

    def next_step(self, intent: Intent) -> list[Command]:
        """Bare "next" lands here too, so it means whatever comes next in this phase."""
        ctx, phase = self.ctx, self.ctx.state.phase
        if phase == Phase.SETUP:
            return self.step(ctx.state.step + 1)
        if phase in (Phase.DRILL_DONE, Phase.DONE):
            return self.next_drill(intent)
        if phase == Phase.REST:  # "next" in a rest is the next set, not the next drill
            return self.end_rest("Moving on.")
        return self.finish_set()  # "next" in a set: this one is done

    def what_now(self, intent: Intent) -> list[Command]:
        """ "what now?", "what's next?": a question, answered for this moment; in the setup the
        answer is the next step."""
        ctx, s = self.ctx, self.ctx.state
        if s.phase == Phase.SETUP:
            return self.next_step(intent)
        if s.phase == Phase.REST:
            return ctx.say(ctx.time_left(), f"Then {ctx.set_label().lower()}")
        if s.phase == Phase.SET:
            p = ctx.current.prescription
            if p.timed:
                return ctx.say(ctx.time_left())
            return ctx.say(f"{ctx.set_label()} {number_words(p.reps or 0).capitalize()} reps.",
                           ctx.resume_hint())
        if s.phase == Phase.DRILL_DONE and s.drill + 1 < len(ctx.program.drills):
            nxt = ctx.program.drills[s.drill + 1]
            return ctx.say(f"Next up: {nxt.name}.", ctx.resume_hint())
        return ctx.say("That's the whole workout. Say end workout to finish.")

    def restart_drill(self, intent: Intent) -> list[Command]:
        """ "start over": asks first, since the drill's finished sets are forgotten."""
        self.ctx.state.pending = Pending.RESTART
        return self.ctx.say(f"Start the {self.ctx.current.name} over from the top? "
                            "Say yes or no.")

    def _restart(self) -> list[Command]:
        s, d = self.ctx.state, self.ctx.current
        s.sets_done.pop(d.id, None)
        s.extra_sets.pop(d.id, None)
        return [*self.ctx.say("From the top."), *self.open_drill(s.drill)]

    def easier(self, intent: Intent) -> list[Command]:
        d = self.ctx.current
        if d.easier:
            return [*self.ctx.say("Okay, an easier one."),
                    *self.open_drill(self.ctx.program.index_of(d.easier))]
        return self.ctx.say("There's no easier version of this drill. Go slower and make the "
                            "movement smaller.", self.ctx.resume_hint())

    def harder(self, intent: Intent) -> list[Command]:
        drills = self.ctx.program.drills
        harder = [i for i, x in enumerate(drills) if x.easier == self.ctx.current.id]
        if harder:
            return [*self.ctx.say("Okay, a harder one."), *self.open_drill(harder[0])]
        return self.ctx.say("There's no harder version of this drill.",
                            self.ctx.resume_hint() or "Say next drill to move on.")

    def previous_step(self, intent: Intent) -> list[Command]:
        if self.ctx.state.phase != Phase.SETUP:
            return self.ctx.say(f"Quick reminder: {self.ctx.current.steps[0]}")
        return self.step(max(0, self.ctx.state.step - 1))

    # ---- sets and rests

    def begin_set(self, prefix: str = "") -> list[Command]:
        ctx = self.ctx
        s, d = ctx.state, ctx.current
        s.phase, s.pending = Phase.SET, Pending.NONE
        cmds: list[Command] = [*self.clock.cancel(), *self.counter.reset(), Play("start")]
        label = f"{prefix} {ctx.set_label()}".strip()
        priority = Priority.TIMING if prefix else Priority.ANSWER
        if d.prescription.timed:
            hold = float(d.prescription.hold_seconds or 0)
            cmds += ctx.say(f"{label} Hold for {duration_words(hold)}. Go.", priority=priority)
            cmds += self.clock.run(TimerKind.HOLD, hold)
        else:
            reps = number_words(d.prescription.reps or 0).capitalize()
            counted = "I'll count." if s.counting else "Say done when you finish."
            text = f"{label} {reps} reps. {counted}"
            cmds += ctx.say(text, priority=priority)
            if s.counting:
                return cmds + self.counter.start(after=text)
        if s.set_number <= UNPROMPTED_CUE_SETS:
            cmds += self.clock.start_cue()
        return cmds

    def finish_set(self, prefix: str = "Nice work.", rest: float | None = None) -> list[Command]:
        ctx = self.ctx
        s, d = ctx.state, ctx.current
        cmds = [*self.clock.cancel(), *self.clock.cancel_cue(), *self.counter.reset(),
                Record("set", {"drill": d.id, "set": s.set_number, "of": ctx.total_sets()})]
        s.sets_done[d.id] = s.set_number
        if s.set_number >= ctx.total_sets():
            s.phase = Phase.DRILL_DONE
            if s.drill == len(ctx.program.drills) - 1:
                return cmds + self.finish_program(prefix)
            nxt = ctx.program.drills[s.drill + 1]
            return cmds + ctx.say(f"{prefix} That's {d.name} done. Next up: {nxt.name}. "
                                  "Say next drill when you're ready.")
        s.set_number += 1
        return cmds + self.clock.start_rest(rest or float(d.rest_seconds), prefix)

    def end_rest(self, prefix: str, start: bool = True) -> list[Command]:
        """The rest is over: the set starts now when the trainee said so (`start`); when the
        clock ran out, it is up and starts when they say go (or say done after it)."""
        ctx = self.ctx
        cmds = self.clock.stop_rest()
        if start:
            return cmds + self.begin_set(prefix)
        s = ctx.state
        s.phase, s.step = Phase.SETUP, len(ctx.current.steps)
        return cmds + ctx.say(prefix, ctx.go_prompt(), priority=Priority.TIMING)

    def timer_ended(self, kind: TimerKind) -> list[Command]:
        if kind == TimerKind.REST:
            return self.end_rest("Rest over.", start=False)
        return self.finish_set("Time. Well held.")

    def go(self, intent: Intent) -> list[Command]:
        """ "go", "ready": start the set, or whatever starting means in this phase."""
        ctx, phase = self.ctx, self.ctx.state.phase
        if phase == Phase.SET:  # already going: agree, don't correct
            if ctx.current.prescription.timed:
                return ctx.say("Holding.", ctx.time_left())
            return ctx.say("Go. Say done when you finish.")
        if phase == Phase.REST:
            return self.end_rest("Skipping the rest.")
        if phase == Phase.DRILL_DONE:
            return self.next_drill(intent)
        if phase == Phase.DONE:
            return ctx.say("The workout is finished. Say go to drill one to go again.")
        return self.begin_set()

    def set_done(self, intent: Intent) -> list[Command]:
        ctx, s = self.ctx, self.ctx.state
        if s.phase == Phase.SET:
            return self.finish_set()
        if s.phase == Phase.SETUP and s.step >= len(ctx.current.steps):
            return self.finish_set()  # the set was up and done without a "go": it counts
        if s.phase == Phase.SETUP:  # "done" with a step: the next one
            return self.step(s.step + 1)
        if s.phase == Phase.REST:  # done resting, or done for today?
            return ctx.say(f"You're resting. Say go for {ctx.set_label().lower()[:-1]}, "
                           "or end workout to stop for today.")
        return ctx.say("Got it.", ctx.resume_hint() or ctx.time_left())

    def rest(self, intent: Intent) -> list[Command]:
        ctx = self.ctx
        seconds = float(intent.slots.get("seconds") or ctx.current.rest_seconds)
        if ctx.state.phase == Phase.SET:
            return self.finish_set(rest=seconds)
        if ctx.state.phase == Phase.REST and ctx.state.timer:
            return self.clock.retime_rest(seconds)
        if ctx.state.phase in (Phase.DRILL_DONE, Phase.DONE):
            return ctx.say(f"Take your time. Rest {duration_words(seconds)}.")
        return self.clock.start_rest(seconds)

    def add_set(self, intent: Intent) -> list[Command]:
        """ "one more set": this drill gets more sets; a finished drill opens again for them."""
        ctx, s, d = self.ctx, self.ctx.state, self.ctx.current
        n = max(1, int(intent.slots.get("count") or 1))
        s.extra_sets[d.id] = s.extra_sets.get(d.id, 0) + n
        more = "one more set" if n == 1 else f"{number_words(n)} more sets"
        if s.phase in (Phase.DRILL_DONE, Phase.DONE):
            s.phase, s.step = Phase.SETUP, len(d.steps)
            s.set_number = s.sets_done.get(d.id, 0) + 1
            return ctx.say(f"Okay, {more}.", ctx.go_prompt())
        return ctx.say(f"Okay, {more}: {number_words(ctx.total_sets())} sets in all.",
                       ctx.resume_hint())

    def skip_rest(self, intent: Intent) -> list[Command]:
        if self.ctx.state.phase != Phase.REST:
            return self.ctx.say("We're not resting.", self.ctx.resume_hint())
        return self.end_rest("Skipping the rest.")

    # ---- pain, the end, and yes/no answers

    def pain(self, intent: Intent) -> list[Command]:
        ctx = self.ctx
        s, d = ctx.state, ctx.current
        part = intent.slots.get("body_part")
        s.pain_reports += 1
        cmds: list[Command] = [StopSpeaking(), *self.clock.cancel(), *self.clock.cancel_cue(),
                               *self.counter.reset(),
                               Record("pain", {"drill": d.id, "body_part": part})]
        if s.phase == Phase.SET:
            s.phase = Phase.SETUP
        where = f" in your {part}" if part else ""
        cmds += ctx.say(f"Stop the set now. If the pain{where} is sharp, stop for today.")
        if d.easier:
            s.pending = Pending.EASIER
            easier = ctx.program.drill(d.easier).name
            return cmds + ctx.say(f"Want to switch to an easier drill, the {easier}?")
        return cmds + ctx.say("Rest as long as you need. Say go only if it feels fine.")

    def end_workout(self, intent: Intent) -> list[Command]:
        if self.ctx.state.phase == Phase.DONE:
            return [*self.ctx.say("Great session. See you next time."), EndSession()]
        self.ctx.state.pending = Pending.END
        return self.ctx.say("End the workout now? Say yes or no.")

    def finish_program(self, prefix: str) -> list[Command]:
        ctx = self.ctx
        ctx.state.phase = Phase.DONE
        return [Play("done"), *ctx.say(prefix, intro.closing(ctx), ctx.program.summary)]

    def answer(self, pending: Pending, yes: bool) -> list[Command]:
        ctx, d = self.ctx, self.ctx.current
        if pending == Pending.RESUME:
            return self.clock.carry_on() if yes else self.start_program()
        if pending == Pending.CONTINUE:
            at = intro.continue_at(ctx)
            if yes and at is not None:
                return self.open_drill(at, named=True)
            return self.open_drill(0, lead=f"{ctx.program.title}, ")
        if pending == Pending.EASIER and yes and d.easier:
            return self.open_drill(ctx.program.index_of(d.easier))
        if pending == Pending.RESTART and yes:
            return self._restart()
        if pending == Pending.END and yes:
            return [*self.clock.cancel(), *self.clock.cancel_cue(), *self.finish_program(""),
                    EndSession()]
        if pending:
            return ctx.say("Okay, we'll carry on.", ctx.resume_hint())
        return ctx.say("Okay.", ctx.resume_hint())
