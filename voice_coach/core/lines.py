"""Every sentence the coach can say for a program: for pre-rendering speech and for making sure
the recogniser never acts on the coach's own voice.

Found by walking the real coach through the program, not by keeping a second list in sync.
"""

from __future__ import annotations

from collections.abc import Callable

from voice_coach.core.coach import CHECK_FIRST, SURE, Coach
from voice_coach.core.counter import COUNT_TIMER
from voice_coach.core.events import Event, Heard, Intent, Say, Started, TimerFired
from voice_coach.core.program import Program
from voice_coach.core.state import COUNTDOWN, Mark, Past, Phase, TimerKind, timer_name

# questions and requests asked in every drill's setup
QUESTIONS = ("cue", "mistakes", "why", "squat_vs_hinge", "help", "time_left", "current_drill",
             "list_drills", "repeat", "slower", "louder", "sets_left", "reps", "equipment",
             "what_now", "restart_drill", "next_step", "previous_step")


def _recorder(coach: Coach, said: dict[str, None]) -> Callable[[Event], None]:
    """Feed an event to the coach, keeping every sentence it says (in order, once)."""

    def feed(event: Event) -> None:
        for command in coach.handle(event):
            if isinstance(command, Say):
                said[command.text] = None

    return feed


def spoken_lines(program: Program) -> list[str]:
    """Sentences in the order first said, without repeats."""
    coach = Coach(program)
    said: dict[str, None] = {}
    now = 0.0
    feed = _recorder(coach, said)

    def hear(name: str, **slots: object) -> None:
        feed(Heard(Intent(name, slots), now))

    feed(Started(now))
    for drill in program.drills:
        if drill is not program.drills[0]:
            hear("goto_drill", drill=drill.id)
        for _ in drill.steps:
            hear("next_step")
        for name in QUESTIONS:
            hear(name)
        for name in CHECK_FIRST:  # heard unsurely: asked back first
            slots = {"drill": drill.id} if name == "goto_drill" else {}
            feed(Heard(Intent(name, slots, confidence=SURE / 2), now))
            hear("no")
        for cue in drill.cues:
            for focus in cue.focus:
                hear("cue", focus=focus)
        hear("pain")
        hear("no")
        for _ in range(drill.prescription.sets):
            hear("start")
            for name in ("cue", "time_left", "pause", "resume"):
                hear(name)
            feed(TimerFired(timer_name(TimerKind.CUE), now))
            if coach.state.phase == Phase.SET:
                hear("set_done")
            timer = coach.state.timer
            if coach.state.phase == Phase.REST and timer:
                marks = {Mark.HALF: timer.total / 2, Mark.TEN: 10,
                         **{m: int(m) for m in COUNTDOWN}, Mark.END: 0}
                for mark, before in marks.items():
                    feed(TimerFired(timer_name(TimerKind.REST, mark), timer.deadline - before))
            timer = coach.state.timer
            if timer and timer.kind == TimerKind.HOLD:
                feed(TimerFired(timer_name(TimerKind.HOLD), timer.deadline))
    for name in ("next_drill", "end_workout", "yes"):
        hear(name)
    said.update(dict.fromkeys(returning_lines(program)))
    texts = [program.intro, program.summary, *program.why, *program.squat_vs_hinge,
             *program.tips]
    for drill in program.drills:
        texts += [*drill.steps, *(c.text for c in drill.cues), drill.purpose]
    return list(dict.fromkeys([*said, *texts]))


def returning_lines(program: Program) -> list[str]:
    """What a returning trainee hears: the short start, the offer to carry on, "tell me
    more", and every drill's sets counted aloud."""
    ids = frozenset(program.drill_ids)
    past = Past(sessions=1, drills_done=ids, last_finished=program.drill_ids[0])
    coach = Coach(program, past=past)
    said: dict[str, None] = {}
    now = 0.0
    feed = _recorder(coach, said)

    feed(Started(now))
    for answer in ("no", "yes", "tell_me_more", "why", "stop_counting"):
        feed(Heard(Intent(answer), now))
    for drill in program.drills:
        feed(Heard(Intent("goto_drill", {"drill": drill.id}), now))
        feed(Heard(Intent("count_reps"), now))  # before the set: asked for the sets to come
        feed(Heard(Intent("start"), now))
        for _ in range(100):  # the whole count, one word at a time
            if not coach.counter.running:
                break
            now = coach.counter.next_at
            feed(TimerFired(COUNT_TIMER, now))
        for name in ("count_reps", "faster", "slower", "stop_counting", "set_done"):
            feed(Heard(Intent(name), now))
    feed(Heard(Intent("end_workout"), now))
    feed(Heard(Intent("yes"), now))
    return list(said)
