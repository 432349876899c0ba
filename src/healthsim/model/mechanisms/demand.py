"""Demand, treatment, overflow diversion and occupancy (step phases 1 and 3; C8).

Each month an economy's need for care grows, each trust's beds treat a little more as
stays shorten, and demand arrives with noise. A share of it moves to neighbours, away
from a trust with a poor reputation (`reputation`); delayed discharges hold beds
(`local_system`); what a full trust cannot treat is partly diverted along the
patient-flow links, and what no trust treats is lost.

```
need_e      ← need_e × g_demand;   throughput_i ← throughput_i × g_throughput
demand_i    = base_demand_i × need_e(i) × exp(σ z_demand[t, i] − σ² / 2)        σ = demand_noise_sd
moved_i     = demand_i × min(1, reputation_demand_shift × (1 − reputation_i) + naming_informs_choice × named_i)
demand_i   ← demand_i − moved_i + Σ_j flow[j, i] × moved_j
room_i      = max(0, beds_i × max_occupancy − dd_beds_i) × throughput_i
treated_i   = min(demand_i, room_i);   over_i = demand_i − treated_i          (recorded: over_capacity)
diverted_i  = overflow_diversion × over_i
treated_i  ← min(treated_i + Σ_j flow[j, i] × diverted_j, room_i)
occupancy_i = min(1, (treated_i / throughput_i + dd_beds_i) / beds_i)
unmet       = Σ_i demand_i − Σ_i treated_i                                   (recorded monthly: unmet_demand)
```

The growth factors are the year's, set at the budget round (`finance`):
`g_demand = (1 + squeeze.demand_growth)^(1/12)`, `g_throughput = (1 +
behaviour.throughput_growth)^(1/12)`. The noise factor is lognormal with mean 1, so
demand stays positive. Each trust's moved demand goes to its flow neighbours in
proportion to link weight (a trust without links loses it). One round of diversion:
demand neither treated where it arose nor taken by a neighbour with room is unmet,
recorded and lost, not carried to the next month. `flow[j, i]` is the share of trust
`j`'s flows that go to `i` (the network, §7.1). Patient choice and GP referral away from
trusts with a poor reputation (C5) **[H]**; diversion **[A]**, its share (C8) **[H]**.

At the start, demand per bed reflects the economy's population:
`base_demand_i = beds_i × base_occupancy × clip((population_e / (beds_e ×
economy.population_per_bed))^population_demand_elasticity, population_pressure_min,
population_pressure_max)`, and `treated0_i = base_demand_i` is the activity the
establishment was set for (`workforce`). Generated economies' populations follow their
beds, so the elasticity matters only for economies built from NHS data.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.parameters import Section, param, uniform
from healthsim.model.variables import economy_var, month_var, trust_var

TITLE = "Demand, treatment and occupancy"
CLAIMS = ("C8",)


class DemandParams(Section):
    """Demand, capacity and diversion (C8)."""

    base_occupancy: float = param(
        0.86,
        ge=0.3,
        le=1.0,
        unit="share of beds",
        doc="Bed occupancy from demand alone at the start (below 0.3 a trust would hardly "
        "be a hospital).",
        source="KH03: general and acute occupancy was about 88-90% in 2013, including "
        "delayed discharges.",
    )
    throughput_growth: float = param(
        0.03,
        ge=-0.2,
        le=0.2,
        unit="a year",
        doc="Annual growth of what a bed can treat as stays shorten.",
        source="HES: general and acute length of stay fell about 2-3% a year in the 2010s.",
    )
    demand_noise_sd: float = param(
        0.02,
        ge=0,
        le=0.5,
        unit="log units",
        doc="Month-to-month noise in each trust's demand: the standard deviation of a "
        "lognormal factor with mean 1, so demand stays positive.",
        source="assumption: a few per cent month to month, as in NHS activity statistics.",
        neutral=0.0,
        prior=uniform(0.005, 0.05),
    )
    population_demand_elasticity: float = param(
        0.5,
        ge=0,
        le=2,
        unit="elasticity",
        doc="How much an economy's demand per bed rises with its population per bed "
        "relative to economy.population_per_bed: demand ~ (population / beds)^e. No "
        "effect on generated economies, whose population follows their beds; it matters "
        "for economies built from NHS data.",
        source="assumption: demand rises less than in proportion to population per bed, "
        "since catchments overlap.",
        neutral=0.0,
        prior=uniform(0.0, 1.0),
    )
    population_pressure_min: float = param(
        0.8,
        ge=0.1,
        le=1,
        unit="ratio",
        doc="Lowest population pressure on demand per bed (population_demand_elasticity).",
        source="assumption: keeps economies with unusual populations per bed plausible.",
        prior=uniform(0.7, 0.9),
    )
    population_pressure_max: float = param(
        1.25,
        ge=1,
        le=5,
        unit="ratio",
        doc="Highest population pressure on demand per bed.",
        source="assumption: as population_pressure_min.",
        prior=uniform(1.1, 1.5),
    )
    max_occupancy: float = param(
        0.98,
        ge=0.5,
        le=1,
        unit="share of beds",
        doc="Highest bed occupancy a trust can run at (the rest is turnaround).",
        source="assumption: a bed is empty for a few hours between patients.",
        prior=uniform(0.95, 1.0),
    )
    overflow_diversion: float = param(
        0.5,
        ge=0,
        le=1,
        unit="share",
        doc="Share of demand a full trust cannot treat that is diverted to its neighbours "
        "(ambulance diversion, transfers) (C8).",
        source="assumption: about half of excess demand finds a bed nearby.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    admissions_per_bed_month: float = param(
        6.0,
        ge=0.5,
        le=60,
        unit="admissions a month",
        doc="Admissions per occupied general and acute bed a month (they carry the harm "
        "rate, `harm`).",
        source="HES: a mean length of stay of about 5 days.",
    )


VARS = (
    trust_var("beds", "float", "beds", "general and acute beds"),
    trust_var("inflow_start", "int", "link", "first of the trust's incoming flow links"),
    trust_var("inflow_end", "int", "link", "one past the last of them"),
    trust_var("base_demand", "float", "occupied beds", "demand at the start"),
    trust_var("throughput", "float", "ratio", "what a bed treats, relative to the start", fill=1.0),
    trust_var("treated0", "float", "occupied beds", "activity at the start"),
    trust_var("demand", "float", "occupied beds", "demand this month, after moves"),
    trust_var("moved", "float", "occupied beds", "demand moved to neighbours this month"),
    trust_var("room", "float", "occupied beds", "what the trust can treat this month"),
    trust_var("treated", "float", "occupied beds", "demand treated this month", record="activity"),
    trust_var(
        "over",
        "float",
        "occupied beds",
        "demand beyond the trust's own capacity (bed equivalents)",
        record="over_capacity",
    ),
    trust_var("diverted", "float", "occupied beds", "demand diverted to neighbours"),
    trust_var("occupancy", "float", "share of beds", "bed occupancy", record="occupancy"),
    economy_var("need", "float", "ratio", "need for care, relative to the start", fill=1.0),
    month_var(
        "demand_diverted", "bed equivalents", "demand moved between trusts (bed equivalents)"
    ),
    month_var(
        "unmet_demand", "bed equivalents", "demand treated nowhere this month (bed equivalents)"
    ),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    return {
        "demand_noise_sd": b.demand_noise_sd,
        # lognormal demand noise with mean 1: exp(sd z - sd^2 / 2)
        "demand_var_half": b.demand_noise_sd**2 / 2,
        "max_occupancy": b.max_occupancy,
        "overflow_diversion": b.overflow_diversion,
        "admissions_per_service": b.admissions_per_bed_month / sc.economy.services_per_trust,
    }


@njit(cache=True)
def arriving(p, base_demand, need, z):  # pragma: no cover - compiled
    """Demand arriving at a trust this month (occupied-bed equivalents)."""
    return base_demand * need * np.exp(p.demand_noise_sd * z - p.demand_var_half)


@njit(cache=True)
def room(p, beds, dd_beds, throughput):  # pragma: no cover - compiled
    """What a trust can treat this month: its beds up to the highest occupancy, less
    those held by delayed discharges, times throughput."""
    return max(0.0, beds * p.max_occupancy - dd_beds) * throughput


@njit(cache=True)
def diverted(p, over):  # pragma: no cover - compiled
    """Demand a full trust sends to its neighbours."""
    return p.overflow_diversion * over


@njit(cache=True)
def occupancy(treated, throughput, dd_beds, beds):  # pragma: no cover - compiled
    """Share of beds occupied: patients treated plus delayed discharges (at most all
    beds, also when rounding would put a full trust a hair above)."""
    return min((treated / throughput + dd_beds) / beds, 1.0)


#: a patient-flow link into a trust: where patients come from and the share of what
#: that trust sends that comes here
LINK = np.dtype([("source", np.int64), ("weight", np.float64)], align=True)


def inflow_links(flow: np.ndarray):
    """The patient-flow links into each trust, as one list of (source, weight) records
    ordered by receiving trust and then source, and each trust's range in it: what the
    compiled flows read (``flow[j, i]`` is the share of trust j's moved demand that goes
    to trust i)."""
    into, source = np.nonzero(flow.T)
    links = np.zeros(into.shape[0], dtype=LINK)
    links["source"] = source
    links["weight"] = flow.T[into, source]
    starts = np.searchsorted(into, np.arange(flow.shape[0] + 1))
    return links, starts[:-1], starts[1:]


@njit(cache=True)
def inflow(links, start, end, sent):  # pragma: no cover - compiled
    """What a trust receives (its links ``start`` to ``end``) of what the others
    ``sent`` along the patient flows."""
    total = 0.0
    for k in range(start, end):
        total += links[k].weight * sent[links[k].source]
    return total


def base_demand(
    b, beds: np.ndarray, population: np.ndarray, economy_of: np.ndarray, population_per_bed: float
) -> np.ndarray:
    """Each trust's demand at the start (occupied beds): economies with more people per
    bed than usual see more demand per bed."""
    n_econ = population.shape[0]
    econ_beds = np.bincount(economy_of, weights=beds, minlength=n_econ)
    pressure = (population / (econ_beds * population_per_bed)) ** b.population_demand_elasticity
    pressure = np.clip(pressure, b.population_pressure_min, b.population_pressure_max)
    return beds * b.base_occupancy * pressure[economy_of]


PARAMS = DemandParams
INITIAL = None
LEVERS: dict = {}
