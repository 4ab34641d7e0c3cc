"""The coach's state, its named values, and how it is saved for resuming."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from voice_coach.core.program import Program


class Phase(StrEnum):
    SETUP = "setup"  # steps one at a time, then "go"
    SET = "set"
    REST = "rest"
    DRILL_DONE = "drill done"
    DONE = "done"


class Pending(StrEnum):
    """A yes/no question waiting for an answer."""

    NONE = ""
    RESUME = "resume"  # carry on from saved progress?
    EASIER = "easier"  # switch to the easier drill after pain?
    END = "end"  # end the workout now?
    RESTART = "restart"  # start this drill over (its finished sets are forgotten)?
    CONTINUE = "continue"  # pick up after the drill finished last time?


class TimerKind(StrEnum):
    REST = "rest"
    HOLD = "hold"  # a timed set
    CUE = "cue"  # an unprompted cue a few seconds into a set
    COUNT = "count"  # the next word of a rep count


class Mark(StrEnum):
    """A point on a countdown; `END` is the deadline itself."""

    END = ""
    HALF = "half"
    TEN = "10"
    THREE = "3"
    TWO = "2"
    ONE = "1"


COUNTDOWN = (Mark.THREE, Mark.TWO, Mark.ONE)


def timer_name(kind: TimerKind, mark: Mark = Mark.END) -> str:
    """The name a timer is scheduled under: 'rest', 'rest:half', 'hold:3'."""
    return f"{kind}:{mark}" if mark else str(kind)


def parse_timer_name(name: str) -> tuple[TimerKind, Mark] | None:
    kind, _, mark = name.partition(":")
    try:
        return TimerKind(kind), Mark(mark)
    except ValueError:
        return None


@dataclass
class Countdown:
    """A running (or paused) rest or timed hold, kept as a deadline on the session clock."""

    kind: TimerKind
    deadline: float
    total: float
    paused_left: float | None = None

    def left(self, now: float) -> float:
        return self.paused_left if self.paused_left is not None else max(0.0, self.deadline - now)


@dataclass
class State:
    phase: Phase = Phase.SETUP
    drill: int = 0
    step: int = -1
    set_number: int = 1
    sets_done: dict[str, int] = field(default_factory=dict)
    extra_sets: dict[str, int] = field(default_factory=dict)  # "one more set", by drill id
    timer: Countdown | None = None
    last_cue: str = ""
    cue_turn: int = 0
    mistake_turn: int = 0
    why_turn: int = 0
    last_said: str = ""
    pending: Pending = Pending.NONE
    pain_reports: int = 0
    cues_asked: int = 0
    more: str = ""  # what a short start left out: "tell me more" says it
    counting: bool = False  # the trainee asked for rep sets to be counted aloud


@dataclass(frozen=True)
class Past:
    """What the workout log knows of earlier sessions with this program (given by the app)."""

    sessions: int = 0  # earlier sessions in which a set was done
    drills_done: frozenset[str] = frozenset()  # drills with a set done before
    last_finished: str = ""  # the drill most recently finished (all its sets), if any


def snapshot(state: State, now: float) -> dict[str, Any]:
    """What to save so a crash or power cut loses nothing: timers are stored as time left."""
    data = asdict(state)
    data["phase"], data["pending"] = str(state.phase), str(state.pending)
    timer = state.timer
    data["timer"] = None if timer is None else {"kind": str(timer.kind), "left": timer.left(now),
                                                "total": timer.total}
    return data


def restore(data: dict[str, Any], program: Program) -> State:
    """Rebuild a State from a snapshot; raise ValueError if it does not fit the program."""
    known = {f.name for f in fields(State)}
    values = {k: v for k, v in data.items() if k in known and k != "timer"}
    state = State(**values)
    state.phase, state.pending = Phase(state.phase), Pending(state.pending)
    if not 0 <= state.drill < len(program.drills):
        raise ValueError("saved drill is not in this program")
    timer = data.get("timer")
    if timer:
        state.timer = Countdown(TimerKind(timer["kind"]), 0.0, float(timer["total"]),
                                paused_left=float(timer["left"]))
    return state
