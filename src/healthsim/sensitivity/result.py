# ruff: noqa: N803 - X and Y are SALib's names for the sample and the outputs
"""What a sensitivity analysis returns: SALib's results and tidy frames, for notebooks.

:class:`SensitivityResult` holds SALib's own objects (``.salib``, a ``ProblemSpec`` with
the samples, the point means and the analysis; ``.results``, SALib's result per output)
beside tidy pandas frames (``.indices``, ``.second_order``, ``.points``, ``.noise``,
``.failures``) and the flip analysis of a contrast (``.flips``): plain data, whose
figures and report :mod:`healthsim.reports` draws and writes
(``sensitivity_analysis_figures(result)``, ``write_sensitivity(result, out)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthsim.experiments.outcomes import CATALOGUE, outcome
from healthsim.sensitivity import methods
from healthsim.sensitivity.discovery import FlipAnalysis
from healthsim.sensitivity.runner import Aggregated, Design, Execution
from healthsim.sensitivity.spec import Analysis

#: Seed noise above this share of the analysed variance makes the report warn.
NOISE_WARNING = 0.2


@dataclass
class SensitivityResult:
    """The outcome of a sensitivity analysis.

    Attributes:
        name: the analysis' name.
        design: what was run (space, method, outputs, replicates, seeds).
        analysis: the validated analysis (None for a model-function design).
        X: SALib's sample, points x parameters.
        salib: SALib's ``ProblemSpec`` (``.samples``, ``.results`` = point means,
            ``.analysis``).
        results: SALib's result (``ResultDict``) for each output.
        indices: tidy indices: ``output, factor, label, index, value, conf, low, high``.
        second_order: Sobol's second-order indices per pair (empty for other methods).
        points: one row per sample point: parameter values, then each output's mean,
            standard deviation and replicate count, and whether it was filled in.
        agg: the per-replicate values and point means as arrays.
        noise: seed noise against the parameters' effect, per output.
        failures: one row per failed run, with its parameter values.
        flips: for a contrast, where the winner changes, per output.
        execution: how the runs went (counts, where, how long).
        notes: caveats for the report (SALib's, and how failures were handled).
    """

    name: str
    design: Design
    analysis: Analysis | None
    X: np.ndarray
    salib: Any
    results: dict[str, Any]
    indices: pd.DataFrame
    second_order: pd.DataFrame
    points: pd.DataFrame
    agg: Aggregated
    noise: pd.DataFrame
    failures: pd.DataFrame
    flips: dict[str, FlipAnalysis] = field(default_factory=dict)
    execution: Execution | None = None
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ reading
    @property
    def method(self) -> str:
        return self.design.settings.name

    @property
    def ranking_index(self) -> str:
        """The index that ranks factors (``mu_star``, ``ST`` or PAWN's ``median``)."""
        return methods.RANKING[self.method]

    def output_label(self, output: str) -> str:
        if self.analysis is not None:
            return self.analysis.output_label(output)
        return outcome(output).label if output in CATALOGUE else output

    def ranking(self, output: str | None = None) -> pd.DataFrame:
        """Factors of one output, most influential first (by the ranking index)."""
        output = output or self.design.outputs[0]
        df = self.indices[
            (self.indices.output == output) & (self.indices["index"] == self.ranking_index)
        ]
        return df.sort_values("value", ascending=False).reset_index(drop=True)

    def drivers(self, output: str | None = None, k: int = 3) -> list[str]:
        """Labels of the ``k`` most influential factors that clearly matter (their
        interval lies above a tenth of the largest index)."""
        df = self.ranking(output)
        if df.empty:
            return []
        top = float(df.value.max())
        lows = df.low.fillna(df.value)
        keep = df[(lows > 0.1 * top) & (df.value > 0)] if top > 0 else df.iloc[:0]
        return list(keep.label.head(k))

    def table(self, output: str | None = None) -> pd.DataFrame:
        """A wide table of one output's indices (a row per factor, a column per index)."""
        output = output or self.design.outputs[0]
        df = self.indices[self.indices.output == output]
        wide = df.pivot_table(index="label", columns="index", values="value", sort=False)
        conf = df.pivot_table(index="label", columns="index", values="conf", sort=False)
        for col in conf.columns:
            if conf[col].notna().any():
                wide[f"{col}_conf"] = conf[col]
        rank = self.ranking_index
        return wide.sort_values(rank, ascending=False) if rank in wide else wide

    def replicate_frame(self) -> pd.DataFrame:
        """Every replicate's value (a contrast's paired difference), long format."""
        per = self.agg.per_replicate
        p, r, o = np.meshgrid(
            np.arange(per.shape[0]), np.arange(per.shape[1]), np.arange(per.shape[2]), indexing="ij"
        )
        seeds = np.array(self.design.seeds)
        return pd.DataFrame(
            {
                "point": p.ravel(),
                "replicate": r.ravel(),
                "seed": seeds[r.ravel()],
                "output": np.array(self.design.outputs)[o.ravel()],
                "value": per.ravel(),
            }
        )

    def noise_warning(self, output: str) -> bool:
        row = self.noise[self.noise.output == output]
        return bool(len(row) and row.noise_share_of_means.iloc[0] > NOISE_WARNING)

    def __repr__(self) -> str:
        runs = self.execution.progress.total if self.execution else "?"
        return (
            f"SensitivityResult({self.name!r}, method={self.method}, "
            f"parameters={len(self.design.space.parameters)}, points={len(self.X)}, "
            f"runs={runs}, outputs={list(self.design.outputs)})"
        )


def points_frame(design: Design, X: np.ndarray, agg: Aggregated) -> pd.DataFrame:
    """One row per sample point: decoded parameter values and each output's summary."""
    vals = design.space.values(X)
    df = pd.DataFrame(vals, columns=design.space.names)
    df.insert(0, "point", np.arange(len(X)))
    for j, out in enumerate(design.outputs):
        df[out] = agg.mean[:, j]
        df[f"{out}_sd"] = agg.sd[:, j]
        df[f"{out}_replicates"] = agg.n[:, j]
        df[f"{out}_filled"] = agg.filled[:, j]
    return df


def failures_frame(design: Design, X: np.ndarray, failures: pd.DataFrame) -> pd.DataFrame:
    """Failed runs with the parameter values of their point."""
    if failures.empty:
        return failures.reindex(columns=[*failures.columns, *design.space.names])
    vals = design.space.values(X[failures.point.to_numpy()])
    params = pd.DataFrame(vals, columns=design.space.names, index=failures.index)
    return pd.concat([failures, params], axis=1)


def nan_to_none(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v
