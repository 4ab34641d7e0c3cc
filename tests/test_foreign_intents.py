"""`--intents DIR`: parse and recognise against another folder of hassil intents (with its own
lists) instead of the coach's: a pizza order for the parser, a few home commands for speech."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from audio_util import VOICES, espeak_available, pad, render

from voice_coach.asr.audio_file import save_wav
from voice_coach.content.intents import Grammar, IntentParser, IntentsError

DATA = Path(__file__).parent / "data"
PIZZA, LIGHTS = DATA / "pizza", DATA / "lights"


def voice_coach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], capture_output=True,
                          text=True, timeout=300, env=env or dict(os.environ))


def parse_json(folder: Path, text: str) -> dict:
    result = voice_coach("parse", "--intents", str(folder), text, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ---- parse


def test_parse_a_pizza_order_in_any_order() -> None:
    said = ("I'd like a large pizza with garlic sauce, on a thin crust, with mushrooms and olives"
            " and extra cheese please")
    assert parse_json(PIZZA, said) == {
        "text": said, "intent": "order_pizza", "confidence": 1.0,
        "slots": {"size": "large", "sauce": "garlic", "crust": "thin", "topping": "mushrooms",
                  "topping_2": "olives", "cheese": "extra"}}
    out = parse_json(PIZZA, "can I get a medium deep dish crust pizza with ham")
    assert (out["intent"], out["slots"]) == ("order_pizza", {"size": "medium",
                                                            "crust": "deep dish",
                                                            "topping": "ham"})
    assert parse_json(PIZZA, "what toppings do you have")["intent"] == "ask_menu"


@pytest.mark.parametrize("text", ["next", "what's the cue", "ouch my back", "a large pizza",
                                  "I'd like a pizza with everything"])
def test_parse_with_another_grammar_knows_only_that_grammar(text: str) -> None:
    assert parse_json(PIZZA, text) == {"text": text, "intent": None, "slots": {},
                                       "confidence": 0.0}


def test_random_orders_parse_to_their_slots() -> None:
    """Orders built from the lists, parts shuffled, go back to exactly their slot values."""
    lists = yaml.safe_load((PIZZA / "pizza.yaml").read_text())["lists"]
    plain = {k: [v for v in spec["values"] if isinstance(v, str)] for k, spec in lists.items()}
    parser = IntentParser(Grammar.foreign(PIZZA))
    rng = random.Random(7)
    for _ in range(200):
        want = {k: rng.choice(v) for k, v in plain.items()}
        t1, t2 = rng.sample(plain["topping"], 2)
        parts = [f"with {t1} and {t2}", f"on a {want['crust']} crust",
                 f"with {want['sauce']} sauce", f"and {want['cheese']} cheese"]
        rng.shuffle(parts)
        intent = parser.parse(f"give me a {want['size']} pizza {' '.join(parts)}")
        assert intent is not None, parts
        assert intent.name == "order_pizza"
        assert intent.slots == {**{k: want[k] for k in ("size", "crust", "sauce", "cheese")},
                                "topping": t1, "topping_2": t2}


def test_no_coach_handlers_or_coach_lists_for_another_grammar() -> None:
    grammar = Grammar.foreign(PIZZA)
    assert set(grammar.intents.intents) == {"order_pizza", "cancel_order", "ask_menu"}
    assert "drill" not in grammar.slot_lists and "seconds" not in grammar.slot_lists


def test_bad_intents_folder_is_one_line(tmp_path: Path) -> None:
    for folder, message in ((tmp_path / "missing", "not a folder of intent templates"),
                            (tmp_path, "no intent template files")):
        result = voice_coach("parse", "--intents", str(folder), "hello")
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr
    (tmp_path / "bad.yaml").write_text("intents: [\n")
    with pytest.raises(IntentsError, match="not valid YAML"):
        Grammar.foreign(tmp_path)


# ---- recognise


def recognize_rendered(folder: Path, clips: list[tuple[str, str]], tmp_path: Path, floor: bool,
                       ) -> tuple[list[str], list[dict]]:
    """Render (text, voice) clips, run `recognize --intents folder --json` on them."""
    rng = np.random.default_rng(5)
    files = []
    for n, (text, voice) in enumerate(clips):
        path = tmp_path / f"clip{n}.wav"
        speech = pad(render(text, tmp_path / "renders", voice))
        if floor:  # a microphone's self-noise, about -60 dBFS
            speech = np.clip(np.round(speech + rng.normal(0, 32, len(speech))), -32768, 32767)
        save_wav(path, speech.astype(np.int16))
        files.append(str(path))
    env = {**os.environ, "VOICE_COACH_CACHE_DIR": str(tmp_path / "cache")}
    result = voice_coach("recognize", "--intents", str(folder), "--engine", "pocketsphinx",
                         "--json", *files, env=env)
    assert result.returncode == 0, result.stderr
    return files, [json.loads(line) for line in result.stdout.splitlines()]


LIGHT_COMMANDS = {
    "turn on the kitchen lights": ("light_on", {"room": "kitchen"}),
    "switch off the bedroom light": ("light_off", {"room": "bedroom"}),
    "turn off the living room lights": ("light_off", {"room": "living room"}),
    "set a timer for ten minutes": ("set_timer", {"minutes": 10}),
}


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")
def test_recognize_rendered_speech_against_another_grammar(tmp_path: Path) -> None:
    """Every test voice says each command; the same JSON lines as for the coach's commands."""
    clips = [(text, voice) for voice in VOICES for text in LIGHT_COMMANDS]
    files, lines = recognize_rendered(LIGHTS, clips, tmp_path, floor=False)
    assert [line["file"] for line in lines] == files
    assert all(set(line) == {"file", "text", "intent", "slots", "confidence", "engine",
                             "seconds"} and line["engine"] == "pocketsphinx" for line in lines)
    right = wrong = 0
    for (text, _), line in zip(clips, lines, strict=True):
        if line["intent"] is not None:
            ok = (line["intent"], line["slots"]) == LIGHT_COMMANDS[text]
            right, wrong = right + ok, wrong + (not ok)
    heard = [(text, line["text"]) for (text, _), line in zip(clips, lines, strict=True)]
    # measured: 16 right, 1 wrong (with the coach's trigram search instead: 18 right, 1 wrong)
    assert right >= 0.75 * len(clips) and wrong <= 2, heard


PIZZA_ORDERS = [
    ("a large thin crust pizza with ham and olives",
     {"size": "large", "crust": "thin", "topping": "ham", "topping_2": "olives"}),
    ("can i get a small mushrooms pizza please", {"size": "small", "topping": "mushrooms"}),
    ("i'd like a medium pizza with garlic sauce on a thick crust with bacon and cheddar cheese",
     {"size": "medium", "sauce": "garlic", "crust": "thick", "topping": "bacon",
      "cheese": "cheddar"}),
]


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")
def test_recognize_orders_from_billions_of_sentences(tmp_path: Path) -> None:
    """The pizza grammar (over four billion sentences) as a recogniser: its language is built
    without listing them, and whole orders come back with every slot."""
    clips = [(text, voice) for voice in VOICES for text, _ in PIZZA_ORDERS]
    _, lines = recognize_rendered(PIZZA, clips, tmp_path, floor=True)
    want = dict(PIZZA_ORDERS)
    right = sum(line["intent"] == "order_pizza" and line["slots"] == want[text]
                for (text, _), line in zip(clips, lines, strict=True))
    heard = [(text, line["text"]) for (text, _), line in zip(clips, lines, strict=True)]
    assert right >= 12, heard  # measured: 14 of 15
