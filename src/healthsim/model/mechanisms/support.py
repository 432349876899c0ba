"""Improvement support: buddies, consultants, central teams and improvement directors (step phases 9 and 11; C6, C7).

Improvement should draw on expertise inside the sector (peer buddy trusts), not on
consultancy or top-down central models (C6): the kinds of support differ in what they
cost, who pays, how fast they work, whether they build the board's own capability and
whether their gains last. A trust in special measures gets the regime's kind
(`regime.improvement.model`) for up to `regime.improvement.support_months`.

Every kind is a row of the table `KINDS` in this module, naming the parameters of each
of its effects; the monthly arithmetic reads the table, so a new kind is a new row (and
its parameters) here, and nothing else. With `k` the kind a trust receives,
`I = regime.improvement.intensity` and `good = regime.identification.good_threshold`:

```
rate_i   = effectiveness_k × (capability of the partner trust, for a kind with a partner)
gain_is  = rate_i × I × clarity_i × max(0, good − q_is)                           (added to dq_is)
capability_i     ← capability_i + transfer_k × I × (1 − capability_i)             (learnt: it lasts)
capability_h     ← capability_h − burden_k × I × capability_h                     (the partner h pays in its own)
capability_eff_i ← capability_eff_i + capacity_k × (1 − capability_eff_i)         (while it lasts)
fee_i    = fee_k (× I for a kind whose fee scales with intensity), £m a month:
           a share paid_by_trust_k in the trust's costs (`finance`), the rest in the regime's
boost_i  = min(funding_boost_cap, funding_boost_scale × regime.improvement.funding / income_i)   (in special measures)
```

Rates use the partner's capability before this month's transfers, burdens the
capability after them; capability changes take effect in next month's
`capability_eff`. Gains of a kind that *fades* (consultancy) are held as bought gains;
once the kind has ended they wear off, and so does the quality they bought above the
board's own steady state, unless the board can hold them:

```
steady_i     = k_i / (k_i + D_i)                                   (`quality`: the board's own steady state)
above_is     = min(max(0, q_is − steady_i), bought_gain_is)
fade_is      = consultancy_decay × above_is × (1 − capability_i)   (taken from dq_is)
bought_gain_is ← bought_gain_is × (1 − consultancy_decay)
```

Fade never pushes quality below the steady state, towards which the ordinary dynamics
already pull (no double counting); so a capable board holds bought gains and a weak
one loses them. The kinds' relative effects are C6 **[H]** (`buddy_effectiveness` is
fitted to T1 and T2 **[C]**).

**Matching a buddy** (`match_buddy`): among the other trusts with observed quality ≥
`buddy_min_rating_quality` at their latest inspection (reputation instead, if never
inspected), capability ≥ `buddy_min_capability`, 12-month margin ≥ `buddy_min_margin`,
a rung below warning, fewer than `buddy_capacity` partners and no support of their own,
the oversight body picks the one with the fewest patient-flow hops (any economy;
unreachable trusts last), then the most capable board, then the lowest index, and a
buddy link is drawn on the network. If none qualifies, the trust waits with no support
and the oversight body looks again every `buddy_retry_months` months while it stays in
special measures (after that month's quality phase). A buddy found failing itself (a
warning or special measures) withdraws, and its partners wait for another; otherwise a
buddy's later state is not checked again while it supports.

**The clock** (phase 11): support lasts `regime.improvement.support_months` from the
match, counting down every month (a match made by the retry gets one month of effect
fewer), and ends even if the trust is still in special measures; it also ends at exit
or at a move to administration (which gives `regime.ladder.administration_support`).
The regime's spending of the month is its money paid to trusts (improvement funding and
deficit cover, `finance`) plus its share of the fees of the support still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numba import njit

from healthsim.model.mechanisms._common import TINY
from healthsim.model.mechanisms.states import Rung
from healthsim.model.parameters import Section, lever, param, uniform
from healthsim.model.variables import service_var, trust_var

TITLE = "Improvement support"
CLAIMS = ("C6", "C7")

#: A bought gain below this counts as gone (stops the fading pass).
GONE = 1e-9


@dataclass(frozen=True)
class Kind:
    """One kind of improvement support: its wording and the parameters (by name, in
    `SupportParams`) that set each of its effects. An effect without a parameter is
    absent (0)."""

    name: str  # the value of regime.improvement.model
    label: str  # plain words, for reports and the app
    doc: str
    effectiveness: str | None = None  # share of the gap to good closed a month
    partner: bool = False  # a partner trust gives it (matched; bears a burden)
    transfer: str | None = None  # capability the board learns a month
    burden: str | None = None  # capability the partner loses a month
    fee: str | None = None  # £m a month
    fee_scales_with_intensity: bool = False
    paid_by_trust: str | None = None  # share of the fee the trust pays
    fades: bool = False  # its gains wear off after it ends
    capacity: str | None = None  # share of the board's missing capability it supplies


KINDS: tuple[Kind, ...] = (
    Kind("none", "no support", "No improvement support."),
    Kind(
        "buddy",
        "a buddy trust",
        "A strong peer trust nearby supports the board; its leaders' time is the cost.",
        effectiveness="buddy_effectiveness",
        partner=True,
        transfer="buddy_capability_transfer",
        burden="buddy_burden",
        fee="buddy_cost",
        paid_by_trust="buddy_paid_by_trust",
    ),
    Kind(
        "consultancy",
        "management consultants",
        "A turnaround contract: fast gains the board may not hold once it ends.",
        effectiveness="consultancy_effectiveness",
        transfer="consultancy_capability_transfer",
        fee="consultancy_cost",
        fee_scales_with_intensity=True,
        paid_by_trust="consultancy_paid_by_trust",
        fades=True,
    ),
    Kind(
        "central",
        "a central improvement team",
        "A national programme or central team prescribes the improvement.",
        effectiveness="central_effectiveness",
        fee="central_cost",
        paid_by_trust="central_paid_by_trust",
    ),
    Kind(
        "director",
        "an improvement director",
        "The oversight body places an improvement director in the trust: the board's "
        "capacity to act is stronger while the director is in post (with powers over the "
        "board if regime.improvement.powers); the regime pays.",
        fee="director_cost",
        paid_by_trust="director_paid_by_trust",
        capacity="director_capacity",
    ),
)


class _Kinds(StrEnum):
    @property
    def code(self) -> int:
        """The number the state arrays hold for this kind."""
        return _CODES[self.value]

    @property
    def kind(self) -> Kind:
        return KINDS[self.code]

    @property
    def label(self) -> str:
        return self.kind.label


#: The kinds of support, by name (the scenario's regime.improvement.model).
Support = _Kinds("Support", [(k.name, k.name) for k in KINDS], module=__name__)
_CODES = {k.name: i for i, k in enumerate(KINDS)}
NONE = _CODES["none"]


def by_code(code: int) -> Support:
    return Support(KINDS[int(code)].name)


def describe_codes() -> str:
    """'0 none, 1 buddy, ...': how the per-trust ``support`` column is coded."""
    return ", ".join(f"{i} {k.name}" for i, k in enumerate(KINDS))


class Improvement(Section):
    """How improvement is supported (C6, C7)."""

    model: Support = lever(
        Support.buddy,
        doc="Kind of support for trusts in special measures: "
        + "; ".join(f"{k.name}: {k.doc}" for k in KINDS),
    )
    intensity: float = lever(1.0, ge=0, le=1, unit="0-1", doc="Intensity of the support.")
    funding: float = lever(
        0.1,
        ge=0,
        le=10,
        unit="£m a month",
        doc="Improvement money per trust in special measures, raising its resources.",
    )
    powers: bool = lever(
        True,
        doc="Whether the helper (buddy or improvement director) holds powers over the board "
        "(C7). The default (the 2013 regime) appointed improvement directors with powers "
        "alongside buddies.",
    )
    support_months: int = lever(
        24, ge=1, le=120, unit="months", doc="Longest time support lasts for one episode."
    )


class SupportParams(Section):
    """What each kind of support does and costs (C6)."""

    buddy_effectiveness: float = param(
        0.244,
        ge=0,
        le=0.5,
        unit="share a month",
        doc="Monthly share of the gap to good quality closed by full buddy support, scaled "
        "by the buddy's capability.",
        source="calibrated: fitted with T1 and T2 (time in and stock of special measures) "
        "under the 2013 regime, which buddied trusts in special measures.",
        neutral=0.0,
        prior=uniform(0.05, 0.35),
    )
    buddy_capability_transfer: float = param(
        0.01,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly capability the supported board learns from its buddy: peer help "
        "builds capability, so it lasts after support ends.",
        source="assumption: the article's claim C6.",
        neutral=0.0,
        prior=uniform(0.0, 0.03),
    )
    buddy_burden: float = param(
        0.004,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly capability the buddy's own board loses while supporting (its leaders' time).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.01),
    )
    buddy_cost: float = param(
        0.05,
        ge=0,
        le=10,
        unit="£m a month",
        doc="Fee paid for a buddy's time.",
        source="assumption: a few senior staff part time.",
        neutral=0.0,
        prior=uniform(0.02, 0.1),
    )
    buddy_paid_by_trust: float = param(
        0.0,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the buddy's fee paid by the supported trust (the rest by the regime).",
        source="the 2013 regime paid buddies centrally.",
    )
    buddy_min_rating_quality: float = param(
        0.68,
        ge=0,
        le=1,
        unit="0-1",
        doc="Observed quality a trust needs to be a buddy (a good rating).",
        source="the 2013 regime chose buddies rated good or outstanding.",
    )
    buddy_min_capability: float = param(
        0.5,
        ge=0,
        le=1,
        unit="0-1",
        doc="Board capability a trust needs to be a buddy.",
        source="assumption: an average board or better.",
        prior=uniform(0.4, 0.6),
    )
    buddy_min_margin: float = param(
        0.0,
        ge=-1,
        le=1,
        unit="share of income",
        doc="12-month margin a trust needs to be a buddy (0: no deficit).",
        source="assumption: a trust in deficit has no leaders to spare.",
        prior=uniform(-0.01, 0.01),
    )
    buddy_capacity: int = param(
        1,
        ge=1,
        le=10,
        unit="trusts",
        doc="Trusts one buddy can support at a time.",
        source="the 2013 regime paired trusts one to one.",
    )
    buddy_retry_months: int = param(
        3,
        ge=1,
        le=24,
        unit="months",
        doc="How often the oversight body looks again for a buddy for a trust still waiting.",
        source="assumption: quarterly reviews.",
        prior=uniform(1, 6),
    )
    consultancy_effectiveness: float = param(
        0.12,
        ge=0,
        le=0.5,
        unit="share a month",
        doc="Monthly share of the gap to good quality closed by full consultancy support: "
        "fast, but little capability is built (consultancy_capability_transfer).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.05, 0.25),
    )
    consultancy_capability_transfer: float = param(
        0.0,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly capability the board learns from its consultants (the advocates' claim: "
        "a turnaround team leaves some skills behind).",
        source="assumption: less than a peer buddy passes on.",
        neutral=0.0,
        prior=uniform(0.0, 0.01),
    )
    consultancy_cost: float = param(
        0.25,
        ge=0,
        le=10,
        unit="£m a month",
        doc="Fee for consultants at full intensity.",
        source="turnaround contracts of £2-5m a year.",
        neutral=0.0,
        prior=uniform(0.17, 0.42),
    )
    consultancy_paid_by_trust: float = param(
        1.0,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the consultants' fee paid by the trust itself (the rest by the regime).",
        source="trusts in special measures paid for turnaround contracts from their own budgets.",
    )
    consultancy_decay: float = param(
        0.15,
        ge=0,
        le=1,
        unit="share a month",
        doc="Monthly share of consultancy gains lost after the contract ends, unless the "
        "board has the capability to hold them.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.05, 0.3),
    )
    central_effectiveness: float = param(
        0.08,
        ge=0,
        le=0.5,
        unit="share a month",
        doc="Monthly share of the gap to good quality closed by a central prescription (a "
        "national programme, a central team).",
        source="assumption: slower than local help.",
        neutral=0.0,
        prior=uniform(0.03, 0.15),
    )
    central_cost: float = param(
        0.08,
        ge=0,
        le=10,
        unit="£m a month",
        doc="Cost of a central improvement team.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.04, 0.15),
    )
    central_paid_by_trust: float = param(
        0.0,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the central team's cost paid by the trust.",
        source="central teams were paid for centrally.",
    )
    director_capacity: float = param(
        0.182,
        ge=0,
        le=1,
        unit="share of missing capability",
        doc="Share of the gap between the board's usable capability and the best board's "
        "that an improvement director fills while in post (part of the 2013 "
        "special-measures package).",
        source="assumption: an experienced director strengthens a weak board most; no "
        "measure of the effect exists.",
        neutral=0.0,
        prior=uniform(0.0, 0.5),
    )
    director_cost: float = param(
        0.02,
        ge=0,
        le=10,
        unit="£m a month",
        doc="Cost of an improvement director.",
        source="assumption: an interim director at about £1,000 a day.",
        neutral=0.0,
        prior=uniform(0.01, 0.04),
    )
    director_paid_by_trust: float = param(
        0.0,
        ge=0,
        le=1,
        unit="share",
        doc="Share of the improvement director's cost paid by the trust.",
        source="the oversight bodies (NHS Trust Development Authority, Monitor) placed and "
        "paid improvement directors.",
    )
    funding_boost_cap: float = param(
        0.3,
        ge=0,
        le=5,
        unit="share of resources",
        doc="Most that improvement money can add to a trust's resources to improve.",
        source="assumption.",
        prior=uniform(0.1, 0.5),
    )
    funding_boost_scale: float = param(
        10.0,
        ge=0,
        le=100,
        unit="per share of income",
        doc="Resources added per unit of improvement money as a share of monthly income.",
        source="assumption: £0.1m a month raises a £25m-a-month trust's resources by 4%.",
        neutral=0.0,
        prior=uniform(3.0, 20.0),
    )


VARS = (
    trust_var("support", "int", "kind", f"support received ({describe_codes()})", record="support"),
    trust_var(
        "buddy_of",
        "int",
        "trust index",
        "index of the buddy trust (-1 none)",
        record="buddy_of",
        fill=-1,
    ),
    trust_var("support_left", "int", "months", "months of support left"),
    trust_var("buddy_load", "int", "trusts", "trusts this trust supports as a buddy"),
    trust_var(
        "awaiting_support", "bool", "yes/no", "in special measures, waiting for a free buddy"
    ),
    trust_var("ended", "bool", "yes/no", "support ends this month"),
    trust_var("boost", "float", "share of resources", "resources added by improvement money"),
    trust_var("support_rate", "float", "share a month", "this month's rate of support gains"),
    trust_var("partner_loss", "float", "capability", "capability a partner loses this month"),
    trust_var(
        "buddy_capability_lost",
        "float",
        "capability",
        "capability lost while buddying, over the run",
    ),
    trust_var("buddy_months", "float", "months", "months spent buddying, over the run"),
    service_var(
        "bought_gain",
        "float",
        "quality",
        "quality bought from support that fades, not yet embedded",
    ),
)


def _table(b, name: str | None) -> float:
    return 0.0 if name is None else float(getattr(b, name))


def pack(sc) -> dict:
    b, imp = sc.behaviour, sc.regime.improvement
    intensity = imp.intensity
    fees = [_table(b, k.fee) * (intensity if k.fee_scales_with_intensity else 1.0) for k in KINDS]
    return {
        "intensity": intensity,
        "funding": imp.funding if imp.funding > 0 else 0.0,
        "consultancy_decay": b.consultancy_decay,
        "funding_boost_cap": b.funding_boost_cap,
        "funding_boost_scale": b.funding_boost_scale,
        "support_effectiveness": np.array([_table(b, k.effectiveness) for k in KINDS]),
        # yes/no columns as 0/1 bytes (numba's records hold no arrays of booleans)
        "support_partner": np.array([k.partner for k in KINDS], dtype=np.uint8),
        "support_transfer": np.array([_table(b, k.transfer) for k in KINDS]),
        "support_burden": np.array([_table(b, k.burden) for k in KINDS]),
        "support_fee": np.array(fees),
        "support_trust_share": np.array([_table(b, k.paid_by_trust) for k in KINDS]),
        "support_fades": np.array([k.fades for k in KINDS], dtype=np.uint8),
        "support_capacity": np.array([_table(b, k.capacity) for k in KINDS]),
    }


# -- compiled rules -------------------------------------------------------------------


@njit(cache=True)
def trust_fee(p, kind):  # pragma: no cover - compiled
    """The part of this month's support fee the trust pays (£m)."""
    return p.support_fee[kind] * p.support_trust_share[kind]


@njit(cache=True)
def funding_boost(p, central, income):  # pragma: no cover - compiled
    """Resources improvement money adds to a trust in special measures."""
    return min(p.funding_boost_cap, p.funding_boost_scale * central / (income + TINY))


@njit(cache=True)
def rate(p, kind, partner_capability):  # pragma: no cover - compiled
    """Share of the gap to good quality support closes a month, before intensity and
    clarity."""
    r = p.support_effectiveness[kind]
    return r * partner_capability if p.support_partner[kind] != 0 else r


@njit(cache=True)
def capacity(p, kind, capability_eff):  # pragma: no cover - compiled
    """A board's usable capability with the capacity its support supplies."""
    boost = p.support_capacity[kind]
    return capability_eff + boost * (1.0 - capability_eff) if boost > 0 else capability_eff


@njit(cache=True)
def add_regime_fees(p, counts, total):  # pragma: no cover - compiled
    """``total`` plus the regime's part of this month's support fees, given how many
    trusts receive each kind (£m)."""
    for k in range(1, counts.shape[0]):
        if counts[k] > 0:
            total += counts[k] * p.support_fee[k] * (1.0 - p.support_trust_share[k])
    return total


# -- decisions (the oversight body's) ----------------------------------------------


def start_support(model, i: int, retry: bool = False) -> None:
    """Give trust ``i`` the regime's kind of support; a trust whose kind needs a partner
    waits when none is free."""
    s, imp = model.s, model.p.regime.improvement
    kind = imp.model
    s.awaiting_support[i] = False
    if kind.kind.partner:
        buddy = match_buddy(model, i)
        if buddy is None:
            if not retry:
                model.log(i, "no buddy available yet")
            s.awaiting_support[i] = True
            kind = Support.none
        else:
            s.buddy_of[i] = buddy
            s.buddy_load[buddy] += 1
            model.add_buddy_link(buddy, i)
            model.log(i, f"buddy: {model.trusts[buddy].label}")
    s.support[i] = kind.code
    s.support_left[i] = imp.support_months if kind != Support.none else 0


def match_buddy(model, i: int) -> int | None:
    """The nearest strong trust with spare capacity for trust ``i`` (or None)."""
    s, b = model.s, model.p.behaviour
    # Rated trusts qualify on their rating; unrated ones (before the first round of
    # inspections) on their reputation.
    known = np.where(np.isnan(s.observed_quality), s.reputation, s.observed_quality)
    ok = (
        (known >= b.buddy_min_rating_quality)
        & (s.capability >= b.buddy_min_capability)
        & (s.margin_12m >= b.buddy_min_margin)
        & (s.rung < Rung.warning)
        & (s.buddy_load < b.buddy_capacity)
        & (s.support == NONE)
    )
    ok[i] = False
    cands = np.flatnonzero(ok)
    if cands.size == 0:
        return None
    hops = model.hops_from(i)[cands]
    # nearest first, then the most capable board, then the lowest index
    order = np.lexsort((cands, -s.capability[cands], hops))
    return int(cands[order[0]])


def end_support(model, i: int) -> None:
    s = model.s
    if s.buddy_of[i] >= 0:
        h = int(s.buddy_of[i])
        s.buddy_load[h] -= 1
        model.remove_buddy_link(h, i)
        s.buddy_of[i] = -1
    s.support[i] = NONE
    s.support_left[i] = 0
    s.awaiting_support[i] = False


def release_as_buddy(model, i: int) -> None:
    """A buddy found failing itself stops supporting: its partners wait for another."""
    s = model.s
    if s.buddy_load[i] <= 0:
        return
    for j in np.flatnonzero(s.buddy_of == i):
        end_support(model, int(j))
        s.awaiting_support[j] = s.rung[j] >= Rung.special_measures
        model.log(int(j), f"buddy {model.trusts[i].label} withdraws (it is failing itself)")


PARAMS = SupportParams
INITIAL = None
LEVERS = {"improvement": Improvement}
