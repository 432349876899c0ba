"""The calibration targets T1-T5 and the statistics a run gives for them. No I/O.

Each target of CALIBRATION.md is split into checkable statistics with a band. A
statistic passes when its mean over many seeds lies inside the band (the record is one
realisation of a noisy history; the model should sit inside the band on average, and
the spread over seeds says how far one history can stray).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy


@dataclass(frozen=True)
class Target:
    """One checkable statistic of a calibration target."""

    key: str  # statistic name in calibration_stats()
    target: str  # T1..T5
    label: str  # plain-language name
    observed: str  # what the public record says
    low: float  # band, inclusive; -inf / inf when open
    high: float
    unit: str
    source: str
    #: the observed figure on the statistic's scale, as (low, high); a single figure has
    #: low == high; None when the record gives no number (drawn as a tick in figures)
    observed_range: tuple[float, float] | None = None

    @property
    def width(self) -> float:
        """Width of the band (infinite when the band is open on one side)."""
        return self.high - self.low

    @property
    def centre(self) -> float:
        """Middle of the band (NaN when the band is open on one side)."""
        return (self.low + self.high) / 2 if np.isfinite(self.width) else float("nan")

    def passes(self, value: float) -> bool:
        return bool(np.isfinite(value) and self.low <= value <= self.high)

    @property
    def band(self) -> str:
        if np.isinf(self.low):
            return f"below {_fmt(self.high, self.unit)}"
        if np.isinf(self.high):
            return f"above {_fmt(self.low, self.unit)}"
        if self.unit == "share":
            return f"{_fmt(self.low, self.unit)} to {_fmt(self.high, self.unit)}"
        return f"{self.low:g} to {self.high:g} {self.unit}"


def _fmt(x: float, unit: str) -> str:
    if unit == "share":
        return f"{x:.0%}" if round(x * 100, 6) == round(x * 100) else f"{x:.1%}"
    return f"{x:g} {unit}"


INF = float("inf")
_HSJ = "HSJ analysis May 2017; NHS Providers, 'A journey through special measures', 2017"
_NHSP = "NHS Providers 2018; NHS Improvement, 'Learning from improvement', Nov 2017"
_NAO = "NAO 2014 and Nov 2016; King's Fund, 'Trusts in deficit'"
_NUF = "Nuffield Trust, 'Feeling the crunch', 2016"
_CQC = "CQC board papers via National Health Executive, Apr 2016"

#: What each target of CALIBRATION.md is about, in plain language.
TARGET_TITLES: dict[str, str] = {
    "T1": "Time in quality special measures",
    "T2": "Stock of trusts in special measures",
    "T3": "Trusts in deficit under the squeeze",
    "T4": "Efficiency achieved against required",
    "T5": "Overall ratings of acute trusts, first full round (2014-16)",
}

#: observed figures on each statistic's scale (see each Target's ``observed`` text)
_N_TRUSTS = 230  # about 230 trusts in England (CALIBRATION.md)
_ENTRY_YEARS = 52 / 12  # July 2013 to November 2017

TARGETS: tuple[Target, ...] = (
    Target(
        "sm_months_mean",
        "T1",
        "Mean time in special measures",
        "20.5-24 months (design: 12 + 6)",
        16,
        28,
        "months",
        _HSJ,
        (20.5, 24.0),
    ),
    Target(
        "sm_exit_within_12m",
        "T1",
        "Exits within 12 months",
        "5 of 27 exits within a year",
        0,
        0.25,
        "share",
        _HSJ,
        (5 / 27, 5 / 27),
    ),
    Target(
        "sm_stock_min",
        "T2",
        "Lowest share of trusts in special measures",
        "11 of about 230 in July 2013",
        0.03,
        0.12,
        "share",
        _NHSP,
        (11 / _N_TRUSTS, 11 / _N_TRUSTS),
    ),
    Target(
        "sm_stock_max",
        "T2",
        "Highest share of trusts in special measures",
        "about 20 of about 230 in mid-2018",
        0.03,
        0.12,
        "share",
        _NHSP,
        (20 / _N_TRUSTS, 20 / _N_TRUSTS),
    ),
    Target(
        "sm_entries_per_year",
        "T2",
        "Entries a year, share of trusts",
        "37 entries by Nov 2017 of about 230 trusts",
        0.02,
        0.04,
        "share",
        _NHSP,
        (37 / _N_TRUSTS / _ENTRY_YEARS, 37 / _N_TRUSTS / _ENTRY_YEARS),
    ),
    Target(
        "deficit_share_start",
        "T3",
        "Trusts in deficit at the start",
        "5-10% in 2010/11-2012/13",
        0,
        0.15,
        "share",
        _NAO,
        (0.05, 0.10),
    ),
    Target(
        "deficit_share_year4",
        "T3",
        "Peak share in deficit within four years",
        "about two-thirds in 2015/16",
        0.5,
        1.0,
        "share",
        _NAO,
        (2 / 3, 2 / 3),
    ),
    Target(
        "aggregate_margin_worst",
        "T3",
        "Worst aggregate deficit, share of income",
        "about -£2.45bn on about £76bn (-3.2%)",
        -0.05,
        -0.01,
        "share",
        _NAO,
        (-2.45 / 76, -2.45 / 76),
    ),
    Target(
        "efficiency_achieved_at_4pc",
        "T4",
        "Efficiency achieved when 4% is asked",
        "about 2% a year",
        0.015,
        0.03,
        "share",
        _NUF,
        (0.02, 0.02),
    ),
    Target(
        "rated_outstanding",
        "T5",
        "First round: rated outstanding",
        "2%",
        0,
        0.08,
        "share",
        _CQC,
        (0.02, 0.02),
    ),
    Target(
        "rated_good",
        "T5",
        "First round: rated good",
        "20%",
        0.10,
        0.35,
        "share",
        _CQC,
        (0.20, 0.20),
    ),
    Target(
        "rated_requires_improvement",
        "T5",
        "First round: rated requires improvement",
        "68%",
        0.50,
        0.80,
        "share",
        _CQC,
        (0.68, 0.68),
    ),
    Target(
        "rated_inadequate",
        "T5",
        "First round: rated inadequate",
        "10%",
        0.05,
        0.15,
        "share",
        _CQC,
        (0.10, 0.10),
    ),
)


def calibration_stats(model: HealthEconomy) -> dict[str, float]:
    """The calibration statistics of a finished run.

    Spells of special measures still open at the end are not counted in the mean time
    (as in the published analyses, which counted exits). The first round of ratings is
    each trust's first inspection of the run (about two years for every trust).
    """
    rec = model.recorder
    mon = rec.monthly
    n = model.s.n
    spells = np.asarray(model.completed_sm_spells, dtype=float)
    stock = mon["in_special_measures"] / n
    deficit = mon["in_deficit"] / n
    eff = mon["efficiency_achieved"]
    asked = mon["efficiency_required"]
    at4 = asked >= 0.035
    first = model.s.first_rating
    rated = first[first >= 0]
    share = (lambda k: float(np.mean(rated == k))) if rated.size else (lambda k: float("nan"))
    months = rec.n_rows
    return {
        "sm_months_mean": float(spells.mean()) if spells.size else float("nan"),
        "sm_exit_within_12m": float(np.mean(spells <= 12)) if spells.size else float("nan"),
        "sm_stock_min": float(stock.min()),
        "sm_stock_max": float(stock.max()),
        "sm_entries_per_year": float(mon["entries"].sum() / n / (months / 12)),
        "deficit_share_start": float(deficit[0]),
        # the band: rises to over half within four years of the squeeze starting
        "deficit_share_year4": float(deficit[: min(48, months)].max()),
        "aggregate_margin_worst": float(mon["margin_12m"].min()),
        "efficiency_achieved_at_4pc": float(eff[at4].mean()) if at4.any() else float("nan"),
        "rated_outstanding": share(3),
        "rated_good": share(2),
        "rated_requires_improvement": share(1),
        "rated_inadequate": share(0),
    }
