"""The README's command list names every command the CLI has."""

from __future__ import annotations

import argparse
from pathlib import Path

from voice_coach.app.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_every_command() -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    listing = README.read_text(encoding="utf-8").split("## Commands", 1)[1].split("```")[1]
    missing = [name for name in sub.choices if f"voice-coach {name}" not in listing]
    assert not missing, f"README's command list leaves out: {missing}"
