"""Per-run metrics (MODEL.md §5) and the tidy frames of a finished run. No I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthsim.metrics import calendar
from healthsim.model.history import MONTHLY, PER_TRUST

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy

#: Per-run metrics, with their meaning and unit.
SUMMARY = {
    "harm_total": "avoidable harm events over the run",
    "harm_hidden_total": "avoidable harm events never reported",
    "harm_reported_total": "avoidable harm events reported",
    "hidden_harm_share": "share of harm not reported",
    "quality_mean_final": "mean true quality in the last month",
    "quality_p10_final": "lower decile of trust quality in the last month",
    "quality_mean_run": "mean true quality over the run",
    "sm_entries": "entries to special measures",
    "sm_exits": "exits from special measures",
    "sm_relapses": "re-entries within the relapse window after an exit",
    "relapse_rate": "relapses per exit",
    "sm_months_mean": "mean length of completed special-measures spells, months",
    "sm_exit_within_12m_share": "share of completed spells that ended within 12 months",
    "sm_stock_mean": "mean share of trusts in special measures",
    "sm_trust_months": "trust-months in special measures",
    "false_positives": "entries of trusts whose true quality did not fail the breadth rule",
    "false_positive_share": "false positives per entry",
    "false_negative_months": "trust-months truly failing but not in special measures",
    "good_trusts_tipped": "entries of trusts whose true mean quality was good",
    "detection_lag_mean": "months from true failure to special measures (detected spells)",
    "political_entries": "entries a pure-quality rule would not have made",
    "political_share": "political entries per entry",
    "inspections": "inspections over the run",
    "deficit_share_peak": "highest share of trusts in deficit",
    "deficit_share_final": "share of trusts in deficit in the last month",
    "margin_worst": "worst aggregate 12-month margin (surplus over income)",
    "financial_failures": "trusts that were ever financially unsustainable",
    "surplus_total": "aggregate surplus over the run, £m",
    "efficiency_achieved_mean": "mean annual efficiency delivered",
    "board_replacements": "boards replaced over the run",
    "turnover_annual": "mean annual staff leaving rate",
    "fear_mean": "mean fear over the run",
    "openness_mean": "mean openness (reporting rate) over the run",
    "morale_final": "mean morale in the last month",
    "capability_final": "mean board capability in the last month",
    "clarity_mean": "mean accountability clarity over the run",
    "buddy_months": "trust-months spent supporting another trust as its buddy",
    "buddy_capability_lost": "board capability buddies lost while supporting",
    "buddy_quality_change": "change in buddies' own quality while buddying, per month",
    "failure_clustering": "failing pairs on flow links over the number expected by chance",
    "economy_concentration": "how concentrated true failure is in the local economies whose "
    "local system is under the most strain (the economies whose social-care shortfall kept "
    "more of their beds filled by delayed discharges than the average trust's): their share "
    "of truly failing trust-months over their share of all trust-months. 1: failure no more "
    "common there than elsewhere (also when no economy's local system is under more strain "
    "than another's); 1.5: half as much failure again as an equal spread would put there",
    "regime_cost_total": "cost of the regime over the run, £m",
    "months_on_advice": "trust-months on the advice rung",
    "months_on_warning": "trust-months under a warning or conditions",
    "months_in_administration": "trust-months in administration or merger",
    "escalations": "moves up the ladder (any rung to a higher one)",
    "de_escalations": "moves down the ladder",
    "support_months": "trust-months of improvement support received",
    "support_quality_gain": "mean monthly change in quality while supported (quality points)",
    "post_support_change": "mean change in quality in the 12 months after support ended "
    "(negative: gains fade)",
    "improvement_per_million": "quality points gained by supported trusts per £m of "
    "regime spending",
    "delayed_discharge_beds_mean": "mean beds occupied by delayed discharges",
    "occupancy_mean": "mean bed occupancy",
}


#: Per-run metrics that are NaN by definition when there was nothing to measure: no
#: completed special-measures spell, no detected failure, no month with two (or any)
#: failing trusts, no support episode that ended 12 months before the end. Every other
#: metric is always a finite number.
UNDEFINED_WHEN_EMPTY = frozenset(
    {
        "sm_months_mean",
        "sm_exit_within_12m_share",
        "detection_lag_mean",
        "failure_clustering",
        "economy_concentration",
        "post_support_change",
    }
)


def monthly_frame(model: HealthEconomy) -> pd.DataFrame:
    """Tidy monthly metrics: one row per month (``month`` 1.., ``year``, ``date``)."""
    rec = model.recorder
    n = rec.n_rows
    df = pd.DataFrame({k: rec.monthly[k][:n] for k in MONTHLY})
    months = np.arange(1, n + 1)
    df.insert(0, "month", months)
    df.insert(1, "year", (months - 1) // 12 + 1)
    df.insert(2, "financial_year", calendar.financial_year(months, model.p.start_year))
    return df


#: the columns of the trust table: quality and the regime's view of it first, then the
#: rest in the mechanisms' order (yes/no values as 0/1)
_FIRST = ("quality", "quality_worst_service", "rung", "rating")
TRUST_COLUMNS = (*_FIRST, *(k for k in PER_TRUST if k not in _FIRST))


def trust_frame(model: HealthEconomy) -> pd.DataFrame:
    """Per-trust monthly trajectories, long: one row per trust per month."""
    rec = model.recorder
    n = rec.n_rows
    st = model.structure
    t = st.n_trusts
    months = np.repeat(np.arange(1, n + 1), t)
    idx = np.tile(np.arange(t), n)
    df = pd.DataFrame(
        {
            "month": months,
            "trust": np.asarray(st.trust_ids, dtype=object)[idx],
            "label": np.asarray(st.trust_labels, dtype=object)[idx],
            "economy": np.asarray(st.economy_ids, dtype=object)[st.economy_of[idx]],
        }
    )
    for k in TRUST_COLUMNS:
        values = rec.per_trust[k][:n].reshape(-1)
        df[k] = values.astype(np.int64) if values.dtype == np.bool_ else values
    return df


def failure_clustering(
    failing: np.ndarray, flow: np.ndarray, economy: np.ndarray, strain: np.ndarray
) -> tuple[float, float]:
    """How clustered failure is in the network and in strained local economies (C8).

    Args:
        failing: (months, trusts) 0/1 true failure.
        flow: (trusts, trusts) flow weights (any nonzero entry is a link).
        economy: economy index per trust.
        strain: per trust, the strain its local system puts on it (the share of its
            beds filled by delayed discharges, averaged over the months).

    Returns:
        (join ratio, economy concentration).

        The join ratio is the share of flow links joining two failing trusts over the
        share expected if failure were scattered at random (n_f (n_f - 1) / (n (n - 1)),
        over months with two or more failing); 1 means no clustering, above 1 failure
        clusters on links; NaN when no month has two failing and one not failing.

        The economy concentration asks whether failing trusts sit in failing local
        economies: the economies whose local system is under more strain than the
        average trust's (their mean ``strain`` above the trust-weighted mean) hold what
        share of the truly failing trust-months, over their share of all trust-months
        (a location quotient). It is 1 when failure is spread evenly over strained and
        other economies, and when no economy is under more strain than another (one
        economy, or the same social care everywhere: nothing for failure to follow);
        at most the inverse of the strained economies' share of trusts; NaN when no
        trust ever fails. It is deterministic (no draws).

        Why not a pure outcome measure (the share of a failing trust's economy-mates
        that also fail, or the variance of failure between economies over a permutation
        of trusts across economies): at England scale (42 economies of about five
        trusts) which trusts fail is dominated by the trusts themselves, so a quarter of
        economies failing 1.6 times as often moves such measures by a few per cent,
        less than the spread between seeds; measured against the local system, the same
        clustering gives about 1.4.
    """
    f = np.asarray(failing, dtype=bool)
    n = f.shape[1]
    n_f = f.sum(axis=1)
    usable = (n_f > 0) & (n_f < n)
    links = np.argwhere(np.triu(flow + flow.T) > 0)
    join = float("nan")
    # chance that both ends of a link fail if n_f failures were scattered at random
    # over the trusts (drawn without replacement: not p squared)
    p_pair = n_f * (n_f - 1) / max(n * (n - 1), 1)
    months = usable & (p_pair > 0)
    if len(links) and months.any():
        both = (f[:, links[:, 0]] & f[:, links[:, 1]]).mean(axis=1)
        join = float(np.mean(both[months] / p_pair[months]))
    return join, economy_concentration(f.sum(axis=0), economy, strain)


def economy_concentration(
    failing_months: np.ndarray, economy: np.ndarray, strain: np.ndarray
) -> float:
    """Share of failing trust-months in the economies under above-average local-system
    strain, over their share of trusts (see :func:`failure_clustering`).

    Args:
        failing_months: per trust, the months it was truly failing.
        economy: economy index per trust.
        strain: per trust, its local system's strain (economies' means are compared).
    """
    x = np.asarray(failing_months, dtype=float)
    total = x.sum()
    if not total > 0:
        return float("nan")
    economy = np.asarray(economy)
    n_econ = int(economy.max()) + 1
    trusts = np.bincount(economy, minlength=n_econ)
    per_econ = np.bincount(economy, weights=np.asarray(strain, float), minlength=n_econ)
    econ_strain = per_econ / np.maximum(trusts, 1)
    mean = float(np.mean(econ_strain[economy]))
    # above the mean by more than rounding: equal strain everywhere strains no economy
    strained = econ_strain[economy] > mean + 1e-9 * max(abs(mean), 1e-12)
    if not strained.any():
        return 1.0
    return float((x[strained].sum() / total) / strained.mean())


def summarise(model: HealthEconomy) -> dict[str, float]:
    """The per-run metrics of a finished (or part-run) model."""
    rec = model.recorder
    n = max(rec.n_rows, 1)
    m = {k: v[:n] for k, v in rec.monthly.items()}
    # the per-trust columns used below, each copied out of the history's records once
    # (contiguous: the reductions below run several times faster on them)
    pt = {
        k: np.ascontiguousarray(rec.per_trust[k][:n])
        for k in ("quality", "buddy_of", "truly_failing", "rung", "support")
    }
    strain = rec.per_trust["delayed_discharge_beds"][:n].mean(axis=0) / model.s.beds
    trusts = model.structure.n_trusts
    harm = m["harm"].sum()
    hidden = m["harm_hidden"].sum()
    spells = model.completed_sm_spells
    entries = float(m["entries"].sum())
    exits = float(m["exits"].sum())
    relapses = float(m["relapses"].sum())
    fp = float(m["false_positive_entries"].sum())
    political = float(m["political_entries"].sum())
    buddy_q = _buddy_quality_change(pt["quality"], pt["buddy_of"])
    join, conc = failure_clustering(
        pt["truly_failing"], model.flow, model.structure.economy_of, strain
    )
    return {
        "harm_total": float(harm),
        "harm_hidden_total": float(hidden),
        "harm_reported_total": float(m["harm_reported"].sum()),
        "hidden_harm_share": float(hidden / harm) if harm > 0 else 0.0,
        "quality_mean_final": float(m["quality_mean"][-1]),
        "quality_p10_final": float(m["quality_p10"][-1]),
        "quality_mean_run": float(m["quality_mean"].mean()),
        "sm_entries": entries,
        "sm_exits": exits,
        "sm_relapses": relapses,
        "relapse_rate": relapses / exits if exits else 0.0,
        "sm_months_mean": float(np.mean(spells)) if spells else float("nan"),
        "sm_exit_within_12m_share": float(np.mean(np.asarray(spells) <= 12))
        if spells
        else float("nan"),
        "sm_stock_mean": float(m["in_special_measures"].mean() / trusts),
        "sm_trust_months": float(m["in_special_measures"].sum()),
        "false_positives": fp,
        "false_positive_share": fp / entries if entries else 0.0,
        "false_negative_months": float(m["false_negative_trusts"].sum()),
        "good_trusts_tipped": float(model.good_trusts_tipped),
        "detection_lag_mean": float(np.mean(model.detection_lags))
        if model.detection_lags
        else float("nan"),
        "political_entries": political,
        "political_share": political / entries if entries else 0.0,
        "inspections": float(m["inspections"].sum()),
        "deficit_share_peak": float(m["in_deficit"].max() / trusts),
        "deficit_share_final": float(m["in_deficit"][-1] / trusts),
        "margin_worst": float(m["margin_12m"].min()),
        "financial_failures": float(model.s.ever_unsustainable.sum()),
        "surplus_total": float(m["surplus"].sum()),
        "efficiency_achieved_mean": float(m["efficiency_achieved"].mean()),
        "board_replacements": float(m["board_replacements"].sum()),
        "turnover_annual": float(m["turnover"].mean() * 12),
        "fear_mean": float(m["fear"].mean()),
        "openness_mean": float(m["openness"].mean()),
        "morale_final": float(m["morale"][-1]),
        "capability_final": float(m["capability"][-1]),
        "clarity_mean": float(m["clarity"].mean()),
        "buddy_months": float(model.s.buddy_months.sum()),
        "buddy_capability_lost": float(model.s.buddy_capability_lost.sum()),
        "buddy_quality_change": buddy_q,
        "failure_clustering": join,
        "economy_concentration": conc,
        "regime_cost_total": float(m["regime_cost"].sum()),
        **_ladder_moves(pt["rung"]),
        **_support_effects(pt["quality"], pt["support"], float(m["regime_cost"].sum())),
        "delayed_discharge_beds_mean": float(m["delayed_discharge_beds"].mean()),
        "occupancy_mean": float(m["occupancy"].mean()),
    }


def _buddy_quality_change(quality: np.ndarray, buddy_of: np.ndarray) -> float:
    """Mean monthly change in quality of trusts while they act as a buddy, minus the
    mean monthly change of all trusts in the same months (buddy burden, C6)."""
    if quality.shape[0] < 2:
        return 0.0
    dq = np.diff(quality, axis=0)
    rows, cols = np.nonzero(buddy_of[:-1] >= 0)
    if rows.size == 0:
        return 0.0
    acting = np.zeros(dq.shape, dtype=bool)
    acting[rows, buddy_of[:-1][rows, cols].astype(int)] = True
    return float(dq[acting].mean() - dq.mean())


def _ladder_moves(rung: np.ndarray) -> dict[str, float]:
    """Time at each rung and moves up and down the ladder (C4)."""
    steps = np.diff(rung, axis=0)
    return {
        "months_on_advice": float((rung == 1).sum()),
        "months_on_warning": float((rung == 2).sum()),
        "months_in_administration": float((rung == 4).sum()),
        "escalations": float((steps > 0).sum()),
        "de_escalations": float((steps < 0).sum()),
    }


def _support_effects(quality: np.ndarray, support: np.ndarray, cost: float) -> dict[str, float]:
    """What support bought and whether it lasted (C6).

    Quality change while supported (month to month, supported in the earlier month),
    the change over the 12 months after each support episode ended, and quality points
    gained while supported per £m of regime spending.
    """
    on = support[:-1] > 0
    dq = np.diff(quality, axis=0)
    gain = float(dq[on].sum()) if on.any() else 0.0
    ends = np.argwhere((support[:-1] > 0) & (support[1:] == 0))
    after = [
        quality[min(r + 13, quality.shape[0] - 1), c] - quality[r + 1, c]
        for r, c in ends
        if r + 13 < quality.shape[0]
    ]
    return {
        "support_months": float((support > 0).sum()),
        "support_quality_gain": float(dq[on].mean()) if on.any() else 0.0,
        "post_support_change": float(np.mean(after)) if after else float("nan"),
        "improvement_per_million": gain / cost if cost > 0 else 0.0,
    }
