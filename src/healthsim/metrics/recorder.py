"""Monthly metrics recorded into arrays allocated once per run.

The model writes one row a month of per-trust values and a few model-level counts;
the model-level metrics are derived from them in one pass when read, so nothing on the
hot path allocates or reduces. A thin
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
    "staffing": "mean staff in post over the establishment the activity safely needs",
    "occupancy": "mean bed occupancy",
    "delayed_discharge_beds": "beds occupied by delayed discharges",
    "social_care_shortfall": "mean share of social-care need unmet",
    "demand_diverted": "demand moved between trusts (bed equivalents)",
    "unmet_demand": "demand treated nowhere this month (bed equivalents)",
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
    "income": "income this month (contract and central payments), £m",
    "surplus_12m": "surplus over the last 12 months, £m",
    "income_12m": "income over the last 12 months, £m",
    "cash": "cash, £m",
    "financially_unsustainable": "cash below the unsustainable level (0/1)",
    "staffing": "staff in post over the establishment the activity safely needs",
    "leavers": "staff leaving this month, share of establishment",
    "staff": "staff in post, share of establishment",
    "occupancy": "bed occupancy",
    "over_capacity": "demand beyond the trust's own capacity (bed equivalents)",
    "delayed_discharge_beds": "beds occupied by delayed discharges",
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

#: Model-level quantities recorded directly each month (the rest are derived).
SCALARS = (
    "entries",
    "exits",
    "relapses",
    "false_positive_entries",
    "political_entries",
    "inspections",
    "board_replacements",
    "regime_cost",
    "commissioner_paid",
    "demand_diverted",
    "unmet_demand",
    "efficiency_achieved",
    "efficiency_required",
    "social_care_shortfall",
)


class Recorder:
    """Arrays for ``months`` rows of per-trust trajectories and model-level scalars.

    The model writes one row a month (cheap array assignments); the model-level
    metrics of :data:`MONTHLY` are derived from them in one vectorised pass when asked
    for (:meth:`monthly`), so nothing on the hot path reduces over trusts.
    """

    __slots__ = (
        "_cache",
        "months",
        "n_rows",
        "per_trust",
        "scalar_block",
        "scalars",
        "trust_block",
    )

    def __init__(self, months: int, trusts: int) -> None:
        self.months = months
        self.n_rows = 0
        #: every per-trust metric in one block (metric, month, trust), so the model
        #: writes a month's row in one compiled call (kernel.record_month);
        #: ``per_trust`` holds views of it by name
        self.trust_block = np.zeros((len(PER_TRUST), months, trusts))
        self.scalar_block = np.zeros((len(SCALARS), months))
        self._bind()
        self._cache: tuple[int, dict[str, np.ndarray]] | None = None

    def _bind(self) -> None:
        self.per_trust = {k: self.trust_block[i] for i, k in enumerate(PER_TRUST)}
        self.scalars = {k: self.scalar_block[i] for i, k in enumerate(SCALARS)}

    def row(self) -> int:
        """Index of the row for the month being recorded (and advance)."""
        r = self.n_rows
        if r >= self.months:
            self._grow()
        self.n_rows = r + 1
        return r

    def _grow(self) -> None:
        """Run past the planned length (e.g. Mesa tools stepping on): extend the arrays."""
        extra = max(12, self.months)
        tb, sb = self.trust_block, self.scalar_block
        self.trust_block = np.concatenate([tb, np.zeros((tb.shape[0], extra, tb.shape[2]))], 1)
        self.scalar_block = np.concatenate([sb, np.zeros((sb.shape[0], extra))], axis=1)
        self._bind()
        self.months += extra

    @property
    def monthly(self) -> dict[str, np.ndarray]:
        """Model-level monthly metrics (:data:`MONTHLY`) for the months recorded."""
        n = self.n_rows
        if self._cache is None or self._cache[0] != n:
            self._cache = (n, derive_monthly(self, n))
        return self._cache[1]


def derive_monthly(rec: Recorder, n: int) -> dict[str, np.ndarray]:
    """Compute every :data:`MONTHLY` metric for the first ``n`` months at once."""
    pt = {k: v[:n] for k, v in rec.per_trust.items()}
    sc = {k: v[:n] for k, v in rec.scalars.items()}
    q = pt["quality"]
    harm = pt["harm"].sum(axis=1)
    hidden = pt["harm_hidden"].sum(axis=1)
    rating = pt["rating"]
    rung = pt["rung"]
    in_sm = rung >= 3
    income_12m = pt["income_12m"].sum(axis=1)
    out = {
        "quality_mean": q.mean(axis=1),
        "quality_p10": np.percentile(q, 10, axis=1) if n else np.zeros(0),
        "harm": harm,
        "harm_reported": harm - hidden,
        "harm_hidden": hidden,
        "reporting_rate": np.divide(harm - hidden, harm, out=np.zeros(n), where=harm > 0),
        "rated_outstanding": (rating == 3).sum(axis=1),
        "rated_good": (rating == 2).sum(axis=1),
        "rated_requires_improvement": (rating == 1).sum(axis=1),
        "rated_inadequate": (rating == 0).sum(axis=1),
        "unrated": (rating < 0).sum(axis=1),
        "rung_none": (rung == 0).sum(axis=1),
        "rung_advice": (rung == 1).sum(axis=1),
        "rung_warning": (rung == 2).sum(axis=1),
        "in_special_measures": in_sm.sum(axis=1),
        "in_administration": (rung == 4).sum(axis=1),
        "truly_failing": pt["truly_failing"].sum(axis=1),
        "entries": sc["entries"],
        "exits": sc["exits"],
        "relapses": sc["relapses"],
        "false_positive_entries": sc["false_positive_entries"],
        "false_negative_trusts": ((pt["truly_failing"] > 0) & ~in_sm).sum(axis=1),
        "political_entries": sc["political_entries"],
        "inspections": sc["inspections"],
        "in_deficit": (pt["surplus_12m"] < 0).sum(axis=1),
        "financially_unsustainable": pt["financially_unsustainable"].sum(axis=1),
        "surplus": pt["surplus"].sum(axis=1),
        "income": pt["income"].sum(axis=1),
        "margin_12m": np.divide(
            pt["surplus_12m"].sum(axis=1), income_12m, out=np.zeros(n), where=income_12m != 0
        ),
        "efficiency_achieved": sc["efficiency_achieved"],
        "efficiency_required": sc["efficiency_required"],
        "morale": pt["morale"].mean(axis=1),
        "openness": pt["openness"].mean(axis=1),
        "fear": pt["fear"].mean(axis=1),
        "turnover": np.divide(
            pt["leavers"].sum(axis=1),
            pt["staff"].sum(axis=1),
            out=np.zeros(n),
            where=pt["staff"].sum(axis=1) > 0,
        ),
        "staffing": pt["staffing"].mean(axis=1),
        "occupancy": pt["occupancy"].mean(axis=1),
        "delayed_discharge_beds": pt["delayed_discharge_beds"].sum(axis=1),
        "social_care_shortfall": sc["social_care_shortfall"],
        "demand_diverted": sc["demand_diverted"],
        "unmet_demand": sc["unmet_demand"],
        "board_replacements": sc["board_replacements"],
        "capability": pt["capability"].mean(axis=1),
        "clarity": pt["clarity"].mean(axis=1),
        "buddy_links": (pt["buddy_of"] >= 0).sum(axis=1),
        "regime_cost": sc["regime_cost"],
        "commissioner_paid": sc["commissioner_paid"],
    }
    return {k: np.asarray(out[k], dtype=float) for k in MONTHLY}


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
        self._vars: tuple[int, dict[str, list[float]]] | None = None

    @property
    def _collection_steps(self) -> range:
        return range(1, self._rec.n_rows + 1)

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Monthly metrics as lists (what Mesa's tools index by step), built once per
        number of recorded months."""
        n = self._rec.n_rows
        if self._vars is None or self._vars[0] != n:
            self._vars = (n, {k: v[:n].tolist() for k, v in self._rec.monthly.items()})
        return self._vars[1]

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
