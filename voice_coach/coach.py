"""The coach: a pure state machine over a Program. `handle(event) -> list[Command]`.

No I/O, no threads, no clock reads: time arrives inside events (`at`), timers leave as commands.
Phases: setup (steps one at a time) -> set -> rest -> set ... -> drill done -> next drill ...
-> done.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.coach_state import (
    CUE_DELAY,
    DONE,
    DRILL_DONE,
    REST,
    SET,
    SETUP,
    UNPROMPTED_CUE_SETS,
    State,
    prescription_words,
    restore,
    snapshot,
)
from voice_coach.coach_timers import TimerControls
from voice_coach.events import (
    BARGE_IN,
    CancelTimer,
    Command,
    EndSession,
    Event,
    Heard,
    Intent,
    Misheard,
    Play,
    Priority,
    Record,
    Say,
    Started,
    StartTimer,
    StopSpeaking,
    TimerFired,
)
from voice_coach.numbers import duration_words, number_words
from voice_coach.program import Program


class Coach(TimerControls):
    def __init__(self, program: Program, saved: dict | None = None) -> None:
        self.program = program
        self.state = State()
        self._now = 0.0
        self._saved = saved

    # ---- public

    def snapshot(self, now: float | None = None) -> dict:
        """Everything needed to carry on after a crash (see coach_state.restore)."""
        return snapshot(self.state, self._now if now is None else now)

    def handle(self, event: Event) -> list[Command]:
        self._now = event.at
        if isinstance(event, Started):
            return self._welcome_back() if self._saved else self._start()
        if isinstance(event, Heard):
            return self._heard(event.intent)
        if isinstance(event, Misheard):
            return self._say("Sorry, I didn't catch that. Say help to hear what I understand.")
        if isinstance(event, TimerFired):
            return self._timer(event.name)
        return []

    # ---- flow

    def _start(self) -> list[Command]:
        self.state = State()
        return [Play("start"), *self._say(self.program.intro), *self._open_drill(0)]

    def _welcome_back(self) -> list[Command]:
        """Restore saved progress and ask whether to carry on or start over."""
        try:
            self.state = restore(self._saved or {}, self.program)
        except (TypeError, ValueError, KeyError):
            return self._start()
        s = self.state
        if s.phase == SET:  # an unfinished set is done again from its start
            s.phase, s.step = SETUP, len(self.current.steps)
        s.pending = "resume"
        where = "" if s.phase in (DRILL_DONE, DONE) else f", {self._set_label().lower()[:-1]}"
        return [Play("start"), *self._say(
            f"Welcome back. You were on the {self.current.name}{where}. "
            "Say resume to carry on, or no to start over.")]

    def _carry_on(self) -> list[Command]:
        timer = self.state.timer
        if timer is not None and timer.paused_left is not None:
            left = timer.paused_left
            timer.paused_left, timer.deadline = None, self._now + left
            return [*self._say(f"Carrying on. {duration_words(left).capitalize()} left in "
                               f"{'rest' if timer.kind == 'rest' else 'this hold'}."),
                    *self._schedule(timer.kind, left)]
        if self.state.phase == SETUP:
            return self._say("Carrying on.", self._go_prompt())
        return self._say("Carrying on.", self._resume_hint())

    def _open_drill(self, index: int) -> list[Command]:
        cmds = self._cancel_timer()
        s = self.state
        s.drill, s.phase, s.step, s.last_cue, s.cue_turn, s.mistake_turn, s.pending = (
            index, SETUP, -1, "", 0, 0, "")
        s.set_number = s.sets_done.get(self.current.id, 0) + 1
        d = self.current
        n, total = number_words(index + 1), number_words(len(self.program.drills))
        if s.set_number > d.prescription.sets:
            s.set_number = d.prescription.sets
            s.phase = DRILL_DONE
        kit = f" Equipment: {', '.join(d.equipment)}." if d.equipment else ""
        cmds.append(Record("drill", {"drill": d.id, "index": index}))
        cmds += self._say(f"Drill {n} of {total}: {d.name}. {d.purpose}{kit} "
                          f"We'll do {prescription_words(d)}.")
        if s.phase == DRILL_DONE:
            return cmds + self._say("You've already finished this one. Say next drill to move on.")
        return cmds + self._step(0)

    def _step(self, index: int) -> list[Command]:
        steps, s = self.current.steps, self.state
        if index >= len(steps):
            s.step = len(steps)
            return self._say("That's the whole setup.", self._go_prompt())
        s.step = max(0, index)
        hint = " Say next step when you're ready." if s.step == 0 and s.drill == 0 else ""
        return self._say(f"Step {number_words(s.step + 1)}: {steps[s.step]}{hint}")

    def _go_prompt(self) -> str:
        return f"{self._set_label()} Say go when you're ready."

    def _begin_set(self) -> list[Command]:
        s, d = self.state, self.current
        s.phase, s.pending = SET, ""
        cmds: list[Command] = [*self._cancel_timer(), Play("start")]
        label = self._set_label()
        if d.prescription.timed:
            hold = float(d.prescription.hold_seconds or 0)
            cmds += self._say(f"{label} Hold for {duration_words(hold)}. Go.")
            cmds += self._run_timer("hold", hold)
        else:
            reps = number_words(d.prescription.reps or 0).capitalize()
            cmds += self._say(f"{label} {reps} reps. "
                              "Say done when you finish.")
        if s.set_number <= UNPROMPTED_CUE_SETS:
            cmds.append(StartTimer("cue", CUE_DELAY))
        return cmds

    def _finish_set(self, prefix: str = "Nice work.", rest: float | None = None) -> list[Command]:
        s, d = self.state, self.current
        cmds = [*self._cancel_timer(), CancelTimer("cue"),
                Record("set", {"drill": d.id, "set": s.set_number})]
        s.sets_done[d.id] = s.set_number
        if s.set_number >= d.prescription.sets:
            s.phase = DRILL_DONE
            if s.drill == len(self.program.drills) - 1:
                return cmds + self._finish_program(prefix)
            nxt = self.program.drills[s.drill + 1]
            return cmds + self._say(f"{prefix} That's {d.name} done. Next up: {nxt.name}. "
                                    "Say next drill when you're ready.")
        s.set_number += 1
        return cmds + self._rest(rest or float(d.rest_seconds), prefix)

    def _rest(self, seconds: float, prefix: str = "") -> list[Command]:
        self.state.phase = REST
        cmds = self._cancel_timer()
        cmds += self._say(prefix, f"Rest {duration_words(seconds)}.")
        return cmds + self._run_timer("rest", seconds)

    def _end_rest(self, prefix: str) -> list[Command]:
        timer = self.state.timer
        cmds: list[Command] = []
        if timer is not None:
            actual = timer.total - timer.left(self._now)
            cmds.append(Record("rest", {"drill": self.current.id, "planned": timer.total,
                                        "actual": round(actual, 1)}))
        cmds += [*self._cancel_timer(), Play("rest_over")]
        if self.current.prescription.timed:
            self.state.phase = SETUP
            return cmds + self._say(prefix, self._go_prompt(), priority=Priority.TIMING)
        cmds += self._begin_set()
        say = next(c for c in cmds if isinstance(c, Say))
        cmds[cmds.index(say)] = Say(f"{prefix} {say.text}", Priority.TIMING)
        return cmds

    def _finish_program(self, prefix: str) -> list[Command]:
        self.state.phase = DONE
        done = sum(self.state.sets_done.values())
        sets = f"{number_words(done)} {'set' if done == 1 else 'sets'}"
        return [Play("done"), *self._say(prefix, self.program.summary, f"You did {sets} in all.")]

    # ---- timers: the coach keeps the deadline; the runtime only fires names

    def _timer(self, name: str) -> list[Command]:
        s, timer = self.state, self.state.timer
        if name == "cue":
            if s.phase != SET:
                return []
            cue = self._next_cue(None)
            return self._say(cue.text, priority=Priority.CHATTER) if cue else []
        if timer is None or timer.paused_left is not None or not name.startswith(timer.kind):
            return []  # a stale timer from before a pause or a change of phase
        mark = name.partition(":")[2]
        if mark == "half":
            left = duration_words(timer.left(self._now)).capitalize()
            return self._say(f"Halfway. {left} to go.",
                             priority=Priority.CHATTER)
        if mark == "10":
            return self._say("Ten seconds.", priority=Priority.TIMING)
        if mark:
            return self._say(number_words(int(mark)).capitalize() + ".", priority=Priority.TIMING)
        if timer.kind == "rest":
            return self._end_rest("Rest over.")
        return self._finish_set("Time. Well held.")

    # ---- cues and other answers

    def _heard(self, intent: Intent) -> list[Command]:
        pending = self.state.pending
        if intent.name not in BARGE_IN:  # "stop" or "pause" keeps a question open
            self.state.pending = ""
        if intent.name in ("yes", "no"):
            return self._answer(pending, intent.name == "yes")
        if pending == "resume" and intent.name in ("resume", "start"):
            return self._carry_on()
        handler: Callable[[Intent], list[Command]] | None = getattr(
            self, f"_on_{intent.name}", None)
        if handler is None:
            return self._say("Sorry, I can't do that yet.")
        return handler(intent)

    def _answer(self, pending: str, yes: bool) -> list[Command]:
        d = self.current
        if pending == "resume":
            return self._carry_on() if yes else self._start()
        if pending == "easier" and yes and d.easier:
            return self._open_drill(self.program.index_of(d.easier))
        if pending == "end" and yes:
            return [*self._cancel_timer(), CancelTimer("cue"), *self._finish_program(""),
                    EndSession()]
        if pending:
            return self._say("Okay, we'll carry on.", self._resume_hint())
        return self._say("Okay.", self._resume_hint())

    def _on_next_drill(self, intent: Intent) -> list[Command]:
        if self.state.drill + 1 >= len(self.program.drills):
            if self.state.phase == DONE:
                return self._say("That was the last drill. Say end workout to finish.")
            return self._say("This is the last drill.", self._resume_hint())
        return self._open_drill(self.state.drill + 1)

    def _on_previous_drill(self, intent: Intent) -> list[Command]:
        if self.state.drill == 0:
            return self._say("This is the first drill.", self._resume_hint())
        return self._open_drill(self.state.drill - 1)

    def _on_goto_drill(self, intent: Intent) -> list[Command]:
        drill_id = intent.slots.get("drill")
        try:
            return self._open_drill(self.program.index_of(str(drill_id)))
        except ValueError:
            return self._say("I don't know that drill. Say list drills to hear them.")

    def _on_setup(self, intent: Intent) -> list[Command]:
        if self.state.phase == SET:
            return self._say(f"Quick setup: {self.current.steps[0]}")
        return self._step(0)

    def _on_next_step(self, intent: Intent) -> list[Command]:
        """Bare "next" lands here too, so it means whatever comes next in this phase."""
        phase = self.state.phase
        if phase == SETUP:
            return self._step(self.state.step + 1)
        if phase in (DRILL_DONE, DONE):
            return self._on_next_drill(intent)
        if phase == REST:
            return self._say(self._time_left(), f"Then {self._set_label().lower()}")
        return self._say("Finish the set first.", self._resume_hint())

    def _on_previous_step(self, intent: Intent) -> list[Command]:
        if self.state.phase != SETUP:
            return self._say(f"Quick reminder: {self.current.steps[0]}")
        return self._step(max(0, self.state.step - 1))

    def _on_start(self, intent: Intent) -> list[Command]:
        phase = self.state.phase
        if phase == SET:
            return self._say("You're in a set.", self._resume_hint())
        if phase == REST:
            return self._end_rest("Skipping the rest.")
        if phase == DRILL_DONE:
            return self._on_next_drill(intent)
        if phase == DONE:
            return self._say("The workout is finished. Say go to drill one to go again.")
        return self._begin_set()

    def _on_set_done(self, intent: Intent) -> list[Command]:
        if self.state.phase == SET:
            return self._finish_set()
        if self.state.phase == SETUP:
            return self._say("We haven't started the set.", self._go_prompt())
        return self._say("Got it.", self._resume_hint() or self._time_left())

    def _on_rest(self, intent: Intent) -> list[Command]:
        seconds = float(intent.slots.get("seconds") or self.current.rest_seconds)
        if self.state.phase == SET:
            return self._finish_set(rest=seconds)
        if self.state.phase == REST and self.state.timer:
            return [*self._say(f"Okay, {duration_words(seconds)}."), *self._retime(seconds)]
        if self.state.phase in (DRILL_DONE, DONE):
            return self._say(f"Take your time. Rest {duration_words(seconds)}.")
        return self._rest(seconds)

    def _on_skip_rest(self, intent: Intent) -> list[Command]:
        if self.state.phase != REST:
            return self._say("We're not resting.", self._resume_hint())
        return self._end_rest("Skipping the rest.")

    def _on_pain(self, intent: Intent) -> list[Command]:
        s, d = self.state, self.current
        part = intent.slots.get("body_part")
        s.pain_reports += 1
        cmds: list[Command] = [StopSpeaking(), *self._cancel_timer(), CancelTimer("cue"),
                               Record("pain", {"drill": d.id, "body_part": part})]
        if s.phase == SET:
            s.phase = SETUP
        where = f" in your {part}" if part else ""
        cmds += self._say(f"Stop the set now. If the pain{where} is sharp, stop for today.")
        if d.easier:
            s.pending = "easier"
            easier = self.program.drill(d.easier).name
            return cmds + self._say(f"Want to switch to an easier drill, the {easier}?")
        return cmds + self._say("Rest as long as you need. Say go only if it feels fine.")

    def _on_end_workout(self, intent: Intent) -> list[Command]:
        if self.state.phase == DONE:
            return [*self._say("Great session. See you next time."), EndSession()]
        self.state.pending = "end"
        return self._say("End the workout now? Say yes or no.")
