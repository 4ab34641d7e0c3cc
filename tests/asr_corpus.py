"""Utterances for ASR tests and for calibrating the rejection gate (tests/calibrate_asr.py).

COMMANDS are things a user says to the coach; NEGATIVES are things said near it that must not
trigger anything: gym chatter, counting, single words, and the coach's own prompts.
"""

from __future__ import annotations

COMMANDS = [
    "next drill", "what's the cue", "rest thirty seconds", "stop", "go to the wall tap", "next",
    "previous drill", "how much time is left", "pause", "resume", "skip the rest",
    "add fifteen seconds", "ready", "done", "repeat that", "common mistakes", "end the workout",
    "next step", "my back hurts", "go to the kettlebell", "list the drills",
    "give me a cue for my hips", "move on", "hold on", "what drill is this", "rest", "go back",
    "quiet", "continue", "set up", "louder", "slower", "help", "squat versus hinge", "i'm done",
    "let's go", "previous step", "speak faster", "how do i set up", "stop talking", "be quiet",
    "rest one minute", "give me thirty more seconds", "take a break", "i'm finished",
    "finish the workout", "why are we doing this", "my knee hurts", "broomstick", "okay next",
]

CHATTER = [
    "my hamstrings feel tight", "hello there", "one two three", "okay", "up", "left",
    "I need some water", "can you turn the music down", "that was a good set",
    "where is my phone", "this kettlebell is heavy", "I think I pulled something",
    "let me check my watch", "four five six seven", "great job everyone",
    "the weather is nice today", "I'll have a coffee please", "we should go running tomorrow",
    "nice", "right", "down", "yeah", "hmm no", "eight nine ten", "did you see the game last night",
    "my shoes are untied", "pass me that towel", "how was your weekend", "I'm so tired",
    "this music is great", "where did I put my keys", "that looks painful", "almost there",
    "come on", "you can do it", "let's grab lunch after this", "my arms are shaking",
    "is it hot in here", "open the window", "who left the weights out", "good morning",
    "see you tomorrow", "what time is it", "call my mom", "turn on the lights",
    "play some music", "set an alarm", "I love this song", "how many calories did I burn",
    "the floor is slippery", "twelve thirteen fourteen", "thank you", "sorry", "wait what",
    "I forgot my water bottle", "that's heavy", "ouch", "again and again", "next week maybe",
    "slow and steady",
]

COACH = [
    "keep your chest tall", "rest over, set two of three", "send your hips back toward the wall",
    "squeeze your glutes at the top", "brace your core", "keep your back flat",
    "drive your hips forward", "put a pad on the floor and kneel on it",
    "reach your hips back toward your heels", "three, two, one, go",
    "set one of three, ten reps", "nice work, that's the whole program",
    "tuck your pelvis slightly", "rest for forty five seconds", "ten seconds left",
    "the next drill is the wall tap hip hinge", "say next to move on, or cue for a form tip",
    "hold the stick against your back", "keep a soft bend in your knees",
    "stand tall and squeeze your glutes",
]

NEGATIVES = CHATTER + COACH
