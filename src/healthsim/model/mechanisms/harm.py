"""Avoidable harm and how much of it is reported (step phase 4; C5).

Every admission to a service carries a risk of avoidable harm that rises steeply as the
service's true quality falls. Staff report a share of it, the trust's openness
(`culture`), which fear and low morale lower. Harm that is not reported is hidden: the
regime's risk check cannot see it (`inspection`) and the board cannot learn from it
(`culture`).

```
harm_rate(q)    = harm_rate_at_reference × g^harm_convexity,    g = (1 − q) / (1 − quality_reference)
admissions_i    = treated_i × admissions_per_bed_month / S                  (to each service line)
harm_i          = admissions_i × Σ_s harm_rate(q_is)
reported_i      = harm_i × openness_i;      harm_hidden_i = harm_i − reported_i
reported_rate_i = reported_i / (admissions_i × S)                           (read by the risk check)
```

With `harm_convexity = 2`, a service at quality 0.3 harms about four times as often as
one at the reference 0.66. Quality and openness are last month's. About 3–4% of
admissions see an adverse event, about half avoidable (de Vries et al. 2008) **[S]**;
admissions per bed (length of stay about 5 days) **[S]/[A]**; the convex form **[A]**.
"""

from __future__ import annotations

from numba import njit

from healthsim.model.mechanisms._common import TINY
from healthsim.model.parameters import Section, param, uniform
from healthsim.model.variables import trust_var

TITLE = "Harm and reporting"
CLAIMS = ("C5",)


class HarmParams(Section):
    """How avoidable harm follows quality."""

    harm_rate_at_reference: float = param(
        0.015,
        ge=0,
        le=1,
        unit="events per admission",
        doc="Avoidable harm events per admission at the reference quality.",
        source="de Vries et al. 2008: about 3-4% of admissions see an adverse event, about "
        "half of them avoidable.",
        prior=uniform(0.01, 0.02),
    )
    quality_reference: float = param(
        0.66,
        ge=0.05,
        le=0.95,
        unit="0-1",
        doc="Quality at which the harm rate is harm_rate_at_reference (and morale is "
        "neither raised nor lowered by the quality of care, `workforce`).",
        source="the mean starting quality (initial.quality_mean): harm rates are anchored "
        "to the system as it was in 2013.",
    )
    harm_convexity: float = param(
        2.0,
        ge=0,
        le=6,
        unit="exponent",
        doc="How steeply harm rises as quality falls: the power of the quality gap.",
        source="assumption: harm rises faster than the quality gap (poor services fail in "
        "several ways at once); 1 would make it proportional.",
        neutral=0.0,
        prior=uniform(1.0, 3.0),
    )


VARS = (
    trust_var("harm", "float", "events", "avoidable harm events", record="harm"),
    trust_var(
        "harm_hidden", "float", "events", "unreported avoidable harm events", record="harm_hidden"
    ),
    trust_var("reported", "float", "events", "avoidable harm events reported"),
    trust_var("reported_rate", "float", "events per admission", "reported harm per admission"),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    return {
        "harm_rate_at_reference": b.harm_rate_at_reference,
        "quality_reference": b.quality_reference,
        "harm_convexity": b.harm_convexity,
    }


@njit(cache=True)
def rate(p, quality):  # pragma: no cover - compiled
    """Avoidable harm events per admission at a service's true quality."""
    gap = (1.0 - quality) / (1.0 - p.quality_reference)
    if p.harm_convexity == 2.0:  # the usual (quadratic) case, without a power call
        return p.harm_rate_at_reference * gap * gap
    return p.harm_rate_at_reference * gap**p.harm_convexity


@njit(cache=True)
def events(p, sv, i, admissions):  # pragma: no cover - compiled
    """Avoidable harm events in trust ``i`` this month: ``admissions`` to each of its
    services (``sv``: every trust's service records, with their ``quality``)."""
    total = 0.0
    for s in range(sv.shape[1]):
        total += rate(p, sv[i, s].quality)
    return total * admissions


@njit(cache=True)
def reported_per_admission(reported, admissions, n_services):  # pragma: no cover
    """Reported harm per admission (the risk signal)."""
    return reported / (admissions * n_services + TINY)


@njit(cache=True)
def rates(params, quality, out):  # pragma: no cover - compiled
    """``rate`` of every service of every trust (quality: trusts x services)."""
    p = params[0]
    for i in range(quality.shape[0]):
        for j in range(quality.shape[1]):
            out[i, j] = rate(p, quality[i, j])
    return out


PARAMS = HarmParams
INITIAL = None
LEVERS: dict = {}
