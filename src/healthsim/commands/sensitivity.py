"""``healthsim sensitivity``: which parameters drive the outcomes, and where regimes flip.

    healthsim sensitivity analyses/harm_drivers.toml
    healthsim sensitivity analyses/blame_vs_support.toml --workers 2
    healthsim sensitivity scenarios/board_supported.toml --method morris --n 64 --out out/morris
    healthsim sensitivity blame_focused --versus board_supported --method sobol --n 128

The target is an analysis file (or a shipped analysis' name), or a scenario: a scenario
is analysed over the parameters of the shipped ``harm_drivers`` analysis (with
``--versus``, the paired difference against another scenario over the parameters of
``blame_vs_support``). Every declaration is checked before anything runs. Runs are
stored in ``<out>/runs.sqlite`` as they finish: interrupt the command and run it again
to carry on where it stopped.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from healthsim.commands._common import (
    UsageError,
    add_format_option,
    assignment,
    blame_options,
    check_table_format,
    deprecated_alias,
    seed_value,
    sigterm_as_interrupt,
    years_value,
)
from healthsim.commands._common import positive_int as _positive


def parameter_value(text: str) -> tuple[str, Any]:
    """``key=low:high`` (a range) or ``key=level1,level2`` (choices) from ``--param``."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise argparse.ArgumentTypeError(
            f"expected key.path=low:high or key.path=level,level (got {text!r})"
        )
    if ":" in raw:
        lo, _, hi = raw.partition(":")
        try:
            return key, {"low": float(lo), "high": float(hi)}
        except ValueError:
            raise argparse.ArgumentTypeError(f"bounds must be numbers (got {raw!r})") from None
    levels: list[Any] = []
    for part in raw.split(","):
        p = part.strip()
        levels.append({"true": True, "false": False}.get(p.lower(), p))
    return key, {"levels": levels}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sensitivity",
        help="sensitivity analysis: which parameters matter, where regimes flip",
        description="Run a sensitivity analysis (SALib: Morris, Sobol, FAST or PAWN) of a "
        "scenario or of the difference between two regimes on the same seeds, and write "
        "indices, figures and a report. Runs are stored as they finish; run the same "
        "command again to resume.",
        epilog="examples: healthsim sensitivity analyses/blame_vs_support.toml | healthsim "
        "sensitivity scenarios/board_supported.toml --method morris --n 64 --out out/morris",
    )
    p.add_argument(
        "target",
        help="an analysis file (or a shipped analysis: harm_drivers, blame_vs_support), or "
        "a scenario file or shipped scenario name",
    )
    p.add_argument(
        "--versus",
        metavar="SCENARIO",
        help="analyse the paired difference TARGET minus SCENARIO (target must be a scenario)",
    )
    p.add_argument("--method", choices=("morris", "sobol", "fast", "pawn"), help="method")
    p.add_argument(
        "--n",
        type=_positive,
        help="design size: Morris trajectories, Sobol base sample (a power of two), FAST "
        "points per parameter, PAWN points",
    )
    p.add_argument("--reps", type=_positive, help="replicates a sample point (common seeds)")
    p.add_argument("--seed", type=seed_value, help="master seed")
    p.add_argument("--years", type=years_value, help="run length in years")
    p.add_argument(
        "--param",
        dest="params",
        type=parameter_value,
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="vary this value instead of the analysis' parameters (repeatable); "
        "key=level,level for choices",
    )
    p.add_argument(
        "--output",
        dest="outputs",
        action="append",
        default=[],
        metavar="METRIC",
        help="per-run metric to analyse instead of the analysis' outputs (repeatable)",
    )
    p.add_argument(
        "--set",
        dest="fixed",
        type=assignment,
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="fix a scenario value for every run (repeatable)",
    )
    p.add_argument(
        "--parameters",
        dest="parameter_sets",
        choices=("posterior", "prior", "defaults"),
        help="where the uncertain parameters the analysis does not sample come from: "
        "replicate i of every point runs on set i of the calibration posterior (default), "
        "of the priors of every uncertain parameter, or on today's defaults (luck only)",
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="a posterior file written by 'healthsim calibrate --fit' (default: the shipped one)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="output folder (default results/sensitivity-<name>)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_positive, help="local worker processes (default: every core)"
    )
    where.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: 'local' for a cluster on this machine, or a scheduler address",
    )
    p.add_argument("--fresh", action="store_true", help="discard runs stored at --out")
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument(
        "--dry-run", action="store_true", help="check the analysis and say what would run"
    )
    p.add_argument(
        "--corners",
        action="store_true",
        help="only run the model at the corners of the bounds and report any run that fails "
        "or gives values out of range",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    deprecated_alias(p, "--no-progress", "quiet", nargs=0)
    add_format_option(p)
    p.set_defaults(handler=handle)


def build(args: argparse.Namespace):
    """The analysis the arguments describe (raises AnalysisError / UsageError)."""
    changes: dict[str, Any] = {}
    if args.method or args.n:
        changes["method"] = {k: v for k, v in (("name", args.method), ("n", args.n)) if v}
    if args.reps:
        changes["replicates"] = args.reps
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.years:
        changes["years"] = args.years
    if args.params:
        changes["parameters"] = dict(args.params)
    if args.outputs:
        changes["outputs"] = list(args.outputs)
    if getattr(args, "parameter_sets", None):
        changes["parameter_sets"] = args.parameter_sets

    with blame_options(args, SENSITIVITY_OPTIONS):
        return _build(args, changes)


#: The analysis file's keys that an option sets (a bad value is the option's fault).
SENSITIVITY_OPTIONS: dict[str, str | tuple[str, str]] = {
    "method.n": "--n",
    "method.name": "--method",
    "replicates": "--reps",
    "seed": "--seed",
    "years": "--years",
    "parameters": ("--param", "params"),
    "outputs": ("--output", "outputs"),
    "parameter_sets": "--parameters",
}


def _build(args: argparse.Namespace, changes: dict[str, Any]):
    from healthsim.config import resolve_path
    from healthsim.config.loader import ScenarioError, _is_file
    from healthsim.sensitivity.spec import (
        find_analysis,
        is_analysis_file,
        load_analysis,
        shipped_analyses,
    )

    target = args.target
    path = Path(target)
    is_file = _is_file(path)
    as_file = is_file and is_analysis_file(path)
    as_shipped = not is_file and target.removesuffix(".toml") in shipped_analyses()
    if as_file or as_shipped:
        if args.versus:
            raise UsageError("--versus needs a scenario as the target, not an analysis file")
        a = load_analysis(find_analysis(target), **changes)
        if args.fixed:
            a = _with_fixed(a, dict(args.fixed))
        return a
    try:
        resolve_path(target)
    except ScenarioError as exc:
        raise UsageError(
            f"{target}: not an analysis file, shipped analysis or scenario ({exc.message})"
        ) from None
    base = load_analysis("blame_vs_support" if args.versus else "harm_drivers")
    data = dict(base.declared)
    data.pop("scenario", None)
    data.pop("contrast", None)
    stem = Path(target).name.removesuffix(".toml")
    if args.versus:
        data["contrast"] = {"a": target, "b": args.versus}
        data["name"] = f"{stem}_vs_{Path(args.versus).name.removesuffix('.toml')}"
    else:
        data["scenario"] = target
        data["name"] = f"{stem}_{base.name}"
    data["description"] = f"The parameters and outputs of {base.name}, applied to {target}"
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value} if key == "method" else value
    if args.fixed:
        data["fixed"] = {**data.get("fixed", {}), **dict(args.fixed)}
    from healthsim.sensitivity.spec import build_analysis

    return build_analysis(data, file=None, where="options")


def _with_fixed(a, fixed: dict[str, Any]):
    from healthsim.sensitivity.spec import build_analysis

    data = dict(a.declared)
    data["fixed"] = {**data.get("fixed", {}), **fixed}
    return build_analysis(data, file=a.file)


def default_out(name: str, method: str) -> Path:
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "analysis"
    return Path("results") / f"sensitivity-{safe}-{method}"


def command_line(argv: list[str]) -> str:
    return shlex.join(["healthsim", "sensitivity", *argv])


def handle(args: argparse.Namespace) -> int:
    from healthsim.atomic import OutputFolderError
    from healthsim.errors import WorkerLostError
    from healthsim.experiments.executors import ExperimentError
    from healthsim.reports.sensitivity_report import write_report
    from healthsim.reports.sensitivity_text import findings
    from healthsim.sensitivity import check_corners, sensitivity_analysis
    from healthsim.sensitivity.folder import check_out

    table_format = check_table_format(args)
    analysis = build(args)
    executor: Any = None
    workers = args.workers
    if args.dask:
        executor = args.dask
    posterior = args.posterior
    if args.dry_run:
        from healthsim.sensitivity.api import analysis_sets

        sets = analysis_sets(analysis, posterior=posterior)
        print(f"{analysis.name}: {analysis.describe()}")
        for p in analysis.space.parameters:
            print(f"  {p.key}: {p.describe_bounds()}" + (f" [group {p.group}]" if p.group else ""))
        print(f"  outputs: {', '.join(analysis.outputs)}")
        if sets is None or not sets.keys:
            print("  every other parameter: today's defaults")
        else:
            print(f"  {len(sets.keys)} other uncertain parameters from {sets.description}")
        return 0
    progress = False if args.quiet else None
    if args.corners:
        try:
            with sigterm_as_interrupt():
                df = check_corners(analysis, executor=executor, workers=workers, progress=progress)
        except WorkerLostError:
            raise
        except ExperimentError as exc:
            raise UsageError(str(exc)) from None
        bad = df[df.status != "ok"]
        points = df.point.nunique()
        print(f"{analysis.name}: {len(df)} runs at {points} corners of the bounds")
        if bad.empty:
            print("every run finished with finite, in-range values")
            return 0
        for row in bad.head(20).itertuples():
            print(f"  corner {row.point} ({row.scenario}): {row.status}: {row.problem}")
        return 1
    out = Path(args.out) if args.out else default_out(analysis.name, analysis.settings.name)
    argv = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "sensitivity" else [args.target]
    try:
        check_out(out)
        print(f"{analysis.name}: {analysis.describe()}", file=sys.stderr)
        with sigterm_as_interrupt():
            result = sensitivity_analysis(
                analysis,
                executor=executor,
                workers=workers,
                out=out,
                fresh=args.fresh,
                retry_failed=args.retry_failed,
                progress=progress,
                posterior=posterior,
            )
            write_report(result, out, command_line(argv), table_format=table_format)
    except OutputFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    except WorkerLostError:
        raise  # a failure at run time: exit status 3 (healthsim.cli)
    except ExperimentError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(
            f"healthsim: interrupted; finished runs are kept in {out / 'runs.sqlite'}: run "
            "the same command again to carry on",
            file=sys.stderr,
        )
        return 130
    for line in findings(result):
        print(f"- {line}")
    print(f"report: {out / 'report.html'}")
    return 0
