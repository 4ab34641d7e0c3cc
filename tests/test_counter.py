"""Counting reps aloud: scenario tests on the manual clock, every word against its deadline."""

from __future__ import annotations

import pytest
from harness import Session

from voice_coach.content.programs import ProgramError, load_program, parse_program
from voice_coach.core.context import speech_seconds
from voice_coach.core.counter import COUNT_TIMER, LEAD_IN, STEP
from voice_coach.core.state import Phase

PROGRAM = load_program("hip-hinge")  # tall-kneeling hip hinge: 3 x 10, default tempo 2-0-1
REP = 3.0  # the default tempo: two seconds down, one up

COUNTED = """
id: counted
title: Counted
intro: Hello.
summary: Bye.
drills:
  - id: bridge
    name: bridge
    purpose: Glutes.
    prescription: {sets: 2, reps: 3, hold_seconds: 3}
    rest_seconds: 30
    steps: [Lie down.]
    cues: [{text: Squeeze your glutes.}]
  - id: lunge
    name: lunge
    purpose: Legs.
    prescription: {sets: 1, reps: 2, per_side: true}
    rest_seconds: 30
    tempo: {down: 1.5, up: 0.5}
    steps: [Step forward.]
    cues: [{text: Knee over ankle.}]
  - id: plank
    name: plank
    purpose: Core.
    prescription: {sets: 1, hold_seconds: 20}
    rest_seconds: 30
    steps: [Get down.]
    cues: [{text: Brace.}]
"""


def words(s: Session, since: float = 0.0) -> list[tuple[float, str]]:
    return [(round(t, 6), line[len("coach: "):]) for t, line in s.out.lines
            if t >= since and line.startswith("coach: ")]


def in_a_set(program=PROGRAM, drill: str | None = None) -> Session:
    s = Session(program)
    s.start()
    if drill:
        s.hear("goto_drill", drill=drill)
    s.hear("start")
    assert s.phase == Phase.SET
    return s


def test_each_rep_lands_on_its_deadline() -> None:
    s = in_a_set()
    s.wait(1.0)
    said = s.said(s.hear("count_reps"))
    assert said == "Counting ten reps."
    first = 1.0 + speech_seconds(said) + LEAD_IN  # the count starts once the sentence is said
    s.wait(40)
    got = words(s, since=1.0)[1:]
    expected = []
    for rep in range(10):
        start = first + rep * REP
        number = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
                  "Ten"][rep]
        expected += [(round(start, 6), f"{number}."), (round(start + 2.0, 6), "Up.")]
    expected.append((round(first + 10 * REP, 6), "That's ten. Say done when you finish."))
    assert got == expected
    assert s.phase == Phase.SET  # the set ends when the trainee says so
    assert "Rest forty five seconds" in s.said(s.hear("set_done"))


def test_a_late_runtime_does_not_drift_the_count() -> None:
    """Each word is handled 0.3 s late (a busy machine); the next one still keeps the grid,
    because timers start from the time of the event, not from when it was handled."""
    s = in_a_set()
    s.hear("count_reps")
    deadlines = []
    for _ in range(12):
        deadline = s.runtime.scheduler.deadline(COUNT_TIMER)
        assert deadline is not None
        deadlines.append(deadline)
        s.clock.t = deadline + 0.3
        s.runtime.fire_due()
    first = deadlines[0]
    grid = [first + offset for rep in range(6) for offset in (rep * REP, rep * REP + 2.0)]
    assert deadlines == pytest.approx(grid, abs=1e-9)


def test_a_drill_that_holds_counts_the_hold() -> None:
    s = in_a_set(parse_program(COUNTED))
    s.hear("count_reps")
    start = s.coach.counter.next_at
    s.wait(60)
    got = [(round(t - start, 6), w) for t, w in words(s, since=start)]
    # default tempo with the prescription's three-second hold: 2 down, 3 held, 1 up
    assert got[:6] == [(0, "One."), (2, "Hold."), (3, "Two."), (4, "One."), (5, "Up."),
                       (6, "Two.")]
    assert got[-1] == (18, "That's three. Say done when you finish.")


def test_the_programs_tempo_and_both_sides() -> None:
    s = in_a_set(parse_program(COUNTED), drill="lunge")
    s.hear("count_reps")
    start = s.coach.counter.next_at
    s.wait(60)
    got = [(round(t - start, 6), w) for t, w in words(s, since=start)]
    assert got == [(0, "One."), (1.5, "Up."), (2, "Two."), (3.5, "Up."), (4, "Other side."),
                   (5, "One."), (6.5, "Up."), (7, "Two."), (8.5, "Up."),
                   (9, "That's two. Say done when you finish.")]


def test_faster_and_slower_change_the_tempo_from_the_next_rep() -> None:
    s = in_a_set()
    s.hear("count_reps")
    start = s.coach.counter.next_at
    s.wait(start - s.clock.t + 0.5)  # into rep one
    assert s.said(s.hear("faster")) == "Okay, a faster count."  # the tempo, not the voice
    assert not [line for line in s.out.lines if line[1].startswith("[voice")]
    s.wait(20)
    times = [t - start for t, w in words(s, since=start) if w in ("One.", "Two.", "Three.")]
    assert times == pytest.approx([0, REP, REP + REP / STEP], abs=1e-6)
    assert s.said(s.hear("slower")) == "Okay, a slower count."
    # not counting: faster is the voice again
    s.hear("stop_counting")
    assert "[voice +1 +0]" in s.hear("faster")


def test_stop_counting_and_stop_end_the_count() -> None:
    s = in_a_set()
    s.hear("count_reps")
    s.wait(4)
    said = s.said(s.hear("stop_counting"))
    assert said == "Okay, no counting. Say done when you finish the set."
    assert s.runtime.scheduler.deadline(COUNT_TIMER) is None
    count_words = {"One.", "Two.", "Three.", "Up."}
    assert not count_words & set(s.said(s.wait(30)).split())
    s.hear("count_reps")
    s.wait(4)
    assert "[quiet]" in s.hear("stop")  # "stop" silences the count too
    assert not count_words & set(s.said(s.wait(30)).split())


def test_the_count_never_talks_over_a_countdown() -> None:
    # a timed hold has its own countdown: no rep count on top of it
    s = in_a_set(parse_program(COUNTED), drill="plank")
    assert s.said(s.hear("count_reps")).startswith("This one is a timed hold")
    lines = s.wait(25)
    assert [w for w in s.said(lines).split() if w in ("Up.", "Hold.")] == []
    assert "Three. Two. One. Time. Well held." in s.said(lines)
    # the unprompted cue a few seconds into a set waits while a count runs
    s = in_a_set()
    s.hear("count_reps")
    said = s.said(s.wait(9))
    cues = {c.text for c in PROGRAM.drills[0].cues}
    assert not any(cue in said for cue in cues)


def test_asked_in_a_rest_the_next_sets_are_counted() -> None:
    s = in_a_set()
    s.hear("set_done")
    assert s.phase == Phase.REST
    assert s.said(s.hear("count_reps")) == "Okay, I'll count your reps once the set starts."
    assert s.said(s.wait(30)) and "Up." not in s.said(s.wait(20))  # the rest is not counted
    said = s.said(s.hear("start"))
    assert said == "Set two of three. Ten reps. I'll count."
    first = s.clock.t + speech_seconds(said) + LEAD_IN
    s.wait(6)
    counted = [(t, w) for t, w in words(s, since=first - 1) if w in ("One.", "Up.")]
    assert counted == [(round(first, 6), "One."), (round(first + 2, 6), "Up.")]


def test_done_mid_count_ends_it_and_pause_holds_it() -> None:
    s = in_a_set()
    s.hear("count_reps")
    s.wait(7)
    s.hear("pause")
    assert s.said(s.wait(20)) == ""  # nothing while paused
    resumed = s.clock.t
    said = s.said(s.hear("resume"))
    s.wait(5)
    # the interrupted rep (two) is counted again from its start, once "Resuming" is said
    again = resumed + speech_seconds(said) + LEAD_IN
    assert words(s, since=resumed + 0.001)[0] == (round(again, 6), "Two.")
    s.hear("set_done")
    assert s.phase == Phase.REST
    rest = s.said(s.wait(50))
    assert "Up." not in rest and "That's ten" not in rest


def test_a_bad_tempo_is_one_line_with_its_line_number() -> None:
    bad = COUNTED.replace("tempo: {down: 1.5, up: 0.5}", "tempo: {down: 0, up: 0.5}")
    with pytest.raises(ProgramError, match=r"<program>:\d+: tempo down and up must be more"):
        parse_program(bad)
    bad = COUNTED.replace("tempo: {down: 1.5, up: 0.5}", "tempo: {down: slow}")
    with pytest.raises(ProgramError, match=r"<program>:\d+: tempo.down must be a 0-60 number"):
        parse_program(bad)


def test_the_count_waits_while_the_coach_asks_and_carries_on_after_no() -> None:
    s = in_a_set()
    s.hear("count_reps")
    s.wait(4)
    asked = s.clock.t
    assert s.said(s.hear("end_workout")) == "End the workout now? Say yes or no."
    assert s.said(s.wait(10)) == ""  # no count over the question, nor while it waits
    said = s.said(s.hear("no"))
    assert said == "Okay, we'll carry on. Say done when you finish the set."
    s.wait(6)
    again = words(s, since=asked + 10.001)
    # the interrupted rep (one) again, once the answer is said
    assert again[0] == (round(asked + 10 + speech_seconds(said) + LEAD_IN, 6), "One.")


def test_nothing_the_count_says_is_a_command_if_heard_back() -> None:
    """The coach's speaker is next to its mic: its own count words must not act."""
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.core.lines import returning_lines

    parser = IntentParser(Grammar.load(PROGRAM))
    lines = returning_lines(PROGRAM) + returning_lines(parse_program(COUNTED))
    assert {"One.", "Up.", "Hold.", "Other side.", "Okay, a faster count."} <= set(lines)
    acting = {line: parser.parse(line) for line in lines}
    assert {line: i.name for line, i in acting.items() if i} == {}
