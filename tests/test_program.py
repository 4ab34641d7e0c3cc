"""Program content and validation: every kind of bad YAML gives one file:line message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.content.programs import ProgramError, load_program, parse_program
from voice_coach.resources import focus_tags

GOOD = """\
id: mini
title: Mini
intro: Hi.
summary: Bye.
drills:
  - id: a
    name: drill a
    purpose: Practice.
    prescription: {sets: 2, reps: 5}
    rest_seconds: 30
    steps: [Stand tall.]
    cues:
      - {text: Chest up., focus: [chest]}
"""


def test_good_program_parses() -> None:
    program = parse_program(GOOD, "mini.yaml")
    assert program.drills[0].prescription.sets == 2
    assert program.drills[0].cues[0].focus == ("chest",)


@pytest.mark.parametrize(
    ("yaml_text", "line", "words"),
    [
        (GOOD.replace("title: Mini", "title: Mini\ncolour: red"), 3, "unknown key 'colour'"),
        (GOOD.replace("summary: Bye.\n", ""), 1, "missing required key 'summary'"),
        (GOOD.replace("rest_seconds: 30", "rest_seconds: soon"), 10, "positive integer"),
        (GOOD.replace("rest_seconds: 30", "rest_seconds: -5"), 10, "positive integer"),
        (GOOD.replace("steps: [Stand tall.]", "steps: Stand tall."), 11, "list of strings"),
        (GOOD.replace("{sets: 2, reps: 5}", "{sets: 2}"), 9, "needs reps, hold_seconds"),
        (GOOD.replace("focus: [chest]", "focus: [elbows]"), 13, "not in"),
        (GOOD + GOOD[GOOD.index("  - id: a"):], 6, None),  # duplicate id: reported below
        (GOOD.replace("title: Mini", "title: [Mini"), 3, "not valid YAML"),
        (GOOD.replace("id: mini", "id: mini\nid: again"), 2, "appears twice"),
        ("", 1, "empty"),
        ("- just\n- a list\n", 1, "mapping"),
        (GOOD.replace("drills:\n", "drills: []\nx:\n"), 5, "non-empty list"),
    ],
)
def test_bad_programs_name_file_and_line(yaml_text: str, line: int, words: str | None) -> None:
    with pytest.raises(ProgramError) as err:
        parse_program(yaml_text, "bad.yaml")
    message = str(err.value)
    assert "\n" not in message
    if words is None:
        assert "duplicate drill id 'a'" in message
        assert message.startswith("bad.yaml:14:")
    else:
        assert words in message, message
        assert message.startswith(f"bad.yaml:{line}:"), message


def test_easier_must_name_a_real_drill() -> None:
    with pytest.raises(ProgramError, match="unknown easier drill 'nope'"):
        parse_program(GOOD.replace("rest_seconds: 30", "rest_seconds: 30\n    easier: nope"))


def test_hip_hinge_covers_the_whole_seed() -> None:
    program = load_program("hip-hinge")
    assert len(program.drills) == 7
    assert program.drills[-1].id == "kettlebell-hip-hinge"
    text = " ".join(
        [program.intro, *program.why, *program.squat_vs_hinge, *program.tips]
        + [m.mistake + m.fix for m in program.mistakes]
        + [s for d in program.drills for s in (*d.steps, d.purpose, *(c.text for c in d.cues))]
    ).lower()
    for fact in ["bellybutton", "ribs", "pelvis", "wall", "knees", "squeeze", "glutes",
                 "hamstrings", "shoulders", "light", "two to three inches", "broomstick",
                 "tailbone", "shoulder blades", "tabletop", "one to three seconds", "wrist",
                 "squat", "knee"]:
        assert fact in text, fact
    assert len(program.mistakes) == 2
    for drill in program.drills:
        assert drill.steps and len(drill.cues) >= 5, drill.id
        assert {f for c in drill.cues for f in c.focus} <= focus_tags()
        assert all(len(c.text.split()) <= 25 for c in drill.cues), drill.id


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_rejects_bad_program_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("title: Mini", "title: Mini\ncolour: red"))
    for args in (["programs", "check", str(bad)], ["run", "--text", "--program", str(bad)]):
        result = _cli(*args)
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0
        assert f"{bad}:3: unknown key 'colour'" in result.stderr
        assert "Traceback" not in result.stderr


def test_cli_unknown_program_id() -> None:
    result = _cli("run", "--text", "--program", "yoga")
    assert result.returncode == 2
    assert "unknown program 'yoga' (available: hip-hinge; your own go in " in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_programs_list_and_show() -> None:
    assert "hip-hinge" in _cli("programs").stdout
    shown = _cli("programs", "show", "hip-hinge").stdout
    assert "7. kettlebell hip hinge" in shown
