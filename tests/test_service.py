"""The systemd user unit that starts the coach at boot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach.app import service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_unit_file_verifies(tmp_path: Path) -> None:
    unit = tmp_path / service.UNIT_NAME
    unit.write_text(service.unit_text())
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    complaints = [line for line in result.stderr.splitlines() if unit.name in line]
    assert result.returncode == 0 and complaints == [], result.stderr


def test_unit_runs_this_installation_and_restarts_on_failure() -> None:
    text = service.unit_text()
    exe = text.split("ExecStart=")[1].split()[0]
    assert Path(exe).exists() and exe.startswith(str(Path(sys.executable).parent))
    assert "run --wait-for-audio" in text
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text


def test_install_without_a_user_manager_is_one_clear_line(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "voice_coach", "service", "install"],
                            capture_output=True, text=True, env=env, timeout=60)
    if result.returncode == 0:  # a real user manager answered: undo it
        subprocess.run([sys.executable, "-m", "voice_coach", "service", "uninstall"], env=env,
                       capture_output=True, timeout=60)
        pytest.skip("a systemd user manager is running here; install worked")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "systemctl" in result.stderr
    assert (tmp_path / "systemd" / "user" / service.UNIT_NAME).exists()
