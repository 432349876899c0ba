"""The errors of bad input that healthsim's library raises, which front ends print as one
line: a scenario (or a file it names) that cannot be used, an experiment that cannot go
on, and an output folder that cannot be written. Every layer may raise them; this module
imports nothing of healthsim."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(ValueError):
    """A scenario that cannot be used, with the file and key path at fault."""

    def __init__(self, file: str | Path | None, key: str | None, message: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key or None
        self.message = message
        where = ": ".join(p for p in (self.file, self.key) if p)
        super().__init__(f"{where}: {message}" if where else message)


class ExperimentError(ValueError):
    """An experiment cannot go on (a bad executor address, a lost worker); one line."""


class OutputFolderError(ValueError):
    """The destination cannot be used for results (says why, in one line)."""
