"""The benchmark's sections: each measures one thing and returns a JSON-able dict.

A section registers itself with `@section(...)`; `python -m bench` runs the selected ones in order,
prints their tables and saves every result under ``results["sections"][name]``. To add one (latency,
memory, start-up...), write a module with a decorated `run(args, console) -> dict` and import it in
`bench/__main__.py`. Optional `add_arguments(parser)` adds section-specific flags; flags shared by
all sections (`--engine`, `--quick`, `--out`, `--workers`) are already on `args`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console

RunFn = Callable[[argparse.Namespace, Console], dict[str, Any]]
ArgsFn = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    run: RunFn
    add_arguments: ArgsFn | None = None
    default: bool = True  # part of a plain `python -m bench` run


SECTIONS: dict[str, Section] = {}


def section(name: str, title: str, add_arguments: ArgsFn | None = None,
            default: bool = True) -> Callable[[RunFn], RunFn]:
    """Decorator: register `run` as the section `name`."""

    def register(run: RunFn) -> RunFn:
        if name in SECTIONS:
            raise ValueError(f"bench section '{name}' is registered twice")
        SECTIONS[name] = Section(name, title, run, add_arguments, default)
        return run

    return register
