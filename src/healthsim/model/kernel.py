"""The month's arithmetic, compiled: loops over trusts that call the mechanisms' rules in
the month's order (docs/ODD.md §3). It holds no coefficient and no rule of its own:
every number comes from the packed parameters ``p`` (:func:`healthsim.model.mechanisms.pack`)
and every formula from a mechanism module. numba inlines the calls.

The model calls four passes a month, each on whole arrays of records (the trusts ``tr``,
their services ``sv``, the economies ``ec``; :mod:`healthsim.model.variables`):

- :func:`month_front`: phases 1 to 5, demand to money;
- :func:`month_back`: phases 6 to 13, people, culture, accountability, quality, support,
  boards and reputation;
- :func:`support_clock`: support's monthly clock and the regime's fees (phase 11);
- :func:`record_month`: the month's record (phase 15).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.mechanisms import (
    accountability,
    boards,
    culture,
    demand,
    finance,
    harm,
    inspection,
    local_system,
    quality,
    reputation,
    support,
    workforce,
)
from healthsim.model.mechanisms._common import TINY
from healthsim.model.mechanisms.states import Rung
from healthsim.model.variables import record_rows


@njit(cache=True)
def month_front(params, year, tr, sv, ec, rings, links, draws, t):  # pragma: no cover
    """Phases 1 to 5: the month's growth; demand and its moves to neighbours; social
    care and delayed discharges; treatment, diversion and occupancy; harm and reporting;
    payment, costs and the accounts; reconfigurations. ``links``: the patient-flow links
    into each trust (``demand.inflow_links``); ``draws``: the draws by month and trust.
    Returns (money the regime paid trusts this month, any trust in special measures)."""
    p, y = params[0], year[0]
    n, n_serv = sv.shape
    for e in range(ec.shape[0]):
        ec[e].need *= y.demand_growth
    for i in range(n):
        tr[i].throughput *= y.throughput_growth
    for e in range(ec.shape[0]):
        ec[e].sc_need *= y.sc_need_growth
    for e in range(ec.shape[0]):
        c = ec[e]
        c.shortfall = local_system.shortfall(c.sc_capacity, c.sc_uplift, c.sc_need)
    out = np.empty(n)  # what each trust sends to its neighbours, contiguous for the flows
    for i in range(n):
        x = tr[i]
        x.demand = demand.arriving(p, x.base_demand, ec[x.economy].need, draws[t, i].demand)
        x.moved = reputation.demand_moved(p, x.demand, x.reputation, x.named)
        out[i] = x.moved
    for i in range(n):
        x = tr[i]
        x.demand += demand.inflow(links, x.inflow_start, x.inflow_end, out) - x.moved
    for i in range(n):
        x = tr[i]
        x.dd_beds = local_system.delayed_discharge_beds(p, ec[x.economy].shortfall, x.beds)
        x.room = demand.room(p, x.beds, x.dd_beds, x.throughput)
        x.treated = min(x.demand, x.room)
        x.over = x.demand - x.treated
        x.diverted = demand.diverted(p, x.over)
        out[i] = x.diverted
    for i in range(n):
        x = tr[i]
        received = demand.inflow(links, x.inflow_start, x.inflow_end, out)
        x.treated = min(x.treated + received, x.room)
        x.occupancy = demand.occupancy(x.treated, x.throughput, x.dd_beds, x.beds)
        admissions = x.treated * p.admissions_per_service
        x.harm = harm.events(p, sv, i, admissions)
        x.reported = x.harm * x.openness
        x.harm_hidden = x.harm - x.reported
        x.reported_rate = harm.reported_per_admission(x.reported, admissions, n_serv)
    result = money(p, y, tr, ec, rings, t % 12)
    for i in range(n):
        finance.progress_reconfiguration(p, tr[i])
    return result


@njit(cache=True)
def money(p, y, tr, ec, rings, slot):  # pragma: no cover - compiled
    """Phase 5: commissioners pay, trusts spend, the 12-month accounts move on (``slot``:
    this month's row of the accounts ring)."""
    for e in range(ec.shape[0]):
        ec[e].value = 0.0
    for i in range(tr.shape[0]):
        ec[tr[i].economy].value += tr[i].treated * y.price
    any_sm = False
    regime_money = 0.0
    for i in range(tr.shape[0]):
        x = tr[i]
        c = ec[x.economy]
        x.income = x.treated * y.price * finance.pay_factor(c.allocation / 12.0, c.value)
        # (a trust whose every bed is held by delayed discharges treats no one)
        activity = max(x.treated / x.treated0, TINY)
        x.vac = workforce.vacancies(x.establishment, activity, x.staff)
        x.staffing = x.staff / activity
        in_sm = x.rung >= Rung.special_measures
        any_sm = any_sm or in_sm
        x.central_payment = p.funding if in_sm else 0.0
        regime_money += x.central_payment
        x.boost = support.funding_boost(p, x.central_payment, x.income) if in_sm else 0.0
        x.central_payment += x.injection
        cost = finance.running_cost(p, x) + support.trust_fee(p, x.support)
        cost += x.one_off_cost
        x.one_off_cost = 0.0
        x.surplus = x.income + x.central_payment - cost
        if in_sm and p.deficit_cover > 0:
            cover = finance.deficit_cover(p, x.surplus)
            x.surplus += cover
            x.central_payment += cover
            regime_money += cover
        finance.close_month(p, x, rings[slot, i])
    return regime_money, any_sm


@njit(cache=True)
def month_back(params, tr, sv, ec, month_draws, service_draws, t, fading):  # pragma: no cover
    """Phases 6 to 13: people and quality, support and the fading of bought gains, then
    quality, boards and reputation settle. Returns (whether bought gains are still
    fading, how many boards leave: marked in ``tr.churn``)."""
    p = params[0]
    people_and_quality(p, tr, sv, ec, t)
    if support_effect(p, tr, sv):
        fading = True
    if fading:
        fading = fade_bought_gains(p, tr, sv)
    leaving = 0
    for i in range(tr.shape[0]):
        x = tr[i]
        quality.settle(p, x, sv, i, service_draws, t)
        if boards.settle(p, x, month_draws[t, i].churn_u):
            leaving += 1
        reputation.settle(p, x, x.quality_start, month_draws[t, i].scandal_u)
    return fading, leaving


@njit(cache=True)
def people_and_quality(p, tr, sv, ec, t):  # pragma: no cover - compiled
    """Phases 6 to 9 for every trust in month ``t``: workforce, fear, morale, openness,
    accountability and the month's change in quality before support."""
    for e in range(ec.shape[0]):
        ec[e].named_share = 0.0
    for i in range(tr.shape[0]):
        ec[tr[i].economy].named_share += 1.0 if tr[i].named else 0.0
    for e in range(ec.shape[0]):
        ec[e].named_share /= ec[e].trusts
    for i in range(tr.shape[0]):
        x = tr[i]
        x.leavers = workforce.leavers(p, x.staff, x.fear, x.morale)
        recruits = reputation.recruitment_factor(p, x.reputation)
        x.staff += workforce.hired(p, x.vac, recruits, x.in_deficit) - x.leavers
        target = culture.fear_target(p, x.named, x.rung, ec[x.economy].named_share)
        x.fear = culture.settle_fear(p, x.fear, target)
        x.quality_start = quality.mean_quality(sv, i)
        target = workforce.morale_target(p, x.fear, x.occupancy, x.staffing, x.quality_start)
        x.morale = workforce.settle_morale(p, x.morale, target)
        x.openness = culture.openness(p, x.fear, x.morale)
        x.bodies = accountability.bodies(p, x.conditions, x.rung, x.support != support.NONE)
        x.clarity = accountability.clarity(p, x.bodies)
        capability = boards.effective(p, x.capability, x.disruption)
        capability = inspection.burdened(p, capability, x.last_inspection, t)
        capability = support.capacity(p, x.support, capability)
        capability = accountability.overruled(p, x.bodies, capability)
        learning = culture.learning(p, x.openness, x.fear)
        resources = quality.resources(p, x.staffing, x.boost)
        drive = culture.drive(p, x.rung, x.named) + inspection.report_effort(p, x.rating)
        x.worsen = quality.deterioration(p, x.occupancy, x.staffing, x.cut_excess, x.morale)
        x.k = quality.improvement(p, capability, learning, resources, x.clarity, drive)
        for j in range(sv.shape[1]):
            s = sv[i, j]
            s.dq = quality.change(x.k, x.worsen, s.quality)


@njit(cache=True)
def support_effect(p, tr, sv):  # pragma: no cover - compiled
    """Phase 9, support: gains towards good quality, capability learnt from a partner and
    the partner's burden. Rates use partners' capability before this month's transfers,
    burdens the capability after them. Returns whether any gains were bought that fade."""
    n = tr.shape[0]
    for i in range(n):
        x = tr[i]
        k = x.support
        partner = tr[x.buddy_of].capability if p.support_partner[k] != 0 else 1.0
        x.support_rate = support.rate(p, k, partner)
    for i in range(n):
        x = tr[i]
        learnt = p.support_transfer[x.support]
        if learnt > 0:
            x.capability += learnt * p.intensity * (1 - x.capability)
    for i in range(n):
        x = tr[i]
        if p.support_partner[x.support] != 0:
            x.partner_loss = p.support_burden[x.support] * p.intensity * tr[x.buddy_of].capability
    for i in range(n):
        x = tr[i]
        if p.support_partner[x.support] != 0:
            h = tr[x.buddy_of]
            h.capability -= x.partner_loss
            h.buddy_capability_lost += x.partner_loss
            h.buddy_months += 1
    bought = False
    for i in range(n):
        x = tr[i]
        if x.support == support.NONE:
            continue
        r = x.support_rate * p.intensity * x.clarity
        fades = p.support_fades[x.support] != 0
        bought = bought or fades
        for j in range(sv.shape[1]):
            s = sv[i, j]
            gain = r * max(0.0, p.good_threshold - s.quality)
            if fades:
                s.bought_gain += gain
            s.dq += gain
    return bought


@njit(cache=True)
def fade_bought_gains(p, tr, sv):  # pragma: no cover - compiled
    """Bought gains wear off once the support that bought them has ended, unless the
    board can hold them (support's docstring). Returns whether any are still fading."""
    fading = False
    for i in range(tr.shape[0]):
        x = tr[i]
        released = 0.0 if p.support_fades[x.support] != 0 else 1.0
        steady = x.k / (x.k + x.worsen + TINY)
        for j in range(sv.shape[1]):
            s = sv[i, j]
            gain = s.bought_gain
            above = min(max(0.0, s.quality - steady), gain)
            s.dq -= p.consultancy_decay * above * released * (1 - x.capability)
            s.bought_gain = gain - p.consultancy_decay * gain * released
            if s.bought_gain > support.GONE:
                fading = True
    return fading


@njit(cache=True)
def support_clock(params, tr, regime_money, counts):  # pragma: no cover - compiled
    """Phase 11: counts down months of support left, marks ``tr.ended`` where support
    ends now, and returns (how many end, the regime's spending this month: its money paid
    to trusts plus its part of the fees of the support still running). How many end is
    -1 when no support clock was running (then the spending is ``regime_money``)."""
    p = params[0]
    n = tr.shape[0]
    running = False
    for i in range(n):
        if tr[i].support_left != 0:
            running = True
            break
    if not running:
        for i in range(n):
            tr[i].ended = False
        return -1, regime_money
    counts[:] = 0
    n_ended = 0
    for i in range(n):
        x = tr[i]
        x.support_left = max(0, x.support_left - 1)
        x.ended = x.support_left == 0 and x.support != support.NONE
        if x.ended:
            n_ended += 1
        else:
            counts[x.support] += 1
    return n_ended, support.add_regime_fees(p, counts, regime_money)


@njit(cache=True)
def record_month(history, tallies, r, trust_words, tally, year, tr, ec):  # pragma: no cover
    """Phase 15: the month's model-wide sums into ``tally``, then row ``r`` of the
    history: each trust's recorded fields (``history``: word view of the history,
    ``trust_words``: of the trusts) and the tallies."""
    m, y = tally[0], year[0]
    paid = 0.0
    moved = 0.0
    unmet = 0.0
    for i in range(tr.shape[0]):
        x = tr[i]
        paid += x.income
        moved += x.moved + x.diverted
        unmet += x.demand - x.treated
    m.commissioner_paid = paid
    m.demand_diverted = moved
    m.unmet_demand = unmet
    gap = 0.0
    for e in range(ec.shape[0]):
        gap += ec[e].shortfall
    m.social_care_shortfall = gap / ec.shape[0]
    m.efficiency_achieved = y.efficiency_achieved
    m.efficiency_required = y.efficiency_required
    record_rows(history, r, trust_words)
    tallies[r] = tally[0]
