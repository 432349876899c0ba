"""Which defaults the calibration fits, their priors, and which are set from sources.

The fitted parameters are the ones no public figure pins down directly: mechanism
strengths (how fast quality decays, how much buddying helps, how hard pressure bites)
and the parts of the 2013 starting state and regime that the record describes only
through its consequences (T1-T5). Each has a uniform prior over a range argued below.
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


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter: its dotted key path, plain-language name and uniform prior.

    Attributes:
        key: dotted key path in a scenario (``behaviour.buddy_effectiveness``).
        label: what it is, in plain language (figures and tables).
        low, high: the uniform prior's range.
        reason: why this range (docs and the fitted file's header).
        targets: the calibration targets it mainly moves.
    """

    key: str
    label: str
    low: float
    high: float
    reason: str
    targets: str

    def value_in(self, scenario: Scenario) -> float:
        """The parameter's value in a scenario (the current default, for the base)."""
        return float(reduce(getattr, self.key.split("."), scenario))


FITTED: tuple[Parameter, ...] = (
    Parameter(
        "behaviour.baseline_deterioration",
        "Quality lost a month to ordinary wear",
        0.012,
        0.036,
        "Half to one and a half times the value that holds quality steady at its initial "
        "level with no squeeze: the steady state q* = k / (k + D) then runs from about "
        "0.57 to 0.78, i.e. from just above the inadequate bar to near outstanding.",
        "T1, T2, T5",
    ),
    Parameter(
        "behaviour.buddy_effectiveness",
        "Share of the quality gap a buddy closes a month",
        0.05,
        0.35,
        "From buddying that barely helps within the 18-month design (5% of the gap a "
        "month closes under half of it in a year) to buddying that closes most of it in "
        "a few months; no evaluation measures it (NHS Improvement 2017 is descriptive).",
        "T1, T2",
    ),
    Parameter(
        "behaviour.occupancy_harm",
        "Quality lost a month per unit of occupancy above 92%",
        0.0,
        0.25,
        "From no effect to one where occupancy 3 points above the safe threshold (the "
        "late-2010s winters) costs about a third of the baseline wear; the literature "
        "(Bagust 1999; Madsen 2014) shows harm above 85-92% but no transferable size.",
        "T2, T5",
    ),
    Parameter(
        "behaviour.understaffing_harm",
        "Quality lost a month per unit of staffing below 95% of establishment",
        0.0,
        0.20,
        "From no effect to one where the 2010s vacancy gap (5-7 points below safe "
        "staffing) costs about half the baseline wear; the nurse-staffing studies "
        "(Griffiths 2018) support a harmful direction but no size on this scale.",
        "T2, T5",
    ),
    Parameter(
        "behaviour.unsafe_cut_share",
        "Share of efficiency asked beyond safe capacity delivered by cuts",
        0.10,
        0.60,
        "Boards pushed past what they can save safely deliver some of the rest by cuts; "
        "providers achieved about 2% of 4% asked (Nuffield Trust 2016), which with a "
        "safe capacity near 2% leaves a share of the remaining 2% from 10% to 60%.",
        "T3, T4",
    ),
    Parameter(
        "initial.struggling_share",
        "Share of trusts that start out consistently struggling",
        0.05,
        0.20,
        "From the 11 of about 230 trusts put in special measures in July 2013 (5%) to "
        "about twice the Keogh review's 14 of about 160 acute trusts (9%).",
        "T2, T5",
    ),
    Parameter(
        "initial.struggling_gap",
        "How far below the others a struggling trust starts (quality)",
        0.05,
        0.30,
        "From about one trust-level spread (0.06) to nearly twice the 0.16 that would "
        "start the average struggling trust on the inadequate bar: the ratings of "
        "2014-16 (T5) place it; nothing measures it directly.",
        "T2, T5",
    ),
    Parameter(
        "regime.ladder.exit_min_quality",
        "Mean observed quality needed to leave special measures (2013 regime)",
        0.50,
        0.66,
        "From the inadequate bar itself (0.50: leave once nothing looks inadequate) to "
        "just under the good threshold (0.68); the regime's exit bar was 'requires "
        "improvement or better with confidence in leadership', which no number fixes.",
        "T1, T2",
    ),
    Parameter(
        "initial.surplus_margin_sd",
        "Spread of trusts' starting surplus margins",
        0.004,
        0.025,
        "5-10% of trusts in deficit with a mean margin of +1.5% (NAO 2014) implies a "
        "spread of about 0.9-1.2% if margins were normal; the range allows skewed "
        "margins and the model's own start-up dynamics.",
        "T3",
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
    ("squeeze.demand_growth", "3-4% a year (CALIBRATION.md)"),
    ("economy.n_economies", "42 integrated care systems (44 footprints in 2016)"),
)


def prior_bounds(params: Sequence[Parameter] = FITTED) -> tuple[np.ndarray, np.ndarray]:
    """(lows, highs) of the uniform priors as arrays."""
    return (
        np.array([p.low for p in params], dtype=float),
        np.array([p.high for p in params], dtype=float),
    )


def check_parameters(params: Sequence[Parameter], scenario: Scenario) -> None:
    """Raise ValueError if a parameter is not a number in ``scenario`` or its range is
    empty (a programming error, not user input)."""
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ValueError("fitted parameters must be distinct")
    for p in params:
        if not p.low < p.high:
            raise ValueError(f"{p.key}: prior range must have low < high")
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
