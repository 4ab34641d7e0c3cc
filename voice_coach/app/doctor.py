"""`voice-coach doctor`: check everything the coach needs, each with the exact fix."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_coach.app.settings import Settings, device_arg
from voice_coach.pcm import SAMPLE_RATE

MIN_FREE_MB = 200
SILENT_RMS = 3.0  # int16 RMS below this over a second: the mic is muted or unplugged
MIN_ERLE_DB = 15.0  # a canceller removing less than this leaves the coach's voice audible


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _audio_failure(name: str, exc: Exception, kind: str, plug_in: str) -> Check:
    from voice_coach.adapters.devices import NO_AUDIO, START_AUDIO, audio_problem

    reason = audio_problem(exc, kind)
    if reason == NO_AUDIO:
        return Check(name, False, reason, f"{START_AUDIO} or plug in {plug_in}")
    return Check(name, False, reason, f"plug in {plug_in}, then `voice-coach devices` and set "
                 f"{kind}_device in config.toml")


def check_output(settings: Settings) -> Check:
    try:
        import sounddevice as sd

        info = sd.query_devices(device_arg(settings.output_device), "output")
        return Check("audio output", True, str(info["name"]))
    except OSError as exc:  # the PortAudio library itself is missing
        return Check("audio output", False, f"PortAudio cannot be loaded ({exc})",
                     "sudo apt install libportaudio2")
    except Exception as exc:
        return _audio_failure("audio output", exc, "output", "a USB or Bluetooth speaker")


def check_input(settings: Settings) -> Check:
    try:
        import sounddevice as sd

        device = device_arg(settings.input_device)
        info = sd.query_devices(device, "input")
        rate = SAMPLE_RATE
        try:
            sd.check_input_settings(device=device, samplerate=rate, channels=1, dtype="int16")
        except Exception:
            rate = int(info["default_samplerate"])
        audio = sd.rec(rate, samplerate=rate, channels=1, dtype="int16", device=device,
                       blocking=True)
        rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    except OSError as exc:
        return Check("microphone", False, f"PortAudio cannot be loaded ({exc})",
                     "sudo apt install libportaudio2")
    except Exception as exc:
        return _audio_failure("microphone", exc, "input", "a USB mic")
    if rms < SILENT_RMS:
        return Check("microphone", False, f"{info['name']}: silent (RMS {rms:.1f})",
                     "unmute it: `alsamixer` (F4 for capture) or `pactl set-source-mute "
                     "@DEFAULT_SOURCE@ 0`")
    return Check("microphone", True, f"{info['name']} (RMS {rms:.0f} over one second)")


def check_tts(settings: Settings) -> Check:
    from voice_coach.adapters.tts import Pyttsx3Synthesizer, TTSError

    try:
        with Pyttsx3Synthesizer() as synth:
            samples = synth.render("ready", rate=settings.rate, voice=settings.voice or "en-us")
    except TTSError as exc:
        return Check("speech (pyttsx3 + espeak-ng)", False, str(exc),
                     "sudo apt install espeak-ng libespeak-ng1")
    if not len(samples):
        return Check("speech (pyttsx3 + espeak-ng)", False, "rendered nothing",
                     "sudo apt install --reinstall espeak-ng")
    return Check("speech (pyttsx3 + espeak-ng)", True, f"{len(samples) / 22050:.2f} s rendered")


def check_engine(settings: Settings) -> Check:
    from voice_coach.asr.vosk_engine import find_vosk_model

    model = find_vosk_model(settings.model or None)
    if settings.engine == "vosk" and model is None:
        return Check("speech recogniser", False, "engine is vosk but no model was found",
                     "voice-coach model download   (or --model DIR / VOSK_MODEL_PATH)")
    if model is not None and settings.engine in ("auto", "vosk"):
        return Check("speech recogniser", True, f"vosk, model {model}")
    try:
        import pocketsphinx

        model_dir = Path(pocketsphinx.get_model_path()) / "en-us"
        ok = model_dir.is_dir()
    except Exception as exc:
        return Check("speech recogniser", False, f"pocketsphinx: {exc}",
                     "reinstall: make run (or pip install pocketsphinx)")
    return Check("speech recogniser", ok, f"pocketsphinx, bundled model {model_dir}",
                 "" if ok else "pip install --force-reinstall pocketsphinx")


def check_wake_word(settings: Settings) -> Check:
    from voice_coach.asr.wakeword import INSTALL, WakeWordDetector, WakeWordError

    if not settings.wake_word:
        return Check("wake word", True, "off: every command counts (set wake_word in config.toml "
                     "for busy rooms)")
    try:
        detector = WakeWordDetector(settings.wake_word)
    except WakeWordError as exc:
        return Check("wake word", False, str(exc), f".venv/bin/{INSTALL}")
    detector.close()
    return Check("wake word", True, f"on: say '{detector.phrase}', then a command within "
                 f"{settings.wake_window:g} s (stop and pause work without it while the coach "
                 "talks)")


def check_echo(settings: Settings) -> Check:
    """Whether the coach can be talked over, and how much of its voice the canceller removes
    on a simulated room (its own figure at run time is printed when `run` ends)."""
    from voice_coach.adapters.echo import INSTALL, EchoError, self_test

    name = "echo cancellation"
    if not settings.echo_cancel:
        return Check(name, True, "off: while the coach talks only stop, pause and quieter are "
                     "heard (echo_cancel = true in config.toml turns it on)")
    try:
        erle = self_test()
    except EchoError as exc:
        return Check(name, False, str(exc), f".venv/bin/{INSTALL}")
    from voice_coach.adapters import speexdsp

    look = "" if speexdsp.available() else (
        "; without libspeexdsp, commands said over the coach are heard worse "
        "(sudo apt install libspeexdsp1)")
    return Check(name, erle >= MIN_ERLE_DB, f"on (in-process WebRTC canceller): removes "
                 f"{erle:.0f} dB of the coach's voice on a simulated room echo (self-test)"
                 f"{look}",
                 "" if erle >= MIN_ERLE_DB else f".venv/bin/{INSTALL} --force-reinstall")


def check_enrolment() -> Check:
    from voice_coach.app.enroll import enrolment_state

    ok, detail = enrolment_state()
    return Check("voice enrolment", ok, detail, "" if ok else "voice-coach enroll --forget")


def check_dir(name: str, path: Path) -> Check:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        return Check(f"{name} folder", False, f"{path}: {exc.strerror}",
                     f"make it writable: sudo chown -R $USER {path}")
    free_mb = shutil.disk_usage(path).free / 1e6
    if free_mb < MIN_FREE_MB:
        return Check(f"{name} folder", False, f"{path}: only {free_mb:.0f} MB free",
                     "free some disk space (journalctl --vacuum-size=50M, apt clean)")
    return Check(f"{name} folder", True, f"{path} ({free_mb / 1000:.1f} GB free)")


def run_checks(settings: Settings) -> list[Check]:
    from platformdirs import user_cache_dir

    from voice_coach.resources import user_data_dir

    checks: list[Callable[[], Check]] = [
        lambda: check_output(settings), lambda: check_input(settings),
        lambda: check_tts(settings), lambda: check_engine(settings),
        lambda: check_wake_word(settings), lambda: check_echo(settings), check_enrolment,
        lambda: check_dir("data", user_data_dir()),
        lambda: check_dir("cache", Path(user_cache_dir("voice-coach"))),
    ]
    return [check() for check in checks]
