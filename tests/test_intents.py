"""The spoken-command templates in intents/en/*.yaml, checked against the real hip-hinge program.

- tables of phrasings that must match (intent and slots) and of everyday talk that must not;
- every intent in the contract exists (plus the ones added since), and nothing else;
- no sentence the templates can produce belongs to two intents, and the parser agrees;
- every word is in the pocketsphinx dictionary, and the grammar stays small and closed.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pocketsphinx
import pytest
import yaml
from hassil.expression import Expression, Group, ListReference, Permutation
from hassil.intents import TextSlotList
from hassil.sample import sample_expression, sample_intents

from voice_coach.content.intents import Grammar, IntentParser, normalize
from voice_coach.content.programs import Program, load_program
from voice_coach.resources import intents_dir

CONTRACT = {
    "next_drill", "previous_drill", "goto_drill", "list_drills", "current_drill", "setup",
    "next_step", "previous_step", "repeat", "slower", "faster", "cue", "mistakes", "why",
    "squat_vs_hinge", "start", "set_done", "rest", "skip_rest", "add_time", "time_left", "pause",
    "resume", "stop", "louder", "quieter", "yes", "no", "help", "pain", "end_workout",
}
# What a trainee expects beyond the contract: where am I, what now, more sets, another version,
# a count of their reps, the full introduction after a short start.
ADDED = {"what_now", "sets_left", "reps", "equipment", "restart_drill", "easier", "harder",
         "add_set", "count_reps", "stop_counting", "tell_me_more"}
INTENTS = CONTRACT | ADDED
# Slots each intent may fill (anything else would surprise the coach).
SLOTS = {"goto_drill": {"drill"}, "cue": {"focus"}, "rest": {"seconds"},
         "add_time": {"seconds"}, "pain": {"body_part"}, "add_set": {"count"},
         "equipment": {"gear"}}
REQUIRED_SLOTS = {"goto_drill": {"drill"}, "add_time": {"seconds"}, "add_set": {"count"}}
DURATIONS = set(range(5, 601))  # five seconds to ten minutes
BODY_PARTS = {"lower back", "upper back", "back", "neck", "shoulder", "elbow", "wrist", "hand",
              "hip", "groin", "glute", "hamstring", "thigh", "quad", "knee", "calf", "ankle",
              "foot", "leg", "stomach", "chest", "head"}
# pocketsphinx's language is counted from the template tree at any size (voice_coach.asr.lm);
# vosk takes a list of whole phrases, and voice_coach.asr.grammar gives it one only below this
MAX_PER_INTENT = 5000  # expanded sentences
MAX_TOTAL = 20_000
PARSE_SAMPLE_PER_INTENT = 120

CMUDICT = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"

WALL, BROOM, KB = "wall-tap-hip-hinge", "broomstick-hip-hinge", "kettlebell-hip-hinge"
TALL, CUFF, STAND = ("tall-kneeling-hip-hinge", "tall-kneeling-handcuff-hip-hinge",
                     "standing-handcuff-hip-hinge")
BRIDGE = "glute-bridge-to-cat-cow"


# ---- fixtures


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program("hip-hinge")


@pytest.fixture(scope="module")
def grammar(program: Program) -> Grammar:
    return Grammar.load(program)


@pytest.fixture(scope="module")
def parser(grammar: Grammar) -> IntentParser:
    return IntentParser(grammar)


@pytest.fixture(scope="module")
def expanded(grammar: Grammar) -> dict[str, set[str]]:
    """Every sentence the templates can produce (real slot lists), by intent."""
    out: dict[str, set[str]] = defaultdict(set)
    for name, text in sample_intents(grammar.intents, grammar.slot_lists):
        out[name].add(" ".join(text.split()))
    return out


# ---- positives: (what the user says or types, intent, slots)

POSITIVES: list[tuple[str, str, dict]] = [
    # counting, and the full introduction
    ("count for me", "count_reps", {}), ("can you count my reps", "count_reps", {}),
    ("count the reps please", "count_reps", {}), ("start counting", "count_reps", {}),
    ("stop counting", "stop_counting", {}), ("I'll count myself", "stop_counting", {}),
    ("don't count", "stop_counting", {}), ("count faster", "faster", {}),
    ("count a bit slower", "slower", {}), ("tell me more", "tell_me_more", {}),
    ("okay tell me more about this drill", "tell_me_more", {}),
    ("what's this drill about", "tell_me_more", {}), ("full introduction", "tell_me_more", {}),
    # next_drill
    ("next", "next_step", {}),
    ("Next!", "next_step", {}),
    ("next one", "next_step", {}),
    ("Next one.", "next_step", {}),
    ("the next one", "next_step", {}),
    ("next drill", "next_drill", {}),
    ("next exercise please", "next_drill", {}),
    ("okay next", "next_step", {}),
    ("alright, next one", "next_step", {}),
    ("move on", "next_step", {}),
    ("let's move on", "next_step", {}),
    ("Let's move on to the next exercise.", "next_drill", {}),
    ("moving on", "next_step", {}),
    ("on to the next one", "next_step", {}),
    ("go to the next drill", "next_drill", {}),
    ("skip this one", "next_drill", {}),
    ("skip this drill", "next_drill", {}),
    ("I'm ready for the next one", "next_step", {}),
    ("let's move on to the next drill", "next_drill", {}),
    ("I'm ready for the next exercise", "next_drill", {}),
    # previous_drill
    ("previous", "previous_drill", {}),
    ("previous one", "previous_drill", {}),
    ("the previous drill", "previous_drill", {}),
    ("last drill", "previous_drill", {}),
    ("go back", "previous_drill", {}),
    ("go back one", "previous_drill", {}),
    ("Go back to the last one.", "previous_drill", {}),
    ("back to the previous exercise", "previous_drill", {}),
    ("take me back to the last drill", "previous_drill", {}),
    ("the one before", "previous_drill", {}),
    ("go back to the one before that", "previous_drill", {}),
    # goto_drill
    ("go to the wall one", "goto_drill", {"drill": WALL}),
    ("go to drill one", "goto_drill", {"drill": TALL}),
    ("the wall one", "goto_drill", {"drill": WALL}),
    ("drill four", "goto_drill", {"drill": WALL}),
    ("Drill 4!", "goto_drill", {"drill": WALL}),
    ("go to drill 2", "goto_drill", {"drill": CUFF}),
    ("number 3", "goto_drill", {"drill": STAND}),
    ("exercise six", "goto_drill", {"drill": BROOM}),
    ("jump to exercise six", "goto_drill", {"drill": BROOM}),
    ("the first one", "goto_drill", {"drill": TALL}),
    ("start the fifth one", "goto_drill", {"drill": BRIDGE}),
    ("let's do number five", "goto_drill", {"drill": BRIDGE}),
    ("switch to broomstick", "goto_drill", {"drill": BROOM}),
    ("switch to the broomstick", "goto_drill", {"drill": BROOM}),
    ("Broomstick.", "goto_drill", {"drill": BROOM}),
    ("let's do the kettlebell one", "goto_drill", {"drill": KB}),
    ("I want to do the kettlebell one", "goto_drill", {"drill": KB}),
    ("can we do the standing one", "goto_drill", {"drill": STAND}),
    ("what about the bridge", "goto_drill", {"drill": BRIDGE}),
    ("how about cat cow", "goto_drill", {"drill": BRIDGE}),
    ("take me to the wall tap", "goto_drill", {"drill": WALL}),
    ("start the wall tap hip hinge", "goto_drill", {"drill": WALL}),
    ("do the stick one", "goto_drill", {"drill": BROOM}),
    ("try the bridge one", "goto_drill", {"drill": BRIDGE}),
    ("okay, the kneeling one", "goto_drill", {"drill": TALL}),
    ("go back to the kneeling handcuff", "goto_drill", {"drill": CUFF}),
    ("skip to the seventh exercise", "goto_drill", {"drill": KB}),
    ("tall-kneeling hip hinge", "goto_drill", {"drill": TALL}),
    # list_drills
    ("list the drills", "list_drills", {}),
    ("list drills", "list_drills", {}),
    ("list all the exercises", "list_drills", {}),
    ("what drills are there", "list_drills", {}),
    ("what exercises are there?", "list_drills", {}),
    ("which drills are left", "list_drills", {}),
    ("what are the drills", "list_drills", {}),
    ("tell me the drills", "list_drills", {}),
    ("read me all the exercises", "list_drills", {}),
    ("what's the plan", "list_drills", {}),
    ("what's in the workout", "list_drills", {}),
    ("what are we doing today", "list_drills", {}),
    ("give me an overview", "list_drills", {}),
    ("the drill list", "list_drills", {}),
    # current_drill
    ("what drill is this", "current_drill", {}),
    ("what exercise is this?", "current_drill", {}),
    ("which one am I on", "current_drill", {}),
    ("which drill are we doing right now", "current_drill", {}),
    ("what's this one called", "current_drill", {}),
    ("what's this called", "current_drill", {}),
    ("what are we doing", "current_drill", {}),
    ("what am I doing now", "current_drill", {}),
    ("where am I", "current_drill", {}),
    ("current drill", "current_drill", {}),
    ("what's the current exercise", "current_drill", {}),
    ("remind me which drill this is", "current_drill", {}),
    # setup
    ("setup", "setup", {}),
    ("Set up.", "setup", {}),
    ("the setup", "setup", {}),
    ("what's the setup", "setup", {}),
    ("give me the setup", "setup", {}),
    ("how do I set up", "setup", {}),
    ("how do i do this", "setup", {}),
    ("how do i do this one?", "setup", {}),
    ("walk me through it", "setup", {}),
    ("what are the steps", "setup", {}),
    ("instructions please", "setup", {}),
    ("how do i get into position", "setup", {}),
    ("explain this one", "setup", {}),
    ("describe the exercise", "setup", {}),
    ("show me how", "setup", {}),
    ("how does this one work", "setup", {}),
    ("what's the starting position", "setup", {}),
    # next_step
    ("next step", "next_step", {}),
    ("the next step", "next_step", {}),
    ("what's the next step", "next_step", {}),
    ("what's next", "what_now", {}),
    ("what do i do next", "what_now", {}),
    ("then what", "next_step", {}),
    ("and then?", "next_step", {}),
    ("okay, what now", "what_now", {}),
    # previous_step
    ("previous step", "previous_step", {}),
    ("the last step", "previous_step", {}),
    ("go back a step", "previous_step", {}),
    ("back one step", "previous_step", {}),
    ("step back", "previous_step", {}),
    ("what was the last step", "previous_step", {}),
    ("say the last step again", "previous_step", {}),
    # repeat
    ("repeat", "repeat", {}),
    ("repeat that please", "repeat", {}),
    ("can you repeat that", "repeat", {}),
    ("say that again", "repeat", {}),
    ("again", "repeat", {}),
    ("come again", "repeat", {}),
    ("What?", "repeat", {}),
    ("huh", "repeat", {}),
    ("pardon", "repeat", {}),
    ("sorry, what?", "repeat", {}),
    ("what did you say", "repeat", {}),
    ("I didn't catch that", "repeat", {}),
    # slower / faster
    ("slower", "slower", {}),
    ("slower please", "slower", {}),
    ("a bit slower", "slower", {}),
    ("slow down", "slower", {}),
    ("talk slower", "slower", {}),
    ("speak slower please", "slower", {}),
    ("you're talking too fast", "slower", {}),
    ("too fast", "slower", {}),
    ("faster", "faster", {}),
    ("a little faster", "faster", {}),
    ("talk faster", "faster", {}),
    ("speed up", "faster", {}),
    ("speed it up", "faster", {}),
    ("hurry up", "faster", {}),
    ("too slow", "faster", {}),
    ("quicker", "faster", {}),
    # cue
    ("cue", "cue", {}),
    ("Cue!", "cue", {}),
    ("cue please", "cue", {}),
    ("tip", "cue", {}),
    ("gimme a cue", "cue", {}),
    ("Gimme a CUE!", "cue", {}),
    ("give me a tip", "cue", {}),
    ("what's the cue", "cue", {}),
    ("What's the cue?", "cue", {}),
    ("another cue", "cue", {}),
    ("one more tip", "cue", {}),
    ("any tips", "cue", {}),
    ("cue me", "cue", {}),
    ("what should i focus on", "cue", {}),
    ("where should i feel it", "cue", {}),
    ("what's the cue for my back", "cue", {"focus": "back"}),
    ("What's the cue for my BACK?", "cue", {"focus": "back"}),
    ("cue for my back", "cue", {"focus": "back"}),
    ("cue for my lower back", "cue", {"focus": "back"}),
    ("tip for my spine", "cue", {"focus": "back"}),
    ("tip for my hips", "cue", {"focus": "hips"}),
    ("tip for my hip", "cue", {"focus": "hips"}),
    ("cue for my knees", "cue", {"focus": "knees"}),
    ("knee cue", "cue", {"focus": "knees"}),
    ("back tip", "cue", {"focus": "back"}),
    ("tip on my core", "cue", {"focus": "core"}),
    ("any cues for my abs", "cue", {"focus": "core"}),
    ("cues for my stomach", "cue", {"focus": "core"}),
    ("gimme a tip for my ribs", "cue", {"focus": "ribs"}),
    ("what's the tip for my pelvis", "cue", {"focus": "pelvis"}),
    ("what's the tip for my shoulders", "cue", {"focus": "shoulders"}),
    ("how should i keep my shoulder blades", "cue", {"focus": "shoulders"}),
    ("cue for my butt", "cue", {"focus": "glutes"}),
    ("hamstring cue", "cue", {"focus": "hamstrings"}),
    ("what are the cues for my hamstrings", "cue", {"focus": "hamstrings"}),
    ("what about my chest", "cue", {"focus": "chest"}),
    ("what about my neck", "cue", {"focus": "head"}),
    ("what do i do with my head", "cue", {"focus": "head"}),
    ("how should i hold my back", "cue", {"focus": "back"}),
    ("where should my knees be", "cue", {"focus": "knees"}),
    ("help me with my ribs", "cue", {"focus": "ribs"}),
    # mistakes
    ("common mistakes", "mistakes", {}),
    ("mistakes", "mistakes", {}),
    ("what are the common mistakes", "mistakes", {}),
    ("what am I doing wrong", "mistakes", {}),
    ("What am I doing wrong?", "mistakes", {}),
    ("what mistakes should i avoid", "mistakes", {}),
    ("typical errors", "mistakes", {}),
    ("what should i avoid", "mistakes", {}),
    ("what should i watch out for", "mistakes", {}),
    ("am i doing it right", "mistakes", {}),
    ("how's my form", "mistakes", {}),
    ("what do people get wrong", "mistakes", {}),
    # why
    ("why", "why", {}),
    ("Why?", "why", {}),
    ("why this one", "why", {}),
    ("why are we doing this", "why", {}),
    ("why do we do this", "why", {}),
    ("what's the point", "why", {}),
    ("what's the point of this drill", "why", {}),
    ("what's this for", "why", {}),
    ("what are the benefits", "why", {}),
    ("benefits", "why", {}),
    ("what does this do", "why", {}),
    ("how does this help", "why", {}),
    ("why is this important", "why", {}),
    # squat_vs_hinge
    ("squat vs hinge", "squat_vs_hinge", {}),
    ("squat or hinge", "squat_vs_hinge", {}),
    ("hinge versus squat", "squat_vs_hinge", {}),
    ("what's the difference between a squat and a hinge", "squat_vs_hinge", {}),
    ("what is the difference between a hinge and a squat?", "squat_vs_hinge", {}),
    ("how is a hinge different from a squat", "squat_vs_hinge", {}),
    ("isn't this just a squat", "squat_vs_hinge", {}),
    ("is this a squat", "squat_vs_hinge", {}),
    ("am i squatting", "squat_vs_hinge", {}),
    ("why not just squat", "squat_vs_hinge", {}),
    # start
    ("go", "start", {}),
    ("Go!", "start", {}),
    ("ready", "start", {}),
    ("I'm ready", "start", {}),
    ("ready, go", "start", {}),
    ("let's go", "start", {}),
    ("Let's go!", "start", {}),
    ("let's do it", "start", {}),
    ("let's start", "start", {}),
    ("start", "start", {}),
    ("begin", "start", {}),
    ("start the set", "start", {}),
    ("begin the next set", "start", {}),
    ("start the timer", "start", {}),
    ("here we go", "start", {}),
    ("okay go", "start", {}),
    ("next set", "start", {}),
    ("let's go again", "start", {}),
    # set_done
    ("done", "set_done", {}),
    ("Done.", "set_done", {}),
    ("finished", "set_done", {}),
    ("that's it", "set_done", {}),
    ("That's it!", "set_done", {}),
    ("I'm done", "set_done", {}),
    ("i'm finished", "set_done", {}),
    ("all done", "set_done", {}),
    ("that's all", "set_done", {}),
    ("set done", "set_done", {}),
    ("done with this set", "set_done", {}),
    ("finished the set", "set_done", {}),
    ("that was the last rep", "set_done", {}),
    ("end the set", "set_done", {}),
    ("okay done", "set_done", {}),
    # rest
    ("rest", "rest", {}),
    ("Rest.", "rest", {}),
    ("rest please", "rest", {}),
    ("break", "rest", {}),
    ("let's rest", "rest", {}),
    ("take a break", "rest", {}),
    ("take a breather", "rest", {}),
    ("I need a break", "rest", {}),
    ("time for a break", "rest", {}),
    ("let me catch my breath", "rest", {}),
    ("rest thirty seconds", "rest", {"seconds": 30}),
    ("rest 30 seconds", "rest", {"seconds": 30}),
    ("rest thirty", "rest", {"seconds": 30}),
    ("rest 45", "rest", {"seconds": 45}),
    ("Rest 45 seconds.", "rest", {"seconds": 45}),
    ("rest 90 seconds", "rest", {"seconds": 90}),
    ("rest for a minute", "rest", {"seconds": 60}),
    ("rest 1 minute", "rest", {"seconds": 60}),
    ("rest for 2 minutes", "rest", {"seconds": 120}),
    ("rest three minutes", "rest", {"seconds": 180}),
    ("rest five minutes", "rest", {"seconds": 300}),
    ("rest half a minute", "rest", {"seconds": 30}),
    ("rest for a minute and a half", "rest", {"seconds": 90}),
    ("rest twenty five seconds", "rest", {"seconds": 25}),
    ("rest 15", "rest", {"seconds": 15}),
    ("take a break for a minute", "rest", {"seconds": 60}),
    ("take a 30 second break", "rest", {"seconds": 30}),
    ("a thirty second rest", "rest", {"seconds": 30}),
    ("1 minute rest", "rest", {"seconds": 60}),
    ("thirty seconds rest", "rest", {"seconds": 30}),
    ("let me rest for 40 seconds", "rest", {"seconds": 40}),
    # skip_rest
    ("skip", "skip_rest", {}),
    ("skip rest", "skip_rest", {}),
    ("skip the rest", "skip_rest", {}),
    ("skip the break", "skip_rest", {}),
    ("no rest", "skip_rest", {}),
    ("no more rest", "skip_rest", {}),
    ("end the rest early", "skip_rest", {}),
    ("cut the rest short", "skip_rest", {}),
    ("I'm rested", "skip_rest", {}),
    ("I don't need a rest", "skip_rest", {}),
    ("enough rest", "skip_rest", {}),
    ("done resting", "skip_rest", {}),
    # add_time
    ("add thirty seconds", "add_time", {"seconds": 30}),
    ("add 15 seconds", "add_time", {"seconds": 15}),
    ("add 1 minute", "add_time", {"seconds": 60}),
    ("add a minute", "add_time", {"seconds": 60}),
    ("add another 30 seconds", "add_time", {"seconds": 30}),
    ("fifteen more", "add_time", {"seconds": 15}),
    ("fifteen more seconds", "add_time", {"seconds": 15}),
    ("15 more seconds", "add_time", {"seconds": 15}),
    ("10 more", "add_time", {"seconds": 10}),
    ("thirty seconds more", "add_time", {"seconds": 30}),
    ("give me 30 more seconds", "add_time", {"seconds": 30}),
    ("give me thirty seconds", "add_time", {"seconds": 30}),
    ("another 15 seconds", "add_time", {"seconds": 15}),
    ("an extra 20 seconds", "add_time", {"seconds": 20}),
    ("give me another minute", "add_time", {"seconds": 60}),
    ("another minute", "add_time", {"seconds": 60}),
    ("one more minute", "add_time", {"seconds": 60}),
    ("2 more minutes", "add_time", {"seconds": 120}),
    ("give me two more minutes", "add_time", {"seconds": 120}),
    ("add ninety seconds", "add_time", {"seconds": 90}),
    ("add half a minute", "add_time", {"seconds": 30}),
    ("more time", "add_time", {"seconds": 30}),
    ("I need more time", "add_time", {"seconds": 30}),
    # time_left
    ("time", "time_left", {}),
    ("Time?", "time_left", {}),
    ("time left", "time_left", {}),
    ("how much time is left", "time_left", {}),
    ("how much time left", "time_left", {}),
    ("how long left", "time_left", {}),
    ("how long is left?", "time_left", {}),
    ("how long do i have", "time_left", {}),
    ("how much longer", "time_left", {}),
    ("how long to go", "time_left", {}),
    ("how many seconds left", "time_left", {}),
    ("how much rest is left", "time_left", {}),
    ("when do i go", "time_left", {}),
    # pause
    ("pause", "pause", {}),
    ("Pause!", "pause", {}),
    ("hang on", "pause", {}),
    ("hold on", "pause", {}),
    ("wait", "pause", {}),
    ("Wait!", "pause", {}),
    ("hold on a sec", "pause", {}),
    ("wait a second", "pause", {}),
    ("wait a minute", "pause", {}),
    ("one sec", "pause", {}),
    ("just a moment", "pause", {}),
    ("give me a second", "pause", {}),
    ("hold up", "pause", {}),
    ("time out", "pause", {}),
    ("pause the timer", "pause", {}),
    ("stop the timer", "pause", {}),
    # resume
    ("resume", "resume", {}),
    ("continue", "resume", {}),
    ("continue please", "resume", {}),
    ("carry on", "resume", {}),
    ("go on", "resume", {}),
    ("okay go on", "resume", {}),
    ("OK, go on.", "resume", {}),
    ("keep going", "resume", {}),
    ("let's keep going", "resume", {}),
    ("I'm back", "resume", {}),
    ("back to it", "resume", {}),
    ("where were we", "resume", {}),
    ("resume the workout", "resume", {}),
    # stop
    ("stop", "stop", {}),
    ("Stop!", "stop", {}),
    ("quiet", "stop", {}),
    ("shut up", "stop", {}),
    ("enough", "stop", {}),
    ("be quiet", "stop", {}),
    ("be quiet please", "stop", {}),
    ("stop talking", "stop", {}),
    ("silence", "stop", {}),
    ("shh", "stop", {}),
    ("that's enough", "stop", {}),
    ("okay stop", "stop", {}),
    # louder / quieter
    ("louder", "louder", {}),
    ("a bit louder", "louder", {}),
    ("louder please", "louder", {}),
    ("speak up", "louder", {}),
    ("volume up", "louder", {}),
    ("turn it up", "louder", {}),
    ("turn up the volume", "louder", {}),
    ("I can't hear you", "louder", {}),
    ("quieter", "quieter", {}),
    ("softer", "quieter", {}),
    ("volume down", "quieter", {}),
    ("turn it down", "quieter", {}),
    ("turn the volume down", "quieter", {}),
    ("too loud", "quieter", {}),
    ("talk quieter", "quieter", {}),
    ("a little softer please", "quieter", {}),
    # yes / no
    ("yes", "yes", {}),
    ("Yes!", "yes", {}),
    ("yeah", "yes", {}),
    ("yep", "yes", {}),
    ("yup", "yes", {}),
    ("sure", "yes", {}),
    ("yes please", "yes", {}),
    ("of course", "yes", {}),
    ("uh huh", "yes", {}),
    ("okay yes", "yes", {}),
    ("yeah sure", "yes", {}),
    ("no", "no", {}),
    ("No.", "no", {}),
    ("nope", "no", {}),
    ("nah", "no", {}),
    ("no thanks", "no", {}),
    ("no thank you", "no", {}),
    ("not now", "no", {}),
    ("never mind", "no", {}),
    ("no I'm good", "no", {}),
    # help
    ("help", "help", {}),
    ("Help!", "help", {}),
    ("help me", "help", {}),
    ("I need help", "help", {}),
    ("what can I say", "help", {}),
    ("what can I say?", "help", {}),
    ("what can you do", "help", {}),
    ("commands", "help", {}),
    ("what are my options", "help", {}),
    ("how do i use this", "help", {}),
    # pain
    ("that hurts", "pain", {}),
    ("That hurts!", "pain", {}),
    ("it hurts", "pain", {}),
    ("ouch", "pain", {}),
    ("Ouch!", "pain", {}),
    ("pain", "pain", {}),
    ("I'm in pain", "pain", {}),
    ("I'm hurt", "pain", {}),
    ("i've got a cramp", "pain", {}),
    ("my lower back hurts", "pain", {"body_part": "lower back"}),
    ("My lower back hurts.", "pain", {"body_part": "lower back"}),
    ("my back hurts", "pain", {"body_part": "back"}),
    ("pain in my knee", "pain", {"body_part": "knee"}),
    ("my knee hurts", "pain", {"body_part": "knee"}),
    ("my knees hurt", "pain", {"body_part": "knee"}),
    ("ouch my back", "pain", {"body_part": "back"}),
    ("my back is killing me", "pain", {"body_part": "back"}),
    ("i hurt my shoulder", "pain", {"body_part": "shoulder"}),
    ("I think I pulled my hamstring", "pain", {"body_part": "hamstring"}),
    ("cramp in my calf", "pain", {"body_part": "calf"}),
    ("sharp pain in my wrist", "pain", {"body_part": "wrist"}),
    ("my ankle is sore", "pain", {"body_part": "ankle"}),
    ("this hurts my knee", "pain", {"body_part": "knee"}),
    ("neck pain", "pain", {"body_part": "neck"}),
    ("my hips hurt", "pain", {"body_part": "hip"}),
    ("my butt hurts", "pain", {"body_part": "glute"}),
    ("i have a pain in my groin", "pain", {"body_part": "groin"}),
    ("my hamstrings are hurting", "pain", {"body_part": "hamstring"}),
    ("my wrists hurt", "pain", {"body_part": "wrist"}),
    ("ouch my neck", "pain", {"body_part": "neck"}),
    ("my chest hurts", "pain", {"body_part": "chest"}),
    # end_workout
    ("end workout", "end_workout", {}),
    ("end the workout", "end_workout", {}),
    ("I'm done for today", "end_workout", {}),
    ("I'm done for today.", "end_workout", {}),
    ("i'm done for the day", "end_workout", {}),
    ("finish the workout", "end_workout", {}),
    ("that's it for today", "end_workout", {}),
    ("let's call it a day", "end_workout", {}),
    ("stop the workout", "end_workout", {}),
    ("quit", "end_workout", {}),
    ("I quit", "end_workout", {}),
    ("end session", "end_workout", {}),
    ("we're done for today", "end_workout", {}),
    ("i'm finished for today", "end_workout", {}),
    ("that's enough for today", "end_workout", {}),
    ("I want to stop", "end_workout", {}),
    ("exit", "end_workout", {}),
    ("I've had enough", "end_workout", {}),
    # what_now
    ("what now", "what_now", {}),
    ("now what", "what_now", {}),
    ("what do I do now", "what_now", {}),
    ("what comes next", "what_now", {}),
    # sets_left
    ("what set am I on", "sets_left", {}),
    ("which set is this", "sets_left", {}),
    ("how many sets left", "sets_left", {}),
    ("how many more sets", "sets_left", {}),
    ("is this the last set", "sets_left", {}),
    # reps
    ("how many reps", "reps", {}),
    ("how many reps do I do", "reps", {}),
    ("how long do I hold it", "reps", {}),
    # equipment
    ("what equipment do I need", "equipment", {}),
    ("what do I need for this drill", "equipment", {}),
    ("do I need a kettlebell", "equipment", {"gear": "kettlebell"}),
    ("do I need a light kettlebell", "equipment", {"gear": "light kettlebell"}),
    ("do I need any equipment", "equipment", {}),
    # restart_drill
    ("start over", "restart_drill", {}),
    ("restart the drill", "restart_drill", {}),
    ("let's start this drill again", "restart_drill", {}),
    ("from the top", "restart_drill", {}),
    # easier / harder
    ("easier", "easier", {}),
    ("make it easier", "easier", {}),
    ("this is too hard", "easier", {}),
    ("is there an easier one", "easier", {}),
    ("harder", "harder", {}),
    ("something harder", "harder", {}),
    ("this is too easy", "harder", {}),
    # add_set
    ("one more set", "add_set", {"count": 1}),
    ("add a set", "add_set", {"count": 1}),
    ("let's do another set", "add_set", {"count": 1}),
    ("two more sets", "add_set", {"count": 2}),
    ("add 3 sets", "add_set", {"count": 3}),
    # fillers around any command, and typed forms
    ("um, next", "next_step", {}),
    ("coach, what's the cue?", "cue", {}),
    ("hey coach, how long left", "time_left", {}),
    ("can you skip the rest please", "skip_rest", {}),
    ("okay coach, um, pause please", "pause", {}),
    ("stop stop stop", "stop", {}),
    ("ow", "pain", {}),
    ("ow my knee", "pain", {"body_part": "knee"}),
    ("ok next", "next_step", {}),
    ("my glutes hurt", "pain", {"body_part": "glute"}),
    ("cue for my glutes", "cue", {"focus": "glutes"}),
    # durations: every form, spoken or typed
    ("rest thirty five seconds", "rest", {"seconds": 35}),
    ("rest 1:30", "rest", {"seconds": 90}),
    ("rest 2:05", "rest", {"seconds": 125}),
    ("rest 90s", "rest", {"seconds": 90}),
    ("rest 2 min", "rest", {"seconds": 120}),
    ("rest 2.5 minutes", "rest", {"seconds": 150}),
    ("rest two and a half minutes", "rest", {"seconds": 150}),
    ("rest a minute forty five", "rest", {"seconds": 105}),
    ("rest for a hundred and twenty seconds", "rest", {"seconds": 120}),
    ("rest ten minutes", "rest", {"seconds": 600}),
    ("add thirty seven seconds", "add_time", {"seconds": 37}),
    ("give me a three minute rest", "rest", {"seconds": 180}),
]

# ---- negatives: everyday and gym talk that must not be taken as a command

NEGATIVES: list[str] = [
    "my hamstrings feel tight today", "what a nice day", "one two three four",
    "i need some water", "this is heavy", "left", "up", "okay", "OK", "alright", "coach",
    "hey coach", "hello there", "can you believe it", "how are you", "what time is it",
    "I'm tired", "that was hard", "nice", "good job", "thank you", "thanks",
    "let me get some water", "where's my phone", "is this the right weight",
    "my knees feel weird", "my back is fine", "i love this song", "this song is great",
    "what's for dinner", "are you done with the bench", "can I work in",
    "how many sets do you have left", "five more reps", "ten reps",
    "three sets of ten", "one more rep", "last one", "last set", "keep your back flat",
    "push your hips back", "squeeze your glutes", "the weather is nice",
    "I'm going to the gym tomorrow", "see you later", "good morning", "hi", "hello", "bye",
    "what a workout", "what's up", "that's a lot", "that's heavy", "that's great",
    "I feel great", "not bad", "I don't know", "I think so", "maybe", "let me think",
    "can you hold this", "pass me the towel", "the music is too loud in here",
    "turn the music up", "turn off the lights", "play some music", "next week", "next time",
    "go home", "go away", "time to eat", "it's time", "I'm hungry", "my phone is dead",
    "did you see that", "oh my god", "oh no", "yes and no", "no idea", "why not", "come on",
    "let's see", "let's eat", "wait for me", "who is that", "it's cold in here",
    "I'm sweating", "this is easy", "one", "two", "five", "thirty", "a minute",
    "thirty seconds", "drill", "exercise", "my back", "my knee", "back", "knees", "hips",
    "stretch", "breathe", "breathe out", "rest day", "tomorrow is a rest day",
    "can you spot me", "squat", "hinge", "deadlifts are hard", "hold", "hold it", "down",
    "good form", "what are you doing here", "sit down", "stand up", "",
    "?!", "123", "my hamstrings are tight", "the set was good", "next to the wall",
    "I'm done with my coffee", "rest of the day", "time flies", "stop by later",
    "go go gadget", "cue the music", "no pain no gain", "my knee is fine",
    "what a pain", "give me the water", "i want a sandwich", "the wall is white",
    # near the new commands and fillers
    "another one", "one more", "two more", "one more rep", "come on two more", "so what",
    "hey", "um", "okay coach", "please", "coach please", "now", "thanks coach", "ow ow ow no",
    "add one", "rest of the set", "set the oven for thirty minutes", "I'll be there in ten minutes",
    "is this the last one", "what time is the next set", "that's too bad", "it's fine",
    "my back", "ah", "argh", "I'm done with my coffee", "start the car", "harder than I thought",
]


@pytest.mark.parametrize(("text", "intent", "slots"), POSITIVES)
def test_positive(parser: IntentParser, text: str, intent: str, slots: dict) -> None:
    result = parser.parse(text)
    assert result is not None, f"{text!r} matched nothing"
    assert (result.name, result.slots) == (intent, slots), text


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(parser: IntentParser, text: str) -> None:
    result = parser.parse(text)
    assert result is None, f"{text!r} was taken as {result.name} {result.slots}"


def test_tables_are_large_and_cover_every_intent() -> None:
    assert len(POSITIVES) >= 300
    assert len(set(NEGATIVES)) >= 100
    assert {intent for _, intent, _ in POSITIVES} == INTENTS
    texts = [t for t, _, _ in POSITIVES]
    assert len(texts) == len(set(texts))


# ---- the templates as a whole


def test_contract_intents_exist(grammar: Grammar) -> None:
    assert set(grammar.intents.intents) >= CONTRACT
    assert set(grammar.intents.intents) == INTENTS


def test_no_sentence_belongs_to_two_intents(expanded: dict[str, set[str]]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, sentences in expanded.items():
        for sentence in sentences:
            owners[sentence].add(intent)
    clashes = {s: sorted(i) for s, i in owners.items() if len(i) > 1}
    assert not clashes, f"{len(clashes)} ambiguous sentences, e.g. {list(clashes.items())[:10]}"


def test_parser_agrees_with_every_template(parser: IntentParser,
                                           expanded: dict[str, set[str]]) -> None:
    """A seeded sample of each intent's sentences parses back to that intent, with sane slots."""
    rng = random.Random(1234)
    failures = []
    for intent, sentences in sorted(expanded.items()):
        pool = sorted(sentences)
        for sentence in rng.sample(pool, min(PARSE_SAMPLE_PER_INTENT, len(pool))):
            result = parser.parse(sentence)
            if result is None or result.name != intent:
                failures.append((sentence, intent, result and result.name))
                continue
            slots = result.slots
            if not set(slots) <= SLOTS.get(intent, set()) or not (
                REQUIRED_SLOTS.get(intent, set()) <= set(slots)
            ):
                failures.append((sentence, intent, slots))
    assert not failures, failures[:20]


def test_slot_values(grammar: Grammar, program: Program) -> None:
    def outs(name: str) -> set:
        slot_list = grammar.slot_lists[name]
        assert isinstance(slot_list, TextSlotList)
        return {v.value_out for v in slot_list.values}

    for name in ("seconds", "second_count", "minute_count"):  # said aloud, and typed
        for lists in (grammar.slot_lists, grammar.parse_lists):
            values = {v.value_out for v in lists[name].values}  # type: ignore[union-attr]
            assert values <= DURATIONS and all(isinstance(v, int) for v in values), name
    typed = {v.value_out for v in grammar.parse_lists["seconds"].values}  # type: ignore[union-attr]
    assert typed == DURATIONS
    assert {f for d in program.drills for c in d.cues for f in c.focus} <= outs("focus")
    assert outs("body_part") <= BODY_PARTS
    assert outs("drill") == {d.id for d in program.drills}
    assert outs("count") <= set(range(1, 11))
    assert outs("gear") == {w for d in program.drills for e in d.equipment
                            for w in (e, e.split()[-1])}


def _walk(expr: Expression) -> Iterator[Expression]:
    yield expr
    if isinstance(expr, Group):  # sequences, alternatives, permutations
        for item in expr.items:
            yield from _walk(item)


def test_grammar_is_closed_and_plain(grammar: Grammar) -> None:
    """No permutations, wildcards, ranges or context rules: recognisers need a closed grammar."""
    exprs: list[Expression] = [r.expression for r in grammar.intents.expansion_rules.values()]
    for intent in grammar.intents.intents.values():
        for data in intent.data:
            assert not data.requires_context and not data.excludes_context, intent.name
            assert not data.wildcard_list_names and not data.expansion_rules, intent.name
            exprs += [s.expression for s in data.sentences]
    for name, slot_list in grammar.slot_lists.items():
        assert isinstance(slot_list, TextSlotList), f"list {name} is not a plain value list"
        exprs += [v.text_in for v in slot_list.values]
    pieces = [e for root in exprs for e in _walk(root)]
    assert not [e for e in pieces if isinstance(e, Permutation)], "permutation (a;b) in templates"
    for ref in (e for e in pieces if isinstance(e, ListReference)):
        assert not ref.is_inline_range and ref.list_name in grammar.slot_lists, ref.list_name
    for path in sorted(intents_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) <= {"language", "intents", "lists", "expansion_rules", "fillers"}, \
            path.name
        for name in ("drill", "gear", "seconds", "second_count", "minute_count", "count"):
            assert name not in (data.get("lists") or {}), f"{name} comes from the program or code"


def test_grammar_size(expanded: dict[str, set[str]]) -> None:
    sizes = {intent: len(s) for intent, s in expanded.items()}
    big = {i: n for i, n in sizes.items() if n > MAX_PER_INTENT}
    assert not big, big
    assert sum(sizes.values()) < MAX_TOTAL, sum(sizes.values())


def _dictionary() -> set[str]:
    words = set()
    for line in CMUDICT.read_text(encoding="utf-8").splitlines():
        if line.strip():
            words.add(line.split()[0].split("(")[0])
    return words


def test_every_word_is_in_the_pocketsphinx_dictionary(grammar: Grammar) -> None:
    """Template and list words (drill names belong to the program, so they are stubbed out)."""
    stub = TextSlotList.from_strings(["drill"])
    slot_lists = {**grammar.slot_lists, "drill": stub, "gear": stub}
    sentences = {" ".join(t.split()) for _, t in sample_intents(grammar.intents, slot_lists)}
    for slot_list in slot_lists.values():
        assert isinstance(slot_list, TextSlotList)
        for value in slot_list.values:
            sentences.update(sample_expression(value.text_in, slot_lists,
                                               grammar.intents.expansion_rules))
    words = {w for s in sentences for w in s.split()}
    assert all(re.fullmatch(r"[a-z]+('[a-z]+)?", w) for w in words), sorted(
        w for w in words if not re.fullmatch(r"[a-z]+('[a-z]+)?", w))
    assert all(normalize(s) == " ".join(s.split()) for s in sentences if s.strip())
    missing = sorted(words - _dictionary())
    assert not missing, f"not in {CMUDICT.name}: {missing}"


def test_typed_only_sentences_are_understood_but_never_heard(
        parser: IntentParser, grammar: Grammar, expanded: dict[str, set[str]]) -> None:
    """Phrasings that cost the recogniser more than they bring are parsed when typed only."""
    for text, intent in (("it's fine now", "resume"), ("I'm okay now", "resume"),
                         ("add a set", "add_set"), ("I'm lost", "help")):
        result = parser.parse(text)
        assert result is not None and result.name == intent, text
        assert normalize(text) not in expanded[intent], text
    assert grammar.parse_intents is not None
    assert set(grammar.intents.intents) == set(grammar.parse_intents.intents)
