# ruff: noqa: N803, N806 - X is SALib's and EMA Workbench's name for the sample
"""``healthsim.evaluate``: an array of parameter values in, an array of outputs out.

The function SALib's ``ProblemSpec.evaluate`` and EMA Workbench call: row ``i`` of
``X`` sets the scenario values ``names`` (dotted key paths), each row runs on the same
seeds (common random numbers, as in a sensitivity analysis), and row ``i`` of the
result is the mean over those seeds of each output (a per-run metric,
``healthsim.metrics.summary.SUMMARY``). The runs go through the same machinery as a
sensitivity analysis (:func:`healthsim.sensitivity.runner.run_stored`): any executor
(serial, local processes, Dask), and with ``store=`` every run is stored as it finishes
so that the same call after an interrupt carries on where it stopped, recomputing
nothing::

    import healthsim
    from SALib import ProblemSpec

    sp = ProblemSpec({"names": ["behaviour.fear_toxicity"], "bounds": [[0, 1]],
                      "outputs": ["harm_total"]})
    sp.sample_sobol(64).evaluate(healthsim.evaluate, sp["names"],
                                 scenario="board_supported", outputs="harm_total")
    sp.analyze_sobol()
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthsim._version import __version__
from healthsim.config import Scenario, scenario_to_toml, with_overrides
from healthsim.experiments.mesa import resolve
from healthsim.experiments.outcomes import known_metrics
from healthsim.experiments.store import ResultStore, code_version
from healthsim.experiments.tasks import ScenarioJob, Task, replicate_seed
from healthsim.sensitivity.runner import run_stored

__all__ = ["evaluate"]


def evaluate(
    X: Any,
    names: Sequence[str],
    *,
    scenario: Scenario | str | Path = "baseline",
    seeds: int | Sequence[int] = 1,
    seed: int = 1,
    outputs: str | Sequence[str] = ("harm_total",),
    years: int | None = None,
    executor: Any = None,
    workers: int | None = None,
    store: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = False,
) -> np.ndarray:
    """Run the scenario at every row of ``X`` and return the outputs, (rows, outputs).

    Args:
        X: parameter values, (rows, len(names)); one row may be given as a 1-d array.
        names: the scenario value each column sets, as a dotted key path
            (``behaviour.fear_toxicity``; see the scenario reference).
        scenario: a loaded scenario, a shipped scenario's name or a file.
        seeds: how many replicates a row runs (their seeds derived from ``seed`` as
            in a comparison or sensitivity analysis), or the seeds themselves.
        seed: master seed of the replicates (when ``seeds`` is a count).
        outputs: per-run metrics to return: a list (a column each), or one name for
            a 1-d result (what SALib's analyses expect of a single output).
        years: run length (default: the scenario's).
        executor: where runs go, as elsewhere in healthsim: None (local processes),
            ``"serial"``, a number of processes, ``"local"``/an address for Dask, or an
            :class:`~healthsim.experiments.executors.Executor`.
        workers: local worker processes (with ``executor=None``).
        store: a SQLite file keeping every run as it finishes; the same call again
            resumes from it (a store of other rows, seeds or code is refused unless
            ``fresh``).
        fresh: discard what ``store`` holds first.
        retry_failed: run the stored failed runs again.
        progress: show a progress bar (None: when on a terminal).

    Returns:
        A float array, (rows, outputs), or (rows,) for ``outputs`` given as one name:
        each output's mean over a row's replicates that ran (NaN where none did or the
        metric is undefined).

    Raises:
        ScenarioError: a name is not a scenario value, or a value is refused.
        ValueError: ``X`` does not match ``names``, or an output is not a metric.
    """
    names = [names] if isinstance(names, str) else list(names)
    one = isinstance(outputs, str)
    outputs = [outputs] if one else list(outputs)
    X = np.atleast_2d(np.asarray(X, dtype=float))
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X has {X.shape[-1]} columns but {len(names)} names were given")
    known = set(known_metrics())
    unknown = [o for o in outputs if o not in known]
    if unknown:
        raise ValueError(f"not a per-run metric: {', '.join(unknown)}")
    run_seeds = (
        [replicate_seed(seed, r) for r in range(seeds)]
        if isinstance(seeds, int | np.integer)
        else [int(s) for s in seeds]
    )
    if not run_seeds:
        raise ValueError("seeds must be at least 1 (or a non-empty list of seeds)")

    base = resolve(scenario, {"years": years} if years is not None else None)
    overrides = [tuple((n, _plain(v)) for n, v in zip(names, row, strict=True)) for row in X]
    if overrides:
        with_overrides(base, dict(overrides[0]))  # a bad name or value: an error now
    job = ScenarioJob((base,), series=())
    tasks = [Task(p, 0, r, s, overrides[p]) for p in range(len(X)) for r, s in enumerate(run_seeds)]
    ident = {
        "kind": "evaluate",
        "scenarios": [base.name],
        "settings": job.digest,
        "names": names,
        "rows": hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()[:16],
        "seeds": run_seeds,
        "healthsim": __version__,
        "code": code_version(),
    }

    def read(st: ResultStore) -> np.ndarray:
        values = np.full((len(X), len(run_seeds), len(outputs)), np.nan)
        for rec in st.records(with_series=False):
            p, _, r = rec.key
            if rec.ok and p < len(X) and r < len(run_seeds):
                values[p, r] = [rec.values.get(o, math.nan) for o in outputs]
        return values

    _, values = run_stored(
        job,
        tasks,
        store=Path(store) if store is not None else None,
        identity=ident,
        scenarios=[(base.name, scenario_to_toml(base))],
        executor=executor,
        workers=workers,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
        desc="healthsim.evaluate",
        read=read,
    )
    out = np.full((len(X), len(outputs)), np.nan)
    ran = ~np.isnan(values).all(axis=1)
    np.divide(np.nansum(values, axis=1), (~np.isnan(values)).sum(axis=1), out=out, where=ran)
    return out[:, 0] if one else out


def _plain(v: float) -> float | int:
    """A value as the scenario takes it: whole numbers as int (counts, months)."""
    v = float(v)
    return int(v) if v.is_integer() else v
