"""Statistics of an ensemble: intervals, paired differences, probability best, spread.

Pure functions of arrays; no I/O. Conventions:

- A metric's values are a matrix ``X`` of shape (replicates, scenarios); row *i* holds
  every scenario's value on replicate *i*'s seed (paired by common random numbers).
- ``better`` is ``"lower"``, ``"higher"`` or ``"neither"`` (see
  :mod:`healthsim.experiments.outcomes`).
- Intervals are two-sided Student *t* intervals for a mean (95% by default): the mean
  over replicates is close to normal at the ensemble sizes used, and for paired
  differences this is the paired *t* interval. They describe uncertainty from the
  finite number of simulated futures, given the model and its parameters; not the
  uncertainty in the parameters themselves.
- NaN marks a value a run does not define (e.g. the length of special-measures spells
  in a run with none); such values are left out, and ``n`` says how many were used.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Literal

import numpy as np

Better = Literal["lower", "higher", "neither"]

#: Bootstrap resamples for "confidence the average is best".
N_BOOT = 2000


def _sign(better: Better) -> int:
    return {"higher": 1, "lower": -1, "neither": 0}[better]


def t_quantile(level: float, df: int) -> float:
    """The two-sided Student t multiplier for ``level`` (0.95) with ``df`` degrees."""
    return _t_ppf(0.5 + level / 2, df)


@functools.lru_cache(maxsize=512)
def _t_ppf(q: float, df: int) -> float:
    from scipy.stats import t  # imported on first use: scipy is slow to import

    return float(t.ppf(q, df))


def mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values of ``x``: a t interval for the mean.

    With one value the interval is undefined (NaN); with none, everything is NaN.
    """
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(v.mean())
    if n == 1:
        return m, math.nan, math.nan, 1
    half = t_quantile(level, n - 1) * float(v.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half, n


def worst_decile(x: np.ndarray, better: Better) -> tuple[float, float]:
    """(mean of the worst tenth of runs, the value where the worst tenth begins).

    The worst tenth is the ceil(n / 10) runs with the highest values when lower is
    better, the lowest when higher is better. NaN when no direction is better.
    """
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    sign = _sign(better)
    if v.size == 0 or sign == 0:
        return math.nan, math.nan
    k = max(1, math.ceil(v.size / 10))
    ordered = np.sort(v)
    worst = ordered[:k] if sign > 0 else ordered[::-1][:k]
    return float(worst.mean()), float(worst[-1])


def describe(
    x: np.ndarray,
    better: Better = "neither",
    level: float = 0.95,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> dict[str, float]:
    """Mean with interval, spread (sd, quartiles, IQR, 5th and 95th percentiles) and the
    worst decile of one scenario's values.

    ``bounds`` are the values the metric can take (e.g. 0 to 1 for a share); the
    interval of the mean is clipped to them (a mean cannot lie outside).
    """
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    mean, lo, hi, n = mean_interval(v, level)
    if n > 1:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    if n:
        p5, p25, p50, p75, p95 = (float(q) for q in np.percentile(v, [5, 25, 50, 75, 95]))
    else:
        p5 = p25 = p50 = p75 = p95 = math.nan
    wmean, wcut = worst_decile(v, better)
    return {
        "n": n,
        "mean": mean,
        "ci_low": lo,
        "ci_high": hi,
        "sd": float(v.std(ddof=1)) if n > 1 else math.nan,
        "median": p50,
        "p25": p25,
        "p75": p75,
        "iqr": p75 - p25,
        "p5": p5,
        "p95": p95,
        "worst_decile_mean": wmean,
        "worst_decile_threshold": wcut,
    }


def paired_difference(
    a: np.ndarray, b: np.ndarray, better: Better = "neither", level: float = 0.95
) -> dict[str, float]:
    """Paired difference ``a - b`` (a scenario minus the baseline, replicate by replicate).

    Returns:
        n; ``diff`` (mean difference) with ``ci_low``/``ci_high`` (paired t interval);
        ``sd_diff``; ``relative`` (mean difference over the baseline's mean) with an
        interval by the delta method (NaN when the baseline mean is 0);
        ``share_better``/``share_worse``/``share_same`` (of replicates, by direction;
        NaN when no direction is better); ``crn_gain``: the variance an unpaired
        comparison would have over the paired one, (var a + var b) / var(a - b), i.e.
        how many times fewer runs common random numbers needed (NaN when undefined);
        ``verdict``: +1 clearly better, -1 clearly worse, 0 interval includes no
        difference (or no direction).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    d = a - b
    n = d.size
    mean, lo, hi, _ = mean_interval(d, level)
    out = {
        "n": n,
        "diff": mean,
        "ci_low": lo,
        "ci_high": hi,
        "sd_diff": float(d.std(ddof=1)) if n > 1 else math.nan,
        "relative": math.nan,
        "rel_ci_low": math.nan,
        "rel_ci_high": math.nan,
        "share_better": math.nan,
        "share_worse": math.nan,
        "share_same": math.nan,
        "crn_gain": math.nan,
        "verdict": 0,
    }
    if n == 0:
        return out
    bm = float(b.mean())
    if bm != 0:
        r = mean / bm
        out["relative"] = r
        if n > 1:
            var_d = d.var(ddof=1) / n
            var_b = b.var(ddof=1) / n
            cov = float(np.cov(d, b, ddof=1)[0, 1]) / n
            var_r = max(0.0, (var_d - 2 * r * cov + r * r * var_b)) / (bm * bm)
            half = t_quantile(level, n - 1) * math.sqrt(var_r)
            out["rel_ci_low"], out["rel_ci_high"] = r - half, r + half
    sign = _sign(better)
    if sign:
        out["share_better"] = float(np.mean(sign * d > 0))
        out["share_worse"] = float(np.mean(sign * d < 0))
        out["share_same"] = float(np.mean(d == 0))
        if n > 1 and np.isfinite(lo):
            if sign * lo > 0 and sign * hi > 0:
                out["verdict"] = 1
            elif sign * lo < 0 and sign * hi < 0:
                out["verdict"] = -1
    if n > 1:
        vd = float(d.var(ddof=1))
        if vd > 0:
            out["crn_gain"] = float((a.var(ddof=1) + b.var(ddof=1)) / vd)
    return out


def _split_best(values: np.ndarray, sign: int, rtol: float = 0.0) -> np.ndarray:
    """Credit for being best, row by row: 1 to the best column, shared equally on ties.

    Args:
        values: (rows, columns).
        sign: +1 higher is better, -1 lower is better.
        rtol: values within this relative distance of the best count as tied.
    """
    s = sign * values
    best = s.max(axis=1, keepdims=True)
    tol = rtol * np.abs(best)
    tied = s >= best - tol
    return tied / tied.sum(axis=1, keepdims=True)


def probability_best(
    x: np.ndarray, better: Better, *, n_boot: int = N_BOOT, seed: int = 0
) -> dict[str, np.ndarray]:
    """How often each scenario is best.

    Args:
        x: (replicates, scenarios); rows with any NaN are left out.
        better: direction of the metric.
        n_boot: bootstrap resamples for ``p_best_mean``.
        seed: seed of the bootstrap (so results are reproducible).

    Returns:
        ``p_best_run``: the share of replicates (simulated futures, on common random
        numbers) in which the scenario did best (ties shared equally);
        ``p_tie``: the share of replicates in which the best value was shared;
        ``p_best_mean``: the share of bootstrap resamples of the replicates in which the
        scenario's mean is best, a measure of confidence that its average is best.
        All NaN when no direction is better or no replicate is complete.
    """
    x = np.asarray(x, dtype=float)
    s = x.shape[1]
    nan = np.full(s, np.nan)
    sign = _sign(better)
    rows = x[np.isfinite(x).all(axis=1)]
    n = rows.shape[0]
    if sign == 0 or n == 0:
        return {"p_best_run": nan, "p_tie": nan, "p_best_mean": nan.copy()}
    credit = _split_best(rows, sign)
    p_run = credit.mean(axis=0)
    ties = (credit.max(axis=1) < 1).mean()
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n  # (B, n)
    means = weights @ rows  # (B, S)
    p_mean = _split_best(means, sign, rtol=1e-12).mean(axis=0)
    return {"p_best_run": p_run, "p_tie": np.full(s, ties), "p_best_mean": p_mean}


def percentile_bands(
    x: np.ndarray, quantiles: tuple[float, ...] = (5, 25, 50, 75, 95)
) -> dict[str, np.ndarray]:
    """Percentiles across runs at each time point of ``x`` (runs, months), and the mean."""
    x = np.asarray(x, dtype=float)
    if x.shape[0] == 0:
        empty = np.full(x.shape[1], np.nan)
        return {**{f"p{int(q)}": empty for q in quantiles}, "mean": empty}
    with warnings.catch_warnings():  # months no run reached are all NaN: NaN bands
        warnings.simplefilter("ignore", RuntimeWarning)
        qs = np.nanpercentile(x, quantiles, axis=0)
        out = {f"p{int(q)}": qs[i] for i, q in enumerate(quantiles)}
        out["mean"] = np.nanmean(x, axis=0)
    return out
