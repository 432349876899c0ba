"""Each vectorised rule of ``healthsim.model.rules`` against a plain per-trust version.

The model does its monthly arithmetic on arrays (one row per trust, or trust x service
line). Every rule here is re-written as a scalar, hand-written reference on plain Python
floats (``math``, ``min``, ``max``; no numpy) straight from the formula in the rule's
docstring, and the vectorised rule applied to hypothesis-drawn arrays must agree with
the reference applied trust by trust. A last test replays one month of the model itself
trust by trust: the quality update the monthly step makes in place must equal the
documented rules applied to that trust's own numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from healthsim.config.schema import Behaviour
from healthsim.model import rules
from healthsim.model.economy import HealthEconomy

# ------------------------------------------------------------------------------------
# strategies
# ------------------------------------------------------------------------------------

N = st.integers(min_value=1, max_value=24)


def unit() -> st.SearchStrategy[float]:
    """A share in [0, 1]."""
    return st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)


def span(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def vec(n: int, lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    """A float array of ``n`` values (one per trust) in [lo, hi]."""
    return arrays(np.float64, n, elements=span(lo, hi))


@st.composite
def trusts(draw, **columns: tuple[float, float]) -> dict[str, np.ndarray]:
    """Per-trust columns of one length: ``name=(lo, hi)``."""
    n = draw(N)
    return {name: draw(vec(n, lo, hi)) for name, (lo, hi) in columns.items()}


def per_trust(reference, *cols: np.ndarray, **scalars) -> np.ndarray:
    """Apply a scalar reference trust by trust (the plain loop the rule replaces)."""
    return np.array(
        [reference(*(float(c[i]) for c in cols), **scalars) for i in range(len(cols[0]))]
    )


def agree(vectorised, reference, what: str) -> None:
    vectorised = np.asarray(vectorised, dtype=float)
    assert vectorised.shape == reference.shape, (
        f"{what}: the vectorised rule should give one value per trust"
    )
    np.testing.assert_allclose(
        vectorised,
        reference,
        rtol=1e-12,
        atol=1e-12,
        err_msg=f"{what}: the vectorised rule should equal the per-trust reference",
    )


def clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


# ------------------------------------------------------------------------------------
# plain per-trust references (from the formulas in the rules' docstrings)
# ------------------------------------------------------------------------------------


def ref_harm_rate(q: float) -> float:
    gap = (1.0 - q) / (1.0 - rules.QUALITY_REFERENCE)
    return rules.HARM_RATE_AT_REFERENCE * gap**2


def ref_openness(fear: float, morale: float, *, base: float, toxicity: float) -> float:
    return clamp(base * (1.0 - toxicity * fear) * (0.7 + 0.5 * morale), 0.02, 1.0)


def ref_clarity(bodies: float, *, penalty: float) -> float:
    return 1.0 / (1.0 + penalty * bodies)


def ref_fear_target(
    named: float,
    ladder_pressure: float,
    share: float,
    *,
    blame: float,
    culture: float,
    naming_fear: float,
    contagion: float,
) -> float:
    own = max(named, 0.5 * ladder_pressure)
    return min(1.0, blame * (culture + naming_fear * own + contagion * naming_fear * share))


def ref_relax(current: float, target: float, *, rate: float) -> float:
    return current + rate * (target - current)


def ref_morale_target(
    fear: float, occupancy: float, staffing: float, quality: float, *, threshold: float
) -> float:
    t = (
        0.72
        - 0.3 * fear
        - 1.5 * max(0.0, occupancy - threshold)
        - 0.8 * max(0.0, 1.0 - staffing)
        + 0.3 * (quality - rules.QUALITY_REFERENCE)
    )
    return clamp(t, 0.0, 1.0)


def ref_leaving(fear: float, morale: float, *, base: float, fe: float, me: float) -> float:
    return min(1.0, base * (1.0 + fe * fear + me * max(0.0, 0.6 - morale)))


def ref_hiring(
    vac: float, reputation: float, deficit: float, *, rate: float, rep_eff: float, restraint: float
) -> float:
    return vac * rate * (1.0 - rep_eff * (1.0 - reputation)) * (1.0 - restraint * deficit)


def ref_quality_change(
    q: float,
    cap: float,
    learning: float,
    resources: float,
    clarity: float,
    drive: float,
    worsen: float,
    *,
    rate: float,
) -> float:
    return rate * cap * learning * resources * clarity * drive * (1.0 - q) - worsen * q


def ref_deterioration(
    occupancy: float, staffing: float, cut: float, morale: float, *, b: Behaviour
) -> float:
    return (
        b.baseline_deterioration
        + b.occupancy_harm * max(0.0, occupancy - b.occupancy_threshold)
        + b.understaffing_harm * max(0.0, rules.STAFFING_SAFE - staffing)
        + b.cuts_harm * cut / 12.0
        + b.morale_harm * max(0.0, 0.6 - morale)
    )


def ref_learning(openness: float, fear: float, *, penalty: float) -> float:
    return (0.4 + 0.6 * openness) * (1.0 - penalty * fear)


def ref_efficiency(target: float, capability: float, *, capacity: float, unsafe: float) -> float:
    safe = capacity * (0.4 + capability) / 0.95
    return target if target <= safe else safe + unsafe * (target - safe)


def ref_pay_factor(allocation: float, value: float) -> float:
    if value <= 0:
        return 1.0
    return min(1.0, allocation / value)


def ref_shortfall(capacity: float, need: float) -> float:
    return clamp(1.0 - capacity / need, 0.0, 1.0)


def ref_reputation_target(q: float) -> float:
    return clamp(0.2 + q, 0.0, 1.0)


# ------------------------------------------------------------------------------------
# vectorised == per trust
# ------------------------------------------------------------------------------------


@given(q=st.integers(1, 8).flatmap(lambda n: arrays(np.float64, (n, 6), elements=unit())))
def test_harm_rate_per_service(q):
    ref = np.array([[ref_harm_rate(float(x)) for x in row] for row in q])
    agree(rules.harm_rate(q), ref, "harm_rate on a trusts x services array")


@given(c=trusts(fear=(0, 1), morale=(0, 1)), base=unit(), toxicity=unit())
def test_openness(c, base, toxicity):
    ref = per_trust(ref_openness, c["fear"], c["morale"], base=base, toxicity=toxicity)
    agree(rules.openness(c["fear"], c["morale"], base, toxicity), ref, "openness")


@given(c=trusts(bodies=(0, 6)), penalty=span(0, 5))
def test_accountability_clarity(c, penalty):
    ref = per_trust(ref_clarity, c["bodies"], penalty=penalty)
    agree(rules.accountability_clarity(c["bodies"], penalty), ref, "accountability_clarity")


@given(
    data=st.data(),
    blame=unit(),
    culture=unit(),
    naming_fear=unit(),
    contagion=unit(),
)
def test_fear_target(data, blame, culture, naming_fear, contagion):
    n = data.draw(N)
    named = data.draw(arrays(np.bool_, n))
    pressure = data.draw(arrays(np.float64, n, elements=st.sampled_from([0.0, 0.4, 1.0])))
    share = data.draw(vec(n))
    ref = per_trust(
        ref_fear_target,
        named.astype(float),
        pressure,
        share,
        blame=blame,
        culture=culture,
        naming_fear=naming_fear,
        contagion=contagion,
    )
    got = rules.fear_target(blame, culture, naming_fear, named, pressure, contagion, share)
    agree(got, ref, "fear_target")


@given(c=trusts(current=(0, 1), target=(0, 1)), rate=unit())
def test_relax(c, rate):
    ref = per_trust(ref_relax, c["current"], c["target"], rate=rate)
    agree(rules.relax(c["current"], c["target"], rate), ref, "relax")


@given(
    c=trusts(fear=(0, 1), occupancy=(0.3, 1.2), staffing=(0.3, 1.3), quality=(0, 1)),
    threshold=unit(),
)
def test_morale_target(c, threshold):
    cols = (c["fear"], c["occupancy"], c["staffing"], c["quality"])
    ref = per_trust(ref_morale_target, *cols, threshold=threshold)
    agree(rules.morale_target(*cols, threshold), ref, "morale_target")


@given(c=trusts(fear=(0, 1), morale=(0, 1)), base=span(0, 0.2), fe=span(0, 5), me=span(0, 10))
def test_leaving_rate(c, base, fe, me):
    ref = per_trust(ref_leaving, c["fear"], c["morale"], base=base, fe=fe, me=me)
    agree(rules.leaving_rate(c["fear"], c["morale"], base, fe, me), ref, "leaving_rate")


@given(data=st.data(), rate=unit(), rep_eff=unit(), restraint=unit())
def test_hiring(data, rate, rep_eff, restraint):
    c = data.draw(trusts(vac=(0, 0.5), reputation=(0, 1)))
    deficit = data.draw(arrays(np.bool_, len(c["vac"])))
    ref = per_trust(
        ref_hiring,
        c["vac"],
        c["reputation"],
        deficit.astype(float),
        rate=rate,
        rep_eff=rep_eff,
        restraint=restraint,
    )
    got = rules.hiring(c["vac"], rate, c["reputation"], rep_eff, deficit, restraint)
    agree(got, ref, "hiring")


@given(
    c=trusts(
        q=(0, 1),
        cap=(0, 1),
        learning=(0, 1),
        resources=(0, 1.4),
        clarity=(0.1, 1),
        drive=(1, 3),
        worsen=(0, 0.5),
    ),
    rate=unit(),
)
def test_quality_change(c, rate):
    cols = [c[k] for k in ("q", "cap", "learning", "resources", "clarity", "drive", "worsen")]
    ref = per_trust(ref_quality_change, *cols, rate=rate)
    agree(rules.quality_change(*cols, rate), ref, "quality_change")


@st.composite
def behaviours(draw) -> Behaviour:
    """A Behaviour section with the deterioration terms drawn from their allowed ranges."""
    return Behaviour(
        baseline_deterioration=draw(span(0, 0.2)),
        occupancy_threshold=draw(unit()),
        occupancy_harm=draw(span(0, 5)),
        understaffing_harm=draw(span(0, 5)),
        cuts_harm=draw(span(0, 20)),
        morale_harm=draw(span(0, 2)),
    )


@given(
    c=trusts(occupancy=(0.3, 1.2), staffing=(0.3, 1.3), cut=(0, 0.1), morale=(0, 1)),
    b=behaviours(),
)
def test_deterioration(c, b):
    cols = (c["occupancy"], c["staffing"], c["cut"], c["morale"])
    ref = per_trust(ref_deterioration, *cols, b=b)
    agree(rules.deterioration(*cols, b), ref, "deterioration")


@given(c=trusts(openness=(0, 1), fear=(0, 1)), penalty=unit())
def test_learning_factor(c, penalty):
    ref = per_trust(ref_learning, c["openness"], c["fear"], penalty=penalty)
    agree(rules.learning_factor(c["openness"], c["fear"], penalty), ref, "learning_factor")


@given(c=trusts(target=(0, 0.1), capability=(0, 1)), capacity=span(0, 0.2), unsafe=unit())
def test_efficiency_achieved(c, capacity, unsafe):
    ref = per_trust(ref_efficiency, c["target"], c["capability"], capacity=capacity, unsafe=unsafe)
    got = rules.efficiency_achieved(c["target"], c["capability"], capacity, unsafe)
    agree(got, ref, "efficiency_achieved")


@given(c=trusts(allocation=(0, 500), value=(1e-6, 500)))
def test_commissioner_pay_factor(c):
    value = c["value"].copy()
    value[::3] = 0.0  # economies with no activity this month
    ref = per_trust(ref_pay_factor, c["allocation"], value)
    agree(rules.commissioner_pay_factor(c["allocation"], value), ref, "commissioner_pay_factor")


@given(c=trusts(capacity=(0, 2), need=(0.05, 3)))
def test_social_care_shortfall(c):
    ref = per_trust(ref_shortfall, c["capacity"], c["need"])
    agree(rules.social_care_shortfall(c["capacity"], c["need"]), ref, "social_care_shortfall")


@given(c=trusts(q=(0, 1)))
def test_reputation_target(c):
    agree(rules.reputation_target(c["q"]), per_trust(ref_reputation_target, c["q"]), "reputation")


@given(fear=unit(), morale=unit(), base=unit(), toxicity=unit(), bodies=span(0, 6))
def test_rules_take_plain_floats(fear, morale, base, toxicity, bodies):
    """A per-trust caller (an agent, a notebook) may pass plain floats."""
    assert float(rules.openness(fear, morale, base, toxicity)) == pytest.approx(
        ref_openness(fear, morale, base=base, toxicity=toxicity), abs=1e-12
    ), "openness on plain floats should equal the reference"
    assert float(rules.accountability_clarity(bodies, 0.35)) == pytest.approx(
        ref_clarity(bodies, penalty=0.35), abs=1e-12
    ), "clarity on plain floats should equal the reference"
    assert float(rules.harm_rate(morale)) == pytest.approx(ref_harm_rate(morale), abs=1e-12), (
        "harm_rate on a plain float should equal the reference"
    )
    assert float(rules.efficiency_achieved(0.04, fear, 0.02, 0.35)) == pytest.approx(
        ref_efficiency(0.04, fear, capacity=0.02, unsafe=0.35), abs=1e-12
    ), "efficiency_achieved on plain floats should equal the reference"


# ------------------------------------------------------------------------------------
# shapes of the rules (the mechanisms' directions at the level of one trust)
# ------------------------------------------------------------------------------------


@given(fear=st.lists(unit(), min_size=2, max_size=12), morale=unit(), base=unit(), tox=unit())
def test_openness_never_rises_with_fear(fear, morale, base, tox):
    f = np.sort(np.array(fear))
    o = rules.openness(f, morale, base, tox)
    assert np.all(np.diff(o) <= 1e-15), "more fear should never mean more reporting (C5)"
    assert np.all((o >= 0.02) & (o <= 1.0)), "openness is a share, floored at 2%"


@given(bodies=st.lists(span(0, 6), min_size=2, max_size=8), penalty=span(0.01, 5))
def test_clarity_falls_with_each_body_holding_powers(bodies, penalty):
    b = np.sort(np.array(bodies))
    c = rules.accountability_clarity(b, penalty)
    assert np.all(np.diff(c) <= 1e-15), "more bodies with powers should not raise clarity (C7)"
    assert rules.accountability_clarity(0.0, penalty) == 1.0, "no outside body: full clarity"


@given(q=st.lists(unit(), min_size=2, max_size=12))
def test_harm_falls_with_quality(q):
    h = rules.harm_rate(np.sort(np.array(q)))
    assert np.all(np.diff(h) <= 1e-15), "better care should never harm more"
    assert rules.harm_rate(1.0) == 0.0, "perfect care causes no avoidable harm"


@given(alloc=span(0, 1000), value=span(1e-6, 1000))
def test_commissioner_never_pays_more_than_its_allocation_or_the_contract(alloc, value):
    paid = float(rules.commissioner_pay_factor(alloc, value)) * value
    assert paid <= alloc * (1 + 1e-12) + 1e-12, "a commissioner cannot pay beyond its allocation"
    assert paid <= value * (1 + 1e-12), "a commissioner pays no more than the activity's value"


# ------------------------------------------------------------------------------------
# the model's monthly step, replayed trust by trust
# ------------------------------------------------------------------------------------

#: A quiet month: no shocks or noise, no special measures or support, no inspections
#: in the replayed month, so the only quality change is the documented drift rule.
QUIET = {
    "years": 1,
    "behaviour__shock_rate": 0.0,
    "behaviour__quality_noise_sd": 0.0,
    "behaviour__board_churn_base": 0.0,
    "behaviour__fear_board_churn": 0.0,
    "initial__special_measures_share": 0.0,
    "regime__identification__inspection_interval_months": 240,
    "regime__identification__risk_trigger_weight": 0.0,
    "regime__identification__political_pressure": 0.0,
    "regime__improvement__funding": 0.0,
    "regime__communication__blame_intensity": 0.6,
}


@pytest.mark.parametrize("seed", [1, 2])
def test_monthly_quality_update_equals_the_rules_trust_by_trust(seed):
    m = HealthEconomy("baseline", rng=seed, **QUIET)
    for _ in range(5):  # past the budget round, into an ordinary month
        m.step()
    s, b = m.s, m.p.behaviour
    q0 = s.quality.copy()
    cap0, disruption0, rung0 = s.capability.copy(), s.disruption.copy(), s.rung.copy()
    cut0 = s.cut_excess.copy()
    m.step()
    r = m.recorder.n_rows - 1
    pt = m.recorder.per_trust
    blame = m.p.regime.communication.blame_intensity
    for i in range(s.n):
        fear, openness, morale = (float(pt[k][r, i]) for k in ("fear", "openness", "morale"))
        occupancy, staffing, clarity = (
            float(pt[k][r, i]) for k in ("occupancy", "staffing", "clarity")
        )
        cap = float(cap0[i]) * (1.0 - b.disruption_penalty if disruption0[i] > 0 else 1.0)
        learning = ref_learning(openness, fear, penalty=b.fear_learning_penalty)
        resources = min(staffing, 1.1)
        felt = 1.0 if rung0[i] >= 2 else b.general_deterrence
        drive = 1.0 + b.blame_deterrence * blame * felt
        worsen = ref_deterioration(occupancy, staffing, float(cut0[i]), morale, b=b)
        for j in range(q0.shape[1]):
            qj = float(q0[i, j])
            dq = ref_quality_change(
                qj, cap, learning, resources, clarity, drive, worsen, rate=b.improvement_rate
            )
            expected = clamp(qj + dq, 0.0, 1.0)
            assert s.quality[i, j] == pytest.approx(expected, abs=1e-12), (
                f"trust {i} service {j}: the month's quality update should equal the "
                "documented rules applied to that trust alone"
            )
        assert openness == pytest.approx(
            ref_openness(fear, morale, base=b.openness_base, toxicity=b.fear_toxicity), abs=1e-12
        ), f"trust {i}: recorded openness should follow rules.openness of its fear and morale"
