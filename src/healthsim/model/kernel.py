"""The model's monthly arithmetic, compiled (numba): one pass per trust for each phase.

- ``people_and_quality``: the formulas of :mod:`healthsim.model.rules` (workforce, fear,
  morale, openness, accountability clarity, learning, deterioration and the base
  quality change) fused into one loop. The rules stay the readable, tested reference:
  ``tests/test_kernel.py`` checks the kernel against them on random inputs. Its
  parameters come in one float array (indices below) so the compiled signature is
  stable.
- ``demand_to_harm``, ``money``, ``progress_reconfigurations``, ``support_effect``,
  ``fade_consultancy``, ``settle``, ``support_clock``, ``risk_triggers``, ``observe``
  and ``record_month``: the other phases of a month (docs/ODD.md, "Process overview"),
  each checked in the tests against the rules or the numpy it replaced.
- ``month_front``, ``month_back`` and ``record_state``: what the model calls, three
  times a month, on whole blocks of arrays (see the section at the end).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.rules import (
    ADMISSIONS_PER_BED_MONTH,
    HARM_RATE_AT_REFERENCE,
    MAX_OCCUPANCY,
    QUALITY_REFERENCE,
    STAFFING_SAFE,
)
from healthsim.model.state import FLAG_FIELDS, FLOAT_FIELDS, INT_FIELDS
from healthsim.model.streams import MONTH_DRAWS, SERVICE_DRAWS

# indices into the parameter array (built by :func:`parameters`)
(
    TURNOVER_BASE,
    FEAR_TURNOVER,
    MORALE_TURNOVER,
    RECRUITMENT,
    REP_RECRUITMENT,
    RESTRAINT,
    BLAME,
    CULTURE,
    NAMING_FEAR,
    CONTAGION,
    FEAR_ADJ,
    OCC_THRESHOLD,
    MORALE_ADJ,
    OPEN_BASE,
    TOXICITY,
    PENALTY,
    DIRECTIONS,
    POWERS,
    DISRUPTION_PENALTY,
    LEARN_PENALTY,
    DETERRENCE,
    GENERAL_DETERRENCE,
    ON_LADDER,
    BASE_DET,
    OCC_HARM,
    STAFF_HARM,
    CUTS_HARM,
    MORALE_HARM,
    IMPROVEMENT,
) = range(29)
N_PARAMETERS = 29


def parameters(
    b,
    blame: float,
    directions: bool,
    powers: bool,
    deterrence: float,
    general: float,
    on_ladder: float,
    penalty: float,
) -> np.ndarray:
    """Pack the Behaviour section and regime constants for :func:`people_and_quality`."""
    p = np.zeros(N_PARAMETERS)
    p[TURNOVER_BASE], p[FEAR_TURNOVER], p[MORALE_TURNOVER] = (
        b.turnover_base,
        b.fear_turnover,
        b.morale_turnover,
    )
    p[RECRUITMENT], p[REP_RECRUITMENT], p[RESTRAINT] = (
        b.recruitment_rate,
        b.reputation_recruitment,
        b.hiring_restraint,
    )
    p[BLAME], p[CULTURE], p[NAMING_FEAR], p[CONTAGION] = (
        blame,
        b.fear_culture,
        b.fear_from_naming,
        b.fear_contagion,
    )
    p[FEAR_ADJ], p[OCC_THRESHOLD], p[MORALE_ADJ] = (
        b.fear_adjustment,
        b.occupancy_threshold,
        b.morale_adjustment,
    )
    p[OPEN_BASE], p[TOXICITY], p[PENALTY] = b.openness_base, b.fear_toxicity, penalty
    p[DIRECTIONS], p[POWERS] = float(directions), float(powers)
    p[DISRUPTION_PENALTY], p[LEARN_PENALTY] = b.disruption_penalty, b.fear_learning_penalty
    p[DETERRENCE], p[GENERAL_DETERRENCE], p[ON_LADDER] = deterrence, general, on_ladder
    p[BASE_DET], p[OCC_HARM], p[STAFF_HARM] = (
        b.baseline_deterioration,
        b.occupancy_harm,
        b.understaffing_harm,
    )
    p[CUTS_HARM], p[MORALE_HARM], p[IMPROVEMENT] = (b.cuts_harm, b.morale_harm, b.improvement_rate)
    return p


def people_parameters(sc) -> np.ndarray:
    """:func:`parameters` for a scenario: blame counts only when the ladder runs."""
    b, reg = sc.behaviour, sc.regime
    blame = reg.communication.blame_intensity if reg.ladder.enabled else 0.0
    return parameters(
        b,
        blame,
        reg.ladder.oversight_directions,
        reg.improvement.powers,
        b.blame_deterrence * blame,
        b.general_deterrence,
        1.0 - b.general_deterrence,
        b.accountability_penalty,
    )


@njit(cache=True)
def people_and_quality(
    p,
    q,
    staff,
    vac,
    reputation,
    in_deficit,
    fear,
    morale,
    named,
    rung,
    economy,
    econ_counts,
    occupancy,
    staffing,
    conditions,
    support,
    capability,
    disruption,
    cut_excess,
    boost,
    openness,
    bodies,
    clarity,
    leave,
    qmean,
    k,
    worsen,
    dq,
):  # pragma: no cover - compiled; checked against the rules in tests/test_kernel.py
    """One month for every trust; updates staff, fear, morale in place and fills the
    output arrays (openness, bodies, clarity, leave, qmean, k, worsen, dq)."""
    n, n_serv = q.shape
    named_share = np.zeros(econ_counts.shape[0])
    for i in range(n):
        named_share[economy[i]] += named[i]
    for e in range(econ_counts.shape[0]):
        named_share[e] /= econ_counts[e]
    for i in range(n):
        in_sm = 1.0 if rung[i] >= 3 else 0.0
        # workforce (rules.leaving_rate, rules.hiring)
        rate = p[TURNOVER_BASE] * (
            1.0 + p[FEAR_TURNOVER] * fear[i] + p[MORALE_TURNOVER] * max(0.0, 0.6 - morale[i])
        )
        leave[i] = staff[i] * min(1.0, rate)
        hire = (
            vac[i]
            * p[RECRUITMENT]
            * (1.0 - p[REP_RECRUITMENT] * (1.0 - reputation[i]))
            * (1.0 - p[RESTRAINT] * in_deficit[i])
        )
        staff[i] += hire - leave[i]
        # fear (rules.fear_target, rules.relax)
        target = 0.0
        if p[BLAME] > 0:
            ladder = in_sm + (0.4 if rung[i] == 2 else 0.0)
            own = max(named[i] * 1.0, 0.5 * ladder)
            target = min(
                1.0,
                p[BLAME]
                * (
                    p[CULTURE]
                    + p[NAMING_FEAR] * own
                    + p[CONTAGION] * p[NAMING_FEAR] * named_share[economy[i]]
                ),
            )
        fear[i] = fear[i] + p[FEAR_ADJ] * (target - fear[i])
        # morale (rules.morale_target) and openness (rules.openness)
        total = 0.0
        for j in range(n_serv):
            total += q[i, j]
        qmean[i] = total * (1.0 / n_serv)
        mt = (
            0.72
            - 0.3 * fear[i]
            - 1.5 * max(0.0, occupancy[i] - p[OCC_THRESHOLD])
            - 0.8 * max(0.0, 1.0 - staffing[i])
            + 0.3 * (qmean[i] - QUALITY_REFERENCE)
        )
        mt = min(max(mt, 0.0), 1.0)
        morale[i] = morale[i] + p[MORALE_ADJ] * (mt - morale[i])
        openness[i] = min(
            max(p[OPEN_BASE] * (1.0 - p[TOXICITY] * fear[i]) * (0.7 + 0.5 * morale[i]), 0.02), 1.0
        )
        # accountability (rules.accountability_clarity)
        bodies[i] = (1.0 if conditions[i] else 0.0) + (1.0 if rung[i] == 4 else 0.0)
        bodies[i] += p[DIRECTIONS] * in_sm
        if support[i] != 0:
            bodies[i] += p[POWERS] * in_sm
        clarity[i] = 1.0 / (1.0 + p[PENALTY] * bodies[i])
        # quality (rules.learning_factor, rules.deterioration, rules.quality_change)
        cap_eff = capability[i] * (
            1.0 - p[DISRUPTION_PENALTY] * (1.0 if disruption[i] > 0 else 0.0)
        )
        learning = (0.4 + 0.6 * openness[i]) * (1.0 - p[LEARN_PENALTY] * fear[i])
        resources = min(staffing[i], 1.1) * (1.0 + boost[i])
        drive = 1.0 + p[DETERRENCE] * (
            p[GENERAL_DETERRENCE] + p[ON_LADDER] * (1.0 if rung[i] >= 2 else 0.0)
        )
        worsen[i] = (
            p[BASE_DET]
            + p[OCC_HARM] * max(0.0, occupancy[i] - p[OCC_THRESHOLD])
            + p[STAFF_HARM] * max(0.0, STAFFING_SAFE - staffing[i])
            + p[CUTS_HARM] * cut_excess[i] / 12.0
            + p[MORALE_HARM] * max(0.0, 0.6 - morale[i])
        )
        k[i] = p[IMPROVEMENT] * cap_eff * learning * resources * clarity[i] * drive
        for j in range(n_serv):
            dq[i, j] = k[i] * (1.0 - q[i, j]) - worsen[i] * q[i, j]


@njit(cache=True)
def demand_to_harm(
    growth_demand,
    growth_throughput,
    growth_sc_need,
    base_demand,
    need,
    economy,
    z,
    demand_sd,
    demand_var_half,
    shift,
    reputation,
    flow_t,
    sc_capacity,
    sc_uplift,
    sc_need,
    dd_per_shortfall,
    beds,
    max_occupancy,
    throughput,
    overflow,
    q,
    admissions_per_service,
    harm_reference,
    quality_reference,
    openness,
    shortfall,
    demand,
    moved,
    dd_beds,
    treated,
    over,
    diverted,
    occupancy,
    harm,
    reported,
    reported_rate,
):  # pragma: no cover - compiled; the model's golden outputs pin its results
    """The month's growth of need, throughput and social-care need; demand and its
    shift to neighbours, social care and delayed discharges, treatment and diversion,
    occupancy, harm and reporting (step phases 1 to 4), with the formulas of
    rules.social_care_shortfall and rules.harm_rate."""
    n, n_serv = q.shape
    for ec in range(need.shape[0]):
        need[ec] *= growth_demand
    for i in range(n):
        throughput[i] *= growth_throughput
    for ec in range(sc_need.shape[0]):
        sc_need[ec] *= growth_sc_need
    for ec in range(sc_need.shape[0]):
        shortfall[ec] = min(
            max(1.0 - sc_capacity[ec] * (1.0 + sc_uplift[ec]) / sc_need[ec], 0.0), 1.0
        )
    for i in range(n):
        demand[i] = base_demand[i] * need[economy[i]] * np.exp(demand_sd * z[i] - demand_var_half)
        moved[i] = demand[i] * (shift * (1.0 - reputation[i]))
    for i in range(n):
        inflow = 0.0
        for j in range(n):
            inflow += flow_t[i, j] * moved[j]
        demand[i] += inflow - moved[i]
    room = np.empty(n)
    for i in range(n):
        dd_beds[i] = dd_per_shortfall * shortfall[economy[i]] * beds[i]
        room[i] = max(0.0, beds[i] * max_occupancy - dd_beds[i]) * throughput[i]
        treated[i] = min(demand[i], room[i])
        over[i] = demand[i] - treated[i]
        diverted[i] = overflow * over[i]
    for i in range(n):
        inflow = 0.0
        for j in range(n):
            inflow += flow_t[i, j] * diverted[j]
        treated[i] = min(treated[i] + inflow, room[i])
        occupancy[i] = (treated[i] / throughput[i] + dd_beds[i]) / beds[i]
        admissions = treated[i] * admissions_per_service
        rate = 0.0
        for s in range(n_serv):
            gap = (1.0 - q[i, s]) / (1.0 - quality_reference)
            rate += harm_reference * gap * gap
        harm[i] = rate * admissions
        reported[i] = harm[i] * openness[i]
        reported_rate[i] = reported[i] / (admissions * n_serv + 1e-12)


@njit(cache=True)
def money(
    treated,
    price,
    economy,
    allocation_month,
    treated0,
    establishment,
    staff,
    rung,
    funding,
    injection,
    unit_cost,
    reconfig_saving,
    wage_bill0,
    agency_factor,
    nonpay0,
    harm,
    litigation,
    consult_cost,
    support,
    one_off_cost,
    cover,
    cash,
    surplus_ring,
    income_ring,
    ring,
    roll_surplus,
    roll_income,
    unsustainable_months,
    ever_unsustainable,
    econ_value,
    income,
    central,
    vac,
    staffing,
    surplus,
    month_income,
    margin,
    in_deficit,
    unsustainable,
    boost,
):  # pragma: no cover - compiled; the model's golden outputs and invariants pin it
    """Payment, costs, cash and the 12-month accounts (step phase 5): commissioners pay
    pro rata to their allocation (rules.commissioner_pay_factor), the regime pays
    improvement funding and deficit cover to trusts in special measures, the centre any
    one-off cash. Returns (money the regime paid this month, any trust in special
    measures)."""
    n = treated.shape[0]
    econ_value[:] = 0.0
    for i in range(n):
        econ_value[economy[i]] += treated[i] * price
    any_sm = False
    regime_money = 0.0
    for i in range(n):
        value = treated[i] * price
        v = econ_value[economy[i]]
        pay = min(1.0, allocation_month[economy[i]] / max(v, 1e-300)) if v > 0 else 1.0
        income[i] = value * pay
        activity = treated[i] / treated0[i]
        vac[i] = max(0.0, establishment[i] * activity - staff[i])
        staffing[i] = staff[i] / activity
        in_sm = rung[i] >= 3
        any_sm = any_sm or in_sm
        central[i] = funding if in_sm else 0.0
        regime_money += central[i]
        boost[i] = min(0.3, 10.0 * central[i] / (income[i] + 1e-12)) if in_sm else 0.0
        central[i] += injection[i]
        cost = (
            unit_cost[i]
            * (1.0 - reconfig_saving[i])
            * (wage_bill0[i] * (staff[i] + agency_factor * vac[i]) + nonpay0[i] * treated[i])
            + harm[i] * litigation
        )
        if support[i] == 2:
            cost += consult_cost
        cost += one_off_cost[i]
        one_off_cost[i] = 0.0
        surplus[i] = income[i] + central[i] - cost
        if in_sm and cover > 0:
            help_ = cover * max(0.0, -surplus[i])
            surplus[i] += help_
            central[i] += help_
            regime_money += help_
        cash[i] += surplus[i]
        month_income[i] = income[i] + central[i]
        roll_surplus[i] += surplus[i] - surplus_ring[ring, i]
        roll_income[i] += month_income[i] - income_ring[ring, i]
        surplus_ring[ring, i] = surplus[i]
        income_ring[ring, i] = month_income[i]
        margin[i] = roll_surplus[i] / roll_income[i]
        in_deficit[i] = roll_surplus[i] < 0
        unsustainable[i] = cash[i] < unsustainable_months * roll_income[i]
        ever_unsustainable[i] = ever_unsustainable[i] or unsustainable[i]
    return regime_money, any_sm


@njit(cache=True)
def settle(
    q,
    dq,
    noise_sd,
    noise,
    shock_rate,
    shock_size,
    shock_u,
    shock_z,
    capability,
    learning_rate,
    decay,
    disruption,
    reputation,
    qmean,
    named,
    recovery,
    salience,
    salience_decay,
    scandal_u,
    scandal_rate,
    bar,
    breadth,
    t,
    failing_since,
    truly,
    qmean_end,
    qmin,
    churn_u,
    churn_base,
    fear_churn,
    fear,
    churn,
):  # pragma: no cover - compiled; the model's golden outputs pin it
    """The end of a month's arithmetic: quality takes its change, noise and local shocks
    (kept in [0, 1]); boards learn and forget; disruption counts down; reputation drifts
    towards its quality-based target (rules.reputation_target, lowered while named);
    media salience fades and new stories arrive; who truly fails the breadth rule; whose
    board leaves (``churn``: ordinary and fear-driven churn, C11). Returns how many
    boards leave."""
    n, n_serv = q.shape
    leaving = 0
    for i in range(n):
        total = 0.0
        low = 1.0
        failing = 0
        for j in range(n_serv):
            v = q[i, j] + dq[i, j]
            v += noise_sd * noise[i, j]
            v -= (shock_size * shock_z[i, j]) if shock_u[i, j] < shock_rate else 0.0
            v = min(max(v, 0.0), 1.0)
            q[i, j] = v
            total += v
            low = min(low, v)
            if v < bar:
                failing += 1
        qmean_end[i] = total * (1.0 / n_serv)
        qmin[i] = low
        c = capability[i] + learning_rate * (1.0 - capability[i]) - decay * capability[i]
        capability[i] = min(max(c, 0.0), 1.0)
        if disruption[i] > 0:
            disruption[i] = disruption[i] - 1.0
        target = min(0.2 + qmean[i], 1.0) * (1.0 - 0.4 * (1.0 if named[i] else 0.0))
        reputation[i] = reputation[i] + recovery * (target - reputation[i])
        salience[i] = min(
            1.0,
            salience[i] * (1.0 - salience_decay) + (0.5 if scandal_u[i] < scandal_rate else 0.0),
        )
        truly[i] = failing >= breadth
        if truly[i]:
            if failing_since[i] < 0:
                failing_since[i] = t
        else:
            failing_since[i] = -1
        churn[i] = churn_u[i] < churn_base + fear_churn * fear[i]
        if churn[i]:
            leaving += 1
    return leaving


@njit(cache=True)
def risk_triggers(
    rate,
    margin_12m,
    salience,
    trigger_u,
    weight,
    political,
    t,
    last_inspection,
    rung,
    special_measures,
    due,
):  # pragma: no cover - compiled; tests/test_kernel.py checks it against numpy
    """The inspectorate's monthly risk check (C1, C2), for Inspectorate.check_risk.

    A trust's chance of a risk-triggered inspection is (1 - p) w 0.08 signal + p 0.15
    salience, where the signal is reported harm per admission above the national rate
    (relative) plus five times any deficit margin. Marks ``due`` for those drawn that
    were not inspected in the last six months and are not in special measures; returns
    how many."""
    n = rate.shape[0]
    total = 0.0
    for i in range(n):
        total += rate[i]
    national = total / n
    inv = 1.0 / national if national > 0 else 0.0
    scale = (1.0 - political) * weight * 0.08
    count = 0
    for i in range(n):
        signal = max(0.0, -5.0 * margin_12m[i])
        if national > 0:
            signal += max(0.0, rate[i] * inv - 1.0)
        prob = scale * signal
        if political > 0:
            prob += (political * 0.15) * salience[i]
        hit = trigger_u[i] < prob and t - last_inspection[i] >= 6 and rung[i] < special_measures
        due[i] = hit
        if hit:
            count += 1
    return count


@njit(cache=True)
def record_month(
    block,
    scalars,
    r,
    quality,
    quality_worst_service,
    rung,
    rating,
    harm,
    reported,
    surplus,
    income,
    surplus_12m,
    income_12m,
    cash,
    unsustainable,
    staffing,
    leavers,
    staff,
    occupancy,
    over_capacity,
    delayed_discharge_beds,
    fear,
    openness,
    morale,
    reputation,
    capability,
    clarity,
    support,
    buddy_of,
    truly_failing,
    counts,
    paid,
    moved,
    diverted,
    demand,
    treated,
    shortfall,
):  # pragma: no cover - compiled; tests/test_kernel.py checks it against numpy
    """Write month ``r``'s row of every per-trust metric into ``block`` (metric, month,
    trust; in :data:`healthsim.metrics.recorder.PER_TRUST` order) and the model-level
    quantities into ``scalars`` (metric, month; :data:`~healthsim.metrics.recorder.SCALARS`
    order): ``counts`` holds the month's counters and rates in that order up to
    ``regime_cost``, then efficiency achieved and required; the sums are taken here."""
    n = quality.shape[0]
    for i in range(n):
        block[0, r, i] = quality[i]
        block[1, r, i] = quality_worst_service[i]
        block[2, r, i] = rung[i]
        block[3, r, i] = rating[i]
        block[4, r, i] = harm[i]
        block[5, r, i] = harm[i] - reported[i]
        block[6, r, i] = surplus[i]
        block[7, r, i] = income[i]
        block[8, r, i] = surplus_12m[i]
        block[9, r, i] = income_12m[i]
        block[10, r, i] = cash[i]
        block[11, r, i] = unsustainable[i]
        block[12, r, i] = staffing[i]
        block[13, r, i] = leavers[i]
        block[14, r, i] = staff[i]
        block[15, r, i] = occupancy[i]
        block[16, r, i] = over_capacity[i]
        block[17, r, i] = delayed_discharge_beds[i]
        block[18, r, i] = fear[i]
        block[19, r, i] = openness[i]
        block[20, r, i] = morale[i]
        block[21, r, i] = reputation[i]
        block[22, r, i] = capability[i]
        block[23, r, i] = clarity[i]
        block[24, r, i] = support[i]
        block[25, r, i] = buddy_of[i]
        block[26, r, i] = truly_failing[i]
    for k in range(8):  # entries .. regime_cost
        scalars[k, r] = counts[k]
    total_paid = 0.0
    for i in range(paid.shape[0]):
        total_paid += paid[i]
    scalars[8, r] = total_paid
    total_diverted = 0.0
    total_unmet = 0.0
    for i in range(n):
        total_diverted += moved[i] + diverted[i]
        total_unmet += demand[i] - treated[i]
    scalars[9, r] = total_diverted
    scalars[10, r] = total_unmet
    scalars[11, r] = counts[8]
    scalars[12, r] = counts[9]
    gap = 0.0
    for e in range(shortfall.shape[0]):
        gap += shortfall[e]
    scalars[13, r] = gap / shortfall.shape[0]


@njit(cache=True)
def progress_reconfigurations(left, saving, cut):
    """Count down service reconfigurations; a completed one cuts costs for good by the
    share ``cut`` (C10)."""  # pragma: no cover - compiled
    for i in range(left.shape[0]):
        if left[i] > 0:
            left[i] -= 1
            if left[i] == 0:
                saving[i] = 1 - (1 - saving[i]) * (1 - cut)


@njit(cache=True)
def support_effect(
    q,
    clarity,
    good,
    intensity,
    support,
    buddy_of,
    capability,
    buddy_effectiveness,
    buddy_transfer,
    buddy_burden,
    consultancy_effectiveness,
    central_effectiveness,
    consult_gain,
    buddy_capability_lost,
    buddy_months,
    dq,
):  # pragma: no cover - compiled; tests/test_kernel.py checks it against numpy
    """Monthly quality gained from improvement support, added to ``dq`` (C6).

    A buddied trust gains at the buddy's effectiveness times its board's capability and
    learns from it (its capability rises towards 1); the buddy pays for it in capability
    of its own (``buddy_burden``, counted in ``buddy_capability_lost``). Consultancy and
    central teams gain at their own rates; consultancy's gains are kept in
    ``consult_gain`` (they fade after the contract). Gains scale with the intensity of
    support, the accountability clarity and the gap to ``good``. Returns whether any
    trust had consultancy."""
    n, n_serv = q.shape
    rate = np.zeros(n)
    for i in range(n):  # rates from the capability before this month's transfer
        if support[i] == 1:
            rate[i] = buddy_effectiveness * capability[buddy_of[i]]
        elif support[i] == 2:
            rate[i] = consultancy_effectiveness
        elif support[i] == 3:
            rate[i] = central_effectiveness
    for i in range(n):
        if support[i] == 1:
            capability[i] += buddy_transfer * intensity * (1 - capability[i])
    loss = np.zeros(n)
    for i in range(n):  # every loss from the capability after the transfers, then paid
        if support[i] == 1:
            loss[i] = buddy_burden * intensity * capability[buddy_of[i]]
    for i in range(n):
        if support[i] == 1:
            h = buddy_of[i]
            capability[h] -= loss[i]
            buddy_capability_lost[h] += loss[i]
            buddy_months[h] += 1
    any_consult = False
    for i in range(n):
        if support[i] == 0:
            continue
        r = rate[i] * intensity * clarity[i]
        consult = support[i] == 2
        any_consult = any_consult or consult
        for j in range(n_serv):
            gain = r * max(0.0, good - q[i, j])
            if consult:
                consult_gain[i, j] += gain
            dq[i, j] += gain
    return any_consult


@njit(cache=True)
def support_clock(support_left, support, ended, regime_money, buddy_cost, central_cost):
    """Support's monthly clock and cost: counts down months of support left, marks in
    ``ended`` whose support ends now, and returns (how many end, the regime's spending
    this month: ``regime_money`` plus buddies' fees and central teams for the support
    still running). How many end is -1 when no support clock was running (then the
    spending is ``regime_money`` alone)."""  # pragma: no cover - compiled
    n = support_left.shape[0]
    running = False
    for i in range(n):
        if support_left[i] != 0:
            running = True
            break
    if not running:
        for i in range(n):
            ended[i] = False
        return -1, regime_money
    n_ended = 0
    buddies = 0
    central = 0
    for i in range(n):
        support_left[i] = max(0, support_left[i] - 1)
        ended[i] = support_left[i] == 0 and support[i] != 0
        if ended[i]:
            n_ended += 1
        elif support[i] == 1:
            buddies += 1
        elif support[i] == 3:
            central += 1
    cost = regime_money
    cost += buddies * buddy_cost
    cost += central * central_cost
    return n_ended, cost


@njit(cache=True)
def observe(
    quality, keys, noise, k, noise_sd, bar, good, outstanding, sampled, observed
):  # pragma: no cover - compiled; tests/test_kernel.py checks it against numpy
    """An inspection's observations of one trust (C1, C3): the ``k`` services with the
    lowest sampling keys, each seen with noise and kept in [0, 1] (into ``sampled`` and
    ``observed``). Returns (observed below the bar, observed between the bar and good,
    observed outstanding, services truly below the bar)."""
    order = np.argsort(keys)
    below = 0
    middling = 0
    top = 0
    for j in range(k):
        s = order[j]
        v = quality[s] + noise_sd * noise[s]
        v = min(max(v, 0.0), 1.0)
        sampled[j] = s
        observed[j] = v
        if v < bar:
            below += 1
        elif v < good:
            middling += 1
        if v >= outstanding:
            top += 1
    failing = 0
    for s in range(quality.shape[0]):
        if quality[s] < bar:
            failing += 1
    return below, middling, top, failing


# --------------------------------------------------------------------------------------
# The month in three calls: the passes above, given whole blocks of arrays.
#
# A compiled call costs about 45 ns an argument to set up; the passes above take some
# 215 arrays and numbers a month between them. The model keeps its arrays as rows of a
# few blocks (TrustState.floats / ints / flags, Draws.by_trust / by_service, and the
# model's own working arrays below), and these three passes take the blocks and hand
# the rows to the passes above, inside compiled code, where it costs nothing.
# --------------------------------------------------------------------------------------

#: the model's per-trust working arrays: rows of ``HealthEconomy.work``
WORK_ROWS = (
    "demand",
    "moved",
    "dd_beds",
    "treated",
    "over",
    "diverted",
    "occupancy",
    "harm",
    "reported",
    "reported_rate",
    "income",
    "central_payment",
    "vac",
    "staffing",
    "surplus",
    "month_income",
    "boost",
    "roll_surplus",
    "roll_income",
    "margin_12m",
    "treated0",
    "clarity",
    "leave",
    "qmean",
    "k",
    "worsen",
    "qmean_end",
    "qmin",
    "buddy_capability_lost",
    "buddy_months",
)
#: the model's per-trust yes/no working arrays: rows of ``HealthEconomy.work_flags``
WORK_FLAGS = ("in_deficit", "unsustainable", "ever_unsustainable", "truly", "churn", "ended")
#: per-economy arrays: rows of ``HealthEconomy.economies``
ECONOMY_ROWS = (
    "need",
    "sc_need",
    "sc_capacity",
    "sc_uplift",
    "shortfall",
    "allocation",
    "econ_value",
    "econ_counts",
)
#: constants of a run for :func:`month_front`
FRONT_PARAMETERS = (
    "demand_sd",
    "demand_var_half",
    "reputation_shift",
    "dd_per_shortfall",
    "max_occupancy",
    "overflow",
    "admissions_per_service",
    "harm_reference",
    "quality_reference",
    "funding",
    "agency_factor",
    "litigation",
    "consult_cost",
    "cover",
    "unsustainable_months",
    "reconfiguration_saving",
)
#: constants of a run for :func:`month_back`
BACK_PARAMETERS = (
    "good",
    "intensity",
    "buddy_effectiveness",
    "buddy_transfer",
    "buddy_burden",
    "consultancy_effectiveness",
    "central_effectiveness",
    "consultancy_decay",
    "noise_sd",
    "shock_rate",
    "shock_size",
    "capability_learning",
    "capability_decay",
    "reputation_recovery",
    "salience_decay",
    "scandal_rate",
    "bar",
    "churn_base",
    "fear_churn",
)


def front_parameters(sc) -> np.ndarray:
    """The constants of a run for :func:`month_front` (:data:`FRONT_PARAMETERS` order)."""
    b, reg = sc.behaviour, sc.regime
    imp = reg.improvement
    consult = imp.model == "consultancy"
    values = {
        # lognormal demand noise with mean 1: exp(sd z - sd^2 / 2)
        "demand_sd": b.demand_noise_sd,
        "demand_var_half": b.demand_noise_sd**2 / 2,
        "reputation_shift": b.reputation_demand_shift,
        "dd_per_shortfall": b.delayed_discharge_beds_per_shortfall,
        "max_occupancy": MAX_OCCUPANCY,
        "overflow": b.overflow_diversion,
        "admissions_per_service": ADMISSIONS_PER_BED_MONTH / sc.economy.services_per_trust,
        "harm_reference": HARM_RATE_AT_REFERENCE,
        "quality_reference": QUALITY_REFERENCE,
        "funding": imp.funding if imp.funding > 0 else 0.0,
        "agency_factor": b.agency_fill * (1 + b.agency_premium),
        "litigation": b.harm_litigation_cost,
        "consult_cost": b.consultancy_cost * imp.intensity if consult else 0.0,
        "cover": reg.financial_support.deficit_cover,
        "unsustainable_months": b.unsustainable_cash_months / 12.0,
        "reconfiguration_saving": b.reconfiguration_saving,
    }
    return np.array([values[k] for k in FRONT_PARAMETERS], dtype=float)


def back_parameters(sc) -> np.ndarray:
    """The constants of a run for :func:`month_back` (:data:`BACK_PARAMETERS` order)."""
    b, ident = sc.behaviour, sc.regime.identification
    values = {
        "good": ident.good_threshold,
        "intensity": sc.regime.improvement.intensity,
        "buddy_effectiveness": b.buddy_effectiveness,
        "buddy_transfer": b.buddy_capability_transfer,
        "buddy_burden": b.buddy_burden,
        "consultancy_effectiveness": b.consultancy_effectiveness,
        "central_effectiveness": b.central_effectiveness,
        "consultancy_decay": b.consultancy_decay,
        "noise_sd": b.quality_noise_sd,
        "shock_rate": b.shock_rate,
        "shock_size": b.shock_size,
        "capability_learning": b.capability_learning,
        "capability_decay": b.capability_decay,
        "reputation_recovery": b.reputation_recovery,
        "salience_decay": b.salience_decay,
        "scandal_rate": b.scandal_rate,
        "bar": ident.bar,
        "churn_base": b.board_churn_base,
        "fear_churn": b.fear_board_churn,
    }
    return np.array([values[k] for k in BACK_PARAMETERS], dtype=float)


_F, _I, _B = FLOAT_FIELDS.index, INT_FIELDS.index, FLAG_FIELDS.index
_W, _WF, _E = WORK_ROWS.index, WORK_FLAGS.index, ECONOMY_ROWS.index
_FP, _BP = FRONT_PARAMETERS.index, BACK_PARAMETERS.index
_MD, _SD = MONTH_DRAWS.index, SERVICE_DRAWS.index
# state rows
S_CAPABILITY, S_DISRUPTION, S_STAFF, S_ESTABLISHMENT = (
    _F("capability"),
    _F("disruption"),
    _F("staff"),
    _F("establishment"),
)
S_MORALE, S_FEAR, S_OPENNESS, S_REPUTATION, S_SALIENCE = (
    _F("morale"),
    _F("fear"),
    _F("openness"),
    _F("reputation"),
    _F("salience"),
)
S_BEDS, S_BASE_DEMAND, S_THROUGHPUT, S_UNIT_COST = (
    _F("beds"),
    _F("base_demand"),
    _F("throughput"),
    _F("unit_cost"),
)
S_WAGE_BILL0, S_NONPAY0, S_CASH, S_ONE_OFF, S_INJECTION = (
    _F("wage_bill0"),
    _F("nonpay0"),
    _F("cash"),
    _F("one_off_cost"),
    _F("injection"),
)
S_CUT_EXCESS, S_RECONFIG_LEFT, S_RECONFIG_SAVING, S_BODIES = (
    _F("cut_excess"),
    _F("reconfig_left"),
    _F("reconfig_saving"),
    _F("bodies"),
)
S_RUNG, S_RATING, S_SUPPORT, S_BUDDY_OF = _I("rung"), _I("rating"), _I("support"), _I("buddy_of")
S_FAILING_SINCE, S_ECONOMY = _I("failing_since"), _I("economy")
S_NAMED, S_CONDITIONS = _B("named"), _B("conditions")
# working rows
W_DEMAND, W_MOVED, W_DD_BEDS, W_TREATED, W_OVER, W_DIVERTED = (
    _W("demand"),
    _W("moved"),
    _W("dd_beds"),
    _W("treated"),
    _W("over"),
    _W("diverted"),
)
W_OCCUPANCY, W_HARM, W_REPORTED, W_REPORTED_RATE = (
    _W("occupancy"),
    _W("harm"),
    _W("reported"),
    _W("reported_rate"),
)
W_INCOME, W_CENTRAL, W_VAC, W_STAFFING, W_SURPLUS, W_MONTH_INCOME, W_BOOST = (
    _W("income"),
    _W("central_payment"),
    _W("vac"),
    _W("staffing"),
    _W("surplus"),
    _W("month_income"),
    _W("boost"),
)
W_ROLL_SURPLUS, W_ROLL_INCOME, W_MARGIN, W_TREATED0 = (
    _W("roll_surplus"),
    _W("roll_income"),
    _W("margin_12m"),
    _W("treated0"),
)
W_CLARITY, W_LEAVE, W_QMEAN, W_K, W_WORSEN, W_QMEAN_END, W_QMIN = (
    _W("clarity"),
    _W("leave"),
    _W("qmean"),
    _W("k"),
    _W("worsen"),
    _W("qmean_end"),
    _W("qmin"),
)
W_BUDDY_LOST, W_BUDDY_MONTHS = _W("buddy_capability_lost"), _W("buddy_months")
WF_IN_DEFICIT, WF_UNSUSTAINABLE, WF_EVER_UNSUSTAINABLE = (
    _WF("in_deficit"),
    _WF("unsustainable"),
    _WF("ever_unsustainable"),
)
WF_TRULY, WF_CHURN = _WF("truly"), _WF("churn")
E_NEED, E_SC_NEED, E_SC_CAPACITY, E_SC_UPLIFT, E_SHORTFALL = (
    _E("need"),
    _E("sc_need"),
    _E("sc_capacity"),
    _E("sc_uplift"),
    _E("shortfall"),
)
E_ALLOCATION, E_VALUE, E_COUNTS = _E("allocation"), _E("econ_value"), _E("econ_counts")
D_DEMAND, D_SCANDAL, D_CHURN = _MD("demand"), _MD("scandal_u"), _MD("churn_u")
D_SHOCK_U, D_SHOCK_SIZE, D_QUALITY_NOISE = (
    _SD("shock_u"),
    _SD("shock_size"),
    _SD("quality_noise"),
)
(
    FP_DEMAND_SD,
    FP_VAR_HALF,
    FP_SHIFT,
    FP_DD,
    FP_MAX_OCC,
    FP_OVERFLOW,
    FP_ADMISSIONS,
    FP_HARM_REF,
    FP_QUALITY_REF,
    FP_FUNDING,
    FP_AGENCY,
    FP_LITIGATION,
    FP_CONSULT_COST,
    FP_COVER,
    FP_UNSUSTAINABLE,
    FP_RECONFIG_SAVING,
) = (_FP(k) for k in FRONT_PARAMETERS)
(
    BP_GOOD,
    BP_INTENSITY,
    BP_BUDDY_EFF,
    BP_BUDDY_TRANSFER,
    BP_BUDDY_BURDEN,
    BP_CONSULT_EFF,
    BP_CENTRAL_EFF,
    BP_CONSULT_DECAY,
    BP_NOISE_SD,
    BP_SHOCK_RATE,
    BP_SHOCK_SIZE,
    BP_LEARNING,
    BP_DECAY,
    BP_RECOVERY,
    BP_SALIENCE_DECAY,
    BP_SCANDAL_RATE,
    BP_BAR,
    BP_CHURN_BASE,
    BP_FEAR_CHURN,
) = (_BP(k) for k in BACK_PARAMETERS)


@njit(cache=True)
def month_front(
    floats,
    ints,
    q,
    work,
    wflags,
    econ,
    flow_t,
    surplus_ring,
    income_ring,
    draws,
    td,
    params,
    growth,
    price,
    ring,
):  # pragma: no cover - compiled; the golden outputs pin it (the passes it calls are tested)
    """Phases 1 to 5 of a month: :func:`demand_to_harm`, :func:`money` and
    :func:`progress_reconfigurations` on the model's blocks. ``growth`` holds this
    year's monthly growth of need, throughput and social-care need. Returns (money the
    regime paid this month, any trust in special measures)."""
    demand_to_harm(
        growth[0],
        growth[1],
        growth[2],
        floats[S_BASE_DEMAND],
        econ[E_NEED],
        ints[S_ECONOMY],
        draws[D_DEMAND, td],
        params[FP_DEMAND_SD],
        params[FP_VAR_HALF],
        params[FP_SHIFT],
        floats[S_REPUTATION],
        flow_t,
        econ[E_SC_CAPACITY],
        econ[E_SC_UPLIFT],
        econ[E_SC_NEED],
        params[FP_DD],
        floats[S_BEDS],
        params[FP_MAX_OCC],
        floats[S_THROUGHPUT],
        params[FP_OVERFLOW],
        q,
        params[FP_ADMISSIONS],
        params[FP_HARM_REF],
        params[FP_QUALITY_REF],
        floats[S_OPENNESS],
        econ[E_SHORTFALL],
        work[W_DEMAND],
        work[W_MOVED],
        work[W_DD_BEDS],
        work[W_TREATED],
        work[W_OVER],
        work[W_DIVERTED],
        work[W_OCCUPANCY],
        work[W_HARM],
        work[W_REPORTED],
        work[W_REPORTED_RATE],
    )
    allocation_month = econ[E_ALLOCATION] / 12.0
    result = money(
        work[W_TREATED],
        price,
        ints[S_ECONOMY],
        allocation_month,
        work[W_TREATED0],
        floats[S_ESTABLISHMENT],
        floats[S_STAFF],
        ints[S_RUNG],
        params[FP_FUNDING],
        floats[S_INJECTION],
        floats[S_UNIT_COST],
        floats[S_RECONFIG_SAVING],
        floats[S_WAGE_BILL0],
        params[FP_AGENCY],
        floats[S_NONPAY0],
        work[W_HARM],
        params[FP_LITIGATION],
        params[FP_CONSULT_COST],
        ints[S_SUPPORT],
        floats[S_ONE_OFF],
        params[FP_COVER],
        floats[S_CASH],
        surplus_ring,
        income_ring,
        ring,
        work[W_ROLL_SURPLUS],
        work[W_ROLL_INCOME],
        params[FP_UNSUSTAINABLE],
        wflags[WF_EVER_UNSUSTAINABLE],
        econ[E_VALUE],
        work[W_INCOME],
        work[W_CENTRAL],
        work[W_VAC],
        work[W_STAFFING],
        work[W_SURPLUS],
        work[W_MONTH_INCOME],
        work[W_MARGIN],
        wflags[WF_IN_DEFICIT],
        wflags[WF_UNSUSTAINABLE],
        work[W_BOOST],
    )
    progress_reconfigurations(
        floats[S_RECONFIG_LEFT], floats[S_RECONFIG_SAVING], params[FP_RECONFIG_SAVING]
    )
    return result


@njit(cache=True)
def fade_consultancy(
    q, consult_gain, support, capability, k, worsen, decay, dq
):  # pragma: no cover - compiled; tests/test_kernel.py checks it against numpy
    """Consultancy gains fade after the contract unless the board can hold them (C6).

    Quick fixes bought from consultants, not yet embedded (``consult_gain``), wear off
    at ``decay`` a month once the contract ends; while they do, the part of a service's
    quality above the board's own steady state k / (k + D) (up to what is still
    unembedded) falls at that rate too, scaled by how little the board can hold
    (1 - capability). Never below the steady state, which the ordinary dynamics already
    pull towards: no double counting. Returns whether any gain is still fading."""
    n, n_serv = q.shape
    fading = False
    for i in range(n):
        not_consult = 0.0 if support[i] == 2 else 1.0
        steady = k[i] / (k[i] + worsen[i] + 1e-12)
        for j in range(n_serv):
            gain = consult_gain[i, j]
            above = min(max(0.0, q[i, j] - steady), gain)
            dq[i, j] -= decay * above * not_consult * (1 - capability[i])
            consult_gain[i, j] = gain - decay * gain * not_consult
            if consult_gain[i, j] > 1e-9:
                fading = True
    return fading


@njit(cache=True)
def month_back(
    kparams,
    params,
    breadth,
    t,
    floats,
    ints,
    flags,
    q,
    consult_gain,
    dq,
    work,
    wflags,
    econ,
    month_draws,
    service_draws,
    td,
    fading,
):  # pragma: no cover - compiled; the golden outputs pin it
    """Phases 6 to 13 of a month's arithmetic: :func:`people_and_quality`,
    :func:`support_effect`, the fading of consultancy gains (:func:`fade_consultancy`,
    while any fade) and :func:`settle`, on the model's blocks. Returns (whether
    consultancy gains are still fading, how many boards leave: marked in wflags churn)."""
    people_and_quality(
        kparams,
        q,
        floats[S_STAFF],
        work[W_VAC],
        floats[S_REPUTATION],
        wflags[WF_IN_DEFICIT],
        floats[S_FEAR],
        floats[S_MORALE],
        flags[S_NAMED],
        ints[S_RUNG],
        ints[S_ECONOMY],
        econ[E_COUNTS],
        work[W_OCCUPANCY],
        work[W_STAFFING],
        flags[S_CONDITIONS],
        ints[S_SUPPORT],
        floats[S_CAPABILITY],
        floats[S_DISRUPTION],
        floats[S_CUT_EXCESS],
        work[W_BOOST],
        floats[S_OPENNESS],
        floats[S_BODIES],
        work[W_CLARITY],
        work[W_LEAVE],
        work[W_QMEAN],
        work[W_K],
        work[W_WORSEN],
        dq,
    )
    if support_effect(
        q,
        work[W_CLARITY],
        params[BP_GOOD],
        params[BP_INTENSITY],
        ints[S_SUPPORT],
        ints[S_BUDDY_OF],
        floats[S_CAPABILITY],
        params[BP_BUDDY_EFF],
        params[BP_BUDDY_TRANSFER],
        params[BP_BUDDY_BURDEN],
        params[BP_CONSULT_EFF],
        params[BP_CENTRAL_EFF],
        consult_gain,
        work[W_BUDDY_LOST],
        work[W_BUDDY_MONTHS],
        dq,
    ):
        fading = True
    if fading:
        fading = fade_consultancy(
            q,
            consult_gain,
            ints[S_SUPPORT],
            floats[S_CAPABILITY],
            work[W_K],
            work[W_WORSEN],
            params[BP_CONSULT_DECAY],
            dq,
        )
    leaving = settle(
        q,
        dq,
        params[BP_NOISE_SD],
        service_draws[D_QUALITY_NOISE, td],
        params[BP_SHOCK_RATE],
        params[BP_SHOCK_SIZE],
        service_draws[D_SHOCK_U, td],
        service_draws[D_SHOCK_SIZE, td],
        floats[S_CAPABILITY],
        params[BP_LEARNING],
        params[BP_DECAY],
        floats[S_DISRUPTION],
        floats[S_REPUTATION],
        work[W_QMEAN],
        flags[S_NAMED],
        params[BP_RECOVERY],
        floats[S_SALIENCE],
        params[BP_SALIENCE_DECAY],
        month_draws[D_SCANDAL, td],
        params[BP_SCANDAL_RATE],
        params[BP_BAR],
        breadth,
        t,
        ints[S_FAILING_SINCE],
        wflags[WF_TRULY],
        work[W_QMEAN_END],
        work[W_QMIN],
        month_draws[D_CHURN, td],
        params[BP_CHURN_BASE],
        params[BP_FEAR_CHURN],
        floats[S_FEAR],
        wflags[WF_CHURN],
    )
    return fading, leaving


@njit(cache=True)
def record_state(
    block, scalars, r, floats, ints, work, wflags, counts, shortfall
):  # pragma: no cover - compiled; tests/test_kernel.py checks record_month
    """Phase 15: :func:`record_month` on the model's blocks."""
    record_month(
        block,
        scalars,
        r,
        work[W_QMEAN_END],
        work[W_QMIN],
        ints[S_RUNG],
        ints[S_RATING],
        work[W_HARM],
        work[W_REPORTED],
        work[W_SURPLUS],
        work[W_MONTH_INCOME],
        work[W_ROLL_SURPLUS],
        work[W_ROLL_INCOME],
        floats[S_CASH],
        wflags[WF_UNSUSTAINABLE],
        work[W_STAFFING],
        work[W_LEAVE],
        floats[S_STAFF],
        work[W_OCCUPANCY],
        work[W_OVER],
        work[W_DD_BEDS],
        floats[S_FEAR],
        floats[S_OPENNESS],
        floats[S_MORALE],
        floats[S_REPUTATION],
        floats[S_CAPABILITY],
        work[W_CLARITY],
        ints[S_SUPPORT],
        ints[S_BUDDY_OF],
        wflags[WF_TRULY],
        counts,
        work[W_INCOME],
        work[W_MOVED],
        work[W_DIVERTED],
        work[W_DEMAND],
        work[W_TREATED],
        shortfall,
    )
