"""The model's rules as small pure functions.

Each works element-wise on numpy arrays (one value per trust, or per trust and service
line) and equally on plain floats. They are the readable statement of the model's
equations: the model runs them compiled, fused per trust, in
:mod:`healthsim.model.kernel`, and ``tests/test_kernel.py`` checks the kernel against
them (``tests/test_rules.py`` checks them against plain per-trust versions). Units are in
each docstring;
"a month" means per monthly step. Sources of the default parameters are in
``healthsim.config.schema``.
"""

from __future__ import annotations

import numpy as np

#: Reference quality at which the harm rate equals ``HARM_RATE_AT_REFERENCE``.
QUALITY_REFERENCE = 0.66
#: Avoidable harm events per admission at the reference quality: about 3-4% of
#: admissions see an adverse event, about half avoidable (de Vries et al. 2008).
HARM_RATE_AT_REFERENCE = 0.015
#: Admissions per occupied general and acute bed a month (length of stay ~5 days).
ADMISSIONS_PER_BED_MONTH = 6.0
#: Staff in post over establishment below which care suffers (vacancies above 5%).
STAFFING_SAFE = 0.95
#: Largest annual cost-improvement target a board will plan (share of costs).
MAX_EFFICIENCY_TARGET = 0.10
#: Share of the efficiency found beyond a board's safe capacity that comes from cutting
#: posts (the rest from non-pay cuts). Assumption: 2010s savings came as much from pay
#: restraint, procurement and deferred maintenance as from fewer posts.
POST_CUT_SHARE = 0.5
#: Highest bed occupancy a trust can run at (the rest is turnaround).
MAX_OCCUPANCY = 0.98


def harm_rate(quality):
    """Avoidable harm events per admission at a service's true quality (in [0, 1]).

    Convex in the quality gap: harm = h_ref * ((1 - q) / (1 - q_ref))**2, so a service
    at quality 0.3 harms about four times as often as one at the reference 0.66.
    """
    gap = (1.0 - quality) / (1.0 - QUALITY_REFERENCE)
    return HARM_RATE_AT_REFERENCE * gap * gap


def openness(fear, morale, base: float, toxicity: float):
    """Share of harm that staff report (0-1): falls with fear and low morale (C5).

    openness = base * (1 - toxicity * fear) * (0.7 + 0.5 * morale), capped to [0.02, 1].
    """
    return np.minimum(np.maximum(base * (1.0 - toxicity * fear) * (0.7 + 0.5 * morale), 0.02), 1.0)


def accountability_clarity(bodies, penalty: float):
    """Clarity of accountability (0-1) with ``bodies`` outside bodies holding powers (C7).

    clarity = 1 / (1 + penalty * bodies): 'with too many in charge, no one is'.
    """
    return 1.0 / (1.0 + penalty * bodies)


def fear_target(
    blame: float,
    culture: float,
    naming_fear: float,
    named,
    ladder_pressure,
    contagion: float,
    economy_named_share,
):
    """The level fear moves towards (0-1) in a trust, given the regime's blame (C5).

    Fear comes from the general blame culture, from being named (or, less, from being
    on the ladder unnamed), and from neighbours in the same economy being named.
    """
    own = np.maximum(named * 1.0, 0.5 * ladder_pressure)
    return np.minimum(
        1.0, blame * (culture + naming_fear * own + contagion * naming_fear * economy_named_share)
    )


def relax(current, target, rate: float):
    """Move ``current`` a share ``rate`` of the way to ``target`` (one month)."""
    return current + rate * (target - current)


def morale_target(fear, occupancy, staffing, quality_mean, occupancy_threshold: float):
    """Morale (0-1) staff settle at: lowered by fear, crowding, understaffing (C5, C8)."""
    t = (
        0.72
        - 0.3 * fear
        - 1.5 * np.maximum(0.0, occupancy - occupancy_threshold)
        - 0.8 * np.maximum(0.0, 1.0 - staffing)
        + 0.3 * (quality_mean - QUALITY_REFERENCE)
    )
    return np.minimum(np.maximum(t, 0.0), 1.0)


def leaving_rate(fear, morale, base: float, fear_effect: float, morale_effect: float):
    """Share of staff who leave in a month: base * (1 + f*fear + m*(0.6 - morale)+),
    at most 1 (no more staff can leave than are in post)."""
    return np.minimum(
        1.0, base * (1.0 + fear_effect * fear + morale_effect * np.maximum(0.0, 0.6 - morale))
    )


def hiring(
    vacancies, rate: float, reputation, reputation_effect: float, in_deficit, restraint: float
):
    """Staff hired in a month (whole-time equivalents): a share of vacancies, less for
    a trust with a poor reputation or under a deficit hiring freeze (C5, C10)."""
    return (
        vacancies
        * rate
        * (1.0 - reputation_effect * (1.0 - reputation))
        * (1.0 - restraint * in_deficit)
    )


def quality_change(
    quality,
    capability_effective,
    learning,
    resources,
    clarity,
    drive,
    deterioration,
    improvement_rate: float,
):
    """Monthly change in a service's true quality before support and shocks (C3, C11).

    improvement = rate * capability * learning * resources * clarity * drive * (1 - q);
    deterioration = (share lost a month, from occupancy, understaffing, cuts, morale and
    entropy) * q. The steady state is q* = k / (k + D): a board improves what is left to
    improve, pressure erodes what there is.
    """
    improve = (
        improvement_rate
        * capability_effective
        * learning
        * resources
        * clarity
        * drive
        * (1.0 - quality)
    )
    return improve - deterioration * quality


def deterioration(occupancy, staffing, cut_excess, morale, b) -> np.ndarray:
    """Share of its quality a trust's services lose a month from pressure (C8, C10).

    ``b`` is the Behaviour section: entropy + occupancy above the safe threshold +
    staffing below the safe level + cuts beyond the frontier (annual share) + low morale.
    """
    return (
        b.baseline_deterioration
        + b.occupancy_harm * np.maximum(0.0, occupancy - b.occupancy_threshold)
        + b.understaffing_harm * np.maximum(0.0, STAFFING_SAFE - staffing)
        + b.cuts_harm * cut_excess / 12.0
        + b.morale_harm * np.maximum(0.0, 0.6 - morale)
    )


def learning_factor(openness_, fear, fear_learning_penalty: float):
    """How much a board learns from its own incidents (0-1): reported harm is what it
    can learn from, and fear makes it defensive (C5)."""
    return (0.4 + 0.6 * openness_) * (1.0 - fear_learning_penalty * fear)


def safe_efficiency(capability, capacity: float):
    """Annual efficiency (share of costs) a board can deliver without cutting posts:
    ``capacity`` at capability 0.55, more for abler boards (C10, C11)."""
    return capacity * (0.4 + capability) / 0.95


def efficiency_achieved(target, capability, capacity: float, unsafe_share: float = 0.25):
    """Annual efficiency (cost cut, share) a board delivers against its ``target`` (C10).

    Up to its safe capacity (:func:`safe_efficiency`) by real productivity; a board
    pushed beyond it delivers a share ``unsafe_share`` of the rest by deeper cuts, of
    posts (a share ``POST_CUT_SHARE``) and of non-pay spending, which hurt care.
    """
    safe = safe_efficiency(capability, capacity)
    return np.where(target <= safe, target, safe + unsafe_share * (target - safe))


def commissioner_pay_factor(allocation, contract_value):
    """Share of the contract value a commissioner can pay from its allocation (0-1].

    A commissioner whose allocation cannot cover the activity pays pro rata (marginal
    rates, contract caps): what it pays is exactly what its trusts receive. Both in £m
    for the same period; a commissioner with no activity pays nothing (factor 1).
    """
    value = np.asarray(contract_value, dtype=float)
    return np.where(value > 0, np.minimum(1.0, allocation / np.maximum(value, 1e-300)), 1.0)


def social_care_shortfall(capacity, need):
    """Share of social-care need not met (0-1) (C8)."""
    return np.minimum(np.maximum(1.0 - np.divide(capacity, need), 0.0), 1.0)


def reputation_target(quality_mean):
    """Reputation (0-1) a trust drifts to from its care alone: 0.2 + quality."""
    return np.minimum(0.2 + quality_mean, 1.0)
