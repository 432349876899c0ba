"""The tables of one run, as they are written to CSV (tidy, one observation a row)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthsim.experiments import RunResult
from healthsim.metrics.summary import SUMMARY
from healthsim.model.history import MONTHLY, PER_TRUST
from healthsim.reports import palette

#: Plain-language names of the ladder states and ratings (for tables and figures), from
#: :mod:`healthsim.reports.palette`.
RUNG_NAMES = {int(k): v.name for k, v in palette.LADDER.items()}
RATING_NAMES = {int(k): v.name for k, v in palette.RATINGS.items()}

#: Columns the report adds to the recorder's metrics, with their meaning.
TIME_COLUMNS = {
    "month": "month of the run (1 = the first month)",
    "year": "year of the run (1 = the first year)",
    "calendar_year": "calendar year the month falls in (scenario start_year + year - 1)",
}
TRUST_ID_COLUMNS = {
    "trust": "trust identifier",
    "label": "trust name shown in outputs",
    "economy": "local economy (health and social-care system) of the trust",
    "rung_name": "ladder rung in words",
    "rating_name": "latest overall rating in words",
    "state_name": "state shown in the figures and the app: the rung, or 'out of "
    "administration, still inadequate' (see healthsim.reports.palette)",
}
EVENT_COLUMNS = {
    "month": TIME_COLUMNS["month"],
    "calendar_year": TIME_COLUMNS["calendar_year"],
    "trust": TRUST_ID_COLUMNS["trust"],
    "label": TRUST_ID_COLUMNS["label"],
    "event": "what happened, in words",
}


def calendar_year(month: pd.Series | np.ndarray, start_year: int) -> np.ndarray:
    """Calendar year of each run month (month 1 falls in ``start_year``)."""
    return start_year + (np.asarray(month, dtype=int) - 1) // 12


def timeseries_table(result: RunResult) -> pd.DataFrame:
    """One row per month: time columns then every monthly metric."""
    return result.timeseries.copy()


def trusts_table(result: RunResult) -> pd.DataFrame:
    """One row per trust per month, with the calendar year and rung/rating in words."""
    df = result.trusts.copy()
    df.insert(1, "calendar_year", calendar_year(df["month"], result.scenario.start_year))
    if "rung" in df:
        df["rung_name"] = df["rung"].map(RUNG_NAMES)
    if "rating" in df:
        df["rating_name"] = df["rating"].map(RATING_NAMES)
    if {"rung", "rating"} <= set(df):
        df["state_name"] = pd.Series(palette.states_of_trusts(df), index=df.index).map(RUNG_NAMES)
    return df


def summary_table(result: RunResult) -> pd.DataFrame:
    """The per-run metrics: ``metric``, ``value``, ``description`` (empty value = not
    defined for this run, e.g. no special-measures spell ended)."""
    rows = [
        {"metric": k, "value": _sig(v), "description": SUMMARY.get(k, "")}
        for k, v in result.summary.items()
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "description"])


#: significant figures of a value in summary.csv: far more than any metric is known
#: to, without the binary noise of a float ("0.19999999999999998" is 0.2)
SUMMARY_DIGITS = 10


def _sig(v):
    """``v`` to :data:`SUMMARY_DIGITS` significant figures (None and NaN as they are)."""
    if v is None or isinstance(v, bool | int) or not isinstance(v, float):
        return v
    if v != v or v in (float("inf"), float("-inf")) or v == 0:
        return v
    return float(f"{v:.{SUMMARY_DIGITS}g}")


def events_table(result: RunResult) -> pd.DataFrame:
    """The plain-language event log with the calendar year of each event."""
    df = result.events.copy()
    df.insert(1, "calendar_year", calendar_year(df["month"], result.scenario.start_year))
    return df


def column_descriptions(table: str) -> dict[str, str]:
    """Meaning of every column of a written table (``timeseries``, ``trusts``,
    ``summary`` or ``events``), for the run report."""
    if table == "timeseries":
        return {**TIME_COLUMNS, **MONTHLY}
    if table == "trusts":
        ids = {k: v for k, v in TRUST_ID_COLUMNS.items() if not k.endswith("_name")}
        names = {k: v for k, v in TRUST_ID_COLUMNS.items() if k.endswith("_name")}
        time = {k: TIME_COLUMNS[k] for k in ("month", "calendar_year")}
        return {**time, **ids, **PER_TRUST, **names}
    if table == "summary":
        return {
            "metric": "name of the per-run metric",
            "value": "its value for this run (empty when not defined)",
            "description": "what it measures, with its unit",
        }
    if table == "events":
        return dict(EVENT_COLUMNS)
    raise KeyError(table)
