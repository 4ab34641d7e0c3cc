"""Text -> Intent with hassil templates from `intents/<lang>/*.yaml`.

The drill list is built from the program (names, aliases, "drill four", "the fourth one"), so a new
program brings its own words; durations and counts come from one number grammar
(core/numbers.py). The same `Grammar` feeds the speech recogniser (see asr/grammar.py): its
`intents` and `slot_lists` are what is said aloud; `parse_intents` and `parse_lists` add what is
only typed (sentences and values marked `metadata: {typed: true}`: words the recogniser's
dictionary lacks, phrasings that cost it more false actions than they bring, every duration up
to ten minutes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents, TextSlotList, recognize
from hassil.intents import IntentData, SlotList, TextSlotValue

from voice_coach.core.events import Intent
from voice_coach.core.numbers import (
    Phrase,
    count_phrases,
    digits_to_words,
    duration_phrases,
    minute_counts,
    number_words,
    ordinal_words,
    second_counts,
)
from voice_coach.core.program import Program
from voice_coach.errors import VoiceCoachError
from voice_coach.resources import data_dir, intents_dir


class IntentsError(VoiceCoachError):
    """The intent templates cannot be loaded."""


_CONTRACTIONS = {w.replace("'", ""): w for w in (
    "what's i'm that's let's don't can't didn't isn't i've you're how's where's".split())}
_UNITS = {"s": "seconds", "sec": "seconds", "secs": "seconds", "m": "minutes", "min": "minutes",
          "mins": "minutes"}


def _typed_numbers(text: str) -> str:
    """Typed durations as words: '1:30' -> 'one minute thirty seconds', '90s' -> '90 seconds',
    '2.5 min' -> '2 and a half minutes'."""
    def clock(m: re.Match[str]) -> str:
        minutes, secs = int(m.group(1)), int(m.group(2))
        head = "" if not minutes else "one minute" if minutes == 1 else f"{minutes} minutes"
        return f"{head} {secs} seconds" if secs else head or "0 seconds"

    text = re.sub(r"\b(\d{1,2}):([0-5]\d)\b", clock, text)
    text = re.sub(r"\b(\d{1,3})\.5\s*(m|min|mins|minutes?)\b", r"\1 and a half minutes", text)
    return re.sub(r"\b(\d{1,3})\s*(s|secs?|m|mins?)\b",
                  lambda m: f"{m.group(1)} {_UNITS[m.group(2)]}", text)


def normalize(text: str) -> str:
    """Lower-case words only: 'What's the cue?!' -> "what's the cue"; 'drill 4' -> 'drill four'."""
    text = _typed_numbers(text.lower().replace("-", " ").replace("’", "'"))
    text = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", lambda m: ordinal_words(int(m.group(1))), text)
    text = digits_to_words(text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    words = (w.strip("'") for w in text.split())
    return " ".join(_CONTRACTIONS.get(w, w) for w in words if w)


# A program without equipment leaves the `gear` list empty: its templates are simply not said,
# which hassil's sampler would otherwise warn about on the console.
logging.getLogger("hassil.sample").setLevel(logging.ERROR)


@cache
def dictionary_words() -> frozenset[str]:
    """Every word the recogniser has a pronunciation for: pocketsphinx's CMU dictionary and
    the coach's own additions."""
    import pocketsphinx

    words: set[str] = set()
    for path in (Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict")),
                 data_dir("dict") / "extra.dict"):
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].split(" ", 1)[0].split("(", 1)[0]
            if word:
                words.add(word)
    return frozenset(words)


def drill_phrases(program: Program) -> list[tuple[str, str]]:
    """Every way to name each drill, as (spoken words, drill id)."""
    pairs: list[tuple[str, str]] = []
    for n, drill in enumerate(program.drills, start=1):
        names = [drill.name, *drill.aliases]
        names += [f"{name} drill" for name in names if not name.startswith("the ") and
                  name.split()[-1] not in ("drill", "exercise", "one", "hinge", "movement")]
        names += [f"drill {number_words(n)}", f"exercise {number_words(n)}",
                  f"number {number_words(n)}", f"the {ordinal_words(n)} drill",
                  f"the {ordinal_words(n)} exercise", f"the {ordinal_words(n)} one"]
        pairs += [(normalize(name), drill.id) for name in names]
    return list(dict.fromkeys(pairs))


def gear_phrases(program: Program) -> list[tuple[str, str]]:
    """The program's equipment, as (spoken words, words): "light kettlebell", "kettlebell"."""
    items = {normalize(e) for d in program.drills for e in d.equipment}
    names = sorted(items | {i.split()[-1] for i in items})
    return [(n, n) for n in names]


# The coach's numbers, from the one number grammar (a template folder may not redefine them).
NUMBER_LISTS = {"seconds": duration_phrases, "second_count": second_counts,
                "minute_count": minute_counts, "count": count_phrases}


def _number_list(name: str, phrases: Iterable[Phrase]) -> TextSlotList:
    return TextSlotList.from_tuples([(p.words, p.value) for p in phrases], name=name)


def _typed(item: TextSlotValue | IntentData) -> bool:
    return bool((item.metadata or {}).get("typed"))


def _spoken(intents: Intents) -> Intents:
    """The templates without their typed-only sentences."""
    kept = {name: replace(intent, data=[d for d in intent.data if not _typed(d)])
            for name, intent in intents.intents.items()}
    return replace(intents, intents={n: i for n, i in kept.items() if i.data})


@dataclass(frozen=True)
class Fillers:
    """Words around a command that change nothing ("um, next please", "coach, can you pause")."""

    anywhere: frozenset[str] = frozenset()
    before: tuple[str, ...] = ()  # longest first
    after: tuple[str, ...] = ()
    typed: dict[str, str] = field(default_factory=dict)  # word -> the template word it means

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fillers:
        def phrases(key: str) -> tuple[str, ...]:
            return tuple(sorted({normalize(w) for w in data.get(key) or []}, key=len,
                                reverse=True))
        return cls(frozenset(phrases("anywhere")), phrases("before"), phrases("after"),
                   {normalize(k): normalize(v) for k, v in (data.get("typed") or {}).items()})

    def readings(self, words: str) -> list[str]:
        """The sentence as said, then with fillers dropped one at a time (first the ones said
        anywhere, then from the front, then from the end): a command is looked for in order."""
        kept: list[str] = []
        for w in words.split():
            w = self.typed.get(w, w)
            if w not in self.anywhere and (not kept or kept[-1] != w):  # "stop stop" -> "stop"
                kept.append(w)
        out = [words, text := " ".join(kept)]
        for fillers, start in ((self.before, True), (self.after, False)):
            while stripped := _strip_one(text, fillers, start):
                out.append(text := stripped)
        return [t for t in dict.fromkeys(out) if t]


def _strip_one(text: str, phrases: tuple[str, ...], start: bool) -> str | None:
    """`text` without one filler phrase at its start (or end); None if there is none."""
    for p in phrases:
        if start and text.startswith(p + " "):
            return text[len(p) + 1:]
        if not start and text.endswith(" " + p):
            return text[:-len(p) - 1]
    return None


@dataclass
class Grammar:
    """Loaded templates plus every slot list, ready for matching or for building an ASR grammar."""

    intents: Intents  # what is said aloud: the recogniser's language
    slot_lists: dict[str, SlotList]
    parse_intents: Intents | None = None  # plus what is only typed (default: the same)
    parse_lists: dict[str, SlotList] = field(default_factory=dict)
    fillers: Fillers = field(default_factory=Fillers)
    dictionaries: tuple[Path, ...] = ()  # the folder's own pronunciations (*.dict), if any
    # names in the program the recogniser has no pronunciation for: understood when typed
    unhearable: dict[str, list[str]] = field(default_factory=dict)  # name -> its unknown words

    def __post_init__(self) -> None:
        self.parse_intents = self.parse_intents or self.intents
        self.parse_lists = {**self.slot_lists, **self.parse_lists}

    @classmethod
    def load(cls, program: Program, folder: Path | None = None) -> Grammar:
        """The coach's templates (or another folder of them) with the program's drills and the
        coach's numbers."""
        grammar = cls.foreign(folder or intents_dir())
        for name, phrases in NUMBER_LISTS.items():
            if name in grammar.slot_lists:
                raise IntentsError(f"list '{name}' comes from the number grammar; "
                                   "remove it from the templates")
            every = list(phrases())
            grammar.slot_lists[name] = _number_list(name, (p for p in every if p.common))
            grammar.parse_lists[name] = _number_list(name, every)
        bundled = Path(program.source).parent == data_dir("programs")
        for name, pairs in (("drill", drill_phrases(program)), ("gear", gear_phrases(program))):
            grammar.parse_lists[name] = TextSlotList.from_tuples(pairs, name=name)
            heard = pairs
            if not bundled:  # a trainee's program may name things the recogniser cannot say
                heard = []
                for words, value in pairs:
                    unknown = [w for w in words.split() if w not in dictionary_words()]
                    if unknown:
                        grammar.unhearable[words] = unknown
                    else:
                        heard.append((words, value))
            grammar.slot_lists[name] = TextSlotList.from_tuples(heard, name=name)
        return grammar

    @classmethod
    def foreign(cls, folder: Path) -> Grammar:
        """Any folder of hassil YAML intents with its own lists (for other command sets)."""
        if not folder.is_dir():
            raise IntentsError(f"{folder}: not a folder of intent templates")
        files = sorted(folder.glob("*.yaml"))
        if not files:
            raise IntentsError(f"{folder}: no intent template files (*.yaml)")
        merged: dict = {"language": "en", "intents": {}, "lists": {}, "expansion_rules": {}}
        fillers: dict[str, Any] = {}
        for path in files:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise IntentsError(f"{path}: not valid YAML: {exc}") from None
            if not isinstance(data, dict):
                raise IntentsError(f"{path}: expected a mapping of intents, lists and rules")
            fillers.update(data.get("fillers") or {})
            for key in ("intents", "lists", "expansion_rules"):
                for name, value in (data.get(key) or {}).items():
                    if name in merged[key] and key != "intents":
                        raise IntentsError(f"{path}: {key[:-1]} '{name}' is defined twice")
                    if key == "intents" and name in merged[key]:
                        merged[key][name]["data"] += value["data"]
                    else:
                        merged[key][name] = value
        try:
            intents = Intents.from_dict(merged)
        except Exception as exc:  # hassil raises several types for bad templates
            raise IntentsError(f"{folder}: bad intent template: {exc}") from None
        spoken: dict[str, SlotList] = {}
        for name, slot_list in intents.slot_lists.items():
            if isinstance(slot_list, TextSlotList) and any(map(_typed, slot_list.values)):
                slot_list = TextSlotList(name, [v for v in slot_list.values if not _typed(v)])
            spoken[name] = slot_list
        return cls(_spoken(intents), spoken, intents, dict(intents.slot_lists),
                   Fillers.from_dict(fillers), tuple(sorted(folder.glob("*.dict"))))


def check_handlers(grammar: Grammar, handled: Iterable[str]) -> None:
    """Fail loudly unless every intent in the templates has a handler and every handler an
    intent."""
    assert grammar.parse_intents is not None
    names, handled = set(grammar.parse_intents.intents), set(handled)
    problems = [f"intent '{n}' has no handler in the coach" for n in sorted(names - handled)]
    problems += [f"the coach handles '{n}' but no template says it"
                 for n in sorted(handled - names)]
    if problems:
        raise IntentsError("; ".join(problems))


class IntentParser:
    """Matches a whole utterance against the templates; anything else is not a command.

    Fillers ("um", "coach", "please") are dropped only when the sentence as said is not a
    command; nothing is ever matched loosely.
    """

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar

    def parse(self, text: str, confidence: float = 1.0) -> Intent | None:
        g = self.grammar
        for words in g.fillers.readings(normalize(text)):
            result = recognize(words, g.parse_intents or g.intents, slot_lists=g.parse_lists)
            if result is not None:
                slots = {name: entity.value for name, entity in result.entities.items()}
                return Intent(result.intent.name, slots, confidence, words)
        return None
