"""What the coach says to open and to close: the first session's full introduction, a short
start for a trainee who has trained before, a drill's opening, "tell me more", and closing lines
that say what happened."""

from __future__ import annotations

from voice_coach.core.context import Context, prescription_words
from voice_coach.core.numbers import duration_words, number_words
from voice_coach.core.program import Drill


def returning(ctx: Context) -> bool:
    """The log knows an earlier session of this program with a set done in it."""
    return ctx.past.sessions > 0


def continue_at(ctx: Context) -> int | None:
    """The drill after the one finished last time, if there is one beyond the first."""
    last = ctx.past.last_finished
    if last not in ctx.program.drill_ids:
        return None
    nxt = ctx.program.index_of(last) + 1
    return nxt if nxt < len(ctx.program.drills) else None


def continue_question(ctx: Context, index: int) -> str:
    """Short on purpose: with the answer and step one it is the whole start."""
    d = ctx.program.drills[index]
    return (f"Welcome back. {ctx.program.title}: carry on at drill {number_words(index + 1)}, "
            f"{d.name}?")


def kit_words(d: Drill) -> str:
    """ "pad", "pad and light kettlebell" """
    kit = list(d.equipment)
    return " and ".join([", ".join(kit[:-1]), kit[-1]] if len(kit) > 1 else kit)


def drill_opening(ctx: Context, index: int, brief: bool, lead: str = "",
                  named: bool = False) -> tuple[str, str]:
    """What opening a drill says, and what "tell me more" adds when it was said briefly.

    In full: its place, name, purpose, equipment and prescription. Briefly (a drill done
    before): its place, name and equipment, after `lead` ("Welcome back. Hip hinge, "); only
    the equipment when the drill was just `named` (in the question that led to it).
    """
    d = ctx.program.drills[index]
    n, total = number_words(index + 1), number_words(len(ctx.program.drills))
    plan = f"We'll do {prescription_words(d, ctx.total_sets())}."
    if brief:
        kit = kit_words(d)
        if named:
            return (f"With {kit}." if kit else ""), f"{d.purpose} {plan}"
        head = f"drill {n} of {total}: {d.name}" + (f", with {kit}." if kit else ".")
        text = f"{lead}{head}" if lead else head[0].upper() + head[1:]
        return text, f"{d.purpose} {plan}"
    kit = f" Equipment: {', '.join(d.equipment)}." if d.equipment else ""
    return f"Drill {n} of {total}: {d.name}. {d.purpose}{kit} {plan}", ""


def about(ctx: Context, d: Drill) -> str:
    """ "tell me more" when nothing was left out: the drill's purpose and prescription."""
    kit = f" Equipment: {', '.join(d.equipment)}." if d.equipment else ""
    return f"{d.name.capitalize()}: {d.purpose}{kit} We'll do {prescription_words(d)}."


def session_time(seconds: float) -> str:
    """ "twelve minutes", "forty seconds": whole minutes once past two."""
    if seconds >= 120:
        return duration_words(round(seconds / 60) * 60)
    return duration_words(seconds)


def closing(ctx: Context) -> str:
    """What happened: drills done of all, sets done, and the time it took."""
    drills, done = ctx.program.drills, ctx.state.sets_done
    trained = sum(1 for d in drills if done.get(d.id, 0) > 0)
    sets = sum(done.values())
    set_words = f"{number_words(sets)} {'set' if sets == 1 else 'sets'}"
    took = session_time(ctx.now - ctx.started)
    finished = all(done.get(d.id, 0) >= d.prescription.sets for d in drills)
    if finished:
        return (f"That's the whole program, nice work: all {number_words(len(drills))} drills, "
                f"{set_words}, in {took}.")
    drill_words = f"{number_words(trained)} of {number_words(len(drills))} drills"
    if not sets:
        return f"That's it for today: no sets this time, {took} in all."
    return f"Good work. You did {drill_words}, {set_words}, in {took}."
