"""The tables of one run, as they are written to CSV (tidy, one observation a row)."""

from __future__ import annotations

import pandas as pd

from healthsim.experiments import RunResult
from healthsim.experiments.single import RATING_NAMES, RUNG_NAMES, financial_year, named_trusts
from healthsim.model.history import MONTHLY, PER_TRUST

__all__ = ["RATING_NAMES", "RUNG_NAMES", "financial_year"]

#: Columns the report adds to the recorder's metrics, with their meaning.
TIME_COLUMNS = {
    "month": "month of the run (1 = the first month)",
    "year": "year of the run (1 = the first year)",
    "financial_year": "NHS financial year (April to March) the month falls in, e.g. 2013/14 "
    "(month 1 is April of the scenario's start_year)",
}
TRUST_ID_COLUMNS = {
    "trust": "trust identifier",
    "label": "trust name shown in outputs",
    "economy": "local economy (health and social-care system) of the trust",
    "rung_name": "ladder rung in words",
    "rating_name": "latest overall rating in words",
}
EVENT_COLUMNS = {
    "month": TIME_COLUMNS["month"],
    "financial_year": TIME_COLUMNS["financial_year"],
    "trust": TRUST_ID_COLUMNS["trust"],
    "label": TRUST_ID_COLUMNS["label"],
    "event": "what happened, in words",
}


def timeseries_table(result: RunResult) -> pd.DataFrame:
    """One row per month: time columns then every monthly metric."""
    return result.timeseries.copy()


def trusts_table(result: RunResult) -> pd.DataFrame:
    """One row per trust per month, with the financial year and rung/rating in words:
    ``result.trusts`` as it is (older pickled results get the columns added)."""
    return named_trusts(result.trusts, result.scenario.start_year)


def summary_table(result: RunResult) -> pd.DataFrame:
    """The per-run metrics: ``metric``, ``value``, ``description`` (empty value = not
    defined for this run, e.g. no special-measures spell ended)."""
    return result.summary_frame()


def events_table(result: RunResult) -> pd.DataFrame:
    """The plain-language event log with the financial year of each event."""
    df = result.events.copy()
    df.insert(1, "financial_year", financial_year(df["month"], result.scenario.start_year))
    return df


def column_descriptions(table: str) -> dict[str, str]:
    """Meaning of every column of a written table (``timeseries``, ``trusts``,
    ``summary`` or ``events``), for the run report."""
    if table == "timeseries":
        return {**TIME_COLUMNS, **MONTHLY}
    if table == "trusts":
        ids = {k: v for k, v in TRUST_ID_COLUMNS.items() if not k.endswith("_name")}
        names = {k: v for k, v in TRUST_ID_COLUMNS.items() if k.endswith("_name")}
        time = {k: TIME_COLUMNS[k] for k in ("month", "financial_year")}
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
