"""Reputation and the media: what public naming does to a trust (step phase 12; C2, C5).

A trust's reputation drifts towards what its care deserves, lowered while it is publicly
named; a poor reputation moves patients (patient choice, GP referral) and recruits
away. Media salience (newsworthiness, whatever the quality) rises with stories and with
naming and fades; political pressure steers the regime by it (`inspection`, `ladder`).

```
reputation*_i = min(1, reputation_offset + quality_i) × (1 − naming_reputation_factor × named_i)
reputation_i ← reputation_i + reputation_recovery × (reputation*_i − reputation_i)
salience_i   ← min(1, salience_i × (1 − salience_decay) + story_salience × [u_media[t, i] < scandal_rate])
moved demand_i = demand_i × min(1, reputation_demand_shift × (1 − reputation_i) + naming_informs_choice × named_i)   (`demand`)
recruitment    × (1 − reputation_recruitment × (1 − reputation_i))                      (`workforce`)
at naming (entry to special measures with regime.communication.naming; `ladder`):
    named_i = true;   reputation_i ← reputation_i × (1 − reputation_loss_naming)
    salience_i ← min(1, salience_i + naming_salience)
at exit from special measures: named_i = false
```

`quality_i` is the trust's mean quality at the start of the month. Naming is two-sided:
it informs patients and GPs, who take demand away from a named trust's poor care
(`naming_informs_choice`, the advocates' claim), and it lowers the trust's reputation,
which also costs it recruits and spreads fear (`culture`, the critics' claim). Naming
lowering reputation, and reputation moving patients and recruits, is C5 **[H]**;
newsworthiness independent of quality (C2) and the offsets **[A]**. Reputation starts
at `initial.reputation`, salience at 0.
"""

from __future__ import annotations

from numba import njit

from healthsim.model.mechanisms._common import relax
from healthsim.model.parameters import Section, initial, param, uniform
from healthsim.model.variables import trust_var

TITLE = "Reputation, media and naming"
CLAIMS = ("C2", "C5")


class ReputationParams(Section):
    """Reputation, patient choice and the media (C2, C5)."""

    reputation_loss_naming: float = param(
        0.3,
        ge=0,
        le=1,
        unit="share of reputation",
        doc="Reputation lost at once when a trust is publicly named (C5).",
        source="assumption: naming is national news.",
        neutral=0.0,
        prior=uniform(0.0, 0.5),
    )
    naming_reputation_factor: float = param(
        0.4,
        ge=0,
        le=1,
        unit="share",
        doc="How far below what its care deserves a named trust's reputation settles, "
        "while it stays named.",
        source="assumption: the label outlasts the story.",
        neutral=0.0,
        prior=uniform(0.0, 0.6),
    )
    reputation_offset: float = param(
        0.2,
        ge=0,
        le=1,
        unit="0-1",
        doc="Reputation a trust's care earns above its quality (target = min(1, offset + "
        "quality)).",
        source="assumption: the public thinks better of its hospitals than their quality "
        "scores (British Social Attitudes).",
        prior=uniform(0.1, 0.3),
    )
    reputation_recovery: float = param(
        0.03,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of the gap to its target that reputation closes.",
        source="assumption: reputations take years to mend.",
        prior=uniform(0.01, 0.06),
    )
    reputation_demand_shift: float = param(
        0.15,
        ge=0,
        le=1,
        unit="share of demand",
        doc="Share of a trust's demand that moves to neighbours at zero reputation "
        "(patient choice and GP referral, C5).",
        source="assumption: patient choice moves a modest share of elective referrals.",
        neutral=0.0,
        prior=uniform(0.0, 0.3),
    )
    reputation_recruitment: float = param(
        0.5,
        ge=0,
        le=1,
        unit="share of recruitment",
        doc="Share of recruitment lost at zero reputation (C5).",
        source="assumption: staff avoid trusts in the news for failing.",
        neutral=0.0,
        prior=uniform(0.0, 0.8),
    )
    scandal_rate: float = param(
        0.01,
        ge=0,
        le=1,
        unit="chance a month",
        doc="Monthly chance that a trust becomes newsworthy (a story, a campaign), "
        "whatever its quality (C2).",
        source="assumption: about one story a trust every eight years.",
        neutral=0.0,
        prior=uniform(0.002, 0.02),
    )
    story_salience: float = param(
        0.5,
        ge=0,
        le=1,
        unit="salience",
        doc="Media salience a story adds.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    naming_informs_choice: float = param(
        0.0,
        ge=0,
        le=1,
        unit="share of demand",
        doc="Share of a publicly named trust's demand that patients and GPs, informed by the "
        "naming, take to its neighbours instead (the advocates' claim for naming: it steers "
        "patients away from poor care), on top of what its lower reputation moves.",
        source="assumption: patient choice responds to published ratings, modestly (no "
        "measure for naming itself).",
        neutral=0.0,
        prior=uniform(0.0, 0.15),
    )
    naming_salience: float = param(
        0.5,
        ge=0,
        le=1,
        unit="salience",
        doc="Media salience being named adds.",
        source="assumption: as much as a story.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    salience_decay: float = param(
        0.1,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of media salience that fades.",
        source="assumption: a story is forgotten within a year or two.",
        prior=uniform(0.05, 0.2),
    )


class ReputationInitial(Section):
    reputation: float = initial(
        0.7,
        ge=0,
        le=1,
        unit="0-1",
        doc="Public reputation at the start.",
        source="assumption: the reputation target of a trust at the mean starting quality "
        "(reputation_offset + 0.66, capped).",
        prior=uniform(0.6, 0.8),
    )


VARS = (
    trust_var("reputation", "float", "0-1", "public reputation", record="reputation"),
    trust_var("salience", "float", "0-1", "media salience"),
    trust_var("named", "bool", "yes/no", "publicly named"),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    names = (
        "naming_reputation_factor",
        "reputation_offset",
        "reputation_recovery",
        "reputation_demand_shift",
        "naming_informs_choice",
        "reputation_recruitment",
        "scandal_rate",
        "story_salience",
        "salience_decay",
    )
    return {k: getattr(b, k) for k in names}


@njit(cache=True)
def demand_moved(p, demand, reputation, named):  # pragma: no cover - compiled
    """Demand that moves to neighbours away from a trust's poor reputation, and (once it
    is named) away from its published failure: a share of its demand, at most all."""
    informed = p.naming_informs_choice * (1.0 if named else 0.0)
    return demand * min(p.reputation_demand_shift * (1.0 - reputation) + informed, 1.0)


@njit(cache=True)
def recruitment_factor(p, reputation):  # pragma: no cover - compiled
    """Share of normal recruitment a trust's reputation allows."""
    return 1.0 - p.reputation_recruitment * (1.0 - reputation)


@njit(cache=True)
def settle(p, x, quality, story_u):  # pragma: no cover - compiled
    """A month of reputation and media salience for trust record ``x``; ``quality`` is
    its mean quality at the start of the month, ``story_u`` this month's media draw."""
    named = 1.0 if x.named else 0.0
    target = min(p.reputation_offset + quality, 1.0) * (1.0 - p.naming_reputation_factor * named)
    x.reputation = relax(x.reputation, target, p.reputation_recovery)
    story = p.story_salience if story_u < p.scandal_rate else 0.0
    x.salience = min(1.0, x.salience * (1.0 - p.salience_decay) + story)


def name_publicly(model, i: int) -> None:
    """Name trust ``i`` publicly (at entry to special measures)."""
    s, b = model.s, model.p.behaviour
    s.named[i] = True
    s.reputation[i] *= 1.0 - b.reputation_loss_naming
    s.salience[i] = min(1.0, s.salience[i] + b.naming_salience)


PARAMS = ReputationParams
INITIAL = ReputationInitial
LEVERS: dict = {}
