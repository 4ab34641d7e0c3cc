"""Where the bundled data lives: inside the wheel, or beside the package in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the `intents/` or `audio/` folder, wherever this copy of the package keeps it."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"voice-coach data folder '{name}' is missing from the installation")


def intents_dir(language: str = "en") -> Path:
    return data_dir("intents") / language


def programs_dir() -> Path:
    return _PACKAGE / "programs"


def user_data_dir() -> Path:
    """The workout log and downloaded models (VOICE_COACH_DATA_DIR overrides)."""
    import os

    from platformdirs import user_data_dir as platform_data_dir

    return Path(os.environ.get("VOICE_COACH_DATA_DIR") or platform_data_dir("voice-coach"))
