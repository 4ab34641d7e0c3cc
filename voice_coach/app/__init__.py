"""The application: the runtime that owns the coach, and the ways to run it (live, text, demo,
command line, doctor, boot service)."""
