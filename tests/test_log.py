"""Workout log and crash-safe resume, with real processes killed for real."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from children import read_until
from harness import Session

from voice_coach.adapters.workout_log import WorkoutLog
from voice_coach.content.programs import load_program
from voice_coach.core.coach import Coach
from voice_coach.core.events import Heard, Intent, Started
from voice_coach.core.state import Phase

PROGRAM = load_program("hip-hinge")


def coach_process(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "voice_coach", "run", "--text", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def send(proc: subprocess.Popen[str], *lines: str, pause: float = 0.4) -> None:
    assert proc.stdin
    for line in lines:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        time.sleep(pause)


def test_kill_9_mid_rest_then_resume_where_you_were(tmp_path: Path) -> None:
    first = coach_process(tmp_path)
    send(first, "drill four", "go", "done", "go", "done")  # two sets of wall taps, now resting
    read_until(first, " Rest ", count=2)
    time.sleep(1.0)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=5)

    second = coach_process(tmp_path)
    send(second, "resume", "how long left")
    out, err = second.communicate(timeout=10)
    assert "coach: Welcome back. You were on the wall tap hip hinge, set three of three." in out
    carrying = next(line for line in out.splitlines() if line.startswith("coach: Carrying on."))
    assert "left in rest." in carrying
    left = [line for line in out.splitlines() if "left in rest." in line]
    assert len(left) == 2 and err == ""

    log = WorkoutLog(tmp_path / "workouts.sqlite")
    first_session = log.history()[-1]
    assert first_session.sets == 2 and first_session.drills == 1


def test_saying_no_starts_over(tmp_path: Path) -> None:
    first = coach_process(tmp_path)
    send(first, "drill five", "go", "done")
    read_until(first, " Rest ")
    time.sleep(1.0)  # the state is saved just after the line is printed
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=5)
    second = coach_process(tmp_path)
    send(second, "no")
    out, _ = second.communicate(timeout=10)
    assert "Welcome back. You were on the glute bridge to cat-cow" in out
    assert "coach: Drill one of seven:" in out


def test_finished_workout_leaves_nothing_to_resume(tmp_path: Path) -> None:
    first = coach_process(tmp_path)
    send(first, "end workout", "yes")
    first.communicate(timeout=10)
    second = coach_process(tmp_path)
    out, _ = second.communicate(input="", timeout=10)
    assert "Welcome back" not in out and "coach: Welcome to" in out


def test_read_only_log_dir_warns_once_and_coaches_on(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        data = Path("/proc/version/voice-coach")  # not creatable even for root
    else:
        data = tmp_path / "ro"
        data.mkdir(mode=0o500)
    proc = coach_process(data, "--time-scale", "60")
    send(proc, "go", "done", pause=0.3)
    out, err = proc.communicate(timeout=10)
    assert "Rest forty five seconds" in out
    assert err.count("workout log unavailable") == 1
    assert "Traceback" not in err


def test_full_disk_warns_once_coaches_on_and_logging_resumes_when_space_returns(
        tmp_path: Path) -> None:
    """The kernel refuses writes past a file-size limit (EFBIG): to SQLite, a full disk."""
    small = 48_000

    def tiny_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (small, resource.RLIM_INFINITY))

    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "voice_coach", "run", "--text",
                             "--time-scale", "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=tiny_files)
    send(proc, "go", "done", "what's the cue", "go", "done", "go", "done", "next drill",
         "go", "done", pause=0.3)
    unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, unlimited)  # space comes back
    send(proc, "drill four", "go", "done", pause=0.3)
    out, err = proc.communicate(timeout=10)

    assert proc.returncode == 0 and "Traceback" not in err
    assert err.count("workout log unavailable") == 1
    assert err.index("workout log unavailable") < err.index("workout log is writable again")
    assert out.count("coach: Nice work.") == 5  # every set was coached, full disk or not
    latest = WorkoutLog(tmp_path / "workouts.sqlite").history()[0]
    assert latest.sets >= 1  # the set after the recovery is on record
    resumed = coach_process(tmp_path)
    out, _ = resumed.communicate("", timeout=10)
    assert "You were on the wall tap hip hinge, set two of three" in out


def test_history_table(tmp_path: Path) -> None:
    proc = coach_process(tmp_path, "--time-scale", "1000")
    send(proc, "go", "done", "skip rest", "done", "end workout", "yes", pause=0.2)
    proc.communicate(timeout=10)
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path)}
    shown = subprocess.run([sys.executable, "-m", "voice_coach", "history"], env=env,
                           capture_output=True, text=True, timeout=30)
    assert "hip-hinge" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if "hip-hinge" in line)
    assert "│ 2    │" in row or " 2 " in row


def test_snapshot_restores_a_paused_rest_exactly() -> None:
    s = Session(PROGRAM)
    s.start()
    s.hear("start")
    s.hear("set_done")
    s.wait(15)
    saved = s.coach.snapshot(s.clock.now())
    assert saved["timer"]["left"] == pytest.approx(30)
    coach = Coach(PROGRAM, saved)
    said = [c.text for c in coach.handle(Started(100.0)) if hasattr(c, "text")]
    assert "set two of three" in said[0]
    assert coach.state.phase == Phase.REST
    resumed = [c for c in coach.handle(Heard(Intent("resume"), 100.0))]
    assert any(getattr(c, "name", "") == "rest" and c.seconds == pytest.approx(30)
               for c in resumed)


def test_corrupt_saved_state_starts_fresh() -> None:
    coach = Coach(PROGRAM, {"drill": 99})
    said = " ".join(c.text for c in coach.handle(Started(0.0)) if hasattr(c, "text"))
    assert said.startswith(PROGRAM.intro)
    assert coach.state.phase == Phase.SETUP


def history(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(data_dir), "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "voice_coach", "history", *args], env=env,
                          capture_output=True, text=True, timeout=30)


def no_sound_server(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    (tmp_path / "client.conf").write_text("autospawn = no\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    return {**env, "PULSE_RUNTIME_PATH": str(runtime), "PULSE_SERVER": f"unix:{runtime}/native",
            "PULSE_CLIENTCONFIG": str(tmp_path / "client.conf"),
            "VOICE_COACH_DATA_DIR": str(tmp_path)}


def test_a_start_that_fails_keeps_the_progress_before_it(tmp_path: Path) -> None:
    """The coach cannot open a microphone (no sound server yet): that start leaves no trace,
    and the next start still offers to resume the workout before it."""
    first = coach_process(tmp_path)
    send(first, "drill four", "go", "done")
    read_until(first, " Rest ")
    time.sleep(1.0)  # the state is saved just after the line is printed
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=5)
    failed = subprocess.run([sys.executable, "-m", "voice_coach", "run"], capture_output=True,
                            text=True, timeout=60, env=no_sound_server(tmp_path))
    assert failed.returncode == 2 and "cannot open the microphone" in failed.stderr
    assert len(WorkoutLog(tmp_path / "workouts.sqlite").history(everything=True)) == 1
    out, _ = coach_process(tmp_path).communicate("", timeout=10)
    assert "coach: Welcome back. You were on the wall tap hip hinge, set two of three." in out


def test_history_hides_starts_where_nothing_happened_and_fits_80_columns(
        tmp_path: Path) -> None:
    worked = coach_process(tmp_path, "--time-scale", "1000")
    send(worked, "go", "done", "skip rest", "what's the cue", "end workout", "yes", pause=0.2)
    worked.communicate(timeout=10)
    coach_process(tmp_path, "--fresh").communicate("", timeout=10)  # quit at once
    log = WorkoutLog(tmp_path / "workouts.sqlite")
    log.start_session("hip-hinge")  # an aborted start, as earlier versions logged them
    log.end_session(finished=False)
    log.start_session("a-custom-program-with-a-rather-long-name")
    log.event("set", {"drill": "one", "set": 1})
    log.close()

    shown = history(tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in shown.stdout
    assert lines[0].split() == ["started", "program", "drills", "sets", "cues", "pain", "rest",
                                "done"]
    rows = [line for line in lines if line[:2] == "20"]
    assert len(rows) == 2  # the workout and the custom program; the two empty starts are hidden
    cells = rows[1].split()
    assert cells[2] == "hip-hinge" and cells[3:7] == ["1", "1", "1", "0"] and cells[-1] == "yes"
    assert rows[0].split()[-1] == "no"  # never ended
    assert len(WorkoutLog(tmp_path / "workouts.sqlite").history(everything=True)) == 4


def test_history_limit_short_and_long(tmp_path: Path) -> None:
    log = WorkoutLog(tmp_path / "workouts.sqlite")
    for n in range(3):
        log.start_session(f"program-{n}")
        log.event("set", {"drill": "one", "set": 1})
    log.close()
    for args in (["-n", "2"], ["--limit", "2"], ["-n2"]):
        shown = history(tmp_path, *args)
        assert [line.split()[2] for line in shown.stdout.splitlines() if line[:2] == "20"] == [
            "program-2", "program-1"]
    refused = history(tmp_path, "-n", "0")
    assert refused.returncode == 2 and "whole number of 1 or more" in refused.stderr
