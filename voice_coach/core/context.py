"""What every part of the coach shares: the program, the state, the time of the event being
handled, and the wording derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_coach.core.events import Command, Priority, Say
from voice_coach.core.numbers import duration_words, number_words
from voice_coach.core.program import Cue, Drill, Program
from voice_coach.core.state import Past, Phase, State, TimerKind

HELP = {
    Phase.SETUP: "next step, repeat, what's the cue, go",
    Phase.SET: "done, what's the cue, pause, that hurts",
    Phase.REST: "how long left, add thirty seconds, skip rest, pause",
    Phase.DRILL_DONE: "next drill, list drills, why, end workout",
    Phase.DONE: "list drills, go to drill one, end workout",
}
RESUME_HINT = {
    Phase.SETUP: "Say next step or go.", Phase.SET: "Say done when you finish the set.",
    Phase.REST: "", Phase.DRILL_DONE: "Say next drill when you're ready.", Phase.DONE: "",
}


SPEECH_WPM = 165  # the coach's speaking rate (the TTS default), words per minute


def speech_seconds(text: str, wpm: float = SPEECH_WPM) -> float:
    """About how long the coach takes to say `text` (hyphenated words count as two)."""
    return len(text.replace("-", " ").split()) * 60.0 / wpm


@dataclass
class Context:
    program: Program
    state: State = field(default_factory=State)
    now: float = 0.0  # the session time of the event being handled
    past: Past = field(default_factory=Past)  # earlier sessions, from the workout log
    started: float = 0.0  # when this session started (session clock)

    @property
    def current(self) -> Drill:
        return self.program.drills[self.state.drill]

    def say(self, *texts: str, priority: Priority = Priority.ANSWER) -> list[Command]:
        """One sentence from the parts given; `repeat` says it again unless it was timing."""
        text = " ".join(t for t in texts if t)
        if priority is not Priority.TIMING:
            self.state.last_said = text
        return [Say(text, priority)]

    def total_sets(self) -> int:
        """This drill's sets: the prescription plus any the trainee added."""
        return self.current.prescription.sets + self.state.extra_sets.get(self.current.id, 0)

    def set_label(self) -> str:
        total = self.total_sets()
        return f"Set {number_words(self.state.set_number)} of {number_words(total)}."

    def resume_hint(self) -> str:
        return RESUME_HINT[self.state.phase]

    def go_prompt(self) -> str:
        return f"{self.set_label()} Say go when you're ready."

    def help(self) -> str:
        return f"You can say: {HELP[self.state.phase]}. Or stop, louder, quieter."

    def time_left(self) -> str:
        timer = self.state.timer
        if timer is None:
            if self.state.phase == Phase.SET:
                return f"No clock on this one. {self.set_label()} Say done when you finish."
            return "There's no timer running."
        left = duration_words(timer.left(self.now))
        paused = " We're paused." if timer.paused_left is not None else ""
        return f"{left.capitalize()} left in {timer_words(timer.kind)}.{paused}"

    def next_cue(self, focus: str | None) -> Cue | None:
        phase = {Phase.SET: "set", Phase.REST: "rest"}.get(self.state.phase, "setup")
        return pick_cue(self.program, self.state, phase, focus)


def timer_words(kind: TimerKind) -> str:
    return "rest" if kind == TimerKind.REST else "this hold"


def prescription_words(drill: Drill, total: int | None = None) -> str:
    """'three sets of ten reps', 'two sets, holding for thirty seconds' (`total` sets if
    given)."""
    p = drill.prescription
    n = p.sets if total is None else total
    sets = f"{number_words(n)} {'set' if n == 1 else 'sets'}"
    side = " each side" if p.per_side else ""
    if p.reps and p.hold_seconds:
        return (f"{sets} of {number_words(p.reps)} reps{side}, holding each for "
                f"{duration_words(p.hold_seconds)}")
    if p.reps:
        return f"{sets} of {number_words(p.reps)} reps{side}"
    return f"{sets}, holding for {duration_words(p.hold_seconds or 0)}{side}"


def pick_cue(program: Program, state: State, phase: str, focus: str | None) -> Cue | None:
    """One short cue for this drill and phase, rotating, never the same twice in a row.

    With a focus, prefer this drill's cues for it, then any drill's.
    """
    cues = program.drills[state.drill].cues
    pool = [c for c in cues if phase in c.phases] or list(cues)
    if focus:
        pool = ([c for c in pool if focus in c.focus] or [c for c in cues if focus in c.focus]
                or [c for d in program.drills for c in d.cues if focus in c.focus])
    fresh = [c for c in pool if c.text != state.last_cue] or pool
    if not fresh:
        return None
    cue = fresh[state.cue_turn % len(fresh)]
    state.cue_turn += 1
    state.last_cue = cue.text
    return cue
