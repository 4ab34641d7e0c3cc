"""Every sentence the coach can say for a program: for pre-rendering speech and for making sure
the recogniser never acts on the coach's own voice.

Found by walking the real coach through the program, not by keeping a second list in sync.
"""

from __future__ import annotations

from voice_coach.core.coach import CHECK_FIRST, SURE, Coach
from voice_coach.core.events import Event, Heard, Intent, Say, Started, TimerFired
from voice_coach.core.program import Program
from voice_coach.core.state import COUNTDOWN, Mark, Phase, TimerKind, timer_name

# questions and requests asked in every drill's setup
QUESTIONS = ("cue", "mistakes", "why", "squat_vs_hinge", "help", "time_left", "current_drill",
             "list_drills", "repeat", "slower", "louder", "sets_left", "reps", "equipment",
             "what_now", "restart_drill", "next_step", "previous_step")


def spoken_lines(program: Program) -> list[str]:
    """Sentences in the order first said, without repeats."""
    coach = Coach(program)
    said: dict[str, None] = {}
    now = 0.0

    def feed(event: Event) -> None:
        for command in coach.handle(event):
            if isinstance(command, Say):
                said[command.text] = None

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
    texts = [program.intro, program.summary, *program.why, *program.squat_vs_hinge,
             *program.tips]
    for drill in program.drills:
        texts += [*drill.steps, *(c.text for c in drill.cues), drill.purpose]
    return list(dict.fromkeys([*said, *texts]))
