"""The coach's state, how it is saved for resuming, and the wording derived from the program."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from voice_coach.numbers import duration_words, number_words
from voice_coach.program import Cue, Drill, Program

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


def prescription_words(drill: Drill) -> str:
    """'three sets of ten reps', 'two sets, holding for thirty seconds'."""
    p = drill.prescription
    sets = f"{number_words(p.sets)} {'set' if p.sets == 1 else 'sets'}"
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


def snapshot(state: State, now: float) -> dict:
    """What to save so a crash or power cut loses nothing: timers are stored as time left."""
    data = asdict(state)
    timer = state.timer
    data["timer"] = None if timer is None else {"kind": timer.kind, "left": timer.left(now),
                                                "total": timer.total}
    return data


def restore(data: dict, program: Program) -> State:
    """Rebuild a State from a snapshot; raise ValueError if it does not fit the program."""
    known = {f.name for f in fields(State)}
    values = {k: v for k, v in data.items() if k in known and k != "timer"}
    state = State(**values)
    if not 0 <= state.drill < len(program.drills):
        raise ValueError("saved drill is not in this program")
    timer = data.get("timer")
    if timer:
        state.timer = Clockwork(timer["kind"], 0.0, float(timer["total"]),
                                paused_left=float(timer["left"]))
    return state
