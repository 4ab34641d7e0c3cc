"""Counting reps aloud at the drill's tempo: "One ... Up. Two ... Hold, two, one. Up. Three".

Every word is a deadline on the session clock, worked out from the start of its rep (never
from the word before it), and goes out as a StartTimer like every other timer of the coach, so
a count keeps its beat however late a word is handled. Only one word is scheduled at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_coach.core.answers import Answers
from voice_coach.core.clock import Clockwork
from voice_coach.core.context import Context, speech_seconds
from voice_coach.core.events import CancelTimer, Command, Intent, Priority, Say, StartTimer
from voice_coach.core.numbers import number_words
from voice_coach.core.state import Phase, TimerKind, timer_name

COUNT_TIMER = timer_name(TimerKind.COUNT)
LEAD_IN = 0.5  # seconds of quiet between the coach's sentence and the first count
STEP = 1.25  # "slower" stretches the tempo by this much, "faster" shrinks it
SLOWEST, FASTEST = 2.0, 0.5  # limits of the tempo scale


@dataclass(frozen=True)
class Beat:
    at: float  # seconds into the rep
    word: str


def rep_beats(rep: int, down: float, hold: float, up: float) -> list[Beat]:
    """The words of one rep: its number as it starts, a counted hold, then "up"."""
    beats = [Beat(0.0, number_words(rep).capitalize() + ".")]
    if hold >= 1:
        whole = int(hold)
        beats.append(Beat(down, "Hold."))
        beats += [Beat(down + whole - left, number_words(left).capitalize() + ".")
                  for left in range(whole - 1, 0, -1)]
    beats.append(Beat(down + hold, "Up."))
    return beats


class Counter:
    """The rep count of the set in progress; `ctx.state.counting` is whether the trainee wants
    sets counted at all."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.running = False
        self.scale = 1.0
        self._next_scale = 1.0  # "faster"/"slower" take effect at the next rep
        self._rep = 0
        self._side = 1
        self._rep_start = 0.0
        self._beat = 0
        self._next_at = 0.0  # the deadline of the scheduled word

    # ---- starting and stopping

    def start(self, after: str = "") -> list[Command]:
        """Start counting from rep one once `after` (what the coach says first) is said."""
        self._rep, self._side = 1, 1
        return self.resume(after)

    def resume(self, after: str = "") -> list[Command]:
        """Count again from the start of the rep that was interrupted (by a pause)."""
        self.running, self._beat = True, 0
        self._rep_start = self.ctx.now + speech_seconds(after) + LEAD_IN
        return self._schedule()

    @property
    def next_at(self) -> float:
        """The session time of the next word."""
        return self._next_at

    @property
    def interrupted(self) -> bool:
        """Stopped part-way through a set (a pause): `resume` carries on."""
        return not self.running and self._rep > 0

    def stop(self) -> list[Command]:
        if not self.running:
            return []
        self.running = False
        return [CancelTimer(COUNT_TIMER)]

    def reset(self) -> list[Command]:
        """The set is over: stop, and forget where the count was."""
        cmds = self.stop()
        self._rep = 0
        return cmds

    def retempo(self, faster: bool) -> str:
        """Change the tempo from the next rep on; the words to say about it."""
        scale = self._next_scale / STEP if faster else self._next_scale * STEP
        if not FASTEST <= round(scale, 6) <= SLOWEST:
            return "That's as fast as I count." if faster else "That's as slow as I count."
        self._next_scale = scale
        # never the bare command word: heard back from the speaker it would act again
        return "Okay, a faster count." if faster else "Okay, a slower count."

    # ---- the beat

    def fired(self, at: float) -> list[Command]:
        """The scheduled word is due; a stale timer (the count stopped or moved) says nothing."""
        if not self.running or abs(at - self._next_at) > 1e-6:
            return []
        if self.ctx.state.phase != Phase.SET:
            return self.stop()
        beats = self._beats()
        if self._beat >= len(beats):  # the rep is over: the next one, or the end
            return self._next_rep()
        word = beats[self._beat].word
        self._beat += 1
        return [*self.ctx.say(word, priority=Priority.TIMING), *self._schedule()]

    def _next_rep(self) -> list[Command]:
        p = self.ctx.current.prescription
        reps = p.reps or 0
        self._rep_start += self._rep_length()
        self._beat, self.scale = 0, self._next_scale
        if self._rep < reps:
            self._rep += 1
            return self.fired(self._next_at)
        if p.per_side and self._side == 1:
            self._side, self._rep = 2, 1
            self._rep_start += 1.0  # a second to swap
            return [*self.ctx.say("Other side.", priority=Priority.TIMING),
                    *self._schedule()]
        self.running, self._rep = False, 0
        return self.ctx.say(f"That's {number_words(reps)}. Say done when you finish.",
                            priority=Priority.TIMING)

    def _tempo(self) -> tuple[float, float, float]:
        t = self.ctx.current.counting_tempo()
        return t.down * self.scale, t.hold * self.scale, t.up * self.scale

    def _rep_length(self) -> float:
        return sum(self._tempo())

    def _beats(self) -> list[Beat]:
        down, hold, up = self._tempo()
        return rep_beats(self._rep, down, hold, up)

    def _schedule(self) -> list[Command]:
        """The next word's timer: its deadline from the start of its rep."""
        beats = self._beats()
        offset = beats[self._beat].at if self._beat < len(beats) else self._rep_length()
        self._next_at = self._rep_start + offset
        return [StartTimer(COUNT_TIMER, max(0.0, self._next_at - self.ctx.now))]


class Counting:
    """The trainee's side of counting: "count for me", "stop counting", and the commands that
    mean something else while a count runs ("faster" is the tempo, "pause" holds the count)."""

    def __init__(self, ctx: Context, counter: Counter, answers: Answers,
                 clock: Clockwork) -> None:
        self.ctx, self.counter, self.answers, self.clock = ctx, counter, answers, clock

    def count_reps(self, intent: Intent) -> list[Command]:
        ctx, s = self.ctx, self.ctx.state
        d = ctx.current
        if d.prescription.timed:
            return ctx.say("This one is a timed hold: I count it down for you.",
                           ctx.time_left() if s.phase == Phase.SET else "")
        s.counting = True
        if s.phase != Phase.SET:
            return ctx.say("Okay, I'll count your reps once the set starts.")
        if self.counter.running:
            return ctx.say("I'm counting.")
        text = f"Counting {number_words(d.prescription.reps or 0)} reps."
        return [*ctx.say(text), *self.counter.start(after=text)]

    def stop_counting(self, intent: Intent) -> list[Command]:
        self.ctx.state.counting = False
        cmds = self.counter.reset()
        return [*cmds, *self.ctx.say("Okay, no counting.", self.ctx.resume_hint())]

    def stop(self, intent: Intent) -> list[Command]:
        """ "stop" silences the coach, and a count with it."""
        return [*self.counter.reset(), *self.answers.stop(intent)]

    def faster(self, intent: Intent) -> list[Command]:
        if self.counter.running:
            return self.ctx.say(self.counter.retempo(faster=True))
        return self.answers.faster(intent)

    def slower(self, intent: Intent) -> list[Command]:
        if self.counter.running:
            return self.ctx.say(self.counter.retempo(faster=False))
        return self.answers.slower(intent)

    def pause(self, intent: Intent) -> list[Command]:
        return [*self.counter.stop(), *self.clock.pause(intent)]

    def resume(self, intent: Intent) -> list[Command]:
        cmds = self.clock.resume(intent)
        if self.counter.interrupted and self.ctx.state.phase == Phase.SET:
            say = next((c for c in cmds if isinstance(c, Say)), None)
            cmds += self.counter.resume(after=say.text if say else "")
        return cmds
