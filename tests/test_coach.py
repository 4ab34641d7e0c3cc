"""Scenario tests: the user says X, the coach says Y, on a fake clock."""

from __future__ import annotations

import pytest
from harness import Session
from hypothesis import given, settings
from hypothesis import strategies as st

from voice_coach.content.programs import load_program, parse_program
from voice_coach.core.coach import Coach
from voice_coach.core.state import Phase

PROGRAM = load_program("hip-hinge")
INTENTS = sorted(Coach(PROGRAM).handlers)
HOLD_PROGRAM = """
id: holds
title: Holds
intro: Hello.
summary: All done.
drills:
  - id: plank
    name: plank
    purpose: Core.
    prescription: {sets: 2, hold_seconds: 30}
    rest_seconds: 20
    steps: [Get down., Hold it.]
    cues:
      - {text: Squeeze your glutes., focus: [glutes]}
      - {text: Brace your core., focus: [core]}
"""


@pytest.fixture
def s() -> Session:
    session = Session(PROGRAM)
    session.start()
    return session


def to_phase(s: Session, phase: str) -> None:
    if phase == Phase.SET:
        s.hear("start")
    elif phase == Phase.REST:
        s.hear("start")
        s.hear("set_done")
    elif phase == Phase.DRILL_DONE:
        for _ in range(PROGRAM.drills[0].prescription.sets):
            s.hear("start")
            s.hear("set_done")
    elif phase == Phase.DONE:
        s.hear("goto_drill", drill=PROGRAM.drills[-1].id)
        for _ in range(PROGRAM.drills[-1].prescription.sets):
            s.hear("start")
            s.hear("set_done")
    assert s.phase == phase


def test_start_introduces_program_first_drill_and_first_step() -> None:
    s = Session(PROGRAM)
    said = s.said(s.start())
    first = PROGRAM.drills[0]
    assert PROGRAM.intro in said
    assert f"Drill one of seven: {first.name}" in said
    assert f"Step one: {first.steps[0]}" in said


def test_steps_one_at_a_time_then_go_prompt(s: Session) -> None:
    steps = PROGRAM.drills[0].steps
    for n, step in enumerate(steps[1:], start=2):
        assert step in s.said(s.hear("next_step")), n
    assert "That's the whole setup" in s.said(s.hear("next_step"))
    assert "Say go" in s.said(s.hear("next_step"))
    assert steps[-1] in s.said(s.hear("previous_step"))
    assert steps[-2] in s.said(s.hear("previous_step"))
    again = s.said(s.hear("repeat"))
    assert steps[-2] in again


def test_setup_restarts_from_step_one(s: Session) -> None:
    s.hear("next_step")
    s.hear("next_step")
    assert "Step one" in s.said(s.hear("setup"))


def test_set_then_rest_countdown_lands_on_deadline(s: Session) -> None:
    s.hear("start")
    assert s.phase == Phase.SET
    rest = PROGRAM.drills[0].rest_seconds
    said = s.said(s.hear("set_done"))
    assert "Rest forty five seconds" in said and s.phase == Phase.REST
    lines = s.wait(rest + 0.5)
    times = {line: t for t, line in s.out.lines if line.startswith("coach:")}
    assert times["coach: Three."] == rest - 3
    assert times["coach: Two."] == rest - 2
    assert times["coach: One."] == rest - 1
    assert times["coach: Ten seconds."] == rest - 10
    assert any(line.startswith("coach: Halfway.") for line in lines)
    over = [t for t, line in s.out.lines if "Rest over." in line]
    assert over == [rest]
    # the set is up; it starts when the trainee says so
    assert s.phase == Phase.SETUP and s.coach.state.set_number == 2
    assert "Rest over. Set two of three. Say go when you're ready." in s.said(lines)
    assert "Set two of three. Ten reps." in s.said(s.hear("start"))
    assert s.phase == Phase.SET


def test_time_left_in_words(s: Session) -> None:
    to_phase(s, Phase.REST)
    s.wait(20)
    assert "Twenty five seconds left in rest." in s.said(s.hear("time_left"))


def test_add_time_moves_the_deadline(s: Session) -> None:
    to_phase(s, Phase.REST)
    s.wait(40)
    assert "Added thirty seconds. Thirty five seconds left." in s.said(s.hear("add_time",
                                                                                seconds=30))
    assert "Rest over" not in s.said(s.wait(30))
    assert "Rest over" in s.said(s.wait(5.5))


def test_skip_rest_starts_next_set(s: Session) -> None:
    to_phase(s, Phase.REST)
    said = s.said(s.hear("skip_rest"))
    assert "Skipping the rest." in said and "Set two of three" in said
    assert s.phase == Phase.SET
    assert "Rest over" not in s.said(s.wait(100))


def test_pause_freezes_every_timer_and_resume_continues(s: Session) -> None:
    to_phase(s, Phase.REST)
    s.wait(10)
    paused = s.hear("pause")
    assert paused[0] == "[quiet]"
    assert "Take your time. Thirty five seconds left when you say resume." in s.said(paused)
    assert s.wait(600) == []
    assert "Thirty five seconds left in rest. We're paused." in s.said(s.hear("time_left"))
    assert "Resuming. Thirty five seconds left." in s.said(s.hear("resume"))
    assert "Rest over" not in s.said(s.wait(34))
    assert "Rest over" in s.said(s.wait(1.5))


def test_rest_with_seconds_during_set_finishes_it(s: Session) -> None:
    s.hear("start")
    said = s.said(s.hear("rest", seconds=90))
    assert "Rest a minute and a half." in said
    assert s.phase == Phase.REST
    assert "Rest over" not in s.said(s.wait(89))
    assert "Rest over" in s.said(s.wait(1.5)), said


def test_cue_rotates_never_twice_in_a_row_and_filters_by_focus(s: Session) -> None:
    cues = [s.said(s.hear("cue")) for _ in range(12)]
    assert all(a != b for a, b in zip(cues, cues[1:]))
    assert len(set(cues)) >= 3
    back = {c.text for c in PROGRAM.drills[0].cues if "back" in c.focus}
    for _ in range(4):
        assert s.said(s.hear("cue", focus="back")) in back


def test_cue_for_a_focus_the_drill_lacks_borrows_from_the_program(s: Session) -> None:
    focus_everywhere = {f for d in PROGRAM.drills for c in d.cues for f in c.focus}
    missing = focus_everywhere - {f for c in PROGRAM.drills[0].cues for f in c.focus}
    for focus in missing:
        text = s.said(s.hear("cue", focus=focus))
        assert any(text == c.text and focus in c.focus for d in PROGRAM.drills for c in d.cues)


def test_unprompted_cues_fade_as_sets_go_on(s: Session) -> None:
    heard = []
    for _ in range(3):
        s.hear("start")
        heard.append(any(line == "[timer cue]" for line in s.wait(10)))
        s.hear("set_done")
        s.wait(0.1)
        s.hear("skip_rest") if s.phase == Phase.REST else None
    assert heard == [True, True, False]


def test_pain_stops_the_set_and_offers_an_easier_drill() -> None:
    s = Session(PROGRAM)
    s.start()
    wall = PROGRAM.drill("wall-tap-hip-hinge")
    s.hear("goto_drill", drill=wall.id)
    s.hear("start")
    lines = s.hear("pain", body_part="lower back")
    said = s.said(lines)
    assert lines[0] == "[quiet]"
    assert "Stop the set now. If the pain in your lower back is sharp" in said
    assert PROGRAM.drill(wall.easier).name in said
    assert s.phase == Phase.SETUP
    assert ("pain", {"drill": wall.id, "body_part": "lower back"}) in s.out.records
    s.hear("yes")
    assert s.coach.current.id == wall.easier


def test_pain_then_no_keeps_the_drill(s: Session) -> None:
    s.hear("goto_drill", drill="kettlebell-hip-hinge")
    s.hear("pain")
    assert "carry on" in s.said(s.hear("no"))
    assert s.coach.current.id == "kettlebell-hip-hinge"


def test_stop_silences_without_losing_state(s: Session) -> None:
    to_phase(s, Phase.REST)
    assert s.hear("stop") == ["[quiet]"]
    assert s.phase == Phase.REST
    assert "Rest over" in s.said(s.wait(60))


def test_end_workout_asks_then_summarises() -> None:
    s = Session(PROGRAM)
    s.start()
    assert "End the workout now?" in s.said(s.hear("end_workout"))
    assert not s.runtime.finished
    said = s.said(s.hear("yes"))
    assert PROGRAM.summary in said and s.runtime.finished


def test_walks_all_seven_drills_to_the_summary() -> None:
    s = Session(PROGRAM)
    s.start()
    total = 0
    for index, drill in enumerate(PROGRAM.drills):
        if index:
            assert f"Drill {['one','two','three','four','five','six','seven'][index]}" in s.said(
                s.hear("next_drill"))
        for _ in range(drill.prescription.sets):
            s.hear("start")
            s.wait(3)
            s.said(s.hear("set_done"))
            total += 1
            s.wait(drill.rest_seconds + 1) if s.phase == Phase.REST else None
            if s.phase == Phase.SET:  # the rest rolled into the next set already
                s.hear("set_done")
                total += 1
                s.wait(drill.rest_seconds + 1) if s.phase == Phase.REST else None
            if s.phase in (Phase.DRILL_DONE, Phase.DONE):
                break
        assert s.phase in (Phase.DRILL_DONE, Phase.DONE), drill.id
    assert s.phase == Phase.DONE
    assert total == sum(d.prescription.sets for d in PROGRAM.drills)
    assert PROGRAM.summary in " ".join(line for _, line in s.out.lines[-3:])


def test_navigation_edges(s: Session) -> None:
    assert "first drill" in s.said(s.hear("previous_drill"))
    s.hear("goto_drill", drill=PROGRAM.drills[-1].id)
    assert "last drill" in s.said(s.hear("next_drill"))
    assert "Drill six" in s.said(s.hear("previous_drill"))
    said = s.said(s.hear("list_drills"))
    assert all(d.name in said for d in PROGRAM.drills)
    assert "Drill six of seven" in s.said(s.hear("current_drill"))


def test_sets_done_are_remembered_when_coming_back_to_a_drill(s: Session) -> None:
    s.hear("start")
    s.hear("set_done")
    s.hear("next_drill")
    s.hear("previous_drill")
    assert "Set two of three" in s.said(s.hear("start"))


def test_voice_controls(s: Session) -> None:
    assert s.hear("slower")[0] == "[voice -1 +0]"
    assert s.hear("faster")[0] == "[voice +1 +0]"
    assert s.hear("louder")[0] == "[voice +0 +1]"
    assert s.hear("quieter")[0] == "[voice +0 -1]"


def test_knowledge_answers(s: Session) -> None:
    whys = {s.said(s.hear("why")) for _ in range(len(PROGRAM.why))}
    assert whys == set(PROGRAM.why)
    assert PROGRAM.squat_vs_hinge[0] in s.said(s.hear("squat_vs_hinge"))
    first, second = s.said(s.hear("mistakes")), s.said(s.hear("mistakes"))
    assert first != second and "Common mistake" in first


def test_timed_hold_counts_down_and_finishes_the_set() -> None:
    s = Session(parse_program(HOLD_PROGRAM))
    s.start()
    assert "Hold for thirty seconds" in s.said(s.hear("start"))
    s.wait(25)
    assert "Five seconds left in this hold." in s.said(s.hear("time_left"))
    said = s.said(s.wait(5.5))
    assert "Three. Two. One. Time. Well held. Rest twenty seconds." in said
    assert "Say go" in s.said(s.wait(20.5))
    assert s.phase == Phase.SETUP


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_answers_in_every_phase(phase: str, intent: str) -> None:
    s = Session(PROGRAM)
    s.start()
    to_phase(s, phase)
    slots = {"goto_drill": {"drill": PROGRAM.drills[2].id}, "add_time": {"seconds": 15},
             "rest": {"seconds": 30}, "cue": {"focus": "hips"}, "pain": {"body_part": "knee"}}
    lines = s.hear(intent, **slots.get(intent, {}))
    if intent == "stop":
        assert lines == ["[quiet]"]
    else:
        said = s.said(lines)
        assert said.strip(), f"{intent} in {phase} said nothing"
        assert len(said.split()) < 90, f"{intent} in {phase} lectures: {said}"
    s.wait(200)  # whatever it started must play out without error


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 120)), max_size=40))
def test_random_event_sequences_never_raise(events: list[tuple[str, float]]) -> None:
    s = Session(PROGRAM)
    s.start()
    slot_values = {"goto_drill": {"drill": PROGRAM.drills[4].id}, "add_time": {"seconds": 60},
                   "rest": {}, "cue": {"focus": "head"}, "pain": {}, "add_set": {"count": 2},
                   "equipment": {"gear": "wall"}}
    for intent, gap in events:
        s.hear(intent, **slot_values.get(intent, {}))
        s.wait(gap)
        if s.runtime.finished:
            break


def test_bare_next_means_what_comes_next_in_each_phase(s: Session) -> None:
    assert "Step two" in s.said(s.hear("next_step"))
    to_phase(s, Phase.REST)
    # in a rest "next" (or "let's move on") is the next set, never the next drill
    assert "Moving on. Set two of three." in s.said(s.hear("next_step"))
    assert s.phase == Phase.SET and s.coach.state.drill == 0
    # in a set "next" means this one is done
    assert "Nice work. Rest forty five seconds." in s.said(s.hear("next_step"))
    s.hear("next_step")
    s.hear("set_done")
    assert s.phase == Phase.DRILL_DONE
    assert "Drill two of seven" in s.said(s.hear("next_step"))


def test_speech_that_came_close_gets_one_quiet_sorry_at_most_every_few_seconds(
        s: Session) -> None:
    from voice_coach.core.events import Unsure

    def unsure() -> list[str]:
        mark = len(s.out.lines)
        s.runtime.dispatch(Unsure(s.clock.now()))
        return [line for _, line in s.out.lines[mark:]]

    assert unsure() == ["[sound sorry]"]
    s.wait(3)
    assert unsure() == []  # rate-limited: never a stream of sorries
    s.wait(6)
    assert unsure() == ["[sound sorry]"]


@pytest.mark.parametrize(("name", "slots", "question"), [
    ("next_drill", {}, "Did you mean the next drill? Say yes or no."),
    ("goto_drill", {"drill": "wall-tap-hip-hinge"}, "Did you mean the wall tap hip hinge?"),
])
def test_a_consequential_command_heard_unsurely_is_asked_back_first(
        s: Session, name: str, slots: dict, question: str) -> None:
    from voice_coach.core.events import Heard, Intent

    def hear(intent: Intent) -> str:
        mark = len(s.out.lines)
        s.runtime.dispatch(Heard(intent, s.clock.now()))
        return s.said([line for _, line in s.out.lines[mark:]])

    assert hear(Intent(name, slots, confidence=0.9)).startswith(question)
    assert s.coach.state.drill == 0
    assert "carry on" in s.said(s.hear("no"))
    assert s.coach.state.drill == 0
    hear(Intent(name, slots, confidence=0.9))
    assert "Drill" in s.said(s.hear("yes")) and s.coach.state.drill != 0
    # heard surely (or typed), it just happens
    assert "Drill one of seven" in hear(Intent("goto_drill", {"drill": PROGRAM.drills[0].id},
                                               confidence=0.99))


def test_skip_rest_heard_unsurely_keeps_the_rest_until_yes(s: Session) -> None:
    from voice_coach.core.events import Heard, Intent

    to_phase(s, Phase.REST)
    s.runtime.dispatch(Heard(Intent("skip_rest", confidence=0.9), s.clock.now()))
    assert s.phase == Phase.REST
    s.hear("stop")  # a barge-in keeps the question open
    assert "Skipping the rest" in s.said(s.hear("yes"))
    assert s.phase == Phase.SET


def test_what_makes_sense_depends_on_the_moment(s: Session) -> None:
    coach = s.coach
    assert coach.expects("next_step") and not coach.expects("skip_rest")
    assert not coach.expects("yes")  # nothing asked
    assert coach.expects("stop") and coach.expects("pain") and coach.expects("cue")
    to_phase(s, Phase.REST)
    assert coach.expects("skip_rest") and not coach.expects("previous_step")
    s.hear("end_workout")  # "End the workout now? Say yes or no."
    assert coach.expects("yes") and coach.expects("no")

