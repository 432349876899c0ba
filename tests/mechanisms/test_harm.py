"""Avoidable harm and how much of it is reported (C5; ``healthsim.model.mechanisms.harm``).

Rule tests work the harm rate at a few qualities by hand (the coefficients pinned in
``HARM``) and check with hypothesis that harm falls as quality rises; a whole-model
test checks that worse care brings more harm to the trust giving it and to no other.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.mechanisms import harm

from .helpers import NEUTRAL_PACKAGE, behaviour, dotted, packed, params, services

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults)
HARM = behaviour(harm_rate_at_reference=0.015, quality_reference=0.66, harm_convexity=2.0)


@pytest.fixture(scope="module")
def p():
    return packed(HARM)


# ====================================================================================
# rules
# ====================================================================================


@pytest.mark.parametrize(
    ("q", "expected", "how"),
    [
        (0.66, 0.015, "at the reference quality: the reference rate"),
        (0.32, 0.06, "gap (1 - 0.32) / (1 - 0.66) = 2, squared: 4 x 0.015"),
        (0.83, 0.00375, "gap 0.5, squared: 0.25 x 0.015"),
        (1.0, 0.0, "perfect care harms no one"),
    ],
)
def test_harm_rate_worked_values(p, q, expected, how):
    assert harm.rate(p, q) == pytest.approx(expected, rel=1e-12, abs=1e-15), (
        f"harm rate should be {expected}: {how}"
    )


@pytest.mark.parametrize(("convexity", "expected"), [(1.0, 0.03), (3.0, 0.12)])
def test_harm_convexity_is_the_power_of_the_gap(convexity, expected):
    p = packed({**HARM, **behaviour(harm_convexity=convexity)})
    assert harm.rate(p, 0.32) == pytest.approx(expected, rel=1e-12), (
        f"at twice the reference gap, harm is 2^{convexity:g} x 0.015 = {expected}"
    )


@given(q1=st.floats(0, 1), q2=st.floats(0, 1))
def test_harm_falls_as_quality_rises(p, q1, q2):
    assume(abs(q1 - q2) > 1e-9)
    worse, better = min(q1, q2), max(q1, q2)
    assert harm.rate(p, worse) > harm.rate(p, better) >= 0.0, (
        "better care should always mean less avoidable harm per admission"
    )


def test_a_trusts_harm_is_its_services_rates_times_admissions(p):
    sv = services(2, 2, quality=np.array([[0.66, 0.32], [1.0, 1.0]]))
    assert harm.events(p, sv, 0, 10.0) == pytest.approx(0.75), (
        "10 admissions to each service: 10 x (0.015 + 0.06)"
    )
    out = harm.rates(params(HARM), sv["quality"], np.empty((2, 2)))
    assert out == pytest.approx(np.array([[0.015, 0.06], [0.0, 0.0]])), (
        "every service's rate, trust by trust"
    )


def test_reported_harm_per_admission():
    assert harm.reported_per_admission(3.0, 100.0, 6) == pytest.approx(0.005), (
        "3 reported over 100 admissions to each of 6 services"
    )
    assert harm.reported_per_admission(0.0, 0.0, 6) == 0.0, (
        "no admissions: no rate (and no division by zero)"
    )


@pytest.mark.parametrize("convexity", [0.0, 0.5])
def test_harm_at_perfect_quality_is_a_number_for_any_allowed_convexity(convexity):
    p = packed({**HARM, **behaviour(harm_convexity=convexity)})
    assert np.isfinite(harm.rate(p, 1.0)), "the harm rate of perfect care should be finite"


# ====================================================================================
# whole model
# ====================================================================================


def test_worse_care_more_harm_where_it_is_given():
    """Month 1: trust 0's services made 0.2 worse, nothing else changed."""
    harm_by_trust = {}
    for worse in (False, True):
        m = ScenarioEconomy("baseline", rng=2, **dotted({**NEUTRAL_PACKAGE, **HARM}))
        if worse:
            m.s.quality[0] -= 0.2
        m.step()
        harm_by_trust[worse] = m.recorder.per_trust["harm"][0].copy()
    assert harm_by_trust[True][0] > harm_by_trust[False][0], (
        "worse care should mean more avoidable harm (C5)"
    )
    assert np.array_equal(harm_by_trust[True][1:], harm_by_trust[False][1:]), (
        "other trusts' harm in month 1 is untouched"
    )
