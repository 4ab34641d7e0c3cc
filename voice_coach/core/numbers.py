"""Spoken English numbers, both ways, for the small range a coach needs.

One number grammar: `duration_phrases` and `count_phrases` are every way the coach understands
a duration or a count, and mark the ones people say aloud often enough to be part of the
recogniser's language (the parser takes them all; see content/intents.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
             "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def number_words(n: int) -> str:
    """0..999 as words: 45 -> 'forty five'."""
    if not 0 <= n < 1000:
        raise ValueError(f"{n} is out of range")
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return _TENS[tens] + (f" {_UNITS[units]}" if units else "")
    hundreds, rest = divmod(n, 100)
    return f"{_UNITS[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


def ordinal_words(n: int) -> str:
    """1..99 as an ordinal: 4 -> 'fourth', 21 -> 'twenty first'."""
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINALS:
        words[-1] = _ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def digits_to_words(text: str) -> str:
    """Spell out every whole number in `text` ('drill 4' -> 'drill four')."""
    return re.sub(r"\d{1,3}", lambda m: number_words(int(m.group())), text)


def duration_words(seconds: float) -> str:
    """A duration the way a coach says it: 90 -> 'a minute and a half', 45 -> '45 seconds'."""
    s = max(0, round(seconds))
    minutes, secs = divmod(s, 60)
    if minutes == 0:
        return "one second" if secs == 1 else f"{number_words(secs)} seconds"
    if secs == 30 and minutes == 1:
        return "a minute and a half"
    head = "one minute" if minutes == 1 else f"{number_words(minutes)} minutes"
    if secs == 0:
        return head
    return f"{head} and {number_words(secs)} seconds"


# ---- the number grammar: every phrase for a duration or a count, as (words, value)

MIN_DURATION, MAX_DURATION = 5, 600  # a rest or added time: five seconds to ten minutes
# Amounts of seconds people say aloud ("rest forty five", "thirty more seconds").
COMMON_SECONDS = frozenset({*range(5, 65, 5), 90})
COMMON_COUNT = 5  # "two more sets"; counts up to ten are understood when typed


@dataclass(frozen=True)
class Phrase:
    words: str
    value: int
    common: bool  # said aloud often: part of the recogniser's language as well


def cardinals(n: int) -> list[str]:
    """Every way to say a whole number: 120 -> 'one hundred twenty', 'a hundred and twenty'..."""
    if n < 100:
        return [number_words(n)]
    hundreds, rest = divmod(n, 100)
    heads = [f"{_UNITS[hundreds]} hundred", *(["a hundred"] if hundreds == 1 else [])]
    if not rest:
        return heads
    return [f"{head}{joint}{number_words(rest)}" for head in heads for joint in (" ", " and ")]


def _minutes(m: int) -> list[str]:
    return ["a minute", "one minute"] if m == 1 else [f"{number_words(m)} minutes"]


def _duration(s: int) -> list[Phrase]:
    """All phrases for `s` seconds: in seconds, in minutes, minutes and seconds, and halves."""
    out: list[Phrase] = []
    minutes, secs = divmod(s, 60)
    for n in cardinals(s):
        common = s in COMMON_SECONDS and n == number_words(s)
        out.append(Phrase(f"{n} seconds", s, common))
        if s % 5 == 0:  # a bare number is a duration only when round: "rest forty five"
            out.append(Phrase(n, s, common))
    if minutes and not secs:
        out += [Phrase(head, s, True) for head in _minutes(minutes)]
    elif minutes:
        tail = number_words(secs)
        for head in _minutes(minutes):
            for joint in (" ", " and "):
                out.append(Phrase(f"{head}{joint}{tail} seconds", s, False))
                out.append(Phrase(f"{head}{joint}{tail}", s,
                                  head == "a minute" and joint == " " and secs % 15 == 0))
    if secs == 30 and minutes:
        out.append(Phrase(f"{number_words(minutes)} and a half minutes", s, minutes <= 4))
        out += [Phrase(f"{head} and a half", s, head == "a minute") for head in
                _minutes(minutes)]
    if s == 30:
        out += [Phrase("half a minute", s, True), Phrase("a half minute", s, False)]
    return out


def duration_phrases(most: int = MAX_DURATION) -> list[Phrase]:
    """Every duration from five seconds to `most`, in every form; what `duration_words` says
    is always among them."""
    return [p for s in range(MIN_DURATION, most + 1) for p in _duration(s)]


def second_counts() -> list[Phrase]:
    """A number of seconds without the unit, for "thirty more seconds", "a 45 second rest"."""
    return [Phrase(n, s, s in COMMON_SECONDS and n == number_words(s))
            for s in range(MIN_DURATION, MAX_DURATION) for n in cardinals(s)]


def minute_counts() -> list[Phrase]:
    """Two to ten whole minutes without the unit ("two more minutes"), valued in seconds."""
    return [Phrase(number_words(m), 60 * m, True) for m in range(2, MAX_DURATION // 60 + 1)]


def count_phrases(most: int = 10) -> list[Phrase]:
    """Small counts: 'two' (more sets)."""
    return [Phrase(number_words(n), n, n <= COMMON_COUNT) for n in range(1, most + 1)]
