"""Audio devices as sounddevice (PortAudio) sees them, and PortAudio's errors in plain words."""

from __future__ import annotations

import re

from voice_coach.errors import VoiceCoachError

NO_AUDIO = "no sound server or audio device"
START_AUDIO = "start PulseAudio/PipeWire"


class SpeakerError(VoiceCoachError):
    """No audio output is possible at all (e.g. the PortAudio library is missing)."""


class NoDevicesError(SpeakerError):
    """PortAudio sees no audio device: no sound server is running and no card is present."""


def load_sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # PortAudio not installed
        raise SpeakerError(f"audio output unavailable: {exc}") from exc
    return sounddevice


def device_count() -> int:
    """How many audio devices PortAudio sees (0 when it cannot even be loaded)."""
    try:
        return len(load_sounddevice().query_devices())
    except Exception:
        return 0


def audio_problem(exc: Exception, kind: str) -> str:
    """What went wrong with the `kind` ("input" or "output") device, without PortAudio jargon."""
    if isinstance(exc, SpeakerError):
        return str(exc)
    if device_count() == 0:
        return NO_AUDIO
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "querying device -1" in text:  # PortAudio's way of saying "there is no default one"
        return f"no default {kind} device"
    text = re.sub(r"\s*\[PaErrorCode -?\d+\]", "", text)  # "Device unavailable [PaErrorCode ..]"
    return text[:1].lower() + text[1:]


def check_device(device: int | str | None, kind: str) -> None:
    """Raise SpeakerError (one line, plain words) unless the `kind` device can be found."""
    sd = load_sounddevice()
    try:
        sd.query_devices(device, kind)
    except Exception as exc:
        problem = audio_problem(exc, kind)
        fix = f": {START_AUDIO} or plug one in" if problem == NO_AUDIO else ""
        raise SpeakerError(f"no {kind} device to play on ({problem}){fix}") from None


def list_devices() -> str:
    """A table of audio devices for `voice-coach devices`; `*` marks the defaults."""
    sd = load_sounddevice()
    default_in, default_out = sd.default.device
    hostapis = sd.query_hostapis()
    devices = sd.query_devices()
    if not len(devices):
        raise NoDevicesError(f"no audio devices found ({NO_AUDIO}): {START_AUDIO}, "
                             "or plug in a USB mic and speaker")
    lines = ["  #  in out  rate   name (host API)"]
    for d in devices:
        mark = "*" if d["index"] in (default_in, default_out) else " "
        lines.append(f"{mark}{d['index']:>2}  {d['max_input_channels']:>2}"
                     f" {d['max_output_channels']:>3}  {d['default_samplerate']:>5.0f}"
                     f"  {d['name']} ({hostapis[d['hostapi']]['name']})")
    return "\n".join(lines)
