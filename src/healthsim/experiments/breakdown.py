"""The "why": each scenario's difference from the baseline, broken down by mechanism.

Three parts, each a set of paired differences (scenario minus baseline, replicate by
replicate, so both sides saw the same shocks):

1. **Where the harm difference happened** (exact accounting): a run's avoidable harm
   is split by the state each trust was in that month (in special measures; failing
   but not yet in special measures; on advice or a warning; recently out of special
   measures; acting as a buddy; anything else), and separately into reported and
   hidden harm. The parts add up to the total difference.
2. **Where the money difference came from** (exact accounting): trusts' income, trusts'
   spending and the regime's own spending add up to the difference in the net
   position (trusts' surplus less regime spending). Litigation for harm is shown as an
   estimated part of spending.
3. **Mechanism channels**: paired differences in the metrics each mechanism of the
   model moves (fear and openness, board churn, staff turnover, relapse after exit,
   buddy burden, false positives and negatives, accountability, finance).

The harm difference is also split (Kitagawa's symmetric decomposition, run by run) into
a *composition* part (trusts spent their months in different states, e.g. fewer months
in special measures) and a *rate* part (a trust-month in the same state did more or less
harm, e.g. better care at trusts under no regulatory action).

This is accounting, not causal attribution: it shows where and through which
mechanisms the outcomes differed, not how much of the difference each mechanism
caused (mechanisms interact; switching one off changes the others).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Parts of avoidable harm by the trust's state; they add up to ``harm_total``.
HARM_WHERE = (
    "harm_at_special_measures",
    "harm_at_missed_failure",
    "harm_at_lighter_action",
    "harm_after_exit",
    "harm_at_buddies",
    "harm_elsewhere",
)
#: Trust-months spent in each of those states (same order).
MONTHS_WHERE = tuple(m.replace("harm_", "months_", 1) for m in HARM_WHERE)
#: Parts of the breakdown that split each state's harm difference in two: the time
#: trusts spent in the state, and the harm a trust-month there did.
TIME_PART = "harm: time in each state"
RATE_PART = "harm: harm a month in each state"
#: Reported and hidden harm; they add up to ``harm_total``.
HARM_KIND = ("harm_reported_total", "harm_hidden_total")
#: Parts of the net position with their sign: income - spending - regime spending.
MONEY = (("income_total", 1), ("spending_total", -1), ("regime_cost_total", -1))


@dataclass(frozen=True, slots=True)
class Channel:
    """A mechanism of the model and the metrics that show it working.

    Attributes:
        key: short id.
        title: the mechanism, in words.
        metrics: per-run metrics that move when it works.
        how: one sentence on how it works in the model.
    """

    key: str
    title: str
    metrics: tuple[str, ...]
    how: str


CHANNELS = (
    Channel(
        "hidden_harm",
        "Hidden versus reported harm",
        ("harm_hidden_total", "harm_reported_total", "openness_mean", "fear_mean"),
        "Blame raises fear; fear lowers openness, so less harm is reported and less is "
        "learned from it, which slows improvement.",
    ),
    Channel(
        "board_churn",
        "Board churn",
        ("board_replacements", "capability_final"),
        "Replacing a board resets its capability and disrupts the trust for a while; "
        "fear also drives leaders out.",
    ),
    Channel(
        "staff",
        "Staff turnover",
        ("turnover_annual", "morale_final"),
        "Fear and low morale raise the share of staff leaving; vacancies cost agency "
        "premiums and lower quality.",
    ),
    Channel(
        "relapse",
        "Relapse after exit",
        ("sm_relapses", "harm_after_exit"),
        "Trusts that leave special measures without their underlying problems fixed "
        "fail again within the relapse window.",
    ),
    Channel(
        "buddy",
        "Buddy burden",
        ("buddy_months", "buddy_capability_lost", "harm_at_buddies"),
        "A buddy trust's board spends its own capability helping another trust.",
    ),
    Channel(
        "detection",
        "False positives and false negatives",
        ("false_positives", "false_negative_months", "detection_lag_mean"),
        "Noisy inspection puts some trusts that are not failing into special measures "
        "and misses some that are.",
    ),
    Channel(
        "accountability",
        "Accountability",
        ("clarity_mean",),
        "Each outside body holding powers over a trust blurs accountability, which slows "
        "decisions and improvement.",
    ),
    Channel(
        "finance",
        "Finance",
        (
            "regime_cost_total",
            "litigation_cost",
            "deficit_trust_months",
            "financial_failures",
            "net_position",
        ),
        "The regime's own spending, litigation for harm, and deficits under the squeeze.",
    ),
)


def composition_and_rate_by_state(
    months_base: np.ndarray, harm_base: np.ndarray, months_scen: np.ndarray, harm_scen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`composition_and_rate` state by state: (composition, rate), each (runs,
    states), the two parts of each state's harm difference in each run."""
    mb, hb, ms, hs = (
        np.asarray(a, dtype=float) for a in (months_base, harm_base, months_scen, harm_scen)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rb = np.where(mb > 0, hb / mb, np.nan)
        rs = np.where(ms > 0, hs / ms, np.nan)
    rb = np.where(np.isnan(rb), rs, rb)
    rs = np.where(np.isnan(rs), rb, rs)
    rb = np.nan_to_num(rb)
    rs = np.nan_to_num(rs)
    return (ms - mb) * (rb + rs) / 2, (rs - rb) * (mb + ms) / 2


def composition_and_rate(
    months_base: np.ndarray, harm_base: np.ndarray, months_scen: np.ndarray, harm_scen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split each run's harm difference into composition and rate parts.

    Args:
        months_base, harm_base, months_scen, harm_scen: (runs, states) trust-months and
            harm in each state (:data:`MONTHS_WHERE`, :data:`HARM_WHERE`), baseline and
            scenario, paired run by run.

    Returns:
        (composition, rate), one value per run, adding up to the run's harm difference:
        composition = sum over states of (change in months) x (mean of the two harm
        rates per trust-month); rate = sum of (change in rate) x (mean of the two month
        counts). Where a state was not visited by one side, its rate is taken from the
        other (so that state's whole difference counts as composition).
    """
    comp, rate = composition_and_rate_by_state(months_base, harm_base, months_scen, harm_scen)
    return comp.sum(axis=-1), rate.sum(axis=-1)
