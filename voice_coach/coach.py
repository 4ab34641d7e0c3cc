"""The coach: a pure state machine over a Program. `handle(event) -> list[Command]`.

No I/O, no threads, no clock reads: time arrives inside events (`at`), timers leave as commands.
Phases: setup (steps one at a time) -> set -> rest -> set ... -> drill done -> next drill ...
-> done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    SetVoice,
    Started,
    StartTimer,
    StopSpeaking,
    TimerFired,
)
from voice_coach.numbers import duration_words, number_words
from voice_coach.program import Cue, Drill, Mistake, Program

SETUP, SET, REST, DRILL_DONE, DONE = "setup", "set", "rest", "drill done", "done"
COUNTDOWN = (3, 2, 1)
CUE_DELAY = 8.0  # seconds into a set before an unprompted cue
UNPROMPTED_CUE_SETS = 2  # unprompted cues fade: only in the first sets of a drill


@dataclass
class Clockwork:
    """A running (or paused) countdown the coach owns: a rest or a timed hold."""

    kind: str  # "rest" or "hold"
    deadline: float
    total: float
    paused_left: float | None = None

    def left(self, now: float) -> float:
        return self.paused_left if self.paused_left is not None else max(0.0, self.deadline - now)


@dataclass
class State:
    phase: str = SETUP
    drill: int = 0
    step: int = -1
    set_number: int = 1
    sets_done: dict[str, int] = field(default_factory=dict)
    timer: Clockwork | None = None
    last_cue: str = ""
    cue_turn: int = 0
    mistake_turn: int = 0
    why_turn: int = 0
    last_said: str = ""
    pending: str = ""  # a yes/no question waiting for an answer: "easier" or "end"
    pain_reports: int = 0
    cues_asked: int = 0


class Coach:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.state = State()
        self._now = 0.0

    # ---- public

    @property
    def current(self) -> Drill:
        return self.program.drills[self.state.drill]

    def handle(self, event: Event) -> list[Command]:
        self._now = event.at
        if isinstance(event, Started):
            return self._start()
        if isinstance(event, Heard):
            return self._heard(event.intent)
        if isinstance(event, Misheard):
            return self._say("Sorry, I didn't catch that. Say help to hear what I understand.")
        if isinstance(event, TimerFired):
            return self._timer(event.name)
        return []

    # ---- speech helpers

    def _say(self, *texts: str, priority: Priority = Priority.ANSWER) -> list[Command]:
        text = " ".join(t for t in texts if t)
        if priority is not Priority.TIMING:
            self.state.last_said = text
        return [Say(text, priority)]

    def _prescription(self, drill: Drill) -> str:
        p = drill.prescription
        sets = f"{number_words(p.sets)} {'set' if p.sets == 1 else 'sets'}"
        side = " each side" if p.per_side else ""
        if p.reps and p.hold_seconds:
            return (f"{sets} of {number_words(p.reps)} reps{side}, holding each for "
                    f"{duration_words(p.hold_seconds)}")
        if p.reps:
            return f"{sets} of {number_words(p.reps)} reps{side}"
        return f"{sets}, holding for {duration_words(p.hold_seconds or 0)}{side}"

    def _set_label(self) -> str:
        total = self.current.prescription.sets
        return f"Set {number_words(self.state.set_number)} of {number_words(total)}."

    # ---- flow

    def _start(self) -> list[Command]:
        return [Play("start"), *self._say(self.program.intro), *self._open_drill(0)]

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
                          f"We'll do {self._prescription(d)}.")
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

    def _finish_set(self, prefix: str = "Nice work.") -> list[Command]:
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
        return cmds + self._rest(float(d.rest_seconds), prefix)

    def _rest(self, seconds: float, prefix: str = "") -> list[Command]:
        self.state.phase = REST
        cmds = self._cancel_timer()
        cmds += self._say(prefix, f"Rest {duration_words(seconds)}.")
        return cmds + self._run_timer("rest", seconds)

    def _end_rest(self, prefix: str) -> list[Command]:
        cmds: list[Command] = [*self._cancel_timer(), Play("rest_over")]
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
        return [Play("done"), *self._say(prefix, self.program.summary,
                                         f"You did {number_words(done)} sets in all.")]

    # ---- timers: the coach keeps the deadline; the runtime only fires names

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
            return self._say(f"Halfway. {duration_words(timer.left(self._now))} to go.",
                             priority=Priority.CHATTER)
        if mark == "10":
            return self._say("Ten seconds.", priority=Priority.TIMING)
        if mark:
            return self._say(number_words(int(mark)).capitalize() + ".", priority=Priority.TIMING)
        if timer.kind == "rest":
            return [Record("rest", {"planned": timer.total}), *self._end_rest("Rest over.")]
        return self._finish_set("Time. Well held.")

    # ---- cues and other answers

    def _cue_phase(self) -> str:
        return {SET: "set", REST: "rest"}.get(self.state.phase, "setup")

    def _next_cue(self, focus: str | None) -> Cue | None:
        s = self.state
        pool = [c for c in self.current.cues if self._cue_phase() in c.phases] or list(
            self.current.cues)
        if focus:
            pool = [c for c in pool if focus in c.focus] or [
                c for c in self.current.cues if focus in c.focus] or [
                c for d in self.program.drills for c in d.cues if focus in c.focus]
        fresh = [c for c in pool if c.text != s.last_cue] or pool
        if not fresh:
            return None
        cue = fresh[s.cue_turn % len(fresh)]
        s.cue_turn += 1
        s.last_cue = cue.text
        return cue

    def _mistakes(self) -> list[Mistake]:
        return [*self.current.mistakes, *self.program.mistakes]

    def _time_left(self) -> str:
        timer = self.state.timer
        if timer is None:
            if self.state.phase == SET:
                return f"No clock on this one. {self._set_label()} Say done when you finish."
            return "There's no timer running."
        left = duration_words(timer.left(self._now))
        what = "rest" if timer.kind == "rest" else "this hold"
        paused = " We're paused." if timer.paused_left is not None else ""
        return f"{left.capitalize()} left in {what}.{paused}"

    def _help(self) -> str:
        by_phase = {
            SETUP: "next step, repeat, what's the cue, go",
            SET: "done, what's the cue, pause, that hurts",
            REST: "how long left, add thirty seconds, skip rest, pause",
            DRILL_DONE: "next drill, list drills, why, end workout",
            DONE: "list drills, go to drill one, history is saved",
        }
        return f"You can say: {by_phase[self.state.phase]}. Or stop, louder, quieter."

    # ---- intents

    def _heard(self, intent: Intent) -> list[Command]:
        handler: Callable[[Intent], list[Command]] | None = getattr(
            self, f"_on_{intent.name}", None)
        if handler is None:
            return self._say("I know that one, but I can't do it yet.")
        pending, self.state.pending = self.state.pending, ""
        if intent.name in ("yes", "no") or intent.name in BARGE_IN:
            self.state.pending = pending if intent.name in BARGE_IN else ""
            if intent.name in ("yes", "no"):
                return self._answer(pending, intent.name == "yes")
        return handler(intent)

    def _answer(self, pending: str, yes: bool) -> list[Command]:
        d = self.current
        if pending == "easier" and yes and d.easier:
            return self._open_drill(self.program.index_of(d.easier))
        if pending == "end" and yes:
            return [*self._cancel_timer(), CancelTimer("cue"), *self._finish_program(""),
                    EndSession()]
        if pending:
            return self._say("Okay, we'll carry on.", self._resume_hint())
        return self._say("Okay.", self._resume_hint())

    def _resume_hint(self) -> str:
        return {SETUP: "Say next step or go.", SET: "Say done when you finish the set.",
                REST: "", DRILL_DONE: "Say next drill when you're ready.",
                DONE: ""}[self.state.phase]

    def _on_yes(self, intent: Intent) -> list[Command]:  # pragma: no cover - routed in _heard
        return []

    _on_no = _on_yes

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

    def _on_list_drills(self, intent: Intent) -> list[Command]:
        names = "; ".join(f"{number_words(i)}, {d.name}"
                          for i, d in enumerate(self.program.drills, start=1))
        return self._say(f"The drills are: {names}.")

    def _on_current_drill(self, intent: Intent) -> list[Command]:
        s = self.state
        n, total = number_words(s.drill + 1), number_words(len(self.program.drills))
        where = self._set_label() if s.phase in (SET, REST, SETUP) else ""
        return self._say(f"Drill {n} of {total}, {self.current.name}.", where)

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

    def _on_repeat(self, intent: Intent) -> list[Command]:
        return self._say(self.state.last_said or self.program.intro)

    def _on_slower(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=-1), *self._say("Okay, slower.")]

    def _on_faster(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=1), *self._say("Okay, faster.")]

    def _on_louder(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=1), *self._say("Louder.")]

    def _on_quieter(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=-1), *self._say("Quieter.")]

    def _on_cue(self, intent: Intent) -> list[Command]:
        focus = intent.slots.get("focus")
        cue = self._next_cue(str(focus) if focus else None)
        self.state.cues_asked += 1
        text = cue.text if cue else "Move slowly and keep your back flat."
        return [Record("cue", {"drill": self.current.id, "focus": focus, "text": text}),
                *self._say(text)]

    def _on_mistakes(self, intent: Intent) -> list[Command]:
        mistakes = self._mistakes()
        m = mistakes[self.state.mistake_turn % len(mistakes)]
        self.state.mistake_turn += 1
        more = " Ask again for another." if len(mistakes) > 1 else ""
        return self._say(f"Common mistake: {m.mistake} The fix: {m.fix}{more}")

    def _on_why(self, intent: Intent) -> list[Command]:
        lines = self.program.why or (self.current.purpose,)
        line = lines[self.state.why_turn % len(lines)]
        self.state.why_turn += 1
        return self._say(line)

    def _on_squat_vs_hinge(self, intent: Intent) -> list[Command]:
        return self._say(" ".join(self.program.squat_vs_hinge) or "A hinge is mostly hips.")

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
            cmds = self._finish_set()
            if self.state.phase == REST:
                return [*cmds, *self._retime(seconds)]
            return cmds
        if self.state.phase == REST and self.state.timer:
            return [*self._say(f"Okay, {duration_words(seconds)}."), *self._retime(seconds)]
        if self.state.phase in (DRILL_DONE, DONE):
            return self._say(f"Take your time. Rest {duration_words(seconds)}.")
        return self._rest(seconds)

    def _on_skip_rest(self, intent: Intent) -> list[Command]:
        if self.state.phase != REST:
            return self._say("We're not resting.", self._resume_hint())
        return self._end_rest("Skipping the rest.")

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

    def _on_time_left(self, intent: Intent) -> list[Command]:
        return self._say(self._time_left())

    def _on_pause(self, intent: Intent) -> list[Command]:
        timer = self.state.timer
        cmds: list[Command] = [StopSpeaking(), CancelTimer("cue")]
        if timer is None or timer.paused_left is not None:
            return cmds + self._say("Paused. Say resume when you're ready.")
        left = timer.left(self._now)
        kind, total = timer.kind, timer.total
        cmds += self._cancel_timer()
        self.state.timer = Clockwork(kind, 0.0, total, paused_left=left)
        return cmds + self._say(f"Paused with {duration_words(left)} left. Say resume.")

    def _on_resume(self, intent: Intent) -> list[Command]:
        timer = self.state.timer
        if timer is None or timer.paused_left is None:
            return self._say("Carrying on.", self._resume_hint())
        left = timer.paused_left
        timer.paused_left, timer.deadline = None, self._now + left
        return [*self._say(f"Resuming. {duration_words(left).capitalize()} left."),
                *self._schedule(timer.kind, left)]

    def _on_stop(self, intent: Intent) -> list[Command]:
        return [StopSpeaking()]

    def _on_help(self, intent: Intent) -> list[Command]:
        return self._say(self._help())

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
