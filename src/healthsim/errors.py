"""The errors of bad input that healthsim's library raises, which front ends print as one
line: a scenario (or a file it names) that cannot be used, an experiment that cannot go
on, and an output folder that cannot be written. Every layer may raise them; this module
imports nothing of healthsim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Most characters of a value quoted in a message (the rest is cut, with "…").
QUOTE_LIMIT = 60


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text``, or its first ``limit`` characters and "…" when it is longer."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message quotes it (its repr), cut to a short prefix: a 1 MB string
    typed in a number field gives a line, not a megabyte."""
    if isinstance(value, str):
        # cut the text before and after repr(): escapes (\u202e) make it longer
        text, cut, size = repr(value[:limit]), len(value) > limit, len(value)
    else:
        text, cut = repr(value), False
        size = len(text)
    if len(text) > limit:
        text, cut = text[:limit], True
    return f"{text}… ({size:,} characters)" if cut else text


def short_path(path: str | Path, limit: int = 120) -> str:
    """A file path for a message: whole, or its start and its end (the name) when long."""
    text = str(path)
    if len(text) <= limit:
        return text
    tail = max(20, limit // 2)
    return f"{text[: limit - tail]}…{text[-tail:]}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with the file and key path at fault. A long file
    path or key path is shortened (its start and end), so the message stays one line."""

    def __init__(self, file: str | Path | None, key: str | None, message: str) -> None:
        self.file = short_path(file) if file is not None else None
        self.key = short_path(key, 80) if key else None
        self.message = message
        where = ": ".join(p for p in (self.file, self.key) if p)
        super().__init__(f"{where}: {message}" if where else message)


class ExperimentError(ValueError):
    """An experiment cannot go on (a bad executor address, a lost worker); one line."""


class WorkerLostError(ExperimentError):
    """A worker died while running (out of memory, killed): a failure at run time, not
    bad input. The runs that finished are kept."""


class OutputFolderError(ValueError):
    """The destination cannot be used for results (says why, in one line)."""
