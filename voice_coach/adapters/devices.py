"""Audio devices as sounddevice (PortAudio) sees them."""

from __future__ import annotations


class SpeakerError(Exception):
    """No audio output is possible at all (e.g. the PortAudio library is missing)."""


def load_sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # PortAudio not installed
        raise SpeakerError(f"audio output unavailable: {exc}") from exc
    return sounddevice


def list_devices() -> str:
    """A table of audio devices for `voice-coach devices`; `*` marks the defaults."""
    sd = load_sounddevice()
    default_in, default_out = sd.default.device
    hostapis = sd.query_hostapis()
    devices = sd.query_devices()
    if not len(devices):
        return "no audio devices found (is a USB mic/speaker plugged in? is pulseaudio running?)"
    lines = ["  #  in out  rate   name (host API)"]
    for d in devices:
        mark = "*" if d["index"] in (default_in, default_out) else " "
        lines.append(f"{mark}{d['index']:>2}  {d['max_input_channels']:>2}"
                     f" {d['max_output_channels']:>3}  {d['default_samplerate']:>5.0f}"
                     f"  {d['name']} ({hostapis[d['hostapi']]['name']})")
    return "\n".join(lines)
