"""Processes the tests start (coaches, players, recorders, sound servers), each in its own
process group and remembered until it is stopped, so none outlives the tests:

    proc = spawn(["paplay", "x.wav"])   # its own session and process group
    stop(proc)                          # SIGTERM, wait, then SIGKILL to the whole group
    stop_all()                          # whatever is still running (also run at exit)
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

_running: dict[int, subprocess.Popen] = {}  # pid -> process, until `stop`
_SETPRIV = shutil.which("setpriv")  # util-linux


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent to reap it does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def spawn(argv: list[str], **kwargs) -> subprocess.Popen:
    """`subprocess.Popen` in a new session (so it and its children form one process group),
    killed by the kernel if the thread that started it dies, even by SIGKILL (setpriv)."""
    if _SETPRIV:
        argv = [_SETPRIV, "--pdeathsig", "KILL", *argv]  # exec'd: the pid stays the same
    proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
    _running[proc.pid] = proc
    return proc


def _exited(proc: subprocess.Popen) -> bool:
    """Whether it has exited, without reaping it: a zombie keeps its group id from reuse."""
    if proc.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped elsewhere
        return True


def stop(proc: subprocess.Popen, timeout: float = 5.0, sig: int = signal.SIGTERM) -> None:
    """Send `sig` to the process, give it `timeout` s to exit, then SIGKILL its whole group
    (which also ends any children it left behind) and reap it."""
    try:
        if not _exited(proc):
            proc.send_signal(sig)
            deadline = time.monotonic() + timeout
            while not _exited(proc) and time.monotonic() < deadline:
                time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError, PermissionError):  # group already empty
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        _running.pop(proc.pid, None)
        if proc.stdin is not None:  # output pipes are left to the threads reading them
            proc.stdin.close()


def running() -> list[subprocess.Popen]:
    return [p for p in _running.values() if not _exited(p)]


def stop_all(timeout: float = 2.0) -> list[str]:
    """Stop every process started with `spawn` and not stopped yet; returns their commands."""
    left = []
    for proc in list(_running.values()):
        if not _exited(proc):
            argv = [str(a) for a in proc.args]
            left.append(" ".join(argv[3:6] if _SETPRIV else argv[:3]))
        stop(proc, timeout)
    return left


atexit.register(stop_all)


def read_until(proc: subprocess.Popen, marker: str, count: int = 1,
               timeout: float = 30.0) -> str:
    """Read `proc`'s (text) stdout line by line until `marker` has appeared in `count` lines;
    return what was read. Waiting for what the process says, not for a fixed time, keeps a
    test right on a busy machine."""
    import threading

    seen: list[str] = []

    def reader() -> None:
        hits = 0
        while hits < count:
            line = proc.stdout.readline()
            if not line:
                return
            seen.append(line)
            hits += marker in line

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    text = "".join(seen)
    assert not thread.is_alive(), f"no {marker!r} x{count} within {timeout} s; got {text!r}"
    assert text.count(marker) >= count, f"exited before {marker!r} x{count}; got {text!r}"
    return text
