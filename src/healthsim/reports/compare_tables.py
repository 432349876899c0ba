"""The tables of a comparison's report, as blocks: key results, paired differences, how
often each scenario is best, the worst futures and the mechanism breakdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from healthsim.experiments.breakdown import CHANNELS, RATE_PART, TIME_PART
from healthsim.experiments.outcomes import outcome, relative_text

if TYPE_CHECKING:
    from healthsim.experiments.compare import ComparisonResult
from healthsim.reports.blocks import Block


def _interval(o, lo: float, hi: float, *, signed: bool = False, points: bool = False) -> str:
    """'a to b' in the metric's format; ``points`` drops the % of shares (differences of
    shares are percentage points)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    a, b = o.format(lo, signed=signed), o.format(hi, signed=signed)
    if points and o.percent:
        a, b = a.rstrip("%"), b.rstrip("%")
    return f"{a} to {b}"


def _signed_bounds(r, sign: int) -> tuple[float, float]:
    """The interval of ``sign`` times a difference, low end first."""
    a, b = sign * r["ci_low"], sign * r["ci_high"]
    return (a, b) if a <= b else (b, a)


def _signed_points(o, v: float) -> str:
    """A signed difference; shares in percentage points ('-2.39 pts')."""
    text = o.format(v, signed=True)
    return text.rstrip("%") + " pts" if o.percent else text


def better_words(better: str) -> str:
    return {"lower": "lower", "higher": "higher"}.get(better, "—")


def key_results_table(result: ComparisonResult) -> Block:
    spec = result.spec
    st = result.stats.set_index(["scenario", "metric"])
    header = ["Outcome", "Unit", "Better"] + [
        f"{n} (baseline)" if n == spec.baseline_name and len(spec.names) > 1 else n
        for n in spec.names
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        row = [o.label, o.unit_shown, better_words(o.better)]
        for n in spec.names:
            r = st.loc[(n, m)]
            row.append(
                f"**{o.format(r['mean'])}** ({_interval(o, r['ci_low'], r['ci_high'])})"
                if r["n"]
                else "n/a"
            )
        rows.append(row)
    return Block(
        "table",
        header=header,
        rows=rows,
        align="lll" + "r" * len(spec.names),
        text="Mean over the simulated futures, with its 95% interval in brackets. "
        "Percentages are shares (e.g. of trusts or of staff).",
    )


def differences_table(result: ComparisonResult) -> Block:
    spec = result.spec
    d = result.differences.set_index(["scenario", "metric"])
    others = [n for n in spec.names if n != spec.baseline_name]
    header = [
        "Outcome",
        "Scenario",
        "Difference (95% interval)",
        "Relative",
        "Better in",
        "Verdict",
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        for n in others:
            r = d.loc[(n, m)]
            rel = "—"
            if np.isfinite(r["relative"]) and o.relative_meaningful and r["baseline_mean"] > 0:
                rel = relative_text(float(r["relative"]))
            better = (
                "—" if not np.isfinite(r["share_better"]) else f"{r['share_better'] * 100:.0f}%"
            )
            verdict = {1: "better", -1: "worse", 0: "no clear difference"}[int(r["verdict"])]
            if o.better == "neither":
                verdict = "—"
            rows.append(
                [
                    o.label,
                    n,
                    f"**{_signed_points(o, r['diff'])}** "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True, points=True)})",
                    rel,
                    better,
                    verdict,
                ]
            )
    return Block(
        "table",
        header=header,
        rows=rows,
        align="llrrrl",
        text=f"Scenario minus {spec.baseline_name}, future by future (same seeds), averaged. "
        "'Better in' is the share of paired futures in which the scenario did better than "
        f"{spec.baseline_name}; 'pts' are percentage points. Verdict: whether the 95% "
        "interval lies wholly on the better or the worse side. Each interval is for one "
        "comparison on its own: among many outcomes, a few will look clear by chance.",
    )


def best_table(result: ComparisonResult) -> Block:
    spec = result.spec
    pb = result.probability_best
    header = ["Outcome", "Better", *spec.names, "Ties", "Best on average (confidence)"]
    rows = []
    for m in spec.metrics:
        sub = pb[pb["metric"] == m].set_index("scenario")
        if sub.empty:
            continue
        o = outcome(m)
        row = [o.label, better_words(o.better)]
        row += [f"{sub.at[n, 'p_best_run'] * 100:.0f}%" for n in spec.names]
        row.append(f"{sub['p_tie'].iloc[0] * 100:.0f}%")
        pm = sub["p_best_mean"]
        tops = [n for n in spec.names if pm[n] >= pm.max() - 1e-9]
        if len(tops) == len(spec.names):
            row.append("all tied")
        elif len(tops) > 1:
            row.append(f"{' and '.join(tops)} tied ({pm[tops[0]] * 100:.0f}% each)")
        else:
            row.append(f"{tops[0]} ({pm[tops[0]] * 100:.0f}%)")
        rows.append(row)
    return Block(
        "table",
        header=header,
        rows=rows,
        align="ll" + "r" * len(spec.names) + "rl",
        text="Share of simulated futures in which each scenario did best (ties shared "
        "equally; 'Ties' is the share of futures where the best value was shared). "
        "Confidence: share of 2,000 bootstrap resamples of the futures in which that "
        "scenario had the best average.",
    )


def worst_table(result: ComparisonResult) -> Block:
    spec = result.spec
    st = result.stats.set_index(["scenario", "metric"])
    header = [
        "Outcome",
        "Scenario",
        "Median",
        "Middle 50%",
        "Middle 90%",
        "SD",
        "Worst 10% average",
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        for n in spec.names:
            r = st.loc[(n, m)]
            rows.append(
                [
                    o.label,
                    n,
                    o.format(r["median"]),
                    _interval(o, r["p25"], r["p75"]),
                    _interval(o, r["p5"], r["p95"]),
                    o.format(r["sd"]),
                    f"**{o.format(r['worst_decile_mean'])}**"
                    if np.isfinite(r["worst_decile_mean"])
                    else "—",
                ]
            )
    return Block(
        "table",
        header=header,
        rows=rows,
        align="llrrrrr",
        text="Spread across simulated futures. The worst 10% average is the mean of the "
        "tenth of futures with the worst value (highest where lower is better, lowest "
        "where higher is better).",
    )


def _state_table(result: ComparisonResult, name: str) -> Block | None:
    """State by state, the harm difference split into the time trusts spent there and
    the harm a trust-month there did (the two parts add up to the state's difference,
    and the states to the total)."""
    b = result.breakdown
    sub = b[b["scenario"] == name]
    time = sub[sub["part"] == TIME_PART].set_index("metric")
    rate = sub[sub["part"] == RATE_PART].set_index("metric")
    if time.empty or rate.empty:
        return None
    base = result.spec.baseline_name
    o = outcome("harm_total")

    def part(r) -> str:
        return (
            f"{o.format(r['contribution'], signed=True)} "
            f"({_interval(o, r['ci_low'], r['ci_high'], signed=True)})"
        )

    rows = []
    for m in time.index:
        t, r = time.loc[m], rate.loc[m]
        rows.append(
            [
                outcome(m).label,
                f"{t['baseline_mean']:,.0f} → {t['scenario_mean']:,.0f}",
                part(t),
                " → ".join(
                    f"{v:.2f}" if np.isfinite(v) else "—"
                    for v in (float(r["baseline_mean"]), float(r["scenario_mean"]))
                ),
                part(r),
                o.format(float(t["contribution"]) + float(r["contribution"]), signed=True),
            ]
        )
    tt, rt = float(time["contribution"].sum()), float(rate["contribution"].sum())
    rows.append(
        [
            "**All avoidable harm**",
            "",
            f"**{o.format(tt, signed=True)}**",
            "",
            f"**{o.format(rt, signed=True)}**",
            f"**{o.format(tt + rt, signed=True)}**",
        ]
    )
    return Block(
        "table",
        header=[
            "State",
            f"Trust-months a future, {base} → {name}",
            "Part from time there (95% interval)",
            "Harm a trust-month there",
            "Part from harm a month (95% interval)",
            "Difference",
        ],
        rows=rows,
        align="lrrrrr",
        text="Why harm differed, state by state: the part that comes from trusts spending "
        "more or less time in each state (at the average harm a trust-month there of the "
        "two scenarios), and the part that comes from a trust-month in that state doing "
        "more or less harm (at the average time there of the two; Kitagawa's "
        "decomposition, future by future). Time that only moves between states largely "
        "cancels out across the column; the harm-a-month column is how trusts fared. The "
        "parts add up to each state's difference and the states to the total.",
    )


def breakdown_tables(result: ComparisonResult, name: str) -> list[Block]:
    b = result.breakdown
    sub = b[b["scenario"] == name]
    blocks: list[Block] = []
    base = result.spec.baseline_name

    means = result.stats.set_index(["scenario", "metric"])["mean"]

    def months(metric: str) -> list[str]:
        """Trust-months in the state of a harm part, baseline then scenario."""
        m = metric.replace("harm_", "months_", 1)
        if (base, m) not in means.index:
            return ["—", "—"]
        return [f"{means[(base, m)]:,.0f}", f"{means[(name, m)]:,.0f}"]

    def table(part: str, caption: str, total_metric: str, total_label: str) -> Block:
        with_months = part == "harm: where it happened"
        rows = []
        s = sub[sub["part"] == part]
        for _, r in s.iterrows():
            o = outcome(r["metric"])
            share = r["share_of_total"]
            sign = int(r["sign"])
            rows.append(
                [
                    o.label,
                    *(months(r["metric"]) if with_months else []),
                    o.format(r["baseline_mean"]) if np.isfinite(r["baseline_mean"]) else "—",
                    o.format(r["scenario_mean"]) if np.isfinite(r["scenario_mean"]) else "—",
                    f"{o.format(r['contribution'], signed=True)} "
                    f"({_interval(o, *_signed_bounds(r, sign), signed=True)})",
                    f"{share * 100:.0f}%" if np.isfinite(share) else "—",
                ]
            )
        d = result.differences
        t = d[(d["scenario"] == name) & (d["metric"] == total_metric)]
        if not t.empty:
            r = t.iloc[0]
            o = outcome(total_metric)
            rows.append(
                [
                    f"**{total_label}**",
                    *(["", ""] if with_months else []),
                    f"**{o.format(r['baseline_mean'])}**",
                    f"**{o.format(r['scenario_mean'])}**",
                    f"**{o.format(r['diff'], signed=True)}** "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True)})",
                    "100%",
                ]
            )
        head = ["Part"]
        if with_months:
            head += [f"Trust-months, {base}", f"Trust-months, {name}"]
        head += [base, name, "Effect on the total (95% interval)", "Share"]
        return Block(
            "table",
            header=head,
            rows=rows,
            align="l" + "r" * (len(head) - 1),
            text=caption,
        )

    blocks.append(Block("h3", f"{name} against {base}"))
    state = _state_table(result, name)
    if state is not None:
        blocks.append(state)
    blocks.append(
        table(
            "harm: where it happened",
            "Avoidable harm over the run by the state the trust was in when it happened "
            "(first that applies, in this order), with the trust-months spent in each "
            "state. The parts add up to the total. A part can grow simply because trusts "
            "spend more months in that state (a graduated ladder, for example, puts trusts "
            "on advice or a warning that another regime would leave alone).",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "harm: composition or rate",
            "The same harm difference split another way (Kitagawa's decomposition, future "
            "by future): the part due to trusts spending their months in different states "
            "(at the average harm per trust-month of the two), and the part due to a "
            "trust-month in the same state doing more or less harm (at the average "
            "months of the two). The two add up to the total.",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "harm: reported or hidden",
            "Avoidable harm that staff reported and harm that stayed hidden.",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "money: net position",
            "£m over the run. The net position is trusts' combined surplus less the "
            "regime's own spending; spending appears with its effect on the net (more "
            "spending, a negative effect). Litigation for harm, estimated as harm events "
            "times the cost per event, is part of trusts' spending (see the finance "
            "channel below).",
            "net_position",
            "Net position",
        )
    )
    rows = []
    d = result.differences.set_index(["scenario", "metric"])
    for ch in CHANNELS:
        for m in ch.metrics:
            if (name, m) not in d.index:
                continue
            r = d.loc[(name, m)]
            o = outcome(m)
            verdict = {1: "better", -1: "worse", 0: "no clear difference"}[int(r["verdict"])]
            if o.better == "neither":
                verdict = "—"
            rows.append(
                [
                    ch.title,
                    f"{o.label} ({o.unit_shown})",
                    o.format(r["baseline_mean"]),
                    o.format(r["scenario_mean"]),
                    f"{_signed_points(o, r['diff'])} "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True, points=True)})",
                    verdict,
                ]
            )
    blocks.append(
        Block(
            "table",
            header=["Mechanism", "Measure", base, name, "Difference (95% interval)", "Verdict"],
            rows=rows,
            align="llrrrl",
            text="Mechanism channels: the measures each mechanism of the model moves, as "
            "paired differences.",
        )
    )
    return blocks
