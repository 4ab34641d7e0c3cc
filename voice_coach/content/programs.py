"""Training programs from YAML, validated on load: every problem is reported as file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voice_coach.core.program import CUE_PHASES, Cue, Drill, Mistake, Prescription, Program, Tempo
from voice_coach.errors import VoiceCoachError
from voice_coach.resources import data_dir, focus_tags, user_programs_dir


class ProgramError(VoiceCoachError):
    """A program file is not valid; the message starts with file:line."""


# ---- schema: key -> (required, kind); kinds are checked on the YAML nodes so errors carry lines


_STR, _INT, _BOOL, _STRS = "string", "integer", "true/false", "list of strings"
_SECS = "number of seconds"
_SCHEMAS: dict[str, dict[str, tuple[bool, Any]]] = {
    "program": {
        "id": (True, _STR), "title": (True, _STR), "intro": (True, _STR),
        "summary": (True, _STR), "drills": (True, ["drill"]), "why": (False, _STRS),
        "squat_vs_hinge": (False, _STRS), "tips": (False, _STRS),
        "mistakes": (False, ["mistake"]),
    },
    "drill": {
        "id": (True, _STR), "name": (True, _STR), "purpose": (True, _STR),
        "prescription": (True, "prescription"), "rest_seconds": (True, _INT),
        "steps": (True, _STRS), "cues": (True, ["cue"]), "aliases": (False, _STRS),
        "equipment": (False, _STRS), "mistakes": (False, ["mistake"]), "easier": (False, _STR),
        "tempo": (False, "tempo"),
    },
    "tempo": {"down": (False, _SECS), "hold": (False, _SECS), "up": (False, _SECS)},
    "prescription": {
        "sets": (True, _INT), "reps": (False, _INT), "hold_seconds": (False, _INT),
        "per_side": (False, _BOOL),
    },
    "cue": {"text": (True, _STR), "focus": (False, _STRS), "phases": (False, _STRS)},
    "mistake": {"mistake": (True, _STR), "fix": (True, _STR)},
}


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node, message: str) -> ProgramError:
        return ProgramError(f"{self.source}:{node.start_mark.line + 1}: {message}")

    def value(self, node: yaml.Node, kind: Any, where: str) -> Any:
        if isinstance(kind, list):
            if not isinstance(node, yaml.SequenceNode) or not node.value:
                raise self.fail(node, f"{where} must be a non-empty list")
            return [self.mapping(item, kind[0]) for item in node.value]
        if kind in _SCHEMAS:
            return self.mapping(node, kind)
        if kind == _STRS:
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, f"{where} must be a {_STRS}")
            return tuple(self.scalar(item, _STR, where) for item in node.value)
        return self.scalar(node, kind, where)

    def scalar(self, node: yaml.Node, kind: str, where: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{where} must be a {kind}")
        tag = node.tag.rsplit(":", 1)[-1]
        if kind == _STR and tag == "str" and node.value.strip():
            return node.value.strip()
        if kind == _INT and tag == "int" and int(node.value) > 0:
            return int(node.value)
        if kind == _BOOL and tag == "bool":
            return node.value.lower() in {"true", "yes", "on"}
        if kind == _SECS and tag in ("int", "float") and 0 <= float(node.value) <= 60:
            return float(node.value)
        size = {_INT: "positive ", _SECS: "0-60 "}.get(kind, "")
        raise self.fail(node, f"{where} must be a {size}{kind}, not {node.value!r}")

    def mapping(self, node: yaml.Node, schema_name: str) -> dict[str, Any]:
        schema = _SCHEMAS[schema_name]
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"a {schema_name} must be a mapping of keys")
        out: dict[str, Any] = {"__node__": node}
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in schema:
                known = ", ".join(sorted(schema))
                raise self.fail(key_node, f"unknown key '{key}' in {schema_name} (known: {known})")
            if key in out:
                raise self.fail(key_node, f"key '{key}' appears twice in this {schema_name}")
            out[key] = self.value(value_node, schema[key][1], f"{schema_name}.{key}")
        for key, (required, _) in schema.items():
            if required and key not in out:
                raise self.fail(node, f"{schema_name} is missing required key '{key}'")
        return out


def _cue(raw: dict[str, Any], check: _Checker) -> Cue:
    for tag_list, allowed in (("focus", focus_tags()), ("phases", CUE_PHASES)):
        bad = set(raw.get(tag_list, ())) - allowed
        if bad:
            raise check.fail(raw["__node__"], f"cue {tag_list} {sorted(bad)} not in "
                                              f"{sorted(allowed)}")
    return Cue(raw["text"], raw.get("focus", ()), raw.get("phases", ("setup", "set")))


def _mistakes(raws: list[dict[str, Any]]) -> tuple[Mistake, ...]:
    return tuple(Mistake(m["mistake"], m["fix"]) for m in raws)


def _drill(raw: dict[str, Any], check: _Checker) -> Drill:
    p = raw["prescription"]
    if "reps" not in p and "hold_seconds" not in p:
        raise check.fail(p["__node__"], "prescription needs reps, hold_seconds or both")
    return Drill(
        id=raw["id"], name=raw["name"], purpose=raw["purpose"],
        prescription=Prescription(p["sets"], p.get("reps"), p.get("hold_seconds"),
                                  p.get("per_side", False)),
        rest_seconds=raw["rest_seconds"], steps=raw["steps"],
        cues=tuple(_cue(c, check) for c in raw["cues"]),
        aliases=raw.get("aliases", ()), equipment=raw.get("equipment", ()),
        mistakes=_mistakes(raw.get("mistakes", [])), easier=raw.get("easier"),
        tempo=_tempo(raw, check),
    )


def _tempo(drill: dict[str, Any], check: _Checker) -> Tempo | None:
    """A drill's counting tempo; a phase left out keeps its default (the hold: the
    prescription's hold)."""
    raw = drill.get("tempo")
    if raw is None:
        return None
    hold = drill["prescription"].get("hold_seconds", 0)
    tempo = Tempo(raw.get("down", Tempo.down), raw.get("hold", float(hold)),
                  raw.get("up", Tempo.up))
    if tempo.down <= 0 or tempo.up <= 0:
        raise check.fail(raw["__node__"], "tempo down and up must be more than 0 seconds")
    return tempo


def parse_program(text: str, source: str = "<program>") -> Program:
    """Build a Program from YAML text; raise ProgramError('file:line: ...') on any problem."""
    check = _Checker(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ProgramError(f"{source}:{line}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ProgramError(f"{source}:1: not valid YAML: {exc}") from None
    if root is None:
        raise ProgramError(f"{source}:1: the program file is empty")
    raw = check.mapping(root, "program")
    drills = [_drill(d, check) for d in raw["drills"]]
    seen: dict[str, Drill] = {}
    for d_raw, d in zip(raw["drills"], drills):
        if d.id in seen:
            raise check.fail(d_raw["__node__"], f"duplicate drill id '{d.id}'")
        seen[d.id] = d
    for d_raw, d in zip(raw["drills"], drills):
        if d.easier is not None and d.easier not in seen:
            raise check.fail(d_raw["__node__"], f"drill '{d.id}' names unknown easier drill "
                                                f"'{d.easier}'")
    return Program(
        id=raw["id"], title=raw["title"], intro=raw["intro"], summary=raw["summary"],
        drills=tuple(drills), why=raw.get("why", ()), squat_vs_hinge=raw.get("squat_vs_hinge", ()),
        tips=raw.get("tips", ()), mistakes=_mistakes(raw.get("mistakes", [])), source=source,
    )


def load_program_file(path: Path) -> Program:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProgramError(f"{path}: cannot read program file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProgramError(f"{path}:1: program file is not UTF-8 text") from None
    return parse_program(text, str(path))


def program_id(path: Path) -> str:
    """A program file's id: its name without `.yaml`, '_' read as '-'."""
    return path.stem.replace("_", "-")


def bundled_programs() -> dict[str, Path]:
    return {program_id(p): p for p in sorted(data_dir("programs").glob("*.yaml"))}


def user_programs() -> dict[str, Path]:
    """The trainee's programs (`programs/` beside config.toml), bundled ids excepted: a
    bundled program can be copied and changed under a new name, not replaced."""
    folder = user_programs_dir()
    found = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    bundled = bundled_programs()
    return {program_id(p): p for p in found if program_id(p) not in bundled}


def available_programs() -> dict[str, Path]:
    """Every program by id: the bundled ones, then the trainee's. Nothing is read yet, so a
    broken file costs only itself."""
    return {**bundled_programs(), **user_programs()}


def load_user_program(path: Path) -> Program:
    """A program from the user's folder: valid, and its id the file's name (it is run by
    that name, and its history is kept under its id)."""
    program = load_program_file(path)
    expected = program_id(path)
    if program.id != expected:
        text = path.read_text(encoding="utf-8").splitlines()
        line = next((n for n, t in enumerate(text, 1) if t.startswith("id:")), 1)
        raise ProgramError(f"{path}:{line}: id '{program.id}' does not match the file name "
                           f"(make it '{expected}', or rename the file)")
    return program


def load_program(program_id_or_path: str) -> Program:
    """Load a program by id (bundled or the trainee's own), or a program file by path."""
    bundled, own = bundled_programs(), user_programs()
    if program_id_or_path in bundled:
        return load_program_file(bundled[program_id_or_path])
    if program_id_or_path in own:
        return load_user_program(own[program_id_or_path])
    path = Path(program_id_or_path)
    if path.suffix in {".yaml", ".yml"}:
        return load_program_file(path)
    known = ", ".join([*bundled, *own]) or "none"
    raise ProgramError(f"unknown program '{program_id_or_path}' (available: {known}; your "
                       f"own go in {user_programs_dir()})")
