"""Settings, built once: defaults < config.toml < environment (VOICE_COACH_*) < command-line flags.

Every value remembers where it came from, so `voice-coach config` can say.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from voice_coach.asr import SPEECH_ENGINES, WAKE_WORDS
from voice_coach.errors import VoiceCoachError
from voice_coach.resources import user_config_path


class SettingsError(VoiceCoachError):
    """A bad setting; the message names the key and where it was set."""


@dataclass(frozen=True)
class Settings:
    program: str = "hip-hinge"
    engine: str = "auto"  # auto | vosk | pocketsphinx | text
    model: str = ""  # vosk model folder; empty = look in the usual places
    input_device: str = ""  # name or index; empty = system default
    output_device: str = ""
    voice: str = ""  # espeak-ng voice for the coach; empty = the TTS default
    rate: int = 165  # words per minute
    volume: float = 1.0  # 0.1 .. 2.0 software gain
    time_scale: float = 1.0
    denoise: bool = False  # noise suppression in front of the recogniser
    wake_word: str = ""  # "" = off; okay_nabu | hey_jarvis | alexa | hey_mycroft
    wake_window: float = 5.0  # seconds after the wake word in which commands count
    # remove the coach's own voice from the mic, so it can be talked over
    echo_cancel: bool = True


ENGINES = (*SPEECH_ENGINES, "text")  # "text": typed commands, no audio
DEFAULTS = Settings()
_TYPES = {f.name: type(getattr(DEFAULTS, f.name)) for f in fields(Settings)}


def config_path() -> Path:
    return user_config_path()


def _coerce(key: str, value: Any, where: str) -> Any:
    kind = _TYPES[key]
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return value.lower() in {"1", "true", "yes", "on"}
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if kind is str:
            return str(value)
        return kind(value)
    except (TypeError, ValueError):
        wanted = {bool: "true or false", int: "whole number", float: "number"}[kind]
        raise SettingsError(f"{where}: '{key}' must be a {wanted}, not {value!r}") from None


def _check(values: dict[str, Any], sources: dict[str, str]) -> None:
    if values["engine"] not in ENGINES:
        raise SettingsError(f"{sources['engine']}: 'engine' must be one of {', '.join(ENGINES)}")
    if not 80 <= values["rate"] <= 300:
        raise SettingsError(f"{sources['rate']}: 'rate' must be 80..300 words per minute")
    if not 0.1 <= values["volume"] <= 2.0:
        raise SettingsError(f"{sources['volume']}: 'volume' must be between 0.1 and 2.0")
    if values["wake_word"] and values["wake_word"] not in WAKE_WORDS:
        raise SettingsError(f"{sources['wake_word']}: 'wake_word' must be empty (off) or one of "
                            f"{', '.join(WAKE_WORDS)}")
    if not 1.0 <= values["wake_window"] <= 60.0:
        raise SettingsError(f"{sources['wake_window']}: 'wake_window' must be 1..60 seconds")
    if values["time_scale"] <= 0:
        raise SettingsError(f"{sources['time_scale']}: 'time_scale' must be positive")


def load_settings(flags: dict[str, Any] | None = None,
                  env: dict[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    """The effective settings and, per key, where its value came from."""
    env = dict(os.environ) if env is None else env
    values = {f.name: getattr(DEFAULTS, f.name) for f in fields(Settings)}
    sources = dict.fromkeys(values, "default")
    path = config_path()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise SettingsError(f"{path}: cannot read ({exc.strerror})") from None
        for key, value in data.items():
            if key not in values:
                raise SettingsError(f"{path}: unknown key '{key}' (known: {', '.join(values)})")
            values[key], sources[key] = _coerce(key, value, str(path)), str(path)
    for key in values:
        name = f"VOICE_COACH_{key.upper()}"
        if env.get(name):
            values[key], sources[key] = _coerce(key, env[name], f"${name}"), f"${name}"
    for key, value in (flags or {}).items():
        if value is not None and key in values:
            values[key], sources[key] = _coerce(key, value, f"--{key.replace('_', '-')}"), \
                f"--{key.replace('_', '-')}"
    _check(values, sources)
    return Settings(**values), sources


def device_arg(value: str) -> int | str | None:
    """A device setting as sounddevice wants it: None (default), an index, or a name."""
    return None if not value else int(value) if value.isdigit() else value
