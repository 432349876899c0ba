"""Monthly metrics recorded into arrays allocated once per run.

The model writes one row a month; nothing here allocates on the hot path. A thin
:class:`ArrayDataCollector` presents the same numbers the way Mesa's tools
(``mesa.batch_run``, SolaraViz) read a ``DataCollector``.
"""

from __future__ import annotations

import numpy as np

#: Model-level monthly metrics (MODEL.md §5), with their units.
MONTHLY = {
    "quality_mean": "mean true quality of trusts (0-1)",
    "quality_p10": "lower decile of trusts' mean true quality (0-1)",
    "harm": "avoidable harm events this month",
    "harm_reported": "avoidable harm events reported this month",
    "harm_hidden": "avoidable harm events not reported this month",
    "reporting_rate": "share of harm reported",
    "rated_outstanding": "trusts whose latest overall rating is outstanding",
    "rated_good": "trusts rated good",
    "rated_requires_improvement": "trusts rated requires improvement",
    "rated_inadequate": "trusts rated inadequate",
    "unrated": "trusts not yet inspected",
    "rung_none": "trusts on no rung of the ladder",
    "rung_advice": "trusts receiving advice",
    "rung_warning": "trusts under a warning or conditions",
    "in_special_measures": "trusts in special measures",
    "in_administration": "trusts in administration or merger",
    "truly_failing": "trusts whose true quality fails the breadth rule",
    "entries": "entries to special measures this month",
    "exits": "exits from special measures this month",
    "relapses": "re-entries within the relapse window this month",
    "false_positive_entries": "entries of trusts not truly failing",
    "false_negative_trusts": "truly failing trusts not in special measures",
    "political_entries": "entries a pure-quality rule would not have made",
    "inspections": "inspections this month",
    "in_deficit": "trusts with a deficit over the last 12 months",
    "financially_unsustainable": "trusts whose cash is below the unsustainable level",
    "surplus": "aggregate surplus this month, £m",
    "income": "aggregate income this month, £m",
    "margin_12m": "aggregate surplus over income, last 12 months",
    "efficiency_achieved": "mean annual cost improvement being delivered",
    "efficiency_required": "annual efficiency asked by the tariff",
    "morale": "mean staff morale (0-1)",
    "openness": "mean openness (share of harm reported)",
    "fear": "mean fear (0-1)",
    "turnover": "staff leaving this month as a share of staff",
    "staffing": "mean staff in post over establishment",
    "occupancy": "mean bed occupancy",
    "delayed_discharge_beds": "beds occupied by delayed discharges",
    "social_care_shortfall": "mean share of social-care need unmet",
    "demand_diverted": "demand moved between trusts (bed equivalents)",
    "board_replacements": "boards replaced this month",
    "capability": "mean board capability (0-1)",
    "clarity": "mean accountability clarity (0-1)",
    "buddy_links": "active buddy links",
    "regime_cost": "cost of the regime this month, £m",
    "commissioner_paid": "paid by commissioners this month, £m",
}

#: Per-trust monthly trajectories (for the trust table and the workshop views).
PER_TRUST = {
    "quality": "mean true quality (0-1)",
    "quality_worst_service": "lowest service true quality (0-1)",
    "rung": "ladder rung (0 none .. 4 administration)",
    "rating": "latest overall rating (-1 unrated .. 3 outstanding)",
    "harm": "avoidable harm events",
    "harm_hidden": "unreported avoidable harm events",
    "surplus": "surplus this month, £m",
    "cash": "cash, £m",
    "staffing": "staff in post over establishment",
    "occupancy": "bed occupancy",
    "fear": "fear (0-1)",
    "openness": "openness (0-1)",
    "morale": "morale (0-1)",
    "reputation": "reputation (0-1)",
    "capability": "board capability (0-1)",
    "clarity": "accountability clarity (0-1)",
    "support": "support received (0 none, 1 buddy, 2 consultancy, 3 central)",
    "buddy_of": "index of the buddy trust (-1 none)",
    "truly_failing": "true quality fails the breadth rule (0/1)",
}


class Recorder:
    """Arrays for ``months`` rows of model metrics and ``months x trusts`` trajectories."""

    __slots__ = ("monthly", "months", "n_rows", "per_trust")

    def __init__(self, months: int, trusts: int) -> None:
        self.months = months
        self.n_rows = 0
        self.monthly = {k: np.zeros(months) for k in MONTHLY}
        self.per_trust = {k: np.zeros((months, trusts)) for k in PER_TRUST}

    def row(self) -> int:
        """Index of the row for the month being recorded (and advance)."""
        r = self.n_rows
        if r >= self.months:
            self._grow()
        self.n_rows = r + 1
        return r

    def _grow(self) -> None:
        """Run past the planned length (e.g. Mesa tools stepping on): double the arrays."""
        extra = max(12, self.months)
        for k, v in self.monthly.items():
            self.monthly[k] = np.concatenate([v, np.zeros(extra)])
        for k, v in self.per_trust.items():
            self.per_trust[k] = np.concatenate([v, np.zeros((extra, v.shape[1]))])
        self.months += extra


class ArrayDataCollector:
    """What Mesa's tools read from ``model.datacollector``, served from the arrays.

    ``mesa.batch_run`` reads ``_collection_steps``, ``model_vars``, ``_agent_records``,
    ``_agenttype_records`` and ``agent_reporters``; SolaraViz's plots read
    ``get_model_vars_dataframe``. Nothing is copied until asked for.
    """

    agent_reporters: dict = {}  # noqa: RUF012 - read-only, Mesa's interface
    agenttype_reporters: dict = {}  # noqa: RUF012
    _agent_records: dict = {}  # noqa: RUF012
    _agenttype_records: dict = {}  # noqa: RUF012

    def __init__(self, recorder: Recorder) -> None:
        self._rec = recorder

    @property
    def _collection_steps(self) -> list[int]:
        return list(range(1, self._rec.n_rows + 1))

    @property
    def model_vars(self) -> dict[str, list[float]]:
        n = self._rec.n_rows
        return {k: v[:n].tolist() for k, v in self._rec.monthly.items()}

    def collect(self, model) -> None:
        """Mesa calls this on some paths; the model has already recorded the month."""

    def get_model_vars_dataframe(self):
        import pandas as pd

        n = self._rec.n_rows
        df = pd.DataFrame({k: v[:n] for k, v in self._rec.monthly.items()})
        df.index = pd.RangeIndex(1, n + 1, name="month")
        return df

    def get_agent_vars_dataframe(self):
        import pandas as pd

        return pd.DataFrame()
