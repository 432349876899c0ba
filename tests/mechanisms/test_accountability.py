"""Accountability: outside bodies with powers blur who is in charge (C7;
``healthsim.model.mechanisms.accountability``).

Rule tests count the bodies in each situation and work clarity by hand; hypothesis
checks that each body lowers clarity. The whole-model tests check that powers slow a
board's improvement through clarity, and only through it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.model import Rung
from healthsim.model.mechanisms import accountability

from .helpers import NEUTRAL_PACKAGE, behaviour, followed, packed

pytestmark = pytest.mark.mechanism

#: conditions, directions and a helper with powers all in force; penalty 0.2 per body
ALL_POWERS = {
    **behaviour(accountability_penalty=0.2),
    "regime.ladder.oversight_directions": True,
    "regime.improvement.powers": True,
}


@pytest.fixture(scope="module")
def p():
    return packed(ALL_POWERS)


# ====================================================================================
# rules
# ====================================================================================


@pytest.mark.parametrize(
    ("conditions", "rung", "supported", "bodies", "who"),
    [
        (False, Rung.none, False, 0, "nobody but the board"),
        (True, Rung.warning, False, 1, "the commissioner's conditions"),
        (False, Rung.special_measures, False, 1, "the oversight body's directions"),
        (False, Rung.special_measures, True, 2, "directions and a helper with powers"),
        (False, Rung.administration, True, 3, "the administrator, directions and the helper"),
        (False, Rung.advice, True, 0, "a helper holds powers only in special measures"),
    ],
)
def test_bodies_over_the_board(p, conditions, rung, supported, bodies, who):
    assert accountability.bodies(p, conditions, rung, supported) == bodies, (
        f"{bodies} bodies: {who}"
    )


def test_bodies_without_the_regimes_powers():
    p = packed(
        {
            **ALL_POWERS,
            "regime.ladder.oversight_directions": False,
            "regime.improvement.powers": False,
        }
    )
    assert accountability.bodies(p, False, Rung.special_measures, True) == 0, (
        "no directions and a helper without powers: nobody over the board"
    )
    assert accountability.bodies(p, False, Rung.administration, True) == 1, (
        "administration always puts an administrator over the board"
    )


def test_clarity_worked_values(p):
    assert accountability.clarity(p, 0.0) == 1.0, "the board alone: full clarity"
    assert accountability.clarity(p, 2.0) == pytest.approx(1 / 1.4), "1 / (1 + 0.2 x 2)"


@given(n=st.integers(0, 10))
def test_clarity_falls_with_each_body(p, n):
    fewer, more = accountability.clarity(p, float(n)), accountability.clarity(p, n + 1.0)
    assert 0.0 < more < fewer <= 1.0, "each outside body with powers should lower clarity (C7)"


# ====================================================================================
# C7: accountability clarity
# ====================================================================================

C7_SUPPORT = {
    **NEUTRAL_PACKAGE,
    "years": 1,
    "regime.improvement.model": "central",
    "regime.improvement.support_months": 24,
    "behaviour.central_effectiveness": 0.05,
    "behaviour.accountability_penalty": 0.5,
    "behaviour.powers_capacity": 0.0,  # the critics' side alone (the other side below)
}
POWERS = {
    "regime.improvement.powers": True,
    "regime.ladder.oversight_directions": True,
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c7_more_bodies_with_powers_lower_clarity_slower_improvement(seed):
    alone, i = followed(C7_SUPPORT, seed)
    crowded, _ = followed({**C7_SUPPORT, **POWERS}, seed)
    pa, pc = alone.recorder.per_trust, crowded.recorder.per_trust
    assert crowded.s.bodies[i] > alone.s.bodies[i], "powers should add bodies over the board"
    assert pc["clarity"][6, i] < pa["clarity"][6, i], (
        "each outside body holding powers should lower accountability clarity (C7)"
    )
    gain_alone = pa["quality"][11, i] - pa["quality"][0, i]
    gain_crowded = pc["quality"][11, i] - pc["quality"][0, i]
    assert gain_crowded < gain_alone, (
        "with too many in charge, the board should improve more slowly (C7)"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_c7_a_helper_with_powers_is_one_more_body_in_charge(seed):
    """The helper's powers alone (no directions, no conditions): one more body over the
    supported board, clarity 1 / (1 + 0.5) instead of 1, and slower improvement."""
    plain, i = followed(C7_SUPPORT, seed)
    empowered, _ = followed({**C7_SUPPORT, "regime.improvement.powers": True}, seed)
    assert empowered.s.bodies[i] == plain.s.bodies[i] + 1, (
        "a helper with powers is one more body over the board"
    )
    pp, pe = plain.recorder.per_trust, empowered.recorder.per_trust
    assert pe["clarity"][6, i] < pp["clarity"][6, i], (
        "the helper's powers should lower accountability clarity (C7)"
    )
    assert (
        pe["quality"][11, i] - pe["quality"][0, i] < pp["quality"][11, i] - pp["quality"][0, i]
    ), "help that comes with powers over the board should slow its improvement (C7)"


def test_c7_no_penalty_no_difference():
    """The slowdown comes through clarity alone: without the penalty, powers change
    nothing."""
    free = {**C7_SUPPORT, "behaviour.accountability_penalty": 0.0}
    alone, _ = followed(free, 1)
    crowded, _ = followed({**free, **POWERS}, 1)
    assert np.array_equal(alone.s.quality, crowded.s.quality), (
        "with accountability_penalty=0 bodies with powers should not change quality"
    )


# ====================================================================================
# the other side of powers: a weak board overruled acts faster
# ====================================================================================


def test_bodies_with_powers_fill_part_of_what_a_board_lacks():
    p = packed({**ALL_POWERS, **behaviour(powers_capacity=0.2)})
    assert accountability.overruled(p, 2.0, 0.4) == pytest.approx(0.64), (
        "two bodies each fill 0.2 of the missing capability: 0.4 + 0.4 x 0.6"
    )
    assert accountability.overruled(p, 0.0, 0.4) == 0.4, "no body, nothing overruled"
    assert accountability.overruled(p, 9.0, 0.4) == pytest.approx(1.0), "at most all of it"
    none = packed({**ALL_POWERS, **behaviour(powers_capacity=0.0)})
    assert accountability.overruled(none, 2.0, 0.4) == 0.4, "no capacity, no effect"


def test_powers_help_a_weak_board_and_hold_back_a_strong_one():
    """capability x clarity, what improvement scales with: outside powers (capacity 0.2,
    penalty 0.2, two bodies) help where the board is weak, not where it is strong."""
    p = packed({**ALL_POWERS, **behaviour(powers_capacity=0.2, accountability_penalty=0.2)})
    clarity = accountability.clarity(p, 2.0)
    weak, strong = 0.2, 0.9
    assert accountability.overruled(p, 2.0, weak) * clarity > weak, (
        "a weak board (0.2): 0.52 x 1/1.4 = 0.37 > 0.2, powers help"
    )
    assert accountability.overruled(p, 2.0, strong) * clarity < strong, (
        "a strong board (0.9): 0.94 x 1/1.4 = 0.67 < 0.9, powers cost more than they give"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_a_weak_board_under_powers_improves_faster_when_they_can_overrule_it(seed):
    """The worst trust in special measures with directions over its weak board: it
    improves faster when the oversight body's powers can fill what the board lacks."""
    settings = {
        **NEUTRAL_PACKAGE,
        "regime.ladder.oversight_directions": True,
        "behaviour.accountability_penalty": 0.2,
        "initial.capability_mean": 0.25,
    }
    quality = {}
    for capacity in (0.0, 0.3):
        m, i = followed({**settings, "behaviour.powers_capacity": capacity}, seed, 12)
        quality[capacity] = m.recorder.per_trust["quality"][11, i]
    assert quality[0.3] > quality[0.0], (
        "a weak board overruled by a body with powers should improve faster"
    )
