import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import children  # noqa: E402
import pulse_server  # noqa: E402


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own workout log and no user config, so nothing leaks between tests."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(data))
    monkeypatch.setenv("VOICE_COACH_CONFIG", str(data / "config.toml"))


@pytest.fixture(autouse=True, scope="session")
def _no_process_outlives_the_tests():
    """Last resort: a coach, player, recorder or sound server a test left running is stopped
    when the session ends (fixtures stop their own; this catches what a bug let through)."""
    yield
    servers = pulse_server.stop_all()
    left = children.stop_all()
    if servers or left:
        warnings.warn(f"stopped what tests left running: {servers} sound server(s), "
                      f"{left}", stacklevel=1)
