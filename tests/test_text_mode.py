"""`voice-coach run --text` and `parse` as a user runs them: real processes, real stdin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
from children import read_until

ROOT = Path(__file__).resolve().parent.parent


def start_coach(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "voice_coach", "run", "--text", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def talk(proc: subprocess.Popen[str], lines: list[tuple[str, float]]) -> tuple[str, str]:
    assert proc.stdin
    for line, pause in lines:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        time.sleep(pause)
    out, err = proc.communicate(timeout=30)
    return out, err


def test_text_session_with_rest_timer_and_clean_eof() -> None:
    proc = start_coach("--time-scale", "60")
    assert proc.stdin and proc.stdout
    seen: list[str] = []

    def type_after(wanted: str, *typed: str) -> None:
        """Like a person: read until the coach has said `wanted`, then type."""
        while not any(wanted in line for line in seen):
            line = proc.stdout.readline()
            assert line, f"the coach ended before saying {wanted!r}: {seen}"
            seen.append(line.rstrip("\n"))
        for text in typed:
            proc.stdin.write(text + "\n")
            proc.stdin.flush()

    type_after("Step one", "what's the cue?", "go")
    type_after("Say done when you finish", "done")
    type_after("Rest over", "how long left", "blah blah blah")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = seen + out.splitlines()
    assert lines[0] == "[sound start]"
    assert lines[1].startswith("coach: Welcome")
    assert "coach: Set one of three. Ten reps. Say done when you finish." in lines
    assert "coach: Nice work. Rest forty five seconds." in lines
    countdown = [line for line in lines if line in ("coach: Three.", "coach: Two.", "coach: One.")]
    assert countdown == ["coach: Three.", "coach: Two.", "coach: One."]
    assert "[timer rest]" in lines
    assert any(line.startswith("coach: Rest over. Set two of three") for line in lines)
    assert "coach: Sorry, I didn't catch that. Say help to hear what I understand." in lines
    assert err == ""


def test_walks_all_seven_drills_by_voice_commands() -> None:
    proc = start_coach("--time-scale", "1000")
    script = [("next drill", 0.05)] * 6 + [("go", 0.05), ("stop", 0.05), ("end workout", 0.05),
                                           ("yes", 0.3)]
    out, _ = talk(proc, script)
    assert proc.returncode == 0
    for n in ("two", "three", "four", "five", "six", "seven"):
        assert f"coach: Drill {n} of seven:" in out
    assert "[quiet]" in out
    assert "That's it for today: no sets this time" in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_rest_exits_quietly_within_a_second_with_progress_kept(sig: int) -> None:
    proc = start_coach()
    assert proc.stdin
    proc.stdin.write("go\ndone\n")
    proc.stdin.flush()
    said = read_until(proc, "Rest forty five seconds")
    time.sleep(1.0)  # the state is saved just after the line is printed
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=5)
    took = time.monotonic() - sent
    assert "Rest forty five seconds" in said + out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert proc.returncode in (0, 130, 143) and took < 1.0
    again = start_coach()
    out, _ = again.communicate("", timeout=30)
    assert "Welcome back. You were on the tall-kneeling hip hinge, set two of three" in out


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [("next drill", "next_drill", {}), ("Drill 4!", "goto_drill", {"drill": "wall-tap-hip-hinge"}),
     ("what a nice day", None, {})],
)
def test_parse_json_contract(text: str, intent: str | None, slots: dict) -> None:
    result = subprocess.run([sys.executable, "-m", "voice_coach", "parse", text, "--json"],
                            capture_output=True, text=True, timeout=60)
    data = json.loads(result.stdout)
    assert set(data) == {"text", "intent", "slots", "confidence"}
    assert (data["text"], data["intent"], data["slots"]) == (text, intent, slots)
    assert data["confidence"] == (1.0 if intent else 0.0)


def test_unknown_subcommand_is_one_clear_line() -> None:
    result = subprocess.run([sys.executable, "-m", "voice_coach", "dance"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "invalid choice: 'dance'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_wheel_ships_intents_and_runs_outside_the_repo(tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh venv, run `parse` from an unrelated folder."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Dependencies come from this environment (appended to sys.path, after the wheel's own copy).
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(env_dir / "bin" / "voice-coach"), "parse", "next drill",
                             "--json"], cwd=elsewhere, capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "next_drill"
    located = subprocess.run([str(py), "-c", "import voice_coach.resources as p; "
                              "print(p.data_dir('intents'))"], cwd=elsewhere, capture_output=True,
                             text=True, env=env, timeout=60)
    assert str(env_dir) in located.stdout
