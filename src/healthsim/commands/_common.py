"""What the ``healthsim`` subcommands share: the input error they raise, the option
values they parse (argparse ``type=`` functions), the old option names kept as
deprecated aliases, and SIGTERM handling."""

from __future__ import annotations

import argparse
import signal
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The seed a run, an animation or the app starts on when none is given. Seed 13 is one
#: on which the six-trust baseline and every shipped regime see the regime at work
#: (entries, exits, a relapse; under board support a trust goes into administration):
#: about half of the baseline's seeds see no entry in ten years, so seed 1, the default
#: before, showed a first-time user nothing happening. It is not a typical run: run
#: several seeds (``healthsim compare``) before drawing conclusions. ``healthsim.run``
#: has the same default (tests/test_run_outputs.py checks they agree).
DEFAULT_SEED = 13


class UsageError(Exception):
    """Bad input found by a command (a missing file, a bad option value)."""


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
    except RecursionError:
        raise argparse.ArgumentTypeError(f"{key}: the value is nested too deeply") from None
    except ValueError:  # a whole number of more digits than Python converts
        most = sys.get_int_max_str_digits()
        raise argparse.ArgumentTypeError(
            f"{key}: a whole number of more than {most:,} digits"
        ) from None
    return key, value


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format csv|parquet``: the tables as CSV (default), or also as Parquet."""
    parser.add_argument(
        "--format",
        dest="table_format",
        choices=("csv", "parquet"),
        default="csv",
        help="tables as CSV (default), or also as Parquet beside each CSV (needs "
        'pyarrow: pip install "healthsim[parquet]")',
    )


def check_table_format(args: argparse.Namespace) -> str:
    """The ``--format`` asked for, checked before anything runs: Parquet without pyarrow
    is a one-line error (exit status 2), not a failure after the runs."""
    from healthsim.reports.formats import ParquetUnavailableError, check_format

    try:
        return check_format(args.table_format)
    except ParquetUnavailableError as exc:
        raise UsageError(f"--format {args.table_format}: {exc}") from None


# --------------------------------------------------------------------------------------
# One name for one idea across commands, the old names kept for a release
# --------------------------------------------------------------------------------------

#: The option names every command uses for the same idea (issue 14): ``--reps`` for the
#: replicates (seeds) run per scenario or point, ``--seed`` for the seed everything is
#: drawn from, ``--quiet`` for no progress bar. Old names are hidden aliases.
DEPRECATED_ALIASES = {"--seeds": "--reps", "--seeds-per-point": "--reps"}
DEPRECATED_ALIASES |= {"--master-seed": "--seed", "--no-progress": "--quiet"}


class _DeprecatedAlias(argparse.Action):
    """An old option name: stores into the new option's destination, warns on stderr,
    and records the name used (``namespace.aliases_used``) for messages that must name
    what was typed."""

    def __init__(self, option_strings, dest, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(
            f"healthsim: warning: {option_string} is deprecated; use {self.new}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, True if self.nargs == 0 else values)
        used = dict(getattr(namespace, "aliases_used", None) or {})
        used[option_string] = self.new
        namespace.aliases_used = used


def deprecated_alias(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, old: str, dest: str, **kwargs
) -> None:
    """Accept ``old`` (a key of :data:`DEPRECATED_ALIASES`) as a hidden alias of its new
    name, whose value goes to ``dest``. ``kwargs`` are the new option's ``type`` etc.; a
    flag (``store_true``) is ``nargs=0``."""
    parser.add_argument(
        old, dest=dest, action=_DeprecatedAlias, new=DEPRECATED_ALIASES[old], **kwargs
    )


@contextmanager
def blame_options(
    args: argparse.Namespace, options: dict[str, str | tuple[str, str]]
) -> Iterator[None]:
    """Report a bad value that came from an option as the option's fault.

    ``options`` maps a key of the file (``method.n``, ``reps``) to the option that sets
    it (``--n``, or ``("--param", "params")`` when its destination is named otherwise);
    a :class:`~healthsim.errors.ScenarioError` about such a key, when the option was
    given, becomes ``--n: <problem>`` rather than naming the file, which holds a good
    value. The option is named as typed (an old alias, if that was used).
    """
    from healthsim.errors import ScenarioError

    try:
        yield
    except ScenarioError as exc:
        key = (exc.key or "").split("[")[0]
        entry = options.get(key) or options.get(key.split(".")[0])
        if entry is None:
            raise
        option, dest = entry if isinstance(entry, tuple) else (entry, entry.lstrip("-"))
        if getattr(args, dest.replace("-", "_"), None) in (None, [], ()):
            raise
        typed = {v: k for k, v in (getattr(args, "aliases_used", None) or {}).items()}
        raise UsageError(f"{typed.get(option, option)}: {exc.message}") from None


# --------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------


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
