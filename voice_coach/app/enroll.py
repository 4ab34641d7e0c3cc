"""`voice-coach enroll`: adapt the recogniser to the trainee's voice (an MLLR transform).

Live, the coach speaks each prompt, records the answer, checks its level and clipping (asking
again when it is too quiet, too loud or empty) and then computes the transform; `--from DIR`
does the same from WAV files listed in `DIR/prompts.tsv` (file, tab, text). The transform is
saved in the data folder (`voice_coach.asr.enrolment`) and loaded every time the coach starts.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voice_coach.errors import VoiceCoachError

if TYPE_CHECKING:  # the command line imports this module: keep its start-up light
    import numpy as np

    from voice_coach.adapters.mic import Microphone
    from voice_coach.asr import adapt, enrolment

# Short commands a trainee uses, covering most of the phones of the command words.
PROMPTS = (
    "stop", "go", "pause", "resume", "next", "yes", "no", "repeat that", "louder",
    "quieter", "slower please", "faster please", "how long left", "skip this drill",
    "i need a rest", "give me a tip", "previous drill", "what is next", "start the set",
    "i am done", "add thirty seconds", "rest for two minutes", "my back hurts",
    "one more set", "what is the program today", "how many sets left",
)
MIN_PROMPTS = 10  # fewer usable recordings than this give no reliable transform
QUIET_PEAK = 0.03  # peak below -30 dBFS: too quiet to be speech near the microphone
CLIPPED_SHARE = 0.001  # more than 0.1 % of samples at full scale: clipped
FLOOR_SEED = 1
PAD_SECONDS = 0.2  # the +-1 LSB floor that replaces digital silence (as the engine does)


class EnrolError(VoiceCoachError):
    """The recordings cannot make an enrolment."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    enroll = sub.add_parser("enroll", help="adapt the recogniser to your voice (about 2 minutes)")
    enroll.add_argument("--from", dest="source", type=Path, metavar="DIR",
                        help="use recorded WAVs listed in DIR/prompts.tsv (file<TAB>text)")
    enroll.add_argument("--forget", action="store_true", help="remove the enrolment")
    enroll.set_defaults(func=cmd_enroll)


def cmd_enroll(args: argparse.Namespace) -> int:
    from voice_coach.asr import adapt, enrolment

    if args.forget:
        removed = enrolment.forget()
        print("enrolment removed: the bundled model is used" if removed else "no enrolment")
        return 0
    tools = adapt.find_tools()  # before any recording: without sphinxtrain, say so at once
    items = read_prompts(args.source) if args.source is not None else record_prompts(args)
    saved = enroll(items, tools)
    print(f"enrolled from {saved.prompts} recordings; the coach uses it from its next start "
          f"({saved.folder})")
    return 0


# ---- checking recordings


def problem(samples: np.ndarray) -> str | None:
    """Why a recording cannot be used ("too quiet", "clipped"), None when it is fine."""
    import numpy as np

    x = np.abs(samples.astype(np.int32))
    if x.size == 0 or x.max() < QUIET_PEAK * 32768:
        return "too quiet"
    if np.mean(x >= 32767) > CLIPPED_SHARE:
        return "clipped (too loud)"
    return None


def read_prompts(folder: Path) -> list[tuple[np.ndarray, str, str]]:
    """(samples, text, file name) for each usable line of `folder/prompts.tsv`."""
    from voice_coach.asr.audio_file import AudioFileError, load_wav

    table = folder / "prompts.tsv"
    if not table.is_file():
        raise EnrolError(f"{table} not found: list each recording as 'file<TAB>text'")
    try:
        rows = list(csv.reader(table.read_text(encoding="utf-8").splitlines(),
                               delimiter="\t"))
    except (OSError, UnicodeDecodeError) as exc:
        raise EnrolError(f"{table}: unreadable ({exc})") from None
    items: list[tuple[np.ndarray, str, str]] = []
    for line, row in enumerate(rows, 1):
        if not row or row[0].startswith("#") or (line == 1 and row[:2] == ["file", "text"]):
            continue
        if len(row) != 2 or not row[1].strip():
            raise EnrolError(f"{table}, line {line}: expected 'file<TAB>text'")
        try:
            samples = load_wav(folder / row[0])
        except AudioFileError as exc:
            raise EnrolError(f"{folder / row[0]}: {exc}") from None
        except OSError as exc:
            raise EnrolError(f"{folder / row[0]}: {exc.strerror}") from None
        why = problem(samples)
        if why:
            print(f"skipping {row[0]}: {why}")
            continue
        items.append((samples, row[1], row[0]))
    return items


# ---- recording live


def record_prompts(args: argparse.Namespace) -> list[tuple[np.ndarray, str, str]]:
    """Speak each prompt, record the answer, check it; up to three tries a prompt."""
    from voice_coach.adapters.mic import Microphone
    from voice_coach.adapters.speaker import Speaker
    from voice_coach.adapters.tts import Pyttsx3Synthesizer
    from voice_coach.app.settings import device_arg, load_settings

    settings, _ = load_settings({})
    items: list[tuple[np.ndarray, str, str]] = []
    device = device_arg(settings.input_device)
    with Pyttsx3Synthesizer() as synth, Speaker(
            synth, device_arg(settings.output_device), rate=settings.rate,
            voice=settings.voice or "en-us") as speaker:
        speaker.say(f"I will say {len(PROMPTS)} short commands. Repeat each one after me, "
                    "in your normal voice, from where you train.")
        speaker.wait_idle(timeout=60)
        for n, prompt in enumerate(PROMPTS, 1):
            for _attempt in range(3):
                speaker.say(prompt)
                speaker.wait_idle(timeout=30)
                mic = Microphone(device)  # opened after the prompt, so it is not heard,
                mic.open()  # and before "say:", so a quick answer is heard from its start
                print(f"{n}/{len(PROMPTS)} say: {prompt}", flush=True)
                samples = _listen(mic)
                why = problem(samples) if samples is not None else "nothing heard"
                if why is None:
                    assert samples is not None
                    items.append((samples, prompt, f"prompt {n}"))
                    print(f"{n}/{len(PROMPTS)} {prompt}: ok", flush=True)
                    break
                print(f"{n}/{len(PROMPTS)} {prompt}: {why}, again", flush=True)
                speaker.say("Sorry, once more." if why == "nothing heard" else
                            f"That was {why.split(' (')[0]}. Once more.")
                speaker.wait_idle(timeout=30)
        speaker.say("Thank you. Adapting to your voice now.")
        speaker.wait_idle(timeout=30)
    return items


def _listen(mic: Microphone, timeout: float = 6.0) -> np.ndarray | None:
    """The first utterance heard within `timeout` seconds (None if none); closes `mic`."""
    from voice_coach.asr.endpoint import StreamingEndpointer

    ep = StreamingEndpointer(max_seconds=5.0)
    deadline = time.monotonic() + timeout
    try:
        for block in mic.frames():
            done = ep.feed(block)
            if done:
                return done[0].samples
            if time.monotonic() > deadline:
                rest = ep.close()
                return rest[0].samples if rest else None
    finally:
        mic.close()
    return None


# ---- computing the transform


def enroll(items: Sequence[tuple[np.ndarray, str, str]], tools: adapt.Tools,
           folder: Path | None = None, model: str | None = None) -> enrolment.Enrolment:
    """Adapt `model` (default: the coach's) to the recordings and save the enrolment; raises
    EnrolError / AdaptError."""
    from voice_coach.asr import adapt, enrolment
    from voice_coach.asr.audio_file import save_wav
    from voice_coach.asr.pocketsphinx_engine import command_dict, extra_dict_path

    if len(items) < MIN_PROMPTS:
        raise EnrolError(f"only {len(items)} usable recordings; at least {MIN_PROMPTS} are "
                         "needed")
    texts = [_words(text) for _, text, _ in items]
    words = sorted({w for t in texts for w in t.split()})
    try:
        dictionary = command_dict(words, [extra_dict_path()])
    except VoiceCoachError as exc:
        raise EnrolError(f"prompts.tsv: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="voice-coach-enrol-") as tmp:
        work = Path(tmp)
        utterances = []
        for i, ((samples, _, _), text) in enumerate(zip(items, texts, strict=True)):
            clean = _no_digital_silence(samples)
            copies = [clean] + [adapt.with_noise(clean, exponent, snr, seed=i)
                                for exponent, snr in adapt.NOISY_COPIES]
            for j, audio in enumerate(copies):
                path = work / f"rec{i:03d}-{j}.wav"
                save_wav(path, audio)
                utterances.append(adapt.Utterance(path, text))
        model, config = adapt.base_model(model)
        gaussians = {k: Path(config[k]) if k in config else None for k in ("mean", "var")}
        acc = adapt.collect_stats(utterances, dictionary, work / "job", tools,
                                  gaussians["mean"], gaussians["var"])
        transform = adapt.solve_mllr(acc, work / enrolment.TRANSFORM, tools, gaussians["mean"],
                                     gaussians["var"])
        return enrolment.save(transform, len(items), time.strftime("%Y-%m-%d %H:%M"), folder,
                              model)


def _words(text: str) -> str:
    from voice_coach.core.numbers import digits_to_words

    cleaned = "".join(c if c.isalnum() or c in " '" else " " for c in digits_to_words(text))
    return " ".join(cleaned.lower().split())


def _no_digital_silence(x: np.ndarray) -> np.ndarray:
    """`x` between short pauses (the aligner wants silence at both ends), with +-1 LSB where
    the samples are exactly zero: the features of pure digital silence are -inf (the engine
    does the same before decoding)."""
    import numpy as np

    pad = np.zeros(int(PAD_SECONDS * 16000), dtype=np.int16)
    x = np.concatenate([pad, x.astype(np.int16), pad])
    rng = np.random.default_rng(FLOOR_SEED)
    return np.where(x == 0, rng.integers(-1, 2, size=x.size, dtype=np.int16), x).astype(np.int16)


# ---- doctor


def enrolment_state() -> tuple[bool, str]:
    """(ok, detail) for `doctor`: whether an enrolment is in use, and whether it is sound."""
    from voice_coach.asr import enrolment

    try:
        saved = enrolment.current()
    except VoiceCoachError as exc:
        return False, str(exc)
    if saved is None:
        return True, "none (`voice-coach enroll` adapts the pocketsphinx model to your voice)"
    return True, (f"in use: {saved.prompts} recordings, made {saved.created} on the "
                  f"{saved.model} model")
