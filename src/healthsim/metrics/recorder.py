"""Monthly metrics recorded into arrays allocated once per run.

The model writes one row a month of per-trust values and a few model-level counts;
the model-level metrics are derived from them in one pass when read, so nothing on the
hot path allocates or reduces. A thin
:class:`ArrayDataCollector` presents the same numbers the way Mesa's tools
(``mesa.batch_run``, SolaraViz) read a ``DataCollector``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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

    def __getstate__(self) -> dict:
        """Pickle (and copy) the blocks; ``per_trust`` and ``scalars`` are rebuilt as
        their views (pickling views would make separate copies)."""
        return {
            "months": self.months,
            "n_rows": self.n_rows,
            "trust_block": self.trust_block,
            "scalar_block": self.scalar_block,
        }

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._cache = None
        self._bind()

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
    """Compute every :data:`MONTHLY` metric for the first ``n`` months at once
    (compiled: :func:`_derive`; ``tests/test_recorder.py`` checks it against numpy)."""
    out = np.zeros((len(MONTHLY), n))
    _derive(rec.trust_block, rec.scalar_block, n, out)
    return dict(zip(MONTHLY, out, strict=True))


def _at(names, name: str) -> int:
    return list(names).index(name)


# where each input is (compile-time constants of the compiled pass below)
_QUALITY, _RUNG, _RATING = (
    _at(PER_TRUST, "quality"),
    _at(PER_TRUST, "rung"),
    _at(PER_TRUST, "rating"),
)
_HARM, _HIDDEN = _at(PER_TRUST, "harm"), _at(PER_TRUST, "harm_hidden")
_SURPLUS, _INCOME = _at(PER_TRUST, "surplus"), _at(PER_TRUST, "income")
_SURPLUS_12M, _INCOME_12M = _at(PER_TRUST, "surplus_12m"), _at(PER_TRUST, "income_12m")
_UNSUSTAINABLE = _at(PER_TRUST, "financially_unsustainable")
_STAFFING, _LEAVERS, _STAFF = (_at(PER_TRUST, k) for k in ("staffing", "leavers", "staff"))
_OCCUPANCY, _DD = _at(PER_TRUST, "occupancy"), _at(PER_TRUST, "delayed_discharge_beds")
_FEAR, _OPENNESS, _MORALE = (_at(PER_TRUST, k) for k in ("fear", "openness", "morale"))
_CAPABILITY, _CLARITY = _at(PER_TRUST, "capability"), _at(PER_TRUST, "clarity")
_BUDDY_OF, _TRULY = _at(PER_TRUST, "buddy_of"), _at(PER_TRUST, "truly_failing")
#: (output row, scalar row) of the model-level metrics recorded as they are
_COPIED = np.array([(_at(MONTHLY, k), _at(SCALARS, k)) for k in SCALARS], dtype=np.int64)
(
    _M_QMEAN,
    _M_QP10,
    _M_HARM,
    _M_REPORTED,
    _M_HIDDEN,
    _M_REPORTING,
    _M_OUTSTANDING,
    _M_GOOD,
    _M_RI,
    _M_INADEQUATE,
    _M_UNRATED,
    _M_NONE,
    _M_ADVICE,
    _M_WARNING,
    _M_SM,
    _M_ADMIN,
    _M_TRULY,
    _M_FALSE_NEG,
    _M_DEFICIT,
    _M_UNSUSTAINABLE,
    _M_SURPLUS,
    _M_INCOME,
    _M_MARGIN,
    _M_MORALE,
    _M_OPENNESS,
    _M_FEAR,
    _M_TURNOVER,
    _M_STAFFING,
    _M_OCCUPANCY,
    _M_DD,
    _M_CAPABILITY,
    _M_CLARITY,
    _M_BUDDIES,
) = (
    _at(MONTHLY, k)
    for k in (
        "quality_mean",
        "quality_p10",
        "harm",
        "harm_reported",
        "harm_hidden",
        "reporting_rate",
        "rated_outstanding",
        "rated_good",
        "rated_requires_improvement",
        "rated_inadequate",
        "unrated",
        "rung_none",
        "rung_advice",
        "rung_warning",
        "in_special_measures",
        "in_administration",
        "truly_failing",
        "false_negative_trusts",
        "in_deficit",
        "financially_unsustainable",
        "surplus",
        "income",
        "margin_12m",
        "morale",
        "openness",
        "fear",
        "turnover",
        "staffing",
        "occupancy",
        "delayed_discharge_beds",
        "capability",
        "clarity",
        "buddy_links",
    )
)


@njit(cache=True)
def _derive(block, scalars, n, out):  # pragma: no cover - compiled; tested against numpy
    """Every MONTHLY metric of months 0..n-1 into ``out`` (metric, month): counts, sums
    and means over trusts, the lower decile of quality (numpy's linear percentile), the
    ratios (0 where undefined) and the model-level quantities recorded as they are."""
    trusts = block.shape[2]
    row = np.empty(trusts)
    ratings = np.zeros(5)  # unrated, inadequate, requires improvement, good, outstanding
    rungs = np.zeros(5)
    for r in range(n):
        for k in range(_COPIED.shape[0]):
            out[_COPIED[k, 0], r] = scalars[_COPIED[k, 1], r]
        qsum = harm = hidden = surplus = income = s12 = i12 = 0.0
        morale = openness = fear = leavers = staff = 0.0
        staffing = occupancy = dd = capability = clarity = truly = unsustainable = 0.0
        ratings[:] = 0.0
        rungs[:] = 0.0
        false_neg = deficit = buddies = 0.0
        for i in range(trusts):
            q = block[_QUALITY, r, i]
            row[i] = q
            qsum += q
            harm += block[_HARM, r, i]
            hidden += block[_HIDDEN, r, i]
            surplus += block[_SURPLUS, r, i]
            income += block[_INCOME, r, i]
            s12 += block[_SURPLUS_12M, r, i]
            i12 += block[_INCOME_12M, r, i]
            unsustainable += block[_UNSUSTAINABLE, r, i]
            morale += block[_MORALE, r, i]
            openness += block[_OPENNESS, r, i]
            fear += block[_FEAR, r, i]
            leavers += block[_LEAVERS, r, i]
            staff += block[_STAFF, r, i]
            staffing += block[_STAFFING, r, i]
            occupancy += block[_OCCUPANCY, r, i]
            dd += block[_DD, r, i]
            capability += block[_CAPABILITY, r, i]
            clarity += block[_CLARITY, r, i]
            t = block[_TRULY, r, i]
            truly += t
            rating = block[_RATING, r, i]
            if rating < 0:
                ratings[0] += 1
            elif rating <= 3:
                ratings[int(rating) + 1] += 1
            rung = block[_RUNG, r, i]
            if 0 <= rung <= 4:
                rungs[int(rung)] += 1
            if t > 0 and not rung >= 3:
                false_neg += 1
            if block[_SURPLUS_12M, r, i] < 0:
                deficit += 1
            if block[_BUDDY_OF, r, i] >= 0:
                buddies += 1
        out[_M_QMEAN, r] = qsum / trusts
        row.sort()
        virtual = (trusts - 1) * 0.1
        if virtual >= trusts - 1:
            p10 = row[trusts - 1]
        else:
            lo = int(np.floor(virtual))
            gamma = virtual - lo
            a, b = row[lo], row[lo + 1]
            diff = b - a
            p10 = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
        out[_M_QP10, r] = p10
        out[_M_HARM, r] = harm
        out[_M_REPORTED, r] = harm - hidden
        out[_M_HIDDEN, r] = hidden
        out[_M_REPORTING, r] = (harm - hidden) / harm if harm > 0 else 0.0
        out[_M_UNRATED, r] = ratings[0]
        out[_M_INADEQUATE, r] = ratings[1]
        out[_M_RI, r] = ratings[2]
        out[_M_GOOD, r] = ratings[3]
        out[_M_OUTSTANDING, r] = ratings[4]
        out[_M_NONE, r] = rungs[0]
        out[_M_ADVICE, r] = rungs[1]
        out[_M_WARNING, r] = rungs[2]
        out[_M_SM, r] = rungs[3] + rungs[4]
        out[_M_ADMIN, r] = rungs[4]
        out[_M_TRULY, r] = truly
        out[_M_FALSE_NEG, r] = false_neg
        out[_M_DEFICIT, r] = deficit
        out[_M_UNSUSTAINABLE, r] = unsustainable
        out[_M_SURPLUS, r] = surplus
        out[_M_INCOME, r] = income
        out[_M_MARGIN, r] = s12 / i12 if i12 != 0 else 0.0
        out[_M_MORALE, r] = morale / trusts
        out[_M_OPENNESS, r] = openness / trusts
        out[_M_FEAR, r] = fear / trusts
        out[_M_TURNOVER, r] = leavers / staff if staff > 0 else 0.0
        out[_M_STAFFING, r] = staffing / trusts
        out[_M_OCCUPANCY, r] = occupancy / trusts
        out[_M_DD, r] = dd
        out[_M_CAPABILITY, r] = capability / trusts
        out[_M_CLARITY, r] = clarity / trusts
        out[_M_BUDDIES, r] = buddies


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
