"""Settings: defaults < config.toml < environment < flags, with clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.app.settings import SettingsError, load_settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("VOICE_COACH_CONFIG", str(path))
    return path


def test_layers_and_sources(config: Path) -> None:
    config.write_text('rate = 150\nengine = "pocketsphinx"\nvolume = 0.5\n')
    settings, sources = load_settings({"volume": 0.8, "program": None},
                                      env={"VOICE_COACH_RATE": "180"})
    assert (settings.rate, settings.engine, settings.volume) == (180, "pocketsphinx", 0.8)
    assert sources["rate"] == "$VOICE_COACH_RATE"
    assert sources["engine"] == str(config)
    assert sources["volume"] == "--volume"
    assert sources["program"] == "default"


@pytest.mark.parametrize(("toml", "message"), [
    ("colour = 1\n", "unknown key 'colour'"),
    ("rate = 'fast'\n", "'rate' must be a whole number"),
    ("engine = 'siri'\n", "'engine' must be one of auto, pocketsphinx, vosk, text"),
    ("volume = 9\n", "'volume' must be between 0.1 and 2.0"),
    ("rate = [\n", "not valid TOML"),
    ("denoise = 'maybe'\n", "'denoise' must be a true or false"),
    ("wake_word = 'hey siri'\n", "'wake_word' must be empty (off) or one of okay_nabu, "),
    ("wake_window = 0\n", "'wake_window' must be 1..60 seconds"),
])
def test_bad_config_names_file_and_key(config: Path, toml: str, message: str) -> None:
    config.write_text(toml)
    with pytest.raises(SettingsError) as err:
        load_settings(env={})
    assert str(config) in str(err.value) and message in str(err.value)


def test_config_command_shows_sources(config: Path) -> None:
    config.write_text("rate = 140\n")
    shown = subprocess.run([sys.executable, "-m", "voice_coach", "config"], capture_output=True,
                           text=True, timeout=30)
    assert f"rate          = 140                      ({config})" in shown.stdout
    config.write_text("rate = 'x'\n")
    bad = subprocess.run([sys.executable, "-m", "voice_coach", "run", "--text"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "'rate' must be a whole number" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_wake_word_is_off_by_default_and_shown_by_config(config: Path) -> None:
    settings, sources = load_settings(env={})
    assert (settings.wake_word, settings.wake_window, sources["wake_word"]) == ("", 5.0, "default")
    config.write_text("wake_word = 'okay_nabu'\nwake_window = 4\n")
    settings, _ = load_settings({"wake_window": 6.5}, env={})
    assert (settings.wake_word, settings.wake_window) == ("okay_nabu", 6.5)
    off, sources = load_settings({"wake_word": ""}, env={})
    assert off.wake_word == "" and sources["wake_word"] == "--wake-word"
    shown = subprocess.run([sys.executable, "-m", "voice_coach", "config"], capture_output=True,
                           text=True, timeout=30)
    assert f"wake_word     = 'okay_nabu'              ({config})" in shown.stdout
    assert f"wake_window   = 4.0                      ({config})" in shown.stdout
