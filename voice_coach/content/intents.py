"""Text -> Intent with hassil templates from `intents/<lang>/*.yaml`.

The drill list is built from the program (names, aliases, "drill four", "the fourth one"), so a new
program brings its own words. The same `Grammar` feeds the speech recogniser (see asr/grammar.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from hassil import Intents, TextSlotList, recognize
from hassil.intents import SlotList

from voice_coach.core.events import Intent
from voice_coach.core.numbers import digits_to_words, number_words, ordinal_words
from voice_coach.core.program import Program
from voice_coach.errors import VoiceCoachError
from voice_coach.resources import intents_dir


class IntentsError(VoiceCoachError):
    """The intent templates cannot be loaded."""


_CONTRACTIONS = {w.replace("'", ""): w for w in (
    "what's i'm that's let's don't can't didn't isn't i've you're how's where's".split())}


def normalize(text: str) -> str:
    """Lower-case words only: 'What's the cue?!' -> "what's the cue"; 'drill 4' -> 'drill four'."""
    text = text.lower().replace("-", " ").replace("’", "'")
    text = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", lambda m: ordinal_words(int(m.group(1))), text)
    text = digits_to_words(text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    words = (w.strip("'") for w in text.split())
    return " ".join(_CONTRACTIONS.get(w, w) for w in words if w)


def drill_phrases(program: Program) -> list[tuple[str, str]]:
    """Every way to name each drill, as (spoken words, drill id)."""
    pairs: list[tuple[str, str]] = []
    for n, drill in enumerate(program.drills, start=1):
        names = [drill.name, *drill.aliases]
        names += [f"drill {number_words(n)}", f"exercise {number_words(n)}",
                  f"number {number_words(n)}", f"the {ordinal_words(n)} drill",
                  f"the {ordinal_words(n)} exercise", f"the {ordinal_words(n)} one"]
        pairs += [(normalize(name), drill.id) for name in names]
    return list(dict.fromkeys(pairs))


@dataclass
class Grammar:
    """Loaded templates plus every slot list, ready for matching or for building an ASR grammar."""

    intents: Intents
    slot_lists: dict[str, SlotList]

    @classmethod
    def load(cls, program: Program, folder: Path | None = None) -> Grammar:
        folder = folder or intents_dir()
        files = sorted(folder.glob("*.yaml"))
        if not files:
            raise IntentsError(f"{folder}: no intent template files (*.yaml)")
        merged: dict = {"language": "en", "intents": {}, "lists": {}, "expansion_rules": {}}
        for path in files:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise IntentsError(f"{path}: not valid YAML: {exc}") from None
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
        drill_list = TextSlotList.from_tuples(drill_phrases(program), name="drill")
        return cls(intents, {**intents.slot_lists, "drill": drill_list})


def check_handlers(grammar: Grammar, handled: Iterable[str]) -> None:
    """Fail loudly unless every intent in the templates has a handler and every handler an
    intent."""
    names, handled = set(grammar.intents.intents), set(handled)
    problems = [f"intent '{n}' has no handler in the coach" for n in sorted(names - handled)]
    problems += [f"the coach handles '{n}' but no template says it"
                 for n in sorted(handled - names)]
    if problems:
        raise IntentsError("; ".join(problems))


class IntentParser:
    """Matches a whole utterance against the templates; anything else is not a command."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar

    def parse(self, text: str, confidence: float = 1.0) -> Intent | None:
        words = normalize(text)
        if not words:
            return None
        result = recognize(words, self.grammar.intents, slot_lists=self.grammar.slot_lists)
        if result is None:
            return None
        slots = {name: entity.value for name, entity in result.entities.items()}
        return Intent(result.intent.name, slots, confidence, words)
