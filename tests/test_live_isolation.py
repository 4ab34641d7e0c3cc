"""Live tests run on a sound server of their own, and leave no sound server behind.

Another coach on the same machine has its own PulseAudio with the same `room` and `speaker`
sinks; it must neither disturb the tests nor be disturbed by them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from children import alive
from live_coach import CoachProcess, command, wait_until_quiet
from pulse import PulseAudio, PulseUnavailable, loud
from pulse_server import CLIENT_VARS

pytestmark = pytest.mark.live
CUE = r"^heard: .* -> cue$"


def state(pa: PulseAudio) -> dict[str, object]:
    """What another program could notice of a server: its sinks, modules, defaults, streams
    and clients (pactl, which asks, left out)."""
    info = pa.pactl("info")
    clients = [b for b in pa.pactl("list", "clients").split("\n\n")
               if 'application.process.binary = "pactl"' not in b and b.strip()]
    return {"sinks": [ln.split("\t")[1] for ln in pa.pactl("list", "short", "sinks").splitlines()],
            "modules": pa.pactl("list", "short", "modules"),
            "defaults": [ln for ln in info.splitlines() if ln.startswith("Default ")],
            "sink-inputs": pa.pactl("list", "short", "sink-inputs"),
            "source-outputs": pa.pactl("list", "short", "source-outputs"),
            "clients": clients}


def start_or_skip(pa: PulseAudio) -> PulseAudio:
    try:
        return pa.start()
    except PulseUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PulseAudio unavailable: {exc}")


def test_a_foreign_server_with_the_same_sinks_is_neither_used_nor_touched(
        tmp_path: Path) -> None:
    outer = {k: os.environ.get(k) for k in CLIENT_VARS}
    # another coach's server, and the one this process's environment names
    foreign = start_or_skip(PulseAudio(record=False))
    try:
        before = state(foreign)
        assert before["sinks"] == ["room", "speaker"]
        with PulseAudio() as ours:
            assert ours.server.socket != foreign.server.socket
            assert os.environ["PULSE_SERVER"] == f"unix:{ours.server.socket}"
            coach = CoachProcess(tmp_path / "data", "--time-scale", "10")
            try:
                coach.wait_for(r"^coach: Step one", timeout=60)
                wait_until_quiet(ours)
                with ours.capture(tail=3.0) as cap:
                    ended, _ = command(ours, coach, "give me a cue", CUE, tmp_path)
                assert loud(cap.samples[cap.index_at(ended):]).any(), "the answer was not heard"
                # the coach listens and talks on our server only
                assert ours.streams(coach.proc.pid, "source-output")
                for kind in ("sink-input", "source-output"):
                    assert foreign.streams(coach.proc.pid, kind) == []
                assert state(foreign) == before
            finally:
                err = coach.stop()
            assert "Traceback" not in err
            daemon = ours.server.pid
        assert not alive(daemon), "our server is stopped with its fixture"
        assert os.environ["PULSE_SERVER"] == f"unix:{foreign.server.socket}"
        assert state(foreign) == before, "the foreign server is as it was"
    finally:
        foreign.stop()
    assert {k: os.environ.get(k) for k in CLIENT_VARS} == outer


def test_server_is_killed_and_environment_restored_when_a_test_errors() -> None:
    outer = {k: os.environ.get(k) for k in CLIENT_VARS}
    pa = PulseAudio(record=False)
    seen: dict[str, object] = {}

    def failing_test() -> None:
        with pa:
            seen.update(pid=pa.server.pid, env=os.environ["PULSE_RUNTIME_PATH"])
            raise RuntimeError("a test failed")

    with pytest.raises(RuntimeError):
        failing_test()
    assert seen["env"] == str(pa.server.runtime)
    assert not alive(seen["pid"]) and not pa.server.base.exists()
    assert {k: os.environ.get(k) for k in CLIENT_VARS} == outer
