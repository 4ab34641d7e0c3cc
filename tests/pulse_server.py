"""A private PulseAudio daemon: its own folder, socket and state, reachable only by the
processes pointed at it, stopped by killing exactly its pid.

    server = PulseServer().start()   # os.environ now points every client at it
    subprocess.run(["pactl", "info"], env=server.env)   # or explicitly
    server.stop()                    # the daemon is killed, os.environ is as it was

Nothing of a sound server already running on the machine (a desktop's, another coach's) is
used or touched, even when it has sinks with the same names.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

try:
    import children
except ImportError:  # imported as tests.pulse_server (the benchmark)
    from tests import children

# client settings that could send a client elsewhere: ours while the server is active
CLIENT_VARS = ("PULSE_SERVER", "PULSE_RUNTIME_PATH", "PULSE_STATE_PATH", "PULSE_COOKIE",
               "PULSE_CLIENTCONFIG", "PULSE_SINK", "PULSE_SOURCE")
TOOLS = ("pulseaudio", "pactl", "paplay", "parecord")
_active: list[PulseServer] = []


class PulseUnavailable(Exception):
    """PulseAudio (or the ALSA bridge sounddevice needs) cannot be used here."""


class PulseServer:
    """One PulseAudio daemon in a fresh temporary folder (or in a given runtime folder).

    `env` holds the client variables that reach it. `start(activate=True)` also puts them in
    os.environ, so this process (sounddevice, after a rescan) and every child reach it;
    `stop()` restores what was there. Activate and stop servers in LIFO order.
    """

    def __init__(self, runtime: Path | None = None) -> None:
        self._runtime = runtime
        self.base = self.runtime = self.socket = self.log = Path()  # set by `start`
        self.env: dict[str, str] = {}
        self.proc: subprocess.Popen | None = None
        self._saved: dict[str, str | None] | None = None

    def _paths(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="vc-pulse-"))
        self.runtime = self._runtime or self.base / "run"
        self.socket = self.runtime / "native"
        self.log = self.base / "pulseaudio.log"
        self.env = {
            "PULSE_SERVER": f"unix:{self.socket}",  # wins over any default server lookup
            "PULSE_RUNTIME_PATH": str(self.runtime),
            "PULSE_STATE_PATH": str(self.base / "state"),
            "PULSE_COOKIE": str(self.base / "cookie"),  # not ~/.config/pulse/cookie
            "PULSE_CLIENTCONFIG": str(self.base / "client.conf"),  # not the user's
        }

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else -1

    def client_env(self) -> dict[str, str]:
        """os.environ with this server's client variables (and no PULSE_SINK/SOURCE)."""
        env = {k: v for k, v in os.environ.items() if k not in CLIENT_VARS}
        return {**env, **self.env}

    def start(self, activate: bool = True) -> PulseServer:
        for tool in TOOLS:
            if not shutil.which(tool):
                raise PulseUnavailable(f"{tool} not installed "
                                       "(apt: pulseaudio pulseaudio-utils libasound2-plugins)")
        if self.proc is not None:
            raise RuntimeError("this server is already running")
        self._paths()
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.base / "client.conf").write_text("autospawn = no\n")
        daemon_env = self.client_env()
        for var in ("DISPLAY", "WAYLAND_DISPLAY"):
            daemon_env.pop(var, None)
        # no session bus: a desktop's PulseAudio holding its D-Bus name must not stop ours
        daemon_env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={self.base / 'no-bus'}"
        argv = ["pulseaudio", "--daemonize=no", "--system=false", "--exit-idle-time=-1", "-n",
                "--use-pid-file=yes", f"--log-target=newfile:{self.log}",
                "--load=module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0",
                "--load=module-always-sink"]
        _active.append(self)
        self.proc = children.spawn(argv, env=daemon_env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                reason = self.log_tail() or f"exit code {self.proc.poll()}"
                self.stop()
                raise PulseUnavailable(f"pulseaudio did not start: {reason}")
            time.sleep(0.05)
        if activate:
            self.activate()
        return self

    def ready(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return subprocess.run(["pactl", "info"], capture_output=True, timeout=5,
                                  env=self.client_env()).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self) -> str:
        try:
            lines = [ln for ln in self.log.read_text().splitlines() if not ln.startswith("W:")]
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def activate(self) -> None:
        """Point os.environ (this process and its future children) at this server."""
        if self._saved is None:
            self._saved = {k: os.environ.get(k) for k in CLIENT_VARS}
        for key in CLIENT_VARS:
            os.environ.pop(key, None)
        os.environ.update(self.env)

    def deactivate(self) -> None:
        if self._saved is None:
            return
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved = None

    def stop(self) -> None:
        """Kill the daemon (by its pid; a throw-away server needs no clean shutdown), restore
        os.environ and remove the temporary folder. Safe to call more than once."""
        self.deactivate()
        if self.proc is not None:
            children.stop(self.proc, timeout=0, sig=signal.SIGKILL)
            self.proc = None
        if self.env:  # started: remove its folder (a given runtime folder is the caller's)
            shutil.rmtree(self.base, ignore_errors=True)
        if self in _active:
            _active.remove(self)

    def __enter__(self) -> PulseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_all() -> int:
    """Stop every server still running (newest first); returns how many there were."""
    left = list(reversed(_active))
    for server in left:
        server.stop()
    return len(left)


atexit.register(stop_all)
