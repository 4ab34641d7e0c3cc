"""Returning trainees: a short start from what the workout log knows, "tell me more", the offer
to carry on after last time's drill, and closing lines that say what happened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import Session

from voice_coach.adapters.workout_log import WorkoutLog
from voice_coach.content.programs import load_program
from voice_coach.core.coach import Coach
from voice_coach.core.context import speech_seconds
from voice_coach.core.events import Heard, Intent, Say, Started
from voice_coach.core.state import Past, Pending, Phase

PROGRAM = load_program("hip-hinge")
ALL = frozenset(PROGRAM.drill_ids)
BUDGET = 10.0  # seconds of coach speech from the start to the end of step one


def start_lines(past: Past, *answers: str) -> list[str]:
    """What the coach says from the start until step one has been said."""
    coach = Coach(PROGRAM, past=past)
    said = [c.text for c in coach.handle(Started(0.0)) if isinstance(c, Say)]
    for answer in answers:
        said += [c.text for c in coach.handle(Heard(Intent(answer), 1.0)) if isinstance(c, Say)]
    assert said[-1].startswith("Step one: "), said
    return said


def returning_session(past: Past) -> Session:
    s = Session(PROGRAM)
    s.coach = Coach(PROGRAM, past=past)
    s.runtime.coach = s.coach
    return s


def test_the_first_session_introduces_everything() -> None:
    said = " ".join(start_lines(Past()))
    assert PROGRAM.intro in said and PROGRAM.drills[0].purpose in said
    assert speech_seconds(said) > 25  # the long start the returning one avoids


def test_a_returning_start_reaches_step_one_in_under_ten_seconds() -> None:
    said = start_lines(Past(sessions=3, drills_done=ALL))
    assert said == ["Welcome back. Hip hinge, drill one of seven: tall-kneeling hip hinge, with "
                    "pad.", "Step one: Put a pad on the floor and kneel on it."]
    assert sum(speech_seconds(t) for t in said) < BUDGET


def test_a_returning_start_at_a_drill_never_done_introduces_that_drill() -> None:
    said = " ".join(start_lines(Past(sessions=1, drills_done=frozenset({"wall-tap-hip-hinge"}))))
    assert said.startswith("Welcome back. Hip hinge.")
    assert PROGRAM.drills[0].purpose in said and PROGRAM.intro not in said


def test_tell_me_more_and_why_give_what_the_short_start_left_out() -> None:
    s = returning_session(Past(sessions=1, drills_done=ALL))
    s.start()
    more = s.said(s.hear("tell_me_more"))
    assert PROGRAM.intro in more and PROGRAM.drills[0].purpose in more
    assert "three sets of ten reps" in more
    # asked again: what the drill is for (nothing is left out any more)
    assert PROGRAM.drills[0].purpose in s.said(s.hear("tell_me_more"))
    s = returning_session(Past(sessions=1, drills_done=ALL))
    s.start()
    assert PROGRAM.intro in s.said(s.hear("why"))  # "why" after a short start: the intro
    assert s.said(s.hear("why")) == PROGRAM.why[0]  # then the benefits, as always


def test_a_drill_done_before_opens_with_its_name_and_equipment_then_steps_on_request() -> None:
    s = returning_session(Past(sessions=1, drills_done=ALL))
    s.start()
    said = s.said(s.hear("goto_drill", drill="standing-handcuff-hip-hinge"))
    assert said == ("Drill three of seven: standing handcuff hip hinge, with light kettlebell. "
                    "Step one: Set your feet about shoulder-width apart.")
    assert s.said(s.hear("next_step")).startswith("Step two: ")
    assert PROGRAM.drills[2].purpose in s.said(s.hear("tell_me_more"))


@pytest.mark.parametrize("finished", PROGRAM.drill_ids[:-1])
def test_the_offer_to_carry_on_after_last_times_drill(finished: str) -> None:
    at = PROGRAM.drill_ids.index(finished) + 1
    past = Past(sessions=2, drills_done=ALL, last_finished=finished)
    coach = Coach(PROGRAM, past=past)
    (question,) = [c.text for c in coach.handle(Started(0.0)) if isinstance(c, Say)]
    assert question.startswith("Welcome back. Hip hinge: carry on at drill")
    assert PROGRAM.drills[at].name in question and coach.state.pending == Pending.CONTINUE
    yes = start_lines(past, "yes")
    assert coach.state.drill == 0  # nothing moved before the answer
    # to step one: measured with the estimate here, by real speech in test_tts_timing.py
    assert sum(speech_seconds(t) for t in yes) < BUDGET + 1.5
    for word in ("yes", "start", "next_step"):  # "go" or "next" there means yes
        c = Coach(PROGRAM, past=past)
        c.handle(Started(0.0))
        c.handle(Heard(Intent(word), 1.0))
        assert c.state.drill == at and c.state.phase == Phase.SETUP and c.state.step == 0
    c = Coach(PROGRAM, past=past)
    c.handle(Started(0.0))
    no = [x.text for x in c.handle(Heard(Intent("no"), 1.0)) if isinstance(x, Say)]
    assert c.state.drill == 0 and no[0].startswith("Hip hinge, drill one of seven")


def test_no_offer_after_the_last_drill_or_a_first_session() -> None:
    for past in (Past(sessions=1, drills_done=ALL, last_finished=PROGRAM.drill_ids[-1]),
                 Past()):
        coach = Coach(PROGRAM, past=past)
        coach.handle(Started(0.0))
        assert coach.state.pending == Pending.NONE and coach.state.step == 0


# ---- closing lines


def test_ending_at_drill_three_of_seven_says_so() -> None:
    s = Session(PROGRAM)
    s.start()
    s.wait(60)
    for drill in PROGRAM.drills[:2]:
        s.hear("goto_drill", drill=drill.id)
        for _ in range(drill.prescription.sets):
            s.hear("start")
            s.wait(40)
            s.hear("set_done")
            s.hear("skip_rest")
    s.hear("goto_drill", drill=PROGRAM.drills[2].id)
    s.hear("start")
    s.wait(50)
    s.hear("set_done")
    s.wait(600)
    s.hear("end_workout")
    said = s.said(s.hear("yes"))
    assert "whole program" not in said
    assert said.startswith("Good work. You did three of seven drills, seven sets, in "
                           "sixteen minutes.")
    assert PROGRAM.summary in said and s.runtime.finished


def test_finishing_every_drill_says_the_whole_program() -> None:
    s = Session(PROGRAM)
    s.start()
    for drill in PROGRAM.drills:
        s.hear("goto_drill", drill=drill.id)
        for _ in range(drill.prescription.sets):
            s.hear("start")
            s.wait(30)
            if s.phase == Phase.SET:
                s.hear("set_done")
            s.hear("skip_rest")
    said = s.said([line for _, line in s.out.lines[-2:]])
    assert said.startswith("Nice work. That's the whole program, nice work: all seven drills, "
                           "twenty sets, in")


# ---- what the log knows


def test_the_log_tells_the_coach_what_earlier_sessions_did(tmp_path: Path) -> None:
    log = WorkoutLog(tmp_path / "workouts.sqlite")
    assert log.past(PROGRAM) == Past()
    log.start_session(PROGRAM.id)
    for n in (1, 2, 3):
        log.event("set", {"drill": "tall-kneeling-hip-hinge", "set": n, "of": 3})
    log.event("set", {"drill": "wall-tap-hip-hinge", "set": 1, "of": 3})
    log.end_session(finished=True)
    log.start_session("another-program")
    log.event("set", {"drill": "broomstick-hip-hinge", "set": 3, "of": 3})
    log.start_session(PROGRAM.id)  # this session: not part of the past
    log.event("set", {"drill": "kettlebell-hip-hinge", "set": 3, "of": 3})
    assert log.past(PROGRAM) == Past(
        sessions=1, drills_done=frozenset({"tall-kneeling-hip-hinge", "wall-tap-hip-hinge"}),
        last_finished="tall-kneeling-hip-hinge")
    by_drill = {(d.program, d.drill): (d.sets, d.sessions) for d in log.drill_history()}
    assert by_drill[(PROGRAM.id, "tall-kneeling-hip-hinge")] == (3, 1)
    assert by_drill[(PROGRAM.id, "kettlebell-hip-hinge")] == (1, 1)
    log.close()


def run_text(data: Path, script: str, *args: str) -> str:
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data),
           "VOICE_COACH_CONFIG": str(data / "config.toml")}
    return subprocess.run([sys.executable, "-m", "voice_coach", "run", "--text", *args],
                          input=script, capture_output=True, text=True, env=env, timeout=60,
                          check=True).stdout


def test_a_second_session_in_text_mode_is_short_and_offers_to_carry_on(tmp_path: Path) -> None:
    first = run_text(tmp_path, "go\ndone\ngo\ndone\ngo\ndone\nend workout\nyes\n")
    assert "coach: Good work. You did one of seven drills, three sets, in" in first
    second = run_text(tmp_path, "no\ntell me more\n")
    lines = [line for line in second.splitlines() if line.startswith("coach: ")]
    assert lines == [
        "coach: Welcome back. Hip hinge: carry on at drill two, tall-kneeling handcuff hip hinge?",
        "coach: Hip hinge, drill one of seven: tall-kneeling hip hinge, with pad.",
        "coach: Step one: Put a pad on the floor and kneel on it.",
        f"coach: {PROGRAM.intro} {PROGRAM.drills[0].purpose} We'll do three sets of ten reps."]
    third = run_text(tmp_path, "yes\n", "--fresh")
    # drill two was never done: the full introduction, once
    drill_two = PROGRAM.drills[1]
    assert f"coach: Drill two of seven: {drill_two.name}. {drill_two.purpose}" in third
    history = subprocess.run([sys.executable, "-m", "voice_coach", "history"],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path),
                                  "COLUMNS": "80"}).stdout
    assert "by drill" in history and "tall-kneeling-hip-hinge" in history
    row = next(line for line in history.splitlines() if line.startswith("tall-kneeling-hip"))
    assert row.split()[1:4] == ["hip-hinge", "3", "1"]
