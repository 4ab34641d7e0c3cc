"""Helper processes (speech synthesis, recognition): started so a Ctrl-C leaves them alone."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ctrl-C at a terminal signals the whole foreground process group: a helper process
    started in here keeps ignoring it instead of dying with a traceback of its own (the
    ignored disposition survives the spawn). The coach ends its helpers itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
