"""Every sentence the coach can say for a program: for pre-rendering speech and for making sure
the recogniser never acts on the coach's own voice.

Found by walking the real coach through the program, not by keeping a second list in sync.
"""

from __future__ import annotations

from voice_coach.coach import Coach
from voice_coach.coach_state import REST, SET
from voice_coach.events import Heard, Intent, Say, Started, TimerFired
from voice_coach.program import Program

_ASK = ("cue", "mistakes", "why", "squat_vs_hinge", "help", "time_left", "current_drill",
        "list_drills", "repeat", "slower", "louder", "next_step", "previous_step")


def spoken_lines(program: Program) -> list[str]:
    """Sentences in the order first said, without repeats."""
    coach = Coach(program)
    said: dict[str, None] = {}
    now = 0.0

    def feed(event) -> None:
        for command in coach.handle(event):
            if isinstance(command, Say):
                said[command.text] = None

    def hear(name: str, **slots) -> None:
        feed(Heard(Intent(name, slots), now))

    feed(Started(now))
    for drill in program.drills:
        if drill is not program.drills[0]:
            hear("goto_drill", drill=drill.id)
        for _ in drill.steps:
            hear("next_step")
        for name in _ASK:
            hear(name)
        for cue in drill.cues:
            for focus in cue.focus:
                hear("cue", focus=focus)
        hear("pain")
        hear("no")
        for _ in range(drill.prescription.sets):
            hear("start")
            for name in ("cue", "time_left", "pause", "resume"):
                hear(name)
            feed(TimerFired("cue", now))
            if coach.state.phase == SET:
                hear("set_done")
            if coach.state.phase == REST and coach.state.timer:
                timer = coach.state.timer
                marks = {"rest:half": timer.total / 2, "rest:10": 10, "rest:3": 3, "rest:2": 2,
                         "rest:1": 1, "rest": 0}
                for name, before in marks.items():
                    feed(TimerFired(name, timer.deadline - before))
            if coach.state.timer and coach.state.timer.kind == "hold":
                feed(TimerFired("hold", coach.state.timer.deadline))
    for name in ("next_drill", "end_workout", "yes"):
        hear(name)
    texts = [program.intro, program.summary, *program.why, *program.squat_vs_hinge,
             *program.tips]
    for drill in program.drills:
        texts += [*drill.steps, *(c.text for c in drill.cues), drill.purpose]
    return list(dict.fromkeys([*said, *texts]))
