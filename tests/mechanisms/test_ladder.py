"""The failure ladder and the regime's package (C4; ``healthsim.model.mechanisms.ladder``).

The ladder has no compiled rule: its decisions are the oversight body's, in Python
(``Oversight.respond``, ``enter_special_measures``, ``review_exit``). Rule tests hand
it one finding at a time; the whole-model tests check the graded ladder against a
binary one and the top rung.
"""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model import Rating, Rung, Support
from healthsim.model.agents import Finding

from .helpers import (
    C1_PATCHY,
    FROZEN_QUALITY,
    NEUTRAL_PACKAGE,
    PLAIN_INSPECTION,
    averaged,
    dotted,
    monthly_total,
    per_trust,
    pooled,
    runs,
)

pytestmark = pytest.mark.mechanism

# ====================================================================================
# the oversight body's response to one finding
# ====================================================================================

RESPONSE = {
    **NEUTRAL_PACKAGE,
    "years": 1,
    "regime.ladder.enabled": True,
    "regime.ladder.conditions_carry_powers": True,
    "regime.identification.breadth_rule": 2,
    "regime.identification.persistence_rule": 1,
    "regime.improvement.model": "central",
}


def finding(i: int, n_fail: int, rating: Rating) -> Finding:
    return Finding(
        month=1,
        trust=i,
        services=(0, 1, 2),
        observed=(0.4, 0.6, 0.7),
        failing_observed=n_fail,
        rating=rating,
        failing_true=n_fail,
        truly_failing=n_fail >= 2,
    )


def economy(**overrides):
    return ScenarioEconomy("baseline", rng=1, **dotted({**RESPONSE, **overrides}))


def test_one_inadequate_service_means_a_warning_with_conditions():
    m = economy()
    m.oversight.respond(0, finding(0, 1, Rating.requires_improvement), "scheduled")
    assert m.s.rung[0] == Rung.warning, "one inadequate service: a warning (graduated ladder)"
    assert m.s.conditions[0], "a warning carries commissioner conditions (conditions_carry_powers)"
    m.oversight.respond(0, finding(0, 0, Rating.good), "scheduled")
    assert m.s.rung[0] == Rung.none and not m.s.conditions[0], (
        "a good finding takes the trust off the ladder and lifts the conditions"
    )


def test_requires_improvement_means_advice():
    m = economy()
    m.oversight.respond(0, finding(0, 0, Rating.requires_improvement), "scheduled")
    assert m.s.rung[0] == Rung.advice, "requires improvement with nothing inadequate: advice"


def test_failing_the_breadth_rule_means_special_measures_and_the_package():
    m = economy()
    m.oversight.respond(0, finding(0, 2, Rating.inadequate), "scheduled")
    assert m.s.rung[0] == Rung.special_measures, "two inadequate services: special measures"
    assert m.s.support[0] == Support.central.code, "the regime's kind of support starts"
    assert m.s.ever_in_sm[0], "the spell is recorded"


def test_a_binary_ladder_goes_straight_from_nothing_to_special_measures():
    m = economy(**{"regime.ladder.graduated": False})
    m.oversight.respond(0, finding(0, 1, Rating.requires_improvement), "scheduled")
    assert m.s.rung[0] == Rung.none, "a binary ladder has no warning for one pocket"
    m.oversight.respond(0, finding(0, 2, Rating.inadequate), "scheduled")
    assert m.s.rung[0] == Rung.special_measures, "failing the breadth rule: special measures"


def test_a_persistence_rule_waits_for_failing_inspections_in_a_row():
    m = economy(**{"regime.identification.persistence_rule": 2})
    m.oversight.respond(0, finding(0, 2, Rating.inadequate), "scheduled")
    assert m.s.rung[0] == Rung.warning, "the first failing inspection: a warning only"
    m.oversight.respond(0, finding(0, 2, Rating.inadequate), "scheduled")
    assert m.s.rung[0] == Rung.special_measures, "the second in a row: special measures"


def test_no_ladder_no_response():
    m = economy(**{"regime.ladder.enabled": False})
    m.oversight.respond(0, finding(0, 3, Rating.inadequate), "scheduled")
    assert m.s.rung[0] == Rung.none, "with the ladder off an inspection changes no rung"


# ====================================================================================
# C4: the graded ladder
# ====================================================================================

C4_LADDER = {
    **C1_PATCHY,
    "initial.quality_mean": 0.55,
    "regime.identification.noise_sd": 0.05,
    "regime.ladder.enabled": True,
}


def test_c4_graduated_ladder_uses_the_middle_rungs_binary_does_not():
    graduated = runs(**{**C4_LADDER, "regime.ladder.graduated": True})
    binary = runs(**{**C4_LADDER, "regime.ladder.graduated": False})
    middle = ("rung_advice", "rung_warning")
    time_graduated = sum(monthly_total(graduated, c) for c in middle)
    time_binary = sum(monthly_total(binary, c) for c in middle)
    assert time_graduated > 0, "a graduated ladder should hold trusts at advice or warning (C4)"
    assert time_binary < time_graduated / 2, (
        "a binary ladder should spend far less time on the middle rungs than a graduated one"
    )
    for r in binary:
        rung = per_trust(r, "rung")
        before = np.vstack([np.zeros((1, rung.shape[1])), rung[:-1]])
        up_to_middle = (
            (before < Rung.advice) & (rung >= Rung.advice) & (rung < Rung.special_measures)
        )
        assert not up_to_middle.any(), (
            f"seed {r.seed}: a binary ladder has no halfway rungs on the way up: failure "
            "means special measures at once (C4)"
        )
    assert monthly_total(binary, "in_special_measures") > 0, "binary still uses special measures"


def test_c4_graduated_ladder_escalates_and_de_escalates():
    graduated = runs(
        **{
            **C4_LADDER,
            "regime.ladder.graduated": True,
            "behaviour.quality_noise_sd": 0.01,
            "regime.identification.noise_sd": 0.08,
        }
    )
    ups = downs = 0
    for r in graduated:
        d = np.diff(per_trust(r, "rung"), axis=0)
        ups += int((d > 0).sum())
        downs += int((d < 0).sum())
    assert ups > 0, "trusts should escalate up the ladder as inspections find failure"
    assert downs > 0, "trusts should also come down the ladder when inspections improve"


def test_c4_disabled_ladder_means_no_special_measures_at_all():
    off = runs(
        **{
            **C4_LADDER,
            "regime.ladder.enabled": False,
            "initial.special_measures_share": 0.3,
            "regime.communication.blame_intensity": 1.0,
        }
    )
    assert pooled(off, "sm_entries") == 0, "no regime: no entries to special measures"
    assert monthly_total(off, "in_special_measures") == 0, "no trust-months in special measures"
    assert monthly_total(off, "rung_advice") + monthly_total(off, "rung_warning") == 0, (
        "no regime: no rungs at all"
    )
    assert averaged(off, "fear_mean") == 0, "no regime: no blame, so no fear from it"
    assert pooled(off, "inspections") > 0, "inspections and ratings still go on"


def test_c4_top_rung_only_when_enabled():
    stuck = {
        **FROZEN_QUALITY,
        **PLAIN_INSPECTION,
        "initial.quality_mean": 0.35,
        "initial.special_measures_share": 0.5,
        "regime.ladder.review_months": 6,
        "regime.ladder.reinspection_months": 3,
        "regime.ladder.administration_after_months": 12,
    }
    on = runs(**{**stuck, "regime.ladder.administration_enabled": True}, seeds=(1, 2))
    off = runs(**{**stuck, "regime.ladder.administration_enabled": False}, seeds=(1, 2))
    assert monthly_total(on, "in_administration") > 0, (
        "trusts still failing after the set time should reach the top rung (C4)"
    )
    assert monthly_total(off, "in_administration") == 0, "no top rung when it is switched off"
