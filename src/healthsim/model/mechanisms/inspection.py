"""Identification: inspection, ratings and risk triggers (step phase 14 and end-of-month events; C1, C2, C3).

Quality failure must be identified by a rigorous, independent, credible, calibrated
method (C1); political drivers would destroy credibility (C2); pockets of poor care
exist in all trusts at times, which differs from consistently failing a range of
standards (C3). The inspectorate sees true quality only through a noisy sample of
services, on a schedule plus risk triggers; the regime sets its noise, sample, bar,
breadth rule and political pressure (`[regime.identification]`).

**Risk check** (monthly, phase 14; skipped when both
`regime.identification.risk_trigger_weight` and `regime.identification.political_pressure`
are 0):

```
national = mean_i reported_rate_i
signal_i = max(0, −risk_deficit_weight × margin_12m_i) + max(0, reported_rate_i / national − 1)   (second term if national > 0)
pp       = regime.identification.political_pressure
p_i      = (1 − pp) × risk_trigger_weight × risk_signal_rate × signal_i + pp × salience_inspection_rate × salience_i
inspect i (reason "risk") if u_trigger[t, i] < p_i and t − last_inspection_i ≥ risk_min_gap_months and not in special measures
```

The signal reads *reported* harm, so hidden harm hides risk. **An inspection** of trust
`i` in month `t` (routine, every `inspection_interval_months` from a phase drawn at the
start from the `inspection_schedule` stream, at the end of the month it falls due; a
risk-triggered one moves the next routine visit on; or an exit review, `ladder`):

```
k       = min(services_sampled, S);   sampled = the k services with the lowest u_key[t, i, ·]   (without replacement)
obs_s   = clip(q_is + noise_sd × z_insp[t, i, s], 0, 1)                     s ∈ sampled
n_fail  = #{obs_s < bar};   n_ri = #{bar ≤ obs_s < good_threshold};   n_out = #{obs_s ≥ outstanding_threshold}
rating  = inadequate             if n_fail ≥ breadth_rule
        = requires improvement   if n_fail ≥ 1 or n_fail + n_ri ≥ requires_improvement_services
        = outstanding            if n_out ≥ outstanding_services and n_ri = 0
        = good                   otherwise
rating_i = rating (first_rating_i too, at the trust's first inspection);  observed_quality_i = mean(obs)
last_inspection_i = t;   regime cost += inspection_cost
finding.truly_failing = [#{all s : q_is < bar} ≥ breadth_rule]             (for the metrics only)
```

then the oversight body responds (`ladder`). A rating is two-sided for the board that
gets it: a rating below good tells it where care falls short, adding `rating_response`
to its improvement drive while the rating stands (`quality`); and an inspection takes
`inspection_burden` of the board's usable capability in the month after it. The
thresholds anchor the abstract
quality scale (a convention); initial quality and the fitted parameters place trusts
against them so that, with the noise and the sample, the first round of ratings
matches CQC 2014–16 (T5) **[C]**. The rating rule is loosely after CQC's aggregation
rules **[A]**; the risk trigger's coefficients **[A]**; the political bias is C2 **[H]**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mesa import Agent
from numba import njit

from healthsim.model.mechanisms.states import Rating, Rung
from healthsim.model.parameters import Section, lever, param, uniform
from healthsim.model.variables import month_var, trust_var

TITLE = "Inspection, ratings and risk triggers"
CLAIMS = ("C1", "C2", "C3")


class Identification(Section):
    """How the inspectorate finds failure (C1-C3)."""

    inspection_interval_months: int = lever(
        24,
        ge=1,
        le=240,
        unit="months",
        doc="Months between scheduled inspections of a trust: CQC's new approach aimed at "
        "every acute trust within about two years.",
    )
    noise_sd: float = lever(
        0.05,
        ge=0,
        le=1,
        unit="quality",
        doc="Standard deviation of the inspectors' error on a service's quality (C1): the "
        "old regime was noisy, the new one calibrated.",
    )
    services_sampled: int = lever(
        5,
        ge=1,
        le=12,
        unit="services",
        doc="Service lines looked at per inspection (capped at the trust's): the new CQC "
        "approach covered most core services; calibrated with T5.",
    )
    bar: float = lever(
        0.5,
        ge=0,
        le=1,
        unit="0-1",
        doc="Observed quality below which a service is rated inadequate. Quality is on an "
        "abstract 0-1 scale; the bar is calibrated with the inspection noise and sampling "
        "so the first round of ratings matches CQC 2014-16 (T5).",
    )
    good_threshold: float = lever(
        0.68,
        ge=0,
        le=1,
        unit="0-1",
        doc="Observed quality at or above which a service is rated good (and the level "
        "support aims for).",
    )
    outstanding_threshold: float = lever(
        0.82,
        ge=0,
        le=1,
        unit="0-1",
        doc="Observed quality at or above which a service is outstanding.",
    )
    breadth_rule: int = lever(
        2,
        ge=1,
        le=12,
        unit="services",
        doc="Inadequate services needed for a trust to be found failing: 'consistently "
        "failing a range of standards', not one pocket (C3).",
    )
    persistence_rule: int = lever(
        1,
        ge=1,
        le=10,
        unit="inspections",
        doc="Failing inspections in a row needed before special measures (C3).",
    )
    requires_improvement_services: int = lever(
        2,
        ge=1,
        le=12,
        unit="services",
        doc="Services below good (none inadequate) that make a trust 'requires improvement'.",
    )
    outstanding_services: int = lever(
        2,
        ge=1,
        le=12,
        unit="services",
        doc="Outstanding services (and none below good) that make a trust outstanding.",
    )
    risk_trigger_weight: float = lever(
        0.25,
        ge=0,
        le=5,
        unit="weight",
        doc="Strength of risk-triggered inspections: reported harm above the national "
        "rate, complaints and deficits bring an inspection forward (C1).",
    )
    political_pressure: float = lever(
        0.05,
        ge=0,
        le=1,
        unit="0-1",
        doc="Weight of media salience against evidence in who is inspected and who is put "
        "in special measures: 0 = independent; 1 = visibility decides (C2). The default "
        "(the 2013 regime) allows a little political steer, the article's worry; no "
        "measure of it exists.",
    )
    inspection_cost: float = lever(
        0.15, ge=0, le=10, unit="£m", doc="Cost of an inspection (CQC's costs per acute trust)."
    )


class InspectionParams(Section):
    """How risk signals bring inspections forward (C1, C2), and what a rating does to
    the board that gets it."""

    rating_response: float = param(
        0.279,
        ge=0,
        le=2,
        unit="relative effort",
        doc="Extra improvement effort of a board whose latest rating is requires "
        "improvement or inadequate: the inspection report tells it where care falls short "
        "(the advocates' claim for rigorous identification, C1).",
        source="assumption: CQC reports set out what must improve; no measure of the "
        "effect on improvement exists.",
        neutral=0.0,
        prior=uniform(0.0, 0.5),
    )
    inspection_burden: float = param(
        0.212,
        ge=0,
        le=1,
        unit="share of capability",
        doc="Share of a board's usable capability taken up in the month after an "
        "inspection (preparing for and answering it: the critics' claim).",
        source="assumption: inspections take senior time for weeks.",
        neutral=0.0,
        prior=uniform(0.0, 0.3),
    )

    risk_signal_rate: float = param(
        0.08,
        ge=0,
        le=1,
        unit="chance a month per unit signal",
        doc="Monthly chance of a risk-triggered inspection per unit of risk signal at "
        "risk_trigger_weight 1.",
        source="assumption: a trust reporting twice the national harm rate is inspected "
        "within about four years at the default weight.",
        neutral=0.0,
        prior=uniform(0.02, 0.15),
    )
    risk_deficit_weight: float = param(
        5.0,
        ge=0,
        le=100,
        unit="signal per unit margin",
        doc="Risk signal per unit of deficit margin (a 2% deficit signals like 10% excess "
        "reported harm).",
        source="assumption: financial distress was a risk indicator in CQC's Intelligent "
        "Monitoring.",
        neutral=0.0,
        prior=uniform(1.0, 10.0),
    )
    salience_inspection_rate: float = param(
        0.15,
        ge=0,
        le=1,
        unit="chance a month",
        doc="Monthly chance of an inspection of a fully salient trust at full political "
        "pressure (C2).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.05, 0.3),
    )
    risk_min_gap_months: int = param(
        6,
        ge=0,
        le=120,
        unit="months",
        doc="Months after an inspection before a risk trigger can bring another.",
        source="assumption: CQC does not return within half a year without cause.",
        prior=uniform(3, 12),
    )


VARS = (
    trust_var(
        "rating",
        "int",
        "rating",
        "latest overall rating (-1 unrated .. 3 outstanding)",
        record="rating",
        fill=-1,
    ),
    trust_var("first_rating", "int", "rating", "rating at the trust's first inspection", fill=-1),
    trust_var(
        "observed_quality",
        "float",
        "0-1",
        "mean observed quality at the latest inspection",
        fill=float("nan"),
    ),
    trust_var(
        "last_inspection", "int", "month", "month of the latest inspection (-99 none)", fill=-99
    ),
    trust_var(
        "inspection_due",
        "int",
        "month",
        "routine visit due at the end of this month (model time)",
        fill=-1,
    ),
    trust_var("due", "bool", "yes/no", "a risk trigger brings an inspection this month"),
    month_var("inspections", "inspections", "inspections this month"),
)


def pack(sc) -> dict[str, float]:
    ident, b = sc.regime.identification, sc.behaviour
    pp = ident.political_pressure
    return {
        "bar": ident.bar,
        "breadth_rule": ident.breadth_rule,
        "good_threshold": ident.good_threshold,
        "outstanding_threshold": ident.outstanding_threshold,
        "noise_sd": ident.noise_sd,
        "risk_scale": (1.0 - pp) * ident.risk_trigger_weight * b.risk_signal_rate,
        "salience_scale": pp * b.salience_inspection_rate,
        "political": pp,
        "risk_deficit_weight": b.risk_deficit_weight,
        "risk_min_gap_months": b.risk_min_gap_months,
        "rating_response": b.rating_response,
        "inspection_burden": b.inspection_burden,
    }


@njit(cache=True)
def report_effort(p, rating):  # pragma: no cover - compiled
    """Extra improvement effort from the latest rating's report (below good)."""
    below_good = rating == Rating.inadequate or rating == Rating.requires_improvement
    return p.rating_response if below_good else 0.0


@njit(cache=True)
def burdened(p, capability_eff, last_inspection, t):  # pragma: no cover - compiled
    """A board's usable capability in month ``t``, less the burden of an inspection in
    the month before."""
    if p.inspection_burden > 0 and last_inspection == t - 1:
        return capability_eff * (1.0 - p.inspection_burden)
    return capability_eff


@dataclass(frozen=True, slots=True)
class Finding:
    """What an inspection observed (C1, C3)."""

    month: int
    trust: int
    services: tuple[int, ...]
    observed: tuple[float, ...]
    failing_observed: int  # sampled services observed below the bar
    rating: Rating
    failing_true: int  # services truly below the bar (all of them)
    truly_failing: bool  # true quality fails the breadth rule

    @property
    def observed_mean(self) -> float:
        return float(np.mean(self.observed))


@njit(cache=True)
def risk_triggers(params, tr, draws, t):  # pragma: no cover - compiled
    """The monthly risk check: marks ``due`` on the trusts drawn for a risk-triggered
    inspection (``draws``: this month's draws by trust); returns how many."""
    p = params[0]
    n = tr.shape[0]
    total = 0.0
    for i in range(n):
        total += tr[i].reported_rate
    national = total / n
    inv = 1.0 / national if national > 0 else 0.0
    count = 0
    for i in range(n):
        x = tr[i]
        signal = max(0.0, -p.risk_deficit_weight * x.margin_12m)
        if national > 0:
            signal += max(0.0, x.reported_rate * inv - 1.0)
        prob = p.risk_scale * signal
        if p.political > 0:
            prob += p.salience_scale * x.salience
        hit = (
            draws[t, i].trigger_u < prob
            and t - x.last_inspection >= p.risk_min_gap_months
            and x.rung < Rung.special_measures
        )
        x.due = hit
        if hit:
            count += 1
    return count


@njit(cache=True)
def observe(params, sv, draws, i, t, k, sampled, observed):  # pragma: no cover
    """An inspection of trust ``i`` in month ``t``: the ``k`` services with the lowest
    sampling keys, each seen with the inspectors' error and kept in [0, 1] (into
    ``sampled`` and ``observed``; ``sv``: the service records, ``draws``: the draws by
    month, trust and service). Returns (observed below the bar, between the bar and
    good, outstanding, services truly below the bar)."""
    p = params[0]
    n_serv = sv.shape[1]
    keys = np.empty(n_serv)
    for s in range(n_serv):
        keys[s] = draws[t, i, s].inspection_keys
    order = np.argsort(keys)
    below = 0
    middling = 0
    top = 0
    for j in range(k):
        s = order[j]
        v = sv[i, s].quality + p.noise_sd * draws[t, i, s].inspection_noise
        v = min(max(v, 0.0), 1.0)
        sampled[j] = s
        observed[j] = v
        if v < p.bar:
            below += 1
        elif v < p.good_threshold:
            middling += 1
        if v >= p.outstanding_threshold:
            top += 1
    failing = 0
    for s in range(n_serv):
        if sv[i, s].quality < p.bar:
            failing += 1
    return below, middling, top, failing


def rating_of(ident, n_fail: int, n_ri: int, n_out: int) -> Rating:
    """The overall rating an inspection's observations give."""
    if n_fail >= ident.breadth_rule:
        return Rating.inadequate
    if n_fail >= 1 or n_ri + n_fail >= ident.requires_improvement_services:
        return Rating.requires_improvement
    if n_out >= ident.outstanding_services and n_ri == 0:
        return Rating.outstanding
    return Rating.good


class Inspectorate(Agent):
    """The regulator: scheduled and risk-triggered inspections, noisy ratings (C1-C3)."""

    def __init__(self, model) -> None:
        super().__init__(model)
        self._rounds: dict[int, object] = {}  # month -> the Mesa event of its round
        n_serv = model.s.quality.shape[1]  # an inspection's sample (observe)
        self._sampled = np.zeros(n_serv, dtype=np.int64)
        self._observed = np.zeros(n_serv)

    def schedule(self, i: int, after: float) -> None:
        """Book trust ``i``'s next routine inspection ``after`` months from now (at the end
        of that month; it replaces any routine visit already booked). The inspectorate
        keeps one Mesa event per month in which visits are due."""
        m = self.model
        month = int(np.floor(m.time)) + max(1, int(after))
        m.s.inspection_due[i] = month
        if month not in self._rounds:
            self._rounds[month] = m.schedule_event(self.visit_due, at=month + 0.5)

    def visit_due(self) -> None:
        """The round at the end of a month (a scheduled Mesa event): inspect every trust
        whose routine visit falls due now, in trust order."""
        m = self.model
        month = int(np.floor(m.time))
        self._rounds.pop(month, None)
        for i in np.flatnonzero(m.s.inspection_due == month):
            self.inspect(int(i), reason="scheduled")

    def check_risk(self) -> None:
        """Monthly: bring inspections forward where reported harm, money or media
        salience signal risk (C1), biased by political pressure (C2)."""
        m = self.model
        ident = m.p.regime.identification
        if ident.risk_trigger_weight <= 0 and ident.political_pressure <= 0:
            return
        # the step has drawn this month (past the planned end too)
        if risk_triggers(m.params, m.s.trusts, m.draws.months, m.month_index):
            for i in np.flatnonzero(m.s.due):
                self.inspect(int(i), reason="risk")

    def inspect(self, i: int, reason: str) -> Finding:
        """Observe a sample of trust ``i``'s services with noise, rate them, report."""
        m, s = self.model, self.model.s
        ident = m.p.regime.identification
        t = m.month_index
        k = min(ident.services_sampled, s.quality.shape[1])
        sampled, obs = self._sampled[:k], self._observed[:k]
        n_fail_obs, n_ri, n_out, failing_true = observe(
            m.params, s.services, m.draws.services, i, t, k, sampled, obs
        )
        rating = rating_of(ident, n_fail_obs, n_ri, n_out)
        finding = Finding(
            month=t + 1,
            trust=i,
            services=tuple(sampled.tolist()),
            observed=tuple(obs.tolist()),
            failing_observed=n_fail_obs,
            rating=rating,
            failing_true=failing_true,
            truly_failing=failing_true >= ident.breadth_rule,
        )
        s.rating[i] = rating
        if s.first_rating[i] < 0:
            s.first_rating[i] = rating
        s.observed_quality[i] = obs.sum() / obs.shape[0]
        s.last_inspection[i] = t
        m.tally.inspections += 1
        m.tally.regime_cost += ident.inspection_cost
        m.log(
            i,
            f"inspected ({reason}): rated {rating.name.replace('_', ' ')}"
            + (f", {n_fail_obs} service(s) inadequate" if n_fail_obs else ""),
        )
        if reason != "review":
            self.schedule(i, ident.inspection_interval_months)
        m.oversight.respond(i, finding, reason)
        return finding


PARAMS = InspectionParams
INITIAL = None
LEVERS = {"identification": Identification}
