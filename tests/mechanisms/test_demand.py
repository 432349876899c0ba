"""Demand, treatment, overflow diversion and occupancy (C8;
``healthsim.model.mechanisms.demand``).

Rule tests work arriving demand, room, diversion, occupancy, the patient flows and the
starting demand per bed by hand (the coefficients pinned in ``DEMAND``); hypothesis
checks that no trust runs above its highest occupancy and that the flows carry no more
than is sent. The whole-model test checks that an overwhelmed trust's diverted
patients spread its pressure to its neighbours.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.mechanisms import demand
from healthsim.model.variables import records

from .helpers import NEUTRAL_PACKAGE, behaviour, dotted, packed, scenario

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults)
DEMAND = behaviour(
    demand_noise_sd=0.02,
    max_occupancy=0.98,
    overflow_diversion=0.5,
    base_occupancy=0.86,
    population_demand_elasticity=0.5,
    population_pressure_min=0.8,
    population_pressure_max=1.25,
)


@pytest.fixture(scope="module")
def p():
    return packed(DEMAND)


# ====================================================================================
# rules
# ====================================================================================


def test_arriving_demand_worked_values(p):
    """base 100 x need 1.1 = 110, times the lognormal factor exp(0.02 z - 0.0002)."""
    assert demand.arriving(p, 100.0, 1.1, 0.0) == pytest.approx(110 * math.exp(-0.0002)), (
        "a median draw: 110 x exp(-0.02^2 / 2) = 109.978"
    )
    assert demand.arriving(p, 100.0, 1.1, 1.0) == pytest.approx(112.1997, abs=1e-4), (
        "one standard deviation up: 110 x exp(0.0198) = 112.1997"
    )


def test_demand_noise_has_mean_one(p):
    z = np.random.default_rng(0).standard_normal(20_000)
    mean = np.mean([demand.arriving(p, 100.0, 1.0, float(v)) for v in z])
    assert mean == pytest.approx(100.0, rel=1e-3), "the noise moves demand, not its mean"


def test_room_worked_values(p):
    assert demand.room(p, 100.0, 3.0, 1.1) == pytest.approx(104.5), (
        "(100 x 0.98 - 3 delayed discharges) x throughput 1.1"
    )
    assert demand.room(p, 100.0, 99.0, 1.0) == 0.0, (
        "delayed discharges beyond the usable beds leave no room (not negative room)"
    )


def test_diversion_and_occupancy_worked_values(p):
    assert demand.diverted(p, 10.0) == pytest.approx(5.0), "half the overflow is diverted"
    assert demand.occupancy(88.0, 1.1, 3.0, 100.0) == pytest.approx(0.83), (
        "(88 treated / 1.1 + 3 delayed) / 100 beds"
    )


@given(
    want=st.floats(0, 500),
    beds=st.floats(1, 2000),
    dd_share=st.floats(0, 0.98),
    throughput=st.floats(0.5, 2),
)
def test_no_trust_runs_above_its_highest_occupancy(p, want, beds, dd_share, throughput):
    dd = dd_share * beds
    treated = min(want * beds / 100, demand.room(p, beds, dd, throughput))
    assert demand.occupancy(treated, throughput, dd, beds) <= 0.98 + 1e-12, (
        "what a trust treats fits in its beds up to max_occupancy"
    )


def test_patient_flows_worked_values():
    """Trust 0 sends 0.6 of what it moves to trust 1 and 0.4 to trust 2; trust 2 sends
    all of its to trust 1. Sent [10, 0, 5]: trust 1 gets 6 + 5, trust 2 gets 4."""
    flow = np.array([[0.0, 0.6, 0.4], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    links, start, end = demand.inflow_links(flow)
    links = records(links)  # as the model holds them
    sent = np.array([10.0, 0.0, 5.0])
    got = [demand.inflow(links, start[i], end[i], sent) for i in range(3)]
    assert got == pytest.approx([0.0, 11.0, 4.0]), "what each trust receives"


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8))
def test_patient_flows_carry_what_is_sent_and_no_more(seed, n):
    rng = np.random.default_rng(seed)
    flow = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(flow, 0.0)
    flow /= np.maximum(1.0, flow.sum(axis=1, keepdims=True))  # each row gives away <= 1
    sent = rng.random(n) * 100
    links, start, end = demand.inflow_links(flow)
    links = records(links)  # as the model holds them
    received = sum(demand.inflow(links, start[i], end[i], sent) for i in range(n))
    assert received == pytest.approx(float(sent @ flow.sum(axis=1)), rel=1e-12, abs=1e-12), (
        "everything sent along the links arrives somewhere (and a trust without links loses it)"
    )
    assert received <= sent.sum() + 1e-9, "the flows create no patients"


def test_demand_per_bed_rises_with_population_per_bed():
    """Four economies of 100 beds with 1, 1.44, 4 and 0.25 times the usual population
    per bed: pressure (x)^0.5 = 1, 1.2, 2 -> 1.25 (capped), 0.5 -> 0.8 (floored);
    demand 100 x 0.86 x pressure."""
    sc = scenario(DEMAND)
    per_bed = sc.economy.population_per_bed
    population = np.array([1.0, 1.44, 4.0, 0.25]) * 100 * per_bed
    got = demand.base_demand(sc.behaviour, np.full(4, 100.0), population, np.arange(4), per_bed)
    assert got == pytest.approx([86.0, 103.2, 107.5, 68.8]), (
        "economies with more people per bed see more demand per bed, within the limits"
    )


# ====================================================================================
# C8: overflow spreads pressure
# ====================================================================================

SPREAD = {
    **NEUTRAL_PACKAGE,
    "years": 2,
    "regime.ladder.enabled": False,
    "initial.social_care_shortfall": 0.0,
    "squeeze.social_care_budget_growth": 0.0,
    "squeeze.social_care_need_growth": 0.0,
    "squeeze.years": [],
    "behaviour.base_occupancy": 0.88,
    "behaviour.occupancy_threshold": 0.9,
    "behaviour.occupancy_harm": 0.6,
    "behaviour.reputation_demand_shift": 0.0,
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c8_one_overwhelmed_trust_spreads_pressure_to_its_neighbours(seed):
    """Trust 0 faces 60% more demand than it has beds for. When full trusts divert
    patients, its neighbours fill up and their care suffers: failure spreads."""
    out = {}
    for diversion in (0.0, 0.5):
        m = ScenarioEconomy(
            "baseline", rng=seed, **dotted({**SPREAD, "behaviour.overflow_diversion": diversion})
        )
        m.s.base_demand[0] *= 1.6
        m.run()
        out[diversion] = (m.recorder.per_trust, m.flow[0] > 0)
    (kept, nbrs), (spread, _) = out[0.0], out[0.5]
    assert nbrs.any(), "trust 0 should have neighbours on the flow network"
    assert spread["occupancy"][0, nbrs].mean() > kept["occupancy"][0, nbrs].mean(), (
        "patients diverted from a full trust should fill its neighbours' beds (C8)"
    )
    assert spread["quality"][-1, nbrs].mean() < kept["quality"][-1, nbrs].mean(), (
        "the neighbours' care should suffer from the diverted load: failure spreads (C8)"
    )
