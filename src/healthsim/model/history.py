"""The model's history: monthly records kept in arrays allocated once per run.

The model writes one row a month (each trust's recorded variables, as the mechanisms
declare them, and the month's model-wide tallies); the model-level metrics are derived
from them in one pass when read, so nothing on the hot path allocates or reduces. A
thin
:class:`ArrayDataCollector` presents the same numbers the way Mesa's tools
(``mesa.batch_run``, SolaraViz) read a ``DataCollector``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from numba import njit

from healthsim.model.mechanisms import LAYOUT
from healthsim.model.variables import records, word_view

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
    "turnover": "staff leaving this month as a share of staff in post at its end (at most 1)",
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

#: Per-trust monthly trajectories (the columns of ``trusts.csv``): the variables the
#: mechanisms declare as recorded (``Var.record``), with their meaning.
PER_TRUST = {v.record: v.doc for v in LAYOUT.recorded}

#: Model-level quantities recorded directly each month (the rest are derived): the
#: mechanisms' month variables.
SCALARS = {v.name: v.doc for v in LAYOUT.of("month")}

#: The per-trust variables as Mesa agent variables: ``trust_<column of trusts.csv>``
#: (the prefix keeps them apart from the model's metrics of the same name, e.g. a
#: trust's ``harm`` and the economy's, in ``mesa.batch_run``'s rows).
AGENT_VARS = {f"trust_{k}": k for k in PER_TRUST}

#: The derived monthly metrics, as one record per month.
MONTHLY_DTYPE = np.dtype([(k, np.float64) for k in MONTHLY])


class Recorder:
    """Arrays for ``months`` rows of per-trust trajectories and model-level tallies.

    The model writes one row a month (a copy of each trust's recorded fields and the
    month's tallies); the model-level metrics of :data:`MONTHLY` are derived from them
    in one pass when asked for (:meth:`monthly`), so nothing on the hot path reduces
    over trusts.
    """

    __slots__ = ("_cache", "months", "n_rows", "tallies", "trusts", "words")

    def __init__(self, months: int, trusts: int) -> None:
        self.months = months
        self.n_rows = 0
        #: (month, trust) records of the recorded per-trust variables
        self.trusts = records(np.zeros((months, trusts), dtype=LAYOUT.history))
        #: one record per month of the mechanisms' month variables
        self.tallies = records(np.zeros(months, dtype=LAYOUT.month))
        self._bind()
        self._cache: tuple[int, dict[str, np.ndarray]] | None = None

    def __getstate__(self) -> dict:
        return {
            "months": self.months,
            "n_rows": self.n_rows,
            "trusts": self.trusts,
            "tallies": self.tallies,
        }

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._cache = None
        self._bind()

    def _bind(self) -> None:
        #: the history as words, for the compiled record of a month
        self.words = word_view(self.trusts, LAYOUT.history.itemsize // 8)

    @property
    def per_trust(self) -> dict[str, np.ndarray]:
        """Each recorded per-trust variable, (month, trust), for every planned month."""
        return {k: self.trusts[k] for k in PER_TRUST}

    @property
    def scalars(self) -> dict[str, np.ndarray]:
        return {k: self.tallies[k] for k in SCALARS}

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
        more = np.zeros((extra, self.trusts.shape[1]), dtype=LAYOUT.history)
        self.trusts = records(np.concatenate([self.trusts, more]))
        more = np.zeros(extra, dtype=LAYOUT.month)
        self.tallies = records(np.concatenate([self.tallies, more]))
        self.months += extra
        self._bind()

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
    out = records(np.zeros(n, dtype=MONTHLY_DTYPE))
    _derive(rec.trusts, n, out)
    for k in SCALARS:  # the month's tallies, recorded as they are
        out[k] = rec.tallies[k][:n]
    return {k: np.ascontiguousarray(out[k]) for k in MONTHLY}


@njit(cache=True)
def _derive(history, n, out):  # pragma: no cover - compiled; tested against numpy
    """Every MONTHLY metric derived from the per-trust history, months 0..n-1, into
    ``out``: counts, sums and means over trusts, the lower decile of quality (numpy's
    linear percentile) and the ratios (0 where undefined)."""
    trusts = history.shape[1]
    row = np.empty(trusts)
    ratings = np.zeros(5)  # unrated, inadequate, requires improvement, good, outstanding
    rungs = np.zeros(5)
    for r in range(n):
        o = out[r]
        qsum = harm = hidden = surplus = income = s12 = i12 = 0.0
        morale = openness = fear = leavers = staff = 0.0
        staffing = occupancy = dd = capability = clarity = truly = unsustainable = 0.0
        ratings[:] = 0.0
        rungs[:] = 0.0
        false_neg = deficit = buddies = 0.0
        for i in range(trusts):
            h = history[r, i]
            q = h.quality
            row[i] = q
            qsum += q
            harm += h.harm
            hidden += h.harm_hidden
            surplus += h.surplus
            income += h.income
            s12 += h.surplus_12m
            i12 += h.income_12m
            unsustainable += 1.0 if h.financially_unsustainable else 0.0
            morale += h.morale
            openness += h.openness
            fear += h.fear
            leavers += h.leavers
            staff += h.staff
            staffing += h.staffing
            occupancy += h.occupancy
            dd += h.delayed_discharge_beds
            capability += h.capability
            clarity += h.clarity
            t = 1.0 if h.truly_failing else 0.0
            truly += t
            rating = h.rating
            if rating < 0:
                ratings[0] += 1
            elif rating <= 3:
                ratings[rating + 1] += 1
            rung = h.rung
            if 0 <= rung <= 4:
                rungs[rung] += 1
            if t > 0 and not rung >= 3:
                false_neg += 1
            if h.surplus_12m < 0:
                deficit += 1
            if h.buddy_of >= 0:
                buddies += 1
        o.quality_mean = qsum / trusts
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
        o.quality_p10 = p10
        o.harm = harm
        o.harm_reported = harm - hidden
        o.harm_hidden = hidden
        o.reporting_rate = (harm - hidden) / harm if harm > 0 else 0.0
        o.unrated = ratings[0]
        o.rated_inadequate = ratings[1]
        o.rated_requires_improvement = ratings[2]
        o.rated_good = ratings[3]
        o.rated_outstanding = ratings[4]
        o.rung_none = rungs[0]
        o.rung_advice = rungs[1]
        o.rung_warning = rungs[2]
        o.in_special_measures = rungs[3] + rungs[4]
        o.in_administration = rungs[4]
        o.truly_failing = truly
        o.false_negative_trusts = false_neg
        o.in_deficit = deficit
        o.financially_unsustainable = unsustainable
        o.surplus = surplus
        o.income = income
        o.margin_12m = s12 / i12 if i12 != 0 else 0.0
        o.morale = morale / trusts
        o.openness = openness / trusts
        o.fear = fear / trusts
        # (a share: all of the staff when more left than remain at the month's end)
        o.turnover = leavers / max(staff, leavers) if leavers > 0 else 0.0
        o.staffing = staffing / trusts
        o.occupancy = occupancy / trusts
        o.delayed_discharge_beds = dd
        o.capability = capability / trusts
        o.clarity = clarity / trusts
        o.buddy_links = buddies


class ArrayDataCollector:
    """A ``mesa.DataCollector`` served from the arrays: what Mesa's tools read.

    - model variables: the monthly metrics (:data:`MONTHLY`);
    - agent variables: each trust's recorded variables (:data:`AGENT_VARS`:
      ``trust_`` and the name in :data:`PER_TRUST`), one row per Trust agent
      (``AgentID`` its ``unique_id``) and step; the same by agent type for ``Trust``
      (the other agents record nothing);
    - tables: ``events``, the plain-language event log (month, trust, event).

    As a Mesa model does, the model calls :meth:`collect` at the end of its ``__init__``:
    that keeps step 0, the state before the first month, beside the arrays; months 1..n
    are the model's own records (the recorder, which run() and the reports read, has no
    step-0 row). So ``mesa.batch_run(data_collection_period=12)`` over 24 steps gives
    steps 0, 12 and 24. ``mesa.batch_run`` reads ``_collection_steps``, ``model_vars``,
    ``_agent_records``, ``_agenttype_records`` and the reporters; SolaraViz's plots read
    ``get_model_vars_dataframe``. Nothing is copied until asked for.
    """

    model_reporters: dict = {k: k for k in MONTHLY}  # noqa: RUF012 - Mesa's interface
    agent_reporters: dict = AGENT_VARS
    #: empty: batch_run adds its rows to the agent records' (the trusts would repeat)
    _agenttype_records: dict = {}  # noqa: RUF012

    def __init__(self, recorder: Recorder) -> None:
        self._rec = recorder
        self._vars: tuple[int, dict[str, list[float]]] | None = None
        self._initial: Recorder | None = None  # step 0, kept by collect()
        self._ids: list[int] = []  # the trusts' Mesa unique_ids, in trust order
        self._trust_type: type | None = None
        self._events: list = []  # the model's event log (the same list, not a copy)
        self._trust_names: list[str] = []

    def collect(self, model) -> None:
        """At step 0 (the end of the model's ``__init__``): keep the starting state as
        step 0. Later Mesa may call this on some paths; the model has already recorded
        the month, so it does nothing."""
        if model.steps != 0 or self._initial is not None:
            return
        self._initial = model.initial_record()
        self._ids = [t.unique_id for t in model.trusts]
        self._trust_type = type(model.trusts[0]) if model.trusts else None
        self._events = model.events
        self._trust_names = list(model.structure.trust_ids)

    @property
    def agenttype_reporters(self) -> dict:
        return {self._trust_type: self.agent_reporters} if self._trust_type else {}

    @property
    def tables(self) -> dict[str, dict[str, list]]:
        names = self._trust_names
        rows = self._events
        return {
            "events": {
                "month": [m for m, _, _ in rows],
                "trust": [names[i] for _, i, _ in rows],
                "event": [text for _, _, text in rows],
            }
        }

    @property
    def _first(self) -> int:
        """The first step collected: 0 once :meth:`collect` kept the starting state."""
        return 0 if self._initial is not None else 1

    @property
    def _collection_steps(self) -> range:
        return range(self._first, self._rec.n_rows + 1)

    def _monthly(self) -> dict[str, np.ndarray]:
        """The monthly metrics of every collected step (step 0 first, when kept)."""
        n = self._rec.n_rows
        monthly = self._rec.monthly
        if self._initial is None:
            return {k: v[:n] for k, v in monthly.items()}
        first = self._initial.monthly
        return {k: np.concatenate([first[k], v[:n]]) for k, v in monthly.items()}

    def _trust_values(self, step: int) -> dict[str, np.ndarray]:
        """Each recorded per-trust variable at ``step`` (one value a trust)."""
        if step == 0 and self._initial is not None:
            return {k: v[0] for k, v in self._initial.per_trust.items()}
        return {k: v[step - 1] for k, v in self._rec.per_trust.items()}

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Monthly metrics as lists (what Mesa's tools index by step), built once per
        number of recorded months."""
        n = self._rec.n_rows
        if self._vars is None or self._vars[0] != n:
            self._vars = (n, {k: v.tolist() for k, v in self._monthly().items()})
        return self._vars[1]

    @property
    def _agent_records(self) -> _AgentRecords:
        return _AgentRecords(self)

    def get_model_vars_dataframe(self):
        import pandas as pd

        df = pd.DataFrame(self._monthly())
        df.index = pd.RangeIndex(self._first, self._rec.n_rows + 1, name="month")
        return df

    def get_agent_vars_dataframe(self):
        """Per-trust variables, indexed by (Step, AgentID) as Mesa's collector does."""
        import pandas as pd

        steps = list(self._collection_steps)
        ids = np.asarray(self._ids, dtype=np.int64)
        frames = {k: [] for k in PER_TRUST}
        for step in steps:
            for k, v in self._trust_values(step).items():
                frames[k].append(v)
        data = {
            name: np.concatenate(frames[k]) if steps else np.empty(0)
            for name, k in AGENT_VARS.items()
        }
        index = pd.MultiIndex.from_arrays(
            [np.repeat(np.asarray(steps, dtype=np.int64), len(ids)), np.tile(ids, len(steps))],
            names=["Step", "AgentID"],
        )
        return pd.DataFrame(data, index=index)

    def get_agenttype_vars_dataframe(self, agent_type):
        """The per-trust variables for ``Trust``; an empty frame (and Mesa's warning)
        for an agent type that records nothing."""
        import warnings

        import pandas as pd

        if agent_type not in self.agenttype_reporters:
            warnings.warn(
                f"No agent-type reporters have been defined for {agent_type} in the "
                "DataCollector, returning empty DataFrame.",
                UserWarning,
                stacklevel=2,
            )
            return pd.DataFrame()
        return self.get_agent_vars_dataframe()

    def get_table_dataframe(self, table_name):
        import pandas as pd

        tables = self.tables
        if table_name not in tables:
            raise Exception("No such table.")  # Mesa's own error
        return pd.DataFrame(tables[table_name])


class _AgentRecords(Mapping):
    """``DataCollector._agent_records`` as Mesa's tools read it: step -> a list of
    ``(step, agent_id, *values)``, built for the step asked for."""

    __slots__ = ("_dc",)

    def __init__(self, dc: ArrayDataCollector) -> None:
        self._dc = dc

    def __contains__(self, step: object) -> bool:
        return step in self._dc._collection_steps

    def __len__(self) -> int:
        return len(self._dc._collection_steps)

    def __iter__(self) -> Iterator[int]:
        return iter(self._dc._collection_steps)

    def __getitem__(self, step: int) -> list[tuple]:
        if step not in self:
            raise KeyError(step)
        values = self._dc._trust_values(step)
        columns = [values[k].tolist() for k in AGENT_VARS.values()]
        return [(step, uid, *row) for uid, *row in zip(self._dc._ids, *columns, strict=True)]
