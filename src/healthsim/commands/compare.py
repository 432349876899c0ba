"""``healthsim compare``: compare scenarios over many simulated futures and write a report.

    healthsim compare blame_focused board_supported whole_system --reps 200 --out out/regimes
    healthsim compare comparisons/regimes_under_squeeze.toml
    healthsim compare regimes_under_squeeze --dask local

Runs are stored as they finish (``<out>/runs.sqlite``): interrupt the command (Ctrl-C,
or kill it) and run the same command again to carry on where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthsim.commands._common import (
    UsageError,
    add_format_option,
    check_table_format,
    sigterm_as_interrupt,
)

EPILOG = """\
Every scenario is run on the same seeds (replicate i of each uses one seed), so the
scenarios meet the same shocks and are compared future by future.

Exit status: 0 when done; 1 when the report was written but some runs failed (they are
listed with their seeds in failed_runs.csv); 2 for bad input, or an output folder that
cannot be written (read-only, or a full disk: the runs already stored are kept); 3 when
a worker died while running (out of memory, killed); 130 when interrupted. After 2 (once
fixed), 3 and 130, rerun the same command to carry on where it stopped.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare scenarios (e.g. failure regimes) over many simulated futures",
        description="Compare scenarios over many simulated futures with common random\n"
        "numbers, and write a report (report.html, report.md, CSV tables, figures).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="SCENARIO",
        help="scenario files or shipped scenario names; or one comparison file or "
        "shipped comparison name (e.g. regimes_under_squeeze)",
    )
    p.add_argument(
        "--reps",
        type=int,
        default=None,
        help="replicates (simulated futures) per scenario (default: the comparison "
        "file's, else 100)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="master seed (default: the file's, else 1)"
    )
    p.add_argument(
        "--years", type=int, default=None, help="run length in years, for every scenario"
    )
    p.add_argument(
        "--baseline",
        default=None,
        help="scenario the others are compared with (default: the first)",
    )
    p.add_argument("--out", default=None, help="output folder (default: results/<comparison name>)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: all cores; 1 runs serially)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on Dask: a scheduler address (tcp://host:8786) or 'local' for a "
        "LocalCluster on this machine",
    )
    p.add_argument(
        "--metrics",
        default=None,
        help="per-run metrics to show first, comma-separated (default: the comparison "
        "file's, else a policy set; every metric is computed and kept)",
    )
    p.add_argument(
        "--fresh", action="store_true", help="discard runs stored in the output folder first"
    )
    p.add_argument(
        "--parameters",
        choices=("posterior", "prior", "defaults"),
        default=None,
        help="where each future's parameter values come from: a set of the calibration "
        "posterior (default), the priors of every uncertain parameter, or today's "
        "defaults (luck only)",
    )
    p.add_argument(
        "--posterior",
        default=None,
        metavar="FILE",
        help="a posterior file written by 'healthsim calibrate --fit' (default: the shipped one)",
    )
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_format_option(p)
    p.set_defaults(handler=handle)


#: The comparison file's keys that an option sets (a bad value is the option's fault).
COMPARE_OPTIONS = {
    "reps": "--reps",
    "seed": "--seed",
    "years": "--years",
    "baseline": "--baseline",
    "metrics": "--metrics",
    "parameters": "--parameters",
}

#: Fewer futures than this cannot tell regimes apart: the 95% interval of a paired
#: difference needs about 30 pairs to be usable, and the shipped comparisons use 200.
FEW_REPS = 30


def warn_few_reps(reps: int) -> None:
    """Warn (stderr) that ``reps`` futures are too few to separate the scenarios."""
    if reps < FEW_REPS:
        print(
            f"healthsim: warning: {reps} futures per scenario are too few to tell "
            f"scenarios apart (intervals need about {FEW_REPS} or more; the shipped "
            "comparisons use 200): use this for a trial run only",
            file=sys.stderr,
        )


def _plain(text: str) -> str:
    return text.replace("**", "")


def handle(args: argparse.Namespace) -> int:
    from healthsim.commands._common import blame_options
    from healthsim.errors import OutputFolderError, WorkerLostError
    from healthsim.experiments.compare import (
        build_spec,
        check_out_folder,
        check_resumable,
        find_comparison_file,
        run_comparison,
    )
    from healthsim.experiments.executors import ExperimentError, make_executor
    from healthsim.experiments.store import STORE_NAME
    from healthsim.reports import compare_report

    table_format = check_table_format(args)
    inputs = args.inputs
    if len(inputs) > 1 and any(find_comparison_file(i) for i in inputs):
        raise UsageError("give either one comparison file or several scenarios, not both")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    target = inputs[0] if len(inputs) == 1 else inputs
    with blame_options(args, COMPARE_OPTIONS):
        spec = build_spec(
            target,
            reps=args.reps,
            seed=args.seed,
            years=args.years,
            baseline=args.baseline,
            metrics=[m.strip() for m in args.metrics.split(",") if m.strip()]
            if args.metrics
            else None,
            parameters=args.parameters,
            posterior=args.posterior,
        )
    out = Path(args.out) if args.out else Path("results") / spec.name
    try:
        check_out_folder(out)
        check_resumable(spec, out, fresh=args.fresh)
        spec_exec = (args.dask or "local") if args.dask is not None else None
        executor = make_executor(spec_exec, workers=args.workers)
    except ExperimentError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--out: {out}: cannot use it ({exc.strerror or exc})") from None
    try:
        executor.start()
    except ExperimentError as exc:
        executor.close()
        raise UsageError(str(exc)) from None

    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    total = (spec.reps + spec.luck_reps) * len(spec.scenarios)
    where = executor.describe()
    n_sc = len(spec.scenarios)
    extra = (
        f" (+{spec.luck_reps} reruns on new seeds, to split luck from parameters)"
        if spec.luck_reps
        else ""
    )
    say(
        f"healthsim compare: {n_sc} scenario{'s' if n_sc > 1 else ''} x {spec.reps} "
        f"replicates{extra} = {total} runs on {where}; parameters: {spec.parameters.description}"
    )
    try:
        with sigterm_as_interrupt():
            result = run_comparison(
                spec,
                executor=executor,
                out=out,
                fresh=args.fresh,
                retry_failed=args.retry_failed,
                progress=False if args.quiet else None,
            )
    except WorkerLostError:
        raise  # a failure at run time: exit status 3 (healthsim.cli)
    except ExperimentError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        kept = _stored(out / STORE_NAME)
        raise OutputFolderError(
            f"cannot write to {out}: {exc.strerror or exc}; the {kept} runs already stored "
            "are kept: free some space (or make the folder writable) and run the same "
            "command again to carry on"
        ) from None
    except KeyboardInterrupt:
        kept = _stored(out / STORE_NAME)
        print(
            f"healthsim: interrupted; {kept} of {total} runs are kept in {out}: run the "
            "same command again to carry on",
            file=sys.stderr,
        )
        return 130
    finally:
        executor.close()

    prog = result.progress
    if prog is not None and prog.reused:
        say(f"reused {prog.reused} finished runs from {out / STORE_NAME}; ran {prog.computed}")
    try:
        with sigterm_as_interrupt():
            compare_report.write_report(result, out, table_format=table_format)
    except KeyboardInterrupt:
        print(
            f"healthsim: interrupted while writing the report; all {total} runs are kept in "
            f"{out}: run the same command again to write it",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:
        raise OutputFolderError(
            f"cannot write the report to {out}: {exc.strerror or exc}; all {total} runs are "
            "kept: free some space (or make the folder writable) and run the same command "
            "again to write it"
        ) from None
    say("")
    from healthsim.reports.compare_text import in_brief, rests_on, verdict_lines

    for line in verdict_lines(result) + rests_on(result) + in_brief(result):
        say("  " + _plain(line))
    tables = "CSV and Parquet tables" if table_format == "parquet" else "CSV tables"
    print(f"report: {out / 'report.html'} (also report.md, {tables} and figures)")
    # After the run, not before: an error stays one line, and the warning is the last
    # thing read beside the verdict it qualifies.
    warn_few_reps(spec.reps)
    failed = len(result.failed)
    if failed:
        print(
            f"healthsim: {failed} of {total} runs failed; they are listed with their seeds in "
            f"{out / 'failed_runs.csv'} and left out of the statistics",
            file=sys.stderr,
        )
        return 1
    return 0


def _stored(path: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0
