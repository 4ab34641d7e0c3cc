"""PocketSphinx adapter: the zero-download engine (acoustic model and dictionary ship in the wheel).

Two searches, both built from the same templates:

- "lm" (the coach's commands): a trigram model of the command sentences (`asr.lm`). Speech that
  is not a command decodes as words that do not parse, so it is rejected rather than forced
  into the nearest command.
- "fsg" (other intent folders, `--intents DIR`): the exact sentence automaton (`fsm.to_fsm`,
  minimal and epsilon-free; pocketsphinx 5.1's own JSGF compiler leaves null transitions its
  search does not follow after a leading silence). Long orders with many slots need the whole
  sentence: on rendered pizza orders the trigram model got 14/50 right, the automaton 45/50.

A second, cheap decoder runs a phone loop (allphone search with the bundled phone bigram) over the
same audio; the per-frame score gap between the command path and the free phone path is one of
the features of the confidence (see `voice_coach.asr.confidence`). Only the top hypothesis is
returned: acting on a command found lower in the n-best list was most of the false actions.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pocketsphinx

from voice_coach.asr import confidence
from voice_coach.asr.base import EngineError, Hypothesis
from voice_coach.asr.fsm import Fsm, to_fsm
from voice_coach.asr.grammar import GrammarError, grammar_words, word_grammar
from voice_coach.content.intents import Grammar
from voice_coach.pcm import as_int16

# The automaton search, tuned on 100 rendered pizza orders by the five tuning voices (intent and
# every slot right, CPU p50): defaults 90, 167 ms; no best-path pass and at most 5 words per
# frame 91, 161 ms; plus a word insertion penalty of 1e-2 or 1e-3 96 (1e-5: 49; no filler
# words: 49; language weight 10: 94, 4: 90). Half the GMM work (topn 2, ds 2) cost 5 orders of 50.
GRAMMAR_CONFIG: dict[str, float | bool] = {"bestpath": False, "maxwpf": 5, "wip": 1e-2}
# The command language model runs at pocketsphinx's defaults. Measured (70 commands + 30
# negatives, 5 espeak-ng voices): defaults 80 right, lw 4 -> 79, lw 9 -> 78, tight beams -> 64.
LM_CONFIG: dict[str, float] = {}
# The phone loop only has to give a reference score, so it runs with a tight beam (~20 ms).
PHONE_CONFIG = {"beam": 1e-10, "pbeam": 1e-10, "maxhmmpf": 500}
_FILLERS = ("<", "[", "+")


class MissingWordsError(GrammarError):
    """Grammar words have no pronunciation in the dictionary."""


def extra_dict_path() -> Path:
    from voice_coach.resources import data_dir

    return data_dir("dict") / "extra.dict"


def read_dict(*paths: Path) -> dict[str, str]:
    """CMU-style dictionary files: 'word PH ON ES' per line; '#' comments; 'word(2)' variants.
    A later file's entry wins."""
    entries: dict[str, str] = {}
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                word, _, phones = line.partition(" ")
                entries[word] = phones.strip()
    return entries


def _missing(words: list[str], where: Path) -> MissingWordsError:
    return MissingWordsError(
        f"no pronunciation for {', '.join(repr(w) for w in words)}: add them to "
        f"{where} (e.g. 'kettlebell K EH T AH L B EH L') or change the templates")


def lm_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    root = os.environ.get("VOICE_COACH_CACHE_DIR") or user_cache_dir("voice-coach")
    return Path(root) / "lm"


def command_dict(words: list[str], extra_dicts: list[Path]) -> Path:
    """A dictionary of just the commands' words (cached): loading the full 135k-word CMU
    dictionary is most of pocketsphinx's start-up time. Raises MissingWordsError."""
    extra = "".join(p.read_text(encoding="utf-8") for p in extra_dicts if p.is_file())
    key = hashlib.sha1(("\n".join(words) + extra).encode()).hexdigest()[:16]
    path = lm_cache_dir() / f"words-{key}.dict"
    if path.exists():
        return path
    wanted, found = set(words), {}
    lines: list[str] = []
    full = Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"))
    for line in full.read_text(encoding="utf-8").splitlines():
        word = line.split(" ", 1)[0]
        if word.split("(", 1)[0] in wanted:
            lines.append(line)
            found[word.split("(", 1)[0]] = True
    have = {line.split(" ", 1)[0] for line in lines}
    for word, phones in read_dict(*extra_dicts).items():  # own words and extra variants
        base = word.split("(", 1)[0]
        if base in wanted and word not in have:
            lines.append(f"{word} {phones}")
            found[base] = True
    missing = sorted(wanted - set(found))
    if missing:
        raise _missing(missing, extra_dicts[-1])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _quiet() -> dict[str, str]:
    return {"loglevel": "FATAL", "logfn": os.devnull}


def _with_noise_floor(x: np.ndarray) -> np.ndarray:
    """Fill runs of digital silence with +-1 LSB of deterministic noise.

    Exact zeros (rendered or trimmed files) make the log energy -inf and wreck the delta
    features around the speech boundaries; a real microphone never sends them.
    """
    if not np.any(x == 0):
        return x
    rng = np.random.default_rng(len(x))
    floor = rng.integers(-1, 2, size=len(x), dtype=np.int16)
    return np.where(x == 0, floor, x).astype(np.int16)


class PocketsphinxEngine:
    """Grammar-constrained pocketsphinx decoder plus a phone-loop reference decoder."""

    name = "pocketsphinx"

    def __init__(self, grammar: Grammar | None = None, *, fsm: Fsm | None = None,
                 extra_dict: Path | None = None, denoise: bool = False,
                 phone_loop: bool | None = None, search: str = "lm",
                 acoustic: dict[str, str] | None = None) -> None:
        """`acoustic`: extra acoustic-model settings ({"mllr": file}, {"mean": f, "var": f});
        None loads the trainee's enrolment if there is one (`voice_coach.asr.enrolment`)."""
        if search not in ("lm", "fsg"):
            raise ValueError(f"unknown search '{search}'")
        self.search = search
        # the coach's own extra words, then the grammar folder's (`words.dict` beside its YAML)
        dicts = [extra_dict or extra_dict_path(), *(grammar.dictionaries if grammar else ())]
        if acoustic is None:
            from voice_coach.asr.enrolment import acoustic_config

            acoustic = acoustic_config()
        if search == "lm":
            if grammar is None:
                raise ValueError("the language-model search needs the grammar")
            words = sorted(grammar_words(grammar))  # the automaton is not needed here
            words_dict = command_dict(words, dicts)
        else:
            if fsm is None:
                if grammar is None:
                    raise ValueError("PocketsphinxEngine needs a grammar or an fsm")
                fsm = to_fsm(word_grammar(grammar))
            words = sorted({w for _, _, w in fsm.arcs})
        try:
            if search == "lm":
                from voice_coach.asr.lm import arpa_for

                assert grammar is not None
                arpa = arpa_for(grammar, lm_cache_dir())
                self.decoder = pocketsphinx.Decoder(lm=str(arpa), dict=str(words_dict),
                                                    **_quiet(), **LM_CONFIG, **acoustic)
            else:
                self.decoder = pocketsphinx.Decoder(lm=None, **_quiet(), **GRAMMAR_CONFIG,
                                                    **acoustic)
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"pocketsphinx could not start: {exc}") from None
        self._add_words(words, dicts)
        if fsm is not None and search == "fsg":
            model = self.decoder.create_fsg("commands", fsm.start, fsm.final,
                                            [(a, b, 1.0, w) for a, b, w in fsm.arcs])
            self.decoder.add_fsg("commands", model)
            self.decoder.activate_search("commands")
        self.logmath = self.decoder.get_logmath()
        self._cmn = self.decoder.get_cmn()
        self.phones: pocketsphinx.Decoder | None = None
        if phone_loop is not False:  # the confidence needs its reference score
            self.phones = pocketsphinx.Decoder(
                lm=None, allphone=pocketsphinx.get_model_path("en-us/en-us-phone.lm.bin"),
                **_quiet(), **PHONE_CONFIG, **acoustic)
            self._phone_cmn = self.phones.get_cmn()
        self.denoiser = None
        if denoise:
            from voice_coach.asr.denoise import Denoiser

            self.denoiser = Denoiser()
        self._in_utt = False
        self._phones_in: dict[str, int] = {}

    def _add_words(self, words: list[str], extra_dicts: list[Path]) -> None:
        extra = read_dict(*extra_dicts)
        missing: list[str] = []
        for word in words:
            if self.decoder.lookup_word(word) is not None:
                continue
            if word in extra:
                self.decoder.add_word(word, extra[word], True)
            else:
                missing.append(word)
        if missing:
            raise _missing(missing, extra_dicts[-1])
        wanted = set(words)
        for word, phones in extra.items():  # pronunciation variants: 'word(2) PH ON ES'
            if "(" in word and word.split("(", 1)[0] in wanted \
                    and self.decoder.lookup_word(word) is None:
                self.decoder.add_word(word, phones, True)

    # ---- streaming

    def start_utterance(self) -> None:
        if self._in_utt:
            self.decoder.end_utt()
            if self.phones is not None:
                self.phones.end_utt()
        # Each utterance starts from the model's initial cepstral mean, so a loud or quiet
        # previous utterance does not colour this one (and file results are reproducible).
        self.decoder.set_cmn(self._cmn)
        self.decoder.start_utt()
        if self.phones is not None:
            self.phones.set_cmn(self._phone_cmn)
            self.phones.start_utt()
        if self.denoiser is not None:
            self.denoiser.reset()
        self._in_utt = True

    def feed(self, samples: np.ndarray) -> str | None:
        """Decode a chunk of a streamed utterance; returns the partial text."""
        if not self._in_utt:
            self.start_utterance()
        x = as_int16(samples)
        if self.denoiser is not None:
            x = self.denoiser.process(x)
        self._process(x, full_utt=False)
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else None

    def finish(self) -> list[Hypothesis]:
        if not self._in_utt:
            return []
        if self.denoiser is not None:
            self._process(self.denoiser.flush(), full_utt=False)
        return self._end()

    def decode(self, samples: np.ndarray) -> list[Hypothesis]:
        """A whole utterance at once: the cepstral mean is taken over all of it, which doubled
        the 12 dB accuracy (4/30 -> 12/30 commands)."""
        self.start_utterance()
        x = as_int16(samples)
        if self.denoiser is not None:
            x = np.concatenate([self.denoiser.process(x), self.denoiser.flush()])
        self._process(x, full_utt=True)
        return self._end()

    def _process(self, x: np.ndarray, full_utt: bool) -> None:
        if len(x) == 0:
            return
        data = _with_noise_floor(as_int16(x)).tobytes()
        self.decoder.process_raw(data, False, full_utt)
        if self.phones is not None:
            self.phones.process_raw(data, False, full_utt)

    def _end(self) -> list[Hypothesis]:
        self._in_utt = False
        self.decoder.end_utt()
        if self.phones is not None:
            self.phones.end_utt()
        return self._results()

    # ---- results

    def _results(self) -> list[Hypothesis]:
        """The top hypothesis only, with its calibrated confidence (see asr.confidence)."""
        hyp = self.decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return []
        log = self.logmath.log
        segs = [s for s in self.decoder.seg() or [] if not s.word.startswith(_FILLERS)]
        words = [s.word.split("(")[0] for s in segs]
        speech_frames = sum(s.end_frame - s.start_frame + 1 for s in segs)
        grammar_score = float(log(hyp.score)) if hyp.score > 0 else -1e9
        phone_score = None
        if self.phones is not None:
            phone_hyp = self.phones.hyp()
            if phone_hyp is not None and phone_hyp.score > 0:
                phone_score = float(log(phone_hyp.score))
        feats = confidence.features(
            min((s.prob for s in segs), default=0.0), grammar_score, phone_score,
            speech_frames, sum(self._phone_count(w) for w in words), len(segs))
        details: dict[str, Any] = {"frames": max(1, self.decoder.n_frames()),
                                   "speech_frames": speech_frames, **feats,
                                   "confidence": confidence.confidence(feats)}
        return [Hypothesis(hyp.hypstr, grammar_score, details)]

    def _phone_count(self, word: str) -> int:
        if word not in self._phones_in:
            pron = self.decoder.lookup_word(word) or "X"
            self._phones_in[word] = len(pron.split())
        return self._phones_in[word]


def timed_decode(engine: PocketsphinxEngine, samples: np.ndarray,
                 ) -> tuple[list[Hypothesis], float]:
    start = time.perf_counter()
    hyps = engine.decode(samples)
    return hyps, time.perf_counter() - start
