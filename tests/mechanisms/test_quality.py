"""Quality of care: improvement, deterioration, local shocks and true failure (C3, C8,
C10, C11; ``healthsim.model.mechanisms.quality``).

Rule tests work the improvement rate, the deterioration rate and a month's settling of
quality (noise, shocks, the clip, true failure) by hand, with the coefficients pinned
in ``QUALITY``; hypothesis checks the steady state and the directions. (How local
shocks open pockets of poor care in good trusts, C3, is a whole-model test of
identification: ``test_inspection.py``.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.model.mechanisms import quality

from .helpers import behaviour, draws_by_service, packed, services, trusts

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults), with the regime's bar 0.5
#: and breadth rule 2
QUALITY = {
    **behaviour(
        improvement_rate=0.15,
        baseline_deterioration=0.0229,
        occupancy_threshold=0.92,
        occupancy_harm=0.05,
        safe_staffing=0.95,
        understaffing_harm=0.03,
        cuts_harm=0.6,
        morale_harm=0.02,
        morale_threshold=0.6,
        staffing_resource_cap=1.1,
        shock_rate=0.012,
        shock_size=0.14,
        quality_noise_sd=0.006,
    ),
    "regime.identification.bar": 0.5,
    "regime.identification.breadth_rule": 2,
}

RATES = st.floats(1e-4, 1)


@pytest.fixture(scope="module")
def p():
    return packed(QUALITY)


# ====================================================================================
# improvement and deterioration
# ====================================================================================


def test_mean_quality_of_a_trusts_services():
    sv = services(2, 3, quality=np.array([[0.2, 0.4, 0.9], [0.0, 0.0, 0.0]]))
    assert quality.mean_quality(sv, 0) == pytest.approx(0.5), "(0.2 + 0.4 + 0.9) / 3"


def test_resources_worked_values(p):
    assert quality.resources(p, 1.2, 0.1) == pytest.approx(1.21), (
        "staffing 1.2 counts up to the cap 1.1, raised 10% by improvement money"
    )
    assert quality.resources(p, 0.9, 0.0) == pytest.approx(0.9), "short-staffed, no money"


def test_improvement_worked_values(p):
    assert quality.improvement(p, 1.0, 1.0, 1.0, 1.0, 1.0) == pytest.approx(0.15), (
        "a fully capable, open, resourced, clear board with no push closes 0.15 a month"
    )
    assert quality.improvement(p, 0.5, 0.8, 1.0, 0.9, 1.1) == pytest.approx(0.0594), (
        "0.15 x capability 0.5 x learning 0.8 x resources 1 x clarity 0.9 x drive 1.1"
    )


def test_deterioration_worked_values(p):
    """0.0229 + 0.05 x (0.96 - 0.92) + 0.03 x (0.95 - 0.85) + 0.6 x 0.12 / 12
    + 0.02 x (0.6 - 0.5) = 0.0229 + 0.002 + 0.003 + 0.006 + 0.002."""
    assert quality.deterioration(p, 0.96, 0.85, 0.12, 0.5) == pytest.approx(0.0359), (
        "every pressure adds to entropy: 0.0359 a month"
    )
    assert quality.deterioration(p, 0.85, 1.0, 0.0, 0.7) == pytest.approx(0.0229), (
        "no pressure: ordinary entropy only"
    )


@given(
    o1=st.floats(0, 1.5),
    o2=st.floats(0, 1.5),
    s1=st.floats(0, 1.5),
    s2=st.floats(0, 1.5),
    cut=st.floats(0, 0.5),
    morale=st.floats(0, 1),
)
def test_pressure_never_lowers_deterioration(p, o1, o2, s1, s2, cut, morale):
    crowded = quality.deterioration(p, max(o1, o2), min(s1, s2), cut, morale)
    easier = quality.deterioration(p, min(o1, o2), max(s1, s2), cut, morale)
    assert crowded >= easier >= 0.0229, (
        "fuller beds and fewer staff never erode quality less; entropy is the floor"
    )


def test_change_worked_value():
    assert quality.change(0.1, 0.05, 0.6) == pytest.approx(0.01), "0.1 x 0.4 - 0.05 x 0.6"


@given(k=RATES, d=RATES, q=st.floats(0, 1))
def test_quality_moves_towards_its_steady_state(k, d, q):
    steady = k / (k + d)
    dq = quality.change(k, d, q)
    assert quality.change(k, d, steady) == pytest.approx(0.0, abs=1e-12), (
        "at q* = k / (k + D) improvement and deterioration balance"
    )
    if q < steady - 1e-9:
        assert dq > 0, "below its steady state quality rises"
    elif q > steady + 1e-9:
        assert dq < 0, "above its steady state quality falls"


# ====================================================================================
# a month's settling
# ====================================================================================


def test_settle_worked_values(p):
    """Three services at 0.6, each changing by +0.01 this month. Service 0: noise draw 1
    x 0.006 -> 0.616; service 1: a shock (draw 0.001 < 0.012) of size 1 x 0.14 -> 0.47;
    service 2: no shock (draw 0.5), whatever its size -> 0.61. One service below the bar
    0.5: not truly failing under a breadth rule of 2."""
    tr = trusts()
    sv = services(1, 3, quality=0.6, dq=0.01)
    d = draws_by_service(
        1,
        1,
        3,
        quality_noise=np.array([[[1.0, 0.0, 0.0]]]),
        shock_u=np.array([[[0.5, 0.001, 0.5]]]),
        shock_size=np.array([[[0.0, 1.0, 5.0]]]),
    )
    quality.settle(p, tr[0], sv, 0, d, 0)
    assert sv["quality"][0] == pytest.approx([0.616, 0.47, 0.61]), (
        "quality takes its change, the noise and the shock"
    )
    assert tr["quality_mean"][0] == pytest.approx((0.616 + 0.47 + 0.61) / 3), "the mean"
    assert tr["quality_worst"][0] == pytest.approx(0.47), "the worst service"
    assert not tr["truly"][0] and tr["failing_since"][0] == -1, (
        "one pocket below the bar is not true failure (breadth rule 2)"
    )


def test_settle_clips_and_dates_true_failure(p):
    tr = trusts()
    sv = services(1, 3, quality=np.array([[0.99, 0.3, 0.2]]), dq=np.array([[0.05, -0.4, 0.0]]))
    d = draws_by_service(9, 1, 3, shock_u=1.0)
    quality.settle(p, tr[0], sv, 0, d, 7)
    assert list(sv["quality"][0]) == [1.0, 0.0, pytest.approx(0.2)], "quality is kept in [0, 1]"
    assert tr["truly"][0] and tr["failing_since"][0] == 7, (
        "two services below the bar: truly failing since month 7"
    )
    sv["dq"] = 0.0
    quality.settle(p, tr[0], sv, 0, d, 8)
    assert tr["failing_since"][0] == 7, "a failure spell keeps the month it began"
    sv["quality"] = 0.8
    quality.settle(p, tr[0], sv, 0, d, 8)
    assert not tr["truly"][0] and tr["failing_since"][0] == -1, "recovered: no spell"
