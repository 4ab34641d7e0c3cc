"""The pure coach: program model, events and commands, state, and the coach that maps one to the
other. Nothing here reads a clock, starts a thread or touches a file, and nothing here imports
from outside `voice_coach.core` (a test checks)."""
