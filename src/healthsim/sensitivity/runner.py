# ruff: noqa: N803 - X and Y are SALib's names for the sample and the outputs
"""Run a sensitivity design through the experiment engine and analyse it.

The steps, each its own function:

1. :func:`draw` the design with SALib (seeded from the analysis' master seed).
2. :func:`tasks_for` every sample point x scenario x replicate. Replicate ``r`` runs on
   ``replicate_seed(seed, r)`` at *every* point and for every scenario: the same ``k``
   seeds everywhere (common random numbers), so differences between points, and
   between the regimes of a contrast, are not blurred by different random histories.
3. :func:`execute` the tasks on any executor (serial, local processes, Dask) through
   :func:`healthsim.experiments.ensemble.run_tasks`: progress bar, every run stored as
   it finishes, an interrupted analysis resumed exactly by running it again.
4. :func:`collect` the stored runs into an array (points x scenarios x replicates x
   outputs), :func:`aggregate` it into one value per point and output (the mean over
   replicates; for a contrast, the mean of the paired differences ``a - b``), and
   measure how much of the variance is seed noise (:func:`noise_table`).
5. Analyse with SALib (:mod:`healthsim.sensitivity.methods`) and, for a contrast, find
   where the winner flips (:mod:`healthsim.sensitivity.discovery`).

Failed runs are results, not crashes: a point keeps the mean of its replicates that
ran; a point with none is filled from its nearest neighbour in the unit cube (so
SALib's design stays whole) and counted; every failed run is listed with its
parameters.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthsim._version import __version__
from healthsim.experiments.ensemble import Progress, run_tasks
from healthsim.experiments.executors import Executor, make_executor
from healthsim.experiments.store import ResultStore, code_version
from healthsim.experiments.tasks import Job, Task, replicate_seed
from healthsim.experiments.uncertainty import ParameterSets
from healthsim.sensitivity import methods
from healthsim.sensitivity.space import Space


@dataclass(frozen=True)
class Design:
    """What a sensitivity run evaluates.

    Attributes:
        space: the parameters.
        settings: the method and design size.
        outputs: the per-run values analysed.
        replicates: runs per point and scenario.
        seed: master seed (sample and replicate seeds derive from it).
        scenario_names: names of the job's scenarios (two for a contrast).
        contrast: analyse ``scenario 0 - scenario 1`` on the same seed.
        sets: where the uncertain parameters not sampled come from: replicate ``r`` of
            every point runs on set ``r`` (the same set for every scenario, so pairs
            stay paired); None for today's defaults. The sampled (and fixed)
            parameters are left out of it.
        own: per scenario, the keys it sets itself (a what-if), which a set does not
            overwrite.
    """

    space: Space
    settings: methods.Settings
    outputs: tuple[str, ...]
    replicates: int
    seed: int
    scenario_names: tuple[str, ...] = ("model",)
    contrast: bool = False
    sets: ParameterSets | None = None
    own: tuple[frozenset[str], ...] = ()

    @property
    def sets_kind(self) -> str:
        return self.sets.kind if self.sets is not None else "defaults"

    def set_overrides(self, s: int, r: int) -> tuple[tuple[str, Any], ...]:
        """Parameter set ``r``'s values for scenario ``s`` (but what it sets itself)."""
        if self.sets is None or not self.sets.keys:
            return ()
        own = self.own[s] if s < len(self.own) else frozenset()
        return tuple(kv for kv in self.sets.overrides(r) if kv[0] not in own)

    @property
    def sample_seed(self) -> int:
        """Seed of SALib's sampler (independent of the replicates' seeds)."""
        ss = np.random.SeedSequence(self.seed, spawn_key=(2**31 - 1,))
        return int(ss.generate_state(1, np.uint32)[0]) or 1

    @property
    def seeds(self) -> list[int]:
        """The replicates' seeds, shared by every point and scenario."""
        return [replicate_seed(self.seed, r) for r in range(self.replicates)]


def draw(design: Design) -> tuple[Any, np.ndarray]:
    """SALib's sample for the design: (ProblemSpec, sample matrix points x parameters)."""
    sp = methods.sample(design.settings, design.space, design.sample_seed)
    return sp, np.asarray(sp.samples, dtype=float)


def tasks_for(design: Design, X: np.ndarray) -> list[Task]:
    """Every run: point-major, then scenario, then replicate (so a worker's chunk reuses
    the scenario it built for a point)."""
    seeds = design.seeds
    n_sc = len(design.scenario_names)
    overrides = design.space.overrides(X, n_sc)
    drawn = {(s, r): design.set_overrides(s, r) for s in range(n_sc) for r in range(len(seeds))}
    return [
        Task(p, s, r, seeds[r], drawn[s, r] + overrides[p][s])
        for p in range(len(X))
        for s in range(n_sc)
        for r in range(design.replicates)
    ]


def identity(design: Design, X: np.ndarray, job: Job, name: str) -> dict[str, Any]:
    """What defines the stored runs: a store made for anything else is not resumed."""
    h = hashlib.sha256(np.ascontiguousarray(X).tobytes())
    h.update(
        repr(
            [(p.key, p.kind, p.levels, p.applies_to, p.prior) for p in design.space.parameters]
        ).encode()
    )
    return {
        "kind": "sensitivity",
        "analysis": name,
        "scenarios": list(design.scenario_names),
        "settings": job.digest,
        "reps": design.replicates,
        "seed": design.seed,
        "method": design.settings.name,
        "n": design.settings.n,
        "parameters": design.space.names,
        "design": h.hexdigest()[:16],
        "parameter_sets": design.sets.digest if design.sets is not None else "defaults",
        "healthsim": __version__,
        "code": code_version(),
    }


@dataclass
class Execution:
    """How the runs went: counts, where they ran, how long it took."""

    progress: Progress
    where: str
    seconds: float


def execute(
    job: Job,
    tasks: Sequence[Task],
    store: ResultStore,
    executor: Executor,
    *,
    progress: bool | None = None,
    retry_failed: bool = False,
    desc: str = "sensitivity runs",
) -> Execution:
    """Run the tasks not yet stored on a started executor, storing each as it ends."""
    t0 = time.perf_counter()
    pending = {t.key for t in tasks} - store.finished(include_failed=not retry_failed)
    where = executor.describe() if pending else "stored runs"
    prog = run_tasks(
        job, tasks, store, executor, progress=progress, retry_failed=retry_failed, desc=desc
    )
    return Execution(prog, where, time.perf_counter() - t0)


def run_stored(
    job: Job,
    tasks: Sequence[Task],
    *,
    store: Path | None,
    identity: dict[str, Any],
    scenarios: list[tuple[str, str]],
    executor: Any = None,
    workers: int | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    desc: str = "sensitivity runs",
    read=None,
) -> tuple[Execution, Any]:
    """Open the store, start the executor, run what is missing, and ``read(store)``.

    An existing store is checked (is it this analysis?) before any worker starts; a new
    one is created only once the executor is up, so a bad Dask address leaves no file.
    """
    ex: Executor = make_executor(executor, workers=workers)
    own = not isinstance(executor, Executor)

    def open_store() -> ResultStore:
        return ResultStore.open(store, identity, scenarios, (), fresh=fresh)

    st = open_store() if store is not None and store.exists() else None
    try:
        try:
            if own:
                ex.start()
            if st is None:
                st = open_store()
            execution = execute(
                job, tasks, st, ex, progress=progress, retry_failed=retry_failed, desc=desc
            )
        finally:
            if own:
                ex.close()
        data = read(st) if read else None
    finally:
        if st is not None:
            st.close()
    return execution, data


# --------------------------------------------------------------------------------------
# From stored runs to one value per point
# --------------------------------------------------------------------------------------


@dataclass
class Collected:
    """Stored runs as arrays.

    Attributes:
        values: per-run values, (points, scenarios, replicates, outputs); NaN where a
            run failed or left the value undefined.
        ok: whether each run succeeded, (points, scenarios, replicates).
        failures: one row per failed run (point, scenario, replicate, seed, error).
    """

    values: np.ndarray
    ok: np.ndarray
    failures: pd.DataFrame


def collect(store: ResultStore, design: Design, n_points: int) -> Collected:
    """Read every stored run of the design into arrays."""
    n_sc = len(design.scenario_names)
    k = design.replicates
    outs = design.outputs
    values = np.full((n_points, n_sc, k, len(outs)), np.nan)
    ok = np.zeros((n_points, n_sc, k), dtype=bool)
    failed = []
    for rec in store.records(with_series=False):
        p, s, r = rec.key
        if p >= n_points or s >= n_sc or r >= k:
            continue
        if rec.ok:
            ok[p, s, r] = True
            values[p, s, r] = [rec.values.get(o, math.nan) for o in outs]
        else:
            failed.append(
                {
                    "point": p,
                    "scenario": design.scenario_names[s],
                    "replicate": r,
                    "seed": rec.seed,
                    "error": rec.error,
                }
            )
    cols = ["point", "scenario", "replicate", "seed", "error"]
    return Collected(values, ok, pd.DataFrame(failed, columns=cols))


@dataclass
class Aggregated:
    """One value per point and output, and what went into it.

    Attributes:
        per_replicate: (points, replicates, outputs): the output of each replicate (for
            a contrast, the paired difference a - b on that replicate's seed).
        mean: (points, outputs): mean over the replicates with a value; after filling.
        sd: (points, outputs): standard deviation over replicates (NaN below two).
        n: (points, outputs): replicates with a value.
        filled: (points, outputs): points with no value, filled from a neighbour.
    """

    per_replicate: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n: np.ndarray
    filled: np.ndarray


def aggregate(col: Collected, design: Design, X: np.ndarray) -> Aggregated:
    """Average replicates per point (paired differences first, for a contrast) and fill
    points with no value from the nearest point (in the unit cube) that has one."""
    v = col.values
    per = v[:, 0] - v[:, 1] if design.contrast else v[:, 0]
    finite = np.isfinite(per)
    n = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(
            n > 0, np.nansum(np.where(finite, per, 0.0), axis=1) / np.maximum(n, 1), np.nan
        )
        dev = np.where(finite, per - mean[:, None, :], 0.0)
        sd = np.where(n > 1, np.sqrt((dev**2).sum(axis=1) / np.maximum(n - 1, 1)), np.nan)
    filled = n == 0
    if filled.any():
        unit = design.space.unit(X)
        for j in range(mean.shape[1]):
            have = np.flatnonzero(~filled[:, j])
            if have.size == 0:
                continue
            for i in np.flatnonzero(filled[:, j]):
                d = ((unit[have] - unit[i]) ** 2).sum(axis=1)
                mean[i, j] = mean[have[int(np.argmin(d))], j]
    return Aggregated(per, mean, sd, n, filled)


def _within_after_seed_effects(y: np.ndarray) -> float:
    """Mean over points of the variance between replicates of ``y`` (points x
    replicates, NaN where a run failed) once each replicate's (seed's) mean over the
    points is taken out."""
    if y.ndim != 2 or y.shape[1] < 2 or y.shape[0] < 1:
        return math.nan
    with np.errstate(invalid="ignore"):
        seed_mean = np.nanmean(y, axis=0) if y.shape[0] > 1 else np.zeros(y.shape[1])
        adjusted = y - seed_mean[None, :] + np.nanmean(y)
        ok = np.isfinite(adjusted).sum(axis=1) >= 2
        if not ok.any():
            return math.nan
        # the seeds' means are estimated from the points: correct the lost degrees of
        # freedom so a design with no noise reads 0 and pure noise reads its variance
        p = int(np.isfinite(y).any(axis=1).sum())
        factor = p / (p - 1) if p > 1 else 1.0
        return float(np.nanmean(np.nanvar(adjusted[ok], axis=1, ddof=1)) * factor)


def noise_table(agg: Aggregated, design: Design) -> pd.DataFrame:
    """How much of each output's variance is seed noise rather than the parameters.

    Every point runs on the same seeds, so a seed's own effect (a lucky seed that lowers
    harm at every point) moves every point alike and changes no index: it is removed
    first (each run less its seed's mean over the points, plus the grand mean), and
    what remains between replicates is the noise that can reach the indices.

    Columns:
        within_var: mean over points of the variance between replicates, after removing
            each seed's own effect (the noise of one run, given the parameters).
        between_var: variance of the point means across the design.
        noise_share_of_means: ``within_var / k`` over ``between_var``: the share of the
            variance the indices decompose that is noise left after averaging ``k``
            replicates (0 = none; near 1 = indices describe noise).
        noise_share_single_run: share of the variance of single runs due to the seed.
    """
    rows = []
    k = design.replicates
    for j, out in enumerate(design.outputs):
        real = ~agg.filled[:, j]
        within = _within_after_seed_effects(agg.per_replicate[real, :, j])
        between = float(np.var(agg.mean[real, j], ddof=1)) if real.sum() > 1 else math.nan
        share = within / k / between if between > 0 else (math.nan if within != within else 1.0)
        signal = between - within / k if between == between else math.nan
        single = (
            within / (within + signal) if within == within and within + signal > 0 else math.nan
        )
        rows.append(
            {
                "output": out,
                "replicates": k,
                "within_var": within,
                "between_var": between,
                "noise_share_of_means": min(share, 1.0) if share == share else math.nan,
                "noise_share_single_run": min(max(single, 0.0), 1.0)
                if single == single
                else math.nan,
                "points_filled": int(agg.filled[:, j].sum()),
                "points_partial": int(((agg.n[:, j] > 0) & (agg.n[:, j] < k)).sum()),
            }
        )
    return pd.DataFrame(rows)


def sign_clear(agg: Aggregated, j: int, level: float = 0.95) -> np.ndarray:
    """Per point: whether the replicates' paired differences settle the contrast's sign
    (a t interval of their mean excludes zero)."""
    from scipy import stats

    n = agg.n[:, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        se = agg.sd[:, j] / np.sqrt(n)
        t = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        exact = (n >= 1) & (agg.sd[:, j] == 0)
        clear = np.abs(agg.mean[:, j]) > t * se
    return np.where(n > 1, clear, False) | (exact & (agg.mean[:, j] != 0))
