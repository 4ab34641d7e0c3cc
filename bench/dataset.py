"""The speech evaluation set: a deterministic manifest of clips, rendered on demand.

Build or refresh the committed manifest (after the intent templates or the program change)::

    .venv/bin/python -m bench.dataset            # writes audio/eval/manifest.jsonl
    .venv/bin/python -m bench.dataset --check    # exit 1 if the committed manifest is stale

Kinds of clip (`kind`):

- ``positive``: a command. Phrasings are drawn from the intent templates (hassil), per intent,
  with a fixed seed; the expected intent and slots are what `IntentParser.parse` makes of the text.
- ``negative``: non-command speech (chatter, counting, coffee orders, audiobook sentences, single
  words, near misses — see `bench/negatives.py`), plus silence and noise-only clips.
- ``coach``: every sentence the coach itself speaks (program text + its fixed phrases), in the
  coach's own TTS voice. The coach must never act on these (self-hearing).

Splits (`split`): ``tune`` uses only the voices the ASR is tuned on (`TUNE_VOICES`); ``test`` uses
only other voices (`TEST_VOICES`, no variant shared with the tune voices) and disjoint negative
sentences. Headline numbers come from ``test``. Coach clips use the coach's voice and are ``test``.

Each clip lists its `conditions`: clean, and one random noise segment per SNR (noise type rotated,
offset seeded), so the same manifest always gives the same mixes (see `bench/noise.py`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sequence,
    TextChunk,
)
from hassil.intents import RangeSlotList, TextSlotList
from hassil.sample import sample_intents
from hassil.util import normalize_whitespace

from bench.audio import ROOT
from bench.negatives import NEGATIVES
from bench.noise import BED_SECONDS, NOISE_TYPES, RATE

MANIFEST = ROOT / "audio" / "eval" / "manifest.jsonl"
PROGRAM = "hip-hinge"
SEED = 1234

# The ASR helper tunes decoder settings and gates on these; they never appear in `test`.
TUNE_VOICES = ("en-us+f3", "en-gb", "en+m3", "en+f2", "en-us+klatt")
# Unseen voices: other accents and other variants (none of f3, m3, f2, klatt).
TEST_VOICES = (
    "en-us", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
    "en-us-nyc", "en+m1", "en+m2", "en-us+m4", "en-029+m5", "en-us+m6", "en+m7",
    "en+f1", "en-us+f4", "en-gb-scotland+f5", "en-us+klatt2", "en+klatt4", "en-gb-x-rp+croak",
    "en-us+Andy", "en+Annie", "en-us-nyc+m8",
)
RATES = (120, 200)  # words per minute, uniform
PITCHES = (25, 75)  # espeak-ng -p, uniform (default 50)
# The coach's own voice: pyttsx3's espeak driver with the default voice ("en"); espeak-ng's
# default rate is 175, pyttsx3 sets 200, so coach lines alternate between the two.
COACH_VOICE, COACH_RATES, COACH_PITCH = "en", (175, 200), 50

PER_INTENT = {"test": 8, "tune": 5}
QUICK_PER_INTENT = 1
SNRS = (24, 18, 12, 6)
ENUMERATE_LIMIT = 3000  # intents with at most this many phrasings are enumerated by hassil
MAX_CLIP_S = 12  # noise offsets leave room for a clip this long before wrapping


# ---- sampling phrasings from the templates


class _Wildcard(Exception):
    pass


def _spoken(text: str) -> str:
    from voice_coach.core.numbers import digits_to_words

    return normalize_whitespace(digits_to_words(text)).strip()


def _walk(expr: Expression, grammar: Any, rules: dict, rng: random.Random) -> str:
    """One random sentence from a hassil expression (a random walk over its alternatives)."""
    if isinstance(expr, TextChunk):
        return expr.original_text
    if isinstance(expr, Alternative):
        return _walk(rng.choice(expr.items), grammar, rules, rng)
    if isinstance(expr, Permutation):
        items = list(expr.items)
        rng.shuffle(items)
        return " ".join(_walk(i, grammar, rules, rng) for i in items)
    if isinstance(expr, Sequence):
        return "".join(_walk(i, grammar, rules, rng) for i in expr.items)
    if isinstance(expr, RuleReference):
        return _walk(rules[expr.rule_name].expression, grammar, rules, rng)
    if isinstance(expr, ListReference):
        slot_list = grammar.slot_lists[expr.list_name]
        if isinstance(slot_list, TextSlotList):
            return _walk(rng.choice(slot_list.values).text_in, grammar, rules, rng)
        if isinstance(slot_list, RangeSlotList):
            numbers = range(slot_list.start, slot_list.stop + 1, slot_list.step)
            return str(rng.choice(numbers))
        raise _Wildcard(expr.list_name)
    raise TypeError(f"unexpected template expression {expr!r}")


def phrasings(grammar: Any, intent_name: str, count: int, rng: random.Random) -> list[str]:
    """`count` distinct phrasings of an intent (fewer if the templates have fewer).

    Small intents are enumerated completely with hassil's `sample_intents` and sampled uniformly
    with the seeded `rng`. Intents with number ranges or long lists have too many phrasings to
    enumerate (and a capped enumeration only varies the last words), so for those each phrasing is
    a seeded random walk: a template sentence at random, then a random choice at every branch.
    """
    every: list[str] = []
    for _, text in sample_intents(grammar.intents, slot_lists=grammar.slot_lists,
                                  intent_names={intent_name}, language="en",
                                  max_sentences_per_intent=ENUMERATE_LIMIT + 1):
        every.append(_spoken(text))
    unique = list(dict.fromkeys(t for t in every if t))
    if len(every) <= ENUMERATE_LIMIT:
        return rng.sample(unique, min(count, len(unique)))
    intent = grammar.intents.intents[intent_name]
    sentences = [(data, s) for data in intent.data for s in data.sentences]
    found: dict[str, None] = {}
    for _ in range(count * 50):
        data, sentence = rng.choice(sentences)
        rules = {**grammar.intents.expansion_rules, **(data.expansion_rules or {})}
        try:
            text = _spoken(_walk(sentence.expression, grammar, rules, rng))
        except _Wildcard:
            continue
        if text:
            found[text] = None
        if len(found) >= count:
            break
    return list(found)


# ---- the coach's own sentences


_SKIP_FIELDS = {"id", "source", "aliases", "equipment", "easier", "focus", "phases"}


def _program_text(obj: Any) -> Iterator[str]:
    """Every spoken string in a Program: walk the dataclasses, skipping ids and tag lists."""
    if isinstance(obj, str):
        yield obj
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name not in _SKIP_FIELDS:
                yield from _program_text(getattr(obj, f.name))
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _program_text(item)


def sentences(text: str) -> list[str]:
    """Split a paragraph the way a mic hears it: one utterance per sentence."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p.strip() for p in parts if re.search(r"[A-Za-z0-9]", p)]


def coach_lines(program: Any) -> tuple[list[str], str]:
    """The coach's own sentences, and where they came from."""
    import importlib

    texts = list(_program_text(program))
    source = "program text"
    for module_name in ("voice_coach.core.lines", "voice_coach.core.coach"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, "spoken_lines"):
            texts += list(module.spoken_lines(program))
            source = f"program text + {module_name}.spoken_lines"
            break
    lines: dict[str, None] = {}
    for text in texts:
        for s in sentences(text):
            lines[s] = None
    return list(lines), source


# ---- building the manifest


def _voice_cycle(voices: tuple[str, ...], rng: random.Random) -> Iterator[str]:
    while True:
        order = list(voices)
        rng.shuffle(order)
        yield from order


def _conditions(index: int, rng: random.Random, snrs: tuple[int, ...] = SNRS) -> list[dict]:
    """Clean plus one noisy version per SNR; the noise type rotates so each is used evenly."""
    conds: list[dict] = [{"name": "clean", "snr": None, "noise": None, "offset": 0}]
    for j, snr in enumerate(snrs):
        noise = NOISE_TYPES[(index + j) % len(NOISE_TYPES)]
        offset = rng.randrange((BED_SECONDS - MAX_CLIP_S) * RATE)
        conds.append({"name": f"{snr}dB", "snr": snr, "noise": noise, "offset": offset})
    return conds


def _render_params(rng: random.Random, voices: Iterator[str]) -> dict:
    return {"voice": next(voices), "rate": rng.randint(*RATES), "pitch": rng.randint(*PITCHES)}


def build(program_id: str = PROGRAM) -> tuple[list[dict], list[str]]:
    """All clips (deterministic for given templates, program and negatives) and warnings."""
    from voice_coach.content.intents import Grammar, IntentParser
    from voice_coach.content.programs import load_program

    program = load_program(program_id)
    grammar = Grammar.load(program)
    parser = IntentParser(grammar)
    clips: list[dict] = []
    warnings: list[str] = []

    # positives
    for split in ("test", "tune"):
        voices = _voice_cycle(TEST_VOICES if split == "test" else TUNE_VOICES,
                              random.Random(f"{SEED}:voices:{split}"))
        for intent_index, intent_name in enumerate(sorted(grammar.intents.intents)):
            rng = random.Random(f"{SEED}:{split}:{intent_name}")
            texts = phrasings(grammar, intent_name, PER_INTENT[split], rng)
            n = 0
            for text in texts * (PER_INTENT[split] // max(1, len(texts)) + 1):
                if n >= PER_INTENT[split]:
                    break
                parsed = parser.parse(text)
                if parsed is None:
                    warnings.append(f"template phrasing not parsed back: {intent_name}: {text!r}")
                    continue
                if parsed.name != intent_name:
                    warnings.append(f"{intent_name} phrasing {text!r} parses as {parsed.name}")
                clip_id = f"pos-{split}-{intent_name}-{n:02d}"
                crng = random.Random(f"{SEED}:{clip_id}")
                clips.append({
                    "id": clip_id, "kind": "positive", "split": split, "category": intent_name,
                    "text": text, **_render_params(crng, voices),
                    "expected": {"intent": parsed.name,
                                 "slots": json.loads(json.dumps(parsed.slots, default=str))},
                    "conditions": _conditions(intent_index + n, crng),
                    "quick": split == "test" and n < QUICK_PER_INTENT,
                })
                n += 1
            if n < PER_INTENT[split]:
                warnings.append(f"{intent_name}: only {n} {split} clips")

    # negative speech
    neg_index: Counter[str] = Counter()
    voices_by_split = {s: _voice_cycle(TEST_VOICES if s == "test" else TUNE_VOICES,
                                       random.Random(f"{SEED}:neg-voices:{s}"))
                       for s in ("test", "tune")}
    for category, texts in NEGATIVES.items():
        counts: Counter[str] = Counter()
        for i, text in enumerate(texts):
            parsed = parser.parse(text)
            if parsed is not None:
                warnings.append(f"negative {text!r} is a command ({parsed.name}); left out")
                continue
            split = "tune" if i % 4 == 3 else "test"
            clip_id = f"neg-{split}-{category}-{counts[split]:02d}"
            counts[split] += 1
            crng = random.Random(f"{SEED}:{clip_id}")
            # One condition each: every other clip clean, the others noisy, cycling through
            # every (SNR, noise type) pair.
            k, noisy = divmod(neg_index[split], 2)
            snrs = (SNRS[k % len(SNRS)],) if noisy else ()
            conds = _conditions(k // len(SNRS), crng, snrs)[1 if noisy else 0:]
            clips.append({
                "id": clip_id, "kind": "negative", "split": split, "category": category,
                "text": text, **_render_params(crng, voices_by_split[split]), "expected": None,
                "conditions": conds, "quick": split == "test" and counts[split] <= 3,
            })
            neg_index[split] += 1

    # silence and noise only (no voice, rendered by bench/noise.py)
    for i, (seconds, level_db) in enumerate(((1.0, None), (2.0, -70), (3.0, -60), (2.0, -50))):
        clips.append({
            "id": f"neg-test-silence-{i:02d}", "kind": "negative", "split": "test",
            "category": "silence", "text": "", "voice": None, "rate": None, "pitch": None,
            "expected": None,
            "synth": {"type": "silence", "seconds": seconds, "level_db": level_db},
            "conditions": [{"name": "as-is", "snr": None, "noise": None, "offset": 0}],
            "quick": i < 2,
        })
    for t, noise in enumerate(NOISE_TYPES):
        for j, peak in enumerate((0.5, 0.1, 0.02)):
            clip_id = f"neg-test-noise-{noise}-{j}"
            crng = random.Random(f"{SEED}:{clip_id}")
            clips.append({
                "id": clip_id, "kind": "negative", "split": "test", "category": "noise",
                "text": "", "voice": None, "rate": None, "pitch": None, "expected": None,
                "synth": {"type": "noise", "noise": noise, "seconds": float(2 + j),
                          "offset": crng.randrange((BED_SECONDS - 5) * RATE), "peak": peak},
                "conditions": [{"name": "as-is", "snr": None, "noise": None, "offset": 0}],
                "quick": j == 0 and t % 2 == 0,
            })

    # the coach's own voice
    lines, source = coach_lines(program)
    for i, text in enumerate(lines):
        clip_id = f"coach-{i:03d}"
        crng = random.Random(f"{SEED}:{clip_id}")
        parsed = parser.parse(text)
        clips.append({
            "id": clip_id, "kind": "coach", "split": "test", "category": "coach",
            "text": text, "voice": COACH_VOICE, "rate": COACH_RATES[i % len(COACH_RATES)],
            "pitch": COACH_PITCH, "expected": None,
            "parses_as": parsed.name if parsed else None,
            # Clean only: the coach's speaker is next to its mic, so its own voice dominates.
            "conditions": _conditions(i, crng, ()),
            "quick": i % 24 == 0,
        })
        if parsed is not None:
            warnings.append(f"the coach says {text!r}, which the templates read as {parsed.name}")
    warnings.append(f"coach lines from {source}")
    return clips, warnings


def dumps(clips: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False, sort_keys=True) + "\n" for c in clips)


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no evaluation manifest; build it with "
                                f"`python -m bench.dataset`")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def summary(clips: list[dict]) -> str:
    c = Counter((clip["split"], clip["kind"], clip["category"] if clip["kind"] == "negative"
                 else "") for clip in clips)
    rows = [f"  {split:5} {kind:9} {cat:12} {n:4}" for (split, kind, cat), n in sorted(c.items())]
    intents = {clip["expected"]["intent"] for clip in clips if clip["kind"] == "positive"}
    return "\n".join([f"{len(clips)} clips, {len(intents)} intents", *rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=MANIFEST)
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the manifest differs from a fresh build")
    ap.add_argument("--quiet", action="store_true", help="no warnings")
    args = ap.parse_args(argv)
    clips, warnings = build()
    if not args.quiet:
        for w in warnings:
            print(f"note: {w}", file=sys.stderr)
    text = dumps(clips)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run `python -m bench.dataset`", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}\n{summary(clips)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
