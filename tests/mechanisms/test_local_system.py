"""The local system: social care, delayed discharges and whole-economy action (C8, C9;
``healthsim.model.mechanisms.local_system``).

Rule tests work the social-care shortfall, the beds it fills and the whole-economy
uplift by hand; hypothesis checks the shortfall's bounds. The whole-model tests check
that a failing local system fills beds, erodes care and clusters failure (C8), and that
acting on it prevents relapse where it is the cause (C9).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.metrics.summary import economy_concentration, failure_clustering, summarise
from healthsim.model.economy import HealthEconomy
from healthsim.model.mechanisms import local_system

from .helpers import (
    C9_SYSTEM_CAUSE,
    NEUTRAL_PACKAGE,
    averaged,
    behaviour,
    dotted,
    monthly_total,
    packed,
    pooled,
    runs,
)

pytestmark = pytest.mark.mechanism

# ====================================================================================
# rules
# ====================================================================================


@pytest.mark.parametrize(
    ("capacity", "uplift", "need", "expected", "how"),
    [
        (0.9, 0.0, 1.0, 0.1, "0.9 of need met"),
        (0.9, 0.1, 1.0, 0.01, "an uplift of 10%: 1 - 0.99"),
        (0.9, 0.0, 1.2, 0.25, "need grown 20%: 1 - 0.9 / 1.2"),
        (1.5, 0.0, 1.0, 0.0, "capacity beyond need is no negative shortfall"),
        (0.0, 0.0, 1.0, 1.0, "no capacity: all need unmet"),
    ],
)
def test_shortfall_worked_values(capacity, uplift, need, expected, how):
    got = local_system.shortfall(capacity, uplift, need)
    assert got == pytest.approx(expected, abs=1e-12), f"shortfall should be {expected}: {how}"


@given(
    capacity=st.floats(0, 2),
    u1=st.floats(0, 2),
    u2=st.floats(0, 2),
    need=st.floats(0.01, 5),
)
def test_shortfall_is_a_share_and_never_rises_with_uplift(capacity, u1, u2, need):
    more = local_system.shortfall(capacity, max(u1, u2), need)
    less = local_system.shortfall(capacity, min(u1, u2), need)
    assert 0.0 <= more <= less <= 1.0, "shortfall is in [0, 1] and more capacity never adds to it"


def test_delayed_discharges_fill_beds():
    p = packed(behaviour(delayed_discharge_beds_per_shortfall=0.3))
    assert local_system.delayed_discharge_beds(p, 0.1, 400.0) == pytest.approx(12.0), (
        "a 10% shortfall fills 3% of beds: 0.3 x 0.1 x 400"
    )


def test_whole_economy_action_raises_social_care_once_per_economy():
    m = ScenarioEconomy(
        "baseline",
        rng=1,
        **dotted(
            {
                **NEUTRAL_PACKAGE,
                "years": 1,
                "regime.scope.scope": "whole_economy",
                "regime.scope.social_care_uplift": 0.3,
                "regime.scope.system_cost_share": 0.5,
            }
        ),
    )
    e = int(m.s.economy[0])
    local_system.act_on_economy(m, 0)
    events = len(m.events)
    local_system.act_on_economy(m, 0)
    assert m.e.sc_uplift[e] == pytest.approx(0.3), "the economy's social care is raised by 30%"
    assert len(m.events) == events, "a second finding in the same economy raises nothing more"
    others = np.arange(m.e.n) != e
    assert not m.e.sc_uplift[others].any(), "other economies are untouched"
    assert local_system.system_cost(m) == pytest.approx(0.5 * 0.3 * m.e.sc_budget[e] / 12), (
        "the regime bears half the uplift's cost: 0.5 x 0.3 x the annual budget / 12 a month"
    )


def test_trust_only_scope_leaves_social_care_alone():
    m = ScenarioEconomy(
        "baseline",
        rng=1,
        **dotted({**NEUTRAL_PACKAGE, "years": 1, "regime.scope.social_care_uplift": 0.3}),
    )
    local_system.act_on_economy(m, 0)
    assert not m.e.sc_uplift.any(), "a trust-only regime does not act on social care"


# ====================================================================================
# C8: social care, delayed discharges, occupancy, clustered failure
# ====================================================================================

C8_SYSTEM = {
    "regime.ladder.enabled": False,
    "initial.struggling_share": 0.0,
    "squeeze.social_care_budget_growth": 0.0,
    "squeeze.social_care_need_growth": 0.0,
    "squeeze.years": [],
    "behaviour.delayed_discharge_beds_per_shortfall": 0.3,
    "behaviour.occupancy_harm": 0.6,
    "behaviour.occupancy_threshold": 0.92,
}


def test_c8_social_care_shortfall_fills_beds_and_erodes_quality():
    ample = runs(**{**C8_SYSTEM, "initial.social_care_shortfall": 0.0})
    short = runs(**{**C8_SYSTEM, "initial.social_care_shortfall": 0.35})
    assert averaged(short, "delayed_discharge_beds_mean") > averaged(
        ample, "delayed_discharge_beds_mean"
    ), "a social-care shortfall should turn into delayed discharges (C8)"
    assert averaged(short, "occupancy_mean") > averaged(ample, "occupancy_mean"), (
        "delayed discharges should raise bed occupancy (C8)"
    )
    for a, s in zip(ample, short, strict=True):
        assert s.summary["quality_mean_run"] < a.summary["quality_mean_run"], (
            f"seed {a.seed}: fuller hospitals should give worse care (C8)"
        )
    assert monthly_total(short, "truly_failing") > monthly_total(ample, "truly_failing"), (
        "a failing local social-care system should mean more truly failing trust-months"
    )


def region_with_failing_social_care(seed: int, failing: bool) -> HealthEconomy:
    """A region of 8 economies; in two of them (when ``failing``) social care meets only
    40% of need: there the system is the cause."""
    m = ScenarioEconomy(
        "region",
        rng=seed,
        **dotted(
            {
                **C8_SYSTEM,
                "years": 4,
                "initial.quality_mean": 0.58,
                "initial.social_care_shortfall": 0.0,
            }
        ),
    )
    if failing:
        m.e.sc_capacity[:2] = 0.4
    return m.run()


def test_c8_failure_clusters_where_the_system_is_the_cause():
    """Medians over seeds: with few failing trusts a join ratio can be large by chance
    (two failing trusts that happen to be linked), so the mean is dominated by tails."""
    seeds = (1, 2, 3, 4, 5, 6)
    control = [summarise(region_with_failing_social_care(s, False)) for s in seeds]
    system = [summarise(region_with_failing_social_care(s, True)) for s in seeds]
    for key in ("failure_clustering", "economy_concentration"):
        caused = np.nanmedian([x[key] for x in system])
        assert caused > 1.5, (
            f"{key} should be well above 1 when two economies' social care fails (C8)"
        )
        assert caused > np.nanmedian([x[key] for x in control]), (
            f"{key} should be higher where the system is the cause than where it is not"
        )


#: a quarter of England's economies (E01, E05, ... E41) with weak social care
WEAK_QUARTER = {
    "initial.social_care_shortfall": 0.1,
    "economy.economies": [
        {"id": f"E{k:02d}", "social_care_shortfall": 0.3} for k in range(1, 43, 4)
    ],
}


def test_c8_concentration_registers_failing_local_economies_at_england_scale():
    """Issue 12, item 7: the concentration must register failure that sits in strained
    local economies. (1) Synthetic: failing trust-months 1.6 times as frequent in the
    quarter of England's economies with weak social care give a concentration near 1.6
    (and near 1 when failure is spread alike). (2) Whole model, run for run on the same
    seeds: it stays 1 with the same social care everywhere, and with a weak quarter it
    tracks the ratio of failing trust-months in the strained economies to the rest."""
    m = ScenarioEconomy("england", rng=5, years=1, **dotted(WEAK_QUARTER))
    economy = m.structure.economy_of
    weak = np.isin(economy, np.arange(0, 42, 4))
    strain = np.where(weak, 0.09, 0.03)
    rng = np.random.default_rng(1)
    p = np.where(weak, 0.08, 0.05)  # 1.6 times as frequent in the weak quarter
    months = rng.random((3000, m.s.n)) < p
    _, conc = failure_clustering(months, m.flow, economy, strain)
    share_weak = weak.mean()
    expected = 1.6 / (share_weak * 1.6 + (1 - share_weak))  # their share over their size
    assert conc == pytest.approx(expected, rel=0.05), (
        f"failure 1.6 times as frequent in the strained quarter should read {expected:.2f}"
    )

    seeds = range(1, 7)
    uniform, weak_runs, raw = [], [], []
    for s in seeds:
        u = ScenarioEconomy("england", rng=s, **dotted({"initial.social_care_shortfall": 0.1}))
        uniform.append(summarise(u.run())["economy_concentration"])
        w = ScenarioEconomy("england", rng=s, **dotted(WEAK_QUARTER)).run()
        weak_runs.append(summarise(w)["economy_concentration"])
        tf = w.recorder.per_trust["truly_failing"][: w.recorder.n_rows]
        in_weak = np.isin(w.structure.economy_of, np.arange(0, 42, 4))
        raw.append(tf[:, in_weak].sum() / tf.sum() / in_weak.mean())
    assert uniform == pytest.approx([1.0] * len(uniform)), (
        "with the same social care everywhere no economy is strained: concentration 1"
    )
    assert weak_runs == pytest.approx(raw, abs=0.15), (
        "with a weak quarter the concentration follows where failure actually was"
    )


def test_c8_clustering_metric_is_one_for_failure_scattered_at_random():
    """The metrics' null: scatter the same number of failing trusts at random, many
    times, over economies whose local systems differ (a quarter strained), and the join
    ratio and the concentration average to 1; spread failure exactly evenly and the
    concentration is exactly 1."""
    m = ScenarioEconomy("england", rng=5, years=1, **dotted(WEAK_QUARTER))
    rng = np.random.default_rng(0)
    n = m.s.n
    months = np.zeros((4000, n), dtype=bool)
    for row in months:
        row[rng.choice(n, size=12, replace=False)] = True
    economy = m.structure.economy_of
    strain = np.where(np.isin(economy, np.arange(0, 42, 4)), 0.09, 0.03)
    join, conc = failure_clustering(months, m.flow, economy, strain)
    assert join == pytest.approx(1.0, abs=0.06), "random failure should give a join ratio of 1"
    assert conc == pytest.approx(1.0, abs=0.03), "random failure should give concentration 1"
    assert economy_concentration(np.full(n, 3.0), economy, strain) == pytest.approx(1.0), (
        "failure spread exactly evenly gives exactly 1"
    )
    assert np.isnan(economy_concentration(np.zeros(n), economy, strain)), "no failure: NaN"


# ====================================================================================
# C9: scope of action
# ====================================================================================


@pytest.fixture(scope="module")
def scope_arms():
    seeds, years = range(1, 13), 8
    trust_only = runs(
        seeds=seeds, years=years, **{**C9_SYSTEM_CAUSE, "regime.scope.scope": "trust_only"}
    )
    whole = runs(
        seeds=seeds, years=years, **{**C9_SYSTEM_CAUSE, "regime.scope.scope": "whole_economy"}
    )
    return trust_only, whole


def test_c9_whole_economy_scope_less_failure_where_social_care_is_the_cause(scope_arms):
    trust_only, whole = scope_arms
    assert averaged(whole, "delayed_discharge_beds_mean") < averaged(
        trust_only, "delayed_discharge_beds_mean"
    ), "acting on social care should cut delayed discharges (C9)"
    assert monthly_total(whole, "truly_failing") < monthly_total(trust_only, "truly_failing"), (
        "where social care is the cause, whole-economy action should mean less failure (C9)"
    )


def test_c9_trust_only_fixes_relapse_where_the_system_is_the_cause(scope_arms):
    trust_only, whole = scope_arms
    exits_t, exits_w = pooled(trust_only, "sm_exits"), pooled(whole, "sm_exits")
    assert exits_t > 0 and exits_w > 0, "both arms should see exits to relapse from"
    rate_t = pooled(trust_only, "sm_relapses") / exits_t
    rate_w = pooled(whole, "sm_relapses") / exits_w
    assert rate_t >= 0.5, (
        f"fixing only the trust should often relapse where the system is the cause (C9): "
        f"{rate_t:.2f} relapses per exit"
    )
    assert rate_w < rate_t, (
        "relapse after exit should be rarer when the regime also fixes the local system "
        f"(C9): trust-only {rate_t:.2f} vs whole-economy {rate_w:.2f} relapses per exit"
    )
