"""The coach's answers to questions and requests that change little: cues, mistakes, why,
where am I, how long left, help, and the voice controls."""

from __future__ import annotations

from voice_coach.core.context import Context
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

    def repeat(self, intent: Intent) -> list[Command]:
        return self.ctx.say(self.ctx.state.last_said or self.ctx.program.intro)

    def slower(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=-1), *self.ctx.say("Okay, slower.")]

    def faster(self, intent: Intent) -> list[Command]:
        return [SetVoice(rate_steps=1), *self.ctx.say("Okay, faster.")]

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
