"""Money: payment, costs, cash, cost improvement and reconfiguration (C10;
``healthsim.model.mechanisms.finance``).

Rule tests work the month's accounts and the year's cost-improvement plan by hand (the
coefficients pinned in ``FINANCE``); hypothesis checks that commissioners never pay
more than they have or owe, and the anchor of safe efficiency. The whole-model tests
check the squeeze, cuts beyond the frontier, litigation, agency cover and
reconfiguration.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.mechanisms import finance

from .helpers import (
    NEUTRAL_PACKAGE,
    NO_SQUEEZE,
    averaged,
    behaviour,
    dotted,
    packed,
    params,
    pooled,
    runs,
    scenario,
    trusts,
)

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults; deficit cover 0.5)
FINANCE = {
    **behaviour(
        agency_fill=0.8,
        agency_premium=0.5,
        harm_litigation_cost=0.004,
        unsustainable_cash_months=-2.0,
        reconfiguration_saving=0.04,
        reconfiguration_cost=0.03,
        reconfiguration_months=36,
        reconfiguration_threshold=-0.02,
        reconfiguration_min_capability=0.5,
        deficit_push=0.4,
        max_efficiency_target=0.10,
        efficiency_capacity=0.02,
        efficiency_capability_offset=0.4,
        efficiency_capability_scale=0.95,
        unsafe_cut_share=0.35,
        efficiency_frontier=0.025,
        post_cut_share=0.5,
        pay_share=0.62,
    ),
    "regime.financial_support.deficit_cover": 0.5,
}

MONEY = st.floats(0, 1e3, allow_subnormal=False)  # £m; a subnormal amount rounds coarsely


@pytest.fixture(scope="module")
def p():
    return packed(FINANCE)


# ====================================================================================
# each month
# ====================================================================================


def test_pay_factor_worked_values():
    assert finance.pay_factor(10.0, 8.0) == 1.0, "an allocation that covers the activity pays it"
    assert finance.pay_factor(6.0, 8.0) == pytest.approx(0.75), "6 for 8 of activity: pro rata"
    assert finance.pay_factor(6.0, 0.0) == 1.0, "no activity: nothing to scale (no division)"


@given(allocation=MONEY, value=MONEY)
def test_a_commissioner_never_pays_more_than_its_allocation_or_the_contract(allocation, value):
    factor = finance.pay_factor(allocation, value)
    paid = value * factor
    assert 0.0 <= factor <= 1.0, "the pay factor is a share of the contract value"
    assert paid <= value * (1 + 1e-12), "never more than the contract's value"
    assert paid <= allocation * (1 + 1e-12), "never more than the month's allocation"


def test_running_cost_worked_value(p):
    """pay = 2.0 x (0.9 in post + 0.8 x 1.5 x 0.1 vacant covered by agency) = 2.04;
    non-pay = 0.01 x 400 = 4; x unit cost 1.1 x (1 - 0.04 saved by reconfiguration)
    = 6.37824; + litigation 0.004 x 5 harm events = 6.39824 (£m)."""
    tr = trusts(
        wage_bill0=2.0,
        staff=0.9,
        vac=0.1,
        nonpay0=0.01,
        treated=400.0,
        unit_cost=1.1,
        reconfig_saving=0.04,
        harm=5.0,
    )
    assert finance.running_cost(p, tr[0]) == pytest.approx(6.39824, rel=1e-12), (
        "a month's running cost should be £6.39824m"
    )


def test_deficit_cover_worked_values(p):
    assert finance.deficit_cover(p, -10.0) == pytest.approx(5.0), "half of a £10m deficit"
    assert finance.deficit_cover(p, 3.0) == 0.0, "a surplus is not covered"


def test_close_month_worked_values(p):
    """cash 10 - 2 = 8; this month's income 24 + 1 central = 25; the 12-month accounts
    drop the same month a year ago (surplus 1, income 25): surplus 12 - 2 - 1 = 9,
    income 300 + 25 - 25 = 300, margin 0.03. Unsustainable below -2/12 x 300 = -50."""
    tr = trusts(
        cash=10.0,
        surplus=-2.0,
        income=24.0,
        central_payment=1.0,
        roll_surplus=12.0,
        roll_income=300.0,
    )
    ring = finance.rings(1)
    ring["surplus_ring"][0, 0], ring["income_ring"][0, 0] = 1.0, 25.0
    finance.close_month(p, tr[0], ring[0, 0])
    assert tr["cash"][0] == pytest.approx(8.0), "cash moves by the month's surplus"
    assert tr["month_income"][0] == pytest.approx(25.0), "contract plus central income"
    assert tr["roll_surplus"][0] == pytest.approx(9.0), "12-month surplus: 12 - 2 - 1"
    assert tr["roll_income"][0] == pytest.approx(300.0), "12-month income: 300 + 25 - 25"
    assert tr["margin_12m"][0] == pytest.approx(0.03), "margin 9 / 300"
    assert not tr["in_deficit"][0], "a positive 12-month surplus is no deficit"
    assert (ring["surplus_ring"][0, 0], ring["income_ring"][0, 0]) == (-2.0, 25.0), (
        "this month's accounts take the ring's slot"
    )
    assert not tr["unsustainable"][0], "cash 8 is above -50"
    tr["cash"] = -49.0
    finance.close_month(p, tr[0], ring[0, 0])
    assert tr["unsustainable"][0] and tr["ever_unsustainable"][0], (
        "cash -51 is below two months' income of borrowing (-50)"
    )
    tr["surplus"] = 100.0
    finance.close_month(p, tr[0], ring[0, 0])
    assert not tr["unsustainable"][0] and tr["ever_unsustainable"][0], (
        "recovering clears the flag but not the record of it"
    )


def test_a_reconfiguration_saves_only_once_done_and_savings_compound(p):
    tr = trusts(reconfig_left=2.0)
    finance.progress_reconfiguration(p, tr[0])
    assert (tr["reconfig_left"][0], tr["reconfig_saving"][0]) == (1.0, 0.0), (
        "a month to go: nothing saved yet"
    )
    finance.progress_reconfiguration(p, tr[0])
    assert tr["reconfig_saving"][0] == pytest.approx(0.04), "done: 4% of costs saved"
    finance.progress_reconfiguration(p, tr[0])
    assert (tr["reconfig_left"][0], tr["reconfig_saving"][0]) == (0.0, pytest.approx(0.04)), (
        "no reconfiguration running: nothing changes"
    )
    tr["reconfig_left"] = 1.0
    finance.progress_reconfiguration(p, tr[0])
    assert tr["reconfig_saving"][0] == pytest.approx(1 - 0.96 * 0.96), (
        "a second one saves 4% of what is left: 1 - 0.96^2 = 0.0784"
    )


# ====================================================================================
# each year: the cost-improvement plan
# ====================================================================================


@given(
    capacity=st.floats(0, 0.2),
    offset=st.floats(0, 5),
    scale=st.floats(0.1, 5),
)
def test_safe_efficiency_is_the_capacity_at_the_reference_capability(capacity, offset, scale):
    p = packed(
        behaviour(
            efficiency_capacity=capacity,
            efficiency_capability_offset=offset,
            efficiency_capability_scale=scale,
        )
    )
    assert finance.safe_efficiency(p, scale - offset, 1.0) == pytest.approx(
        capacity, rel=1e-12, abs=1e-15
    ), "at capability = scale - offset a board delivers efficiency_capacity safely"


def test_efficiency_achieved_worked_values(p):
    """Safe at capability 0.55: 0.02 x (0.4 + 0.55) / 0.95 = 0.02."""
    assert finance.efficiency_achieved(p, 0.015, 0.55, 1.0) == pytest.approx(0.015), (
        "a target within safe capacity is delivered in full"
    )
    assert finance.efficiency_achieved(p, 0.05, 0.55, 1.0) == pytest.approx(0.0305), (
        "beyond it: 0.02 safely + 0.35 x the 0.03 beyond"
    )


@given(target=st.floats(0, 0.5), capability=st.floats(0, 1))
def test_efficiency_achieved_is_between_the_safe_part_and_the_target(p, target, capability):
    got = finance.efficiency_achieved(p, target, capability, 1.0)
    safe = finance.safe_efficiency(p, capability, 1.0)
    assert min(target, safe) - 1e-15 <= got <= target + 1e-15, (
        "a board delivers at least what it safely can (up to the target), never beyond it"
    )


def test_a_trust_with_more_slack_saves_more_safely(p):
    """A trust with slack 1.5 at capability 0.55 can save 1.5 x 0.02 = 0.03 safely."""
    assert finance.safe_efficiency(p, 0.55, 1.5) == pytest.approx(0.03)
    assert finance.efficiency_achieved(p, 0.03, 0.55, 1.5) == pytest.approx(0.03), (
        "its 3% target is all safe"
    )


def test_slack_is_lognormal_with_mean_one():
    b = scenario(behaviour(efficiency_slack_sd=0.4)).behaviour
    x = finance.efficiency_slack(b, np.random.default_rng(3), 200_000)
    assert x.mean() == pytest.approx(1.0, abs=0.005), "the average trust has the average slack"
    assert np.log(x).std() == pytest.approx(0.4, abs=0.005), "spread 0.4 in log units"
    b0 = scenario(behaviour(efficiency_slack_sd=0.0)).behaviour
    assert np.all(finance.efficiency_slack(b0, np.random.default_rng(3), 10) == 1.0), (
        "no spread: every trust can save the same"
    )


def test_c10_trusts_that_differ_in_slack_differ_in_deficit():
    """Some trusts had more to cut than others: with slack spread across trusts the
    trusts' year-end margins spread further apart under the same squeeze."""
    same = runs(years=4)
    spread = runs(years=4, **behaviour(efficiency_slack_sd=0.8))

    def margin_spread(results):
        ends = [r.trusts[r.trusts["month"] == r.trusts["month"].max()] for r in results]
        return float(np.mean([(e["surplus_12m"] / e["income_12m"]).std() for e in ends]))

    assert margin_spread(spread) > margin_spread(same), (
        "trusts with different room to save should end the squeeze further apart (C10)"
    )


def test_cost_improvement_plans_worked_values():
    """Tariff asks 0.02. Capability 0.55: safe 0.02.
    A (margin -7.5%): target 0.02 + 0.4 x 0.075 = 0.05; achieved 0.0305; cut beyond the
    frontier 0.0305 - 0.025 = 0.0055; posts 0.5 x (0.0305 - 0.02) = 0.00525, the
    funded establishment x (1 - 0.00525 / 0.62); unit-cost productivity 0.02525.
    B (in surplus, capability 0.75, safe 0.0242): the tariff's 0.02, all safe.
    C (margin -100%): target capped at 0.10; achieved 0.02 + 0.35 x 0.08 = 0.048; posts
    0.5 x 0.028 = 0.014."""
    tr = trusts(
        3,
        margin_12m=np.array([-0.075, 0.01, -1.0]),
        capability=np.array([0.55, 0.75, 0.55]),
    )
    finance.plan_years(params(FINANCE), tr, 0.02)
    assert tr["efficiency_target"] == pytest.approx([0.05, 0.02, 0.10]), (
        "targets: the tariff's ask plus 0.4 per unit of deficit, at most 0.10"
    )
    assert tr["efficiency_rate"] == pytest.approx([0.0305, 0.02, 0.048]), "achieved"
    assert tr["cut_excess"] == pytest.approx([0.0055, 0.0, 0.023]), "cut beyond the frontier"
    assert tr["productivity_rate"] == pytest.approx([0.02525, 0.02, 0.034]), (
        "the achieved cut less the part taken from posts"
    )
    assert tr["establishment"] == pytest.approx([1 - 0.00525 / 0.62, 1.0, 1 - 0.014 / 0.62]), (
        "posts cut lower the funded establishment by the pay they save"
    )


def test_reconfiguration_starts_for_a_capable_board_in_deep_deficit():
    m = ScenarioEconomy(
        "baseline",
        rng=1,
        **dotted({**NEUTRAL_PACKAGE, **FINANCE, "years": 1}),
    )
    s = m.s
    s.margin_12m[:4] = [-0.05, -0.05, -0.05, 0.0]
    s.capability[:4] = [0.8, 0.3, 0.8, 0.8]
    income = [finance.annual_income(m, i) for i in range(4)]
    cost_before = m.tally.regime_cost
    finance.consider_reconfiguration(m, 0, supported=False)
    finance.consider_reconfiguration(m, 1, supported=False)
    finance.consider_reconfiguration(m, 2, supported=True)
    finance.consider_reconfiguration(m, 3, supported=False)
    assert s.reconfig_left[0] == 36, "a capable board 5% in deficit starts one (36 months)"
    assert s.one_off_cost[0] == pytest.approx(0.03 * income[0]), (
        "it costs the trust 3% of a year's income, next month"
    )
    assert s.reconfig_left[1] == 0, "a board without the capability does not"
    assert s.reconfig_left[2] == 18 and s.one_off_cost[2] == 0.0, (
        "a commissioner-funded one goes twice as fast and costs the trust nothing"
    )
    assert m.tally.regime_cost - cost_before == pytest.approx(0.03 * income[2]), (
        "the commissioner-funded one is the regime's cost"
    )
    assert s.reconfig_left[3] == 0, "a trust in balance has no case for one"


# ====================================================================================
# C10: the squeeze; failure costs money; reconfiguration takes time
# ====================================================================================


def test_c10_tighter_squeeze_more_deficits(squeeze_arms):
    easy, tight = squeeze_arms
    assert averaged(tight, "deficit_share_peak") > averaged(easy, "deficit_share_peak"), (
        "a tighter squeeze should put more trusts in deficit (C10)"
    )
    assert pooled(tight, "surplus_total") < pooled(easy, "surplus_total"), (
        "a tighter squeeze should mean lower aggregate surpluses"
    )
    assert averaged(tight, "margin_worst") < averaged(easy, "margin_worst"), (
        "a tighter squeeze should mean a worse aggregate margin"
    )


def test_c10_cuts_beyond_the_frontier_cost_staff_and_quality():
    """A 5% efficiency ask every year: where cutting is safe up to 20% nothing is lost;
    where any cut beyond what boards can do safely goes into posts, care suffers."""
    ask = {
        **NO_SQUEEZE,
        "squeeze.tariff_efficiency": 0.05,
        "behaviour.cuts_harm": 0.6,
        "behaviour.rating_response": 0.0,  # no feedback from worse ratings to more effort
    }
    harmful = runs(**{**ask, "behaviour.efficiency_frontier": 0.0})
    harmless = runs(**{**ask, "behaviour.efficiency_frontier": 0.2})
    for a, b in zip(harmful, harmless, strict=True):
        assert a.trusts["staff"].mean() < b.trusts["staff"].mean(), (
            f"seed {a.seed}: cuts beyond the frontier should remove staff in post (C10)"
        )
        assert a.summary["quality_mean_final"] < b.summary["quality_mean_final"], (
            f"seed {a.seed}: cuts beyond the frontier should hurt quality (C10)"
        )


@pytest.mark.parametrize("litigation", [0.0, 0.004])
def test_c10_quality_failure_costs_money(litigation):
    """Month 1: trust 0's care made worse, nothing else changed. Harm brings
    litigation and remediation costs (and only through them)."""
    surplus = {}
    for worse in (False, True):
        m = ScenarioEconomy(
            "baseline",
            rng=2,
            **dotted({**NEUTRAL_PACKAGE, "behaviour.harm_litigation_cost": litigation}),
        )
        if worse:
            m.s.quality[0] -= 0.2
        m.step()
        surplus[worse] = m.recorder.per_trust["surplus"][0].copy()
    if litigation > 0:
        assert surplus[True][0] < surplus[False][0], (
            "a trust giving worse care should pay more in litigation and remediation (C10)"
        )
    else:
        assert surplus[True][0] == pytest.approx(surplus[False][0], rel=1e-12), (
            "without litigation costs, month-1 money should not depend on quality"
        )
    others = slice(1, None)
    assert np.allclose(surplus[True][others], surplus[False][others]), (
        "other trusts' money is untouched in month 1"
    )


def test_c10_agency_staff_make_vacancies_expensive():
    """Vacancies filled by agency staff at a premium cost more than the staff they
    replace."""
    surplus = {}
    for premium in (0.0, 1.0):
        m = ScenarioEconomy(
            "baseline",
            rng=3,
            **dotted(
                {
                    **NEUTRAL_PACKAGE,
                    "behaviour.agency_fill": 1.0,
                    "behaviour.agency_premium": premium,
                }
            ),
        )
        m.s.staff[0] *= 0.8  # a fifth of the posts fall vacant
        m.step()
        surplus[premium] = m.recorder.per_trust["surplus"][0, 0]
    assert surplus[1.0] < surplus[0.0], (
        "understaffing covered by agency staff at a premium should cost money (C10)"
    )


def test_c10_reconfiguration_saves_money_only_once_it_is_done():
    months = 6
    surplus = {}
    for reconfigure in (False, True):
        m = ScenarioEconomy(
            "baseline",
            rng=4,
            **dotted({**NEUTRAL_PACKAGE, "years": 1, "behaviour.reconfiguration_saving": 0.05}),
        )
        if reconfigure:
            m.s.reconfig_left[0] = months
        m.run(12)
        surplus[reconfigure] = m.recorder.per_trust["surplus"][:, 0].copy()
    assert np.array_equal(surplus[True][:months], surplus[False][:months]), (
        "a reconfiguration in progress should not save money yet (it takes time, C10)"
    )
    assert (surplus[True][months:] > surplus[False][months:]).all(), (
        "once done, a reconfiguration should lower costs every month after"
    )
