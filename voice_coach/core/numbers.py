"""Spoken English numbers, both ways, for the small range a coach needs."""

from __future__ import annotations

import re

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
