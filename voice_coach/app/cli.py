"""`voice-coach` command line: one parser, one error policy (one clear line, non-zero exit)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice_coach import __version__
from voice_coach.app.enroll import add_parser as add_enroll_parser
from voice_coach.app.settings import ENGINES
from voice_coach.asr import SPEECH_ENGINES, WAKE_WORDS
from voice_coach.errors import VoiceCoachError

if TYPE_CHECKING:
    from voice_coach.adapters.workout_log import WorkoutLog
    from voice_coach.app.settings import Settings
    from voice_coach.content.intents import IntentParser
    from voice_coach.core.program import Program
    from voice_coach.core.state import Past
    from voice_coach.ports import SpeechEngine

EXIT_BAD_INPUT = 2


def _load(program_id: str) -> tuple[Program, IntentParser]:
    """The program and the parser of its commands; every command must have a handler."""
    from voice_coach.content.intents import Grammar, IntentParser, check_handlers
    from voice_coach.content.programs import load_program
    from voice_coach.core.coach import Coach

    program = load_program(program_id)
    grammar = Grammar.load(program)
    check_handlers(grammar, Coach(program).handlers)
    return program, IntentParser(grammar)


def _parser(args: argparse.Namespace, program_id: str) -> IntentParser:
    """The coach's parser, or one for another folder of intents (`--intents DIR`: any command
    set, with its own lists; no coach handlers needed)."""
    from voice_coach.content.intents import Grammar, IntentParser

    if args.intents is not None:
        return IntentParser(Grammar.foreign(args.intents))
    return _load(program_id)[1]


# ---- subcommands


def _open_engine(settings: Settings, parser: IntentParser, search: str = "lm") -> SpeechEngine:
    """The speech engine the settings ask for ("auto": vosk with a model, else pocketsphinx)."""
    from voice_coach.asr.engines import open_engine

    return open_engine(settings.engine, parser.grammar, settings.model or None, settings.denoise,
                       search)


def cmd_parse(args: argparse.Namespace) -> int:
    parser = _parser(args, args.program)
    intent = parser.parse(args.text)
    result = {"text": args.text, "intent": intent.name if intent else None,
              "slots": intent.slots if intent else {}, "confidence": intent.confidence if intent
              else 0.0}
    if args.json:
        print(json.dumps(result))
    elif intent:
        slots = " ".join(f"{k}={v}" for k, v in intent.slots.items())
        print(f"{intent.name} {slots}".strip())
    else:
        print("(not a command)")
    return 0


def cmd_programs(args: argparse.Namespace) -> int:
    from voice_coach.app.programs import cmd_programs as programs

    return programs(args)


def open_log(program: Program, fresh: bool) -> tuple[WorkoutLog, dict[str, Any] | None, Past]:
    """The workout log, saved progress to offer back unless starting fresh, and what earlier
    sessions of the program did."""
    from voice_coach.adapters.workout_log import WorkoutLog
    from voice_coach.resources import user_data_dir

    log = WorkoutLog(user_data_dir() / "workouts.sqlite")
    saved = None if fresh else log.resumable(program.id)
    past = log.past(program)
    log.start_session(program.id)
    return log, (saved[1] if saved else None), past


def settings_from(args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    from voice_coach.app.settings import Settings, load_settings

    names = Settings.__dataclass_fields__
    return load_settings({k: v for k, v in vars(args).items() if k in names})


def cmd_config(args: argparse.Namespace) -> int:
    from voice_coach.app.settings import config_path

    settings, sources = settings_from(args)
    print(f"config file: {config_path()}")
    for key, value in vars(settings).items():
        print(f"{key:13} = {value!r:24} ({sources[key]})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings, _ = settings_from(args)
    program, parser = _load(settings.program)
    if not (args.text or settings.engine == "text"):
        from voice_coach.app.programs import warn_if_unheard

        warn_if_unheard(program, parser.grammar)
    log, saved, past = open_log(program, args.fresh)
    finished = False
    try:
        if args.text or settings.engine == "text":
            from voice_coach.app.text_mode import run_text

            finished = run_text(settings, program, parser, log, saved, past)
        else:
            finished = run_live_audio(settings, program, parser, log, saved, args.wait_for_audio,
                                      past)
    finally:
        if not finished:  # a finished workout already closed its session
            log.discard_if_empty()  # a start that failed before the coach spoke leaves no row
            log.end_session(finished=False)
        log.close()
    return 0


def run_live_audio(settings: Settings, program: Program, parser: IntentParser, log: WorkoutLog,
                   saved: dict[str, Any] | None, wait: bool, past: Past) -> bool:
    from voice_coach.adapters.devices import SpeakerError
    from voice_coach.adapters.mic import MicError
    from voice_coach.app.live import run_live
    from voice_coach.asr.worker import EngineProcess

    # decoding in its own process keeps the audio callbacks on time (see asr.worker); it
    # loads while the devices open, and `run_live` waits for it before it listens
    with EngineProcess(settings.engine, parser.grammar, settings.model or None,
                       settings.denoise, wait=False) as engine:
        try:
            runtime = run_live(settings, engine, program, parser, log, saved, wait, past)
        except (MicError, SpeakerError) as exc:
            raise VoiceCoachError(f"{exc} (or type instead: voice-coach run --text)") from None
    return runtime.finished


def cmd_history(args: argparse.Namespace) -> int:
    from voice_coach.app.history import print_history

    print_history(args.limit)
    return 0


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def cmd_say(args: argparse.Namespace) -> int:
    from voice_coach.adapters.tts import Pyttsx3Synthesizer
    from voice_coach.app.settings import device_arg

    settings, _ = settings_from(args)
    voice = settings.voice or "en-us"
    with Pyttsx3Synthesizer() as synth:
        if args.out:
            from voice_coach.asr.audio_file import save_wav
            from voice_coach.pcm import to_int16

            samples = synth.render(args.text, rate=settings.rate, voice=voice)
            save_wav(args.out, to_int16(samples), synth.samplerate)
            print(f"{args.out}: {len(samples) / synth.samplerate:.2f} s")
            return 0
        from voice_coach.adapters.devices import SpeakerError, check_device
        from voice_coach.adapters.speaker import Speaker

        try:
            check_device(device_arg(settings.output_device), "output")
        except SpeakerError as exc:
            raise VoiceCoachError(f"{exc} (or write a file: voice-coach say TEXT --out F.wav)") \
                from None
        with Speaker(synth, device_arg(settings.output_device), rate=settings.rate,
                     voice=voice) as speaker:
            speaker.say(args.text)
            speaker.wait_idle(timeout=60)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from voice_coach.adapters.devices import list_devices

    print(list_devices())
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from voice_coach.app.doctor import run_checks

    settings, _ = settings_from(args)
    checks = run_checks(settings)
    for check in checks:  # one line per check, the fix on the same line
        fix = f"; fix: {check.fix}" if not check.ok and check.fix else ""
        print(f"{'✓' if check.ok else '✗'} {check.name}: {check.detail}{fix}", flush=True)
    failed = [c.name for c in checks if not c.ok]
    if failed:
        raise VoiceCoachError(f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}")
    return 0


def cmd_service(args: argparse.Namespace) -> int:
    from voice_coach.app import service

    try:
        print({"install": service.install, "uninstall": service.uninstall,
               "status": service.status, "show": service.unit_text}[args.action]())
    except OSError as exc:  # the unit folder is not writable
        raise VoiceCoachError(f"cannot write {exc.filename or 'the unit file'}: "
                        f"{exc.strerror or exc}") from None
    return 0


def cmd_recognize(args: argparse.Namespace) -> int:
    from voice_coach.asr.audio_file import AudioFileError
    from voice_coach.asr.recognize import recognize_file

    settings, _ = settings_from(args)
    parser = _parser(args, settings.program)  # another folder decodes whole sentences
    engine = _open_engine(settings, parser, "fsg" if args.intents is not None else "lm")
    failures = 0
    for path in args.files:
        try:
            result = recognize_file(path, engine, parser)
        except AudioFileError as exc:
            print(f"voice-coach: {exc}", file=sys.stderr)
            failures += 1
            continue
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            meaning = result["intent"] or "(not a command)"
            print(f"{path}: {result['text']!r} -> {meaning} {result['slots'] or ''} "
                  f"[{result['confidence']:.2f}, {result['seconds'] * 1000:.0f} ms]".rstrip())
    return EXIT_BAD_INPUT if failures else 0


def cmd_model(args: argparse.Namespace) -> int:
    from voice_coach.asr.vosk_engine import download_vosk_model

    path = download_vosk_model(args.lang)
    print(f"vosk model ready: {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from voice_coach.adapters.tts import Pyttsx3Synthesizer
    from voice_coach.app.demo import run_demo

    settings, _ = settings_from(args)
    program, parser = _load(settings.program)
    engine = _open_engine(settings, parser)
    try:
        args.out.mkdir(parents=True, exist_ok=True)  # fail before minutes of rendering
        with Pyttsx3Synthesizer() as synth:
            summary = run_demo(args.out, engine, parser, program, synth)
    except OSError as exc:  # the output folder cannot be written
        raise VoiceCoachError(f"cannot write {exc.filename or args.out}: {exc.strerror or exc}") \
            from None
    print(f"{args.out / 'session.wav'}: {summary['seconds']} s, {summary['user_lines']} things "
          f"said, {summary['acted']} acted on; transcript: {args.out / 'transcript.jsonl'}")
    return 0


# ---- parser and entry point


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="voice-coach", description=__doc__)
    ap.add_argument("--version", action="version", version=f"voice-coach {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the coach")
    run.add_argument("--program")
    run.add_argument("--engine", choices=ENGINES)
    run.add_argument("--model", help="path to a vosk model folder")
    run.add_argument("--text", action="store_true", help="type commands instead of speaking")
    run.add_argument("--time-scale", type=float, metavar="X", help="run timers X times faster")
    run.add_argument("--fresh", action="store_true", help="start over, ignoring saved progress")
    run.add_argument("--wake-word", metavar="NAME",
                     help="commands count only after this wake word ('' = off): "
                          + ", ".join(WAKE_WORDS))
    run.add_argument("--wake-window", type=float, metavar="S",
                     help="seconds after the wake word in which commands count (default 5)")
    run.add_argument("--wait-for-audio", action="store_true",
                     help="wait for a microphone instead of exiting (for the boot service)")
    run.set_defaults(func=cmd_run)

    recognize = sub.add_parser("recognize", help="what the coach hears in WAV files")
    recognize.add_argument("files", nargs="+", type=Path)
    recognize.add_argument("--engine", choices=SPEECH_ENGINES)
    recognize.add_argument("--model", help="path to a vosk model folder")
    recognize.add_argument("--json", action="store_true")
    recognize.add_argument("--intents", type=Path, metavar="DIR",
                           help="another folder of hassil intents (with its own lists)")
    recognize.set_defaults(func=cmd_recognize)

    demo = sub.add_parser("demo", help="render a hands-free session to session.wav")
    demo.add_argument("--out", type=Path, default=Path("demo"))
    demo.add_argument("--engine", choices=SPEECH_ENGINES)
    demo.set_defaults(func=cmd_demo)

    model = sub.add_parser("model", help="download a vosk model (needs a network)")
    model.add_argument("action", choices=["download"])
    model.add_argument("--lang", default="en-us")
    model.set_defaults(func=cmd_model)

    say = sub.add_parser("say", help="speak a sentence in the coach's voice")
    say.add_argument("text")
    say.add_argument("--out", type=Path, help="write a WAV file instead of playing it")
    say.set_defaults(func=cmd_say)

    devices = sub.add_parser("devices", help="list audio devices")
    devices.set_defaults(func=cmd_devices)

    doctor = sub.add_parser("doctor", help="check audio, speech, engine and disk, with fixes")
    doctor.set_defaults(func=cmd_doctor)

    service = sub.add_parser("service", help="run the coach at boot (systemd user unit)")
    service.add_argument("action", choices=["install", "uninstall", "status", "show"])
    service.set_defaults(func=cmd_service)

    config = sub.add_parser("config", help="show the effective settings and their sources")
    config.set_defaults(func=cmd_config)

    history = sub.add_parser("history", help="recent workouts")
    history.add_argument("-n", "--limit", type=positive_int, default=10, metavar="N",
                         help="how many workouts to show (default 10)")
    history.set_defaults(func=cmd_history)

    parse = sub.add_parser("parse", help="show the intent a sentence maps to")
    parse.add_argument("text")
    parse.add_argument("--json", action="store_true")
    parse.add_argument("--program", default="hip-hinge")
    parse.add_argument("--intents", type=Path, metavar="DIR",
                       help="another folder of hassil intents (with its own lists)")
    parse.set_defaults(func=cmd_parse)

    programs = sub.add_parser("programs", help="list, show or check training programs, or "
                                               "start your own (new ID)")
    programs.add_argument("action", nargs="?", default="list",
                          choices=["list", "show", "check", "new"])
    programs.add_argument("target", nargs="?")
    programs.set_defaults(func=cmd_programs)
    add_enroll_parser(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    from voice_coach.app.exits import leave, stop_on_signals

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    stop_on_signals()
    try:
        code = args.func(args)
    except SystemExit as exc:  # SIGTERM or SIGHUP: what the command opened is closed by now
        code = exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except VoiceCoachError as exc:  # something the user can fix: one line
        print(f"voice-coach: {exc}", file=sys.stderr)
        code = EXIT_BAD_INPUT
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # never a traceback in front of a user
        if os.environ.get("VOICE_COACH_DEBUG"):
            raise
        print(f"voice-coach: unexpected error: {type(exc).__name__}: {exc} "
              "(set VOICE_COACH_DEBUG=1 for details)", file=sys.stderr)
        code = 1
    return leave(code)  # audio shutdown gets a deadline: a stuck sound server cannot hold us
