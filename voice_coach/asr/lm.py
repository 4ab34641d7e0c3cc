"""A small trigram language model of the command sentences, written as ARPA for pocketsphinx.

The n-gram counts come straight from the word-level template tree (`grammar.word_grammar`)
without listing a single sentence: each piece of the tree is summed up once as its number of
expansions, its first and last words and the n-grams inside it, and a sequence or an alternative
combines its parts' summaries. A grammar of millions of sentences therefore costs about what
one of thousands does. Every intent weighs the same (so the big slot lists of `cue` or
`goto_drill` do not drown `go` or `stop`): an intent's counts are those of one sentence drawn
uniformly from it, times `WEIGHT_PER_INTENT`.

Decoding with this model keeps the recogniser to the commands' own words and word orders while
staying robust to sounds the grammar never planned for; what it hears is then parsed by the same
templates, so only whole commands get through.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from voice_coach.asr.grammar import Alt, Node, Ref, WordGrammar, Words, word_grammar
from voice_coach.content.intents import Grammar

Ngram = tuple[str, ...]
Counts = defaultdict  # word or n-gram -> weighted count (float)
ORDER = 3
DISCOUNT = 0.5  # absolute discount on each seen n-gram
WEIGHT_PER_INTENT = 100.0
START, END = "<s>", "</s>"


@dataclass
class Summary:
    """What concatenation needs to know about all expansions of one piece of the grammar.

    Counts are summed over the expansions: `n` of them, `empty` of which have no words; `single`
    are the one-word expansions; `first`/`last` count first and last words (length >= 1),
    `first2`/`last2` first and last word pairs (length >= 2); `grams` every 1-, 2- and 3-gram
    inside an expansion.
    """

    n: float = 0.0
    empty: float = 0.0
    single: Counts[str, float] = field(default_factory=lambda: defaultdict(float))
    first: Counts[str, float] = field(default_factory=lambda: defaultdict(float))
    last: Counts[str, float] = field(default_factory=lambda: defaultdict(float))
    first2: Counts[Ngram, float] = field(default_factory=lambda: defaultdict(float))
    last2: Counts[Ngram, float] = field(default_factory=lambda: defaultdict(float))
    grams: Counts[Ngram, float] = field(default_factory=lambda: defaultdict(float))


def _scaled(counts: Counts[Ngram, float], k: float) -> Counts[Ngram, float]:
    return defaultdict(float, {key: v * k for key, v in counts.items()})


def _add(into: Counts, counter: Counts, k: float = 1.0) -> None:
    if k:
        for key, v in counter.items():
            into[key] += v * k


def words_summary(words: tuple[str, ...]) -> Summary:
    s = Summary(n=1.0)
    if not words:
        s.empty = 1.0
        return s
    if len(words) == 1:
        s.single[words[0]] = 1.0
    s.first[words[0]] = s.last[words[-1]] = 1.0
    if len(words) >= 2:
        s.first2[words[:2]] = s.last2[words[-2:]] = 1.0
    for n in range(1, ORDER + 1):
        for i in range(len(words) - n + 1):
            s.grams[words[i:i + n]] += 1.0
    return s


def concat(a: Summary, b: Summary) -> Summary:
    """The summary of every expansion of `a` followed by every expansion of `b`."""
    s = Summary(n=a.n * b.n, empty=a.empty * b.empty)
    _add(s.single, a.single, b.empty)
    _add(s.single, b.single, a.empty)
    _add(s.first, a.first, b.n)
    _add(s.first, b.first, a.empty)
    _add(s.last, b.last, a.n)
    _add(s.last, a.last, b.empty)
    _add(s.first2, a.first2, b.n)
    _add(s.first2, b.first2, a.empty)
    _add(s.last2, b.last2, a.n)
    _add(s.last2, a.last2, b.empty)
    s.grams = _scaled(a.grams, b.n)
    _add(s.grams, b.grams, a.n)
    for x, cx in a.last.items():  # n-grams across the join
        for y, cy in b.first.items():
            s.grams[(x, y)] += cx * cy
        for y2, cy in b.first2.items():
            s.grams[(x, *y2)] += cx * cy
    for x2, cx in a.last2.items():
        for y, cy in b.first.items():
            s.grams[(*x2, y)] += cx * cy
    for x, cx in a.single.items():  # a one-word piece and the next word make a first pair
        for y, cy in b.first.items():
            s.first2[(x, y)] += cx * cy
    for y, cy in b.single.items():
        for x, cx in a.last.items():
            s.last2[(x, y)] += cx * cy
    return s


def union(parts: list[Summary]) -> Summary:
    s = Summary()
    for p in parts:
        s.n += p.n
        s.empty += p.empty
        for mine, theirs in ((s.single, p.single), (s.first, p.first), (s.last, p.last),
                             (s.first2, p.first2), (s.last2, p.last2), (s.grams, p.grams)):
            _add(mine, theirs)
    return s


class _Summarizer:
    def __init__(self, wg: WordGrammar) -> None:
        self.rules = wg.all_rules()
        self._memo: dict[int, Summary] = {}

    def __call__(self, node: Node) -> Summary:
        key = id(node)
        if key not in self._memo:
            self._memo[key] = self._summary(node)
        return self._memo[key]

    def _summary(self, node: Node) -> Summary:
        if isinstance(node, Words):
            return words_summary(node.words)
        if isinstance(node, Ref):
            return self(self.rules[node.rule])
        if isinstance(node, Alt):
            return union([self(i) for i in node.items])
        out = words_summary(())
        for item in node.items:
            out = concat(out, self(item))
        return out


def count_ngrams(wg: WordGrammar) -> list[Counts[Ngram, float]]:
    """Weighted n-gram counts by order (index 1..ORDER), each intent weighing the same."""
    summarize = _Summarizer(wg)
    counts: list[Counts[Ngram, float]] = [defaultdict(float) for _ in range(ORDER + 1)]
    start, end = words_summary((START,)), words_summary((END,))
    for node in wg.intents.values():
        whole = concat(concat(start, summarize(node)), end)
        if whole.n == 0:
            continue
        for gram, c in whole.grams.items():
            if gram != (START,):
                counts[len(gram)][gram] += c * WEIGHT_PER_INTENT / whole.n
    return counts


class _Model:
    """Absolute discounting with back-off; back-off weights make each context sum to one."""

    def __init__(self, counts: list[Counts[Ngram, float]]) -> None:
        total = sum(counts[1].values())
        self.prob: list[dict[Ngram, float]] = [{} for _ in range(ORDER + 1)]
        self.prob[1] = {g: c / total for g, c in counts[1].items()}
        self.children: list[dict[Ngram, list[Ngram]]] = [defaultdict(list)
                                                          for _ in range(ORDER + 1)]
        for n in range(2, ORDER + 1):
            context_total: Counts[Ngram, float] = defaultdict(float)
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


def to_arpa(counts: list[Counts[Ngram, float]]) -> str:
    model = _Model(counts)
    model.prob[1][(START,)] = 1e-99  # a start symbol is never predicted
    lines = ["\\data\\", *(f"ngram {n}={len(model.prob[n])}" for n in range(1, ORDER + 1))]
    for n in range(1, ORDER + 1):
        lines += ["", f"\\{n}-grams:"]
        for gram in sorted(model.prob[n]):
            line = f"{math.log10(model.prob[n][gram]):.4f}\t{' '.join(gram)}"
            if n < ORDER:
                line += f"\t{math.log10(model.backoff(gram)):.4f}"
            lines.append(line)
    return "\n".join([*lines, "", "\\end\\", ""])


def arpa_for(grammar: Grammar | WordGrammar, cache: Path) -> Path:
    """The ARPA file for this grammar, built once and kept in `cache` by content hash."""
    wg = grammar if isinstance(grammar, WordGrammar) else word_grammar(grammar)
    digest = hashlib.sha1(repr((sorted(wg.intents.items()), sorted(wg.rules.items())))
                          .encode()).hexdigest()[:16]
    path = cache / f"commands-{digest}.arpa"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(to_arpa(count_ngrams(wg)), encoding="utf-8")
        tmp.replace(path)
    return path
