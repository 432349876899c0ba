"""One module per ``healthsim`` subcommand (see :mod:`healthsim.cli`), and what they
share."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (``kill``) like Ctrl-C while the block runs, so a killed command
    cleans up as an interrupted one does: finished runs are kept, workers stop, no
    partial output is left. Outside the main thread signals are left alone."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
