"""The coach's answers to questions: cues, mistakes, why, where am I, how long left, help.

A mixin of `Coach`: these handlers read the state and speak, and change little else.
"""

from __future__ import annotations

from voice_coach.coach_state import DONE, DRILL_DONE, REST, SET, SETUP, State, pick_cue
from voice_coach.events import Command, Intent, Priority, Record, Say, SetVoice, StopSpeaking
from voice_coach.numbers import duration_words, number_words
from voice_coach.program import Cue, Drill, Mistake, Program

HELP = {
    SETUP: "next step, repeat, what's the cue, go",
    SET: "done, what's the cue, pause, that hurts",
    REST: "how long left, add thirty seconds, skip rest, pause",
    DRILL_DONE: "next drill, list drills, why, end workout",
    DONE: "list drills, go to drill one, end workout",
}


class Answers:
    program: Program
    state: State
    _now: float

    @property
    def current(self) -> Drill:
        return self.program.drills[self.state.drill]

    def _say(self, *texts: str, priority: Priority = Priority.ANSWER) -> list[Command]:
        text = " ".join(t for t in texts if t)
        if priority is not Priority.TIMING:
            self.state.last_said = text
        return [Say(text, priority)]

    def _set_label(self) -> str:
        total = self.current.prescription.sets
        return f"Set {number_words(self.state.set_number)} of {number_words(total)}."

    def _resume_hint(self) -> str:
        return {SETUP: "Say next step or go.", SET: "Say done when you finish the set.",
                REST: "", DRILL_DONE: "Say next drill when you're ready.",
                DONE: ""}[self.state.phase]

    def _cue_phase(self) -> str:
        return {SET: "set", REST: "rest"}.get(self.state.phase, "setup")

    def _next_cue(self, focus: str | None) -> Cue | None:
        return pick_cue(self.program, self.state, self._cue_phase(), focus)

    def _mistakes(self) -> list[Mistake]:
        return [*self.current.mistakes, *self.program.mistakes]

    def _time_left(self) -> str:
        timer = self.state.timer
        if timer is None:
            if self.state.phase == SET:
                return f"No clock on this one. {self._set_label()} Say done when you finish."
            return "There's no timer running."
        left = duration_words(timer.left(self._now))
        what = "rest" if timer.kind == "rest" else "this hold"
        paused = " We're paused." if timer.paused_left is not None else ""
        return f"{left.capitalize()} left in {what}.{paused}"

    def _help(self) -> str:
        return f"You can say: {HELP[self.state.phase]}. Or stop, louder, quieter."

    # ---- intents

    def _on_list_drills(self, intent: Intent) -> list[Command]:
        names = "; ".join(f"{number_words(i)}, {d.name}"
                          for i, d in enumerate(self.program.drills, start=1))
        return self._say(f"The drills are: {names}.")

    def _on_current_drill(self, intent: Intent) -> list[Command]:
        s = self.state
        n, total = number_words(s.drill + 1), number_words(len(self.program.drills))
        where = self._set_label() if s.phase in (SET, REST, SETUP) else ""
        return self._say(f"Drill {n} of {total}, {self.current.name}.", where)

    def _on_repeat(self, intent: Intent) -> list[Command]:
        return self._say(self.state.last_said or self.program.intro)

    def _on_slower(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=-1), *self._say("Okay, slower.")]

    def _on_faster(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=1), *self._say("Okay, faster.")]

    def _on_louder(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=1), *self._say("Louder.")]

    def _on_quieter(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=-1), *self._say("Quieter.")]

    def _on_cue(self, intent: Intent) -> list[Command]:
        focus = intent.slots.get("focus")
        cue = self._next_cue(str(focus) if focus else None)
        self.state.cues_asked += 1
        text = cue.text if cue else "Move slowly and keep your back flat."
        return [Record("cue", {"drill": self.current.id, "focus": focus, "text": text}),
                *self._say(text)]

    def _on_mistakes(self, intent: Intent) -> list[Command]:
        mistakes = self._mistakes()
        m = mistakes[self.state.mistake_turn % len(mistakes)]
        self.state.mistake_turn += 1
        more = " Ask again for another." if len(mistakes) > 1 else ""
        return self._say(f"Common mistake: {m.mistake} The fix: {m.fix}{more}")

    def _on_why(self, intent: Intent) -> list[Command]:
        lines = self.program.why or (self.current.purpose,)
        line = lines[self.state.why_turn % len(lines)]
        self.state.why_turn += 1
        return self._say(line)

    def _on_squat_vs_hinge(self, intent: Intent) -> list[Command]:
        return self._say(" ".join(self.program.squat_vs_hinge) or "A hinge is mostly hips.")

    def _on_time_left(self, intent: Intent) -> list[Command]:
        return self._say(self._time_left())

    def _on_stop(self, intent: Intent) -> list[Command]:
        return [StopSpeaking()]

    def _on_help(self, intent: Intent) -> list[Command]:
        return self._say(self._help())

