"""Where things live: the bundled data (one lookup, wheel or source checkout) and the user's
folders (workout log, models, config)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """A bundled data folder: `intents`, `audio`, `programs` or `dict`.

    In the wheel all four sit in `voice_coach/data/`; in a source checkout `intents/` and
    `audio/` sit at the top of the repository.
    """
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"voice-coach data folder '{name}' is missing from the installation")


def intents_dir(language: str = "en") -> Path:
    return data_dir("intents") / language


@cache
def focus_tags(language: str = "en") -> frozenset[str]:
    """What a cue can be about: the values of the `focus` list in the intent templates, so a
    program's cue tags and what a trainee can ask for are one list."""
    import yaml

    lists = yaml.safe_load((intents_dir(language) / "lists.yaml").read_text(encoding="utf-8"))
    return frozenset(str(v["out"]) for v in lists["lists"]["focus"]["values"])


def user_config_path() -> Path:
    """config.toml (VOICE_COACH_CONFIG overrides)."""
    from platformdirs import user_config_dir

    return Path(os.environ.get("VOICE_COACH_CONFIG") or
                Path(user_config_dir("voice-coach")) / "config.toml")


def user_programs_dir() -> Path:
    """The trainee's own programs: `programs/` beside config.toml."""
    return user_config_path().parent / "programs"


def user_data_dir() -> Path:
    """The workout log and downloaded models (VOICE_COACH_DATA_DIR overrides)."""
    from platformdirs import user_data_dir as platform_data_dir

    return Path(os.environ.get("VOICE_COACH_DATA_DIR") or platform_data_dir("voice-coach"))
