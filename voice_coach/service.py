"""Run the coach at boot on a Raspberry Pi: a systemd *user* unit, installed and removed by us."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

UNIT_NAME = "voice-coach.service"
UNIT_TEMPLATE = """\
[Unit]
Description=voice-coach, an offline hands-free training coach
After=pipewire-pulse.service pulseaudio.service sound.target
Wants=sound.target

[Service]
Type=simple
ExecStart={exe} run --wait-for-audio
Restart=on-failure
RestartSec=5
TimeoutStopSec=5
KillSignal=SIGTERM
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=default.target
"""


class ServiceError(RuntimeError):
    """The service could not be installed or queried; one line for the user."""


def unit_text(exe: str | None = None) -> str:
    return UNIT_TEMPLATE.format(exe=exe or executable())


def executable() -> str:
    """The `voice-coach` launcher of this installation (the venv's, not whatever is on PATH)."""
    beside = Path(sys.executable).with_name("voice-coach")
    return str(beside) if beside.exists() else f"{sys.executable} -m voice_coach"


def unit_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user" / UNIT_NAME


def _systemctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemctl") is None:
        raise ServiceError("systemctl not found: the service needs systemd "
                           "(Raspberry Pi OS has it)")
    result = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise ServiceError(f"systemctl --user {' '.join(args)} failed: "
                           f"{reason[-1] if reason else result.returncode}")
    return result


def install(start: bool = True) -> str:
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(unit_text(), encoding="utf-8")
    _systemctl("daemon-reload")
    _systemctl("enable", *(["--now"] if start else []), UNIT_NAME)
    user = os.environ.get("USER", "pi")
    return (f"installed {path}\n"
            f"To start it at boot without logging in, run once: sudo loginctl enable-linger {user}")


def uninstall() -> str:
    path = unit_path()
    if path.exists():
        _systemctl("disable", "--now", UNIT_NAME, check=False)
        path.unlink()
        _systemctl("daemon-reload", check=False)
        return f"removed {path}"
    return "the service is not installed"


def status() -> str:
    result = _systemctl("status", "--no-pager", UNIT_NAME, check=False)
    return (result.stdout or result.stderr).strip() or "the service is not installed"
