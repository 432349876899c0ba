# ruff: noqa: N806 - X and Y are SALib's names for the sample and the outputs
"""The public entry points: run an analysis of healthsim, or of any model function.

``sensitivity_analysis("analyses/harm_drivers.toml")`` or, from keywords::

    sensitivity_analysis(
        scenario="board_supported",
        parameters={"behaviour.fear_toxicity": (0, 1), "behaviour.blame_deterrence": (0, 2)},
        method="morris", n=16, replicates=3, outputs=["harm_total"],
    )

returns a :class:`~healthsim.sensitivity.result.SensitivityResult`. Runs go through the
same executors as comparisons (``executor=`` anything
:func:`healthsim.experiments.executors.make_executor` takes: ``None`` for every local
core, a worker count, ``"serial"``, ``"local"`` or a Dask address or ``Client``). With
``out=`` (or ``store=``) every run is stored as it finishes, and calling again resumes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthsim.config import scenario_to_toml
from healthsim.experiments.outcomes import outcome
from healthsim.experiments.tasks import Job, ScenarioJob, Task, replicate_seed
from healthsim.experiments.uncertainty import ParameterSets, UncertaintyError, parameter_sets
from healthsim.sensitivity import methods
from healthsim.sensitivity.discovery import discover
from healthsim.sensitivity.folder import STORE_FILE, check_out
from healthsim.sensitivity.jobs import FunctionJob, ModelFunction
from healthsim.sensitivity.result import SensitivityResult, failures_frame, points_frame
from healthsim.sensitivity.runner import (
    Design,
    aggregate,
    collect,
    draw,
    identity,
    noise_table,
    run_stored,
    sign_clear,
    tasks_for,
)
from healthsim.sensitivity.space import Parameter, Space
from healthsim.sensitivity.spec import Analysis, AnalysisError, build_analysis, load_analysis

_TOP_LEVEL = {
    "name",
    "description",
    "scenario",
    "contrast",
    "years",
    "replicates",
    "seed",
    "outputs",
    "fixed",
    "parameters",
    "discovery",
    "max_failed_share",
    "parameter_sets",
}
_METHOD_KEYS = {"n", "levels", "candidates", "second_order", "m", "slides", "resamples"}


def as_analysis(analysis: Any = None, **fields: Any) -> Analysis:
    """An :class:`Analysis` from a file path or shipped name (with ``fields`` changing
    the file's values), an :class:`Analysis`, or keywords alone.

    Method settings may be given flat (``method="sobol", n=64, second_order=False``).
    """
    method = fields.pop("method", None)
    msettings = {k: fields.pop(k) for k in list(fields) if k in _METHOD_KEYS}
    if method is not None or msettings:
        m = {"name": method} if isinstance(method, str) else dict(method or {})
        fields["method"] = {**m, **msettings}
    unknown = set(fields) - _TOP_LEVEL - {"method"}
    if unknown:
        raise TypeError(f"unknown analysis setting(s): {', '.join(sorted(unknown))}")
    if isinstance(analysis, Analysis):
        if fields:
            data = {**analysis.declared}
            for k, v in fields.items():
                data[k] = {**data.get(k, {}), **v} if k == "method" else v
            return build_analysis(data, file=analysis.file)
        return analysis
    if analysis is None:
        return build_analysis(fields)
    return load_analysis(analysis, **fields)


def sensitivity_analysis(
    analysis: str | Path | Analysis | None = None,
    *,
    executor: Any = None,
    workers: int | None = None,
    out: str | Path | None = None,
    store: str | Path | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    posterior: Any = None,
    **fields: Any,
) -> SensitivityResult:
    """Run a sensitivity analysis of healthsim and analyse it.

    Args:
        analysis: an analysis file, a shipped analysis' name (``"harm_drivers"``), an
            :class:`Analysis`, or None to declare it with keywords.
        executor, workers: where runs happen (default: every local core).
        out: a folder for the stored runs, checked before anything runs; running again
            with the same ``out`` resumes, and
            :func:`healthsim.reports.write_sensitivity` writes the report (``report.html``,
            CSV tables, figures) into it.
        store: a file for the stored runs only (no report); default: in memory.
        fresh: discard stored runs of another (or the same) analysis at ``out``/``store``.
        retry_failed: run again the runs stored as failed.
        progress: draw a progress bar (default: when stderr is a terminal).
        posterior: with ``parameter_sets="posterior"`` (the default), a posterior file
            or :class:`~healthsim.experiments.uncertainty.Posterior` to draw from
            instead of the shipped one.
        fields: analysis values (``scenario``, ``contrast``, ``parameters``, ``outputs``,
            ``replicates``, ``seed``, ``years``, ``fixed``, ``method``, ``n``,
            ``parameter_sets``, ...), as in a file; with a file they replace its values.
            ``parameter_sets`` says where the uncertain parameters the analysis does not
            sample come from: ``"posterior"`` (default; replicate *i* of every point on
            set *i* of the calibration posterior), ``"prior"`` or ``"defaults"``.

    Returns:
        A :class:`SensitivityResult`.

    Raises:
        AnalysisError: a declaration that cannot run (before any run).
        ExperimentError: the store holds another analysis, or a worker was lost.
    """
    a = as_analysis(analysis, **fields)
    design = analysis_design(a, posterior=posterior)
    job = ScenarioJob(a.scenarios, series=())
    store_path = _store_path(out, store)
    if out is not None:
        check_out(Path(out))
    names = [(sc.name, scenario_to_toml(sc)) for sc in a.scenarios]
    result = run_design(
        job,
        design,
        name=a.name,
        scenarios=names,
        analysis=a,
        executor=executor,
        workers=workers,
        store=store_path,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
    )
    return result


def analysis_sets(a: Analysis, *, posterior: Any = None) -> ParameterSets | None:
    """The parameter sets of an analysis' replicates (None for today's defaults):
    set *i* of ``a.parameter_sets`` without the parameters it samples or fixes."""
    if a.parameter_sets == "defaults":
        return None
    try:
        sets = parameter_sets(a.parameter_sets, a.replicates, posterior=posterior)
    except UncertaintyError as exc:
        hint = (
            "; give a posterior file (--posterior FILE, posterior=...) or choose "
            'parameter_sets = "prior" or "defaults"'
            if a.parameter_sets == "posterior"
            else ""
        )
        raise AnalysisError(a.file or "analysis", "parameter_sets", f"{exc}{hint}") from None
    leave = sorted((set(a.space.names) | set(a.fixed)) & set(sets.keys))
    return sets.without(leave)


def explicit_keys(scenario: Any) -> frozenset[str]:
    """The ``behaviour.*`` and ``initial.*`` keys a scenario sets to other than the
    default (a what-if it asks for, which a parameter set does not overwrite)."""
    keys: set[str] = set()
    for section in ("behaviour", "initial"):
        values = getattr(scenario, section)
        defaults = type(values)()
        keys |= {
            f"{section}.{k}"
            for k in type(values).model_fields
            if getattr(values, k) != getattr(defaults, k)
        }
    return frozenset(keys)


def analysis_design(a: Analysis, *, posterior: Any = None) -> Design:
    """What an analysis runs: its space, method, replicates and parameter sets."""
    return Design(
        a.space,
        a.settings,
        a.outputs,
        a.replicates,
        a.seed,
        a.scenario_names,
        a.contrast,
        sets=analysis_sets(a, posterior=posterior),
        own=tuple(explicit_keys(sc) for sc in a.scenarios),
    )


def function_analysis(
    func: ModelFunction,
    parameters: Mapping[str, tuple[float, float]],
    *,
    method: str = "sobol",
    n: int | None = None,
    outputs: Sequence[str] = ("y",),
    replicates: int = 1,
    seed: int = 1,
    executor: Any = "serial",
    workers: int | None = None,
    store: str | Path | None = None,
    fresh: bool = False,
    progress: bool | None = False,
    version: str = "1",
    **settings: Any,
) -> SensitivityResult:
    """The same pipeline on a plain model function ``func(params, seed) -> {output: v}``.

    Used to check the plumbing on functions with known indices (Ishigami). Parameters
    are uniform on ``(low, high)``; ``func`` must be importable by workers (defined at
    module level).
    """
    params = tuple(
        Parameter(k, "real", float(lo), float(hi), label=k, applies_to=(0,))
        for k, (lo, hi) in parameters.items()
    )
    space = Space(params)
    st = methods.Settings(name=method, n=n or methods.DEFAULT_N[method], **settings)
    problem = methods.check(st, space)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    job = FunctionJob(func, version)
    design = Design(space, st, tuple(outputs), replicates, seed, (job.name,), False)
    return run_design(
        job,
        design,
        name=job.name,
        scenarios=[(job.name, "")],
        analysis=None,
        executor=executor,
        workers=workers,
        store=Path(store) if store else None,
        fresh=fresh,
        retry_failed=False,
        progress=progress,
    )


def _store_path(out: str | Path | None, store: str | Path | None) -> Path | None:
    if store is not None:
        return Path(store)
    if out is not None:
        return Path(out) / STORE_FILE
    return None


def run_design(
    job: Job,
    design: Design,
    *,
    name: str,
    scenarios: list[tuple[str, str]],
    analysis: Analysis | None,
    executor: Any,
    workers: int | None,
    store: Path | None,
    fresh: bool,
    retry_failed: bool,
    progress: bool | None,
) -> SensitivityResult:
    """Sample, run (resuming from the store), aggregate and analyse a design."""
    _sp, X = draw(design)
    tasks = tasks_for(design, X)
    ident = identity(design, X, job, name)
    execution, col = run_stored(
        job,
        tasks,
        store=store,
        identity=ident,
        scenarios=scenarios,
        executor=executor,
        workers=workers,
        fresh=fresh,
        retry_failed=retry_failed,
        progress=progress,
        read=lambda st: collect(st, design, len(X)),
    )
    agg = aggregate(col, design, X)
    noise = noise_table(agg, design)
    notes = _failure_notes(design, col, agg, analysis, len(X))
    constant = [o for j, o in enumerate(design.outputs) if np.nanstd(agg.mean[:, j]) == 0]
    for o in constant:
        notes.append(
            f"'{o}' is the same at every sample point: the parameters do not move it, so its "
            "indices are undefined (shown as missing)."
        )
    if np.isnan(agg.mean).any():
        bad = [o for j, o in enumerate(design.outputs) if np.isnan(agg.mean[:, j]).all()]
        raise ValueError(
            f"no run produced a value for {', '.join(bad)}; see the failed runs"
            if bad
            else "some points have no value"
        )
    sp_an, results, method_notes = methods.analyse(
        design.settings, design.space, X, agg.mean, list(design.outputs), design.sample_seed
    )
    notes += method_notes
    indices, second = methods.tidy(design.settings, design.space, results)
    flips = {}
    if design.contrast:
        a, b = design.scenario_names
        for j, out in enumerate(design.outputs):
            cfg = analysis.discovery if analysis and analysis.discovery else None
            flips[out] = discover(
                design.space,
                X,
                agg.mean[:, j],
                sign_clear(agg, j),
                output=out,
                label=outcome(out).label,
                better=outcome(out).better,
                a=a,
                b=b,
                max_depth=cfg.max_depth if cfg else 3,
                min_leaf=cfg.min_leaf if cfg else 0.05,
            )
    return SensitivityResult(
        name=name,
        design=design,
        analysis=analysis,
        X=X,
        salib=sp_an,
        results=results,
        indices=indices,
        second_order=second,
        points=points_frame(design, X, agg),
        agg=agg,
        noise=noise,
        failures=failures_frame(design, X, col.failures),
        flips=flips,
        execution=execution,
        notes=notes,
    )


def _failure_notes(design, col, agg, analysis, n_points) -> list[str]:
    notes = []
    n_failed = len(col.failures)
    runs = col.ok.size
    if n_failed:
        notes.append(
            f"{n_failed} of {runs} runs failed (listed with their parameters in "
            "failed_runs.csv). A point keeps the mean of its replicates that ran."
        )
    limit = analysis.max_failed_share if analysis else 0.05
    for j, out in enumerate(design.outputs):
        filled = int(agg.filled[:, j].sum())
        undefined = int((col.ok & ~np.isfinite(col.values[..., j])).sum())
        if undefined:
            notes.append(
                f"'{out}' is undefined in {undefined} run(s) that did not fail (e.g. no "
                "special-measures spell to measure); those replicates are left out."
            )
        if filled:
            share = filled / n_points
            text = (
                f"'{out}': {filled} of {n_points} points ({share:.1%}) have no value from "
                "any replicate; each was filled with the value of its nearest point so "
                "SALib's design stays whole."
            )
            if share > limit:
                text += (
                    f" That is more than the {limit:.0%} the analysis allows: treat its "
                    "indices as unreliable."
                )
            notes.append(text)
    return notes


def corner_design(space: Space) -> np.ndarray:
    """Corners of the declared bounds to check before a big run, as SALib-scale rows.

    Every corner (2^D) when there are at most 10 parameters; otherwise a two-level
    orthogonal array (the rows of a Hadamard matrix) and its mirror image, in which
    every pair of parameters takes all four combinations of their bounds, including the
    all-low and all-high corners. A categorical parameter's corners are its first and
    last level; every level is also tried once with the others at their low bounds.
    """
    from scipy.linalg import hadamard

    d = len(space.parameters)
    if d <= 10:
        signs = ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(bool)
    else:
        size = 1 << math.ceil(math.log2(d + 1))
        h = hadamard(size)[:, 1 : d + 1] > 0
        signs = np.vstack([h, ~h])
    lows = np.array([_corner(p, False) for p in space.parameters])
    highs = np.array([_corner(p, True) for p in space.parameters])
    rows = np.where(signs, highs, lows)
    extra = []
    for j, p in enumerate(space.parameters):
        if p.kind == "categorical" and len(p.levels) > 2:
            for level in range(1, len(p.levels) - 1):
                row = lows.copy()
                row[j] = level + 0.5
                extra.append(row)
    return np.vstack([rows, *extra]) if extra else rows


def _corner(p: Parameter, high: bool) -> float:
    if p.prior is not None:  # SALib's column is the prior's quantile
        return 1.0 - 1e-12 if high else 0.0
    if p.kind == "categorical":
        return (len(p.levels) - 0.5) if high else 0.5
    if p.kind == "integer":
        return p.high + 0.5 if high else p.low + 0.5
    return p.high if high else p.low


def check_corners(
    analysis: str | Path | Analysis | None = None,
    *,
    executor: Any = None,
    workers: int | None = None,
    replicates: int = 1,
    progress: bool | None = None,
    **fields: Any,
):
    """Run the model at the corners of an analysis' bounds; one row per run.

    Each run is checked to finish with finite values and sensible ranges (no negative
    harm or counts, shares and 0-1 scores within 0 and 1). Columns: ``point``,
    ``scenario``, ``replicate``, the parameter values, ``status`` (``ok``, ``failed``
    or ``implausible``) and ``problem``.
    """
    import pandas as pd

    a = as_analysis(analysis, **fields)
    X = corner_design(a.space)
    over = a.space.overrides(X, len(a.scenarios))
    seeds = [replicate_seed(a.seed, r) for r in range(replicates)]
    tasks = [
        Task(p, s, r, seeds[r], over[p][s])
        for p in range(len(X))
        for s in range(len(a.scenarios))
        for r in range(replicates)
    ]
    job = ScenarioJob(a.scenarios, series=())
    _, records = run_stored(
        job,
        tasks,
        store=None,
        identity={"kind": "corners"},
        scenarios=[(n, "") for n in a.scenario_names],
        executor=executor,
        workers=workers,
        progress=progress,
        desc="corners",
        read=lambda st: list(st.records(with_series=False)),
    )
    vals = a.space.values(X)
    rows = []
    for rec in records:
        problem = rec.error if not rec.ok else implausible(rec.values)
        status = "failed" if not rec.ok else ("implausible" if problem else "ok")
        rows.append(
            {
                "point": rec.point,
                "scenario": a.scenario_names[rec.scenario],
                "replicate": rec.replicate,
                **dict(zip(a.space.names, vals[rec.point], strict=True)),
                "status": status,
                "problem": problem,
                **{o: rec.values.get(o, math.nan) for o in a.outputs},
            }
        )
    return pd.DataFrame(rows)


#: Per-run values that must lie in [0, 1].
_UNIT = (
    "hidden_harm_share",
    "quality_mean_final",
    "quality_p10_final",
    "quality_mean_run",
    "deficit_share_peak",
    "deficit_share_final",
    "fear_mean",
    "openness_mean",
    "morale_final",
    "capability_final",
    "clarity_mean",
    "sm_stock_mean",
    "false_positive_share",
    "political_share",
    "sm_exit_within_12m_share",
)
#: Per-run values that must not be negative.
_NON_NEGATIVE = (
    "harm_total",
    "harm_hidden_total",
    "harm_reported_total",
    "sm_entries",
    "sm_exits",
    "sm_relapses",
    "false_positives",
    "false_negative_months",
    "board_replacements",
    "turnover_annual",
    "regime_cost_total",
    "financial_failures",
    "inspections",
)


def implausible(values: Mapping[str, float]) -> str:
    """What is out of range in a run's values ('' when everything is sensible)."""
    bad = []
    for k, v in values.items():
        if isinstance(v, float) and math.isinf(v):
            bad.append(f"{k} is infinite")
    for k in _UNIT:
        v = values.get(k, math.nan)
        if v == v and not -1e-9 <= v <= 1 + 1e-9:
            bad.append(f"{k} = {v:.4g} outside 0-1")
    for k in _NON_NEGATIVE:
        v = values.get(k, math.nan)
        if v == v and v < -1e-9:
            bad.append(f"{k} = {v:.4g} is negative")
    return "; ".join(bad)
