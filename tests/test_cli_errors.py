"""Failures a user meets on a real machine: each is one plain line on stderr and exit code 2.

No sound server (a private, empty PulseAudio runtime folder), no systemd user bus (the real
systemctl here, or a stand-in for systemd that fails the same way), no network (a proxy on a
closed local port).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.app import service
from voice_coach.asr.vosk_engine import _download_problem

RAW = ("Traceback", "Error querying device", "PaErrorCode", "ConnectionError", "HTTPSConnection")


def voice_coach(*args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], capture_output=True,
                          text=True, env=env or dict(os.environ), timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("voice-coach: "), result.stderr
    assert not any(raw in result.stdout + result.stderr for raw in RAW)
    return lines[0]


# ---- no sound server


def _alsa_cards() -> bool:
    try:
        return "no soundcards" not in Path("/proc/asound/cards").read_text()
    except OSError:
        return False


@pytest.fixture
def no_sound_server(tmp_path: Path) -> dict[str, str]:
    """An environment whose PulseAudio clients look in an empty folder and never spawn one."""
    if _alsa_cards():
        pytest.skip("this machine has sound cards: PortAudio would list them")
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    client = tmp_path / "client.conf"
    client.write_text("autospawn = no\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(PULSE_RUNTIME_PATH=str(runtime), PULSE_SERVER=f"unix:{runtime / 'native'}",
               PULSE_CLIENTCONFIG=str(client))
    return env


def test_devices_without_any_audio_device_fails_in_one_line(
        no_sound_server: dict[str, str]) -> None:
    line = one_line_error(voice_coach("devices", env=no_sound_server))
    assert "no sound server or audio device" in line and "start PulseAudio/PipeWire" in line


def test_doctor_without_a_sound_server_says_why_and_how_to_fix_it(
        no_sound_server: dict[str, str]) -> None:
    result = voice_coach("doctor", env=no_sound_server)
    assert one_line_error(result) == "voice-coach: 2 of 9 checks failed: audio output, microphone"
    lines = result.stdout.splitlines()
    assert len(lines) == 9  # one line per check, fix included
    output, mic = (next(x for x in lines if name in x) for name in ("audio output", "microphone"))
    assert output.startswith("✗ audio output: no sound server or audio device; fix: start "
                             "PulseAudio/PipeWire or plug in a USB or Bluetooth speaker")
    assert mic.startswith("✗ microphone: no sound server or audio device; fix: start "
                          "PulseAudio/PipeWire or plug in a USB mic")
    assert sum(x.startswith("✓") for x in lines) == 7


def test_say_without_a_sound_server_fails_in_one_line(no_sound_server: dict[str, str]) -> None:
    line = one_line_error(voice_coach("say", "hello", env=no_sound_server))
    assert line.startswith("voice-coach: no output device to play on (no sound server or audio "
                           "device): start PulseAudio/PipeWire")


def test_demo_into_a_folder_that_cannot_exist_fails_in_one_line() -> None:
    line = one_line_error(voice_coach("demo", "--out", "/proc/version/demo"))
    assert line == "voice-coach: cannot write /proc/version/demo: Not a directory"


def test_history_of_a_damaged_log_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "workouts.sqlite").write_text("not a database, a shopping list\n" * 100)
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path)}
    line = one_line_error(voice_coach("history", env=env))
    assert line == (f"voice-coach: cannot read the workout log {tmp_path / 'workouts.sqlite'} "
                    "(file is not a database)")


# ---- no systemd user bus


def fake_systemctl(tmp_path: Path, stderr: str, code: int = 1) -> dict[str, str]:
    """PATH with a `systemctl` that answers every call like systemd does without a user bus."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "systemctl"
    exe.write_text(f"#!/bin/sh\necho '{stderr}' >&2\nexit {code}\n")
    exe.chmod(0o755)
    return {**service_env(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin"}


def service_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")}
    return {**env, "XDG_CONFIG_HOME": str(tmp_path / "config"), "USER": "pi"}


def write_unit(tmp_path: Path) -> Path:
    unit = tmp_path / "config" / "systemd" / "user" / service.UNIT_NAME
    unit.parent.mkdir(parents=True)
    unit.write_text(service.unit_text())
    return unit


NO_BUS = "Failed to connect to bus: No medium found"


def test_status_without_a_user_bus_fails_in_one_line(tmp_path: Path) -> None:
    write_unit(tmp_path)
    line = one_line_error(voice_coach("service", "status",
                                      env=fake_systemctl(tmp_path, NO_BUS)))
    assert line == (f"voice-coach: no systemd user session (systemctl --user: {NO_BUS}): log in "
                    "as pi directly (not with su or sudo), or run `sudo loginctl enable-linger "
                    "pi` and try again")


def test_status_with_the_real_systemctl_and_no_user_bus(tmp_path: Path) -> None:
    write_unit(tmp_path)
    result = voice_coach("service", "status", env=service_env(tmp_path))
    if result.returncode == 0:
        pytest.skip("a systemd user manager answers here")
    assert "no systemd user session" in one_line_error(result)


def test_status_of_a_service_never_installed_is_an_answer(tmp_path: Path) -> None:
    result = voice_coach("service", "status", env=fake_systemctl(tmp_path, NO_BUS))
    assert result.returncode == 0 and "not installed" in result.stdout


def test_install_refused_by_systemd_fails_in_one_line(tmp_path: Path) -> None:
    env = fake_systemctl(tmp_path, "Failed to reload daemon: Access denied")
    line = one_line_error(voice_coach("service", "install", env=env))
    assert line == ("voice-coach: systemctl --user daemon-reload failed: "
                    "Failed to reload daemon: Access denied")


def test_install_into_a_read_only_folder_fails_in_one_line(tmp_path: Path) -> None:
    env = {**fake_systemctl(tmp_path, "", 0), "XDG_CONFIG_HOME": "/proc/version"}
    line = one_line_error(voice_coach("service", "install", env=env))
    assert line.startswith("voice-coach: cannot write /proc/version/systemd")


def test_uninstall_that_cannot_disable_keeps_the_unit_and_fails_in_one_line(
        tmp_path: Path) -> None:
    unit = write_unit(tmp_path)
    env = fake_systemctl(tmp_path, "Failed to disable unit: Access denied")
    assert "Access denied" in one_line_error(voice_coach("service", "uninstall", env=env))
    assert unit.exists()


def test_uninstall_without_a_user_bus_still_removes_the_unit(tmp_path: Path) -> None:
    unit = write_unit(tmp_path)
    result = voice_coach("service", "uninstall", env=service_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"removed {unit}" and not unit.exists()


# ---- no network


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_model_download_offline_fails_in_one_line(tmp_path: Path) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"  # nothing listens: as good as no network
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("no_proxy", "https_proxy", "http_proxy", "all_proxy")
           and k != "VOSK_MODEL_PATH"}
    env.update(HOME=str(tmp_path), HTTPS_PROXY=proxy, HTTP_PROXY=proxy)  # no cached model
    line = one_line_error(voice_coach("model", "download", env=env))
    assert line == ("voice-coach: no network: cannot download the vosk model for 'en-us' "
                    "(alphacephei.com is not reachable); connect the Pi to a network and run it "
                    "again, or copy a model folder and pass --model DIR")


@pytest.mark.parametrize(("error", "said"), [
    (TimeoutError("timed out"), "no network"),
    (OSError(28, "No space left on device", "/home/pi/.cache/vosk/m.zip"),
     "cannot save the vosk model (/home/pi/.cache/vosk/m.zip: No space left on device)"),
    (ValueError("Expecting value: line 1 column 1"), "did not send the model list"),
])
def test_download_failures_in_plain_words(error: Exception, said: str) -> None:
    assert said in _download_problem(error, "en-us")
