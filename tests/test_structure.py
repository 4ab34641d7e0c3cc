"""The shape of the code: a pure core, one intent table, saved state that stays readable."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import voice_coach.core
from voice_coach.content.intents import Grammar, IntentsError, check_handlers
from voice_coach.content.programs import load_program
from voice_coach.core.coach import Coach
from voice_coach.core.events import Heard, Intent, Say, Started, StartTimer
from voice_coach.core.state import Pending, Phase, TimerKind

CORE = Path(voice_coach.core.__file__).parent
PROGRAM = load_program("hip-hinge")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_itself_and_the_standard_library(module: Path) -> None:
    for name in _imports(module):
        top = name.split(".")[0]
        if top == "voice_coach":
            assert name.startswith("voice_coach.core"), f"{module.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top == "__future__", \
                f"{module.name} imports {name}"


def test_importing_the_core_loads_nothing_else() -> None:
    code = ("import sys, voice_coach.core.coach, voice_coach.core.lines; "
            "print(sorted(m for m in sys.modules if m.startswith('voice_coach') "
            "or m in ('yaml', 'numpy', 'hassil', 'sounddevice', 'threading')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(ast.literal_eval(out))
    assert all(m.startswith("voice_coach.core") or m == "voice_coach" for m in loaded
               if m.startswith("voice_coach")), loaded
    assert not loaded & {"yaml", "numpy", "hassil", "sounddevice"}, loaded


def test_every_template_intent_has_a_handler_and_every_handler_an_intent() -> None:
    check_handlers(Grammar.load(PROGRAM), Coach(PROGRAM).handlers)


def test_a_template_intent_without_a_handler_fails_loudly(tmp_path: Path) -> None:
    grammar = Grammar.load(PROGRAM)
    with pytest.raises(IntentsError, match="intent 'cue' has no handler"):
        check_handlers(grammar, set(Coach(PROGRAM).handlers) - {"cue"})
    with pytest.raises(IntentsError, match="the coach handles 'dance' but no template says it"):
        check_handlers(grammar, {*Coach(PROGRAM).handlers, "dance"})


def test_an_unknown_intent_is_an_error_not_an_apology() -> None:
    coach = Coach(PROGRAM)
    coach.handle(Started(0.0))
    with pytest.raises(ValueError, match="no handler for intent 'dance'"):
        coach.handle(Heard(Intent("dance"), 1.0))


def test_state_saved_by_release_0_1_0_is_restored() -> None:
    saved = json.loads((Path(__file__).parent / "data" / "saved-state-0.1.0.json").read_text())
    coach = Coach(PROGRAM, saved)
    said = [c.text for c in coach.handle(Started(0.0)) if isinstance(c, Say)]
    assert said == ["Welcome back. You were on the standing handcuff hip hinge, set three of "
                    "three. Say resume to carry on, or no to start over."]
    assert coach.state.phase is Phase.REST and coach.state.pending is Pending.RESUME
    assert coach.state.timer is not None and coach.state.timer.kind is TimerKind.REST
    commands = coach.handle(Heard(Intent("resume"), 1.0))
    assert commands[0] == Say("Carrying on. Thirty seconds left in rest.")
    assert StartTimer("rest", 30.0) in commands and StartTimer("rest:3", 27.0) in commands
    # and it is written back in the same readable form
    again = coach.snapshot(2.0)
    assert again["phase"] == "rest" and again["timer"]["kind"] == "rest"
    assert json.loads(json.dumps(again)) == again
