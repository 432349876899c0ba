"""The ``healthsim`` command line: parses arguments and calls the library.

Each subcommand lives in a module of :mod:`healthsim.commands` exposing
``register(subparsers)``, which adds its parser and sets ``handler`` (a function of the
parsed arguments returning an exit status). Bad input of any kind (a
:class:`~healthsim.config.ScenarioError`, an input error a command raises as
:class:`UsageError`, an output folder that cannot be written) prints one line and exits
with status 2, with no traceback; a worker lost at run time exits with status 3 (see
:data:`EXIT_STATUS`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from healthsim._version import __version__
from healthsim.commands import (
    animate,
    app,
    calibrate,
    check,
    compare,
    completion,
    economy,
    run,
    scenarios,
    schema,
    sensitivity,
    warm,
)
from healthsim.commands._common import UsageError
from healthsim.config import ScenarioError
from healthsim.errors import OutputFolderError, WorkerLostError, shorten

__all__ = ["COMMANDS", "UsageError", "build_parser", "main", "one_line"]

#: Subcommand modules, in the order ``healthsim --help`` lists them.
COMMANDS = (
    run,
    compare,
    check,
    scenarios,
    schema,
    economy,
    app,
    animate,
    calibrate,
    sensitivity,
    warm,
)

#: Commands that simulate: the first of them after installing compiles the model, and
#: says so first (healthsim.experiments.warm).
SIMULATES = {"run", "compare", "animate", "calibrate", "sensitivity", "app"}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (via :class:`UsageError`), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = shorten(message.removeprefix("argument "), 200)
        raise UsageError(f"{message} (see '{self.prog} --help')")


#: What each exit status means (``healthsim --help`` and the README list them).
EXIT_STATUS = """\
Exit status:
  0    done
  1    done, but with failures the command reports (runs that failed, listed with
       their seeds; a check or corner that did not pass)
  2    bad input: a scenario, comparison or analysis file, network file or option that
       cannot be used, or an output folder that cannot be written (read-only, a full
       disk; the runs already stored are kept); one line names what is wrong
  3    a failure at run time: a worker process died (out of memory, killed); the runs
       that finished are kept
  130  interrupted (Ctrl-C or SIGTERM); the runs that finished are kept
After 2 (once fixed), 3 and 130, run the same command again to carry on.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="healthsim",
        description="Simulate local health economies under quality-failure regimes and a "
        "financial squeeze.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"healthsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    completion.register(sub, parent=parser)  # last: it completes everything above
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            # No subcommand: say what there is, as command-line tools do (a bare command
            # once ran the default scenario and wrote results/ wherever it was typed).
            # Exit 2, argparse's status for a command line that asks for nothing it can do.
            parser.print_help()
            return 2
        if args.command in SIMULATES:
            from healthsim.experiments.warm import announce_compiling

            announce_compiling()
        return int(args.handler(args) or 0)
    except (ScenarioError, UsageError, OutputFolderError) as exc:
        print(f"healthsim: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except WorkerLostError as exc:
        print(f"healthsim: error: {one_line(exc)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("healthsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a program that stopped reading (e.g. `| head`): stop quietly,
        # as the Python documentation recommends (no second error when stdout closes).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


#: Longest error line printed; messages quote only a short prefix of any value, so this
#: only cuts a message that would otherwise fill the terminal.
MAX_MESSAGE = 400


def one_line(exc: BaseException) -> str:
    """An error message on one line (line breaks and runs of spaces collapsed), at most
    :data:`MAX_MESSAGE` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= MAX_MESSAGE else f"{text[: MAX_MESSAGE - 1]}…"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
