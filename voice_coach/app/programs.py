"""`voice-coach programs`: list, show and check programs, and start one of your own.

Your programs are YAML files in `programs/` beside config.toml; each runs by its file name
(`voice-coach run --program NAME`) like the bundled one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from voice_coach.content.programs import (
    ProgramError,
    available_programs,
    bundled_programs,
    load_program,
    load_program_file,
    load_user_program,
    user_programs,
)
from voice_coach.core.program import Program
from voice_coach.errors import VoiceCoachError
from voice_coach.resources import user_programs_dir

if TYPE_CHECKING:
    from voice_coach.content.intents import Grammar

ID_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

STARTER = """\
# {id}: your own program for voice-coach. Check it with
#   voice-coach programs check {path}
# and run it with
#   voice-coach run --program {id}
# Every key below is explained by a comment; the ones marked "optional" can go.

id: {id}                 # must match the file name
title: My program        # said as "Welcome back. My program." when you return
intro: >-
  Welcome to my program. Say next to move on, cue for a form tip, or help any time.
summary: >-
  Said at the end, after what you did. Remember to breathe.

drills:
  - id: air-squat                        # short, lower case, dashes
    name: air squat                       # what the coach says, and what you say
                                          # ("go to the air squat")
    aliases: [squats, the squat]          # optional: other names you may say
    purpose: Builds the squat pattern with no load.
    equipment: []                         # optional: [mat, kettlebell]
    prescription: {{sets: 3, reps: 10}}    # or {{sets: 2, hold_seconds: 30}} for a timed hold
    rest_seconds: 60
    tempo: {{down: 2, hold: 0, up: 1}}      # optional: seconds per rep when you say "count for
                                          # me" (default 2 down, 1 up)
    steps:                                # said one at a time: "next step"
      - Stand with your feet shoulder-width apart.
      - Sit down and back, chest tall, then stand up.
    cues:                                 # "what's the cue?", "cue for my knees"
      - text: Knees track over your toes.
        focus: [knees]                    # optional: back, hips, knees, core, ribs, pelvis,
                                          # shoulders, glutes, hamstrings, chest, head
      - text: Keep your chest tall.
        focus: [chest]
        phases: [set]                     # optional: when it may be said unasked
                                          # (setup, set, rest)
    mistakes:                             # optional: "common mistakes"
      - mistake: Heels lift off the floor.
        fix: Sit back more and keep your weight over your midfoot.

  - id: wall-sit
    name: wall sit
    purpose: Builds endurance in the legs.
    prescription: {{sets: 2, hold_seconds: 30}}
    rest_seconds: 45
    steps:
      - Lean your back against a wall and slide down until your knees are bent.
    cues:
      - text: Press your back flat into the wall.
        focus: [back]
"""


def cmd_programs(args: argparse.Namespace) -> int:
    action = args.action
    if action == "list":
        return list_programs()
    if action == "show":
        show_program(_required(args.target, "programs show needs a program id"))
    elif action == "new":
        path = new_program(_required(args.target, "programs new needs an id, e.g. my-legs"))
        print(f"{path}: written; check it with: voice-coach programs check {path}")
    else:
        path = Path(_required(args.target, "programs check needs a file"))
        program = load_program_file(path)
        print(f"{path}: ok ({program.id}, {len(program.drills)} drills)")
        note = hearing_note(program)
        if note:
            print(note)
    return 0


def warn_if_unheard(program: Program, grammar: Grammar) -> None:
    note = hearing_note(program, grammar)
    if note:
        print(f"voice-coach: {note}", file=sys.stderr)


def hearing_note(program: Program, grammar: Grammar | None = None) -> str:
    """One line naming what in the program the recogniser cannot hear (it has no
    pronunciation for a word); "" if everything can be said."""
    from voice_coach.content.intents import Grammar

    grammar = grammar or Grammar.load(program)
    if not grammar.unhearable:
        return ""
    words = sorted({w for unknown in grammar.unhearable.values() for w in unknown})
    names = sorted(grammar.unhearable, key=len)[:3]
    return (f"note: the recogniser cannot say {', '.join(repr(w) for w in words)}, so "
            f"{', '.join(repr(n) for n in names)} are understood typed only (say 'drill one' "
            "instead, or rename)")


def list_programs() -> int:
    """Every program that loads, one a line; each one that does not, one line on stderr."""
    own = user_programs()
    for pid, path in available_programs().items():
        try:
            program = load_user_program(path) if pid in own else load_program_file(path)
        except ProgramError as exc:
            print(f"voice-coach: {exc}", file=sys.stderr)
            continue
        where = "yours" if pid in own else "bundled"
        print(f"{pid}\t{program.title}\t{len(program.drills)} drills\t{where}")
    return 0


def show_program(program_id: str) -> None:
    program = load_program(program_id)
    print(f"{program.title} ({program.id})")
    for n, drill in enumerate(program.drills, start=1):
        print(f"  {n}. {drill.name}: {len(drill.steps)} steps, {len(drill.cues)} cues")


def new_program(program_id: str) -> Path:
    """Write a commented starter program under this id; never over an existing file."""
    if not ID_PATTERN.fullmatch(program_id):
        raise VoiceCoachError(f"'{program_id}' is not a program id: use lower-case letters, "
                              "digits and dashes, like my-legs")
    if program_id in bundled_programs():
        raise VoiceCoachError(f"'{program_id}' is a bundled program; pick another id")
    folder = user_programs_dir()
    path = folder / f"{program_id}.yaml"
    if path.exists() or program_id in user_programs():
        raise VoiceCoachError(f"{path} already exists; edit it, or pick another id")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as f:
            f.write(STARTER.format(id=program_id, path=path))
    except OSError as exc:
        raise VoiceCoachError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _required(value: str | None, message: str) -> str:
    if not value:
        raise VoiceCoachError(message)
    return value
