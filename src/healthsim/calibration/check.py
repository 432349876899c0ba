"""``calibrate --check``: simulate the calibration scenario over many seeds and compare
every target statistic with its observed band.

Runs go through the experiments' executors (serial, local processes, Dask), so a check
uses every core and can use a cluster.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthsim.calibration.targets import TARGETS, Target, calibration_stats, target_means
from healthsim.config import Scenario, load_scenario, scenario_to_toml
from healthsim.experiments.executors import Executor, make_executor
from healthsim.experiments.tasks import (
    Record,
    ScenarioJob,
    Task,
    describe_error,
    replicate_seed,
    task_fields,
)
from healthsim.experiments.uncertainty import ParameterSets, explicit_keys, parameter_sets
from healthsim.model.economy import HealthEconomy

#: The shipped calibration scenario (docs/calibration.md: 2013-like regime, 2010s squeeze).
CALIBRATION_SCENARIO = "england_2013_2019"
#: Master seed of calibration runs (recorded in every output).
MASTER_SEED = 2013


class CalibrationJob(ScenarioJob):
    """Run the calibration scenario (with a task's overrides) and return the target
    statistics instead of a comparison's metrics. Picklable; sent to each worker once;
    scenarios with overrides are cached as :class:`ScenarioJob` does."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        super().__init__(scenarios, series=())

    @property
    def digest(self) -> str:
        if self._digest is None:
            h = hashlib.sha256(b"calibration\0")
            for sc in self.scenarios:
                h.update(scenario_to_toml(sc).encode())
            self._digest = h.hexdigest()[:16]
        return self._digest

    def evaluate(self, task: Task) -> Record:
        t0 = time.perf_counter()
        fields = task_fields(task)
        try:
            model = HealthEconomy(self.scenario_for(task), rng=task.seed).run()
            values = calibration_stats(model)
        except Exception as exc:  # reported, not raised: one bad corner must not stop a fit
            return Record(
                *fields,
                status="failed",
                error=describe_error(exc),
                seconds=time.perf_counter() - t0,
            )
        return Record(*fields, status="ok", values=values, seconds=time.perf_counter() - t0)


@dataclass
class CheckResult:
    """The outcome of a calibration check.

    Attributes:
        scenario: the scenario checked.
        runs: one row per seed, one column per statistic.
        table: one row per target statistic: observed, band, simulated mean, spread
            (sd, 5th and 95th percentiles over seeds) and whether the mean is in band.
        failed: runs that raised, with their seed and error.
        parameters: the parameter sets the runs drew from (run r: seed r and set r).
    """

    scenario: Scenario
    runs: pd.DataFrame
    table: pd.DataFrame
    failed: pd.DataFrame
    master_seed: int
    parameters: ParameterSets | None = None

    @property
    def passed(self) -> bool:
        return bool(self.table["pass"].all()) and self.failed.empty


def summarise_runs(runs: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> pd.DataFrame:
    """The check table: per target statistic, the simulated mean and spread vs band."""
    rows = []
    means = target_means({k: runs[k].to_numpy(dtype=float) for k in runs.columns})
    for t in targets:
        if t.ratio_of is not None and all(k in runs for k in t.ratio_of):
            num, den = (runs[k].to_numpy(dtype=float) for k in t.ratio_of)
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(den > 0, num / den, np.nan)  # spread of the runs' own ratios
        else:
            v = runs[t.key].to_numpy(dtype=float) if t.key in runs else np.array([np.nan])
        v = v[np.isfinite(v)]
        mean = means.get(t.key, float("nan"))
        rows.append(
            {
                "target": t.target,
                "statistic": t.key,
                "label": t.label,
                "observed": t.observed,
                "band_low": t.low,
                "band_high": t.high,
                "band": t.band,
                "unit": t.unit,
                "mean": mean,
                "sd": float(v.std(ddof=1)) if v.size > 1 else float("nan"),
                "p05": float(np.percentile(v, 5)) if v.size else float("nan"),
                "p95": float(np.percentile(v, 95)) if v.size else float("nan"),
                "seeds": int(v.size),
                "pass": t.passes(mean),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def run_check(
    scenario: Scenario | str = CALIBRATION_SCENARIO,
    seeds: int = 50,
    *,
    executor: Any = None,
    master_seed: int = MASTER_SEED,
    progress: Callable[[int, int], None] | None = None,
    parameters: str = "posterior",
    posterior: Any = None,
) -> CheckResult:
    """Simulate ``scenario`` on ``seeds`` seeds and compare with every target.

    With ``parameters="posterior"`` (the default) run r uses seed r and parameter set r
    of the calibration posterior (the shipped one, or ``posterior``): the check is of
    the posterior's predictions. "defaults" checks the scenario's own values; "prior"
    draws every uncertain parameter from its prior. A value the scenario sets itself
    is kept.

    Args:
        scenario: the calibration scenario (default: the shipped one).
        seeds: number of seeds (at least 50 for the published check).
        executor: anything :func:`~healthsim.experiments.executors.make_executor`
            accepts (None = all local cores).
        master_seed: seeds are derived from it with SeedSequence (recorded).
        progress: called with (runs done, runs in all) as runs finish.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if seeds < 2:
        raise ValueError("a calibration check needs at least 2 seeds")
    sets = parameter_sets(parameters, seeds, posterior=posterior)
    own = explicit_keys(scenario)

    def values(r: int) -> tuple[tuple[str, Any], ...]:
        return tuple(kv for kv in sets.overrides(r) if kv[0] not in own)

    tasks = [Task(0, 0, r, replicate_seed(master_seed, r), values(r)) for r in range(seeds)]
    job = CalibrationJob([scenario])
    records = _run_all(job, tasks, executor, progress)
    ok = [r for r in records if r.ok]
    runs = pd.DataFrame([{"replicate": r.replicate, "seed": r.seed, **r.values} for r in ok])
    failed = pd.DataFrame(
        [{"replicate": r.replicate, "seed": r.seed, "error": r.error} for r in records if not r.ok],
        columns=["replicate", "seed", "error"],
    )
    if runs.empty:
        runs = pd.DataFrame(columns=["replicate", "seed", *(t.key for t in TARGETS)])
    return CheckResult(scenario, runs, summarise_runs(runs), failed, master_seed, sets)


def _run_all(
    job, tasks: list[Task], executor: Any, progress: Callable[[int, int], None] | None
) -> list[Record]:
    ex: Executor = make_executor(executor)
    out: list[Record] = []
    with ex:
        for batch in ex.imap(job, tasks):
            out.extend(batch)
            if progress is not None:
                progress(len(out), len(tasks))
    out.sort(key=lambda r: r.key)
    return out
