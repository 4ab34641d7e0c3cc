"""The coach's answers to questions and requests that change little: cues, mistakes, why,
where am I, how long left, help, and the voice controls."""

from __future__ import annotations

from voice_coach.core.context import Context, prescription_words
from voice_coach.core.events import Command, Intent, Priority, Record, SetVoice, StopSpeaking
from voice_coach.core.numbers import number_words
from voice_coach.core.program import Mistake
from voice_coach.core.state import Phase


class Answers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list_drills(self, intent: Intent) -> list[Command]:
        names = "; ".join(f"{number_words(i)}, {d.name}"
                          for i, d in enumerate(self.ctx.program.drills, start=1))
        return self.ctx.say(f"The drills are: {names}.")

    def current_drill(self, intent: Intent) -> list[Command]:
        ctx, s = self.ctx, self.ctx.state
        n, total = number_words(s.drill + 1), number_words(len(ctx.program.drills))
        where = ctx.set_label() if s.phase in (Phase.SET, Phase.REST, Phase.SETUP) else ""
        return ctx.say(f"Drill {n} of {total}, {ctx.current.name}.", where)

    def sets_left(self, intent: Intent) -> list[Command]:
        """ "what set am I on?", "how many sets left?" """
        ctx, s = self.ctx, self.ctx.state
        total = ctx.total_sets()
        if s.phase == Phase.DONE:
            return ctx.say("The workout is finished.")
        if s.phase == Phase.DRILL_DONE:
            return ctx.say(f"All {number_words(total)} sets of this drill are done.",
                           ctx.resume_hint())
        left = total - s.set_number
        if s.phase == Phase.SET:
            more = f"{number_words(left).capitalize()} more after this." if left else \
                "This is the last set."
            return ctx.say(ctx.set_label(), more)
        last = " It's the last one." if not left else ""
        return ctx.say(f"Next is {ctx.set_label().lower()[:-1]}.{last}")

    def reps(self, intent: Intent) -> list[Command]:
        """ "how many reps?": the prescription, and where we are in it."""
        ctx = self.ctx
        text = prescription_words(ctx.current, ctx.total_sets()).capitalize() + "."
        where = ctx.set_label() if ctx.state.phase in (Phase.SET, Phase.REST) else ""
        return ctx.say(text, where)

    def equipment(self, intent: Intent) -> list[Command]:
        """ "what equipment do I need?", "do I need a kettlebell?" """
        ctx, d = self.ctx, self.ctx.current
        kit = ", ".join(d.equipment)
        asked = intent.slots.get("gear")
        if asked:
            if any(str(asked) in item for item in d.equipment):
                return ctx.say(f"Yes. For the {d.name}: {kit}.")
            return ctx.say(f"No {asked} for this one.", f"You need: {kit}." if kit else
                           "No equipment at all.")
        return ctx.say(f"For the {d.name}: {kit}." if kit else
                       f"No equipment for the {d.name}.")

    def repeat(self, intent: Intent) -> list[Command]:
        return self.ctx.say(self.ctx.state.last_said or self.ctx.program.intro)

    def slower(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=-1), *self.ctx.say("Okay, speaking slower.")]

    def faster(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=1), *self.ctx.say("Okay, speaking faster.")]

    def louder(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=1), *self.ctx.say("Louder.")]

    def quieter(self, intent: Intent) -> list[Command]:
        return [SetVoice(volume_steps=-1), *self.ctx.say("Quieter.")]

    def cue(self, intent: Intent) -> list[Command]:
        focus = intent.slots.get("focus")
        cue = self.ctx.next_cue(str(focus) if focus else None)
        self.ctx.state.cues_asked += 1
        text = cue.text if cue else "Move slowly and keep your back flat."
        return [Record("cue", {"drill": self.ctx.current.id, "focus": focus, "text": text}),
                *self.ctx.say(text)]

    def unprompted_cue(self) -> list[Command]:
        """A few seconds into an early set, one cue without being asked."""
        if self.ctx.state.phase != Phase.SET:
            return []
        cue = self.ctx.next_cue(None)
        return self.ctx.say(cue.text, priority=Priority.CHATTER) if cue else []

    def mistakes(self, intent: Intent) -> list[Command]:
        ctx = self.ctx
        mistakes: list[Mistake] = [*ctx.current.mistakes, *ctx.program.mistakes]
        if not mistakes:
            return ctx.say("No common mistakes are listed for this drill.")
        m = mistakes[ctx.state.mistake_turn % len(mistakes)]
        ctx.state.mistake_turn += 1
        more = " Ask again for another." if len(mistakes) > 1 else ""
        return ctx.say(f"Common mistake: {m.mistake} The fix: {m.fix}{more}")

    def why(self, intent: Intent) -> list[Command]:
        lines = self.ctx.program.why or (self.ctx.current.purpose,)
        line = lines[self.ctx.state.why_turn % len(lines)]
        self.ctx.state.why_turn += 1
        return self.ctx.say(line)

    def squat_vs_hinge(self, intent: Intent) -> list[Command]:
        return self.ctx.say(" ".join(self.ctx.program.squat_vs_hinge) or "A hinge is mostly hips.")

    def time_left(self, intent: Intent) -> list[Command]:
        return self.ctx.say(self.ctx.time_left())

    def stop(self, intent: Intent) -> list[Command]:
        return [StopSpeaking()]

    def help(self, intent: Intent) -> list[Command]:
        return self.ctx.say(self.ctx.help())
