"""Improvement support: buddies, consultants and central teams (C6, C7;
``healthsim.model.mechanisms.support`` and the support passes of ``kernel``).

Rule tests work the support table (rates, fees and who pays them, improvement money)
and the month's support passes (gains, capability learnt and lost, bought gains
fading) by hand, with the coefficients pinned in ``SUPPORT``. The whole-model tests
check what each kind leaves behind (C6), the buddy's burden, and who pays for
consultants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.metrics.summary import summarise
from healthsim.model import Support, kernel
from healthsim.model.mechanisms import support

from .helpers import (
    NEUTRAL_PACKAGE,
    behaviour,
    dotted,
    force_special_measures,
    packed,
    services,
    trusts,
    worst_trust,
)

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults), at full intensity
SUPPORT = {
    **behaviour(
        buddy_effectiveness=0.18,
        buddy_capability_transfer=0.01,
        buddy_burden=0.004,
        buddy_cost=0.05,
        buddy_paid_by_trust=0.0,
        consultancy_effectiveness=0.12,
        consultancy_cost=0.25,
        consultancy_paid_by_trust=1.0,
        consultancy_decay=0.15,
        central_effectiveness=0.08,
        central_cost=0.08,
        central_paid_by_trust=0.0,
        funding_boost_cap=0.3,
        funding_boost_scale=10.0,
        director_capacity=0.3,
        director_cost=0.02,
        director_paid_by_trust=0.0,
    ),
    "regime.improvement.intensity": 1.0,
    "regime.identification.good_threshold": 0.68,
}

NONE, BUDDY, CONSULTANCY, CENTRAL, DIRECTOR = (
    Support.none.code,
    Support.buddy.code,
    Support.consultancy.code,
    Support.central.code,
    Support.director.code,
)


@pytest.fixture(scope="module")
def p():
    return packed(SUPPORT)


def regime_part(p, kind: int) -> float:
    """The regime's part of one trust's fee of ``kind`` this month."""
    counts = np.zeros(len(support.KINDS), dtype=np.int64)
    counts[kind] = 1
    return support.add_regime_fees(p, counts, 0.0)


# ====================================================================================
# the table: rates, fees, money
# ====================================================================================


@pytest.mark.parametrize(
    ("kind", "partner", "expected", "how"),
    [
        (NONE, 1.0, 0.0, "no support closes nothing"),
        (BUDDY, 0.6, 0.108, "0.18 x the buddy's capability 0.6"),
        (CONSULTANCY, 0.6, 0.12, "consultants have no partner: 0.12"),
        (CENTRAL, 0.6, 0.08, "a central team: 0.08"),
        (DIRECTOR, 0.6, 0.0, "a director closes no gap itself: it strengthens the board"),
    ],
)
def test_support_rates(p, kind, partner, expected, how):
    assert support.rate(p, kind, partner) == pytest.approx(expected, rel=1e-12), (
        f"rate should be {expected}: {how}"
    )


@pytest.mark.parametrize(
    ("kind", "trust_pays", "regime_pays"),
    [
        (NONE, 0.0, 0.0),
        (BUDDY, 0.0, 0.05),  # buddies paid centrally
        (CONSULTANCY, 0.25, 0.0),  # trusts paid their consultants
        (CENTRAL, 0.0, 0.08),  # central teams paid centrally
        (DIRECTOR, 0.0, 0.02),  # improvement directors placed and paid by the regime
    ],
)
def test_who_pays_each_fee(p, kind, trust_pays, regime_pays):
    assert support.trust_fee(p, kind) == pytest.approx(trust_pays), (
        f"the trust should pay £{trust_pays}m a month for {support.KINDS[kind].name}"
    )
    assert regime_part(p, kind) == pytest.approx(regime_pays), (
        f"the regime should pay £{regime_pays}m a month for {support.KINDS[kind].name}"
    )


def test_regime_fees_add_up_over_trusts(p):
    counts = np.array([5, 2, 1, 3], dtype=np.int64)  # 5 trusts without support cost nothing
    assert support.add_regime_fees(p, counts, 1.0) == pytest.approx(1.34), (
        "1 already spent + 2 buddies x 0.05 + 1 consultancy x 0 + 3 central x 0.08"
    )


def test_only_the_consultants_fee_scales_with_intensity():
    half = packed({**SUPPORT, "regime.improvement.intensity": 0.5})
    assert support.trust_fee(half, CONSULTANCY) == pytest.approx(0.125), (
        "consultants at half intensity cost half: 0.25 x 0.5"
    )
    assert regime_part(half, BUDDY) == pytest.approx(0.05), "a buddy's fee does not scale"


@given(
    buddy=st.floats(0, 1),
    consultancy=st.floats(0, 1),
    central=st.floats(0, 1),
    intensity=st.floats(0, 1),
)
def test_fees_split_between_trust_and_regime_add_up(buddy, consultancy, central, intensity):
    p = packed(
        {
            **SUPPORT,
            **behaviour(
                buddy_paid_by_trust=buddy,
                consultancy_paid_by_trust=consultancy,
                central_paid_by_trust=central,
            ),
            "regime.improvement.intensity": intensity,
        }
    )
    for kind, fee in ((BUDDY, 0.05), (CONSULTANCY, 0.25 * intensity), (CENTRAL, 0.08)):
        total = support.trust_fee(p, kind) + regime_part(p, kind)
        assert total == pytest.approx(fee, abs=1e-15), (
            f"the trust's and the regime's parts of the {support.KINDS[kind].name} fee "
            f"should add up to the fee, £{fee}m"
        )


def test_improvement_money_raises_resources_up_to_a_cap(p):
    assert support.funding_boost(p, 0.1, 25.0) == pytest.approx(0.04), (
        "£0.1m on a £25m month: 10 x 0.1 / 25"
    )
    assert support.funding_boost(p, 1.0, 25.0) == pytest.approx(0.3), "10 x 1 / 25 capped at 0.3"
    assert support.funding_boost(p, 0.1, 0.0) == pytest.approx(0.3), (
        "no income (guarded, no division by zero): the cap"
    )


def test_capacity_supplied_by_a_kind(p):
    others = [k for k in range(len(support.KINDS)) if k != DIRECTOR]
    assert all(support.capacity(p, k, 0.4) == 0.4 for k in others), (
        "only an improvement director supplies capacity: other kinds leave a board's "
        "usable capability unchanged"
    )
    assert support.capacity(p, DIRECTOR, 0.4) == pytest.approx(0.58), (
        "a director fills 0.3 of the missing capability: 0.4 + 0.3 x 0.6"
    )
    assert support.capacity(p, DIRECTOR, 1.0) == pytest.approx(1.0), (
        "nothing to add to the best board"
    )


@given(weak=st.floats(0, 1), strong=st.floats(0, 1))
def test_a_director_helps_a_weak_board_more(p, weak, strong):
    if weak > strong:
        weak, strong = strong, weak
    gain_weak = support.capacity(p, DIRECTOR, weak) - weak
    gain_strong = support.capacity(p, DIRECTOR, strong) - strong
    assert gain_weak >= gain_strong - 1e-15, "the weaker the board, the more a director adds"


# ====================================================================================
# the month's passes: gains, learning, burden, fading
# ====================================================================================


def test_a_buddy_month_worked_values(p):
    """Trust 0 (capability 0.4, clarity 0.8) is buddied by trust 1 (capability 0.8).
    rate 0.18 x 0.8 = 0.144; gain towards good (0.68): 0.144 x 1 x 0.8 x (0.68 - 0.5)
    = 0.020736 on its service at 0.5, none on the one above good; capability learnt
    0.01 x (1 - 0.4) = 0.006; the buddy loses 0.004 x 0.8 = 0.0032 of its own."""
    tr = trusts(
        2,
        support=np.array([BUDDY, NONE]),
        buddy_of=np.array([1, -1]),
        capability=np.array([0.4, 0.8]),
        clarity=np.array([0.8, 1.0]),
    )
    sv = services(2, 2, quality=np.array([[0.5, 0.7], [0.6, 0.6]]))
    fades = kernel.support_effect(p, tr, sv)
    assert not fades, "a buddy's gains are the board's own: nothing to fade"
    assert sv["dq"][0] == pytest.approx([0.020736, 0.0]), "gains towards good quality only"
    assert sv["dq"][1] == pytest.approx([0.0, 0.0]), "the buddy's own services gain nothing"
    assert tr["capability"] == pytest.approx([0.406, 0.7968]), (
        "the supported board learns 0.006, the buddy's loses 0.0032"
    )
    assert tr["buddy_capability_lost"][1] == pytest.approx(0.0032) and tr["buddy_months"][1] == 1, (
        "the buddy's burden is counted"
    )


def test_a_consultancy_month_buys_gains_that_are_held_apart(p):
    tr = trusts(support=CONSULTANCY, capability=0.4, clarity=1.0)
    sv = services(1, 2, quality=np.array([[0.5, 0.6]]))
    assert kernel.support_effect(p, tr, sv), "consultancy's gains are bought: they may fade"
    assert sv["dq"][0] == pytest.approx([0.0216, 0.0096]), "0.12 x (0.68 - q)"
    assert sv["bought_gain"][0] == pytest.approx([0.0216, 0.0096]), "held as bought gains"
    assert tr["capability"][0] == 0.4, "consultants build no capability"


def fading_trust(support_kind: int = NONE, capability: float = 0.5):
    """A trust whose board's steady state is k / (k + D) = 0.02 / 0.05 = 0.4, holding
    bought gains of 0.1 on services at 0.6 and 0.42."""
    tr = trusts(support=support_kind, k=0.02, worsen=0.03, capability=capability)
    sv = services(1, 2, quality=np.array([[0.6, 0.42]]), bought_gain=0.1)
    return tr, sv


def test_bought_gains_fade_once_support_ends(p):
    """Above the steady state: min(0.2, 0.1) = 0.1 and min(0.02, 0.1) = 0.02 fade at
    0.15 a month x (1 - capability 0.5): dq -0.0075 and -0.0015; the unembedded gain
    falls by 0.15 x 0.1 to 0.085."""
    tr, sv = fading_trust()
    assert kernel.fade_bought_gains(p, tr, sv), "gains are still fading"
    assert sv["dq"][0] == pytest.approx([-0.0075, -0.0015]), "quality above the steady state fades"
    assert sv["bought_gain"][0] == pytest.approx([0.085, 0.085]), "the unembedded gain shrinks"


def test_bought_gains_hold_while_support_runs_and_a_capable_board_keeps_them(p):
    tr, sv = fading_trust(support_kind=CONSULTANCY)
    kernel.fade_bought_gains(p, tr, sv)
    assert sv["dq"][0] == pytest.approx([0.0, 0.0]), "no fading while the contract runs"
    assert sv["bought_gain"][0] == pytest.approx([0.1, 0.1]), "nothing embedded or lost yet"
    tr, sv = fading_trust(capability=1.0)
    kernel.fade_bought_gains(p, tr, sv)
    assert sv["dq"][0] == pytest.approx([0.0, 0.0]), "a fully capable board holds its gains"


@given(gain=st.floats(0, 1))
def test_a_fully_faded_bought_gain_stops_fading(p, gain):
    tr = trusts(support=NONE, k=0.02, worsen=0.03, capability=0.5)
    sv = services(1, 1, quality=0.6, bought_gain=gain)
    months = [kernel.fade_bought_gains(p, tr, sv) for _ in range(200)]
    assert not months[-1], "after 200 months at 0.15 a month no bought gain is left fading"
    first_done = months.index(False)
    assert not any(months[first_done:]), "once faded, a gain stays faded"
    assert sv["bought_gain"][0, 0] <= support.GONE, "what is left counts as gone"


# ====================================================================================
# C6: kinds of support; what lasts after it ends; the buddy's burden
# ====================================================================================

C6_SUPPORT = {
    **NEUTRAL_PACKAGE,
    "years": 3,
    "regime.improvement.support_months": 12,
    "initial.surplus_margin": 0.05,
    "initial.surplus_margin_sd": 0.005,
    "behaviour.buddy_effectiveness": 0.04,
    "behaviour.buddy_capability_transfer": 0.01,
    "behaviour.buddy_burden": 0.004,
    "behaviour.consultancy_effectiveness": 0.04,
    "behaviour.consultancy_decay": 0.15,
    "behaviour.consultancy_cost": 0.0,  # money aside: compare what each kind leaves behind
    "behaviour.buddy_min_rating_quality": 0.66,
    "behaviour.buddy_capacity": 1,
}


def supported_trajectory(kind: str, seed: int, **extra: Any) -> dict[str, Any]:
    """Put the worst trust in special measures at month 0 with support of ``kind`` and
    follow it (and its buddy) for the run."""
    m = ScenarioEconomy(
        "baseline", rng=seed, **dotted({**C6_SUPPORT, "regime.improvement.model": kind, **extra})
    )
    i = worst_trust(m)
    others = np.arange(m.s.n) != i
    m.s.observed_quality[others] = 0.8  # the others were rated good: they may be buddies
    force_special_measures(m, i)
    helper = int(m.s.buddy_of[i])
    m.run()
    pt = m.recorder.per_trust
    return {
        "model": m,
        "trust": i,
        "helper": helper,
        "capability": pt["capability"][:, i].copy(),
        "quality": pt["quality"][:, i].copy(),
        "helper_capability": pt["capability"][:, helper].copy() if helper >= 0 else None,
        "support": pt["support"][:, i].copy(),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c6_buddy_builds_capability_that_outlasts_support(seed):
    none = supported_trajectory("none", seed)
    buddy = supported_trajectory("buddy", seed)
    assert buddy["helper"] >= 0, "a strong neighbour should be matched as the buddy"
    first, last = buddy["support"][0], buddy["support"][-1]
    assert first == Support.buddy.code and last == Support.none.code, (
        "buddy support should run and then end (support_months=12)"
    )
    end, later = 11, 35  # last month of support; two years after it ended
    gain_end = buddy["capability"][end] - none["capability"][end]
    gain_later = buddy["capability"][later] - none["capability"][later]
    assert gain_end > 0, "peer support should build the supported board's capability (C6, C11)"
    assert gain_later > 0.5 * gain_end, (
        "capability built by a buddy should largely last after support ends (C6)"
    )
    assert buddy["quality"][later] > none["quality"][later], (
        "two years after buddy support the trust should still be better than unsupported"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c6_consultancy_gains_fade_after_the_contract(seed):
    none = supported_trajectory("none", seed)
    consult = supported_trajectory("consultancy", seed)
    buddy = supported_trajectory("buddy", seed)
    end, later = 11, 35
    c_end = consult["quality"][end] - none["quality"][end]
    c_later = consult["quality"][later] - none["quality"][later]
    b_end = buddy["quality"][end] - none["quality"][end]
    b_later = buddy["quality"][later] - none["quality"][later]
    assert c_end > 0, "consultancy should raise quality while it runs (C6)"
    assert c_later < 0.5 * c_end, "consultancy's gains should fade after the contract ends"
    assert b_later / b_end > c_later / c_end, (
        "a larger share of the buddy's gain than of the consultants' should last (C6)"
    )
    assert np.array_equal(consult["capability"], none["capability"]), (
        "consultancy builds no board capability: the board's trajectory is unchanged"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_c6_buddying_costs_the_buddy_its_own_capability(seed):
    burden = supported_trajectory("buddy", seed)
    free = supported_trajectory("buddy", seed, **{"behaviour.buddy_burden": 0.0})
    assert burden["helper"] == free["helper"] >= 0, "the same buddy in both arms"
    assert burden["helper_capability"][11] < free["helper_capability"][11], (
        "supporting another trust should cost the buddy's own board capability (C6)"
    )
    s = summarise(burden["model"])
    assert s["buddy_capability_lost"] > 0 and s["buddy_months"] >= 12, (
        "the summary should report the buddy's lost capability and months of buddying"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_c6_a_trust_that_pays_its_consultants_is_poorer_by_the_fee(seed):
    """The worst trust in special measures at month 0 with consultants at £0.25m a
    month: in month 1 its surplus is lower by the fee when it pays them, and the
    regime's spending is higher by the fee when it does."""
    fee = 0.25  # £m a month at full intensity (set below)
    surplus, regime = {}, {}
    for share in (0.0, 1.0):
        m = ScenarioEconomy(
            "baseline",
            rng=seed,
            **dotted(
                {
                    **NEUTRAL_PACKAGE,
                    "years": 1,
                    "regime.improvement.model": "consultancy",
                    "behaviour.consultancy_cost": fee,
                    "behaviour.consultancy_paid_by_trust": share,
                }
            ),
        )
        i = worst_trust(m)
        force_special_measures(m, i)
        m.step()
        surplus[share] = m.recorder.per_trust["surplus"][0, i]
        regime[share] = m.recorder.monthly["regime_cost"][0]
    assert surplus[1.0] == pytest.approx(surplus[0.0] - fee, abs=1e-9), (
        "a trust paying for its consultants should have a surplus lower by the fee (£0.25m)"
    )
    assert regime[0.0] == pytest.approx(regime[1.0] + fee, abs=1e-9), (
        "when the trust does not pay, the regime pays the fee instead"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_an_improvement_director_speeds_improvement_while_in_post_and_costs_the_regime(seed):
    """The worst trust in special measures at month 0 with an improvement director for
    12 months, against no support on the same seed: its quality is higher while the
    director is in post; the regime pays the director's cost every month of it; with
    powers, the director is one more body over the board."""
    fee = 0.02
    none = supported_trajectory("none", seed, **{"behaviour.director_cost": fee})
    director = supported_trajectory("director", seed, **{"behaviour.director_cost": fee})
    assert director["support"][0] == DIRECTOR and director["support"][12] == NONE, (
        "the director should be in post for 12 months, then leave"
    )
    assert director["quality"][11] > none["quality"][11], (
        "a trust with an improvement director should improve faster while it is in post"
    )
    cost = director["model"].recorder.monthly["regime_cost"][:12]
    base = none["model"].recorder.monthly["regime_cost"][:12]
    np.testing.assert_allclose(
        cost[1:11] - base[1:11],
        fee,
        atol=1e-12,
        err_msg="the regime should pay the director's £0.02m every month it is in post",
    )
    powers = supported_trajectory(
        "director",
        seed,
        **{"regime.improvement.powers": True, "behaviour.accountability_penalty": 0.2},
    )
    i = powers["trust"]
    clarity = powers["model"].recorder.per_trust["clarity"]
    assert clarity[5, i] < director["model"].recorder.per_trust["clarity"][5, i], (
        "a director with powers over the board should lower accountability clarity (C7)"
    )


def test_consultants_may_leave_some_capability_behind():
    """With consultancy_capability_transfer 0.005 a month at full intensity, a board at
    capability 0.4 learns 0.005 x (1 - 0.4) = 0.003 from its consultants."""
    p = packed({**SUPPORT, "behaviour.consultancy_capability_transfer": 0.005})
    tr = trusts(support=CONSULTANCY, capability=0.4, clarity=1.0)
    sv = services(1, 2, quality=np.array([[0.5, 0.6]]))
    kernel.support_effect(p, tr, sv)
    assert tr["capability"][0] == pytest.approx(0.403), "0.005 x (1 - 0.4) learnt"


@pytest.mark.parametrize("seed", [1, 2])
def test_c6_consultants_who_transfer_skills_leave_a_more_capable_board(seed):
    """The advocates' claim for consultancy: a turnaround team leaves some skills
    behind, so the board is more capable after the contract and its gains fade less."""
    plain = supported_trajectory("consultancy", seed)
    transfer = supported_trajectory(
        "consultancy", seed, **{"behaviour.consultancy_capability_transfer": 0.01}
    )
    end, later = 11, 35
    assert transfer["capability"][end] > plain["capability"][end], (
        "consultants who transfer skills should leave the board more capable (C6)"
    )
    assert transfer["quality"][later] > plain["quality"][later], (
        "and the trust should hold more of its gains two years on"
    )
