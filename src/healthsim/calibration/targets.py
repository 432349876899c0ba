"""The calibration targets T1-T8 and the statistics a run gives for them. No I/O.

Each target of docs/calibration.md is split into checkable statistics with a band. A
statistic passes when its mean over many runs (seeds, and parameter sets when the check
is of a posterior) lies inside the band (the record is one realisation of a noisy
history; the model should sit inside the band on average, and the spread over runs
says how far one history can stray). A few statistics are ratios of two run means
(:attr:`Target.ratio_of`): the ratio of means, not the mean of ratios, which a run with
a near-zero denominator would swamp.

The calibration scenario starts in July 2013 (the Keogh review); "year y" of the run is
its months 12y to 12y + 11 and a year-end share is the share in its last month: year 0
is roughly 2013/14, year 2 2015/16, year 3 2016/17 (the one-off fund) and year 6
2019/20.
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
    target: str  # T1..T8
    label: str  # plain-language name
    observed: str  # what the public record says
    low: float  # band, inclusive; -inf / inf when open
    high: float
    unit: str
    source: str
    #: the observed figure on the statistic's scale, as (low, high); a single figure has
    #: low == high; None when the record gives no number (drawn as a tick in figures)
    observed_range: tuple[float, float] | None = None
    #: for a ratio of two run means: the keys of (numerator, denominator) in
    #: calibration_stats(); the statistic itself is then computed by :func:`target_means`
    ratio_of: tuple[str, str] | None = None

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
        if self.unit == "times":
            return f"{self.low:g} to {self.high:g} times"
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
_SOC = "CQC, 'State of Care' 2017/18 and 2019/20"
_DRF = "Dr Foster, 'Is special measures working?', 2015; CQC/Monitor/TDA 2014"
_NRLS = "NHS England NRLS releases, May 2014 and Sep 2015"

#: What each target of docs/calibration.md is about, in plain language.
TARGET_TITLES: dict[str, str] = {
    "T1": "Time in quality special measures",
    "T2": "Stock of trusts in special measures",
    "T3": "Trusts in deficit under the squeeze",
    "T4": "Efficiency achieved against required",
    "T5": "Overall ratings of acute trusts, first full round (2014-16)",
    "T6": "Ratings after the first round",
    "T7": "What special measures did for the trusts in it",
    "T8": "Reporting culture under the 2013 regime",
}

#: observed figures on each statistic's scale (see each Target's ``observed`` text)
_N_TRUSTS = 230  # about 230 trusts in England (docs/calibration.md)
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
        "deficit_share_peak",
        "T3",
        "Peak year-end share in deficit (first 5 years)",
        "about two-thirds in 2015/16",
        0.55,
        0.80,
        "share",
        _NAO,
        (2 / 3, 2 / 3),
    ),
    Target(
        "deficit_peak_year",
        "T3",
        "Year of the peak (0 = 2013/14)",
        "2015/16 (year 2)",
        1,
        3,
        "years",
        _NAO,
        (2, 2),
    ),
    Target(
        "deficit_share_2016_17",
        "T3",
        "Share in deficit, 2016/17 (one-off fund)",
        "44% in 2016/17",
        0.30,
        0.60,
        "share",
        _NAO,
        (0.44, 0.44),
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
    Target(
        "good_share_rise",
        "T6",
        "Rise in share rated good or better",
        "core services 61% (2017) to 75% (2020)",
        0.05,
        INF,
        "share",
        _SOC,
        (0.14, 0.14),
    ),
    Target(
        "sm_harm_fall_ratio",
        "T7",
        "Entrants' harm-rate fall vs all trusts'",
        "mortality -9.5% against -3.3% (2.9 times)",
        1.5,
        5.0,
        "times",
        _DRF,
        (9.5 / 3.3, 9.5 / 3.3),
        ratio_of=("sm_entrant_harm_fall", "sm_national_harm_fall"),
    ),
    Target(
        "sm_entrants_improved",
        "T7",
        "Entrants better 12 months on",
        "significant progress at 10 of 11 in a year",
        0.70,
        1.0,
        "share",
        _DRF,
        (10 / 11, 10 / 11),
    ),
    Target(
        "reporting_change_2013_2015",
        "T8",
        "Change in share of harm reported, 2013-15",
        "incident reports up 6-9% a year",
        -0.02,
        INF,
        "share",
        _NRLS,
        None,
    ),
)

#: the statistics a run gives beyond the targets themselves (the parts of a ratio)
PARTS: dict[str, str] = {
    "sm_entrant_harm_fall": "entrants' relative fall in harm per unit of activity over "
    "the 12 months after entry",
    "sm_national_harm_fall": "all trusts' relative fall over the same 12 months",
}


def target_means(values) -> dict[str, float]:
    """Each target statistic's value over runs: the mean of the runs' values (finite
    ones), or for a ratio target the ratio of the means of its parts (NaN when the
    denominator is not positive). ``values`` maps a statistic to an array over runs."""

    def mean(key: str) -> float:
        v = np.asarray(values.get(key, []), dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else float("nan")

    out = {}
    for t in TARGETS:
        if t.ratio_of is None:
            out[t.key] = mean(t.key)
        else:
            num, den = (mean(k) for k in t.ratio_of)
            out[t.key] = num / den if np.isfinite(num) and den > 0 else float("nan")
    return out


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
    year_end = deficit[11:months:12]
    first5 = year_end[:5]
    peak_year = int(np.argmax(first5)) if first5.size else float("nan")
    peak_share = first5.max() if first5.size else float("nan")
    good_rise = _good_share_rise(mon, n, months)
    rep = mon["reporting_rate"]
    reporting = float(rep[24:36].mean() - rep[:12].mean()) if months >= 36 else float("nan")
    entrants = _entrants(rec, months)
    return {
        "sm_months_mean": float(spells.mean()) if spells.size else float("nan"),
        "sm_exit_within_12m": float(np.mean(spells <= 12)) if spells.size else float("nan"),
        "sm_stock_min": float(stock.min()),
        "sm_stock_max": float(stock.max()),
        "sm_entries_per_year": float(mon["entries"].sum() / n / (months / 12)),
        "deficit_share_start": float(deficit[0]),
        "deficit_share_peak": float(peak_share),
        "deficit_peak_year": float(peak_year),
        "deficit_share_2016_17": _at(year_end, 3),
        "aggregate_margin_worst": float(mon["margin_12m"].min()),
        "efficiency_achieved_at_4pc": float(eff[at4].mean()) if at4.any() else float("nan"),
        "rated_outstanding": share(3),
        "rated_good": share(2),
        "rated_requires_improvement": share(1),
        "rated_inadequate": share(0),
        "good_share_rise": good_rise,
        **entrants,
        "reporting_change_2013_2015": reporting,
    }


def _at(a: np.ndarray, i: int) -> float:
    return float(a[i]) if a.size > i else float("nan")


#: the end of the first round of ratings (every trust inspected once: about 2 years)
FIRST_ROUND_MONTH = 35


def _good_share_rise(mon, n: int, months: int) -> float:
    """The share of rated trusts rated good or outstanding in the last month, less
    that at the end of the first round."""
    if months <= FIRST_ROUND_MONTH + 12:
        return float("nan")
    rated = np.maximum(n - mon["unrated"], 1)
    good = (mon["rated_good"] + mon["rated_outstanding"]) / rated
    return float(good[months - 1] - good[FIRST_ROUND_MONTH])


def _entrants(rec, months: int) -> dict[str, float]:
    """T7: for every entry to special measures (the starting stock included) with 12
    months of run after it, the trust's fall in harm per unit of activity (three months
    up to entry against three months ending 12 months later) and all trusts' fall over
    the same months; and whether its true quality is higher 12 months on."""
    pt = rec.per_trust
    rung = pt["rung"][:months]
    harm = pt["harm"][:months]
    act = pt["activity"][:months]
    quality = pt["quality"][:months]
    sm = rung >= 3  # special measures or administration
    entered = np.zeros_like(sm)
    entered[0] = sm[0]
    entered[1:] = sm[1:] & ~sm[:-1]
    falls, national, improved = [], [], []
    for m, i in zip(*np.nonzero(entered[: months - 12]), strict=True):
        lo = max(0, m - 2)
        before, after = slice(lo, m + 1), slice(m + 10, m + 13)
        r0 = harm[before, i].sum() / max(act[before, i].sum(), 1e-12)
        r1 = harm[after, i].sum() / max(act[after, i].sum(), 1e-12)
        n0 = harm[before].sum() / max(act[before].sum(), 1e-12)
        n1 = harm[after].sum() / max(act[after].sum(), 1e-12)
        if r0 > 0 and n0 > 0:
            falls.append(1 - r1 / r0)
            national.append(1 - n1 / n0)
        improved.append(quality[m + 12, i] > quality[m, i])
    nan = float("nan")
    return {
        "sm_entrant_harm_fall": float(np.mean(falls)) if falls else nan,
        "sm_national_harm_fall": float(np.mean(national)) if national else nan,
        "sm_entrants_improved": float(np.mean(improved)) if improved else nan,
    }
