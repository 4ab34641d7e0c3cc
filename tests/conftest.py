import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own workout log and no user config, so nothing leaks between tests."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(data))
    monkeypatch.setenv("VOICE_COACH_CONFIG", str(data / "config.toml"))
