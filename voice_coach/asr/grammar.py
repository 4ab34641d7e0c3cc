"""Intent templates -> recogniser grammars (JSGF for pocketsphinx, a phrase list for vosk).

The hassil `Grammar` (intents, slot lists, expansion rules) is walked once into a tiny word-level
tree (`Words`, `Seq`, `Alt`, `Ref`). From that tree we emit:

- a *factored* JSGF grammar: one public rule per intent, one rule per expansion rule and per slot
  list, alternatives merged into prefix trees so that number ranges and drill names share words
  ("one hundred (five | ten | ...)"). No sentence is ever enumerated for pocketsphinx.
- a phrase list for vosk (full sentences, or single words when there would be too many);
- the set of words, to check against the pronunciation dictionary.

Words are normalised exactly like `content.intents.normalize`, so what a recogniser outputs
is what the intent matcher expects.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sequence,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList

from voice_coach.content.intents import Grammar, normalize
from voice_coach.core.numbers import number_words
from voice_coach.errors import VoiceCoachError

MAX_PHRASES = 20_000  # above this the vosk phrase list falls back to single words
_MAX_GLUE = 200  # expansions of a run of glued template pieces ("drill[s]")


class GrammarError(VoiceCoachError):
    """The templates cannot be turned into a recogniser grammar."""


# ---- the word-level tree


@dataclass(frozen=True)
class Words:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    items: tuple[Node, ...]  # Seq(()) in here makes the alternative optional


@dataclass(frozen=True)
class Ref:
    rule: str  # a JSGF rule name (without <>)


Node = Words | Seq | Alt | Ref
EMPTY = Seq(())


@dataclass
class WordGrammar:
    """The whole command grammar as word-level rules."""

    intents: dict[str, Node]  # JSGF rule name -> body, one per intent
    rules: dict[str, Node] = field(default_factory=dict)  # shared rules (expansions, lists)
    intent_names: dict[str, str] = field(default_factory=dict)  # rule name -> intent name

    def all_rules(self) -> dict[str, Node]:
        return {**self.intents, **self.rules}


def rule_name(kind: str, name: str) -> str:
    """A JSGF-safe rule name: 'list_body_part', 'intent_next_drill'."""
    return f"{kind}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"


def _words(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


def seq(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        if isinstance(item, Seq):
            flat.extend(item.items)
        elif isinstance(item, Words) and not item.words:
            continue
        else:
            flat.append(item)
    merged: list[Node] = []
    for item in flat:  # join neighbouring word runs
        if merged and isinstance(item, Words) and isinstance(merged[-1], Words):
            merged[-1] = Words(merged[-1].words + item.words)
        else:
            merged.append(item)
    return merged[0] if len(merged) == 1 else Seq(tuple(merged))


def alt(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        for sub in item.items if isinstance(item, Alt) else (item,):
            if isinstance(sub, Words) and not sub.words:
                sub = EMPTY
            if sub not in flat:
                flat.append(sub)
    if all(isinstance(i, Words) or i == EMPTY for i in flat):
        return factor([i.words if isinstance(i, Words) else () for i in flat])
    return flat[0] if len(flat) == 1 else Alt(tuple(flat))


def factor(phrases: list[tuple[str, ...]]) -> Node:
    """Alternatives of word sequences as a prefix tree: shared first words are said once."""
    if len(phrases) == 1:
        return Words(phrases[0]) if phrases[0] else EMPTY
    groups: dict[str, list[tuple[str, ...]]] = {}
    has_empty = False
    for p in phrases:
        if p:
            groups.setdefault(p[0], []).append(p[1:])
        else:
            has_empty = True
    branches: list[Node] = [seq([Words((w,)), factor(list(dict.fromkeys(rest)))])
                            for w, rest in groups.items()]
    if has_empty:
        branches.append(EMPTY)
    return branches[0] if len(branches) == 1 else Alt(tuple(branches))


# ---- hassil expression trees -> word-level tree


def _edge(expr: Expression, end: bool) -> bool | None:
    """Does `expr` start (end) on a word boundary? None for an empty piece."""
    if isinstance(expr, TextChunk):
        if not expr.text:
            return None
        ch = expr.text[-1] if end else expr.text[0]
        return not (ch.isalnum() or ch == "'")
    if isinstance(expr, Sequence) and not isinstance(expr, (Alternative, Permutation)):
        items = reversed(expr.items) if end else expr.items
        for item in items:
            e = _edge(item, end)
            if e is not None:
                return e
        return None
    if isinstance(expr, (Alternative, Permutation)):
        edges = [_edge(i, end) for i in expr.items]
        known = [e for e in edges if e is not None]
        return None if not known else all(known)
    return True  # list and rule references are whole words


class _Converter:
    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.rules: dict[str, Node] = {}
        self._local_rules: dict[str, Expression] = {}
        self._local_lists: dict[str, SlotList] = {}

    # entry points

    def intent(self, name: str) -> Node:
        bodies: list[Node] = []
        for data in self.grammar.intents.intents[name].data:
            self._local_rules = {k: v.expression for k, v in data.expansion_rules.items()}
            self._local_lists = dict(data.slot_lists)
            for sentence in data.sentences:
                try:
                    bodies.append(self.node(sentence.expression))
                except GrammarError as exc:
                    raise GrammarError(f"intent '{name}', sentence '{sentence.text}': "
                                       f"{exc}") from None
        return alt(bodies)

    # tree walk

    def node(self, expr: Expression) -> Node:
        if isinstance(expr, TextChunk):
            return Words(_words(expr.text))
        if isinstance(expr, Permutation):
            orders = itertools.permutations(expr.items)
            return alt([seq([self.node(i) for i in order]) for order in orders])
        if isinstance(expr, Alternative):
            return alt([self.node(i) for i in expr.items])
        if isinstance(expr, Sequence):
            return seq([self._glued_run(run) if len(run) > 1 else self.node(run[0])
                        for run in self._runs(expr.items)])
        if isinstance(expr, ListReference):
            return self.list_ref(expr)
        if isinstance(expr, RuleReference):
            return self.rule_ref(expr.rule_name)
        raise GrammarError(f"unsupported template piece {type(expr).__name__}")

    @staticmethod
    def _runs(items: list[Expression]) -> Iterator[list[Expression]]:
        """Split a sequence where pieces meet on a word boundary ("drill[s]" stays together)."""
        run: list[Expression] = []
        for item in items:
            if run and (_edge(run[-1], True) is not False or _edge(item, False) is not False):
                yield run
                run = []
            run.append(item)
        if run:
            yield run

    def _glued_run(self, run: list[Expression]) -> Node:
        texts = [""]
        for item in run:
            texts = [t + s for t in texts for s in self._strings(item)]
            if len(texts) > _MAX_GLUE:
                raise GrammarError("too many variants of one glued word")
        return alt([Words(_words(t)) for t in texts])

    def _strings(self, expr: Expression) -> list[str]:
        if isinstance(expr, TextChunk):
            return [expr.text]
        if isinstance(expr, Alternative):
            return [s for i in expr.items for s in self._strings(i)]
        if isinstance(expr, Sequence) and not isinstance(expr, Permutation):
            out = [""]
            for item in expr.items:
                out = [a + b for a in out for b in self._strings(item)]
            return out
        raise GrammarError("a list, rule or permutation is glued to a word without a space")

    def rule_ref(self, name: str) -> Node:
        if name in self._local_rules:
            return self.node(self._local_rules[name])
        rules = self.grammar.intents.expansion_rules
        if name not in rules:
            raise GrammarError(f"unknown expansion rule <{name}>")
        key = rule_name("rule", name)
        if key not in self.rules:
            self.rules[key] = EMPTY  # guards against a rule that names itself
            self.rules[key] = self.node(rules[name].expression)
        return Ref(key)

    def list_ref(self, ref: ListReference) -> Node:
        if ref.is_inline_range:
            start, stop, step = ref.get_inline_range() or (0, 0, 1)
            return _numbers(range(start, stop + 1, step))
        name = ref.list_name
        local = name in self._local_lists
        slot_list = self._local_lists.get(name) or self.grammar.slot_lists.get(name)
        if slot_list is None:
            raise GrammarError(f"unknown slot list {{{name}}}")
        if local:
            return self._list_body(slot_list, name)
        key = rule_name("list", name)
        if key not in self.rules:
            self.rules[key] = self._list_body(slot_list, name)
        return Ref(key)

    def _list_body(self, slot_list: SlotList, name: str) -> Node:
        if isinstance(slot_list, RangeSlotList):
            if slot_list.fraction_type is not None:
                raise GrammarError(f"list {{{name}}}: fractions cannot be spoken yet")
            return _numbers(range(slot_list.start, slot_list.stop + 1, slot_list.step))
        if isinstance(slot_list, TextSlotList):
            return alt([self.node(v.text_in) for v in slot_list.values])
        if isinstance(slot_list, WildcardSlotList):
            raise GrammarError(f"list {{{name}}} is a wildcard, which a closed grammar cannot hear")
        raise GrammarError(f"list {{{name}}} has an unknown type {type(slot_list).__name__}")


def _numbers(values: range) -> Node:
    return factor([tuple(number_words(n).split()) for n in values])


def word_grammar(grammar: Grammar) -> WordGrammar:
    conv = _Converter(grammar)
    intents: dict[str, Node] = {}
    names: dict[str, str] = {}
    for name in sorted(grammar.intents.intents):
        key = rule_name("intent", name)
        intents[key] = conv.intent(name)
        names[key] = name
    if not intents:
        raise GrammarError("the templates define no intents")
    return WordGrammar(intents, conv.rules, names)


# ---- outputs


def _jsgf_body(node: Node) -> str:
    if isinstance(node, Words):
        return " ".join(node.words)
    if isinstance(node, Ref):
        return f"<{node.rule}>"
    if isinstance(node, Seq):
        if not node.items:
            return "<NULL>"
        return " ".join(_jsgf_atom(i) for i in node.items)
    options = [i for i in node.items if i != EMPTY]
    inner = " | ".join(_jsgf_body(i) for i in options)
    if len(options) < len(node.items):
        return f"[ {inner} ]"
    return f"( {inner} )"


def _jsgf_atom(node: Node) -> str:
    body = _jsgf_body(node)
    if isinstance(node, Seq) and len(node.items) > 1:
        return f"( {body} )"
    return body


def to_jsgf(wg: WordGrammar, name: str = "commands", extra: dict[str, str] | None = None) -> str:
    """A JSGF grammar whose top rule <command> is any one intent (plus `extra` public rules)."""
    lines = ["#JSGF V1.0;", f"grammar {name};"]
    top = " | ".join(f"<{key}>" for key in [*wg.intents, *(extra or {})])
    lines.append(f"public <command> = {top};")
    for key, node in wg.intents.items():
        lines.append(f"public <{key}> = {_jsgf_body(node)};")
    for key, body in (extra or {}).items():
        lines.append(f"<{key}> = {body};")
    for key, node in wg.rules.items():
        lines.append(f"<{key}> = {_jsgf_body(node)};")
    return "\n".join(lines) + "\n"


def node_words(node: Node, rules: dict[str, Node]) -> set[str]:
    if isinstance(node, Words):
        return set(node.words)
    if isinstance(node, Ref):
        return set()  # counted where the rule is defined
    return set().union(*(node_words(i, rules) for i in node.items)) if node.items else set()


def grammar_words(grammar: Grammar | WordGrammar) -> set[str]:
    """Every word any command can contain."""
    wg = grammar if isinstance(grammar, WordGrammar) else word_grammar(grammar)
    rules = wg.all_rules()
    return set().union(*(node_words(n, rules) for n in rules.values()))


def _expand(node: Node, rules: dict[str, Node], limit: int) -> list[tuple[str, ...]]:
    if isinstance(node, Words):
        return [node.words]
    if isinstance(node, Ref):
        return _expand(rules[node.rule], rules, limit)
    if isinstance(node, Alt):
        out: list[tuple[str, ...]] = []
        for item in node.items:
            out += _expand(item, rules, limit)
            if len(out) > limit:
                raise OverflowError
        return out
    acc: list[tuple[str, ...]] = [()]
    for item in node.items:
        acc = [a + b for a in acc for b in _expand(item, rules, limit)]
        if len(acc) > limit:
            raise OverflowError
    return acc


def phrases(grammar: Grammar | WordGrammar, limit: int = MAX_PHRASES) -> list[str]:
    """Every sentence of the grammar for vosk, or the word list if there are more than `limit`."""
    wg = grammar if isinstance(grammar, WordGrammar) else word_grammar(grammar)
    rules = wg.all_rules()
    try:
        out: list[str] = []
        for node in wg.intents.values():
            out += [" ".join(p) for p in _expand(node, rules, limit) if p]
            if len(out) > limit:
                raise OverflowError
    except OverflowError:
        return sorted(grammar_words(wg))
    return list(dict.fromkeys(out))
