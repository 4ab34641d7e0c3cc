"""The start of a set is the trainee's call: a rest that runs out puts the set up, "go" or
"ready" starts it, and what a trainee naturally says in the flow is never corrected."""

from __future__ import annotations

from harness import Session

from voice_coach.content.programs import load_program, parse_program
from voice_coach.core.state import Phase

PROGRAM = load_program("hip-hinge")
CORRECTIONS = ("You're in a set", "We haven't started", "Finish the set first", "not resting",
               "Sorry")
HOLDS = """
id: holds
title: Holds
intro: Hello.
summary: Bye.
drills:
  - id: plank
    name: plank
    purpose: Core.
    prescription: {sets: 2, hold_seconds: 30}
    rest_seconds: 20
    steps: [Get down.]
    cues: [{text: Brace.}]
"""


def rested(program=PROGRAM) -> Session:
    """Set one done and its rest run out."""
    s = Session(program)
    s.start()
    s.hear("start")
    if s.phase == Phase.SET:
        s.hear("set_done")
    s.wait(program.drills[0].rest_seconds + 1)
    return s


def test_a_rest_that_runs_out_puts_the_set_up_and_waits_for_go() -> None:
    s = rested()
    assert s.phase == Phase.SETUP and s.coach.state.set_number == 2
    assert s.said([line for _, line in s.out.lines[-1:]]) == \
        "Rest over. Set two of three. Say go when you're ready."
    assert s.said(s.wait(120)) == ""  # nothing starts on its own
    assert s.said(s.hear("start")) == "Set two of three. Ten reps. Say done when you finish."
    assert s.phase == Phase.SET


def test_done_after_the_set_was_up_counts_the_set() -> None:
    s = rested()
    s.wait(30)  # the trainee just did it
    said = s.said(s.hear("set_done"))
    assert said == "Nice work. Rest forty five seconds."
    assert ("set", {"drill": PROGRAM.drills[0].id, "set": 2, "of": 3}) in s.out.records


def test_go_in_a_set_agrees_instead_of_correcting() -> None:
    s = Session(PROGRAM)
    s.start()
    s.hear("skip_rest")  # not resting: said as an aside
    s.hear("start")
    assert s.said(s.hear("start")) == "Go. Say done when you finish."
    assert s.phase == Phase.SET
    s = Session(parse_program(HOLDS))
    s.start()
    s.hear("start")
    s.wait(10)
    assert s.said(s.hear("start")) == "Holding. Twenty seconds left in this hold."


def test_done_with_a_setup_step_is_the_next_step() -> None:
    s = Session(PROGRAM)
    s.start()
    assert s.said(s.hear("set_done")).startswith("Step two: ")
    assert s.phase == Phase.SETUP


def test_skipping_the_rest_or_saying_go_in_it_starts_the_set_at_once() -> None:
    for words in ("start", "skip_rest", "next_step"):
        s = Session(PROGRAM)
        s.start()
        s.hear("start")
        s.hear("set_done")
        s.wait(10)
        said = s.said(s.hear(words))
        assert said.endswith("Set two of three. Ten reps. Say done when you finish."), said
        assert s.phase == Phase.SET


def at(program, moment: str) -> Session:
    """A fresh session at a moment of the flow: setup, set, rest, or "up" (a rest ran out)."""
    s = Session(program)
    s.start()
    if moment in ("set", "rest", "up"):
        s.hear("start")
    if moment in ("rest", "up"):
        hold = program.drills[0].prescription.hold_seconds
        if program.drills[0].prescription.timed:
            s.wait(float(hold or 0) + 0.5)
        else:
            s.hear("set_done")
    if moment == "up":
        s.wait(program.drills[0].rest_seconds + 1)
    return s


def test_nothing_a_trainee_says_in_the_flow_is_corrected() -> None:
    """The natural moves, each said at the moment a trainee would say it."""
    natural = {
        "setup": (Phase.SETUP, ["next_step", "set_done", "start", "what_now"]),
        "set": (Phase.SET, ["start", "set_done", "next_step", "what_now", "time_left"]),
        "rest": (Phase.REST, ["time_left", "set_done", "start", "next_step", "what_now"]),
        "up": (Phase.SETUP, ["start", "set_done", "what_now", "next_step"]),
    }
    for program in (PROGRAM, parse_program(HOLDS)):
        for moment, (phase, moves) in natural.items():
            for move in moves:
                s = at(program, moment)
                assert s.phase == phase, (program.id, moment)
                said = s.said(s.hear(move))
                assert said and not any(c in said for c in CORRECTIONS), \
                    (program.id, moment, move, said)
