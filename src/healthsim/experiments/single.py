"""Run one simulation: the function every front end and ensemble calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthsim._version import __version__
from healthsim.config import Scenario, load_scenario, with_overrides
from healthsim.metrics import calendar, palette
from healthsim.metrics.summary import SUMMARY, monthly_frame, summarise, trust_frame
from healthsim.model.economy import HealthEconomy

#: Plain-language names of the ladder's states and the ratings (for tables and
#: figures), from the one palette (:mod:`healthsim.metrics.palette`); a state beyond the
#: rungs ("out of administration, still inadequate") is derived from rung and rating.
RUNG_NAMES = {int(k): v.name for k, v in palette.LADDER.items()}
RATING_NAMES = {int(k): v.name for k, v in palette.RATINGS.items()}


#: significant figures of a value in the summary frame and summary.csv: far more than
#: any metric is known to, without the binary noise of a float ("0.19999999999999998")
SUMMARY_DIGITS = 10


def _sig(v):
    """``v`` to :data:`SUMMARY_DIGITS` significant figures (None, NaN, whole numbers as
    they are)."""
    if v is None or isinstance(v, bool | int) or not isinstance(v, float):
        return v
    if v != v or v in (float("inf"), float("-inf")) or v == 0:
        return v
    return float(f"{v:.{SUMMARY_DIGITS}g}")


def financial_year(month: pd.Series | np.ndarray, start_year: int) -> list[str]:
    """The NHS financial year of each run month (``"2013/14"``; month 1 is April of
    ``start_year``: :mod:`healthsim.metrics.calendar`)."""
    return calendar.financial_year(np.asarray(month), start_year)


def named_trusts(trusts: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """The trusts frame as ``trusts.csv`` has it: the financial year after the month, the
    rung and rating in words at the end (added once: a frame that has them is kept)."""
    df = trusts.copy()
    if "financial_year" not in df and "month" in df:
        df.insert(1, "financial_year", financial_year(df["month"], start_year))
    if "rung" in df and "rung_name" not in df:
        df["rung_name"] = df["rung"].map(RUNG_NAMES)
    if "rating" in df and "rating_name" not in df:
        df["rating_name"] = df["rating"].map(RATING_NAMES)
    if {"rung", "rating", "trust", "month"} <= set(df) and "state_name" not in df:
        df["state_name"] = pd.Series(palette.states_of_trusts(df), index=df.index).map(RUNG_NAMES)
    return df


@dataclass
class RunResult:
    """The outputs of one run, as tidy frames (for notebooks and reports).

    Attributes:
        scenario: the fully resolved scenario that was run.
        seed: the run's seed.
        timeseries: one row per month, model-level metrics.
        trusts: one row per trust per month, the columns of ``trusts.csv``.
        summary: the per-run metrics (a dict of floats).
        events: plain-language events, one row per event (month, trust, text).
        model: the finished model (for figures of the network); not pickled.
    """

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    trusts: pd.DataFrame
    summary: dict[str, float]
    events: pd.DataFrame
    version: str = __version__
    model: HealthEconomy | None = field(default=None, repr=False, compare=False)

    def summary_frame(self) -> pd.DataFrame:
        """The per-run metrics as a frame: ``metric``, ``value``, ``description``, as in
        ``summary.csv`` (NaN value = not defined for this run)."""
        rows = [
            {"metric": k, "value": _sig(v), "description": SUMMARY.get(k, "")}
            for k, v in self.summary.items()
        ]
        return pd.DataFrame(rows, columns=["metric", "value", "description"])

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["model"] = None
        return state


def simulate(scenario: Scenario, seed: int) -> HealthEconomy:
    """Build and run the model to the scenario's end; returns the finished model."""
    return HealthEconomy(scenario, rng=seed).run()


def events_frame(model: HealthEconomy) -> pd.DataFrame:
    """The model's event log as a frame with trust ids and labels."""
    st = model.structure
    rows = [
        {
            "month": mth,
            "trust": st.trust_ids[i],
            "label": st.trust_labels[i],
            "event": text,
        }
        for mth, i, text in model.events
    ]
    return pd.DataFrame(rows, columns=["month", "trust", "label", "event"])


def run(
    scenario: Scenario | str | Path = "baseline",
    seed: int = 13,
    *,
    years: int | None = None,
    overrides: dict[str, Any] | None = None,
    keep_model: bool = True,
) -> RunResult:
    """Run one scenario on one seed.

    Args:
        scenario: a loaded scenario, a file path, or a shipped scenario name.
        seed: the run's seed; the same scenario and seed give identical results
            (default 13, as ``healthsim run``: a seed on which the regime is seen at work).
        years: run length, replacing the scenario's.
        overrides: other values to replace, by dotted key path.
        keep_model: keep the finished model on the result (for network figures).

    Returns:
        A :class:`RunResult` with ``timeseries``, ``trusts``, ``summary`` and ``events``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    changes = dict(overrides or {})
    if years is not None:
        changes["years"] = years
    scenario = with_overrides(scenario, changes)
    model = simulate(scenario, seed)
    return RunResult(
        scenario=scenario,
        seed=seed,
        timeseries=monthly_frame(model),
        trusts=named_trusts(trust_frame(model), scenario.start_year),
        summary=summarise(model),
        events=events_frame(model),
        model=model if keep_model else None,
    )
