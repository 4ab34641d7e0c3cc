"""How people really talk (tests/data/phrasings.yaml, written blind to the templates), measured
through the real parser and, where the meaning depends on the moment, the real coach.

`python tests/test_phrasings.py` prints the score by category and every miss.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from harness import Session  # noqa: E402

from voice_coach.content.intents import Grammar, IntentParser  # noqa: E402
from voice_coach.content.programs import load_program  # noqa: E402
from voice_coach.core.state import Phase  # noqa: E402

DATA = Path(__file__).parent / "data" / "phrasings.yaml"
PROGRAM = load_program("hip-hinge")
TARGET = 0.95


@dataclass
class Case:
    category: str
    text: str
    intent: str
    slots: dict[str, Any]
    phase: str | None = None
    then: str | None = None


@dataclass
class Score:
    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, category: str, ok: bool, miss: str) -> None:
        self.total[category] = self.total.get(category, 0) + 1
        self.right[category] = self.right.get(category, 0) + ok
        if not ok:
            self.misses.append(f"{category}: {miss}")

    @property
    def rate(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: {sum(self.right.values())}/{sum(self.total.values())} "
               f"({100 * self.rate:.1f} %)"]
        out += [f"  {c}: {self.right[c]}/{n}" for c, n in self.total.items()]
        return out


def load_cases() -> tuple[list[Case], dict[str, list[str]]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    cases = []
    for category, entries in data["commands"].items():
        for entry in entries:
            text, intent, slots, *rest = entry
            moment = rest[0] if rest else {}
            cases.append(Case(category, str(text), intent, slots or {},
                              moment.get("phase"), moment.get("then")))
    return cases, data["not_commands"]


def session_in(phase: str) -> Session:
    s = Session(PROGRAM)
    s.start()
    sets = PROGRAM.drills[0].prescription.sets
    steps = {Phase.SET: ["start"], Phase.REST: ["start", "set_done"],
             Phase.DRILL_DONE: ["start", "set_done"] * sets}
    for name in steps.get(Phase(phase), []):
        s.hear(name)
    assert s.phase == phase
    return s


EFFECTS: dict[str, Callable[[Session, dict[str, Any], str], bool]] = {
    "rest": lambda s, before, said: s.phase == Phase.REST,
    "next_set": lambda s, before, said: (s.phase == Phase.SET
                                         and s.coach.state.drill == before["drill"]),
    "still_resting": lambda s, before, said: (s.phase == Phase.REST
                                              and s.coach.state.timer is not None
                                              and "left in rest" not in said),
    "next_drill": lambda s, before, said: s.coach.state.drill == before["drill"] + 1,
    "next_step": lambda s, before, said: (s.phase == Phase.SETUP
                                          and s.coach.state.step == before["step"] + 1),
}


def effect_ok(case: Case, parsed_name: str, slots: dict[str, Any]) -> bool:
    assert case.phase and case.then
    s = session_in(case.phase)
    before = {"drill": s.coach.state.drill, "step": s.coach.state.step}
    said = s.said(s.hear(parsed_name, **slots))
    return EFFECTS[case.then](s, before, said)


def measure(parser: IntentParser) -> tuple[Score, Score]:
    cases, negatives = load_cases()
    commands, rejected = Score(), Score()
    for case in cases:
        got = parser.parse(case.text)
        name, slots = (got.name, got.slots) if got else (None, {})
        ok = name == case.intent and slots == case.slots
        if ok and case.phase:
            ok = effect_ok(case, case.intent, slots)
            miss = f"{case.text!r} in {case.phase}: did not {case.then}"
        else:
            miss = f"{case.text!r} -> {name} {slots or ''} (want {case.intent} {case.slots or ''})"
        commands.add(case.category, ok, miss)
    for category, texts in negatives.items():
        for text in texts:
            got = parser.parse(text)
            rejected.add(category, got is None, f"{text!r} -> {got.name if got else None}")
    return commands, rejected


@pytest.fixture(scope="module")
def scores() -> tuple[Score, Score]:
    return measure(IntentParser(Grammar.load(PROGRAM)))


def test_the_file_is_big_enough() -> None:
    cases, negatives = load_cases()
    assert len(cases) >= 200
    assert sum(len(v) for v in negatives.values()) >= 60
    assert len({c.text for c in cases if not c.phase}) == len([c for c in cases if not c.phase])


def test_commands_are_understood(scores: tuple[Score, Score]) -> None:
    commands, _ = scores
    assert commands.rate >= TARGET, "\n".join(commands.lines("commands") + commands.misses)


def test_pain_is_never_missed(scores: tuple[Score, Score]) -> None:
    commands, _ = scores
    assert not [m for m in commands.misses if m.startswith("pain:")]


def test_non_commands_are_rejected(scores: tuple[Score, Score]) -> None:
    _, rejected = scores
    assert rejected.rate >= TARGET, "\n".join(rejected.lines("rejected") + rejected.misses)


if __name__ == "__main__":
    commands, rejected = measure(IntentParser(Grammar.load(PROGRAM)))
    print("\n".join(commands.lines("intent + slots right") + rejected.lines("non-commands "
                                                                           "rejected")))
    print("\n".join(["misses:", *commands.misses, *rejected.misses]))
