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
import sys
from collections.abc import Sequence

from healthsim import __version__
from healthsim.config import ScenarioError

#: Subcommand modules, in the order ``healthsim --help`` lists them.
COMMANDS = (
    "run",
    "check",
    "scenarios",
    "schema",
    "economy",
)


class UsageError(Exception):
    """Bad input found by a command (a missing file, a bad option value)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # No subcommand: run the default scenario, as the README's first command does.
        args = parser.parse_args(["run", *(argv or [])])
    try:
        return int(args.handler(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"healthsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("healthsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
