"""No process a test starts outlives it: process groups, and death with the test process."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import children
from children import alive


def gone(pid: int, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def test_stop_ends_the_whole_process_group() -> None:
    """A process that ignores SIGTERM, with a child of its own: both end, quickly."""
    proc = children.spawn(["sh", "-c", "trap '' TERM; sleep 60 & echo $!; wait"],
                          stdout=subprocess.PIPE, text=True)
    grandchild = int(proc.stdout.readline())
    started = time.monotonic()
    children.stop(proc, timeout=0.5)
    proc.stdout.close()
    assert time.monotonic() - started < 3
    assert proc.returncode == -signal.SIGKILL
    assert gone(grandchild)
    assert proc not in children.running()


def test_stop_all_ends_what_a_test_left_running() -> None:
    proc = children.spawn(["sleep", "60"])
    assert proc in children.running()
    assert "sleep 60" in children.stop_all()
    assert proc.returncode is not None and not alive(proc.pid)


def test_children_die_with_a_killed_test_process(tmp_path: Path) -> None:
    """Even a test process killed outright (no finalizer, no atexit) takes them along."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import children
        pid = children.spawn(["sleep", "60"]).pid
        # the death signal is armed just before `sleep` starts: wait for that, as a test would
        while open(f"/proc/{{pid}}/comm").read().strip() != "sleep":
            pass
        print(pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == -signal.SIGKILL
    assert gone(int(result.stdout))
