"""Section "grammar": the recogniser with grammars other than the coach's, and at scale.

1. The language is built from the templates without listing sentences (`voice_coach.asr.lm`):
   build time for the coach's ~19,000 sentences and for a pizza order with billions, beside the
   old way (list every sentence, count) where listing is possible.
2. `recognize --intents tests/data/pizza`: pizza orders (size, crust, two toppings, sauce,
   cheese, in any order, several carriers) rendered by the unseen espeak-ng voices at random
   rates and pitches, with a microphone's -60 dBFS floor (as the `asr` section's clean
   condition), decoded one at a time exactly as the command does; intent and every slot must be
   right. The search settings were chosen on the five tuning voices, not these. Both
   pocketsphinx searches are shown: the exact sentence automaton the command uses for other
   folders, and the trigram language model the coach uses.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from typing import Any

import yaml
from hassil import sample_intents
from rich.console import Console
from rich.table import Table

from bench.audio import ROOT, read_wav, rendered
from bench.dataset import PITCHES, RATES, TEST_VOICES
from bench.noise import mix
from bench.sections import section
from voice_coach.asr import lm
from voice_coach.asr.grammar import word_grammar
from voice_coach.asr.pocketsphinx_engine import PocketsphinxEngine
from voice_coach.asr.recognize import recognize_samples
from voice_coach.content.intents import Grammar, IntentParser
from voice_coach.content.programs import load_program

PIZZA = ROOT / "tests" / "data" / "pizza"
SEED = 2026


def pizza_orders(count: int, seed: int = SEED) -> list[tuple[str, dict[str, str]]]:
    """Orders as people would say them, each with the slots it must give."""
    lists = yaml.safe_load((PIZZA / "pizza.yaml").read_text(encoding="utf-8"))["lists"]
    plain = {k: [v for v in spec["values"] if isinstance(v, str)] for k, spec in lists.items()}
    rng = random.Random(seed)
    carriers = ["", "i'd like ", "can i get ", "give me ", "i'll have ", "let me get "]
    out = []
    for i in range(count):
        size, crust = rng.choice(plain["size"]), rng.choice(plain["crust"])
        sauce, cheese = rng.choice(plain["sauce"]), rng.choice(plain["cheese"])
        t1, t2 = rng.sample(plain["topping"], 2)
        want = rng.choice(carriers)
        if i % 3 == 0:
            text = f"{want}a {size} {crust} crust pizza with {t1} and {t2}"
            slots = {"size": size, "crust": crust, "topping": t1, "topping_2": t2}
        elif i % 3 == 1:
            text = f"{want}a {size} {t1} pizza please"
            slots = {"size": size, "topping": t1}
        else:
            parts = [f"with {t1}", f"on a {crust} crust", f"with {sauce} sauce",
                     f"and {cheese} cheese"]
            rng.shuffle(parts)
            text = f"{want}a {size} pizza {' '.join(parts)}"
            slots = {"size": size, "crust": crust, "topping": t1, "sauce": sauce,
                     "cheese": cheese}
        out.append((text, slots))
    return out


def _build_times(console: Console) -> list[dict[str, Any]]:
    rows = []
    grammars = {"coach (hip hinge)": Grammar.load(load_program("hip-hinge")),
                "pizza order": Grammar.foreign(PIZZA)}
    for name, grammar in grammars.items():
        t0 = time.perf_counter()
        wg = word_grammar(grammar)
        t1 = time.perf_counter()
        counts = lm.count_ngrams(wg)
        t2 = time.perf_counter()
        arpa = lm.to_arpa(counts)
        t3 = time.perf_counter()
        summaries = lm._Summarizer(wg)
        row: dict[str, Any] = {
            "grammar": name, "sentences": sum(summaries(n).n for n in wg.intents.values()),
            "tree_s": t1 - t0, "counts_s": t2 - t1, "arpa_s": t3 - t2,
            "ngrams": sum(map(len, counts[1:])), "arpa_kb": len(arpa) / 1024}
        if row["sentences"] < 1e6:  # the old way: list every sentence, then count
            t4 = time.perf_counter()
            listed = Counter(intent for intent, _ in sample_intents(grammar.intents,
                                                                     grammar.slot_lists))
            row["listing_s"] = time.perf_counter() - t4
            row["listed"] = sum(listed.values())
        rows.append(row)
    table = Table(title="Language built from the templates (no sentence listed)")
    for col in ("grammar", "sentences", "tree", "n-gram counts", "ARPA", "n-grams",
                "listing alone (old way)"):
        table.add_column(col, justify="left" if col == "grammar" else "right")
    for r in rows:
        listing = f"{r['listing_s']:.2f} s" if "listing_s" in r else "impossible"
        table.add_row(r["grammar"], f"{r['sentences']:,.0f}", f"{r['tree_s']:.2f} s",
                      f"{r['counts_s']:.2f} s", f"{r['arpa_s']:.2f} s", f"{r['ngrams']:,}",
                      listing)
    console.print(table)
    return rows


def _decode_orders(orders: list[tuple[str, dict[str, str]]], search: str,
                   ) -> dict[str, Any]:
    grammar = Grammar.foreign(PIZZA)
    parser = IntentParser(grammar)
    engine = PocketsphinxEngine(grammar, search=search)
    rng = random.Random(SEED)
    right = wrong = rejected = 0
    seconds: list[float] = []
    cpu: list[float] = []
    for n, (text, slots) in enumerate(orders):
        voice = TEST_VOICES[n % len(TEST_VOICES)]
        audio, _ = read_wav(rendered(text, voice, rng.randint(*RATES), rng.randint(*PITCHES)))
        samples = mix(audio, None, None, offset=n)  # padded, with a microphone's floor
        c0 = time.process_time()
        rec = recognize_samples(samples, engine, parser)
        cpu.append(time.process_time() - c0)
        seconds.append(rec.seconds)
        if rec.intent is None:
            rejected += 1
        elif rec.intent.name == "order_pizza" and dict(rec.intent.slots) == slots:
            right += 1
        else:
            wrong += 1
    return {"search": search, "orders": len(orders), "right": right, "wrong": wrong,
            "rejected": rejected, "p50_ms": 1000 * statistics.median(seconds),
            "p95_ms": 1000 * sorted(seconds)[int(0.95 * (len(seconds) - 1))],
            "cpu_p50_ms": 1000 * statistics.median(cpu)}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--orders", type=int, default=110,
                    help="pizza orders to render and decode (default 110: 5 per unseen voice)")


@section("grammar", "Other grammars: the language at scale, pizza orders via --intents",
         add_arguments)
def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    builds = _build_times(console)
    orders = pizza_orders(22 if args.quick else args.orders)
    rows = [_decode_orders(orders, search) for search in ("fsg", "lm")]
    table = Table(title=f"recognize --intents tests/data/pizza: {len(orders)} rendered orders, "
                        f"{len(TEST_VOICES)} unseen voices, intent and every slot")
    for col in ("search", "right", "wrong", "rejected", "decode p50", "p95", "CPU p50"):
        table.add_column(col, justify="left" if col == "search" else "right")
    for r in rows:
        n = r["orders"]
        name = {"fsg": "sentence automaton (used)", "lm": "trigram model"}[r["search"]]
        table.add_row(name, f"{100 * r['right'] / n:.1f} %", f"{100 * r['wrong'] / n:.1f} %",
                      f"{100 * r['rejected'] / n:.1f} %", f"{r['p50_ms']:.0f} ms",
                      f"{r['p95_ms']:.0f} ms", f"{r['cpu_p50_ms']:.0f} ms")
    console.print(table)
    return {"builds": builds, "pizza": rows}
