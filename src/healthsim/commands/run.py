"""``healthsim run``: run one scenario and write its outputs.

The scenario is loaded and every option checked before anything runs; the results are
written into ``--out`` (default ``results/<scenario>-<seed>``) all at once, so a failed
or interrupted run leaves no folder behind. An earlier run's folder at the same place is
replaced once the new one is complete; a folder holding anything else is left alone.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Any

from healthsim.commands._common import (
    DEFAULT_SEED,
    UsageError,
    add_format_option,
    assignment,
    check_table_format,
    seed_value,
    sigterm_as_interrupt,
    years_value,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a scenario and write its results",
        description="Run one scenario on one seed and write its results (tables, figures, "
        "the resolved scenario and a report) into a folder.",
        epilog="example: healthsim run blame_focused --seed 9 --years 10 "
        "--set regime.communication.blame_intensity=0.9",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file, or the name of a shipped scenario (default: baseline; "
        "'healthsim scenarios' lists them)",
    )
    p.add_argument(
        "--seed",
        type=seed_value,
        default=DEFAULT_SEED,
        help=f"random seed, a whole number >= 0 (default {DEFAULT_SEED}); the same "
        "scenario and seed give the same results",
    )
    p.add_argument("--years", type=years_value, default=None, help="run length in years")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default results/<scenario>-<seed>); an earlier healthsim "
        "result there is replaced once the new one is complete",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        type=assignment,
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="change one scenario value, e.g. --set regime.communication.blame_intensity=0.9 "
        "(repeatable; values are read as TOML)",
    )
    add_format_option(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.atomic import check_destination
    from healthsim.experiments import run
    from healthsim.reports import OutputFolderError, terminal_summary, write_run

    table_format = check_table_format(args)
    scenario = load(args.scenario, dict(args.overrides), args.years)
    out = Path(args.out) if args.out else default_out(scenario.name, args.seed)
    command = command_line(args)
    try:
        check_destination(out)  # before the run, so a bad --out costs nothing
        with sigterm_as_interrupt():
            result = run(scenario, seed=args.seed)
            write_run(result, out, command=command, table_format=table_format)
    except OutputFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    except OSError as exc:
        raise UsageError(f"--out: {out}: cannot write results ({exc.strerror or exc})") from None
    print(terminal_summary(result, str(out)))
    return 0


def load(ref: str, overrides: dict[str, Any], years: int | None):
    """The scenario to run: the file's errors name the file, ``--set`` and ``--years``
    errors name the option."""
    from healthsim.config import ScenarioError, load_scenario, with_overrides

    scenario = load_scenario(ref)
    if overrides:
        try:
            scenario = load_scenario(ref, overrides)
        except ScenarioError as exc:
            raise ScenarioError("--set", exc.key, exc.message) from None
    if years is not None:
        try:
            scenario = with_overrides(scenario, {"years": years})
        except ScenarioError as exc:
            raise ScenarioError("--years", None, exc.message) from None
    return scenario


def default_out(name: str, seed: int) -> Path:
    """``results/<name>-<seed>``, with characters unsafe in folder names replaced."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return Path("results") / f"{safe}-{seed}"


def command_line(args: argparse.Namespace) -> str:
    """The ``healthsim run`` command equivalent to ``args`` (recorded in the outputs)."""
    parts = ["healthsim", "run", args.scenario, "--seed", str(args.seed)]
    if args.years is not None:
        parts += ["--years", str(args.years)]
    for key, value in args.overrides:
        parts += ["--set", f"{key}={_toml_value(value)}"]
    if args.out:
        parts += ["--out", args.out]
    if getattr(args, "table_format", "csv") != "csv":
        parts += ["--format", args.table_format]
    return shlex.join(parts)


def _toml_value(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).strip().removeprefix("v = ")
