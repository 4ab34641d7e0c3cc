"""`voice-coach history`: recent workouts as a table that fits an 80-column terminal."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from voice_coach.adapters.workout_log import (
    DrillSummary,
    LogUnavailable,
    SessionSummary,
    WorkoutLog,
)
from voice_coach.resources import user_data_dir

if TYPE_CHECKING:
    from rich.table import Table


def history_table(sessions: list[SessionSummary]) -> Table:
    """Short headers and no outer border: 77 columns; only a long program id wraps."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  caption="rest: planned / actual seconds", caption_justify="left")
    table.add_column("started", no_wrap=True, min_width=16)
    table.add_column("program", overflow="fold", min_width=7)
    for header in ("drills", "sets", "cues", "pain"):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    table.add_column("rest", justify="right", no_wrap=True, min_width=9)
    table.add_column("done", no_wrap=True, min_width=4)
    for h in sessions:
        table.add_row(datetime.fromtimestamp(h.started).strftime("%Y-%m-%d %H:%M"), h.program,
                      str(h.drills), str(h.sets), str(h.cues), str(h.pains),
                      f"{h.rest_planned:.0f} / {h.rest_actual:.0f}",
                      "yes" if h.ended and h.sets else "no")
    return table


def drills_table(drills: list[DrillSummary]) -> Table:
    """Per drill: the sets done, in how many sessions, and when last."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title="by drill",
                  title_justify="left")
    table.add_column("drill", overflow="fold", min_width=12)
    table.add_column("program", overflow="fold", min_width=7)
    table.add_column("sets", justify="right", no_wrap=True)
    table.add_column("sessions", justify="right", no_wrap=True)
    table.add_column("last done", no_wrap=True, min_width=16)
    for d in drills:
        table.add_row(d.drill, d.program, str(d.sets), str(d.sessions),
                      datetime.fromtimestamp(d.last).strftime("%Y-%m-%d %H:%M"))
    return table


def print_history(limit: int) -> None:
    from rich.console import Console

    log = WorkoutLog(user_data_dir() / "workouts.sqlite", quiet=True)
    if not log.available:
        raise LogUnavailable(f"cannot read the workout log {log.path} ({log.error})")
    try:
        sessions = log.history(limit)
        drills = log.drill_history()
    finally:
        log.close()
    if not sessions:
        print("No workouts logged yet.")
        return
    console = Console()
    console.print(history_table(sessions))
    if drills:
        console.print()
        console.print(drills_table(drills))
