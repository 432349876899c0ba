"""Run one simulation: the function every front end and ensemble calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from healthsim._version import __version__
from healthsim.config import Scenario, load_scenario, with_overrides
from healthsim.metrics.summary import monthly_frame, summarise, trust_frame
from healthsim.model.economy import HealthEconomy


@dataclass
class RunResult:
    """The outputs of one run, as tidy frames (for notebooks and reports).

    Attributes:
        scenario: the fully resolved scenario that was run.
        seed: the run's seed.
        timeseries: one row per month, model-level metrics.
        trusts: one row per trust per month.
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
        trusts=trust_frame(model),
        summary=summarise(model),
        events=events_frame(model),
        model=model if keep_model else None,
    )
