"""The coach's vocabulary: what happens to it (events) and what it asks for (commands).

Small frozen dataclasses, in the spirit of one message per thing that happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


@dataclass(frozen=True)
class Intent:
    """What the user meant: an intent name from the contract plus its slot values."""

    name: str
    slots: dict[str, Any] = field(default_factory=dict, hash=False)
    confidence: float = 1.0
    text: str = ""


# Intents that may interrupt the coach while it talks (and keep a pending question open).
BARGE_IN = frozenset({"stop", "pause", "quieter"})


# ---- events (into the coach)


# Every event carries `at`: the session clock (seconds, monotonic, time-scaled) when it happened,
# so the core can answer "how long left?" without reading a clock itself.


@dataclass(frozen=True)
class Started:
    at: float = 0.0


@dataclass(frozen=True)
class Heard:
    intent: Intent
    at: float = 0.0


@dataclass(frozen=True)
class Misheard:
    """The user typed something that is not a command (text mode only; speech stays silent)."""

    text: str
    at: float = 0.0


@dataclass(frozen=True)
class TimerFired:
    name: str
    at: float = 0.0


@dataclass(frozen=True)
class Unsure:
    """Speech came close to a command but not close enough to act on."""

    at: float = 0.0


Event = Started | Heard | Misheard | TimerFired | Unsure


# ---- commands (out of the coach)


class Priority(IntEnum):
    """Higher preempts lower in the speech queue."""

    CHATTER = 0
    ANSWER = 1
    TIMING = 2


@dataclass(frozen=True)
class Say:
    text: str
    priority: Priority = Priority.ANSWER


@dataclass(frozen=True)
class Play:
    earcon: str  # "start", "ack", "rest_over", "done", "sorry"


@dataclass(frozen=True)
class StartTimer:
    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    name: str


@dataclass(frozen=True)
class StopSpeaking:
    pass


@dataclass(frozen=True)
class SetVoice:
    """Change speech rate or volume by a number of steps (+1 faster/louder, -1 slower/quieter)."""

    rate_steps: int = 0
    volume_steps: int = 0


@dataclass(frozen=True)
class Record:
    """Something worth keeping in the workout log."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class EndSession:
    pass


Command = (
    Say | Play | StartTimer | CancelTimer | StopSpeaking | SetVoice | Record | EndSession
)
