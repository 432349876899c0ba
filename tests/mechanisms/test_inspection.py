"""Identification: inspection, ratings and risk triggers (C1, C2, C3;
``healthsim.model.mechanisms.inspection``).

Rule tests call the risk check (``risk_triggers``) and an inspection's observation
(``observe``) with worked values; the whole-model tests check that noise, coverage,
frequency, risk triggers, political pressure and the breadth and persistence rules move
identification the way the claims say.
"""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.model import Rating, Rung
from healthsim.model.mechanisms import inspection

from .helpers import (
    C1_PATCHY,
    FROZEN_QUALITY,
    PLAIN_INSPECTION,
    averaged,
    behaviour,
    draws_by_service,
    draws_by_trust,
    params,
    per_trust,
    pooled,
    runs,
    scenario,
    services,
    trusts,
)

pytestmark = pytest.mark.mechanism

# ====================================================================================
# rules
# ====================================================================================

#: the risk check's coefficients for the worked values: risk_scale = (1 - pp) x weight x
#: rate = 0.8 x 1 x 0.08 = 0.064 a month per unit signal; salience_scale = pp x 0.15 = 0.03
RISK = {
    **behaviour(
        risk_signal_rate=0.08,
        risk_deficit_weight=5.0,
        salience_inspection_rate=0.15,
        risk_min_gap_months=6,
    ),
    "regime.identification.risk_trigger_weight": 1.0,
    "regime.identification.political_pressure": 0.2,
}


def three_trusts():
    """Trusts 0 and 1 report half the national harm rate, trust 1 with a 2% deficit;
    trust 2 reports twice the national rate and is half salient. National rate:
    (0.01 + 0.01 + 0.04) / 3 = 0.02."""
    return trusts(
        3,
        reported_rate=np.array([0.01, 0.01, 0.04]),
        margin_12m=np.array([0.0, -0.02, 0.0]),
        salience=np.array([0.0, 0.0, 0.5]),
        last_inspection=-99,
        rung=Rung.none,
    )


def test_risk_check_worked_example():
    """signal = max(0, -5 x margin) + max(0, reported rate / national - 1):
    trust 0: 0 + max(0, 0.5 - 1) = 0, so p = 0;
    trust 1: 5 x 0.02 + max(0, 0.5 - 1) = 0.1, so p = 0.064 x 0.1 = 0.0064;
    trust 2: 0 + (2 - 1) = 1, so p = 0.064 x 1 + 0.03 x 0.5 = 0.079.
    A draw below p brings an inspection forward."""
    tr = three_trusts()
    draws = draws_by_trust(1, 3, trigger_u=np.array([0.0001, 0.006, 0.07]))
    count = inspection.risk_triggers(params(RISK), tr, draws, 0)
    assert list(tr["due"]) == [False, True, True], (
        "trust 0 (no signal) stays, trust 1 (p = 0.0064, drawn 0.006) and trust 2 "
        "(p = 0.079, drawn 0.07, above the 0.064 of evidence alone) are brought forward"
    )
    assert count == 2, "the risk check returns how many trusts it brought forward"


def test_risk_check_deficit_alone_brings_an_inspection():
    """Trust 1's only signal is its deficit: 5 x 0.02 = 0.1, p = 0.0064."""
    tr = three_trusts()
    draws = draws_by_trust(1, 3, trigger_u=np.array([1.0, 0.0063, 1.0]))
    inspection.risk_triggers(params(RISK), tr, draws, 0)
    assert tr["due"][1], "a 2% deficit signals risk (p = 0.0064 > draw 0.0063)"
    draws["trigger_u"][0, 1] = 0.0065
    inspection.risk_triggers(params(RISK), tr, draws, 0)
    assert not tr["due"][1], "and only with that probability (draw 0.0065 > p = 0.0064)"


def test_risk_check_salience_counts_only_under_political_pressure():
    """A trust with no evidence of risk (the national harm rate, no deficit) but fully
    salient: p = pp x salience_inspection_rate x salience = 0.2 x 0.15 x 1 = 0.03."""
    tr = trusts(2, reported_rate=0.02, salience=np.array([1.0, 0.0]), last_inspection=-99)
    draws = draws_by_trust(1, 2, trigger_u=0.029)
    inspection.risk_triggers(params(RISK), tr, draws, 0)
    assert list(tr["due"]) == [True, False], (
        "under political pressure 0.2 the salient trust is inspected (p = 0.03 > 0.029), "
        "the other (no signal at all) is not"
    )
    inspection.risk_triggers(
        params({**RISK, "regime.identification.political_pressure": 0}), tr, draws, 0
    )
    assert not tr["due"].any(), "an independent inspectorate ignores salience (p = 0)"


def test_risk_check_spares_trusts_in_special_measures_and_recently_inspected():
    tr = three_trusts()
    tr["last_inspection"] = np.array([-99, 5, -99])  # trust 1 inspected 5 months ago
    tr["rung"] = np.array([Rung.none, Rung.none, Rung.special_measures])
    draws = draws_by_trust(12, 3)  # every draw 0: any positive chance would trigger
    inspection.risk_triggers(params(RISK), tr, draws, 10)
    assert not tr["due"].any(), (
        "a trust inspected within risk_min_gap_months (6) or already in special "
        "measures is not brought forward, whatever its signal"
    )
    inspection.risk_triggers(params(RISK), tr, draws, 11)
    assert tr["due"][1], "six months after its inspection trust 1 can be again"


def test_risk_check_with_no_reported_harm_anywhere_divides_by_nothing():
    """National rate 0: the harm term is skipped (no division by zero); the deficit
    still signals."""
    tr = trusts(2, reported_rate=0.0, margin_12m=np.array([0.0, -0.1]), last_inspection=-99)
    draws = draws_by_trust(1, 2, trigger_u=0.0)
    inspection.risk_triggers(params(RISK), tr, draws, 0)
    assert list(tr["due"]) == [False, True], (
        "with no harm reported anywhere only the deficit (5 x 0.1 = 0.5) signals risk"
    )


def test_inspection_samples_the_lowest_keys_with_clipped_noise():
    """Four services [0.3, 0.6, 0.7, 0.9] with sampling keys [0.4, 0.1, 0.3, 0.2]: the
    three lowest keys are services 1, 3, 2. Noise sd 0.05 x draws [_, 1, -1, 3]:
    0.65, 1.05 -> 1.0 (clipped), 0.65. Bar 0.5, good 0.68, outstanding 0.82: none
    below the bar, two between bar and good, one outstanding; truly below the bar is
    service 0 (not sampled)."""
    p = params(
        {
            "regime.identification.noise_sd": 0.05,
            "regime.identification.bar": 0.5,
            "regime.identification.good_threshold": 0.68,
            "regime.identification.outstanding_threshold": 0.82,
        }
    )
    sv = services(1, 4, quality=np.array([[0.3, 0.6, 0.7, 0.9]]))
    d = draws_by_service(
        1,
        1,
        4,
        inspection_keys=np.array([[[0.4, 0.1, 0.3, 0.2]]]),
        inspection_noise=np.array([[[0.0, 1.0, -1.0, 3.0]]]),
    )
    sampled, observed = np.zeros(4, dtype=np.int64), np.zeros(4)
    counts = inspection.observe(p, sv, d, 0, 0, 3, sampled, observed)
    assert list(sampled[:3]) == [1, 3, 2], "the services with the lowest keys are sampled"
    assert observed[:3] == pytest.approx([0.65, 1.0, 0.65]), (
        "observed = quality + noise, kept in [0, 1]"
    )
    assert tuple(counts) == (0, 2, 1, 1), (
        "(below the bar, between bar and good, outstanding, truly below the bar) = (0, 2, 1, 1)"
    )


@pytest.mark.parametrize(
    ("n_fail", "n_ri", "n_out", "rating"),
    [
        (2, 0, 0, Rating.inadequate),  # breadth rule met
        (1, 0, 3, Rating.requires_improvement),  # one pocket
        (0, 2, 0, Rating.requires_improvement),  # two below good
        (0, 1, 0, Rating.good),
        (0, 0, 2, Rating.outstanding),
        (0, 1, 3, Rating.good),  # outstanding needs none below good
    ],
)
def test_rating_rule(n_fail, n_ri, n_out, rating):
    ident = scenario(
        {
            "regime.identification.breadth_rule": 2,
            "regime.identification.requires_improvement_services": 2,
            "regime.identification.outstanding_services": 2,
        }
    ).regime.identification
    assert inspection.rating_of(ident, n_fail, n_ri, n_out) == rating, (
        f"{n_fail} inadequate, {n_ri} below good, {n_out} outstanding should rate {rating.name}"
    )


# ====================================================================================
# C1: identification with noise, coverage and frequency
# ====================================================================================


def test_c1_a_noiseless_inspectorate_makes_no_false_positives():
    """Observed = true quality on the sampled services: a trust found failing is
    failing. Any false positive would be a bookkeeping error."""
    exact = runs(**C1_PATCHY)
    assert pooled(exact, "sm_entries") > 0, "the setting should produce some entries"
    assert pooled(exact, "false_positives") == 0, (
        "with no inspection noise no trust should enter special measures while truly above the bar"
    )


def test_c1_more_inspection_noise_more_false_positives():
    exact = runs(**C1_PATCHY)
    noisy = runs(**{**C1_PATCHY, "regime.identification.noise_sd": 0.25})
    assert pooled(noisy, "false_positives") > pooled(exact, "false_positives"), (
        "more inspection noise should mean more false positives (C1)"
    )
    assert averaged(noisy, "false_positive_share") > 0, (
        "noise should put some trusts that are not truly failing in special measures"
    )


def test_c1_more_inspection_noise_more_missed_failure():
    """Noise also hides failure: truly failing trusts observed as passing stay out of
    special measures for another inspection cycle (a weaker effect: 12 seeds)."""
    exact = runs(**C1_PATCHY, seeds=range(1, 13))
    noisy = runs(**{**C1_PATCHY, "regime.identification.noise_sd": 0.25}, seeds=range(1, 13))
    assert pooled(noisy, "false_negative_months") > pooled(exact, "false_negative_months"), (
        "more inspection noise should leave truly failing trusts unidentified for longer (C1)"
    )


def test_c1_longer_inspection_interval_longer_detection_lag():
    """Every trust fails from the start and stays failing: the lag to special measures
    is the wait for the first inspection."""
    failing = {
        **FROZEN_QUALITY,
        **PLAIN_INSPECTION,
        "initial.quality_mean": 0.35,
        "initial.quality_sd_trust": 0.02,
        "initial.quality_sd_service": 0.03,
    }
    often = runs(**{**failing, "regime.identification.inspection_interval_months": 3})
    rarely = runs(**{**failing, "regime.identification.inspection_interval_months": 30})
    assert averaged(rarely, "detection_lag_mean") > averaged(often, "detection_lag_mean"), (
        "inspecting less often should mean a longer lag from true failure to special measures (C1)"
    )
    assert pooled(rarely, "false_negative_months") > pooled(often, "false_negative_months"), (
        "inspecting less often should mean more trust-months truly failing but unidentified"
    )


def test_c1_sampling_fewer_services_misses_more_failure():
    few = runs(**{**C1_PATCHY, "regime.identification.services_sampled": 2})
    every = runs(**{**C1_PATCHY, "regime.identification.services_sampled": 6})
    assert pooled(few, "false_negative_months") > pooled(every, "false_negative_months"), (
        "looking at fewer services per inspection should miss more true failure (C1)"
    )


def test_c1_risk_triggers_bring_inspections_forward():
    base = {**C1_PATCHY, "regime.identification.inspection_interval_months": 36}
    schedule_only = runs(**base)
    triggered = runs(**{**base, "regime.identification.risk_trigger_weight": 5.0})
    assert pooled(triggered, "inspections") > pooled(schedule_only, "inspections"), (
        "risk triggers (reported harm, deficits) should add inspections between visits"
    )


# ====================================================================================
# C2: political pressure
# ====================================================================================

C2_SALIENT = {
    **C1_PATCHY,
    "initial.quality_mean": 0.56,
    "behaviour.scandal_rate": 0.15,
    "behaviour.salience_decay": 0.05,
    "regime.identification.risk_trigger_weight": 0.5,
}


def test_c2_political_pressure_makes_interventions_quality_would_not():
    independent = runs(**C2_SALIENT)
    political = runs(**{**C2_SALIENT, "regime.identification.political_pressure": 0.9})
    assert pooled(independent, "political_entries") == 0, (
        "an independent inspectorate makes no politically driven entries"
    )
    assert pooled(political, "political_entries") > 0, (
        "political pressure should put some trusts in special measures that a "
        "pure-quality rule would not (C2)"
    )
    assert averaged(political, "political_share") > averaged(independent, "political_share"), (
        "political pressure should raise the share of interventions a pure-quality rule "
        "would not have made"
    )
    assert pooled(political, "false_positives") > pooled(independent, "false_positives"), (
        "entries driven by visibility rather than evidence should include trusts that "
        "were not truly failing"
    )


def test_c2_political_pressure_steers_inspections_to_salient_trusts():
    independent = runs(**C2_SALIENT)
    political = runs(**{**C2_SALIENT, "regime.identification.political_pressure": 0.9})
    assert pooled(political, "inspections") > pooled(independent, "inspections"), (
        "media salience should bring extra inspections under political pressure (C2)"
    )


# ====================================================================================
# C3: pockets of poor care in good trusts; breadth and persistence rules
# ====================================================================================

C3_GOOD_TRUSTS = {
    **PLAIN_INSPECTION,
    "initial.quality_mean": 0.78,
    "initial.quality_sd_trust": 0.03,
    "initial.quality_sd_service": 0.06,
    "initial.struggling_share": 0.0,
    "initial.special_measures_share": 0.0,
    "behaviour.shock_rate": 0.03,
    "behaviour.shock_size": 0.35,
    "regime.identification.noise_sd": 0.02,
    "regime.identification.risk_trigger_weight": 0.5,
    "regime.ladder.graduated": False,
}


def good_trusts_tipped(results: list, good: float = 0.66) -> int:
    """Entries to special measures of trusts whose true mean quality was good the month
    before (judged on quality alone, whatever the regime's own breadth rule)."""
    total = 0
    for r in results:
        rung, q = per_trust(r, "rung"), per_trust(r, "quality")
        before = np.vstack([np.zeros((1, rung.shape[1])), rung[:-1]])
        q_before = np.vstack([q[:1], q[:-1]])
        total += int(
            (
                (rung >= Rung.special_measures)
                & (before < Rung.special_measures)
                & (q_before >= good)
            ).sum()
        )
    return total


def test_c3_local_shocks_hit_good_trusts_too():
    calm = runs(**{**C3_GOOD_TRUSTS, "behaviour.shock_rate": 0.0, "regime.ladder.enabled": False})
    shocks = runs(**{**C3_GOOD_TRUSTS, "regime.ladder.enabled": False})

    def pockets(results):
        return sum(
            int(((r.trusts.quality >= 0.66) & (r.trusts.quality_worst_service < 0.45)).sum())
            for r in results
        )

    assert pockets(shocks) > pockets(calm), (
        "random local shocks should open pockets of inadequate care in good trusts (C3)"
    )
    assert pockets(shocks) > 0, "pockets of poor care should exist in good trusts at times"


def test_c3_a_broader_breadth_rule_tips_fewer_good_trusts():
    narrow = runs(**{**C3_GOOD_TRUSTS, "regime.identification.breadth_rule": 1}, seeds=range(1, 13))
    broad = runs(**{**C3_GOOD_TRUSTS, "regime.identification.breadth_rule": 2}, seeds=range(1, 13))
    assert good_trusts_tipped(narrow) > 0, (
        "with a one-service breadth rule some good trusts should be tipped into special "
        "measures by one pocket"
    )
    assert good_trusts_tipped(broad) < good_trusts_tipped(narrow), (
        "requiring failure across a range of services should tip fewer good trusts into "
        "special measures (C3)"
    )
    assert pooled(broad, "sm_entries") < pooled(narrow, "sm_entries"), (
        "a broader breadth rule should mean fewer entries overall"
    )


def test_c3_a_persistence_rule_filters_out_noise():
    noisy = {**C1_PATCHY, "regime.identification.noise_sd": 0.25}
    once = runs(**noisy)
    thrice = runs(**{**noisy, "regime.identification.persistence_rule": 3})
    assert pooled(thrice, "false_positives") < pooled(once, "false_positives"), (
        "needing several failing inspections in a row should put fewer trusts that are "
        "not truly failing in special measures (C3)"
    )


# ====================================================================================
# what a rating does to the board that gets it (two-sided)
# ====================================================================================


@pytest.mark.parametrize(
    ("rating", "effort"),
    [
        (Rating.inadequate, 0.3),
        (Rating.requires_improvement, 0.3),
        (Rating.good, 0.0),
        (Rating.outstanding, 0.0),
        (Rating.unrated, 0.0),
    ],
)
def test_a_report_below_good_adds_improvement_effort(rating, effort):
    p = params(behaviour(rating_response=0.3))[0]
    assert inspection.report_effort(p, int(rating)) == pytest.approx(effort), (
        "a rating below good tells the board where care falls short; good or better does not"
    )


def test_an_inspection_takes_board_time_in_the_month_after():
    p = params(behaviour(inspection_burden=0.2))[0]
    assert inspection.burdened(p, 0.5, 9, 10) == pytest.approx(0.4), "0.5 x (1 - 0.2)"
    assert inspection.burdened(p, 0.5, 8, 10) == 0.5, "only in the month after the visit"
    assert inspection.burdened(p, 0.5, -99, 10) == 0.5, "never inspected: no burden"


#: a frequent inspectorate that sees true quality, under no package and no ladder: what
#: the ratings do to the board is the only difference between the arms
RATED_OFTEN = {
    "regime.identification.inspection_interval_months": 6,
    "regime.identification.noise_sd": 0.0,
    "regime.ladder.enabled": False,
    "regime.communication.blame_intensity": 0.0,
}


def test_c1_reports_below_good_speed_improvement():
    plain = runs(**RATED_OFTEN)
    told = runs(**{**RATED_OFTEN, "behaviour.rating_response": 0.5})
    assert averaged(told, "quality_mean_final") > averaged(plain, "quality_mean_final"), (
        "boards told where care falls short should improve faster (the case for rigorous "
        "identification, C1)"
    )


def test_c1_the_burden_of_inspection_slows_improvement():
    plain = runs(**RATED_OFTEN)
    burdened = runs(**{**RATED_OFTEN, "behaviour.inspection_burden": 0.5})
    assert averaged(burdened, "quality_mean_final") < averaged(plain, "quality_mean_final"), (
        "inspections take board time that would have gone into improvement (its critics' claim)"
    )
