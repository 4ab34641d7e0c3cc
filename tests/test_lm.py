"""The command language model's n-gram counts come from the template tree without listing a
sentence; they must equal what listing every sentence and counting gives."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hassil import sample_intents

from voice_coach.asr import lm
from voice_coach.asr.grammar import EMPTY, Alt, Node, Ref, Seq, WordGrammar, Words, word_grammar
from voice_coach.content.intents import Grammar
from voice_coach.content.programs import load_program

PIZZA = Path(__file__).parent / "data" / "pizza"


def counted(sentences_by_intent: dict[str, list[list[str]]]) -> list[Counter[lm.Ngram]]:
    """The slow way: every sentence, every n-gram, each intent weighing the same."""
    counts: list[Counter[lm.Ngram]] = [Counter() for _ in range(lm.ORDER + 1)]
    for texts in sentences_by_intent.values():
        weight = lm.WEIGHT_PER_INTENT / len(texts)
        for words in texts:
            tokens = [lm.START, *words, lm.END]
            for n in range(1, lm.ORDER + 1):
                for i in range(len(tokens) - n + 1):
                    gram = tuple(tokens[i:i + n])
                    if gram != (lm.START,):
                        counts[n][gram] += weight
    return counts


def assert_same(a: list[Counter[lm.Ngram]], b: list[Counter[lm.Ngram]]) -> None:
    for n in range(1, lm.ORDER + 1):
        assert set(a[n]) == set(b[n]), (n, set(a[n]) ^ set(b[n]))
        for gram, c in a[n].items():
            assert b[n][gram] == pytest.approx(c, rel=1e-9), gram


def expand(node: Node, rules: dict[str, Node]) -> list[tuple[str, ...]]:
    if isinstance(node, Words):
        return [node.words]
    if isinstance(node, Ref):
        return expand(rules[node.rule], rules)
    if isinstance(node, Alt):
        return [s for item in node.items for s in expand(item, rules)]
    out: list[tuple[str, ...]] = [()]
    for item in node.items:
        out = [a + b for a in out for b in expand(item, rules)]
    return out


def test_the_coach_grammar_counts_equal_counting_every_sentence() -> None:
    grammar = Grammar.load(load_program("hip-hinge"))
    listed: dict[str, list[list[str]]] = {}
    for intent, text in sample_intents(grammar.intents, grammar.slot_lists):
        listed.setdefault(intent, []).append(text.split())
    assert sum(map(len, listed.values())) > 10_000
    assert_same(counted(listed), lm.count_ngrams(word_grammar(grammar)))


def _random_node(rng: random.Random, depth: int, rules: list[str]) -> Node:
    vocab = ["a", "b", "c", "d"]
    kind = rng.choice(["words", "words", "seq", "alt", "ref"] if depth else ["words"])
    if kind == "words":
        return Words(tuple(rng.choice(vocab) for _ in range(rng.choice([0, 1, 1, 2, 3]))))
    if kind == "ref" and rules:
        return Ref(rng.choice(rules))
    items = tuple(_random_node(rng, depth - 1, rules) for _ in range(rng.randint(1, 3)))
    if kind == "alt":
        return Alt(items + ((EMPTY,) if rng.random() < 0.3 else ()))
    return Seq(items)


@pytest.mark.parametrize("seed", range(60))
def test_random_trees_count_like_their_sentences(seed: int) -> None:
    """Empty pieces, one-word pieces next to each other, optional parts and shared rules are the
    cases where the first and last word pairs of a join are easy to get wrong."""
    rng = random.Random(seed)
    rules = {"r0": _random_node(rng, 2, [])}
    rules["r1"] = _random_node(rng, 2, ["r0"])
    intents = {f"intent_{i}": _random_node(rng, 3, list(rules)) for i in range(3)}
    wg = WordGrammar(intents, rules, {k: k for k in intents})
    listed = {k: [list(s) for s in expand(node, rules)] for k, node in intents.items()}
    assert_same(counted(listed), lm.count_ngrams(wg))


def test_billions_of_sentences_without_listing_them(tmp_path: Path) -> None:
    """The pizza order's slot lists and orders multiply to billions of sentences."""
    wg = word_grammar(Grammar.foreign(PIZZA))
    summaries = lm._Summarizer(wg)
    orders = sum(summaries(node).n for node in wg.intents.values())
    assert orders > 1e9
    arpa = lm.arpa_for(wg, tmp_path).read_text()
    trigrams = {tuple(line.split("\t")[1].split()) for line in arpa.split("\\3-grams:")[1]
                .splitlines() if "\t" in line}
    said = "<s> can i get a large pizza with ham and olives on a thin crust".split()
    assert all(tuple(said[i:i + 3]) in trigrams for i in range(len(said) - 2))
    assert ("pizza", "pizza", "pizza") not in trigrams
    assert lm.arpa_for(wg, tmp_path).read_text() == arpa  # cached by content
