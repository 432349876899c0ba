"""Money: payment, costs, cash, cost improvement and reconfiguration (step phase 5 and the budget round; C10).

Financial and quality failure are linked, and the squeeze makes trusts clinically or
financially unsustainable when they cannot reconfigure fast enough (C10). Commissioners
pay tariff out of allocations that grow more slowly than need; trusts pay staff (and
agency cover for vacancies, at a premium), other costs, and the litigation that harm
brings; a board cuts costs by productivity up to what it can do safely, and by deeper
cuts beyond that, which hurt care (`quality`).

**Each month** (phase 5):

```
value_i    = treated_i × price
pay_e      = min(1, (allocation_e / 12) / Σ_{i∈e} value_i)                  (1 if no activity)
income_i   = value_i × pay_e(i)                                               (commissioners pay exactly what trusts receive)
SM_i       = [rung_i ≥ special measures]                                      (at the start of the month)
central_i  = SM_i × regime.improvement.funding + injection_i
costs_i    = unit_cost_i × (1 − reconfig_saving_i)
             × (wage_bill0_i × (staff_i + agency_fill × (1 + agency_premium) × vac_i) + nonpay0_i × treated_i)
             + harm_litigation_cost × harm_i + the trust's share of its support fee (`support`) + one_off_cost_i
surplus_i  = income_i + central_i − costs_i
cover_i    = SM_i × regime.financial_support.deficit_cover × max(0, −surplus_i)   (added to surplus and central money)
cash_i    += surplus_i
surplus_12m_i, income_12m_i = sums over the last 12 months;   margin_12m_i = surplus_12m_i / income_12m_i
in_deficit_i = [surplus_12m_i < 0];    unsustainable_i = [cash_i < unsustainable_cash_months × income_12m_i / 12]
reconfigurations: reconfig_left_i counts down; on reaching 0,
    reconfig_saving_i ← 1 − (1 − reconfig_saving_i) × (1 − reconfiguration_saving)
```

Pro-rata payment is how a shared, capped allocation passes a squeeze to every trust of
an economy **[A]**. Vacancies, and so agency cover, are counted against the funded
establishment, which cuts of posts lower (`workforce`). With the shipped defaults a
vacancy costs more than the post filled (`agency_fill × (1 + agency_premium) > 1`;
most vacant shifts are covered, NHS Improvement 2016; £3.6bn on agency in 2015/16, NAO
2016) **[S]**. Failure costs money through litigation per harm event (NHS Resolution)
**[S]** and support fees. The improvement money and deficit cover are the regime's
spending; the national cash injection is central money in the accounts but national
policy, never booked as regime cost. Income recorded for a trust (`income`, and in the
12-month accounts) includes its central money. Being unsustainable is a flag and a
metric, with no further consequence.

**Each year** (the budget and tariff round, at model time `12y + 0.25`, before month 1
of year `y + 1`; `Y` is the squeeze in force that year: each `[squeeze]` key, replaced by
the `[[squeeze.years]]` entry for the year where it gives one):

```
efficiency_required = Y.tariff_efficiency
price        ← price × (1 + Y.cost_inflation) × (1 − Y.tariff_efficiency)
allocation_e ← allocation_e × (1 + Y.real_funding_growth) × (1 + Y.cost_inflation)
g_demand, g_throughput, g_sc_need = the year's monthly growth factors (`demand`, `local_system`)
target_i     = clip(Y.tariff_efficiency + deficit_push × max(0, −margin_12m_i), 0, max_efficiency_target)
safe_i       = efficiency_capacity × slack_i × (efficiency_capability_offset + capability_i) / efficiency_capability_scale
achieved_i   = target_i                                                if target_i ≤ safe_i
             = safe_i + unsafe_cut_share × (target_i − safe_i)        otherwise
posts_i      = post_cut_share × (achieved_i − min(achieved_i, safe_i))
efficiency_rate_i = achieved_i;   productivity_rate_i = achieved_i − posts_i
cut_excess_i = max(0, achieved_i − max(safe_i, efficiency_frontier))
establishment_i ← establishment_i × max(0, 1 − posts_i / pay_share)     (if posts_i > 0)
each trust, in index order: consider a reconfiguration (below)
unit_cost_i  ← unit_cost_i × (1 + Y.cost_inflation) × (1 − productivity_rate_i)
injection_i  = Y.cash_injection × income_12m_i / 12                     (£m a month for the year)
```

Costs and tariff change together: the price falls by the year's efficiency
requirement and the unit cost by the efficiency the trust plans other than by cutting
posts, both net of the same inflation; the cuts of posts save through staffing instead
(fewer staff and less agency cover against the lower establishment), so the saving is
counted once. Up to its safe capacity a board finds the efficiency by real
productivity; beyond it, a share `post_cut_share` comes from cutting posts and the rest
from non-pay cuts (maintenance, services), which lower the unit cost. Safe capacity
equals `efficiency_capacity` at capability `efficiency_capability_scale −
efficiency_capability_offset` (0.55): providers achieved about 2% a year against 4%
asked (T4) **[S]**; the share delivered beyond it is fitted to T3 and T4 **[C]**; the
linear form **[A]**. `slack_i` is the trust's own factor, lognormal with mean 1 and spread
`efficiency_slack_sd`, drawn at the start: some trusts had more to cut than others.
`cut_excess` stays in force all year and enters deterioration
(`quality`). The one-off national cash (the 2016/17 Sustainability and Transformation
Fund in the shipped scenarios) is paid in twelve monthly parts **[S]** (size) / **[A]**
(allocation).

**Reconfiguration** (`consider_reconfiguration`): a trust with no reconfiguration in
progress starts one when its 12-month margin is below `reconfiguration_threshold` and
its board's capability is above `reconfiguration_min_capability` (at the budget round),
or when commissioners fund one (at entry to special measures under a whole-economy
regime with `regime.scope.reconfiguration_support`, `local_system`), at twice the speed.
It takes `reconfiguration_months` (half, rounded down, if funded), costs
`reconfiguration_cost` × the last 12 months' income (charged in the trust's coming
month, or to the regime), and saves `reconfiguration_saving` of costs for good once
done: trusts "unable to reconfigure their services quickly enough" (C10) **[H]/[A]**.

At the start, each trust's income is its demand × `price_per_bed_month`; its costs are
set so that its margin is `initial.surplus_margin` (± `initial.surplus_margin_sd`, from
the `initial_state` stream); `pay_share` of its costs are pay, the wage bill set for
its starting staff and agency cover; cash is `initial.cash_months` of income; the
12-month accounts hold twelve such months. Commissioners' allocations cover the
starting activity with `allocation_headroom` to spare.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.mechanisms._common import TINY
from healthsim.model.parameters import Section, initial, lever, param, uniform
from healthsim.model.variables import economy_var, month_var, records, trust_var, year_var

TITLE = "Payment, costs, cost improvement and reconfiguration"
CLAIMS = ("C10",)


class FinancialSupport(Section):
    """Money that follows failure."""

    deficit_cover: float = lever(
        0.0,
        ge=0,
        le=1,
        unit="share",
        doc="Share of a special-measures trust's deficit covered centrally.",
    )


class FinanceParams(Section):
    """Payment, costs, cost improvement and reconfiguration (C10)."""

    price_per_bed_month: float = param(
        0.0646,
        ge=0.001,
        le=1,
        unit="£m a month per occupied bed",
        doc="Tariff income per occupied bed a month at the start.",
        source="a 450-bed trust at 86% occupancy earns about £300m a year: about £76bn "
        "over about 230 trusts (NAO 2016; docs/calibration.md).",
    )
    pay_share: float = param(
        0.62,
        ge=0.05,
        le=0.95,
        unit="share of costs",
        doc="Pay as a share of a trust's costs at the start.",
        source="NHS Providers: about 62% of trust spending is on staff.",
    )
    allocation_headroom: float = param(
        0.01,
        ge=-0.5,
        le=0.5,
        unit="share",
        doc="How much commissioners' allocations exceed the starting activity's value.",
        source="assumption: commissioners began the decade roughly in balance.",
        prior=uniform(-0.01, 0.03),
    )
    efficiency_capacity: float = param(
        0.02,
        ge=0,
        le=0.2,
        unit="a year",
        doc="Annual efficiency a board of average capability delivers without hurting care.",
        source="Nuffield Trust, 'Feeling the crunch' (2016): providers achieved about 2% a "
        "year against 4% asked (T4).",
        prior=uniform(0.015, 0.025),
    )
    efficiency_slack_sd: float = param(
        0.606,
        ge=0,
        le=2,
        unit="log units",
        doc="Spread across trusts of how much they can save safely: each trust's safe "
        "efficiency is multiplied by a lognormal factor with mean 1 drawn at the start "
        "(some trusts had more to cut than others).",
        source="assumption: providers' cost improvement ranged widely around the 2% average "
        "(Nuffield Trust 2016).",
        neutral=0.0,
        prior=uniform(0.0, 0.8),
    )
    efficiency_capability_offset: float = param(
        0.4,
        ge=0,
        le=5,
        unit="capability",
        doc="Safe efficiency rises with capability as (offset + capability) / "
        "efficiency_capability_scale.",
        source="assumption: a board with no grip still finds some savings.",
        prior=uniform(0.25, 0.55),
    )
    efficiency_capability_scale: float = param(
        0.95,
        ge=0.1,
        le=5,
        unit="capability",
        doc="Normalises safe efficiency so that it equals efficiency_capacity at "
        "capability = scale - offset (0.55, the mean starting capability).",
        source="set with efficiency_capability_offset and initial.capability_mean.",
    )
    unsafe_cut_share: float = param(
        0.426,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the efficiency asked beyond a board's safe capacity that it delivers "
        "anyway by cutting posts and services (which then hurts care).",
        source="calibrated: trusts in deficit (T3) and efficiency achieved (T4).",
        neutral=0.0,
        prior=uniform(0.1, 0.6),
    )
    efficiency_frontier: float = param(
        0.025,
        ge=0,
        le=0.2,
        unit="a year",
        doc="Annual cost cut beyond which cuts hurt quality directly, when it is also "
        "beyond the board's safe capacity: deeper cuts close services and defer "
        "maintenance.",
        source="assumption: a little above what average boards achieve safely (T4).",
        prior=uniform(0.015, 0.04),
    )
    post_cut_share: float = param(
        0.5,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the efficiency found beyond a board's safe capacity that comes from "
        "cutting posts (the rest from non-pay spending).",
        source="assumption: 2010s savings came as much from pay restraint, procurement "
        "and deferred maintenance as from fewer posts.",
        neutral=0.0,
        prior=uniform(0.25, 0.75),
    )
    max_efficiency_target: float = param(
        0.10,
        ge=0,
        le=0.5,
        unit="a year",
        doc="Largest annual cost-improvement target a board will plan.",
        source="assumption: plans above 10% a year were not made in the period.",
        prior=uniform(0.06, 0.15),
    )
    deficit_push: float = param(
        0.69,
        ge=0,
        le=2,
        unit="per unit margin",
        doc="Extra cost cutting a board attempts per unit of deficit margin, beyond what "
        "the tariff asks.",
        source="assumption: boards in deficit plan deeper cost improvement, as recovery "
        "plans required.",
        neutral=0.0,
        prior=uniform(0.0, 1.0),
    )
    harm_litigation_cost: float = param(
        0.004,
        ge=0,
        le=1,
        unit="£m per harm event",
        doc="Litigation and remediation cost of an avoidable harm event: quality failure "
        "costs money.",
        source="NHS Resolution: clinical negligence costs of about £1.5-2bn a year.",
        neutral=0.0,
        prior=uniform(0.003, 0.006),
    )
    agency_fill: float = param(
        0.8,
        ge=0,
        le=1,
        unit="share of vacancies",
        doc="Share of vacant shifts covered by bank and agency staff.",
        source="NHS Improvement 2016: most vacant shifts are covered, so vacancies cost "
        "more than posts filled.",
        neutral=0.0,
        prior=uniform(0.6, 0.95),
    )
    agency_premium: float = param(
        0.5,
        ge=0,
        le=3,
        unit="share of pay",
        doc="Agency cost above substantive pay.",
        source="20-100%; £3.6bn was spent on agency staff in 2015/16 (NAO 2016).",
        neutral=0.0,
        prior=uniform(0.2, 1.0),
    )
    reconfiguration_months: int = param(
        36,
        ge=1,
        le=240,
        unit="months",
        doc="Months a service reconfiguration takes before it saves money.",
        source="the article: trusts 'are unable to reconfigure their services quickly "
        "enough' (C10); assumption: about three years.",
        prior=uniform(18, 60),
    )
    reconfiguration_saving: float = param(
        0.04,
        ge=0,
        le=1,
        unit="share of costs",
        doc="Share of costs a completed reconfiguration saves.",
        source="assumption: a few per cent, as estimated for NHS service reconfigurations.",
        neutral=0.0,
        prior=uniform(0.01, 0.08),
    )
    reconfiguration_cost: float = param(
        0.03,
        ge=0,
        le=1,
        unit="share of annual income",
        doc="One-off cost of a reconfiguration.",
        source="assumption: about a year's saving.",
        neutral=0.0,
        prior=uniform(0.01, 0.06),
    )
    reconfiguration_threshold: float = param(
        -0.02,
        ge=-1,
        le=1,
        unit="margin",
        doc="Annual margin below which a capable board starts a reconfiguration.",
        source="assumption: a deficit of 2% of income makes the case.",
        prior=uniform(-0.05, 0.0),
    )
    reconfiguration_min_capability: float = param(
        0.5,
        ge=0,
        le=1,
        unit="0-1",
        doc="Board capability needed to start a reconfiguration of its own.",
        source="assumption: an average board or better can carry one through.",
        prior=uniform(0.3, 0.7),
    )
    unsustainable_cash_months: float = param(
        -2.0,
        ge=-60,
        le=0,
        unit="months of income",
        doc="Cash below which a trust is counted financially unsustainable (in the NHS it "
        "would need emergency loans; the model lets cash go negative and flags it).",
        source="assumption: two months' income of borrowing.",
        prior=uniform(-4.0, -1.0),
    )


class FinanceInitial(Section):
    surplus_margin: float = initial(
        0.015,
        ge=-0.2,
        le=0.2,
        unit="share of income",
        doc="Mean surplus at the start.",
        source="aggregate +£0.6bn on about £76bn in 2012/13 (T3, NAO 2014).",
    )
    surplus_margin_sd: float = initial(
        0.0117,
        ge=0,
        le=0.2,
        unit="share of income",
        doc="Spread of trusts' margins at the start.",
        source="calibrated: fitted with T3 (5-10% of trusts in deficit before the squeeze).",
        prior=uniform(0.004, 0.025),
    )
    cash_months: float = initial(
        1.0,
        ge=-24,
        le=24,
        unit="months of income",
        doc="Cash reserves at the start.",
        source="assumption: about a month's income.",
        prior=uniform(0.5, 2.0),
    )


VARS = (
    trust_var("surplus", "float", "£m", "surplus this month", record="surplus"),
    trust_var(
        "month_income",
        "float",
        "£m",
        "income this month (contract and central payments)",
        record="income",
    ),
    trust_var(
        "roll_surplus", "float", "£m", "surplus over the last 12 months", record="surplus_12m"
    ),
    trust_var("roll_income", "float", "£m", "income over the last 12 months", record="income_12m"),
    trust_var("cash", "float", "£m", "cash", record="cash"),
    trust_var(
        "unsustainable",
        "bool",
        "yes/no",
        "cash below the unsustainable level",
        record="financially_unsustainable",
    ),
    trust_var("unit_cost", "float", "ratio", "cost index per unit of activity", fill=1.0),
    trust_var(
        "efficiency_slack",
        "float",
        "ratio",
        "how much more (or less) than average the trust can save safely",
        fill=1.0,
    ),
    trust_var("wage_bill0", "float", "£m a month", "pay at the start at full establishment"),
    trust_var("nonpay0", "float", "£m a month per occupied bed", "non-pay cost at the start"),
    trust_var("one_off_cost", "float", "£m", "one-off cost charged in the coming month"),
    trust_var("injection", "float", "£m a month", "one-off national cash this year"),
    trust_var("efficiency_target", "float", "a year", "cost cut the board attempts"),
    trust_var("efficiency_rate", "float", "a year", "cost cut achieved this year"),
    trust_var(
        "productivity_rate",
        "float",
        "a year",
        "the part of it that lowers the unit cost (all but post cuts)",
    ),
    trust_var("cut_excess", "float", "a year", "cut beyond the frontier (harms care)"),
    trust_var(
        "reconfig_left", "float", "months", "months until a reconfiguration saves money (0: none)"
    ),
    trust_var(
        "reconfig_saving", "float", "share of costs", "costs saved by completed reconfigurations"
    ),
    trust_var("income", "float", "£m", "contract income this month"),
    trust_var("central_payment", "float", "£m", "central money this month"),
    trust_var("margin_12m", "float", "share of income", "surplus over the last 12 months"),
    trust_var("in_deficit", "bool", "yes/no", "a deficit over the last 12 months"),
    trust_var("ever_unsustainable", "bool", "yes/no", "ever financially unsustainable"),
    economy_var("allocation", "float", "£m a year", "commissioners' allocation"),
    economy_var("value", "float", "£m", "value of the activity treated this month"),
    month_var("commissioner_paid", "£m", "paid by commissioners this month, £m"),
    month_var("efficiency_achieved", "a year", "mean annual cost improvement being delivered"),
    month_var("efficiency_required", "a year", "annual efficiency asked by the tariff"),
    year_var("price", "£m a month per occupied bed", "tariff price"),
    year_var("demand_growth", "ratio a month", "this year's monthly growth of need"),
    year_var("throughput_growth", "ratio a month", "this year's monthly growth of throughput"),
    year_var("sc_need_growth", "ratio a month", "this year's monthly growth of social-care need"),
    year_var("efficiency_required", "a year", "annual efficiency asked by the tariff"),
    year_var("efficiency_achieved", "a year", "mean annual cost improvement planned"),
)

PARAMS = FinanceParams
INITIAL = FinanceInitial
LEVERS = {"financial_support": FinancialSupport}

#: the 12-month accounts: (12, trusts) records, one row per month of the year
RING = np.dtype([("surplus_ring", np.float64), ("income_ring", np.float64)], align=True)


def rings(n: int) -> np.ndarray:
    """The 12-month accounts of ``n`` trusts, empty."""
    return records(np.zeros((12, n), dtype=RING))


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    return {
        "agency_factor": b.agency_fill * (1 + b.agency_premium),
        "litigation": b.harm_litigation_cost,
        "deficit_cover": sc.regime.financial_support.deficit_cover,
        "unsustainable_months": b.unsustainable_cash_months / 12.0,
        "reconfiguration_saving": b.reconfiguration_saving,
        "deficit_push": b.deficit_push,
        "max_efficiency_target": b.max_efficiency_target,
        "efficiency_capacity": b.efficiency_capacity,
        "efficiency_capability_offset": b.efficiency_capability_offset,
        "efficiency_capability_scale": b.efficiency_capability_scale,
        "unsafe_cut_share": b.unsafe_cut_share,
        "efficiency_frontier": b.efficiency_frontier,
        "post_cut_share": b.post_cut_share,
        "pay_share": b.pay_share,
    }


# -- each month ---------------------------------------------------------------------


@njit(cache=True)
def pay_factor(allocation_month, value):  # pragma: no cover - compiled
    """Share of the contract value a commissioner can pay from its allocation (0-1]:
    pro rata when it cannot cover the activity; 1 with no activity."""
    return min(1.0, allocation_month / value) if value > 0 else 1.0


@njit(cache=True)
def running_cost(p, x):  # pragma: no cover - compiled
    """A trust's costs this month before fees and one-off costs (£m): pay for staff in
    post and agency cover for vacancies, non-pay costs of the activity, litigation."""
    paid = x.wage_bill0 * (x.staff + p.agency_factor * x.vac) + x.nonpay0 * x.treated
    return x.unit_cost * (1.0 - x.reconfig_saving) * paid + x.harm * p.litigation


@njit(cache=True)
def deficit_cover(p, surplus):  # pragma: no cover - compiled
    """Central money that covers part of a special-measures trust's deficit (£m)."""
    return p.deficit_cover * max(0.0, -surplus)


@njit(cache=True)
def close_month(p, x, slot):  # pragma: no cover - compiled
    """Cash and the 12-month accounts after this month's ``x.surplus``; ``slot`` is the
    accounts' record of the same month a year ago (overwritten with this month's)."""
    x.cash += x.surplus
    x.month_income = x.income + x.central_payment
    x.roll_surplus += x.surplus - slot.surplus_ring
    x.roll_income += x.month_income - slot.income_ring
    slot.surplus_ring = x.surplus
    slot.income_ring = x.month_income
    # (a trust that treated no one for a year has no income to measure its margin by)
    x.margin_12m = x.roll_surplus / max(x.roll_income, TINY)
    x.in_deficit = x.roll_surplus < 0
    x.unsustainable = x.cash < p.unsustainable_months * x.roll_income
    x.ever_unsustainable = x.ever_unsustainable or x.unsustainable


@njit(cache=True)
def progress_reconfiguration(p, x):  # pragma: no cover - compiled
    """Count down a reconfiguration; a completed one cuts costs for good."""
    if x.reconfig_left > 0:
        x.reconfig_left -= 1
        if x.reconfig_left == 0:
            x.reconfig_saving = 1 - (1 - x.reconfig_saving) * (1 - p.reconfiguration_saving)


# -- each year ----------------------------------------------------------------------


@njit(cache=True)
def safe_efficiency(p, capability, slack):  # pragma: no cover - compiled
    """Annual efficiency (share of costs) a board can deliver without cutting posts
    (``slack``: the trust's own factor, 1 for the average trust)."""
    return (
        p.efficiency_capacity
        * slack
        * (p.efficiency_capability_offset + capability)
        / p.efficiency_capability_scale
    )


@njit(cache=True)
def efficiency_achieved(p, target, capability, slack):  # pragma: no cover - compiled
    """Annual efficiency a board delivers against its ``target``: up to its safe
    capacity by productivity, then a share of the rest by deeper cuts."""
    safe = safe_efficiency(p, capability, slack)
    return target if target <= safe else safe + p.unsafe_cut_share * (target - safe)


@njit(cache=True)
def plan_years(params, tr, required):  # pragma: no cover - compiled
    """Every trust's cost-improvement plan for the year (the board's decision)."""
    p = params[0]
    for i in range(tr.shape[0]):
        x = tr[i]
        target = required + p.deficit_push * max(0.0, -x.margin_12m)
        target = min(p.max_efficiency_target, max(0.0, target))
        x.efficiency_target = target
        achieved = efficiency_achieved(p, target, x.capability, x.efficiency_slack)
        x.efficiency_rate = achieved
        safe = safe_efficiency(p, x.capability, x.efficiency_slack)
        productivity = min(achieved, safe)
        x.cut_excess = max(0.0, achieved - max(safe, p.efficiency_frontier))
        posts = p.post_cut_share * (achieved - productivity)
        x.productivity_rate = achieved - posts
        if posts > 0:
            x.establishment *= max(0.0, 1.0 - posts / p.pay_share)


def squeeze_year(sq, year: int) -> dict[str, float]:
    """The squeeze in force in ``year`` (1 = first year of the run)."""
    vals = {
        "real_funding_growth": sq.real_funding_growth,
        "demand_growth": sq.demand_growth,
        "tariff_efficiency": sq.tariff_efficiency,
        "cost_inflation": sq.cost_inflation,
        "social_care_budget_growth": sq.social_care_budget_growth,
        "social_care_need_growth": sq.social_care_need_growth,
        "cash_injection": 0.0,
    }
    for y in sq.years:
        if y.year == year:
            for k in vals:
                v = getattr(y, k)
                if v is not None:
                    vals[k] = v
    return vals


def budget_round(model) -> None:
    """Before month 1 of each year: allocations, tariff, social-care budgets, cost
    improvement plans, reconfiguration decisions and any one-off cash."""
    model.year_index += 1
    y = squeeze_year(model.p.squeeze, model.year_index + 1)
    infl, eff = y["cost_inflation"], y["tariff_efficiency"]
    yr = model.year
    yr.efficiency_required = eff
    yr.price = yr.price * ((1 + infl) * (1 - eff))
    for c in model.commissioners:
        c.set_budget((1 + y["real_funding_growth"]) * (1 + infl) - 1)
    for sc in model.social_care:
        sc.set_budget(y["social_care_budget_growth"])
    model.e.sc_budget[:] *= (1 + y["social_care_budget_growth"]) * (1 + infl)
    yr.demand_growth = (1 + y["demand_growth"]) ** (1 / 12)
    yr.throughput_growth = (1 + model.p.behaviour.throughput_growth) ** (1 / 12)
    yr.sc_need_growth = (1 + y["social_care_need_growth"]) ** (1 / 12)
    s = model.s
    plan_years(model.params, s.trusts, eff)
    for i in range(s.n):
        consider_reconfiguration(model, i, supported=False)
    # Costs rise with inflation and fall with the productivity delivered this year, at
    # the same time as the tariff changes (cuts of posts save through staffing).
    s.unit_cost[:] *= (1 + infl) * (1 - s.productivity_rate)
    yr.efficiency_achieved = float(s.efficiency_rate.mean())
    # One-off national cash (e.g. the 2016/17 Sustainability and Transformation Fund),
    # paid in twelve monthly parts as a share of last year's income.
    s.injection[:] = y["cash_injection"] * s.income_ring.sum(axis=0) / 12.0


def annual_income(model, i: int) -> float:
    """Trust ``i``'s income over the last 12 months (£m)."""
    return float(model.s.income_ring[:, i].sum())


def consider_reconfiguration(model, i: int, supported: bool) -> None:
    """Start a service reconfiguration when the deficit is deep and the board able, or
    when commissioners fund one (whole-economy scope)."""
    s, b = model.s, model.p.behaviour
    if s.reconfig_left[i] > 0:
        return
    deep = (
        s.margin_12m[i] < b.reconfiguration_threshold
        and s.capability[i] > b.reconfiguration_min_capability
    )
    if deep or supported:
        months = b.reconfiguration_months // 2 if supported else b.reconfiguration_months
        s.reconfig_left[i] = max(1, months)
        cost = b.reconfiguration_cost * annual_income(model, i)
        if supported:
            model.tally.regime_cost += cost  # commissioners fund it from regime money
        else:
            s.one_off_cost[i] += cost  # charged in the coming month's accounts
        funded = " funded by commissioners" if supported else ""
        model.log(i, f"starts a service reconfiguration{funded}")


# -- at the start -------------------------------------------------------------------


def efficiency_slack(b, r: np.random.Generator, n: int) -> np.ndarray:
    """Each trust's factor on what it can save safely: lognormal with mean 1."""
    sd = b.efficiency_slack_sd
    return np.exp(sd * r.standard_normal(n) - sd**2 / 2)


def initial_accounts(model, sc, margin: np.ndarray, litigation0: np.ndarray) -> None:
    """Income, costs, cash, the 12-month accounts and allocations at the start: each
    trust's costs are set so that its margin is ``margin``."""
    b, s, e = sc.behaviour, model.s, model.e
    income0 = s.base_demand * b.price_per_bed_month
    cost0 = income0 * (1 - margin) - litigation0
    vac = np.maximum(0.0, 1 - s.staff)
    paid_units = s.staff + b.agency_fill * vac * (1 + b.agency_premium)
    s.wage_bill0[:] = b.pay_share * cost0 / paid_units
    s.nonpay0[:] = (1 - b.pay_share) * cost0 / s.base_demand
    s.cash[:] = sc.initial.cash_months * income0
    s.surplus_ring[:] = income0 * margin
    s.income_ring[:] = income0
    s.margin_12m[:] = margin
    s.roll_surplus[:] = s.surplus_ring.sum(axis=0)
    s.roll_income[:] = s.income_ring.sum(axis=0)
    econ_income = np.bincount(s.economy, weights=income0, minlength=e.n)
    e.allocation[:] = econ_income * 12 * (1 + b.allocation_headroom)  # £m a year
    e.sc_budget[:] = econ_income * 12 * b.social_care_budget_share  # £m a year
    model.year.price = b.price_per_bed_month
