"""Which defaults the calibration fits, and which are set from sources.

The fitted parameters are the ones no public figure pins down directly: mechanism
strengths (how fast quality decays, how much buddying helps, how hard pressure bites,
how much fear the regime spreads) and the parts of the 2013 starting state that the
record describes only through its consequences (T1-T8). Each one's prior is declared
next to the parameter in its mechanism module, with its reasoning.
Everything else is set from a source and documented in its schema field
(``docs/scenario-reference.md``); :data:`SET_FROM_SOURCES` lists the ones that matter
most for the targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from healthsim.config import Scenario
from healthsim.model.mechanisms import uncertain_parameters
from healthsim.model.parameters import Prior


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter: its dotted key path, plain-language name and the targets it
    mainly moves. Its prior and the reasoning behind it are the schema's (declared next
    to the parameter in its mechanism module).

    Attributes:
        key: dotted key path in a scenario (``behaviour.buddy_effectiveness``).
        label: what it is, in plain language (figures and tables).
        targets: the calibration targets it mainly moves.
    """

    key: str
    label: str
    targets: str

    @property
    def prior(self) -> Prior:
        try:
            return uncertain_parameters()[self.key][0]
        except KeyError:
            raise ValueError(f"{self.key} is not an uncertain parameter with a prior") from None

    @property
    def low(self) -> float:
        return self.prior.low

    @property
    def high(self) -> float:
        return self.prior.high

    @property
    def reason(self) -> str:
        """Where the prior comes from (the declaration's source)."""
        section, name = self.key.split(".")
        from healthsim.config.schema import Behaviour, Initial
        from healthsim.model.parameters import meta

        cls = {"behaviour": Behaviour, "initial": Initial}[section]
        declared = meta(cls.model_fields[name])
        return declared.source if declared is not None else ""

    def value_in(self, scenario: Scenario) -> float:
        """The parameter's value in a scenario (the current default, for the base)."""
        return float(reduce(getattr, self.key.split("."), scenario))

    def from_unit(self, u: float) -> float:
        """The value at quantile ``u`` of the prior."""
        return self.prior.ppf(u)

    def to_unit(self, x: float) -> float:
        """The prior's quantile of the value ``x``."""
        return self.prior.cdf(x)


def _p(key: str, label: str, targets: str) -> Parameter:
    return Parameter(key, label, targets)


#: What the fit varies: the mechanism strengths and starting conditions that no public
#: figure pins down directly but the record constrains through its consequences
#: (T1-T8), including every strength of the regime's two-sided mechanisms that T7 and
#: T8 bear on. Every other uncertain parameter stays at its default in the posterior
#: (``healthsim compare --parameters prior`` varies them all).
FITTED: tuple[Parameter, ...] = (
    _p(
        "behaviour.baseline_deterioration",
        "Quality lost a month to ordinary wear",
        "T1, T2, T5, T6",
    ),
    _p("behaviour.capability_learning", "Capability a board gains a month with experience", "T6"),
    _p("behaviour.capability_decay", "Capability a board loses a month to turnover", "T2, T6"),
    _p("behaviour.shock_rate", "Monthly chance of a local incident at a service", "T2, T5"),
    _p("behaviour.shock_size", "Quality lost in a local incident", "T2, T5"),
    _p(
        "behaviour.occupancy_harm",
        "Quality lost per unit of occupancy above the threshold",
        "T2, T5",
    ),
    _p("behaviour.understaffing_harm", "Quality lost per unit of staffing below safe", "T2, T5"),
    _p("behaviour.cuts_harm", "Quality lost per unit of cuts beyond the frontier", "T3, T6"),
    _p(
        "behaviour.unsafe_cut_share",
        "Share of efficiency beyond safe capacity delivered by cuts",
        "T3, T4",
    ),
    _p("behaviour.efficiency_slack_sd", "Spread across trusts of what they can save safely", "T3"),
    _p("behaviour.deficit_push", "Extra efficiency asked of a trust per unit of deficit", "T3, T4"),
    _p("initial.surplus_margin_sd", "Spread of trusts' starting surplus margins", "T3"),
    _p(
        "initial.struggling_share",
        "Share of trusts that start out consistently struggling",
        "T2, T5",
    ),
    _p("initial.struggling_gap", "How far below the others a struggling trust starts", "T2, T5"),
    _p("behaviour.rating_response", "Extra improvement effort after a rating below good", "T6, T7"),
    _p("behaviour.inspection_burden", "Board capability taken by an inspection", "T6"),
    _p(
        "behaviour.buddy_effectiveness", "Share of the quality gap a buddy closes a month", "T1, T7"
    ),
    _p(
        "behaviour.director_capacity",
        "Share of the capability gap an improvement director fills",
        "T1, T7",
    ),
    _p(
        "behaviour.powers_capacity", "Share of the capability gap each body with powers fills", "T7"
    ),
    _p("behaviour.fear_culture", "Fear felt everywhere in proportion to the regime's blame", "T8"),
    _p("behaviour.fear_from_naming", "Fear in a trust publicly named", "T7, T8"),
    _p("behaviour.fear_toxicity", "Share of openness (harm reported) lost at full fear", "T8"),
    _p("behaviour.blame_deterrence", "Extra improvement effort from blame pressure", "T7"),
    _p("behaviour.naming_deterrence", "Extra improvement effort of trusts not yet named", "T6, T8"),
    _p(
        "behaviour.general_deterrence",
        "Share of blame pressure felt by trusts not on the ladder",
        "T6",
    ),
)

#: Defaults that bear on the targets but are set from a source, not fitted (key, source).
SET_FROM_SOURCES: tuple[tuple[str, str], ...] = (
    ("initial.special_measures_share", "11 of about 230 trusts in July 2013 (T2)"),
    ("initial.surplus_margin", "aggregate +£0.6bn on about £76bn in 2012/13 (NAO 2014)"),
    ("initial.staffing_ratio", "nursing vacancy rates of about 6-8% in 2013-14 (NHSI)"),
    ("initial.quality_mean", "placed with the inspection bands for T5 (CQC 2014-16)"),
    ("behaviour.efficiency_capacity", "about 2% a year achieved safely (Nuffield Trust 2016)"),
    ("behaviour.occupancy_threshold", "85-92% safe occupancy (Bagust et al. 1999)"),
    ("regime.ladder.review_months", "designed for 12 months plus 6 (HSJ 2017)"),
    ("regime.identification.inspection_interval_months", "every acute trust in ~2 years"),
    ("squeeze.real_funding_growth", "about 1% a year real in the 2010s (King's Fund)"),
    ("squeeze.tariff_efficiency", "4% to 2014/15, then 2% (Monitor / NHS England tariffs)"),
    ("squeeze.demand_growth", "3-4% a year (docs/calibration.md)"),
    ("economy.n_economies", "42 integrated care systems (44 footprints in 2016)"),
)


def check_parameters(params: Sequence[Parameter], scenario: Scenario) -> None:
    """Raise ValueError if a parameter is not a number in ``scenario`` or its range is
    empty (a programming error, not user input)."""
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ValueError("fitted parameters must be distinct")
    for p in params:
        p.prior  # noqa: B018 - raises for a parameter without a prior
        try:
            value: Any = reduce(getattr, p.key.split("."), scenario)
        except AttributeError:
            raise ValueError(f"{p.key} is not a scenario value") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{p.key} is not a number")


def round_value(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant figures (what fitted values are written with)."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    return float(f"{x:.{digits}g}")
