"""One kind of error for the user: something they can fix, said in one line (exit code 2)."""


class VoiceCoachError(Exception):
    """A problem the user can fix; the CLI prints the message as one line and exits 2."""
