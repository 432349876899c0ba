"""Reputation and the media: what public naming does to a trust (C2, C5;
``healthsim.model.mechanisms.reputation``).

Rule tests work patient moves, recruitment, a month of reputation and salience, and
naming by hand (the coefficients pinned in ``REPUTATION``). The whole-model tests check
that naming lowers reputation and moves patients to neighbours.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.mechanisms import reputation

from .helpers import (
    NEUTRAL_PACKAGE,
    behaviour,
    dotted,
    followed,
    force_special_measures,
    packed,
    trusts,
    worst_trust,
)

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults)
REPUTATION = behaviour(
    reputation_loss_naming=0.3,
    naming_reputation_factor=0.4,
    reputation_offset=0.2,
    reputation_recovery=0.03,
    reputation_demand_shift=0.15,
    reputation_recruitment=0.5,
    scandal_rate=0.01,
    story_salience=0.5,
    naming_salience=0.5,
    salience_decay=0.1,
)

SHARES = st.floats(0, 1)


@pytest.fixture(scope="module")
def p():
    return packed(REPUTATION)


# ====================================================================================
# rules
# ====================================================================================


def test_patients_move_away_from_a_poor_reputation(p):
    assert reputation.demand_moved(p, 100.0, 0.6, False) == pytest.approx(6.0), (
        "100 x 0.15 x (1 - 0.6): six bed equivalents move to neighbours"
    )
    assert reputation.demand_moved(p, 100.0, 1.0, False) == 0.0, (
        "nobody leaves a perfect reputation"
    )


def test_recruits_avoid_a_poor_reputation(p):
    assert reputation.recruitment_factor(p, 0.6) == pytest.approx(0.8), "1 - 0.5 x 0.4"
    assert reputation.recruitment_factor(p, 0.0) == pytest.approx(0.5), (
        "at zero reputation half of recruitment is lost"
    )
    assert reputation.recruitment_factor(p, 1.0) == 1.0, "a perfect reputation loses none"


@pytest.mark.parametrize(
    ("named", "quality", "expected", "how"),
    [
        (False, 0.6, 0.703, "target min(1, 0.2 + 0.6) = 0.8: 0.7 + 0.03 x 0.1"),
        (True, 0.6, 0.6934, "named, the target is 0.8 x (1 - 0.4) = 0.48: 0.7 - 0.03 x 0.22"),
        (False, 0.9, 0.709, "the target is capped at 1: 0.7 + 0.03 x 0.3"),
    ],
)
def test_a_month_of_reputation(p, named, quality, expected, how):
    tr = trusts(reputation=0.7, named=named)
    reputation.settle(p, tr[0], quality, 1.0)
    assert tr["reputation"][0] == pytest.approx(expected, rel=1e-12), (
        f"reputation should be {expected}: {how}"
    )


@pytest.mark.parametrize(
    ("salience", "draw", "expected", "how"),
    [
        (0.4, 0.5, 0.36, "no story: 0.4 fades by 0.1"),
        (0.4, 0.005, 0.86, "a story (0.005 < 0.01) adds 0.5: 0.36 + 0.5"),
        (0.9, 0.005, 1.0, "0.81 + 0.5 is capped at 1"),
    ],
)
def test_a_month_of_media_salience(p, salience, draw, expected, how):
    tr = trusts(reputation=0.7, salience=salience)
    reputation.settle(p, tr[0], 0.6, draw)
    assert tr["salience"][0] == pytest.approx(expected, rel=1e-12), (
        f"salience should be {expected}: {how}"
    )


@given(rep=SHARES, q=SHARES)
def test_naming_never_raises_reputation(p, rep, q):
    quiet, named = trusts(reputation=rep), trusts(reputation=rep, named=True)
    reputation.settle(p, quiet[0], q, 1.0)
    reputation.settle(p, named[0], q, 1.0)
    assert 0.0 <= named["reputation"][0] <= quiet["reputation"][0] <= 1.0, (
        "reputation stays in [0, 1], never higher for being named"
    )


def test_naming_costs_reputation_at_once_and_makes_news():
    m = ScenarioEconomy("baseline", rng=1, **dotted({**NEUTRAL_PACKAGE, **REPUTATION}))
    m.s.reputation[0], m.s.salience[0] = 0.7, 0.2
    reputation.name_publicly(m, 0)
    assert m.s.named[0], "the trust is named"
    assert m.s.reputation[0] == pytest.approx(0.49), "it loses 0.3 of its reputation: 0.7 x 0.7"
    assert m.s.salience[0] == pytest.approx(0.7), "and becomes news: 0.2 + 0.5"


# ====================================================================================
# C5: naming and reputation
# ====================================================================================

NAMING = {
    **NEUTRAL_PACKAGE,
    "years": 1,
    "behaviour.base_occupancy": 0.6,  # room everywhere: no overflow, shifts are visible
    "initial.social_care_shortfall": 0.0,
    "behaviour.reputation_loss_naming": 0.3,
    "behaviour.reputation_demand_shift": 0.3,
    "regime.improvement.model": "none",
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c5_naming_lowers_reputation_and_moves_patients_to_neighbours(seed):
    out = {}
    for naming in (False, True):
        m = ScenarioEconomy(
            "baseline", rng=seed, **dotted({**NAMING, "regime.communication.naming": naming})
        )
        i = worst_trust(m)
        force_special_measures(m, i)
        m.run(6)
        out[naming] = (m, i)
    (quiet, i), (named, _) = out[False], out[True]
    pq, pn = quiet.recorder.per_trust, named.recorder.per_trust
    assert pn["reputation"][5, i] < pq["reputation"][5, i], (
        "a trust named publicly should lose reputation (C5)"
    )
    assert pn["occupancy"][5, i] < pq["occupancy"][5, i], (
        "a named trust should lose patients: lower occupancy than unnamed"
    )
    others = np.arange(named.s.n) != i
    nbrs = others & (named.flow[:, i] > 0)
    assert pn["occupancy"][5, nbrs].sum() > pq["occupancy"][5, nbrs].sum(), (
        "the named trust's neighbours should take the patients it loses (C5, C8)"
    )
    assert (
        named.recorder.monthly["demand_diverted"][5] > quiet.recorder.monthly["demand_diverted"][5]
    ), "more demand should be shifted between trusts after naming"


# ====================================================================================
# the other side of naming: it informs patients and GPs
# ====================================================================================


def test_naming_informs_patients_worked_value():
    p = packed(behaviour(reputation_demand_shift=0.15, naming_informs_choice=0.1))
    assert reputation.demand_moved(p, 100.0, 0.6, True) == pytest.approx(16.0), (
        "a named trust at reputation 0.6 loses 100 x (0.15 x 0.4 + 0.1) = 16 to neighbours"
    )
    assert reputation.demand_moved(p, 100.0, 0.6, False) == pytest.approx(6.0), (
        "an unnamed one only what its reputation moves"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_naming_steers_patients_away_from_the_named_trust(seed):
    settings = {**NEUTRAL_PACKAGE, "regime.communication.naming": True}
    occupancy, moved = {}, {}
    for informs in (0.0, 0.1):
        m, i = followed({**settings, "behaviour.naming_informs_choice": informs}, seed, 6)
        occupancy[informs] = m.recorder.per_trust["occupancy"][:6, i].mean()
        moved[informs] = m.recorder.monthly["demand_diverted"][:6].sum()
    assert occupancy[0.1] < occupancy[0.0], (
        "a named trust treats fewer patients when naming informs"
    )
    assert moved[0.1] > moved[0.0], "more demand moves between trusts"
