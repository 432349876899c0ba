"""The workforce: leavers, hiring, vacancies and morale (C5, C8, C10;
``healthsim.model.mechanisms.workforce``).

Rule tests work the leaving, hiring and morale equations by hand (the coefficients
pinned in ``WORKFORCE``) and check their bounds with hypothesis; the whole-model tests
check that a squeeze lowers staffing and that fear lowers morale.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim import run
from healthsim.model.mechanisms import workforce

from .helpers import FEARFUL, behaviour, packed, runs

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults)
WORKFORCE = behaviour(
    turnover_base=0.011,
    fear_turnover=0.6,
    morale_turnover=1.0,
    morale_threshold=0.6,
    recruitment_rate=0.17,
    hiring_restraint=0.3,
    morale_adjustment=0.1,
    morale_base=0.72,
    fear_morale=0.3,
    crowding_morale=1.5,
    understaffing_morale=0.8,
    quality_morale=0.3,
    occupancy_threshold=0.92,
    quality_reference=0.66,
)

SHARES = st.floats(0, 1)


@pytest.fixture(scope="module")
def p():
    return packed(WORKFORCE)


@pytest.fixture(scope="module")
def extreme():
    """Every leaving coefficient at the top of its range."""
    return packed(
        {**WORKFORCE, **behaviour(turnover_base=0.2, fear_turnover=5.0, morale_turnover=10.0)}
    )


# ====================================================================================
# staff
# ====================================================================================


def test_vacancies_are_funded_posts_not_filled():
    assert workforce.vacancies(1.0, 1.1, 0.93) == pytest.approx(0.17), (
        "1.0 x activity 1.1 funded, 0.93 in post: 0.17 vacant"
    )
    assert workforce.vacancies(0.9, 1.0, 0.95) == 0.0, "more staff than funded posts: none vacant"


@pytest.mark.parametrize(
    ("fear", "morale", "expected", "how"),
    [
        (0.5, 0.5, 0.01386, "0.9 x 0.011 x (1 + 0.6 x 0.5 + 1 x (0.6 - 0.5))"),
        (0.0, 0.7, 0.0099, "0.9 x 0.011: no fear, morale above the threshold"),
        (1.0, 0.6, 0.01584, "0.9 x 0.011 x (1 + 0.6)"),
    ],
)
def test_leavers_worked_values(p, fear, morale, expected, how):
    assert workforce.leavers(p, 0.9, fear, morale) == pytest.approx(expected, rel=1e-12), (
        f"leavers should be {expected}: {how}"
    )


def test_leaving_is_capped_at_all_staff(extreme):
    assert workforce.leavers(extreme, 0.9, 1.0, 0.6) == pytest.approx(0.9), (
        "a leaving rate of 0.2 x (1 + 5) = 1.2 a month is capped: all 0.9 leave, no more"
    )


@given(staff=st.floats(0, 1.5), fear=SHARES, morale=SHARES)
def test_leavers_never_exceed_staff(extreme, staff, fear, morale):
    gone = workforce.leavers(extreme, staff, fear, morale)
    assert 0.0 <= gone <= staff, "leavers are between none and every member of staff"


@given(f1=SHARES, f2=SHARES, morale=SHARES)
def test_more_fear_never_fewer_leavers(p, f1, f2, morale):
    lo, hi = min(f1, f2), max(f1, f2)
    assert workforce.leavers(p, 0.9, hi, morale) >= workforce.leavers(p, 0.9, lo, morale), (
        "fear drives staff away: never fewer leavers with more fear"
    )


def test_hiring_worked_values(p):
    assert workforce.hired(p, 0.1, 0.8, False) == pytest.approx(0.0136), (
        "0.1 vacant x 0.17 a month x recruitment factor 0.8"
    )
    assert workforce.hired(p, 0.1, 0.8, True) == pytest.approx(0.00952), (
        "in deficit, the hiring freeze keeps 1 - 0.3 of that: 0.0136 x 0.7"
    )


@given(vac=st.floats(0, 1), factor=SHARES, in_deficit=st.booleans())
def test_hiring_never_fills_more_than_the_vacancies(p, vac, factor, in_deficit):
    assert 0.0 <= workforce.hired(p, vac, factor, in_deficit) <= vac, (
        "a month's hiring fills at most the posts vacant"
    )


# ====================================================================================
# morale
# ====================================================================================


def test_morale_target_worked_value(p):
    """0.72 - 0.3 x 0.5 (fear) - 1.5 x (0.96 - 0.92) (crowding) - 0.8 x (1 - 0.9)
    (understaffing) + 0.3 x (0.76 - 0.66) (good care) = 0.72 - 0.15 - 0.06 - 0.08 + 0.03."""
    assert workforce.morale_target(p, 0.5, 0.96, 0.9, 0.76) == pytest.approx(0.46, rel=1e-12), (
        "morale target should be 0.46"
    )


def test_morale_target_at_ease_is_morale_base(p):
    assert workforce.morale_target(p, 0.0, 0.85, 1.1, 0.66) == pytest.approx(0.72), (
        "no fear, no crowding, full staffing, care at the reference: morale_base"
    )


def test_morale_target_is_clipped(p):
    assert workforce.morale_target(p, 1.0, 1.0, 0.0, 0.0) == 0.0, (
        "0.72 - 0.3 - 0.12 - 0.8 - 0.198 < 0 is clipped to 0"
    )
    proud = packed({**WORKFORCE, **behaviour(morale_base=1.0)})
    assert workforce.morale_target(proud, 0.0, 0.5, 1.0, 1.0) == 1.0, (
        "1 + 0.3 x 0.34 > 1 is clipped to 1"
    )


@given(f1=SHARES, f2=SHARES, occ=st.floats(0, 1.5), staffing=st.floats(0, 1.5), q=SHARES)
def test_morale_target_never_rises_with_fear(p, f1, f2, occ, staffing, q):
    lo, hi = min(f1, f2), max(f1, f2)
    afraid = workforce.morale_target(p, hi, occ, staffing, q)
    assert 0.0 <= afraid <= workforce.morale_target(p, lo, occ, staffing, q) <= 1.0, (
        "morale targets are in [0, 1] and never higher with more fear"
    )


def test_morale_moves_a_share_of_the_gap(p):
    assert workforce.settle_morale(p, 0.5, 0.7) == pytest.approx(0.52), (
        "morale closes 0.1 of the gap to its target a month: 0.5 + 0.1 x 0.2"
    )


# ====================================================================================
# whole model
# ====================================================================================


def test_c10_tighter_squeeze_lower_staffing_and_quality(squeeze_arms):
    easy, tight = squeeze_arms
    staffing_easy = np.mean([r.timeseries["staffing"].iloc[-12:].mean() for r in easy])
    staffing_tight = np.mean([r.timeseries["staffing"].iloc[-12:].mean() for r in tight])
    assert staffing_tight < staffing_easy, "a tighter squeeze should mean lower staffing (C10)"
    for e, t in zip(easy, tight, strict=True):
        assert t.summary["quality_mean_final"] < e.summary["quality_mean_final"], (
            f"seed {e.seed}: a tighter squeeze should mean lower quality (C10)"
        )


def test_c5_fear_lowers_morale():
    """The same fear (blame 0.9 through the general culture), with and without its
    effect on morale (fear_morale)."""
    felt = runs(years=2, seeds=(1, 2, 3), **{**FEARFUL, "behaviour.fear_morale": 0.3})
    shrugged = runs(years=2, seeds=(1, 2, 3), **{**FEARFUL, "behaviour.fear_morale": 0.0})
    for a, b in zip(felt, shrugged, strict=True):
        assert a.summary["fear_mean"] == pytest.approx(b.summary["fear_mean"]), (
            f"seed {a.seed}: both arms should carry the same fear"
        )
        assert a.summary["morale_final"] < b.summary["morale_final"], (
            f"seed {a.seed}: fear should lower staff morale (C5)"
        )


def test_a_trust_whose_beds_are_all_held_by_delayed_discharges_does_not_stop_the_run():
    """Half of social-care need unmet x 2 beds per unit of shortfall: every bed is held
    by a delayed discharge (room 0, nothing treated)."""
    r = run(
        "baseline",
        seed=1,
        years=1,
        overrides={
            "initial.social_care_shortfall": 0.5,
            "behaviour.delayed_discharge_beds_per_shortfall": 2.0,
        },
    )
    assert np.isfinite(r.trusts["staffing"]).all(), (
        "the run should go on, with a finite staffing ratio for every trust"
    )
