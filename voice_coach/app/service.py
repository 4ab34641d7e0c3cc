"""Run the coach at boot on a Raspberry Pi: a systemd *user* unit, installed and removed by us."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

from voice_coach.errors import VoiceCoachError

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


class ServiceError(VoiceCoachError):
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


def _user_env() -> dict[str, str]:
    """The environment for `systemctl --user`: find this user's manager even under `sudo -u`."""
    env = dict(os.environ)
    runtime = Path(f"/run/user/{os.getuid()}")
    if not env.get("XDG_RUNTIME_DIR") and (runtime / "bus").exists():
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def _no_manager(detail: str) -> ServiceError:
    user = os.environ.get("USER") or getpass.getuser()
    return ServiceError(f"no systemd user session (systemctl --user: {detail}): log in as {user} "
                        f"directly (not with su or sudo), or run `sudo loginctl enable-linger "
                        f"{user}` and try again")


def _systemctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemctl") is None:
        raise ServiceError("systemctl not found: the service needs systemd "
                           "(Raspberry Pi OS has it)")
    try:
        result = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True,
                                env=_user_env(), timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"systemctl --user {args[0]} did not run ({exc})") from None
    lines = (result.stderr or result.stdout).strip().splitlines()
    if result.returncode != 0 and any("Failed to connect to bus" in line for line in lines):
        raise _no_manager(next(line for line in lines if "Failed to connect to bus" in line))
    if check and result.returncode != 0:
        raise ServiceError(f"systemctl --user {' '.join(args)} failed: "
                           f"{lines[-1] if lines else f'exit code {result.returncode}'}")
    return result


def install(start: bool = True) -> str:
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(unit_text(), encoding="utf-8")
    _systemctl("daemon-reload")
    _systemctl("enable", *(["--now"] if start else []), UNIT_NAME)
    user = os.environ.get("USER") or getpass.getuser()
    return (f"installed {path}\n"
            f"To start it at boot without logging in, run once: sudo loginctl enable-linger {user}")


def uninstall() -> str:
    """Disable (works without a running manager), remove the unit, then stop what runs."""
    path = unit_path()
    if not path.exists():
        return "the service is not installed"
    _systemctl("disable", UNIT_NAME)
    path.unlink()
    try:
        _systemctl("stop", UNIT_NAME, check=False)
        _systemctl("daemon-reload", check=False)
    except ServiceError:  # no user manager for this user: nothing of ours can be running
        pass
    return f"removed {path}"


def status() -> str:
    """`systemctl status` of the unit; "not installed" is an answer, no manager is an error."""
    if not unit_path().exists():
        return "the service is not installed (voice-coach service install)"
    result = _systemctl("status", "--no-pager", UNIT_NAME, check=False)
    if result.returncode not in (0, 3):  # 3: installed but not running
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise ServiceError(f"systemctl --user status failed: "
                           f"{lines[-1] if lines else f'exit code {result.returncode}'}")
    return result.stdout.strip()
