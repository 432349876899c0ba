"""Quality of care: improvement, deterioration, local shocks and true failure (step phases 9 and 13; C3, C8, C10, C11).

Each trust has several service lines, each with a true quality in [0, 1]. A capable,
open, well-resourced board with clear accountability closes part of the gap to perfect
care each month; pressure (crowding, understaffing, cuts beyond the frontier, low
morale) and ordinary entropy erode what there is; random local shocks hit good trusts
too: "pockets of poor care can exist in all types of trust at various times" (C3).

```
resources_i = min(staffing_i, staffing_resource_cap) × (1 + boost_i)         (boost: improvement money, `support`)
k_i         = improvement_rate × capability_eff_i × learning_i × resources_i × clarity_i × drive_i
D_i         = baseline_deterioration
              + occupancy_harm × max(0, occupancy_i − occupancy_threshold)
              + understaffing_harm × max(0, safe_staffing − staffing_i)
              + cuts_harm × cut_excess_i / 12
              + morale_harm × max(0, morale_threshold − morale_i)
dq_is       = k_i × (1 − q_is) − D_i × q_is   + support's gains and their fading (`support`)
q_is       ← clip(q_is + dq_is + quality_noise_sd × z[t, i, s] − [u[t, i, s] < shock_rate] × shock_size × e[t, i, s], 0, 1)
truly failing_i = [#{s : q_is < regime.identification.bar} ≥ regime.identification.breadth_rule]
failing_since_i = the first month of the current spell of true failure (−1 when not failing)
```

`capability_eff` is the board's usable capability (`boards`), raised by a helper who
strengthens it (`support`); `learning` and `drive` come from the culture (`culture`),
`clarity` from accountability (`accountability`); `staffing` is against the safe
establishment (`workforce`). The steady state is `q* = k / (k + D)`: a board improves
what is left to improve, pressure erodes what there is. Local shocks have exponential
sizes `e` with mean `shock_size`. Only improvement money raises resources: deficit cover
and the national cash injection are central money in the accounts (`finance`) but do
not enter `boost`. True failure is the observer's truth, with the regime's own bar and
breadth rule, after this month's update; the metrics compare the regime's decisions
with it (false positives and negatives, detection lags, clustering). The improvement and
deterioration terms are calibrated so quality is steady without a squeeze **[C]**; the
multiplicative form of `k` **[A]**; pockets of poor care (C3) **[H]**.

At the start, a trust's level is `initial.quality_mean + initial.quality_sd_trust × z`
(the `initial_state` stream), lowered by `initial.struggling_gap` for a share
`initial.struggling_share` of trusts ("a small number of trusts that have consistently
struggled"), and each service varies around it by `initial.quality_sd_service`, kept
within [`initial.quality_min`, `initial.quality_max`].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.mechanisms._common import MONTHS_A_YEAR, TINY, clip
from healthsim.model.parameters import Section, initial, param, uniform
from healthsim.model.variables import service_var, trust_var

TITLE = "Quality: improvement, deterioration and shocks"
CLAIMS = ("C3", "C8", "C10", "C11")


class QualityParams(Section):
    """How quality improves and erodes (C3, C8, C10, C11)."""

    improvement_rate: float = param(
        0.15,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of the gap to perfect quality closed by a fully capable, open, "
        "well-resourced board (C11).",
        source="calibrated with the deterioration terms so quality is steady without a squeeze.",
        neutral=0.0,
        prior=uniform(0.1, 0.2),
    )
    baseline_deterioration: float = param(
        0.0264,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Share of quality lost a month from ordinary entropy (staff churn, ageing "
        "estate, rising acuity).",
        source="calibrated: balances improvement at the initial quality.",
        neutral=0.0,
        prior=uniform(0.012, 0.036),
    )
    occupancy_threshold: float = param(
        0.92,
        ge=0,
        le=1,
        unit="share of beds",
        doc="Bed occupancy above which safety suffers (and morale, `workforce`).",
        source="Bagust et al. 1999; NHS England: 85-92% is the usual safe range.",
        prior=uniform(0.85, 0.95),
    )
    occupancy_harm: float = param(
        0.0268,
        ge=0,
        le=5,
        unit="share a month per unit occupancy",
        doc="Share of quality lost a month per unit of occupancy above the threshold (C8).",
        source="calibrated: fitted with T1, T2 and T5.",
        neutral=0.0,
        prior=uniform(0.0, 0.25),
    )
    safe_staffing: float = param(
        0.95,
        ge=0,
        le=1.5,
        unit="share of establishment",
        doc="Staff in post over the safe establishment below which care suffers.",
        source="assumption: vacancies above about 5% strain rotas (NHS Improvement).",
        prior=uniform(0.9, 1.0),
    )
    understaffing_harm: float = param(
        0.061,
        ge=0,
        le=5,
        unit="share a month per unit staffing",
        doc="Share of quality lost a month per unit of staff in post below safe_staffing (C10).",
        source="calibrated: fitted with T1, T2 and T5.",
        neutral=0.0,
        prior=uniform(0.0, 0.2),
    )
    cuts_harm: float = param(
        0.693,
        ge=0,
        le=20,
        unit="share a month per unit annual cut",
        doc="Share of quality lost a month per unit of annual cost cut beyond the "
        "efficiency frontier (C10).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.2, 1.5),
    )
    morale_harm: float = param(
        0.02,
        ge=0,
        le=2,
        unit="share a month per unit morale",
        doc="Share of quality lost a month per unit of morale below morale_threshold.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.05),
    )
    staffing_resource_cap: float = param(
        1.1,
        ge=0,
        le=3,
        unit="share of establishment",
        doc="Staffing above which extra staff add nothing to a board's capacity to improve.",
        source="assumption.",
        prior=uniform(1.0, 1.2),
    )
    shock_rate: float = param(
        0.0156,
        ge=0,
        le=1,
        unit="chance a month",
        doc="Monthly chance of a local shock to one service line (an outbreak, a key "
        "consultant leaving, a never event): 'pockets of poor care can exist in all types "
        "of trust at various times' (C3).",
        source="assumption: about one shock a service every seven years.",
        neutral=0.0,
        prior=uniform(0.005, 0.025),
    )
    shock_size: float = param(
        0.19,
        ge=0,
        le=1,
        unit="quality",
        doc="Mean quality drop of a local shock (exponential).",
        source="assumption: enough to take a good service below the bar now and then.",
        neutral=0.0,
        prior=uniform(0.07, 0.25),
    )
    quality_noise_sd: float = param(
        0.006,
        ge=0,
        le=0.2,
        unit="quality",
        doc="Month-to-month noise in each service's quality.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.002, 0.012),
    )


class QualityInitial(Section):
    quality_mean: float = initial(
        0.66,
        ge=0,
        le=1,
        unit="0-1",
        doc="Mean true quality of a service line at the start.",
        source="calibrated: with the inspection bands so that the first ratings round "
        "matches CQC 2014-16 (T5).",
        prior=uniform(0.62, 0.7),
    )
    quality_sd_trust: float = initial(
        0.06,
        ge=0,
        le=0.5,
        unit="quality",
        doc="Spread of trust-level quality (a trust's services share a culture).",
        source="calibrated with T5.",
        prior=uniform(0.03, 0.09),
    )
    quality_sd_service: float = initial(
        0.08,
        ge=0,
        le=0.5,
        unit="quality",
        doc="Spread of service quality around its trust's level: pockets of poor care "
        "exist in all trusts at times (C3).",
        source="calibrated with T5.",
        prior=uniform(0.05, 0.11),
    )
    struggling_share: float = initial(
        0.146,
        ge=0,
        le=1,
        unit="share of trusts",
        doc="Share of trusts that start out consistently struggling: 'a small number of "
        "trusts that have consistently struggled to meet a range of national quality "
        "standards' (the article).",
        source="calibrated: fitted with T2 and T5, from the Keogh review's 14 of about 160 "
        "acute trusts (about 9%).",
        prior=uniform(0.05, 0.2),
    )
    struggling_gap: float = initial(
        0.216,
        ge=0,
        le=1,
        unit="quality",
        doc="How far below the others a struggling trust's quality starts.",
        source="calibrated: about 10% of acute trusts rated inadequate in the first round (T5).",
        prior=uniform(0.05, 0.3),
    )
    quality_min: float = initial(
        0.02,
        ge=0,
        le=1,
        unit="0-1",
        doc="Lowest starting quality of a service.",
        source="assumption: no service starts at the very bottom of the scale.",
        prior=uniform(0.01, 0.05),
    )
    quality_max: float = initial(
        0.98,
        ge=0,
        le=1,
        unit="0-1",
        doc="Highest starting quality of a service.",
        source="assumption: no service starts perfect.",
        prior=uniform(0.95, 0.99),
    )


VARS = (
    trust_var("quality_mean", "float", "0-1", "mean true quality", record="quality"),
    trust_var(
        "quality_worst",
        "float",
        "0-1",
        "lowest service true quality",
        record="quality_worst_service",
    ),
    trust_var(
        "truly", "bool", "yes/no", "true quality fails the breadth rule", record="truly_failing"
    ),
    trust_var("quality_start", "float", "0-1", "mean quality at the start of the month"),
    trust_var("k", "float", "share a month", "this month's improvement rate"),
    trust_var("worsen", "float", "share a month", "this month's deterioration rate"),
    trust_var(
        "failing_since",
        "int",
        "month",
        "first month of the current true-failure spell (-1: not failing)",
        fill=-1,
    ),
    service_var("quality", "float", "0-1", "true quality of a service line"),
    service_var("dq", "float", "quality", "this month's change in quality"),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    names = (
        "improvement_rate",
        "baseline_deterioration",
        "occupancy_threshold",
        "occupancy_harm",
        "safe_staffing",
        "understaffing_harm",
        "cuts_harm",
        "morale_harm",
        "staffing_resource_cap",
        "shock_rate",
        "shock_size",
        "quality_noise_sd",
    )
    return {k: getattr(b, k) for k in names}


@njit(cache=True)
def mean_quality(sv, i):  # pragma: no cover - compiled
    """Mean quality of trust ``i``'s services (``sv``: every trust's service records)."""
    total = 0.0
    for j in range(sv.shape[1]):
        total += sv[i, j].quality
    return total * (1.0 / sv.shape[1])


@njit(cache=True)
def resources(p, staffing, boost):  # pragma: no cover - compiled
    """What a board has to improve with: staff (up to a cap) and improvement money."""
    return min(staffing, p.staffing_resource_cap) * (1.0 + boost)


@njit(cache=True)
def improvement(p, capability_eff, learning, resources_, clarity, drive):  # pragma: no cover
    """Monthly share of the gap to perfect quality a board closes."""
    return p.improvement_rate * capability_eff * learning * resources_ * clarity * drive


@njit(cache=True)
def deterioration(p, occupancy, staffing, cut_excess, morale):  # pragma: no cover - compiled
    """Share of its quality a trust's services lose a month from pressure."""
    return (
        p.baseline_deterioration
        + p.occupancy_harm * max(0.0, occupancy - p.occupancy_threshold)
        + p.understaffing_harm * max(0.0, p.safe_staffing - staffing)
        + p.cuts_harm * cut_excess / MONTHS_A_YEAR
        + p.morale_harm * max(0.0, p.morale_threshold - morale)
    )


@njit(cache=True)
def change(k, worsen, quality):  # pragma: no cover - compiled
    """Monthly change of a service's quality before support, noise and shocks."""
    return k * (1.0 - quality) - worsen * quality


@njit(cache=True)
def settle(p, x, sv, i, draws, t):  # pragma: no cover - compiled
    """Quality takes this month's change, noise and local shocks (kept in [0, 1]); trust
    ``i``'s (record ``x``) mean, worst service and true failure in month ``t`` follow.
    ``sv``: every trust's service records; ``draws``: the draws by month, trust and
    service."""
    total = 0.0
    low = 1.0
    failing = 0
    n_serv = sv.shape[1]
    for j in range(n_serv):
        s = sv[i, j]
        d = draws[t, i, j]
        v = s.quality + s.dq
        v += p.quality_noise_sd * d.quality_noise
        v -= (p.shock_size * d.shock_size) if d.shock_u < p.shock_rate else 0.0
        v = clip(v, 0.0, 1.0)
        s.quality = v
        total += v
        low = min(low, v)
        if v < p.bar:
            failing += 1
    x.quality_mean = total * (1.0 / n_serv)
    x.quality_worst = low
    x.truly = failing >= p.breadth_rule
    if x.truly:
        if x.failing_since < 0:
            x.failing_since = t
    else:
        x.failing_since = -1


def initial_quality(ini, r: np.random.Generator, n: int, n_services: int):
    """Starting quality of every service (trusts x services) and each trust's standard
    score of its level (for the capability it shares it with, `boards`)."""
    trust_level = ini.quality_mean + ini.quality_sd_trust * r.standard_normal(n)
    service_z = r.standard_normal((n, n_services))
    struggling = r.random(n) < ini.struggling_share
    trust_level -= struggling * ini.struggling_gap
    quality = np.clip(
        trust_level[:, None] + ini.quality_sd_service * service_z, ini.quality_min, ini.quality_max
    )
    # (no spread, or too little to divide by: every trust at the mean)
    sd = ini.quality_sd_trust
    z = (trust_level - ini.quality_mean) / sd if sd > TINY else 0
    return quality, z


PARAMS = QualityParams
INITIAL = QualityInitial
LEVERS: dict = {}
