"""``calibrate --fit``: fit the uncertain defaults to the targets by ABC-SMC.

The method (see :mod:`healthsim.calibration.abc` for the numerics: adaptive population
Monte Carlo ABC, Lenormand et al. 2013) runs the calibration scenario at sampled
parameter points, each on the same ``seeds_per_point`` seeds (common random numbers
across points, so two points differ by their parameters, not their luck), and scores
each point by :func:`~healthsim.calibration.distance.band_distance` of its statistic
means. Generations of particles close in on the points whose means sit inside the
bands; the final population is the (approximate) posterior.

The budget counts model runs. Every generation after the first costs ``population``
points (the last one whatever is left), so the whole budget is used unless the fit
converges first (fewer than 5% of a generation's proposals beat the previous
tolerance). One point's worth of runs is kept back to evaluate the fitted values
themselves: the posterior mean (rounded as written), or the best particle when the
posterior mean falls outside the final tolerance (a curved or multi-modal posterior
can put its mean where no particle fits).

Progress and resume: every run is stored as it finishes (a
:class:`~healthsim.experiments.store.ResultStore`). The whole fit is a deterministic
function of its settings and seed, and each run's result is a deterministic function of
its point and seed, so a fit started again replays the same decisions from the stored
runs, runs only what is missing, and ends with the same result as an uninterrupted fit.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthsim._version import __version__
from healthsim.calibration import abc
from healthsim.calibration.check import CALIBRATION_SCENARIO, CalibrationJob
from healthsim.calibration.distance import PULL, band_distance, distance_table
from healthsim.calibration.parameters import (
    FITTED,
    Parameter,
    check_parameters,
    round_value,
)
from healthsim.calibration.targets import TARGETS, target_means
from healthsim.config import Scenario, load_scenario, scenario_to_toml
from healthsim.experiments.ensemble import run_tasks
from healthsim.experiments.executors import (
    Executor,
    ExperimentError,
    is_interactive_terminal,
    make_executor,
)
from healthsim.experiments.store import ResultStore, code_version
from healthsim.experiments.tasks import Record, Task, replicate_seed

#: Default seed of a fit: its runs use seeds disjoint from the check's (master 2013), so
#: a check of fitted values is not scored on the seeds the fit tuned them to.
FIT_SEED = 2019
#: A fit stops when fewer than this share of a generation's proposals beat the previous
#: tolerance (Lenormand et al. 2013 suggest 1-5%).
P_ACC_MIN = 0.05
#: Store key (point index) of the evaluation of the fitted values.
FITTED_POINT = 10**9
#: Smallest population allowed.
MIN_POPULATION = 4
#: Significant figures of sampled and fitted values (as written in the TOML file).
DIGITS = 4
METHOD = "ABC-SMC (adaptive population Monte Carlo ABC, Lenormand et al. 2013)"


class FitError(ValueError):
    """Settings a fit cannot run with (one line, for the command line)."""


@dataclass(frozen=True)
class FitSettings:
    """What a fit is asked to do (everything that decides its result).

    Attributes:
        budget: model runs in all (the fit never runs more).
        seeds_per_point: runs per parameter point (common seeds across points).
        population: particles kept from one generation to the next, and new points
            proposed in each (default: about a tenth of the points the budget allows,
            between 8 and 200).
        seed: seed of the sampling and of the runs' seeds.
        p_acc_min: stop when fewer than this share of a generation's proposals beat
            the previous tolerance.
        pull: weight of the pull to the band centres in the distance.
        parameters: the parameters fitted, with their priors.
    """

    budget: int
    seeds_per_point: int = 4
    population: int | None = None
    seed: int = FIT_SEED
    p_acc_min: float = P_ACC_MIN
    pull: float = PULL
    parameters: tuple[Parameter, ...] = FITTED

    @property
    def points(self) -> int:
        """Parameter points the budget pays for (one of them checks the fitted values)."""
        return self.budget // self.seeds_per_point

    @property
    def population_size(self) -> int:
        if self.population is not None:
            return self.population
        return int(min(200, max(8, self.points // 10)))

    @property
    def first_generation(self) -> int:
        """Points of generation 0 (a power of two, at least twice the population)."""
        return 1 << math.ceil(math.log2(2 * self.population_size))

    def validate(self) -> None:
        if self.seeds_per_point < 1:
            raise FitError("--reps (runs per point) must be 1 or more")
        if self.population is not None and self.population < MIN_POPULATION:
            raise FitError(f"--population must be {MIN_POPULATION} or more")
        if not 0 <= self.p_acc_min < 1:
            raise FitError("the smallest acceptance rate must be between 0 and 1")
        if self.pull < 0:
            raise FitError("the pull to the band centre must be 0 or more")
        n, m0 = self.population_size, self.first_generation
        need = (m0 + n + 1) * self.seeds_per_point
        if self.budget < need:
            raise FitError(
                f"a budget of {self.budget} runs is too small for a population of {n} "
                f"with {self.seeds_per_point} seeds per point: it needs at least {need} "
                f"runs ({m0} points to start, {n} more for one generation, 1 to check "
                "the fitted values); raise --budget or lower --population"
            )

    def run_seeds(self) -> list[int]:
        """The seeds every point runs on (the same for all points)."""
        return [replicate_seed(self.seed, r) for r in range(self.seeds_per_point)]

    def stream(self, *key: int) -> np.random.SeedSequence:
        """The sampling stream of one step of the fit (independent of the run seeds)."""
        return np.random.SeedSequence([self.seed, 0xAB5C], spawn_key=key)


@dataclass
class FitResult:
    """The outcome of a fit.

    Attributes:
        settings, scenario: what was fitted, to which scenario.
        points: every evaluated point: generation, parameters, distance, whether it is
            in the final population, and its statistic means.
        generations: per generation: points proposed, share of them that beat the
            previous tolerance, the new tolerance, how many of the population are new,
            effective sample size and runs.
        posterior: the final population: parameters, normalised weight, distance.
        summary: per parameter: prior, current default, posterior mean, median, 5th and
            95th percentiles (the 90% interval) and the fitted value.
        fitted: the fitted values (key -> value, as written).
        fitted_from: "posterior mean" or "best particle (point N)".
        fitted_table: the fitted values' statistic means against the bands.
        fitted_distance: their distance.
        runs: model runs this fit used (at most the budget).
        failed_runs: runs that raised (their points count as infinitely far).
        stopped: why the fit stopped ("budget spent" or "converged").
        weighting: how the posterior's particles are weighted (see
            :func:`final_weights`).
    """

    settings: FitSettings
    scenario: Scenario
    points: pd.DataFrame
    generations: pd.DataFrame
    posterior: pd.DataFrame
    summary: pd.DataFrame
    fitted: dict[str, float]
    fitted_from: str
    fitted_table: pd.DataFrame
    fitted_distance: float
    runs: int
    failed_runs: int
    stopped: str = "budget spent"
    weighting: str = "importance weights"
    method: str = METHOD
    version: str = field(default=__version__)

    @property
    def epsilon(self) -> float:
        """The final population's tolerance (the largest distance in it)."""
        return float(self.generations["epsilon"].iloc[-1])


# --------------------------------------------------------------------------------------
# evaluating points through the store
# --------------------------------------------------------------------------------------


class _Evaluator:
    """Runs parameter points (each on the fit's seeds), through the store and executor."""

    def __init__(
        self,
        settings: FitSettings,
        job: CalibrationJob,
        store: ResultStore,
        executor: Executor,
        bar: _Progress,
    ) -> None:
        self.s = settings
        self.job = job
        self.store = store
        self.executor = executor
        self.bar = bar
        self.seeds = settings.run_seeds()
        self.cache: dict[tuple[int, int, int], Record] = {
            r.key: r for r in store.records(with_series=False)
        }
        self.runs = 0

    def overrides(self, theta: np.ndarray) -> tuple[tuple[str, Any], ...]:
        return tuple((p.key, float(v)) for p, v in zip(self.s.parameters, theta, strict=True))

    def evaluate(self, indices: Sequence[int], thetas: np.ndarray) -> list[dict[str, Any]]:
        """Distance and statistic means of each point (index -> stored runs)."""
        tasks = [
            Task(int(i), 0, r, seed, self.overrides(theta))
            for i, theta in zip(indices, thetas, strict=True)
            for r, seed in enumerate(self.seeds)
        ]

        def keep(records: list[Record]) -> None:
            for rec in records:
                self.cache[rec.key] = rec
            self.bar.advance(len(records))

        run_tasks(self.job, tasks, self.store, self.executor, progress=False, on_records=keep)
        self.runs += len(tasks)
        out = []
        for i, theta in zip(indices, thetas, strict=True):
            recs = [self.cache.get((int(i), 0, r)) for r in range(len(self.seeds))]
            if any(r is None for r in recs):  # pragma: no cover - run_tasks stores all
                raise ExperimentError("a run of the fit is missing from its store")
            want = self.overrides(theta)
            for rec in recs:
                if tuple(tuple(kv) for kv in rec.overrides) != want:
                    raise ExperimentError(
                        f"{self.store.path} holds other runs under the same keys; use "
                        "--fresh to start the fit again"
                    )
            out.append(self._score(recs))
        return out

    def _score(self, recs: list[Record]) -> dict[str, Any]:
        failed = [r for r in recs if not r.ok]
        if failed:
            return {
                "distance": float("inf"),
                "status": "failed",
                "error": failed[0].error,
                "means": {t.key: float("nan") for t in TARGETS},
                "failed": len(failed),
            }
        frame = pd.DataFrame([r.values for r in recs])
        means = target_means({k: frame[k].to_numpy(dtype=float) for k in frame.columns})
        return {
            "distance": band_distance(means, pull=self.s.pull),
            "status": "ok",
            "error": "",
            "means": means,
            "failed": 0,
        }


class _Progress:
    """A progress bar of runs against the budget (tqdm on stderr) or a callback."""

    def __init__(self, total: int, initial: int, progress: Any) -> None:
        self.callback = progress if callable(progress) else None
        self.done = initial
        self.total = total
        self.bar = None
        show = is_interactive_terminal() if progress is None else progress is True
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total,
                initial=initial,
                desc="fit",
                unit="run",
                dynamic_ncols=True,
                smoothing=0.05,
                file=sys.stderr,
            )

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def note(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------
# the fit
# --------------------------------------------------------------------------------------


def fit_identity(settings: FitSettings, job: CalibrationJob, scenario: Scenario) -> dict:
    """What identifies a fit's store (a store of another fit is not resumed)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(code_version().encode())
    for name in ("targets.py", "check.py", "distance.py", "parameters.py", "abc.py", "fit.py"):
        h.update((here / name).read_bytes())
    return {
        "kind": "calibration fit",
        "scenarios": [scenario.name],
        "settings": job.digest,
        "seed": settings.seed,
        "reps": settings.seeds_per_point,
        "budget": settings.budget,
        "population": settings.population_size,
        "p_acc_min": settings.p_acc_min,
        "pull": settings.pull,
        "parameters": [[p.key, p.prior.describe()] for p in settings.parameters],
        "healthsim": __version__,
        "code": h.hexdigest()[:12],
    }


def run_fit(
    budget: int = 2000,
    *,
    scenario: Scenario | str = CALIBRATION_SCENARIO,
    seeds_per_point: int = 4,
    population: int | None = None,
    seed: int = FIT_SEED,
    store: str | Path | None = None,
    fresh: bool = False,
    executor: Any = None,
    progress: bool | Callable[[int, int], None] | None = None,
    parameters: Sequence[Parameter] = FITTED,
    p_acc_min: float = P_ACC_MIN,
    pull: float = PULL,
) -> FitResult:
    """Fit ``parameters`` to the calibration targets by ABC-SMC within ``budget`` runs.

    Args:
        budget: model runs in all.
        scenario: the calibration scenario (name, file or Scenario).
        seeds_per_point: runs per parameter point (the same seeds for every point).
        population: particles kept, and new points per generation (default: see
            :class:`FitSettings`).
        seed: seed of the sampling and of the runs (recorded).
        store: SQLite file keeping every run as it finishes; a fit started again with
            the same store and settings carries on and gives the same result. None
            keeps runs in memory (no resume).
        fresh: discard the store's runs and start again.
        executor: anything :func:`~healthsim.experiments.executors.make_executor`
            accepts (None = all local cores).
        progress: True draws a progress bar on stderr, a callable is called with
            (runs done, budget); default: a bar when stderr is a terminal.
        parameters: what to fit (default :data:`~healthsim.calibration.parameters.FITTED`).
        p_acc_min: stop when fewer than this share of a generation's proposals beat
            the previous tolerance.
        pull: weight of the pull to the band centres.

    Raises:
        FitError: settings that cannot run (a budget too small for the population).
        ExperimentError: the store belongs to another fit, or a worker was lost.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    settings = FitSettings(
        budget, seeds_per_point, population, seed, p_acc_min, pull, tuple(parameters)
    )
    settings.validate()
    check_parameters(settings.parameters, scenario)
    job = CalibrationJob([scenario])
    identity = fit_identity(settings, job, scenario)
    st = ResultStore.open(
        store, identity, [(scenario.name, scenario_to_toml(scenario))], (), fresh=fresh
    )
    try:
        stored, _ = st.count()
        bar = _Progress(budget, min(stored, budget), progress)
        try:
            with make_executor(executor) as ex:
                ev = _Evaluator(settings, job, st, ex, bar)
                return _smc(settings, scenario, ev, bar)
        finally:
            bar.close()
    finally:
        st.close()


def _smc(settings: FitSettings, scenario: Scenario, ev: _Evaluator, bar: _Progress) -> FitResult:
    s = settings
    params = s.parameters
    n, m0 = s.population_size, s.first_generation
    points_left = s.points - 1  # one point's runs are kept back for the fitted values
    rows: list[dict[str, Any]] = []
    gens: list[dict[str, Any]] = []

    def to_theta(u: np.ndarray) -> np.ndarray:
        # the ABC works on the unit cube of the priors' quantiles
        return np.array(
            [
                [round_value(p.from_unit(v), DIGITS) for p, v in zip(params, row, strict=True)]
                for row in np.clip(u, 0.0, 1.0)
            ]
        )

    def to_u(theta: np.ndarray) -> np.ndarray:
        return np.array([[p.to_unit(v) for p, v in zip(params, row, strict=True)] for row in theta])

    def run_batch(gen: int, thetas: np.ndarray) -> list[dict[str, Any]]:
        start = len(rows)
        idx = list(range(start, start + len(thetas)))
        scored = ev.evaluate(idx, thetas)
        for i, theta, sc in zip(idx, thetas, scored, strict=True):
            rows.append({"point": i, "generation": gen, "theta": theta, **sc})
        return rows[start:]

    def best(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(candidates, key=lambda r: (r["distance"], r["point"]))[:n]

    # generation 0: a Sobol sample of the prior; the best n points survive
    bar.note("generation 0")
    batch = run_batch(0, to_theta(abc.sobol_sample(m0, len(params), s.stream(0))))
    points_left -= m0
    proposals: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = []
    counts = [m0]
    pop, w = best(batch), np.full(n, 1.0 / n)
    eps = pop[-1]["distance"]
    gens.append(_gen_row(0, m0, float("nan"), eps, n, w, m0 * s.seeds_per_point))

    gen = 0
    stopped = "budget spent"
    while points_left > 0:
        gen += 1
        k = min(n, points_left)
        u_prev = to_u(np.array([r["theta"] for r in pop]))
        cov, inside = _kernel(s, gen, u_prev, w)
        bar.note(f"generation {gen}, tolerance {eps:.3g}")
        u_new = abc.propose(np.random.default_rng(s.stream(gen, 0)), u_prev, w, cov, k)
        proposals.append((u_prev, w, cov, inside))
        counts.append(k)
        batch = run_batch(gen, to_theta(u_new))
        points_left -= k
        p_acc = float(np.mean([r["distance"] < eps for r in batch]))
        pop = best(pop + batch)
        eps = pop[-1]["distance"]
        u_pop = to_u(np.array([r["theta"] for r in pop]))
        w = abc.mixture_weights(u_pop, proposals, counts)
        new = sum(r["generation"] == gen for r in pop)
        gens.append(_gen_row(gen, k, p_acc, eps, new, w, k * s.seeds_per_point))
        if p_acc < s.p_acc_min and points_left > 0:
            stopped = "converged"
            break
    return _finish(s, scenario, ev, _Population(rows, gens, pop, w, eps, stopped), bar)


#: below this effective sample size (a share of the population) the importance weights
#: are too degenerate to describe uncertainty, and the particles count alike
MIN_ESS_SHARE = 0.1


def final_weights(w: np.ndarray) -> tuple[np.ndarray, str]:
    """The posterior's weights and how they were set. In many dimensions the
    importance weights of ABC-SMC can collapse onto a handful of particles (an
    effective sample size of a few of hundreds): a posterior that narrow would
    understate what we don't know. Below :data:`MIN_ESS_SHARE` of the population, every
    particle of the final population (each within the final tolerance of the targets)
    counts alike, and the result says so."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    ess = abc.effective_sample_size(w)
    if ess >= MIN_ESS_SHARE * len(w):
        return w, f"importance weights (effective sample size {ess:.0f} of {len(w)})"
    equal = np.full(len(w), 1.0 / len(w))
    return equal, (
        f"equal: the importance weights were degenerate (effective sample size {ess:.1f} of "
        f"{len(w)}), so every particle of the final population, each within the final "
        "tolerance, counts alike"
    )


@dataclass
class _Population:
    """Where the SMC ended: every evaluated point, the generations, the final
    population with its weights and tolerance, and why it stopped."""

    rows: list[dict[str, Any]]
    gens: list[dict[str, Any]]
    pop: list[dict[str, Any]]
    w: np.ndarray
    eps: float
    stopped: str


#: smallest share of kernel moves that may land inside the priors' unit cube: with many
#: parameters, twice the population's covariance moves most proposals out of the cube
#: (each coordinate can leave it), so the kernel is narrowed until this many stay in.
MIN_INSIDE = 0.02


def _kernel(s: FitSettings, gen: int, u: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """The perturbation kernel of generation ``gen`` and the share of its moves that
    land inside the cube (the proposal's normalising constant): twice the population's
    weighted covariance, halved until at least :data:`MIN_INSIDE` of its moves stay
    inside. The proposal density used for the weights is that of the kernel used."""
    cov = abc.kernel_cov(u, w)
    for _ in range(20):
        inside = abc.inside_probability(np.random.default_rng(s.stream(gen, 1)), u, w, cov)
        if inside >= MIN_INSIDE:
            break
        cov = cov / 2
    return cov, inside


def _gen_row(
    gen: int, proposed: int, p_acc: float, eps: float, new: int, w: np.ndarray, runs: int
) -> dict[str, Any]:
    return {
        "generation": gen,
        "points_proposed": proposed,
        "beat_previous_tolerance": p_acc,
        "epsilon": eps,
        "new_in_population": new,
        "effective_sample_size": abc.effective_sample_size(w),
        "runs": runs,
    }


def _finish(
    s: FitSettings, scenario: Scenario, ev: _Evaluator, end: _Population, bar: _Progress
) -> FitResult:
    rows, gens, pop, eps = end.rows, end.gens, end.pop, end.eps
    w, weighting = final_weights(end.w)
    keys = [p.key for p in s.parameters]
    theta = np.array([r["theta"] for r in pop])
    in_posterior = {r["point"] for r in pop}
    summary = []
    mean = w @ theta
    candidate = np.array([round_value(v, DIGITS) for v in mean])
    bar.note("checking the fitted values")
    (checked,) = ev.evaluate([FITTED_POINT], candidate[None, :])
    if checked["distance"] <= eps:
        fitted, fitted_from, scored = candidate, "posterior mean", checked
    else:
        best = min(range(len(pop)), key=lambda j: (pop[j]["distance"], pop[j]["point"]))
        fitted, scored = pop[best]["theta"], pop[best]
        fitted_from = f"best particle (point {pop[best]['point']})"
    for j, p in enumerate(s.parameters):
        summary.append(
            {
                "parameter": p.key,
                "label": p.label,
                "prior_low": p.low,
                "prior_high": p.high,
                "default": p.value_in(scenario),
                "posterior_mean": float(mean[j]),
                "posterior_sd": float(np.sqrt(max(w @ (theta[:, j] - mean[j]) ** 2, 0.0))),
                "q05": float(np.quantile(theta[:, j], 0.05, weights=w, method="inverted_cdf")),
                "median": float(np.quantile(theta[:, j], 0.5, weights=w, method="inverted_cdf")),
                "q95": float(np.quantile(theta[:, j], 0.95, weights=w, method="inverted_cdf")),
                "fitted": float(fitted[j]),
            }
        )
    points = pd.DataFrame(
        [
            {
                "point": r["point"],
                "generation": r["generation"],
                **dict(zip(keys, r["theta"], strict=True)),
                "distance": r["distance"],
                "in_posterior": r["point"] in in_posterior,
                "status": r["status"],
                "error": r["error"],
                **r["means"],
            }
            for r in rows
        ]
    )
    posterior = pd.DataFrame(
        [
            {
                "point": r["point"],
                "generation": r["generation"],
                **dict(zip(keys, r["theta"], strict=True)),
                "weight": float(wi),
                "distance": r["distance"],
            }
            for r, wi in zip(pop, w, strict=True)
        ]
    )
    failed = sum(r["failed"] for r in rows) + checked["failed"]
    return FitResult(
        settings=s,
        scenario=scenario,
        points=points,
        generations=pd.DataFrame(gens),
        posterior=posterior,
        summary=pd.DataFrame(summary),
        fitted={k: float(v) for k, v in zip(keys, fitted, strict=True)},
        fitted_from=fitted_from,
        fitted_table=distance_table(scored["means"], pull=s.pull),
        fitted_distance=float(scored["distance"]),
        runs=ev.runs,
        failed_runs=int(failed),
        stopped=end.stopped,
        weighting=weighting,
    )
