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
import json
import math
from collections.abc import Mapping, Sequence
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

__all__ = ["evaluate", "evaluate_rows"]


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
    X = np.atleast_2d(np.asarray(X, dtype=float))
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X has {X.shape[-1]} columns but {len(names)} names were given")
    rows = [dict(zip(names, (_plain(v) for v in row), strict=True)) for row in X]
    return _evaluate(
        rows,
        {"names": names, "rows": hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()},
        scenario=scenario,
        seeds=seeds,
        seed=seed,
        outputs=outputs,
        years=years,
        executor=executor,
        workers=workers,
        store=store,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
    )


def evaluate_rows(
    rows: Sequence[Mapping[str, Any]],
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
    """:func:`evaluate` for rows of scenario values of any type: each row a mapping of
    dotted key paths to values (numbers, booleans, the names of choices such as
    ``"trust_only"``), as EMA Workbench's levers give them. Rows may set different keys.
    Arguments and result as for :func:`evaluate`."""
    rows = [{k: _item(v) for k, v in r.items()} for r in rows]
    text = json.dumps([sorted(r.items()) for r in rows], default=str, sort_keys=True)
    return _evaluate(
        rows,
        {"rows": hashlib.sha256(text.encode()).hexdigest()},
        scenario=scenario,
        seeds=seeds,
        seed=seed,
        outputs=outputs,
        years=years,
        executor=executor,
        workers=workers,
        store=store,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
    )


def _evaluate(
    rows: list[dict[str, Any]],
    what: dict[str, Any],
    *,
    scenario: Scenario | str | Path,
    seeds: int | Sequence[int],
    seed: int,
    outputs: str | Sequence[str],
    years: int | None,
    executor: Any,
    workers: int | None,
    store: str | Path | None,
    fresh: bool,
    retry_failed: bool,
    progress: bool | None,
) -> np.ndarray:
    """Run every row on every seed (stored in ``store``, identified by ``what``)."""
    one = isinstance(outputs, str)
    outputs = [outputs] if one else list(outputs)
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
    overrides = [tuple(row.items()) for row in rows]
    for row in {o for o in overrides if o}:
        with_overrides(base, dict(row))  # a bad name or value: an error now, not per run
        if "names" in what:  # evaluate(): every row sets the same keys, one check is enough
            break
    job = ScenarioJob((base,), series=())
    n = len(rows)
    tasks = [Task(p, 0, r, s, overrides[p]) for p in range(n) for r, s in enumerate(run_seeds)]
    ident = {
        "kind": "evaluate",
        "scenarios": [base.name],
        "settings": job.digest,
        **{k: (v[:16] if k == "rows" else v) for k, v in what.items()},
        "seeds": run_seeds,
        "healthsim": __version__,
        "code": code_version(),
    }

    def read(st: ResultStore) -> np.ndarray:
        values = np.full((n, len(run_seeds), len(outputs)), np.nan)
        for rec in st.records(with_series=False):
            p, _, r = rec.key
            if rec.ok and p < n and r < len(run_seeds):
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
    out = np.full((n, len(outputs)), np.nan)
    ran = ~np.isnan(values).all(axis=1)
    np.divide(np.nansum(values, axis=1), (~np.isnan(values)).sum(axis=1), out=out, where=ran)
    return out[:, 0] if one else out


def _item(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (EMA Workbench gives numpy ints)."""
    return v.item() if isinstance(v, np.generic) else v


def _plain(v: float) -> float | int:
    """A value as the scenario takes it: whole numbers as int (counts, months)."""
    v = float(v)
    return int(v) if v.is_integer() else v
