# ruff: noqa: N803, N806 - X and Y are SALib's names for the sample and the outputs
"""Sensitivity methods: SALib's samplers and analysers behind one small interface.

Each :class:`Method` knows how many sample points a design of size ``n`` needs, which
sizes SALib can use (checked before any run, with a one-line reason), how to draw the
sample and how to analyse outputs, always through SALib's
``ProblemSpec(...).sample(func, n, seed=...)`` chain, and how to turn SALib's results
into tidy frames. Nothing here re-implements an estimator.

- ``morris``: elementary effects (Morris 1991; Campolongo et al. 2007): ``mu_star``
  with a bootstrap interval, ``mu`` and ``sigma``. ``n`` is the number of trajectories;
  a design has ``n * (factors + 1)`` points. For screening many parameters cheaply.
- ``sobol``: variance-based first-order (``S1``), total (``ST``) and second-order
  (``S2``) indices with bootstrap intervals, on Saltelli's extension of the Sobol'
  sequence (Saltelli 2002, 2010). ``n`` is the base sample, a power of two; a design has
  ``n * (2 * factors + 2)`` points (``n * (factors + 2)`` without second order).
- ``fast``: extended FAST (Saltelli et al. 1999): ``S1`` and ``ST``; ``n`` points per
  parameter, more than ``4 M^2``. SALib warns that its FAST intervals (bootstrap) are
  only indicative; the report says so. No groups.
- ``pawn``: PAWN (Pianosi & Wagener 2015), a moment-independent index (the
  Kolmogorov-Smirnov distance between conditional and unconditional output
  distributions, median over ``slides`` slices), on a Latin hypercube of ``n`` points;
  suited to skewed or two-humped outputs such as a regime contrast near zero. SALib
  gives no interval: we bootstrap SALib's own estimator over the sample rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from healthsim.sensitivity.space import Space

#: Method names, in the order help texts list them.
METHOD_NAMES = ("morris", "sobol", "fast", "pawn")

#: Design size used when an analysis names none.
DEFAULT_N = {"morris": 20, "sobol": 256, "fast": 256, "pawn": 512}


@dataclass(frozen=True)
class Settings:
    """How a method is run (from an analysis file's ``[method]`` table).

    Attributes:
        name: ``morris``, ``sobol``, ``fast`` or ``pawn``.
        n: design size (trajectories for Morris, base sample for Sobol, points per
            parameter for FAST, points for PAWN).
        levels: Morris grid levels (even).
        candidates: Morris: draw this many trajectories and keep the ``n`` most spread
            out (Campolongo's optimised trajectories); 0 = plain Morris.
        second_order: Sobol: estimate second-order indices too.
        m: FAST interference factor.
        slides: PAWN conditioning slices.
        resamples: bootstrap resamples for the intervals.
        conf_level: level of the intervals (0.95).
    """

    name: str = "morris"
    n: int = 20
    levels: int = 4
    candidates: int = 0
    second_order: bool = True
    m: int = 4
    slides: int = 10
    resamples: int = 100
    conf_level: float = 0.95


def _power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def check(settings: Settings, space: Space) -> tuple[str, str] | None:
    """Why SALib cannot use this design, as (key, reason); None when it can."""
    name, n = settings.name, settings.n
    factors = len(space.factors)
    if factors < 2:
        return (
            "parameters",
            "a sensitivity analysis needs at least two factors (parameters or groups); "
            f"this one has {factors}",
        )
    if name == "morris":
        if n < 2:
            return "method.n", f"Morris needs at least 2 trajectories (got {n})"
        if settings.levels < 2 or settings.levels % 2:
            return (
                "method.levels",
                f"Morris levels must be even and 2 or more (got {settings.levels})",
            )
        if settings.candidates and settings.candidates <= n:
            return (
                "method.candidates",
                f"must be more than n ({n}) to choose the {n} most spread-out trajectories "
                f"(got {settings.candidates}); 0 turns the choice off",
            )
    elif name == "sobol":
        if not _power_of_two(n) or n < 8:
            lo = 1 << (max(n, 1).bit_length() - 1)
            near = "8" if lo < 8 else f"{lo} or {lo * 2}"
            return (
                "method.n",
                f"Sobol needs a base sample that is a power of two, 8 or more, for the "
                f"Sobol' sequence to stay balanced (got {n}; use {near})",
            )
    elif name == "fast":
        if space.has_groups:
            return "parameters", "SALib's FAST cannot analyse groups; use sobol or morris"
        need = 4 * settings.m**2
        if n <= need:
            return (
                "method.n",
                f"FAST with m = {settings.m} needs more than {need} points per parameter (got {n})",
            )
    elif name == "pawn":
        need = 10 * settings.slides
        if n < need:
            return (
                "method.n",
                f"PAWN with {settings.slides} slides needs at least {need} points, about "
                f"ten a slide (got {n})",
            )
    else:
        return "method.name", f"unknown method '{name}'; use one of {', '.join(METHOD_NAMES)}"
    if not 0 < settings.conf_level < 1:
        return "method.conf_level", f"must be between 0 and 1 (got {settings.conf_level})"
    return None


def n_points(settings: Settings, space: Space) -> int:
    """Sample points a design needs (runs = points x scenarios x replicates)."""
    g = len(space.factors)
    d = len(space.parameters)
    n = settings.n
    return {
        "morris": n * (g + 1),
        "sobol": n * (2 * g + 2) if settings.second_order else n * (g + 2),
        "fast": n * d,
        "pawn": n,
    }[settings.name]


def problem_spec(space: Space, outputs: list[str] | None = None) -> Any:
    """A fresh SALib ``ProblemSpec`` for the space (and the outputs' names)."""
    from SALib import ProblemSpec

    prob = space.problem()
    if outputs:
        prob["outputs"] = list(outputs)
    return ProblemSpec(prob)


def sample(settings: Settings, space: Space, seed: int) -> Any:
    """Draw the design with SALib; returns the ``ProblemSpec`` holding ``.samples``."""
    sp = problem_spec(space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy's qmc balance notes
        if settings.name == "morris":
            from SALib.sample import morris

            if settings.candidates:
                sp.sample(
                    morris.sample,
                    settings.candidates,
                    num_levels=settings.levels,
                    optimal_trajectories=settings.n,
                    local_optimization=True,
                    seed=seed,
                )
            else:
                sp.sample(morris.sample, settings.n, num_levels=settings.levels, seed=seed)
        elif settings.name == "sobol":
            from SALib.sample import sobol

            sp.sample(sobol.sample, settings.n, calc_second_order=settings.second_order, seed=seed)
        elif settings.name == "fast":
            from SALib.sample import fast_sampler

            sp.sample(fast_sampler.sample, settings.n, M=settings.m, seed=seed)
        else:
            from SALib.sample import latin

            sp.sample(latin.sample, settings.n, seed=seed)
    return sp


def analyse(
    settings: Settings, space: Space, X: np.ndarray, Y: np.ndarray, outputs: list[str], seed: int
) -> tuple[Any, dict[str, Any], list[str]]:
    """Analyse outputs ``Y`` (points x outputs) with SALib.

    Returns:
        The ``ProblemSpec`` (samples, results, analysis), the SALib result of each
        output, and notes for the report (e.g. SALib's caveats).
    """
    sp = problem_spec(space, outputs)
    sp.set_samples(np.asarray(X, dtype=float))
    Y = np.asarray(Y, dtype=float).reshape(len(X), len(outputs))
    sp.set_results(Y if len(outputs) > 1 else Y[:, 0])
    seed = seed or 1  # SALib treats a zero seed as "no seed"
    notes: list[str] = []
    if settings.name == "morris":
        from SALib.analyze import morris

        sp.analyze(
            morris.analyze,
            num_resamples=settings.resamples,
            conf_level=settings.conf_level,
            num_levels=settings.levels,
            seed=seed,
        )
    elif settings.name == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sp.analyze(
                sobol.analyze,
                calc_second_order=settings.second_order,
                num_resamples=settings.resamples,
                conf_level=settings.conf_level,
                seed=seed,
            )
    elif settings.name == "fast":
        from SALib.analyze import fast

        state = np.random.get_state()  # SALib's FAST bootstrap uses numpy's global state
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sp.analyze(
                    fast.analyze,
                    M=settings.m,
                    num_resamples=settings.resamples,
                    conf_level=settings.conf_level,
                    seed=seed,
                )
        finally:
            np.random.set_state(state)
        if any("unreliable" in str(w.message) for w in caught):
            notes.append(
                "SALib estimates FAST's intervals by a bootstrap it calls unreliable for "
                "this method: treat them as indicative only."
            )
    else:
        from SALib.analyze import pawn

        sp.analyze(pawn.analyze, S=settings.slides)
        notes.append(
            "PAWN intervals: a bootstrap of SALib's PAWN estimator over the sample points "
            f"({settings.resamples} resamples)."
        )
    results = sp.analysis if len(outputs) > 1 else {outputs[0]: sp.analysis}
    if settings.name == "pawn":
        for j, out in enumerate(outputs):
            results[out]["median_conf"] = _pawn_conf(space, X, Y[:, j], settings, seed)
    return sp, results, notes


def _pawn_conf(space: Space, X: np.ndarray, y: np.ndarray, settings: Settings, seed: int):
    """Half-width of a normal bootstrap interval of PAWN's median index, per factor."""
    from SALib.analyze import pawn

    prob = space.problem()
    rng = np.random.default_rng(seed)
    n = len(y)
    boot = []
    for _ in range(settings.resamples):
        idx = rng.integers(0, n, n)
        boot.append(pawn.analyze(prob, X[idx], y[idx], S=settings.slides)["median"])
    z = float(_st.norm.ppf(0.5 + settings.conf_level / 2))
    return z * np.nanstd(np.array(boot, dtype=float), axis=0, ddof=1)


#: The indices each method reports, with their interval's key ('' = none).
INDICES = {
    "morris": (("mu_star", "mu_star_conf"), ("mu", ""), ("sigma", "")),
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "fast": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "pawn": (("median", "median_conf"), ("mean", ""), ("maximum", ""), ("CV", "")),
}

#: The index that ranks factors for each method.
RANKING = {"morris": "mu_star", "sobol": "ST", "fast": "ST", "pawn": "median"}


def tidy(
    settings: Settings, space: Space, results: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SALib results as tidy frames.

    Returns:
        ``indices``: one row per output, factor and index, with columns ``output``,
        ``factor``, ``label``, ``index``, ``value``, ``conf`` (interval half-width, NaN
        where the method gives none), ``low`` and ``high``.
        ``second_order``: Sobol's S2 per pair of factors (empty otherwise): ``output``,
        ``factor_a``, ``factor_b``, ``label_a``, ``label_b``, ``value``, ``conf``,
        ``low``, ``high``.
    """
    factors = space.factors
    rows = []
    pairs = []
    for out, res in results.items():
        names = list(res.get("names", factors)) if settings.name != "sobol" else factors
        for index, conf_key in INDICES[settings.name]:
            if index not in res:
                continue
            vals = np.asarray(res[index], dtype=float)
            confs = (
                np.asarray(res[conf_key], dtype=float)
                if conf_key and conf_key in res
                else np.full(len(vals), np.nan)
            )
            for f, v, c in zip(names, vals, confs, strict=True):
                rows.append(
                    {
                        "output": out,
                        "factor": f,
                        "label": space.factor_label(f),
                        "index": index,
                        "value": float(v),
                        "conf": float(c),
                        "low": float(v - c),
                        "high": float(v + c),
                    }
                )
        if settings.name == "sobol" and "S2" in res:
            s2 = np.asarray(res["S2"], dtype=float)
            c2 = np.asarray(res["S2_conf"], dtype=float)
            for i in range(len(factors)):
                for j in range(i + 1, len(factors)):
                    pairs.append(
                        {
                            "output": out,
                            "factor_a": factors[i],
                            "factor_b": factors[j],
                            "label_a": space.factor_label(factors[i]),
                            "label_b": space.factor_label(factors[j]),
                            "value": float(s2[i, j]),
                            "conf": float(c2[i, j]),
                            "low": float(s2[i, j] - c2[i, j]),
                            "high": float(s2[i, j] + c2[i, j]),
                        }
                    )
    cols = ["output", "factor", "label", "index", "value", "conf", "low", "high"]
    pcols = ["output", "factor_a", "factor_b", "label_a", "label_b"]
    pcols += ["value", "conf", "low", "high"]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(pairs, columns=pcols)
