"""Offline speech recognition: engines constrained to the command grammar, endpointing, and the
listener that decides what counts as a command.

    engine = open_engine("auto", grammar)                    # asr.engines
    result = recognize_file("next.wav", engine, IntentParser(grammar))   # asr.recognize
"""

SPEECH_ENGINES = ("auto", "pocketsphinx", "vosk")  # "auto": vosk with a model, else pocketsphinx
WAKE_WORDS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")  # pymicro-wakeword's models
