"""A small trigram language model of the command sentences, written as ARPA for pocketsphinx.

Every sentence the templates can produce is counted, each intent weighted equally (so the big
slot lists of `cue` or `goto_drill` do not drown `go` or `stop`). Decoding with this model keeps
the recogniser to the commands' own words and word orders while staying robust to sounds the
grammar never planned for; the n-best list is then parsed by the same templates, so only whole
commands get through.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from pathlib import Path

from hassil import sample_intents

from voice_coach.content.intents import Grammar

Ngram = tuple[str, ...]
ORDER = 3
DISCOUNT = 0.5  # absolute discount on each seen n-gram
WEIGHT_PER_INTENT = 100.0


def sentences(grammar: Grammar) -> dict[str, list[list[str]]]:
    """Every expanded template sentence, by intent."""
    out: dict[str, list[list[str]]] = defaultdict(list)
    for intent, text in sample_intents(grammar.intents, grammar.slot_lists):
        out[intent].append(text.split())
    return out


def count_ngrams(by_intent: dict[str, list[list[str]]]) -> list[Counter[Ngram]]:
    counts: list[Counter[Ngram]] = [Counter() for _ in range(ORDER + 1)]  # weighted counts
    for texts in by_intent.values():
        weight = WEIGHT_PER_INTENT / len(texts)
        for words in texts:
            tokens = ["<s>", *words, "</s>"]
            for n in range(1, ORDER + 1):
                for i in range(len(tokens) - n + 1):
                    gram = tuple(tokens[i:i + n])
                    if gram != ("<s>",):
                        counts[n][gram] += weight  # type: ignore[assignment]
    return counts


class _Model:
    """Absolute discounting with back-off; back-off weights make each context sum to one."""

    def __init__(self, counts: list[Counter[Ngram]]) -> None:
        total = sum(counts[1].values())
        self.prob: list[dict[Ngram, float]] = [{} for _ in range(ORDER + 1)]
        self.prob[1] = {g: c / total for g, c in counts[1].items()}
        self.children: list[dict[Ngram, list[Ngram]]] = [defaultdict(list)
                                                          for _ in range(ORDER + 1)]
        for n in range(2, ORDER + 1):
            context_total: Counter[Ngram] = Counter()
            for gram, c in counts[n].items():
                context_total[gram[:-1]] += c
            for gram, c in counts[n].items():
                self.prob[n][gram] = max(c - DISCOUNT, c * 0.1) / context_total[gram[:-1]]
                self.children[n][gram[:-1]].append(gram)
        self._backoff: dict[Ngram, float] = {}

    def p(self, gram: Ngram) -> float:
        n = len(gram)
        if gram in self.prob[n]:
            return self.prob[n][gram]
        if n == 1:
            return 1e-7
        return self.backoff(gram[:-1]) * self.p(gram[1:])

    def backoff(self, context: Ngram) -> float:
        if context not in self._backoff:
            seen = self.children[len(context) + 1].get(context, [])
            if not seen:
                self._backoff[context] = 1.0
            else:
                left = 1.0 - sum(self.prob[len(context) + 1][g] for g in seen)
                lower = 1.0 - sum(self.p(g[1:]) for g in seen)
                self._backoff[context] = max(left, 1e-9) / max(lower, 1e-9)
        return self._backoff[context]


def to_arpa(counts: list[Counter[Ngram]]) -> str:
    model = _Model(counts)
    model.prob[1][("<s>",)] = 1e-99  # a start symbol is never predicted
    lines = ["\\data\\", *(f"ngram {n}={len(model.prob[n])}" for n in range(1, ORDER + 1))]
    for n in range(1, ORDER + 1):
        lines += ["", f"\\{n}-grams:"]
        for gram in sorted(model.prob[n]):
            line = f"{math.log10(model.prob[n][gram]):.4f}\t{' '.join(gram)}"
            if n < ORDER:
                line += f"\t{math.log10(model.backoff(gram)):.4f}"
            lines.append(line)
    return "\n".join([*lines, "", "\\end\\", ""])


def arpa_for(grammar: Grammar, cache: Path) -> Path:
    """The ARPA file for this grammar, built once and kept in `cache` by content hash."""
    by_intent = sentences(grammar)
    digest = hashlib.sha1(repr(sorted((k, sorted(map(tuple, v))) for k, v in
                                      by_intent.items())).encode()).hexdigest()[:16]
    path = cache / f"commands-{digest}.arpa"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(to_arpa(count_ngrams(by_intent)), encoding="utf-8")
        tmp.replace(path)
    return path
