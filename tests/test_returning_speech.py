"""How long a returning start really is: the coach's lines rendered by its own TTS (espeak-ng
at the default rate), and the README's transcript of a returning session checked against the
coach."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_coach.adapters.tts import Pyttsx3Synthesizer
from voice_coach.content.programs import load_program
from voice_coach.core.coach import Coach
from voice_coach.core.context import speech_seconds
from voice_coach.core.events import Heard, Intent, Say, Started
from voice_coach.core.state import Past

pytest.importorskip("pyttsx3")

PROGRAM = load_program("hip-hinge")
ALL = frozenset(PROGRAM.drill_ids)
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory):
    with Pyttsx3Synthesizer(cache=tmp_path_factory.mktemp("tts")) as s:
        yield s


def seconds(synth: Pyttsx3Synthesizer, lines: list[str]) -> float:
    return sum(len(synth.render(line)) / synth.samplerate for line in lines)


def start(past: Past, *answers: str) -> list[str]:
    coach = Coach(PROGRAM, past=past)
    said = [c.text for c in coach.handle(Started(0.0)) if isinstance(c, Say)]
    for answer in answers:
        said += [c.text for c in coach.handle(Heard(Intent(answer), 1.0)) if isinstance(c, Say)]
    return said


def test_a_returning_start_is_under_ten_seconds_of_real_speech(synth) -> None:
    lines = start(Past(sessions=1, drills_done=ALL))
    assert lines[-1].startswith("Step one: ")
    real = seconds(synth, lines)
    assert 5.0 < real < 10.0, real
    # the core's estimate (the TTS's words per minute) agrees with the rendering within 15 %
    estimate = sum(speech_seconds(line) for line in lines)
    assert abs(estimate - real) / real < 0.15, (estimate, real)
    # a first session, for comparison, speaks for far longer before step one
    assert seconds(synth, start(Past())) > 3 * real


def test_the_readme_transcript_is_what_the_coach_says(synth) -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## A returning session", 1)[1].split("```text", 1)[1].split("```")[0]
    coach_lines = [line[len("coach: "):] for line in block.splitlines()
                   if line.startswith("coach: ")]
    to_step_one = coach_lines[:next(i for i, line in enumerate(coach_lines)
                                    if line.startswith("Step one")) + 1]
    assert to_step_one == start(Past(sessions=1, drills_done=ALL))
    claimed = re.search(r"(\d+\.\d)\s+seconds of speech", text)
    assert claimed, "the README says how long the returning start is"
    assert float(claimed.group(1)) == pytest.approx(seconds(synth, to_step_one), abs=0.15)


def test_the_readme_says_how_long_the_offer_to_carry_on_takes(synth) -> None:
    """With the question ("carry on at drill four?") and its yes, step one comes later: the
    README gives the range over every drill it can offer."""
    took = []
    for finished in PROGRAM.drill_ids[:-1]:
        lines = start(Past(sessions=1, drills_done=ALL, last_finished=finished), "yes")
        assert lines[-1].startswith("Step one: ")
        took.append(seconds(synth, lines))
    claimed = re.search(r"(\d+\.\d) to (\d+\.\d)\s+seconds of the coach's speech",
                        README.read_text(encoding="utf-8"))
    assert claimed
    assert float(claimed.group(1)) == pytest.approx(min(took), abs=0.15)
    assert float(claimed.group(2)) == pytest.approx(max(took), abs=0.15)
