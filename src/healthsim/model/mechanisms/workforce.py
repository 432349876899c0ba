"""The workforce: staff leaving and hired, vacancies, staffing and morale (step phases 5 and 6; C5, C8, C10).

Fear and low morale drive staff away; a poor reputation (`reputation`) and a deficit
hiring freeze slow recruitment. Morale settles where fear, crowding, understaffing and
the quality of care put it.

```
activity_i  = treated_i / treated0_i                                    (phase 5)
vac_i       = max(0, establishment_i × activity_i − staff_i)            (funded posts: what the trust hires to)
staffing_i  = staff_i / activity_i                                      (staff over the SAFE establishment)
leavers_i   = staff_i × min(1, turnover_base × (1 + fear_turnover × fear_i
                                                + morale_turnover × max(0, morale_threshold − morale_i)))
hired_i     = vac_i × recruitment_rate × (1 − reputation_recruitment × (1 − reputation_i))
                    × (1 − hiring_restraint × in_deficit_i)
staff_i    ← staff_i + hired_i − leavers_i
morale*_i   = clip(morale_base − fear_morale × fear_i
                   − crowding_morale × max(0, occupancy_i − occupancy_threshold)
                   − understaffing_morale × max(0, 1 − staffing_i)
                   + quality_morale × (quality_i − quality_reference), 0, 1)
morale_i   ← morale_i + morale_adjustment × (morale*_i − morale_i)
```

Two establishments are kept apart. Hiring, vacancies and agency cover (`finance`) are
counted against the *funded* establishment, which cuts of posts lower: that is how
their saving comes, as staff leave and are not replaced. The harm of understaffing
(`quality`) and its effect on morale are judged against the *safe* establishment, the
initial one scaled by this month's activity, so cutting posts does not make the
remaining staff look sufficient. Agency cover costs money but does not count as staff
in post. Leavers and hires use last month's fear, morale and reputation and this
month's deficit flag; morale uses this month's fear and the mean quality at the start
of the month. Base leaving rate about 13% a year (NHS Digital) **[S]**; the effects of
fear, morale and reputation **[H]**; vacancy freezes in deficit and the morale target's
form **[A]**. Staff start at `initial.staffing_ratio` of the establishment, morale at
`initial.morale`.
"""

from __future__ import annotations

from numba import njit

from healthsim.model.mechanisms._common import clip, relax
from healthsim.model.parameters import Section, initial, param, uniform
from healthsim.model.variables import trust_var

TITLE = "Workforce and morale"
CLAIMS = ("C5", "C8", "C10")


class WorkforceParams(Section):
    """Staff leaving and hired, and morale (C5)."""

    turnover_base: float = param(
        0.011,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly staff leaving rate with no fear and good morale.",
        source="NHS Digital leaver rates: about 13% a year for NHS nurses in the 2010s.",
        prior=uniform(0.009, 0.013),
    )
    fear_turnover: float = param(
        0.6,
        ge=0,
        le=5,
        unit="relative",
        doc="Relative increase in leaving at full fear (C5).",
        source="assumption: staff surveys link a blame culture with intention to leave.",
        neutral=0.0,
        prior=uniform(0.0, 1.5),
    )
    morale_turnover: float = param(
        1.0,
        ge=0,
        le=10,
        unit="relative per unit morale",
        doc="Relative increase in leaving per unit of morale below morale_threshold.",
        source="assumption: staff survey engagement predicts turnover (NHS staff survey).",
        neutral=0.0,
        prior=uniform(0.0, 2.0),
    )
    recruitment_rate: float = param(
        0.17,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of vacancies filled when a trust is free to hire.",
        source="assumption: about six months to fill a post.",
        prior=uniform(0.08, 0.3),
    )
    hiring_restraint: float = param(
        0.3,
        ge=0,
        le=1,
        unit="share",
        doc="Share of recruitment lost by a trust in deficit (vacancy freezes).",
        source="assumption: trusts in deficit froze a share of their vacancies.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    morale_adjustment: float = param(
        0.1,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of the gap to its target that morale closes.",
        source="assumption: morale takes most of a year to settle.",
        prior=uniform(0.05, 0.2),
    )
    morale_base: float = param(
        0.72,
        ge=0,
        le=1,
        unit="0-1",
        doc="Morale staff settle at with no fear, no crowding, full staffing and care at "
        "the reference quality.",
        source="assumption: set above the starting morale (initial.morale) so that the "
        "pressures of 2013 hold morale near it.",
        prior=uniform(0.68, 0.76),
    )
    fear_morale: float = param(
        0.3,
        ge=0,
        le=2,
        unit="morale at full fear",
        doc="Morale lost at full fear (C5).",
        source="assumption: a blame culture lowers engagement in the NHS staff survey.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    crowding_morale: float = param(
        1.5,
        ge=0,
        le=10,
        unit="morale per unit occupancy",
        doc="Morale lost per unit of bed occupancy above occupancy_threshold (C8).",
        source="assumption: crowded wards wear staff down.",
        neutral=0.0,
        prior=uniform(0.5, 3.0),
    )
    understaffing_morale: float = param(
        0.8,
        ge=0,
        le=10,
        unit="morale per unit staffing",
        doc="Morale lost per unit of staff in post below the safe establishment (C10).",
        source="assumption: short-staffed shifts wear staff down.",
        neutral=0.0,
        prior=uniform(0.2, 1.5),
    )
    quality_morale: float = param(
        0.3,
        ge=0,
        le=5,
        unit="morale per unit quality",
        doc="Morale gained per unit of quality above harm.quality_reference (and lost "
        "below it): staff take pride in good care.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    morale_threshold: float = param(
        0.6,
        ge=0,
        le=1,
        unit="0-1",
        doc="Morale below which staff leave faster and care suffers (`quality`).",
        source="assumption: about the starting morale of 2013.",
        prior=uniform(0.5, 0.7),
    )


class WorkforceInitial(Section):
    morale: float = initial(
        0.62,
        ge=0,
        le=1,
        unit="0-1",
        doc="Staff morale at the start.",
        source="assumption: the NHS staff survey engagement of the era, on a 0-1 scale.",
        prior=uniform(0.55, 0.7),
    )
    staffing_ratio: float = initial(
        0.93,
        ge=0.25,
        le=1.2,
        unit="share of establishment",
        doc="Staff in post over establishment at the start. At least a quarter: the "
        "starting wage bill spreads the pay share of costs over the staff in post and "
        "their agency cover (`finance`), so a trust starting with almost no staff would "
        "pay an unbounded wage per post.",
        source="NHS Improvement workforce data: nursing vacancy rates of about 6-8% in 2013-14.",
    )


VARS = (
    trust_var(
        "staffing",
        "float",
        "share of establishment",
        "staff in post over the establishment the activity safely needs",
        record="staffing",
    ),
    trust_var(
        "leavers", "float", "share of establishment", "staff leaving this month", record="leavers"
    ),
    trust_var("staff", "float", "share of establishment", "staff in post", record="staff"),
    trust_var("morale", "float", "0-1", "staff morale", record="morale"),
    trust_var(
        "establishment",
        "float",
        "share of the initial establishment",
        "funded establishment",
        fill=1.0,
    ),
    trust_var("vac", "float", "share of establishment", "vacancies"),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    names = (
        "turnover_base",
        "fear_turnover",
        "morale_turnover",
        "recruitment_rate",
        "hiring_restraint",
        "morale_adjustment",
        "morale_base",
        "fear_morale",
        "crowding_morale",
        "understaffing_morale",
        "quality_morale",
        "morale_threshold",
    )
    return {k: getattr(b, k) for k in names}


@njit(cache=True)
def vacancies(establishment, activity, staff):  # pragma: no cover - compiled
    """Funded posts not filled this month."""
    return max(0.0, establishment * activity - staff)


@njit(cache=True)
def leavers(p, staff, fear, morale):  # pragma: no cover - compiled
    """Staff who leave this month (at most all of them)."""
    rate = p.turnover_base * (
        1.0 + p.fear_turnover * fear + p.morale_turnover * max(0.0, p.morale_threshold - morale)
    )
    return staff * min(1.0, rate)


@njit(cache=True)
def hired(p, vac, recruitment_factor, in_deficit):  # pragma: no cover - compiled
    """Staff hired this month: a share of vacancies, less for a trust with a poor
    reputation or under a deficit hiring freeze."""
    return vac * p.recruitment_rate * recruitment_factor * (1.0 - p.hiring_restraint * in_deficit)


@njit(cache=True)
def morale_target(p, fear, occupancy, staffing, quality):  # pragma: no cover - compiled
    """Morale (0-1) staff settle at: lowered by fear, crowding and understaffing,
    raised by good care."""
    t = (
        p.morale_base
        - p.fear_morale * fear
        - p.crowding_morale * max(0.0, occupancy - p.occupancy_threshold)
        - p.understaffing_morale * max(0.0, 1.0 - staffing)
        + p.quality_morale * (quality - p.quality_reference)
    )
    return clip(t, 0.0, 1.0)


@njit(cache=True)
def settle_morale(p, morale, target):  # pragma: no cover - compiled
    return relax(morale, target, p.morale_adjustment)


PARAMS = WorkforceParams
INITIAL = WorkforceInitial
LEVERS: dict = {}
