"""Training programs as data: drills, steps, cues, mistakes and prescriptions."""

from __future__ import annotations

from dataclasses import dataclass, field

CUE_PHASES = frozenset({"setup", "set", "rest"})  # when a cue may be given unasked


@dataclass(frozen=True)
class Cue:
    text: str
    focus: tuple[str, ...] = ()
    phases: tuple[str, ...] = ("setup", "set")


@dataclass(frozen=True)
class Mistake:
    mistake: str
    fix: str


@dataclass(frozen=True)
class Prescription:
    sets: int
    reps: int | None = None
    hold_seconds: int | None = None
    per_side: bool = False

    @property
    def timed(self) -> bool:
        """A set is timed when it is a hold and not counted in reps."""
        return self.reps is None and self.hold_seconds is not None


@dataclass(frozen=True)
class Tempo:
    """Seconds per rep phase, for counting aloud: lower, hold at the end, come back."""

    down: float = 2.0
    hold: float = 0.0
    up: float = 1.0

    @property
    def rep(self) -> float:
        return self.down + self.hold + self.up


@dataclass(frozen=True)
class Drill:
    id: str
    name: str
    purpose: str
    prescription: Prescription
    rest_seconds: int
    steps: tuple[str, ...]
    cues: tuple[Cue, ...]
    aliases: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    easier: str | None = None
    tempo: Tempo | None = None  # None: DEFAULT_TEMPO, holding for the prescription's hold

    def counting_tempo(self) -> Tempo:
        """The tempo reps are counted at: the program's, else two down, one up, and a hold as
        long as the prescription's."""
        if self.tempo is not None:
            return self.tempo
        return Tempo(hold=float(self.prescription.hold_seconds or 0))


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    intro: str
    summary: str
    drills: tuple[Drill, ...]
    why: tuple[str, ...] = ()
    squat_vs_hinge: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    source: str = field(default="", compare=False)

    def drill(self, drill_id: str) -> Drill:
        for d in self.drills:
            if d.id == drill_id:
                return d
        raise KeyError(drill_id)

    @property
    def drill_ids(self) -> list[str]:
        return [d.id for d in self.drills]

    def index_of(self, drill_id: str) -> int:
        return [d.id for d in self.drills].index(drill_id)
