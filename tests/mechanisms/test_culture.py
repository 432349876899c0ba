"""Culture: blame, fear, openness, learning and deterrence (C5;
``healthsim.model.mechanisms.culture``).

Rule tests work the module's equations by hand (blame 0.5, the coefficients pinned in
``CULTURE``); hypothesis checks their directions and bounds. The whole-model tests
check that blame moves fear, reporting, hidden harm and turnover, that fear silences
staff by itself (``fear_toxicity``), and that blame's counter-claim, deterrence, makes
boards improve faster with nothing else changed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim import run
from healthsim.model import Rung
from healthsim.model.mechanisms import culture

from .helpers import (
    FEARFUL,
    NEUTRAL_PACKAGE,
    averaged,
    behaviour,
    followed,
    packed,
    pooled,
    runs,
)

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults), with blame 0.5
CULTURE = {
    **behaviour(
        openness_base=0.75,
        fear_culture=0.15,
        fear_from_naming=0.8,
        fear_from_ladder=0.5,
        fear_from_warning=0.4,
        fear_contagion=0.3,
        fear_adjustment=0.15,
        fear_toxicity=0.6,
        openness_morale_base=0.7,
        openness_morale_effect=0.5,
        openness_min=0.02,
        learning_floor=0.4,
        learning_from_reporting=0.6,
        fear_learning_penalty=0.4,
        blame_deterrence=0.15,
        general_deterrence=0.2,
        naming_deterrence=0.0,  # the threat of naming on its own: tests below
    ),
    "regime.ladder.enabled": True,
    "regime.communication.blame_intensity": 0.5,
}

RUNGS = st.sampled_from(list(Rung))
SHARES = st.floats(0, 1)


@pytest.fixture(scope="module")
def p():
    return packed(CULTURE)


@pytest.fixture(scope="module")
def no_blame():
    return packed({**CULTURE, "regime.communication.blame_intensity": 0.0})


# ====================================================================================
# fear
# ====================================================================================


@pytest.mark.parametrize(
    ("named", "rung", "share", "target", "how"),
    [
        (False, Rung.none, 0.0, 0.075, "0.5 x 0.15: the general culture only"),
        (False, Rung.advice, 0.0, 0.075, "advice frightens no more than the culture"),
        (False, Rung.warning, 0.0, 0.155, "0.5 x (0.15 + 0.8 x 0.5 x 0.4)"),
        (False, Rung.special_measures, 0.0, 0.275, "0.5 x (0.15 + 0.8 x 0.5 x 1)"),
        (False, Rung.administration, 0.0, 0.275, "administration counts as special measures"),
        (True, Rung.special_measures, 0.0, 0.475, "0.5 x (0.15 + 0.8 x max(1, 0.5))"),
        (False, Rung.none, 0.5, 0.135, "0.5 x (0.15 + 0.3 x 0.8 x 0.5): neighbours named"),
        (True, Rung.special_measures, 0.5, 0.535, "0.5 x (0.15 + 0.8 + 0.3 x 0.8 x 0.5)"),
    ],
)
def test_fear_target_worked_values(p, named, rung, share, target, how):
    got = culture.fear_target(p, named, rung, share)
    assert got == pytest.approx(target, rel=1e-12), f"fear target should be {target}: {how}"


def test_fear_target_is_capped_at_one():
    loud = packed(
        {
            **CULTURE,
            **behaviour(fear_culture=1.0, fear_from_naming=1.0),
            "regime.communication.blame_intensity": 1.0,
        }
    )
    assert culture.fear_target(loud, True, Rung.special_measures, 1.0) == 1.0, (
        "1 x (1 + 1 + 0.3) = 2.3 is capped at 1"
    )


@given(named=st.booleans(), rung=RUNGS, share=SHARES)
def test_fear_target_is_zero_without_blame(no_blame, named, rung, share):
    assert culture.fear_target(no_blame, named, rung, share) == 0.0, (
        "with blame intensity 0 there is no fear, named or not, on any rung"
    )


def test_no_ladder_no_blame():
    """With the ladder off the regime blames no one, whatever its blame intensity."""
    off = packed({**CULTURE, "regime.ladder.enabled": False})
    assert off["blame"] == 0.0, "blame is packed as 0 when the ladder is off"
    assert culture.fear_target(off, True, Rung.special_measures, 1.0) == 0.0, (
        "no regime: no fear from it"
    )


@given(rung=RUNGS, share=SHARES)
def test_being_named_never_lowers_fear(p, rung, share):
    unnamed = culture.fear_target(p, False, rung, share)
    named = culture.fear_target(p, True, rung, share)
    assert 0.0 <= unnamed <= named <= 1.0, "fear targets are in [0, 1], named at least unnamed"


def test_fear_moves_a_share_of_the_gap():
    assert culture.settle_fear(packed(CULTURE), 0.2, 0.475) == pytest.approx(0.24125), (
        "fear moves 0.15 of the way to its target: 0.2 + 0.15 x 0.275"
    )


# ====================================================================================
# openness and learning
# ====================================================================================


@pytest.mark.parametrize(
    ("fear", "morale", "expected", "how"),
    [
        (0.5, 0.6, 0.525, "0.75 x (1 - 0.6 x 0.5) x (0.7 + 0.5 x 0.6)"),
        (0.0, 1.0, 0.9, "0.75 x 1 x (0.7 + 0.5)"),
        (1.0, 0.0, 0.21, "0.75 x 0.4 x 0.7"),
    ],
)
def test_openness_worked_values(p, fear, morale, expected, how):
    assert culture.openness(p, fear, morale) == pytest.approx(expected, rel=1e-12), (
        f"openness should be {expected}: {how}"
    )


def test_openness_is_clipped_to_its_floor_and_to_one():
    silent = packed({**CULTURE, **behaviour(fear_toxicity=1.0)})
    assert culture.openness(silent, 1.0, 0.5) == pytest.approx(0.02), (
        "at full fear with full toxicity openness falls to openness_min (0.02), not 0"
    )
    eager = packed({**CULTURE, **behaviour(openness_base=1.0, openness_morale_effect=2.0)})
    assert culture.openness(eager, 0.0, 1.0) == 1.0, "1 x (0.7 + 2) = 2.7 is capped at 1"


@given(f1=SHARES, f2=SHARES, morale=SHARES)
def test_openness_never_rises_with_fear(p, f1, f2, morale):
    lo, hi = min(f1, f2), max(f1, f2)
    more_fear, less_fear = culture.openness(p, hi, morale), culture.openness(p, lo, morale)
    assert more_fear <= less_fear, "more fear should never mean more reporting"
    assert 0.02 <= more_fear <= 1.0, "openness stays in [openness_min, 1]"


@given(fear=SHARES, m1=SHARES, m2=SHARES)
def test_openness_never_falls_with_morale(p, fear, m1, m2):
    lo, hi = min(m1, m2), max(m1, m2)
    assert culture.openness(p, fear, hi) >= culture.openness(p, fear, lo), (
        "better morale should never mean less reporting"
    )


@pytest.mark.parametrize(
    ("openness", "fear", "expected", "how"),
    [
        (0.5, 0.5, 0.56, "(0.4 + 0.6 x 0.5) x (1 - 0.4 x 0.5)"),
        (1.0, 0.0, 1.0, "everything reported, no fear: full learning"),
        (0.0, 1.0, 0.24, "nothing reported at full fear: (0.4 + 0) x 0.6"),
    ],
)
def test_learning_worked_values(p, openness, fear, expected, how):
    assert culture.learning(p, openness, fear) == pytest.approx(expected, rel=1e-12), (
        f"learning should be {expected}: {how}"
    )


@given(o=SHARES, f1=SHARES, f2=SHARES)
def test_learning_never_rises_with_fear(p, o, f1, f2):
    lo, hi = min(f1, f2), max(f1, f2)
    assert culture.learning(p, o, hi) <= culture.learning(p, o, lo), (
        "fear makes boards defensive: learning never rises with it"
    )


# ====================================================================================
# deterrence
# ====================================================================================


@pytest.mark.parametrize(
    ("rung", "expected", "how"),
    [
        (Rung.none, 1.015, "1 + 0.15 x 0.5 x 0.2: the threat felt by everyone"),
        (Rung.advice, 1.015, "advice is not on the ladder's sharp end"),
        (Rung.warning, 1.075, "1 + 0.15 x 0.5 x (0.2 + 0.8): felt in full"),
        (Rung.special_measures, 1.075, "as a warning"),
    ],
)
def test_drive_worked_values(p, rung, expected, how):
    assert culture.drive(p, rung, False) == pytest.approx(expected, rel=1e-12), (
        f"drive should be {expected}: {how}"
    )


@given(rung=RUNGS)
def test_no_blame_no_drive(no_blame, rung):
    assert culture.drive(no_blame, rung, False) == 1.0, "without blame there is no deterrence"


# ====================================================================================
# C5: blame, fear, openness, hidden harm, turnover, churn
# ====================================================================================

C5_REGIME = {
    "initial.quality_mean": 0.58,
    "initial.special_measures_share": 0.2,
    "regime.ladder.enabled": True,
    "regime.communication.naming": True,
    "regime.communication.board_replacement_probability": 0.0,
    "behaviour.fear_culture": 0.15,
    "behaviour.fear_from_naming": 0.8,
    "behaviour.fear_toxicity": 0.6,
    "behaviour.fear_turnover": 0.6,
    "behaviour.fear_board_churn": 0.05,
}


@pytest.fixture(scope="module")
def blame_arms():
    low = runs(**{**C5_REGIME, "regime.communication.blame_intensity": 0.1})
    high = runs(**{**C5_REGIME, "regime.communication.blame_intensity": 0.9})
    return low, high


def test_c5_more_blame_more_fear_less_openness_on_every_seed(blame_arms):
    low, high = blame_arms
    for lo, hi in zip(low, high, strict=True):
        assert hi.summary["fear_mean"] > lo.summary["fear_mean"], (
            f"seed {lo.seed}: higher blame intensity should mean more fear (C5)"
        )
        assert hi.summary["openness_mean"] < lo.summary["openness_mean"], (
            f"seed {lo.seed}: more fear should mean less reporting (C5)"
        )


def test_c5_more_blame_more_hidden_harm(blame_arms):
    low, high = blame_arms
    assert averaged(high, "hidden_harm_share") > averaged(low, "hidden_harm_share"), (
        "less openness should leave a larger share of harm unreported (C5)"
    )
    assert pooled(high, "harm_hidden_total") > pooled(low, "harm_hidden_total"), (
        "more blame should mean more hidden (unreported) harm in total"
    )


def test_c5_more_blame_more_staff_turnover_and_board_churn(blame_arms):
    low, high = blame_arms
    assert averaged(high, "turnover_annual") > averaged(low, "turnover_annual"), (
        "fear should drive staff away: higher turnover under more blame (C5)"
    )
    assert pooled(high, "board_replacements") > pooled(low, "board_replacements"), (
        "fear should raise board churn even with no regime-ordered replacements (C5, C11)"
    )


def test_c5_fear_itself_silences_staff():
    """The same fear, with and without its direct effect on openness (fear_toxicity):
    staff who fear blame report less of the harm they see."""
    toxic = runs(years=2, seeds=(1, 2, 3), **{**FEARFUL, "behaviour.fear_toxicity": 0.6})
    harmless = runs(years=2, seeds=(1, 2, 3), **{**FEARFUL, "behaviour.fear_toxicity": 0.0})
    for a, b in zip(toxic, harmless, strict=True):
        assert a.summary["fear_mean"] == pytest.approx(b.summary["fear_mean"]), (
            f"seed {a.seed}: both arms should carry the same fear (toxicity does not make it)"
        )
        assert a.summary["openness_mean"] < b.summary["openness_mean"], (
            f"seed {a.seed}: fear should lower reporting directly when it is toxic (C5)"
        )
        assert a.summary["hidden_harm_share"] > b.summary["hidden_harm_share"], (
            f"seed {a.seed}: toxic fear should hide a larger share of harm (C5)"
        )


#: Blame without fear: no fear from the culture or from naming, so blame works only
#: through deterrence (culture.drive). No trust is put on the ladder's sharp end
#: (inspections every 20 years, no risk triggers).
FEARLESS_BLAME = {
    **NEUTRAL_PACKAGE,
    "behaviour.fear_culture": 0.0,
    "behaviour.fear_from_naming": 0.0,
    "behaviour.blame_deterrence": 0.5,
    "behaviour.general_deterrence": 0.5,
}


def test_c5_the_threat_of_blame_makes_every_board_try_harder():
    """General deterrence: trusts not on the ladder improve faster under more blame
    pressure, everything else fixed (no fear, no package)."""
    calm = runs(
        years=2, seeds=(1, 2, 3), **{**FEARLESS_BLAME, "regime.communication.blame_intensity": 0}
    )
    pressed = runs(
        years=2, seeds=(1, 2, 3), **{**FEARLESS_BLAME, "regime.communication.blame_intensity": 0.9}
    )
    for a, b in zip(calm, pressed, strict=True):
        assert b.summary["fear_mean"] == 0.0, f"seed {a.seed}: the setting carries no fear"
        assert b.summary["quality_mean_final"] > a.summary["quality_mean_final"], (
            f"seed {a.seed}: the threat of blame should make boards improve faster "
            "(blame_deterrence, general_deterrence; C5's counter-claim)"
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_c5_blame_on_the_ladder_makes_a_board_try_harder(seed):
    """Deterrence felt in full in special measures: the worst trust, put there at month
    0 with no support and no fear, improves faster under more blame."""
    only_on_ladder = {
        **FEARLESS_BLAME,
        "behaviour.general_deterrence": 0.0,
        "regime.improvement.model": "none",
    }
    mild, i = followed({**only_on_ladder, "regime.communication.blame_intensity": 0.1}, seed)
    harsh, _ = followed({**only_on_ladder, "regime.communication.blame_intensity": 0.9}, seed)
    qm, qh = mild.recorder.per_trust["quality"][:, i], harsh.recorder.per_trust["quality"][:, i]
    assert harsh.s.fear.max() == 0.0, "the setting carries no fear"
    assert qh[11] - qh[0] > qm[11] - qm[0], (
        "a board in special measures should improve faster under more blame pressure "
        "(blame_deterrence on the ladder, C5)"
    )
    others = np.arange(mild.s.n) != i
    assert np.allclose(
        mild.recorder.per_trust["quality"][:, others],
        harsh.recorder.per_trust["quality"][:, others],
        atol=1e-3,
    ), "trusts off the ladder feel no deterrence here (general_deterrence 0)"


# ====================================================================================
# naming deters complacency in trusts not yet named
# ====================================================================================


def test_the_threat_of_naming_drives_trusts_not_named():
    naming = packed(
        {
            **behaviour(blame_deterrence=0.0, naming_deterrence=0.2),
            "regime.communication.naming": True,
        }
    )
    assert culture.drive(naming, Rung.none, False) == pytest.approx(1.2), (
        "a trust not named, under a naming regime: 1 + 0.2"
    )
    assert culture.drive(naming, Rung.special_measures, True) == pytest.approx(1.0), (
        "a trust already named feels no threat of being named"
    )
    quiet = packed(
        {
            **behaviour(blame_deterrence=0.0, naming_deterrence=0.2),
            "regime.communication.naming": False,
        }
    )
    assert culture.drive(quiet, Rung.none, False) == 1.0, "no naming regime, no threat"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_threat_of_naming_makes_every_board_try_harder(seed):
    settings = {
        **NEUTRAL_PACKAGE,
        "regime.communication.naming": True,
        "behaviour.blame_deterrence": 0.0,
        "years": 2,
    }
    low, high = (
        run("baseline", seed=seed, overrides={**settings, "behaviour.naming_deterrence": d})
        for d in (0.0, 0.2)
    )
    assert high.summary["quality_mean_run"] > low.summary["quality_mean_run"], (
        "the threat of public naming should raise every trust's improvement effort"
    )
