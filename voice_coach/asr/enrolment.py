"""The trainee's voice enrolment: an MLLR transform in the user data folder, applied at start.

`enrolment/` holds `mllr_matrix` (the transform) and `enrolment.json` (when and from what it was
made). The engine asks `acoustic_config()` what to load: nothing without an enrolment, the
transform with one, and a one-line error when the folder is there but the transform is missing
or unreadable (the coach never silently runs on a broken enrolment).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from voice_coach.asr.adapt import AdaptError, base_model, check_mllr
from voice_coach.asr.base import EngineError

TRANSFORM = "mllr_matrix"
INFO = "enrolment.json"


class EnrolmentError(EngineError):
    """The saved enrolment cannot be used."""


@dataclass(frozen=True)
class Enrolment:
    folder: Path
    prompts: int
    created: str
    model: str  # the acoustic model it adapts ("bundled" or "adapted")

    @property
    def transform(self) -> Path:
        return self.folder / TRANSFORM


def enrolment_dir() -> Path:
    from voice_coach.resources import user_data_dir

    return user_data_dir() / "enrolment"


def current(folder: Path | None = None) -> Enrolment | None:
    """The saved enrolment, None without one; raises EnrolmentError when it is broken."""
    folder = folder or enrolment_dir()
    if not folder.exists():
        return None
    fix = "run `voice-coach enroll` again, or `voice-coach enroll --forget`"
    transform = folder / TRANSFORM
    if not transform.is_file():
        raise EnrolmentError(f"the voice enrolment in {folder} has no transform: {fix}")
    try:
        check_mllr(transform)
        info = json.loads((folder / INFO).read_text(encoding="utf-8"))
        return Enrolment(folder, int(info["prompts"]), str(info["created"]),
                         str(info.get("model", "bundled")))
    except AdaptError as exc:
        raise EnrolmentError(f"the voice enrolment is unusable ({exc}): {fix}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EnrolmentError(f"the voice enrolment's {INFO} is unreadable "
                             f"({type(exc).__name__}): {fix}") from None


def acoustic_config(folder: Path | None = None) -> dict[str, str]:
    """pocketsphinx settings for the acoustic model the coach uses: the default model, or the
    model the enrolment was made on plus its transform."""
    enrolment = current(folder)
    if enrolment is None:
        return base_model()[1]
    name, config = base_model(enrolment.model)
    if name != enrolment.model:
        raise EnrolmentError(f"the voice enrolment was made for the {enrolment.model} acoustic "
                             "model, which this installation lacks: run `voice-coach enroll` "
                             "again")
    return {**config, "mllr": str(enrolment.transform)}


def save(transform: Path, prompts: int, created: str, folder: Path | None = None,
         model: str = "bundled") -> Enrolment:
    """Install a solved transform as the enrolment (replacing any earlier one whole)."""
    folder = folder or enrolment_dir()
    check_mllr(transform)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    shutil.copyfile(transform, staging / TRANSFORM)
    (staging / INFO).write_text(json.dumps({"prompts": prompts, "created": created,
                                            "model": model}) + "\n", encoding="utf-8")
    forget(folder)
    staging.replace(folder)
    return Enrolment(folder, prompts, created, model)


def forget(folder: Path | None = None) -> bool:
    """Remove the enrolment; False when there was none."""
    folder = folder or enrolment_dir()
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
