"""The local system: social care, delayed discharges and whole-economy action (step phase 2; C8, C9).

Failing trusts sit in failing local health and social-care economies (C8): each
economy's social care has a capacity that its budget squeezes, and the need it does
not meet turns into delayed discharges that fill the trusts' beds. A whole-economy
regime (C9) acts on that cause as well as on the trust.

```
sc_need_e   ← sc_need_e × g_sc_need                  g_sc_need = (1 + squeeze.social_care_need_growth)^(1/12)
shortfall_e = clip(1 − sc_capacity_e × (1 + sc_uplift_e) / sc_need_e, 0, 1)
dd_beds_i   = min(1, delayed_discharge_beds_per_shortfall × shortfall_e(i)) × beds_i
budget round (`finance`):
    sc_capacity_e ← sc_capacity_e × (1 + squeeze.social_care_budget_growth)
    sc_budget_e   ← sc_budget_e × (1 + squeeze.social_care_budget_growth) × (1 + squeeze.cost_inflation)
```

**Whole-economy action** (`act_on_economy`), when `regime.scope.scope` is
`whole_economy` and a trust of economy `e` is found failing (a move to warning, or
into special measures; `ladder`):

```
if regime.scope.social_care_uplift > 0:
    sc_uplift_e ← max(sc_uplift_e, regime.scope.social_care_uplift)     (once per economy, never lowered)
regime cost, every month from then on: regime.scope.system_cost_share × Σ_e sc_uplift_e × sc_budget_e / 12
```

With `regime.scope.reconfiguration_support`, commissioners also fund and speed up the
reconfiguration of a trust entering special measures (`finance`). A 10% shortfall fills
about 3% of beds with delayed transfers of care, as in 2013 (NHS England DTOC) **[S]**;
the linear form is **[A]**. Whole-economy action is C9 **[H]**; the uplift's size and
permanence **[A]**.

At the start, `sc_capacity_e = 1 − initial.social_care_shortfall` (or the economy's own
`economy.economies[].social_care_shortfall`), `sc_need_e = 1`, and the social-care
budget is `social_care_budget_share` × 12 × the economy's monthly acute income.
"""

from __future__ import annotations

from enum import StrEnum

from numba import njit

from healthsim.model.parameters import Section, initial, lever, param, uniform
from healthsim.model.variables import economy_var, month_var, trust_var

TITLE = "Social care, delayed discharges and whole-economy action"
CLAIMS = ("C8", "C9")


class Scope(StrEnum):
    """Scope of the regime's action (C9)."""

    trust_only = "trust_only"
    whole_economy = "whole_economy"


class ScopeSpec(Section):
    """Trust-only or whole-economy action (C8, C9)."""

    scope: Scope = lever(Scope.trust_only, doc="Scope of the regime's action.")
    social_care_uplift: float = lever(
        0.0,
        ge=0,
        le=2,
        unit="share of capacity",
        doc="Share of extra social-care capacity funded in an economy once one of its "
        "trusts is found failing (a warning or special measures; whole-economy scope). "
        "Raised once per economy and kept: a structural fix.",
    )
    reconfiguration_support: bool = lever(
        False,
        doc="Commissioners fund and speed up the reconfiguration of a trust in special "
        "measures (whole-economy scope).",
    )
    system_cost_share: float = lever(
        0.5,
        ge=0,
        le=5,
        unit="share",
        doc="Share of the social-care uplift's cost borne by the regime.",
    )


class LocalSystemParams(Section):
    """Social care and delayed discharges (C8)."""

    delayed_discharge_beds_per_shortfall: float = param(
        0.3,
        ge=0,
        le=3,
        unit="share of beds",
        doc="Share of beds filled by delayed discharges per unit of social-care shortfall.",
        source="NHS England DTOC statistics: with a 10% shortfall, delayed transfers of "
        "care fill about 3% of beds, as in 2013, rising to about 6% in 2017.",
        neutral=0.0,
        prior=uniform(0.2, 0.4),
    )
    social_care_budget_share: float = param(
        0.22,
        ge=0,
        le=2,
        unit="share of acute income",
        doc="Adult social-care spending relative to the economy's acute income at the "
        "start (prices the whole-economy uplift).",
        source="about £17bn of adult social-care spending against about £76bn of acute "
        "income (King's Fund; NAO 2016).",
    )


class LocalSystemInitial(Section):
    social_care_shortfall: float = initial(
        0.10,
        ge=0,
        le=1,
        unit="share of need",
        doc="Share of social-care need not met at the start.",
        source="with delayed_discharge_beds_per_shortfall it sets delayed transfers of "
        "care at about 3% of beds, as in 2013 (NHS England DTOC statistics).",
    )


VARS = (
    trust_var("economy", "int", "index", "the local economy the trust belongs to"),
    trust_var(
        "dd_beds",
        "float",
        "beds",
        "beds occupied by delayed discharges",
        record="delayed_discharge_beds",
    ),
    economy_var("trusts", "float", "trusts", "trusts in the economy"),
    economy_var(
        "sc_need", "float", "ratio", "need for social care, relative to the start", fill=1.0
    ),
    economy_var("sc_capacity", "float", "share of need at the start", "social-care capacity"),
    economy_var(
        "sc_uplift", "float", "share of capacity", "extra capacity funded by whole-economy action"
    ),
    economy_var("shortfall", "float", "share of need", "social-care need not met"),
    economy_var("sc_budget", "float", "£m a year", "social-care budget"),
    month_var("social_care_shortfall", "share", "mean share of social-care need unmet"),
)


def pack(sc) -> dict[str, float]:
    return {"dd_per_shortfall": sc.behaviour.delayed_discharge_beds_per_shortfall}


@njit(cache=True)
def shortfall(capacity, uplift, need):  # pragma: no cover - compiled
    """Share of social-care need not met (0-1)."""
    return min(max(1.0 - capacity * (1.0 + uplift) / need, 0.0), 1.0)


@njit(cache=True)
def delayed_discharge_beds(p, shortfall_, beds):  # pragma: no cover - compiled
    """Beds a trust loses to patients who cannot be discharged (at most all of them)."""
    return min(p.dd_per_shortfall * shortfall_, 1.0) * beds


def act_on_economy(model, i: int) -> None:
    """Whole-economy action when trust ``i`` is found failing: raise the social-care
    capacity of its economy (once per economy, not per finding)."""
    scope = model.p.regime.scope
    if scope.scope != Scope.whole_economy or scope.social_care_uplift <= 0:
        return
    e = int(model.s.economy[i])
    if model.e.sc_uplift[e] < scope.social_care_uplift:
        model.e.sc_uplift[e] = scope.social_care_uplift
        model.log(i, "economy-wide action: social-care capacity raised")


def system_cost(model) -> float:
    """The regime's share of the social-care uplifts' cost this month (£m)."""
    e = model.e
    share = model.p.regime.scope.system_cost_share
    return float((e.sc_uplift * e.sc_budget).sum() / 12.0 * share)


PARAMS = LocalSystemParams
INITIAL = LocalSystemInitial
LEVERS = {"scope": ScopeSpec}
