"""``healthsim calibrate``: check the defaults against the public record, or fit them.

``--check`` simulates the calibration scenario on many seeds and compares every target
statistic (T1-T8 of docs/calibration.md) with its band; it prints the table, writes a folder
(tables, per-seed values, a summary and a figure) all at once, and exits with status 0
when every statistic passes, 1 when any fails, 2 on bad input.

``--fit`` fits the uncertain defaults to the targets by ABC-SMC within a budget of model
runs, storing every run as it finishes in ``OUT/runs.sqlite``: run the same command
again after an interrupt and it carries on, with the same result. It writes
``fitted_defaults.toml`` (a scenario file extending the calibration scenario) with the
posterior, every evaluated point and a figure.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from healthsim.commands._common import UsageError, deprecated_alias

DEFAULT_SEEDS = 50
DEFAULT_BUDGET = 2000
DEFAULT_SEEDS_PER_POINT = 4
CHECK_OUT = Path("results") / "calibration-check"
FIT_OUT = Path("results") / "calibration-fit"

EPILOG = """\
examples:
  healthsim calibrate --check
  healthsim calibrate --check --reps 100 --workers 2 --out results/check
  healthsim calibrate --check --scenario results/calibration-fit/fitted_defaults.toml
  healthsim calibrate --fit --budget 2000 --reps 4
  healthsim calibrate --fit --budget 20000 --dask tcp://scheduler:8786

exit status: 0 when every statistic passes (--check) or the fit finished (--fit);
1 when any statistic fails or a run failed (--check); 2 on bad input (nothing is
written); 3 when the runs could not be completed (a worker lost); 130 when interrupted
(an interrupted --fit keeps its runs: run the same command again to carry on)."""


def _whole(low: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more {what}(got {value})")
        return value

    return parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="check the defaults against the public record (T1-T8), or fit them",
        description="Compare the model with England 2013/14–2019/20 (the targets T1-T8 of\n"
        "docs/calibration.md) over many seeds (--check), or fit the uncertain defaults to\n"
        "those targets by approximate Bayesian computation (--fit).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--check", action="store_true", help="simulate over many seeds and compare with the bands"
    )
    mode.add_argument(
        "--fit", action="store_true", help="fit the uncertain defaults to the targets (ABC-SMC)"
    )
    p.add_argument(
        "--scenario",
        default=None,
        metavar="NAME|FILE",
        help="calibration scenario (default: the shipped england_2013_2019)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output folder (default {CHECK_OUT} or {FIT_OUT})",
    )
    p.add_argument(
        "--reps",
        type=_whole(1, ""),
        default=None,
        metavar="N",
        help=f"replicates (seeds): with --check the seeds to simulate (default "
        f"{DEFAULT_SEEDS}, 2 or more); with --fit the runs per parameter point, the same "
        f"seeds for every point (default {DEFAULT_SEEDS_PER_POINT})",
    )
    deprecated_alias(p, "--seeds", "reps", type=_whole(2, ""), metavar="N")
    deprecated_alias(p, "--seeds-per-point", "reps", type=_whole(1, ""), metavar="N")
    p.add_argument(
        "--seed",
        type=_whole(0, ""),
        default=None,
        metavar="N",
        help="master seed the runs' seeds are drawn from (default 2013 with --check; 2019 "
        "with --fit: seeds the check does not use)",
    )
    deprecated_alias(p, "--master-seed", "seed", type=_whole(0, ""), metavar="N")
    p.add_argument(
        "--parameters",
        choices=("posterior", "prior", "defaults"),
        default=None,
        help="with --check: run r draws parameter set r of the calibration posterior "
        "(default: the check is of the posterior's predictions), of the priors, or uses "
        "the defaults",
    )
    p.add_argument(
        "--posterior",
        default=None,
        metavar="FILE",
        help="with --check: a posterior.json written by --fit (default: the shipped one)",
    )
    f = p.add_argument_group("fit options")
    f.add_argument(
        "--budget",
        type=_whole(1, "model runs "),
        default=None,
        metavar="RUNS",
        help=f"model runs in all (default {DEFAULT_BUDGET})",
    )
    f.add_argument(
        "--population",
        type=_whole(4, "particles "),
        default=None,
        metavar="N",
        help="particles per generation (default: a tenth of the points the budget "
        "allows, 8 to 200)",
    )
    f.add_argument(
        "--fresh",
        action="store_true",
        help="discard the runs stored in the output folder and start the fit again",
    )
    e = p.add_argument_group("where runs go")
    where = e.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_whole(1, ""),
        default=None,
        metavar="N",
        help="local worker processes (default: every core; 1 runs in this process)",
    )
    where.add_argument(
        "--dask",
        default=None,
        metavar="ADDR|local",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'",
    )
    p.add_argument(
        "--quiet", action="store_true", help="no progress bar and no table; one line at the end"
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    _check_mode_options(args)
    if args.check:
        return _handle_check(args)
    return _handle_fit(args)


def _check_mode_options(args: argparse.Namespace) -> None:
    used = getattr(args, "aliases_used", None) or {}
    check_only = {
        "--seeds": "--seeds" in used,
        "--master-seed": "--master-seed" in used,
        "--parameters": args.parameters is not None,
        "--posterior": args.posterior is not None,
    }
    fit_only = {
        "--budget": args.budget is not None,
        "--seeds-per-point": "--seeds-per-point" in used,
        "--population": args.population is not None,
        "--fresh": args.fresh,
    }
    wrong = check_only if args.fit else fit_only
    given = [k for k, v in wrong.items() if v]
    if given:
        mode = "--check" if args.fit else "--fit"
        raise UsageError(f"{given[0]} goes with {mode}, not {'--fit' if args.fit else '--check'}")
    if args.check and args.reps is not None and args.reps < 2:
        raise UsageError(f"--reps: must be 2 or more with --check (got {args.reps})")


def _executor(args: argparse.Namespace) -> Any:
    """The executor asked for, started (a bad Dask address is bad input)."""
    from healthsim.experiments.executors import ExperimentError, make_executor

    try:
        ex = make_executor(args.dask if args.dask is not None else args.workers)
    except ExperimentError:
        raise UsageError(
            f"--dask: {args.dask!r} is neither a scheduler address (tcp://host:8786) nor 'local'"
        ) from None
    try:
        ex.start()
    except ExperimentError as exc:
        raise UsageError(f"--dask: {exc}") from None
    return ex


def _terminal_width() -> int | None:
    """The terminal's width when printing to one (tables wrap to fit), else None."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def _load(ref: str | None):
    from healthsim.calibration.check import CALIBRATION_SCENARIO
    from healthsim.config import load_scenario

    return load_scenario(ref or CALIBRATION_SCENARIO)


def _command(args: argparse.Namespace) -> str:
    """The command line, as recorded in the outputs."""
    parts = ["healthsim", "calibrate", "--check" if args.check else "--fit"]
    for opt, value in (
        ("--scenario", args.scenario),
        ("--reps", args.reps),
        ("--parameters", args.parameters),
        ("--posterior", args.posterior),
        ("--seed", args.seed),
        ("--budget", args.budget),
        ("--population", args.population),
        ("--workers", args.workers),
        ("--dask", args.dask),
        ("--out", args.out),
    ):
        if value is not None:
            parts += [opt, str(value)]
    return shlex.join(parts)


# --------------------------------------------------------------------------------------
# --check
# --------------------------------------------------------------------------------------


def _handle_check(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from healthsim.atomic import OutputFolderError, check_destination
    from healthsim.calibration.check import MASTER_SEED, run_check
    from healthsim.experiments.executors import ExperimentError
    from healthsim.reports.calibration_report import check_table_text, check_verdict, write_check

    scenario = _load(args.scenario)
    out = Path(args.out) if args.out else CHECK_OUT
    try:
        check_destination(out)
    except OutputFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    seeds = args.reps or DEFAULT_SEEDS
    from healthsim.experiments.uncertainty import UncertaintyError, parameter_sets

    try:  # a missing or broken posterior file is bad input, before anything starts
        parameter_sets(args.parameters or "posterior", 1, posterior=args.posterior)
    except UncertaintyError as exc:
        raise UsageError(f"--posterior: {exc}") from None
    ex = _executor(args)
    where = ex.describe()
    bar = tqdm(
        total=seeds,
        desc="check",
        unit="run",
        file=sys.stderr,
        disable=True if args.quiet else None,
        dynamic_ncols=True,
    )

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        result = run_check(
            scenario,
            seeds,
            executor=ex,
            master_seed=MASTER_SEED if args.seed is None else args.seed,
            progress=progress,
            parameters=args.parameters or "posterior",
            posterior=args.posterior,
        )
    except ExperimentError as exc:
        print(f"healthsim: error: {exc}", file=sys.stderr)
        return 3
    finally:
        bar.close()
        ex.close()
    try:
        write_check(result, out, command=_command(args), where=where)
    except OutputFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    except OSError as exc:
        raise UsageError(f"--out: {out}: cannot write results ({exc.strerror or exc})") from None
    if args.quiet:
        print(f"{check_verdict(result)} ({out})")
    else:
        print(check_table_text(result, _terminal_width()))
        print(
            f"\nWrote {out}/: report.html, calibration_check.md, .csv and .png; "
            "calibration_runs.csv"
        )
    return 0 if result.passed else 1


# --------------------------------------------------------------------------------------
# --fit
# --------------------------------------------------------------------------------------


def _check_fit_folder(out: Path) -> None:
    """Refuse an output folder that holds anything but an earlier fit."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    here = Path.cwd().resolve()
    if out.resolve() == here or out.resolve() in here.parents:
        raise UsageError(f"--out: {out} is the working folder or holds it; choose a new folder")
    if not ((out / "runs.sqlite").exists() or (out / "fitted_defaults.toml").exists()):
        raise UsageError(
            f"--out: {out} already holds files that are not a healthsim calibration fit; "
            "choose another folder or empty it"
        )


def _extends(ref: str | None, out: Path) -> str:
    """How ``fitted_defaults.toml`` names the scenario it extends."""
    from healthsim.calibration.check import CALIBRATION_SCENARIO
    from healthsim.config.loader import resolve_path, shipped_dir

    path = resolve_path(ref or CALIBRATION_SCENARIO)
    if path.parent == shipped_dir().resolve() or path.parent == shipped_dir():
        return path.stem
    try:
        return Path(os.path.relpath(path, out.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.as_posix()


def _handle_fit(args: argparse.Namespace) -> int:
    from healthsim.calibration.fit import FIT_SEED, FitError, run_fit
    from healthsim.experiments.executors import ExperimentError
    from healthsim.reports.calibration_report import fit_table_text, fit_verdict, write_fit

    scenario = _load(args.scenario)
    out = Path(args.out) if args.out else FIT_OUT
    _check_fit_folder(out)
    extends = _extends(args.scenario, out)
    settings = {
        "budget": args.budget or DEFAULT_BUDGET,
        "seeds_per_point": args.reps or DEFAULT_SEEDS_PER_POINT,
        "population": args.population,
        "seed": FIT_SEED if args.seed is None else args.seed,
    }
    try:  # settings first: a budget too small is bad input, before anything starts
        from healthsim.calibration.fit import FitSettings

        FitSettings(**settings).validate()
    except FitError as exc:
        raise UsageError(str(exc)) from None
    ex = _executor(args)
    where = ex.describe()
    store = out / "runs.sqlite"
    try:
        result = run_fit(
            scenario=scenario,
            store=store,
            fresh=args.fresh,
            executor=ex,
            progress=False if args.quiet else None,
            **settings,
        )
    except KeyboardInterrupt:
        print(
            f"healthsim: interrupted; the runs finished so far are kept in {store}: run "
            "the same command again to carry on",
            file=sys.stderr,
        )
        return 130
    except ExperimentError as exc:
        if "another healthsim process" in str(exc) or "holds the runs" in str(exc):
            raise UsageError(f"--out: {exc}") from None
        print(f"healthsim: error: {exc}", file=sys.stderr)
        return 3
    finally:
        ex.close()
    try:
        write_fit(result, out, extends=extends, command=_command(args), where=where)
    except OSError as exc:
        raise UsageError(f"--out: {out}: cannot write results ({exc.strerror or exc})") from None
    if args.quiet:
        print(f"{fit_verdict(result)} ({out}/fitted_defaults.toml)")
    else:
        print(fit_table_text(result, _terminal_width()))
        print(
            f"\nWrote {out}/: report.html, fitted_defaults.toml, posterior.json, fit.md, "
            "fit_posterior.png and CSVs.\n"
            "Check the posterior's predictions on fresh seeds before adopting it:\n"
            f"  healthsim calibrate --check --posterior {out / 'posterior.json'}\n"
            "and the fitted values alone:\n"
            f"  healthsim calibrate --check --parameters defaults --scenario "
            f"{out / 'fitted_defaults.toml'}"
        )
    return 0
