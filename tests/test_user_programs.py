"""The trainee's own programs: `programs new` writes a starter that checks, a program in the
config folder runs by id, a broken one costs only itself, and the recogniser hears its drills."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.app.cli import main
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import (
    ProgramError,
    available_programs,
    load_program,
    load_program_file,
)
from voice_coach.resources import user_programs_dir


@pytest.fixture
def folder() -> Path:
    """`programs/` beside the test's config.toml (conftest points VOICE_COACH_CONFIG at a
    fresh folder)."""
    return user_programs_dir()


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))


def test_programs_new_writes_a_commented_starter_that_checks(folder: Path, capsys) -> None:
    assert main(["programs", "new", "my-legs"]) == 0
    path = folder / "my-legs.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my-legs: your own program") and text.count("#") > 15
    assert f"written; check it with: voice-coach programs check {path}" in capsys.readouterr().out
    assert main(["programs", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out == f"{path}: ok (my-legs, 2 drills)\n"  # and no note: every word can be said
    program = load_program("my-legs")
    assert program.drills[0].tempo is not None and program.drills[0].tempo.rep == 3.0


@pytest.mark.parametrize(("program_id", "message"), [
    ("My Legs", "'My Legs' is not a program id"),
    ("hip-hinge", "'hip-hinge' is a bundled program; pick another id"),
    ("legs", "legs.yaml already exists; edit it, or pick another id"),
])
def test_programs_new_refuses_in_one_line(folder: Path, capsys, program_id: str,
                                          message: str) -> None:
    folder.mkdir(parents=True)
    (folder / "legs.yaml").write_text("mine, do not overwrite", encoding="utf-8")
    assert main(["programs", "new", program_id]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert (folder / "legs.yaml").read_text(encoding="utf-8") == "mine, do not overwrite"


def test_a_broken_user_program_is_one_line_and_the_rest_still_load(folder: Path) -> None:
    assert main(["programs", "new", "legs"]) == 0
    (folder / "broken.yaml").write_text("id: broken\ntitle: x\nintro: y\nsummary: z\n"
                                        "drills: 5\n", encoding="utf-8")
    listing = run_cli("programs", "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines() == ["hip-hinge\tHip hinge\t7 drills\tbundled",
                                           "legs\tMy program\t2 drills\tyours"]
    assert listing.stderr == (f"voice-coach: {folder / 'broken.yaml'}:5: program.drills must "
                              "be a non-empty list\n")
    assert "broken" in available_programs()
    ran = run_cli("run", "--text", "--program", "broken")
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr == (f"voice-coach: {folder / 'broken.yaml'}:5: program.drills must be a "
                          "non-empty list\n")
    ran = run_cli("run", "--text", stdin="what's the cue\n")  # the bundled one is untouched
    assert ran.returncode == 0 and "coach: Keep your chest tall." in ran.stdout


def test_a_user_programs_id_must_match_its_file_name(folder: Path) -> None:
    assert main(["programs", "new", "legs"]) == 0
    (folder / "legs.yaml").rename(folder / "arms.yaml")
    with pytest.raises(ProgramError, match=r"arms.yaml:\d+: id 'legs' does not match the file "
                                           r"name \(make it 'arms', or rename the file\)"):
        load_program("arms")
    # the file itself is still a valid program when checked by path
    assert load_program_file(folder / "arms.yaml").id == "legs"


def test_a_user_program_runs_by_id_and_its_drills_are_names_you_can_say(folder: Path) -> None:
    assert main(["programs", "new", "legs"]) == 0
    ran = run_cli("run", "--text", "--program", "legs",
                  stdin="go to the wall sit\ngo\nhow long left\n")
    assert ran.returncode == 0, ran.stderr
    lines = [line for line in ran.stdout.splitlines() if line.startswith("coach: ")]
    assert lines[0] == ("coach: Welcome to my program. Say next to move on, cue for a form tip, "
                        "or help any time.")
    assert "coach: Drill two of two: wall sit. Builds endurance in the legs. We'll do two sets, "\
           "holding for thirty seconds." in lines
    assert any(line.startswith("coach: Set one of two. Hold for thirty seconds.")
               for line in lines)
    history = run_cli("history").stdout
    assert "legs" in history


def test_names_the_recogniser_cannot_say_are_typed_only_with_a_note(folder: Path) -> None:
    assert main(["programs", "new", "legs"]) == 0
    path = folder / "legs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: wall sit",
                                                             "name: wall sitqx"),
                    encoding="utf-8")
    checked = run_cli("programs", "check", str(path))
    assert checked.returncode == 0
    assert checked.stdout.splitlines()[1].startswith(
        "note: the recogniser cannot say 'sitqx', so 'wall sitqx'")
    grammar = Grammar.load(load_program("legs"))
    heard = {v.value_out for v in grammar.slot_lists["drill"].values}  # type: ignore[attr-defined]
    assert "wall-sit" in heard  # still by "drill two"
    said = {v.text_in.text for v in grammar.slot_lists["drill"].values  # type: ignore[attr-defined]
            if v.value_out == "wall-sit"}
    assert "wall sitqx" not in said and "drill two" in said
    # typed, the name still works
    intent = IntentParser(grammar).parse("go to the wall sitqx")
    assert intent is not None and intent.slots == {"drill": "wall-sit"}


@pytest.mark.skipif(not Path("/usr/bin/espeak-ng").exists(), reason="needs espeak-ng")
def test_the_recogniser_hears_the_running_programs_drill_names(folder: Path,
                                                               tmp_path: Path) -> None:
    """The same audio decoded with the bundled program and with a trainee's: only the
    trainee's program puts "wall sit" into the recogniser's language."""
    assert main(["programs", "new", "legs"]) == 0
    wav = tmp_path / "wall-sit.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav),
                    "go to the wall sit drill"], check=True)
    texts = {}
    for program in ("hip-hinge", "legs"):
        out = subprocess.run([sys.executable, "-m", "voice_coach", "recognize", str(wav),
                              "--json", "--engine", "pocketsphinx"], capture_output=True,
                             text=True, timeout=300, check=True,
                             env={**os.environ, "VOICE_COACH_PROGRAM": program}).stdout
        texts[program] = out
    assert "wall sit" in texts["legs"]
    assert " sit" not in texts["hip-hinge"]
