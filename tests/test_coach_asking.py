"""Scenario tests for what trainees ask beyond the basics, and for words whose meaning depends on
the moment. Sentences go through the real parser, then the real coach on a fake clock."""

from __future__ import annotations

import pytest
from harness import Session

from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program
from voice_coach.core.coach import Coach
from voice_coach.core.events import Heard, Intent, Say, Started
from voice_coach.core.state import Phase

PROGRAM = load_program("hip-hinge")
PARSER = IntentParser(Grammar.load(PROGRAM))
FIRST, SECOND, FIFTH = PROGRAM.drills[0], PROGRAM.drills[1], PROGRAM.drills[4]


@pytest.fixture
def s() -> Session:
    session = Session(PROGRAM)
    session.start()
    return session


def say(s: Session, text: str) -> str:
    """The user says `text`; what the coach answers."""
    intent = PARSER.parse(text)
    assert intent is not None, f"{text!r} is not a command"
    return s.said(s.hear(intent.name, **intent.slots))


def rest_after_first_set(s: Session) -> None:
    say(s, "go")
    say(s, "done")
    assert s.phase == Phase.REST


# ---- meaning by moment


@pytest.mark.parametrize("text", ["next", "let's move on", "move on", "next one", "okay next"])
def test_moving_on_in_a_rest_is_the_next_set_not_the_next_drill(s: Session, text: str) -> None:
    rest_after_first_set(s)
    said = say(s, text)
    assert "Set two of three" in said and s.phase == Phase.SET
    assert s.coach.state.drill == 0 and s.coach.state.sets_done[FIRST.id] == 1


@pytest.mark.parametrize("text", ["I'm done", "done", "finished"])
def test_done_in_a_rest_is_not_a_question_about_time(s: Session, text: str) -> None:
    rest_after_first_set(s)
    said = say(s, text)
    assert "left in rest" not in said
    assert said == "You're resting. Say go for set two of three, or end workout to stop for today."
    assert s.phase == Phase.REST and s.coach.state.timer is not None


def test_moving_on_when_a_drill_is_done_is_the_next_drill(s: Session) -> None:
    for _ in range(FIRST.prescription.sets):
        say(s, "go")
        say(s, "done")
    assert s.phase == Phase.DRILL_DONE
    assert f"Drill two of seven: {SECOND.name}" in say(s, "let's move on")


def test_what_now_answers_for_the_moment(s: Session) -> None:
    assert "Step two" in say(s, "what now")  # in the setup: the next step
    say(s, "go")
    assert say(s, "what do I do now") == ("Set one of three. Ten reps. "
                                          "Say done when you finish the set.")
    say(s, "done")
    assert say(s, "what's next") == "Forty five seconds left in rest. Then set two of three."
    assert s.phase == Phase.REST  # a question never starts the set
    for _ in range(2):
        say(s, "skip rest")
        say(s, "done")
    assert say(s, "now what") == f"Next up: {SECOND.name}. Say next drill when you're ready."


# ---- where am I, how many, what do I need


def test_sets_left_and_which_set(s: Session) -> None:
    assert say(s, "what set am I on") == "Next is set one of three."
    say(s, "go")
    assert say(s, "how many sets left") == "Set one of three. Two more after this."
    say(s, "done")
    assert say(s, "which set is this") == "Next is set two of three."
    say(s, "go")
    say(s, "done")
    say(s, "go")
    assert say(s, "is this the last set") == "Set three of three. This is the last set."
    say(s, "done")
    assert say(s, "how many more sets").startswith("All three sets of this drill are done.")


def test_how_many_reps(s: Session) -> None:
    assert say(s, "how many reps") == "Three sets of ten reps."
    say(s, "go")
    assert say(s, "how many reps do I do") == "Three sets of ten reps. Set one of three."
    s.hear("goto_drill", drill=FIFTH.id)
    assert say(s, "how long do I hold it") == ("Two sets of eight reps, holding each for two "
                                               "seconds.")


def test_equipment(s: Session) -> None:
    assert say(s, "what equipment do I need") == f"For the {FIRST.name}: pad."
    assert say(s, "do I need a kettlebell") == "No kettlebell for this one. You need: pad."
    s.hear("next_drill")
    assert say(s, "do I need a kettlebell") == (f"Yes. For the {SECOND.name}: pad, light "
                                                "kettlebell.")
    s.hear("goto_drill", drill=FIFTH.id)
    assert say(s, "what do I need for this drill") == f"No equipment for the {FIFTH.name}."


# ---- starting over, easier and harder, more sets


def test_start_over_restarts_this_drill_from_step_one_and_set_one(s: Session) -> None:
    rest_after_first_set(s)
    asked = f"Start the {FIRST.name} over from the top? Say yes or no."
    assert say(s, "start over") == asked  # its finished sets would be forgotten: ask first
    assert say(s, "no").startswith("Okay, we'll carry on.")
    assert s.phase == Phase.REST and s.coach.state.sets_done[FIRST.id] == 1
    assert say(s, "restart the drill") == asked
    said = say(s, "yes")
    assert said.startswith("From the top. Drill one of seven") and "Step one" in said
    assert s.phase == Phase.SETUP and s.coach.state.set_number == 1
    assert s.coach.state.timer is None and FIRST.id not in s.coach.state.sets_done
    assert "Set one of three" in say(s, "go")


def test_start_over_when_asked_to_resume_starts_the_workout_again() -> None:
    saved = Coach(PROGRAM)
    saved.handle(Started(0.0))
    saved.handle(Heard(Intent("goto_drill", {"drill": FIFTH.id}), 1.0))
    coach = Coach(PROGRAM, saved.snapshot())
    assert "Welcome back" in coach.handle(Started(0.0))[1].text  # type: ignore[union-attr]
    intent = PARSER.parse("start over")
    assert intent is not None
    said = [c.text for c in coach.handle(Heard(intent, 1.0)) if isinstance(c, Say)]
    assert coach.state.drill == 0 and f"Drill one of seven: {FIRST.name}" in " ".join(said)


def test_easier_and_harder_follow_the_program(s: Session) -> None:
    assert "no easier version" in say(s, "make it easier")
    assert s.coach.state.drill == 0
    said = say(s, "this is too easy")
    assert said.startswith(f"Okay, a harder one. Drill two of seven: {SECOND.name}")
    said = say(s, "this is too hard")
    assert said.startswith(f"Okay, an easier one. Drill one of seven: {FIRST.name}")
    s.hear("goto_drill", drill=PROGRAM.drills[-1].id)
    assert "no harder version" in say(s, "something harder")


def test_one_more_set_in_a_rest_makes_the_drill_longer(s: Session) -> None:
    rest_after_first_set(s)
    assert say(s, "one more set") == "Okay, one more set: four sets in all."
    assert s.phase == Phase.REST
    for n in ("two", "three", "four"):
        assert f"Set {n} of four" in say(s, "go")
        say(s, "done")
    assert s.phase == Phase.DRILL_DONE and s.coach.state.sets_done[FIRST.id] == 4


def test_more_sets_after_the_drill_is_done_open_it_again(s: Session) -> None:
    for _ in range(FIRST.prescription.sets):
        say(s, "go")
        say(s, "done")
    assert say(s, "two more sets") == ("Okay, two more sets. Set four of five. "
                                       "Say go when you're ready.")
    assert "Set four of five" in say(s, "go")
    say(s, "done")
    say(s, "go")
    assert "That's tall-kneeling hip hinge done" in say(s, "done")
    assert s.coach.state.sets_done[FIRST.id] == 5
    # the extra sets are remembered across a restart
    again = Coach(PROGRAM, s.coach.snapshot())
    again.handle(Started(0.0))
    assert again.ctx.total_sets() == 5


# ---- safety: pain said any way stops the set


@pytest.mark.parametrize("text", ["ow", "ouch, my back", "ouch my back hurts",
                                  "I think I pulled something", "coach my knee is killing me",
                                  "something popped", "um, that hurts"])
def test_pain_said_any_way_stops_the_set(s: Session, text: str) -> None:
    say(s, "go")
    intent = PARSER.parse(text)
    assert intent is not None and intent.name == "pain", text
    lines = s.hear(intent.name, **intent.slots)
    assert lines[0] == "[quiet]" and "Stop the set now." in s.said(lines)
    assert s.phase == Phase.SETUP
