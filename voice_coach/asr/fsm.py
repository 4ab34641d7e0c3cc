"""The command grammar as a finite-state automaton: what pocketsphinx's grammar search decodes.

Epsilon-free and minimal, built here rather than by pocketsphinx's JSGF compiler (whose null
transitions its FSG search does not follow after a leading silence).
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_coach.asr.grammar import Alt, GrammarError, Node, Ref, WordGrammar, Words, word_grammar
from voice_coach.content.intents import Grammar


@dataclass
class Fsm:
    """An epsilon-free word automaton with one start and one final state (no arcs leave it)."""

    n_states: int
    start: int
    final: int
    arcs: list[tuple[int, int, str]]  # (from, to, word)


def _nfa(wg: WordGrammar) -> tuple[int, int, list[tuple[int, int, str | None]]]:
    rules = wg.all_rules()
    arcs: list[tuple[int, int, str | None]] = []
    count = [2]

    def new() -> int:
        count[0] += 1
        return count[0] - 1

    def build(node: Node, a: int, b: int, depth: int = 0) -> None:
        if depth > 50:
            raise GrammarError("expansion rules nest too deep (does a rule use itself?)")
        if isinstance(node, Words):
            states = [a] + [new() for _ in node.words[1:]] + [b]
            if not node.words:
                arcs.append((a, b, None))
            for i, word in enumerate(node.words):
                arcs.append((states[i], states[i + 1], word))
        elif isinstance(node, Ref):
            build(rules[node.rule], a, b, depth + 1)
        elif isinstance(node, Alt):
            for item in node.items:
                build(item, a, b, depth + 1)
        elif not node.items:
            arcs.append((a, b, None))
        else:
            states = [a] + [new() for _ in node.items[1:]] + [b]
            for i, item in enumerate(node.items):
                build(item, states[i], states[i + 1], depth + 1)

    for node in wg.intents.values():
        build(node, 0, 1)
    return count[0], 0, arcs


def _determinize(starts: frozenset[int], finals: set[int],
                 arcs: dict[int, list[tuple[str, int]]],
                 ) -> tuple[list[tuple[int, int, str]], set[int]]:
    """Subset construction over an epsilon-free automaton; the DFA starts in state 0."""
    index = {starts: 0}
    todo = [starts]
    out: list[tuple[int, int, str]] = []
    dfa_finals: set[int] = set()
    while todo:
        subset = todo.pop()
        src = index[subset]
        if subset & finals:
            dfa_finals.add(src)
        moves: dict[str, set[int]] = {}
        for s in subset:
            for word, t in arcs.get(s, ()):
                moves.setdefault(word, set()).add(t)
        for word in sorted(moves):
            target = frozenset(moves[word])
            if target not in index:
                index[target] = len(index)
                todo.append(target)
            out.append((src, index[target], word))
    return out, dfa_finals


def _by_source(arcs: list[tuple[int, int, str]], reverse: bool = False,
               ) -> dict[int, list[tuple[str, int]]]:
    table: dict[int, list[tuple[str, int]]] = {}
    for a, b, w in arcs:
        src, dst = (b, a) if reverse else (a, b)
        table.setdefault(src, []).append((w, dst))
    return table


def to_fsm(grammar: Grammar | WordGrammar) -> Fsm:
    """The grammar as a minimal deterministic word automaton (Brzozowski: reverse, determinize,
    twice), then given the single final state pocketsphinx wants."""
    wg = grammar if isinstance(grammar, WordGrammar) else word_grammar(grammar)
    n, start, eps_arcs = _nfa(wg)
    # epsilon removal
    eps: dict[int, list[int]] = {}
    words: dict[int, list[tuple[str, int]]] = {}
    for a, b, w in eps_arcs:
        if w is None:
            eps.setdefault(a, []).append(b)
        else:
            words.setdefault(a, []).append((w, b))
    arcs: list[tuple[int, int, str]] = []
    finals: set[int] = set()
    for s in range(n):
        closure, stack = {s}, [s]
        while stack:
            for t in eps.get(stack.pop(), ()):
                if t not in closure:
                    closure.add(t)
                    stack.append(t)
        if 1 in closure:
            finals.add(s)
        arcs += [(s, dst, w) for t in closure for w, dst in words.get(t, ())]
    # minimise: det(rev(det(rev(A))))
    rev, rev_finals = _determinize(frozenset(finals), {start}, _by_source(arcs, reverse=True))
    fwd, fwd_finals = _determinize(frozenset(rev_finals), {0}, _by_source(rev, reverse=True))
    n_dfa = 1 + max([max(a, b) for a, b, _ in fwd], default=0)
    final = n_dfa
    has_out = {a for a, _, _ in fwd}
    out: list[tuple[int, int, str]] = []
    for a, b, w in fwd:
        if b in fwd_finals:
            out.append((a, final, w))
        if b in has_out:
            out.append((a, b, w))
    return Fsm(n_dfa + 1, 0, final, sorted(set(out)))
