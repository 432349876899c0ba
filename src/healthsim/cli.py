"""The ``healthsim`` command line: parses arguments and calls the library.

Each subcommand lives in a module of :mod:`healthsim.commands` exposing
``register(subparsers)``, which adds its parser and sets ``handler`` (a function of the
parsed arguments returning an exit status). Bad input of any kind (a
:class:`~healthsim.config.ScenarioError`, or an input error a command raises as
:class:`UsageError`) prints one line and exits with status 2, with no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tomllib
from collections.abc import Sequence
from typing import Any

from healthsim._version import __version__
from healthsim.config import ScenarioError

#: Subcommand modules, in the order ``healthsim --help`` lists them.
COMMANDS = (
    "run",
    "compare",
    "check",
    "scenarios",
    "schema",
    "economy",
    "app",
    "animate",
    "calibrate",
    "sensitivity",
)


class UsageError(Exception):
    """Bad input found by a command (a missing file, a bad option value)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (via :class:`UsageError`), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = message.removeprefix("argument ")
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------------------
# Option values shared by commands (argparse ``type=`` functions)
# --------------------------------------------------------------------------------------


def seed_value(text: str) -> int:
    """A run's seed: a whole number, 0 or more."""
    try:
        seed = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {seed})")
    return seed


def positive_int(text: str) -> int:
    """A whole number, 1 or more (a count, a run length in years)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {value})")
    return value


#: A run length in years.
years_value = positive_int


def assignment(text: str) -> tuple[str, Any]:
    """``key.path=value`` from ``--set``; the value is read as TOML (``0.9``, ``true``,
    ``"text"``, ``[1, 2]``), and a bare word that is not TOML is taken as text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key.path=value (got {text!r})")
    if not all(part.isidentifier() for part in key.split(".")):
        raise argparse.ArgumentTypeError(f"{key!r} is not a dotted key path like regime.name")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="healthsim",
        description="Simulate local health economies under quality-failure regimes and a "
        "financial squeeze.",
    )
    parser.add_argument("--version", action="version", version=f"healthsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"healthsim.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            # No subcommand: run the default scenario, as the README's first command does.
            args = parser.parse_args(["run", *(argv or [])])
        return int(args.handler(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"healthsim: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("healthsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a program that stopped reading (e.g. `| head`): stop quietly,
        # as the Python documentation recommends (no second error when stdout closes).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def one_line(exc: BaseException) -> str:
    """An error message on one line (line breaks and runs of spaces collapsed)."""
    return " ".join(str(exc).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
