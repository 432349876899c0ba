"""Run (or resume) a comparison through the experiment engine, keeping its runs in a
folder's store; :func:`compare` resolves and runs in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from healthsim.config import Scenario
from healthsim.config.loader import scenario_to_toml
from healthsim.experiments.compare.result import ComparisonResult
from healthsim.experiments.compare.spec import ComparisonSpec, build_spec
from healthsim.experiments.ensemble import run_tasks
from healthsim.experiments.executors import Executor, ExperimentError, make_executor
from healthsim.experiments.store import STORE_NAME, ResultStore


def run_comparison(
    spec: ComparisonSpec,
    *,
    executor: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    on_records: Any = None,
) -> ComparisonResult:
    """Run (or resume) a comparison; returns its result.

    Args:
        spec: from :func:`build_spec`.
        executor: see :func:`~healthsim.experiments.executors.make_executor`.
        workers: worker count for local executors (default: all cores).
        out: folder whose ``runs.sqlite`` keeps the runs (resumable); None keeps them in
            memory only.
        fresh: discard the runs stored in ``out`` first.
        retry_failed: run failed runs again.
        progress: progress bar on stderr (default: when stderr is a terminal).
        on_records: called with each batch of records as it is stored (for tests and
            front ends).
    """
    ex: Executor = make_executor(executor, workers=workers)
    owned = not isinstance(executor, Executor)
    path = None
    if out is not None:
        check_out_folder(Path(out))
        path = Path(out) / STORE_NAME
    tomls = [(s.name, scenario_to_toml(s)) for s in spec.scenarios]

    def open_store() -> ResultStore:
        return ResultStore.open(path, spec.identity(), tomls, spec.series, fresh=fresh)

    # An existing store is checked before anything starts; a new one is created only
    # once the executor is up, so a bad address leaves nothing behind.
    store = open_store() if path is not None and path.exists() else None
    try:
        try:
            ex.start()
            if store is None:
                store = open_store()
            prog = run_tasks(
                spec.job,
                spec.tasks(),
                store,
                ex,
                progress=progress,
                retry_failed=retry_failed,
                desc="runs",
                on_records=on_records,
            )
        finally:
            if owned:
                ex.close()
        records = list(store.records())
    finally:
        if store is not None:
            store.close()
    return ComparisonResult(spec, records, prog)


def check_resumable(spec: ComparisonSpec, out: Path, *, fresh: bool = False) -> None:
    """Raise :class:`ExperimentError` now if ``out`` holds runs of another comparison
    (so a front end can say so before starting workers); a no-op otherwise."""
    path = Path(out) / STORE_NAME
    if fresh or not path.exists():
        return
    tomls = [(s.name, scenario_to_toml(s)) for s in spec.scenarios]
    ResultStore.open(path, spec.identity(), tomls, spec.series).close()


def check_out_folder(out: Path) -> None:
    """Refuse an output folder that is a file, or holds files but no comparison."""
    if out.exists() and not out.is_dir():
        raise ExperimentError(f"{out} exists and is not a folder")
    # a store never begun leaves only its lock file (and perhaps SQLite's side files)
    ours = {
        f".{STORE_NAME}.lock",
        f"{STORE_NAME}-wal",
        f"{STORE_NAME}-shm",
        f"{STORE_NAME}-journal",
    }
    if (
        out.is_dir()
        and any(p.name not in ours for p in out.iterdir())
        and not (out / STORE_NAME).exists()
    ):
        raise ExperimentError(
            f"{out} already holds files that are not a healthsim comparison; choose "
            "another --out or empty it"
        )


def compare(
    scenarios: Sequence[str | Path | Scenario] | str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    years: int | None = None,
    baseline: str | int | None = None,
    metrics: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    executor: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    name: str | None = None,
    title: str | None = None,
    parameters: str | None = None,
    posterior: Any = None,
) -> ComparisonResult:
    """Compare scenarios over ``reps`` replicates with common random numbers and,
    by default, across what we don't know about the parameters.

    Args:
        scenarios: scenario files, shipped scenario names or loaded scenarios; or one
            comparison file (or shipped comparison name) declaring them.
        reps: replicates (default: the file's, else 100). Replicate i runs every
            scenario on the same seed.
        seed: master seed the replicates' seeds are derived from (default 1).
        years: run length for every scenario (default: the scenarios').
        baseline: the scenario (name or index) others are compared with (default: first).
        metrics: per-run metrics to show first (default: a policy set; all are computed).
        series: monthly metrics to keep for fan charts.
        overrides: values set in every scenario, by dotted key path.
        executor: ``None`` (local processes, all cores), a worker count, ``"serial"``,
            ``"local"`` (a Dask LocalCluster), a Dask scheduler address, ``Client``,
            ``client.get_executor()`` or cluster object, any
            ``concurrent.futures.Executor``, or an
            :class:`~healthsim.experiments.executors.Executor` (docs/clusters.md).
        workers: worker count for local executors.
        out: a folder to keep the runs in (``runs.sqlite``), so an interrupted
            comparison resumes; None keeps them in memory.
        fresh: discard runs kept in ``out`` first.
        retry_failed: run again runs that failed.
        progress: progress bar (default: when stderr is a terminal).
        name, title: for the report.
        parameters: "posterior" (default: replicate i runs every scenario on seed i and
            set i of the calibration posterior, so pairs stay paired), "prior" (every
            uncertain parameter drawn from its prior) or "defaults" (today's values:
            luck only). A parameter a scenario sets itself keeps its value.
        posterior: a posterior file (or
            :class:`~healthsim.experiments.uncertainty.Posterior`) instead of the
            shipped one.

    Returns:
        A :class:`ComparisonResult` with tidy frames (``runs``, ``stats``,
        ``differences``, ``probability_best``, ``breakdown``, ``bands``); its figures and
        report come from :mod:`healthsim.reports` (``comparison_figures(result)``,
        ``write_comparison(result, out)``).
    """
    spec = build_spec(
        scenarios,
        reps=reps,
        seed=seed,
        years=years,
        baseline=baseline,
        metrics=metrics,
        series=series,
        overrides=overrides,
        name=name,
        title=title,
        parameters=parameters,
        posterior=posterior,
    )
    return run_comparison(
        spec,
        executor=executor,
        workers=workers,
        out=out,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
    )
