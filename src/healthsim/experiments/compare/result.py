"""The result of a comparison: its runs and the statistics computed from them, as plain
frames and arrays (``healthsim.reports`` turns them into words, figures and files)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from healthsim.experiments import breakdown as bd
from healthsim.experiments import stats as st
from healthsim.experiments.compare.spec import ComparisonSpec
from healthsim.experiments.ensemble import Progress
from healthsim.experiments.outcomes import (
    known_metrics,
    outcome,
    series_info,
)
from healthsim.experiments.tasks import Record
from healthsim.metrics.calendar import financial_year

LEVEL = 0.95


class ComparisonResult:
    """The runs of a comparison and everything computed from them.

    Statistics use the *complete* replicates: those whose runs succeeded for every
    scenario, so every comparison is paired on the same seeds. Failed runs are listed
    in :attr:`failed` with their seed and error.

    Attributes:
        spec: the comparison.
        records: every stored run, sorted by (scenario, replicate).
        progress: counts of runs reused from the store and computed now.
    """

    def __init__(
        self, spec: ComparisonSpec, records: list[Record], progress: Progress | None = None
    ) -> None:
        self.spec = spec
        ordered = sorted(records, key=lambda r: r.key)
        #: the comparison's own runs (replicate i: seed i, parameter set i)
        self.records = [r for r in ordered if r.point == 0]
        #: the reruns of the first parameter sets on new seeds (the variance split)
        self.luck_records = [r for r in ordered if r.point == 1]
        self.progress = progress

    def __repr__(self) -> str:
        return (
            f"<ComparisonResult {self.spec.name}: {len(self.spec.scenarios)} scenarios x "
            f"{self.spec.reps} replicates, {len(self.complete_replicates)} complete>"
        )

    # ---------------------------------------------------------------- runs
    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: scenario, replicate, seed, status, error, then every metric."""
        names = self.spec.names
        rows = [
            {
                "scenario": names[r.scenario],
                "replicate": r.replicate,
                "seed": r.seed,
                "status": r.status,
                "error": r.error,
                **r.values,
            }
            for r in self.records
        ]
        cols = ["scenario", "replicate", "seed", "status", "error"]
        if not rows:
            return pd.DataFrame(columns=cols + known_metrics())
        df = pd.DataFrame(rows)
        return df[cols + [m for m in self.metrics if m in df.columns]]

    @cached_property
    def failed(self) -> pd.DataFrame:
        """Failed runs: scenario, replicate, seed and the error."""
        names = self.spec.names
        rows = [
            {
                "scenario": names[r.scenario],
                "replicate": r.replicate,
                "seed": r.seed,
                "error": r.error,
            }
            for r in self.records
            if not r.ok
        ]
        return pd.DataFrame(rows, columns=["scenario", "replicate", "seed", "error"])

    @cached_property
    def missing(self) -> int:
        """Runs asked for but not in the results (an interrupted comparison)."""
        asked = (self.spec.reps + self.spec.luck_reps) * len(self.spec.scenarios)
        return asked - len(self.records) - len(self.luck_records)

    @cached_property
    def complete_replicates(self) -> np.ndarray:
        """Replicates whose runs succeeded for every scenario (sorted)."""
        ok: dict[int, int] = {}
        for r in self.records:
            if r.ok:
                ok[r.replicate] = ok.get(r.replicate, 0) + 1
        n = len(self.spec.scenarios)
        return np.array(sorted(k for k, v in ok.items() if v == n), dtype=int)

    @cached_property
    def _values(self) -> dict[str, np.ndarray]:
        """metric -> (complete replicates, scenarios) array."""
        reps = self.complete_replicates
        pos = {int(r): i for i, r in enumerate(reps)}
        n_s = len(self.spec.scenarios)
        names = sorted({k for r in self.records if r.ok for k in r.values})
        order = [m for m in known_metrics() if m in names] + [
            m for m in names if m not in known_metrics()
        ]
        out = {m: np.full((len(reps), n_s), np.nan) for m in order}
        for r in self.records:
            i = pos.get(r.replicate)
            if i is None or not r.ok:
                continue
            for m, v in r.values.items():
                out[m][i, r.scenario] = np.nan if v is None else v
        return out

    def values(self, metric: str) -> np.ndarray:
        """A per-run metric over the complete replicates: (replicates, scenarios)."""
        return self._values[metric]

    @property
    def metrics(self) -> list[str]:
        """Every per-run metric available."""
        return list(self._values)

    def series(self, metric: str) -> np.ndarray:
        """A monthly metric over the complete replicates: (replicates, scenarios, months),
        as shown (scaled; running totals for cumulative metrics)."""
        k = self.spec.series.index(metric)
        info = series_info(metric)
        reps = self.complete_replicates
        pos = {int(r): i for i, r in enumerate(reps)}
        out = np.full((len(reps), len(self.spec.scenarios), self.spec.months), np.nan)
        for r in self.records:
            i = pos.get(r.replicate)
            if i is None or not r.ok or r.series is None:
                continue
            row = r.series[k].astype(float) * info.scale
            out[i, r.scenario, : row.size] = np.cumsum(row) if info.cumulative else row
        return out

    # ---------------------------------------------------------------- statistics
    @cached_property
    def stats(self) -> pd.DataFrame:
        """Per scenario and metric: mean with 95% interval, spread and worst decile."""
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            for s, name in enumerate(self.spec.names):
                rows.append(
                    {
                        "scenario": name,
                        "metric": m,
                        "label": o.label,
                        "unit": o.unit,
                        "better": o.better,
                        **st.describe(x[:, s], o.better, LEVEL, o.bounds),
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def differences(self) -> pd.DataFrame:
        """Paired differences of each scenario from the baseline (scenario - baseline)."""
        b = self.spec.baseline
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            for s, name in enumerate(self.spec.names):
                if s == b:
                    continue
                d = st.paired_difference(x[:, s], x[:, b], o.better, LEVEL)
                rows.append(
                    {
                        "scenario": name,
                        "baseline": self.spec.baseline_name,
                        "metric": m,
                        "label": o.label,
                        "unit": o.unit,
                        "better": o.better,
                        "baseline_mean": _nanmean(x[:, b]),
                        "scenario_mean": _nanmean(x[:, s]),
                        **d,
                    }
                )
        return pd.DataFrame(rows)

    def versus(self, reference: str, metric: str) -> pd.DataFrame:
        """Paired differences of every other scenario from ``reference`` in ``metric``
        (as :attr:`differences`, whatever the baseline)."""
        x = self.values(metric)
        o = outcome(metric)
        r = self.spec.names.index(reference)
        rows = []
        for s, name in enumerate(self.spec.names):
            if s == r:
                continue
            d = st.paired_difference(x[:, s], x[:, r], o.better, LEVEL)
            rows.append(
                {
                    "scenario": name,
                    "reference": reference,
                    "metric": metric,
                    "baseline_mean": _nanmean(x[:, r]),
                    "scenario_mean": _nanmean(x[:, s]),
                    **d,
                }
            )
        return pd.DataFrame(rows)

    @cached_property
    def _luck_values(self) -> dict[str, np.ndarray]:
        """metric -> (luck replicates, scenarios): the first parameter sets rerun on new
        seeds (NaN where a run failed or is missing)."""
        n_s = len(self.spec.scenarios)
        m = self.spec.luck_reps
        out: dict[str, np.ndarray] = {}
        for r in self.luck_records:
            if not r.ok:
                continue
            for k, v in r.values.items():
                a = out.setdefault(k, np.full((m, n_s), np.nan))
                a[r.replicate, r.scenario] = np.nan if v is None else v
        return out

    @cached_property
    def uncertainty(self) -> pd.DataFrame:
        """Per scenario (against the baseline) and metric: how much of the spread of the
        paired difference over futures is luck and how much is what we don't know about
        the parameters, and the range of futures (5th to 95th percentile).

        Each of the first ``spec.luck_reps`` parameter sets is run on a second seed; the
        luck variance is half the mean squared difference between the two runs' paired
        differences, the parameters' share the rest of the total variance (0 when the
        parameters are fixed)."""
        b = self.spec.baseline
        reps = self.complete_replicates
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            lv = self._luck_values.get(m)
            for s, name in enumerate(self.spec.names):
                if s == b:
                    continue
                d = x[:, s] - x[:, b]
                ok = np.isfinite(d)
                total = float(np.var(d[ok], ddof=1)) if ok.sum() > 1 else float("nan")
                luck = float("nan")
                if self.spec.luck_reps == 0:
                    luck = total
                elif lv is not None:
                    first = {int(r): i for i, r in enumerate(reps) if r < self.spec.luck_reps}
                    pairs = [(d[i], lv[j, s] - lv[j, b]) for j, i in first.items() if j < len(lv)]
                    pairs = [(u, v) for u, v in pairs if np.isfinite(u) and np.isfinite(v)]
                    if len(pairs) >= 2:
                        a1, a2 = np.array(pairs).T
                        luck = float(np.mean((a1 - a2) ** 2) / 2)
                share = (
                    float(min(1.0, max(0.0, 1 - luck / total)))
                    if np.isfinite(luck) and total > 0
                    else float("nan")
                )
                lo, hi = np.percentile(d[ok], [5, 95]) if ok.any() else (np.nan, np.nan)
                rows.append(
                    {
                        "scenario": name,
                        "baseline": self.spec.baseline_name,
                        "metric": m,
                        "label": o.label,
                        "better": o.better,
                        "variance": total,
                        "luck_variance": luck,
                        "parameter_share": share,
                        "futures_low": float(lo),
                        "futures_high": float(hi),
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def parameter_values(self) -> pd.DataFrame:
        """The parameter values of each complete replicate (one column per varied
        parameter; empty when the parameters are fixed)."""
        sets = self.spec.parameters
        reps = self.complete_replicates
        if sets is None or not sets.keys:
            return pd.DataFrame(index=reps)
        return pd.DataFrame(sets.values[reps], index=reps, columns=list(sets.keys))

    def drivers(self, metric: str, scenario: str, top: int = 3) -> pd.DataFrame:
        """Which varied parameters the difference ``scenario - baseline`` in ``metric``
        depends on most: Spearman rank correlation of each parameter with the paired
        difference over futures, and the share of futures in which the scenario does
        better among those in the lower and upper quarter of the parameter's values
        (what one would have to believe for the ranking to flip)."""
        pv = self.parameter_values
        cols = [
            "parameter",
            "correlation",
            "low_value",
            "high_value",
            "better_when_low",
            "better_when_high",
        ]
        if pv.empty or pv.shape[1] == 0:
            return pd.DataFrame(columns=cols)
        x = self.values(metric)
        s = self.spec.names.index(scenario)
        d = x[:, s] - x[:, self.spec.baseline]
        sign = {"lower": -1, "higher": 1}.get(outcome(metric).better, 0)
        ok = np.isfinite(d)
        rows = []
        rank_d = pd.Series(d[ok]).rank().to_numpy()
        for k in pv.columns:
            v = pv[k].to_numpy()[ok]
            if np.ptp(v) == 0:
                continue
            r = float(np.corrcoef(pd.Series(v).rank().to_numpy(), rank_d)[0, 1])
            q1, q3 = np.quantile(v, [0.25, 0.75])
            low, high = v <= q1, v >= q3
            better = sign * d[ok] > 0 if sign else np.zeros(ok.sum(), bool)
            rows.append(
                {
                    "parameter": k,
                    "correlation": r,
                    "low_value": float(q1),
                    "high_value": float(q3),
                    "better_when_low": float(better[low].mean()) if low.any() else np.nan,
                    "better_when_high": float(better[high].mean()) if high.any() else np.nan,
                }
            )
        df = pd.DataFrame(rows, columns=cols)
        if df.empty:
            return df
        return df.reindex(df.correlation.abs().sort_values(ascending=False).index).head(top)

    @cached_property
    def probability_best(self) -> pd.DataFrame:
        """Per metric with a direction: how often each scenario is best (see
        :func:`~healthsim.experiments.stats.probability_best`)."""
        rows = []
        for m, x in self._values.items():
            o = outcome(m)
            if o.better == "neither":
                continue
            p = st.probability_best(x, o.better, seed=self.spec.seed)
            for s, name in enumerate(self.spec.names):
                rows.append(
                    {
                        "scenario": name,
                        "metric": m,
                        "label": o.label,
                        "better": o.better,
                        "p_best_run": float(p["p_best_run"][s]),
                        "p_tie": float(p["p_tie"][s]),
                        "p_best_mean": float(p["p_best_mean"][s]),
                    }
                )
        return pd.DataFrame(rows)

    @cached_property
    def breakdown(self) -> pd.DataFrame:
        """Each scenario's difference from the baseline by mechanism (see
        :mod:`~healthsim.experiments.breakdown`): where the harm difference happened,
        where the money difference came from, and the mechanism channels."""
        diffs = self.differences
        rows = []
        for name in self.spec.names:
            if name == self.spec.baseline_name:
                continue
            d = diffs[diffs["scenario"] == name].set_index("metric")
            parts = [
                ("harm: where it happened", "harm_total", bd.HARM_WHERE, 1),
                ("harm: reported or hidden", "harm_total", bd.HARM_KIND, 1),
            ]
            for part, total, comps, _ in parts:
                tot = float(d.at[total, "diff"]) if total in d.index else np.nan
                for c in comps:
                    if c in d.index:
                        rows.append(_breakdown_row(name, part, c, d.loc[c], 1, tot))
            rows.extend(self._composition_rows(name, d))
            tot = float(d.at["net_position", "diff"]) if "net_position" in d.index else np.nan
            for c, sign in bd.MONEY:
                if c in d.index:
                    rows.append(_breakdown_row(name, "money: net position", c, d.loc[c], sign, tot))
            for ch in bd.CHANNELS:
                for c in ch.metrics:
                    if c in d.index:
                        rows.append(
                            _breakdown_row(name, f"channel: {ch.title}", c, d.loc[c], 1, np.nan)
                        )
        cols = [
            "scenario",
            "baseline",
            "part",
            "metric",
            "label",
            "unit",
            "better",
            "sign",
            "baseline_mean",
            "scenario_mean",
            "diff",
            "ci_low",
            "ci_high",
            "contribution",
            "share_of_total",
            "verdict",
        ]
        return pd.DataFrame(rows, columns=cols)

    def _composition_rows(self, name: str, d: pd.DataFrame) -> list[dict[str, Any]]:
        """The harm difference split into where trusts spent their months and how much
        harm a trust-month in each state did (see :func:`breakdown.composition_and_rate`),
        state by state and in all."""
        if not all(m in self._values for m in (*bd.HARM_WHERE, *bd.MONTHS_WHERE)):
            return []
        s, b = self.spec.names.index(name), self.spec.baseline
        harm = np.stack([self._values[m] for m in bd.HARM_WHERE], axis=-1)  # (R, S, K)
        months = np.stack([self._values[m] for m in bd.MONTHS_WHERE], axis=-1)
        mb, hb, ms, hs = months[:, b], harm[:, b], months[:, s], harm[:, s]
        comp, rate = bd.composition_and_rate_by_state(mb, hb, ms, hs)
        total = float(d.at["harm_total", "diff"]) if "harm_total" in d.index else np.nan

        def row(part, metric, unit, x, base_mean, scen_mean) -> dict[str, Any]:
            mean, lo, hi, _n = st.mean_interval(x, LEVEL)
            o = outcome(metric)
            verdict = 0
            if np.isfinite(lo) and (lo > 0 or hi < 0):
                verdict = 1 if hi < 0 else -1  # lower harm is better
            return {
                "scenario": name,
                "baseline": self.spec.baseline_name,
                "part": part,
                "metric": metric,
                "label": o.label,
                "unit": unit or o.unit,
                "better": o.better,
                "sign": 1,
                "baseline_mean": base_mean,
                "scenario_mean": scen_mean,
                "diff": mean,
                "ci_low": lo,
                "ci_high": hi,
                "contribution": mean,
                "share_of_total": mean / total if total else np.nan,
                "verdict": verdict,
            }

        rows = []
        # each state: trust-months a future on each side, and harm per trust-month
        # pooled over futures
        for k, metric in enumerate(bd.HARM_WHERE):
            with np.errstate(invalid="ignore", divide="ignore"):
                per_b = float(np.nansum(hb[:, k]) / np.nansum(mb[:, k]))
                per_s = float(np.nansum(hs[:, k]) / np.nansum(ms[:, k]))
            mean_b, mean_s = float(np.nanmean(mb[:, k])), float(np.nanmean(ms[:, k]))
            rows.append(row(bd.TIME_PART, metric, "trust-months", comp[:, k], mean_b, mean_s))
            rows.append(
                row(bd.RATE_PART, metric, "harm events a trust-month", rate[:, k], per_b, per_s)
            )
        part = "harm: composition or rate"
        for metric, x in (("harm_from_composition", comp), ("harm_from_rates", rate)):
            rows.append(row(part, metric, "", x.sum(axis=-1), np.nan, np.nan))
        return rows

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Fan-chart bands: per scenario, monthly metric and month, the 5th, 25th, 50th,
        75th and 95th percentiles across replicates and the mean (as shown: scaled,
        running totals for cumulative metrics)."""
        frames = []
        months = np.arange(1, self.spec.months + 1)
        for m in self.spec.series:
            x = self.series(m)
            for s, name in enumerate(self.spec.names):
                b = st.percentile_bands(x[:, s, :])
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": name,
                            "metric": m,
                            "month": months,
                            "financial_year": financial_year(months, self.spec.start_year),
                            **b,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @cached_property
    def difference_bands(self) -> pd.DataFrame:
        """Like :attr:`bands`, for the paired difference from the baseline, run by run."""
        frames = []
        months = np.arange(1, self.spec.months + 1)
        b = self.spec.baseline
        for m in self.spec.series:
            x = self.series(m)
            for s, name in enumerate(self.spec.names):
                if s == b:
                    continue
                bands = st.percentile_bands(x[:, s, :] - x[:, b, :])
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": name,
                            "baseline": self.spec.baseline_name,
                            "metric": m,
                            "month": months,
                            "financial_year": financial_year(months, self.spec.start_year),
                            **bands,
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def runs_long(self) -> pd.DataFrame:
        """:attr:`runs` in long form: scenario, replicate, seed, metric, value (ok runs)."""
        ok = self.runs[self.runs["status"] == "ok"]
        return ok.drop(columns=["status", "error"]).melt(
            id_vars=["scenario", "replicate", "seed"], var_name="metric", value_name="value"
        )


def _nanmean(x: np.ndarray) -> float:
    """Mean of the finite values; NaN (quietly) when there are none."""
    v = x[np.isfinite(x)]
    return float(v.mean()) if v.size else float("nan")


def _breakdown_row(
    name: str, part: str, metric: str, d: pd.Series, sign: int, total: float
) -> dict[str, Any]:
    contribution = sign * float(d["diff"])
    share = contribution / total if total and np.isfinite(total) and total != 0 else np.nan
    return {
        "scenario": name,
        "baseline": d["baseline"],
        "part": part,
        "metric": metric,
        "label": d["label"],
        "unit": d["unit"],
        "better": d["better"],
        "sign": sign,
        "baseline_mean": d["baseline_mean"],
        "scenario_mean": d["scenario_mean"],
        "diff": float(d["diff"]),
        "ci_low": float(d["ci_low"]),
        "ci_high": float(d["ci_high"]),
        "contribution": contribution,
        "share_of_total": share,
        "verdict": int(d["verdict"]),
    }
