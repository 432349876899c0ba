"""The words of a comparison report: findings in plain language, with their uncertainty.

Everything here is built from the result's tables, so the words always match the
numbers. Markdown with ``**bold**`` only; the HTML report converts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthsim.experiments.breakdown import CHANNELS, HARM_WHERE, RATE_PART, TIME_PART
from healthsim.experiments.outcomes import Outcome, outcome, relative_text
from healthsim.metrics.calendar import span as fy_span

if TYPE_CHECKING:
    from healthsim.config import Scenario
    from healthsim.experiments.compare import ComparisonResult

#: Units counted in whole things: differences read "more" / "fewer".
COUNT_UNITS = {"events", "entries", "re-entries", "boards", "trust-months", "trusts", "exits"}

#: The statement every report makes about the evidence (docs/calibration.md).
EVIDENCE = (
    "The contrast between blame-focused and support-focused regimes rests on the "
    "model's mechanisms (how blame and naming change fear, openness, staff turnover "
    "and board churn, and how support builds capability), not on historical evidence. "
    "The record healthsim is calibrated against (England, 2013/14 to 2019/20) comes from a "
    "mixed regime of public naming and peer buddying, so it can anchor the model's "
    "overall behaviour but cannot say which of the two approaches does better."
)
UNCERTAINTY = (
    "The 95% intervals show the uncertainty that comes from simulating a finite number "
    "of futures with this model and these parameter values. They do not include "
    "uncertainty about the parameter values, or about whether the model's mechanisms "
    "are right; a sensitivity analysis shows which assumptions a ranking depends on."
)
UNCERTAINTY_SETS = (
    "Each simulated future drew its own luck and its own set of parameter values "
    "({what}; the same set for every scenario), so the 95% intervals and the shares of "
    "futures include what we don't know about the parameters as well as luck. They do not "
    "include uncertainty about whether the model's mechanisms are right."
)
#: how much a parameter must move the share of futures in which a scenario does better
#: (its lower against its upper quarter) to count as what the answer depends on
MIN_DRIVER_SHIFT = 0.1
#: futures needed before the report says which parameters a ranking depends on
MIN_FUTURES_FOR_DRIVERS = 20
#: the scenario read as "doing nothing" when a comparison includes it
NO_REGIME = "no_regime"


def uncertainty_text(result: ComparisonResult) -> str:
    sets = result.spec.parameters
    if sets is None or sets.kind == "defaults":
        return UNCERTAINTY
    return UNCERTAINTY_SETS.format(what=sets.description)


def _param_label(key: str) -> str:
    return key.split(".", 1)[1].replace("_", " ")


def _short(x: float) -> str:
    """A parameter value for prose: two significant figures, no exponent."""
    if x == 0 or not np.isfinite(x):
        return f"{x:g}"
    digits = max(0, 1 - int(np.floor(np.log10(abs(x)))))
    return f"{x:.{digits}f}"


def _harm_line(r: pd.Series, name: str, ref: str) -> str:
    """'whole_system: 12.3% less avoidable harm than no_regime (95% interval 8.1% to
    16.0% less), better in 81% of futures'."""
    rel = float(r["relative"])
    if not np.isfinite(rel):
        return f"**{name}**: avoidable harm could not be compared with {ref}"
    more = "more" if rel > 0 else "less"
    lo, hi = float(r["rel_ci_low"]), float(r["rel_ci_high"])
    if int(r["verdict"]) == 0:
        interval = f"95% interval {_signed_pct(lo)} to {_signed_pct(hi)}: no clear difference"
    else:
        a, b = sorted((abs(lo), abs(hi)))
        interval = f"95% interval {a * 100:.1f}% to {b * 100:.1f}% {more}"
    better = float(r["share_better"])
    return (
        f"**{name}**: {abs(rel) * 100:.1f}% {more} avoidable harm than {ref} ({interval}); "
        f"better in {_pct(better)} of futures"
    )


def verdict_lines(result: ComparisonResult) -> list[str]:
    """The first screen: each regime against doing nothing (when the comparison has
    ``no_regime``), then against the baseline, for avoidable harm."""
    spec = result.spec
    if len(spec.names) < 2 or not len(result.complete_replicates):
        return []
    if "harm_total" not in result.metrics:
        return []
    lines = []
    if NO_REGIME in spec.names:
        vs = result.versus(NO_REGIME, "harm_total")
        parts = [_harm_line(r, r["scenario"], "having no failure regime") for _, r in vs.iterrows()]
        lines.append("**Against doing nothing.** " + "; ".join(parts) + ".")
    base = spec.baseline_name
    d = result.differences
    d = d[(d.metric == "harm_total") & (d.scenario != NO_REGIME)]
    if len(d) and base != NO_REGIME:
        parts = [_harm_line(r, r["scenario"], base) for _, r in d.iterrows()]
        lines.append(f"**Against {base}.** " + "; ".join(parts) + ".")
    overall = overall_line(result)
    if overall:
        lines.append(overall)
    trade = tradeoff_lines(result, exclude=(NO_REGIME,))
    if trade:
        lines.append("**Trade-offs.** " + "; ".join(trade) + ".")
    return lines


#: The dimensions of the overall verdict: metric -> what it is, for the first screen.
DIMENSIONS = {
    "harm_total": "patients (least avoidable harm)",
    "quality_p10_final": "the weakest trusts (best quality at the end)",
    "turnover_annual": "staff (lowest turnover)",
    "net_position": "money (best net position)",
}


def _leader(pb_metric: pd.DataFrame) -> pd.Series:
    """The scenario that did best on one metric: highest confidence, then most single
    futures won."""
    return pb_metric.sort_values(["p_best_mean", "p_best_run"], ascending=False).iloc[0]


def overall_line(result: ComparisonResult) -> str:
    """The overall verdict per dimension: the scenario that did best on average, with
    its confidence, and whether one scenario leads on every dimension."""
    pb = result.probability_best
    if pb.empty:
        return ""
    bits, leaders = [], []
    for m, words in DIMENSIONS.items():
        sub = pb[pb["metric"] == m]
        if sub.empty:
            continue
        top = _leader(sub)
        conf = float(top["p_best_mean"])
        leaders.append(str(top["scenario"]))
        sure = "" if conf >= 0.9 else ("no clear leader, at best " if conf < 0.6 else "probably ")
        bits.append(f"{words}: {sure}**{top['scenario']}** (confidence {_pct(conf)})")
    if not bits:
        return ""
    if len(set(leaders)) == 1:
        tail = f"{leaders[0]} leads on every dimension."
    else:
        tail = "No scenario leads on every dimension: choosing between them is a trade-off."
    return "**Overall, by dimension.** Best on " + "; ".join(bits) + ". " + tail


def rests_on(result: ComparisonResult) -> list[str]:
    """What the answer rests on: how much of the spread between futures is luck and how
    much is what we don't know about the parameters, and which beliefs would flip each
    ranking against the baseline (avoidable harm)."""
    spec = result.spec
    sets = spec.parameters
    if sets is None or sets.kind == "defaults" or "harm_total" not in result.metrics:
        return []
    u = result.uncertainty
    u = u[u.metric == "harm_total"].set_index("scenario")
    d = result.differences
    d = d[d.metric == "harm_total"].set_index("scenario")
    base = spec.baseline_name
    out = []
    for name in spec.names:
        if name == base or name not in u.index or name not in d.index:
            continue
        share = float(u.at[name, "parameter_share"])
        lo, hi = float(u.at[name, "futures_low"]), float(u.at[name, "futures_high"])
        better = float(d.at[name, "share_better"])
        text = (
            f"**{name} against {base}**: better in {_pct(better)} of futures; the middle 90% "
            f"of futures run from {lo:+,.0f} to {hi:+,.0f} harm events"
        )
        if np.isfinite(share):
            text += (
                f", and {_pct(share)} of their spread comes from the parameters, "
                f"{_pct(1 - share)} from luck"
            )
        # a quarter of fewer than 20 futures says nothing about a parameter
        few = len(result.complete_replicates) < MIN_FUTURES_FOR_DRIVERS
        drivers = result.drivers("harm_total", name, top=2) if not few else None
        flips = []
        if drivers is None:
            out.append(
                text + f"; too few futures (under {MIN_FUTURES_FOR_DRIVERS}) to say which "
                "parameters it depends on."
            )
            continue
        for _, r in drivers.iterrows():
            bl, bh = float(r["better_when_low"]), float(r["better_when_high"])
            if not (np.isfinite(bl) and np.isfinite(bh)):
                continue
            if abs(bh - bl) < MIN_DRIVER_SHIFT and abs(float(r["correlation"])) < 0.3:
                continue  # a parameter that barely moves the answer is not what it rests on
            flips.append(
                f"{_param_label(r['parameter'])} (below {_short(r['low_value'])}: better in "
                f"{_pct(bl)} of futures; above {_short(r['high_value'])}: {_pct(bh)})"
            )
        if not flips:
            text += (
                ". No single varied parameter moves it much: in the quarter of futures at "
                "either end of each one's range it does about as well"
            )
        if flips:
            text += ". It depends most on " + " and on ".join(flips)
            flip = any(
                (float(r["better_when_low"]) < 0.5) != (float(r["better_when_high"]) < 0.5)
                for _, r in drivers.iterrows()
            )
            if flip:
                text += ": believe the other end of that range and the ranking flips"
        out.append(text + ".")
    return out


def economy_words(sc: Scenario) -> str:
    """The simulated economy in words ('one local economy of 6 trusts')."""
    e = sc.economy
    if e.trusts:
        n = len(e.trusts)
        return f"a health economy of {n} named trusts"
    about = "about " if e.trusts_per_economy_spread else ""
    if e.n_economies == 1:
        return f"one local health economy of {about}{e.trusts_per_economy} trusts"
    total = e.n_economies * e.trusts_per_economy
    return (
        f"{e.n_economies} local health economies of {about}{e.trusts_per_economy} trusts "
        f"({about}{total} in all)"
    )


def _pct(x: float, digits: int = 0) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x * 100:.{digits}f}%"


def value_text(o: Outcome, v: float) -> str:
    """A value with its unit, for prose ('15.5%', '£10.7m', '34.0 months', '0.21')."""
    if not np.isfinite(v):
        return "n/a"
    if o.percent or o.unit == "0-1" or o.unit in COUNT_UNITS or not o.unit:
        return o.format(v)
    if o.unit == "£m":
        return f"£{o.format(v)}m" if v >= 0 else f"-£{o.format(-v)}m"
    return f"{o.format(v)} {o.unit}"


def _plain(o: Outcome, v: float, *, signed: bool = False) -> str:
    """A number as a table shows it, without the % sign of shares."""
    text = o.format(v, signed=signed)
    return text[:-1] if o.percent else text


def magnitude(o: Outcome, value: float) -> str:
    """The size of a difference with its unit ('2.4 percentage points', '£12.3m')."""
    v = abs(value)
    if o.percent:
        return f"{_plain(o, v)} percentage points"
    if o.unit == "£m":
        return f"£{o.format(v)}m"
    if o.unit in COUNT_UNITS or o.unit in ("0-1", "") or o.unit.startswith("share"):
        return o.format(v)
    return f"{o.format(v)} {o.unit}"


def direction_word(o: Outcome, diff: float) -> str:
    """'more'/'fewer' for counts, 'higher'/'lower' otherwise."""
    if o.unit in COUNT_UNITS:
        return "more" if diff > 0 else "fewer"
    return "higher" if diff > 0 else "lower"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def change_clause(o: Outcome, diff: float, name: str, base: str) -> str:
    """'under A there were 9,364 fewer avoidable harm events than under B' or
    'under A, staff leaving a year was 2.4 percentage points lower than under B'."""
    if o.unit in COUNT_UNITS:
        return (
            f"under {name} there were {o.format(abs(diff))} {direction_word(o, diff)} "
            f"{_noun(o)} than under {base}"
        )
    return (
        f"under {name}, {_lower_first(o.label)} was {magnitude(o, diff)} "
        f"{direction_word(o, diff)} than under {base}"
    )


def _interval_text(o: Outcome, lo: float, hi: float) -> str:
    if o.unit == "£m" and not o.percent:
        return f"{_money(lo)} to {_money(hi)}"
    unit = " percentage points" if o.percent else ""
    return f"{_plain(o, lo, signed=True)} to {_plain(o, hi, signed=True)}{unit}"


def _money(v: float) -> str:
    """Signed £m ('+£1.2m', '-£3.4m')."""
    if not np.isfinite(v):
        return "n/a"
    if round(v, 1) == 0:
        return "£0.0m"
    return f"{'+' if v > 0 else '-'}£{abs(v):,.1f}m"


def difference_sentence(o: Outcome, row: pd.Series, name: str, base: str) -> str:
    """One sentence on a paired difference, with its interval and how often it held."""
    diff, lo, hi = float(row["diff"]), float(row["ci_low"]), float(row["ci_high"])
    if not np.isfinite(diff):
        return f"{o.label} could not be compared (no complete replicates)."
    if int(row["verdict"]) == 0 or o.better == "neither":
        if not np.isfinite(lo):
            return f"{name} and {base} did not differ in {_lower_first(o.label)}."
        clear = "clearly " if int(row["verdict"]) == 0 else ""
        if o.unit == "£m" and not o.percent:
            shown = _money(diff)
        else:
            shown = _plain(o, diff, signed=True) + (" percentage points" if o.percent else "")
        return (
            f"{name} and {base} did not differ {clear}in {_lower_first(o.label)} "
            f"(difference {shown}, 95% interval {_interval_text(o, lo, hi)})."
        )
    rel = float(row["relative"])
    base_mean = float(row["baseline_mean"])
    if np.isfinite(rel) and o.relative_meaningful and base_mean > 0 and rel >= 1:
        ci = f" ({relative_text(rel)} as much; 95% interval {_interval_text(o, lo, hi)})"
    elif np.isfinite(rel) and o.relative_meaningful and base_mean > 0:
        rlo, rhi = float(row["rel_ci_low"]), float(row["rel_ci_high"])
        ci = f" ({_signed_pct(rel)}; 95% interval {_signed_pct(rlo)} to {_signed_pct(rhi)})"
    else:
        ci = f" (95% interval {_interval_text(o, lo, hi)})"
    clause = change_clause(o, diff, name, base)
    share = float(row["share_better"] if row["verdict"] > 0 else row["share_worse"])
    often = ""
    if np.isfinite(share):
        word = "better" if row["verdict"] > 0 else "worse"
        often = f"; {name} did {word} in {_pct(share)} of the paired futures"
    return f"{clause[:1].upper()}{clause[1:]}{ci}{often}."


def _signed_pct(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    v = round(x * 100, 1)
    return "0.0%" if v == 0 else f"{v:+.1f}%"


def _noun(o: Outcome) -> str:
    """What a count is of, for 'X more <noun> than'."""
    nouns = {
        "harm_total": "avoidable harm events",
        "harm_hidden_total": "hidden (unreported) harm events",
        "harm_reported_total": "reported harm events",
        "board_replacements": "board replacements",
        "sm_relapses": "relapses after exit",
        "sm_exits": "exits from special measures",
        "false_positives": "false-positive entries to special measures",
        "false_negative_months": "trust-months of failure not in special measures",
        "financial_failures": "trusts ever financially unsustainable",
        "deficit_trust_months": "trust-months in deficit",
        "sm_trust_months": "trust-months in special measures",
        "sm_entries": "entries to special measures",
        "good_trusts_tipped": "good trusts tipped into special measures",
        "political_entries": "politically driven entries",
    }
    return nouns.get(o.name, _lower_first(o.label))


def regimes_differ(result: ComparisonResult) -> bool:
    """Whether the scenarios compared have different failure regimes."""
    regimes = {s.regime.model_dump_json(exclude={"name"}) for s in result.spec.scenarios}
    return len(regimes) > 1


def what_differs(result: ComparisonResult) -> str:
    """The sections in which the compared scenarios differ, in words."""
    secs = []
    names = {
        "regime": "failure regime",
        "squeeze": "financial squeeze",
        "economy": "economy",
        "initial": "starting state",
        "behaviour": "behavioural parameters",
    }
    for key, word in names.items():
        vals = {getattr(s, key).model_dump_json(exclude={"name"}) for s in result.spec.scenarios}
        if len(vals) > 1:
            secs.append(word)
    return ", ".join(secs) if secs else "name only"


def findings_markdown(result: ComparisonResult) -> str:
    """The findings: setting, harm, quality, money, who does best, the worst futures,
    why, and how sure we can be. Paragraphs separated by blank lines."""
    spec = result.spec
    n = len(result.complete_replicates)
    names = list(spec.names)
    base = spec.baseline_name
    others = [s for s in names if s != base]
    sc0 = spec.scenarios[0]
    years = fy_span(spec.start_year, sc0.years)
    paras = []
    differs = what_differs(result)
    if len(names) == 1:
        paras.append(
            f"We simulated **{names[0]}** in {economy_words(sc0)} over {sc0.years} years "
            f"({years}), **{n} times**, each time on its own seed, to show the "
            "range of outcomes the model gives for it."
        )
    else:
        paras.append(
            f"We simulated **{len(names)} scenarios** ({', '.join(names)}) in "
            f"{economy_words(sc0)} over {sc0.years} years ({years}), **{n} times "
            "each**. Each simulated future ran every scenario on the same random draws "
            "(demand, local incidents, inspections)"
            + (
                " and the same parameter values (a set drawn from "
                + (
                    "the calibration posterior"
                    if spec.parameter_kind == "posterior"
                    else "the priors"
                )
                + ", a different set in each future)"
                if spec.parameter_kind != "defaults"
                else ""
            )
            + f", so the differences below come from the scenarios' {differs}, not from "
            "luck or from the parameters."
        )
    if n == 0:
        paras.append("No replicate finished for every scenario, so nothing can be compared yet.")
        return "\n\n".join(paras)
    if not others:
        paras.append(_single_scenario(result))
        paras.append(f"**How sure we can be.** {uncertainty_text(result)}")
        return "\n\n".join(paras)

    diffs = result.differences.set_index(["scenario", "metric"])
    for metric, title in (
        ("harm_total", "Avoidable harm"),
        ("harm_hidden_total", "Hidden harm"),
        ("quality_p10_final", "The weakest trusts"),
        ("turnover_annual", "Staff"),
        ("net_position", "Money"),
    ):
        if metric not in result.metrics:
            continue
        o = outcome(metric)
        sentences = [
            difference_sentence(o, diffs.loc[(s, metric)], s, base)
            for s in others
            if (s, metric) in diffs.index
        ]
        if metric == "net_position":
            sentences.insert(
                0, "The net position is trusts' combined surplus less the regime's own spending."
            )
            sentences += [_money_parts(result, s) for s in others]
        paras.append(f"**{title}.** " + " ".join(sentences))

    paras.append(_best_paragraph(result))
    trade = tradeoff_lines(result)
    if trade:
        paras.append(
            "**Trade-offs.** Where a regime does less harm but costs more: "
            + "; ".join(trade)
            + ". Whether that is worth it is a judgement the model leaves to its users."
        )
    paras.append(_worst_paragraph(result))
    for s in others:
        why = _why_paragraph(result, s)
        if why:
            paras.append(why)
    sure = f"**How sure we can be.** {uncertainty_text(result)}"
    if regimes_differ(result):
        sure += " " + EVIDENCE
    else:
        sure += (
            f" These scenarios share a failure regime and differ in their {differs}; the "
            "model is calibrated against England's record from 2013/14 to 2019/20 under the 2010s "
            "squeeze, so results far from those conditions are the model's extrapolation."
        )
    paras.append(sure)
    return "\n\n".join(paras)


def _single_scenario(result: ComparisonResult) -> str:
    st = result.stats.set_index(["scenario", "metric"])
    name = result.spec.names[0]
    parts = []
    for m in ("harm_total", "quality_p10_final", "net_position"):
        if (name, m) in st.index:
            o = outcome(m)
            r = st.loc[(name, m)]
            parts.append(
                f"{_lower_first(o.label)} averaged {value_text(o, r['mean'])} "
                f"(95% interval {value_text(o, r['ci_low'])} to "
                f"{value_text(o, r['ci_high'])}; middle 90% of futures "
                f"{value_text(o, r['p5'])} to {value_text(o, r['p95'])})"
            )
    return f"**Results.** Under {name}, " + "; ".join(parts) + "."


def _best_paragraph(result: ComparisonResult) -> str:
    pb = result.probability_best
    what = {
        "harm_total": "Least avoidable harm",
        "quality_p10_final": "best quality among the weakest trusts",
        "turnover_annual": "lowest staff turnover",
        "net_position": "best net financial position",
    }
    bits = []
    for m, words in what.items():
        sub = pb[pb["metric"] == m]
        if sub.empty:
            continue
        top = _leader(sub)
        tie = float(top["p_tie"])
        tie_text = f", ties in {_pct(tie)}" if tie >= 0.05 else ""
        bits.append(
            f"{_lower_first(words)}: **{top['scenario']}** (confidence "
            f"{_pct(float(top['p_best_mean']))}; best in {_pct(float(top['p_best_run']))} "
            f"of single futures{tie_text})"
        )
    if not bits:
        return ""
    return (
        "**Which did best.** On average, "
        + "; ".join(bits)
        + ". Confidence is the share of resamples of the simulated futures in which that "
        "scenario's average was best. Doing best in any single future is less certain, "
        "because futures differ; ties are futures where two scenarios did exactly as well "
        "(for example when no trust ever needed the regime's help)."
    )


def _money_parts(result: ComparisonResult, name: str) -> str:
    """Where the net position's difference came from, each part by its own direction:
    'trusts' income £5.6m higher, trusts' spending £20.1m higher and the regime's own
    spending £1.9m higher than under blame_focused'."""
    b = result.breakdown
    sub = b[(b["scenario"] == name) & (b["part"] == "money: net position")]
    if sub.empty:
        return ""
    words = {
        "income_total": "trusts' income",
        "spending_total": "trusts' spending",
        "regime_cost_total": "the regime's own spending",
    }
    parts = []
    for _, r in sub.iterrows():
        diff = float(r["diff"])
        way = "higher" if diff > 0 else "lower"
        if round(abs(diff), 1) == 0:
            parts.append(f"{words.get(r['metric'], r['metric'])} about the same")
        else:
            parts.append(f"{words.get(r['metric'], r['metric'])} £{abs(diff):,.1f}m {way}")
    base = result.spec.baseline_name
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return f"Under {name}, {listed} than under {base}."


def tradeoff_lines(result: ComparisonResult, exclude: tuple[str, ...] = ()) -> list[str]:
    """For each pair of scenarios where one has less avoidable harm but a worse net
    position: how many harm events it averts, for how much money, and the cost per
    harm event averted."""
    if not {"harm_total", "net_position"} <= set(result.metrics):
        return []
    harm, money = result.values("harm_total"), result.values("net_position")
    names = list(result.spec.names)
    skip = set(exclude)
    out = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j or a in skip or b in skip:
                continue
            dh = float(np.nanmean(harm[:, i] - harm[:, j]))  # a - b
            dm = float(np.nanmean(money[:, i] - money[:, j]))
            if not (dh < 0 and dm < 0):
                continue  # a has less harm and costs more: a trade-off
            per = float(f"{-dm * 1e6 / -dh:.2g}")  # two figures: no false precision
            out.append(
                f"**{a}** against **{b}**: about {-dh:,.0f} fewer avoidable harm events for "
                f"£{-dm:,.1f}m more (trusts' surplus less the regime's spending), about "
                f"£{per:,.0f} per harm event averted"
            )
    return out


def _worst_paragraph(result: ComparisonResult) -> str:
    st = result.stats.set_index(["scenario", "metric"])
    out = []
    for m in ("harm_total", "quality_p10_final"):
        o = outcome(m)
        vals = [
            f"{s} {o.format(float(st.loc[(s, m), 'worst_decile_mean']))}"
            for s in result.spec.names
            if (s, m) in st.index
        ]
        if vals:
            what = (
                "avoidable harm averaged"
                if m == "harm_total"
                else "the quality of the weakest trusts at the end averaged"
            )
            out.append(f"{what} {', '.join(vals)}")
    if not out:
        return ""
    return (
        "**The worst futures.** The worst economy matters as well as the average one. In "
        "the worst tenth of simulated futures for each scenario, " + "; ".join(out) + "."
    )


def _state_sentences(sub: pd.DataFrame) -> list[str]:
    """The harm difference state by state, split into time there and harm a month
    there; says whether the time moved between states cancels out (it mostly does when
    a regime only moves trusts from one rung to another)."""
    time = sub[sub["part"] == TIME_PART].set_index("metric")
    rate = sub[sub["part"] == RATE_PART].set_index("metric")
    if time.empty or rate.empty:
        return []
    out = []
    tc = time["contribution"].astype(float)
    gross, net = float(tc.abs().sum()), float(tc.sum())
    moved = []
    for m in tc.abs().sort_values(ascending=False).index[:3]:
        r = time.loc[m]
        c = float(r["contribution"])
        if abs(c) < 0.5:
            continue
        mb, ms = float(r["baseline_mean"]), float(r["scenario_mean"])
        more = "more" if ms > mb else "fewer"
        moved.append(
            f"{abs(ms - mb):,.0f} {more} trust-months a future "
            f"{_lower_first(outcome(m).label)} ({mb:,.0f} against {ms:,.0f}; {c:+,.0f} "
            "harm events)"
        )
    if moved and gross > 0:
        cancels = abs(net) < 0.5 * gross
        out.append(
            "Time: "
            + "; ".join(moved)
            + (
                f". Most of that time only moved trusts from one state to another, so it "
                f"largely cancels out: about {gross / 2:,.0f} harm events moved with it, and "
                f"they net to {net:+,.0f}."
                if cancels
                else f". Together the time in each state accounts for {net:+,.0f} events."
            )
        )
    rc = rate["contribution"].astype(float)
    fared = []
    for m in rc.abs().sort_values(ascending=False).index[:2]:
        r = rate.loc[m]
        c = float(r["contribution"])
        if abs(c) < 0.5:
            continue
        fared.append(
            f"{_lower_first(outcome(m).label)} {float(r['baseline_mean']):.2f} against "
            f"{float(r['scenario_mean']):.2f} harm events a trust-month ({c:+,.0f} events)"
        )
    if fared:
        out.append("Harm a month: " + "; ".join(fared) + ".")
    return out


def _why_paragraph(result: ComparisonResult, name: str) -> str:
    spec = result.spec
    base = spec.baseline_name
    b = result.breakdown
    sub = b[b["scenario"] == name]
    harm = sub[sub["part"] == "harm: where it happened"]
    diffs = result.differences.set_index(["scenario", "metric"])
    if harm.empty or (name, "harm_total") not in diffs.index:
        return ""
    total = float(diffs.loc[(name, "harm_total"), "diff"])
    sents = []
    if np.isfinite(total):
        cr = sub[sub["part"] == "harm: composition or rate"].set_index("metric")
        if {"harm_from_composition", "harm_from_rates"} <= set(cr.index):
            comp = float(cr.at["harm_from_composition", "contribution"])
            rate = float(cr.at["harm_from_rates", "contribution"])
            sents.append(
                f"Of the difference in avoidable harm ({total:+,.0f} events), {comp:+,.0f} "
                "came from the time trusts spent in each state (for example fewer months in "
                f"special measures) and {rate:+,.0f} from the harm a trust-month in the same "
                f"state did ({'less' if rate < 0 else 'more'} harm a month: how trusts "
                "fared, not where they stood)."
            )
        sents += _state_sentences(sub)
        keys = [(name, "harm_hidden_total"), (name, "harm_reported_total")]
        if all(k in diffs.index for k in keys):
            hid, rep = (float(diffs.loc[k, "diff"]) for k in keys)
            sents.append(f"By reporting: {hid:+,.0f} hidden and {rep:+,.0f} reported harm events.")
    items = []
    for ch in CHANNELS:
        for m in ch.metrics:
            if (name, m) not in diffs.index or m in HARM_WHERE or m.startswith("harm_"):
                continue
            r = diffs.loc[(name, m)]
            if int(r["verdict"]) == 0 or not np.isfinite(r["diff"]) or m == "net_position":
                continue
            o = outcome(m)
            items.append(
                f"{_lower_first(o.label)} {value_text(o, float(r['baseline_mean']))} against "
                f"{value_text(o, float(r['scenario_mean']))}"
            )
    if items:
        sents.append(
            f"Mechanisms that clearly moved (averages under {base}, then under {name}): "
            + "; ".join(items[:7])
            + "."
        )
    if not sents:
        return ""
    return (
        f"**Why, in the model ({name} against {base}).** "
        + " ".join(sents)
        + " This is accounting, not proof of cause: it shows where the difference arose "
        "and which mechanisms moved with it."
    )


#: Outcomes of the "in brief" lines: metric -> what it is, in a few words.
BRIEF = {
    "harm_total": "avoidable harm",
    "quality_p10_final": "quality at the weakest trusts",
    "turnover_annual": "staff turnover",
    "net_position": "net financial position",
}


def _brief_bit(o: Outcome, r: pd.Series, words: str) -> str:
    """'13.0% more avoidable harm (95% interval 10.9% to 15.0% more; better in 2% of
    futures)', 'staff turnover 0.78 percentage points lower (95% interval 0.68 to 0.88
    lower; better in 100% of futures)'."""
    diff = float(r["diff"])
    good = "better" if int(r["verdict"]) > 0 else "worse"
    often = f"better in {_pct(float(r['share_better']))} of futures"
    if o.name == "harm_total" and float(r["baseline_mean"]) > 0:
        lo, hi = sorted((abs(r["rel_ci_low"]), abs(r["rel_ci_high"])))
        more = "more" if diff > 0 else "less"
        return (
            f"{abs(r['relative']) * 100:.1f}% {more} {words} (95% interval "
            f"{lo * 100:.1f}% to {hi * 100:.1f}% {more}; {often})"
        )
    lo, hi = sorted((abs(float(r["ci_low"])), abs(float(r["ci_high"]))))
    if o.unit == "£m":
        return (
            f"{words} £{abs(diff):,.1f}m {good} (95% interval £{lo:,.1f}m to £{hi:,.1f}m; {often})"
        )
    way = direction_word(o, diff)
    unit = " percentage points" if o.percent else ""
    return (
        f"{words} {magnitude(o, diff)} {way}, {good} (95% interval {_plain(o, lo)} to "
        f"{_plain(o, hi)}{unit}; {often})"
    )


def in_brief(result: ComparisonResult) -> list[str]:
    """One line per scenario against the baseline: the headline outcomes, with the
    direction, size and interval of each difference."""
    spec = result.spec
    base = spec.baseline_name
    if len(spec.names) < 2 or not len(result.complete_replicates):
        return []
    d = result.differences.set_index(["scenario", "metric"])
    lines = []
    for name in spec.names:
        if name == base:
            continue
        bits = []
        for m, words in BRIEF.items():
            if (name, m) not in d.index:
                continue
            r = d.loc[(name, m)]
            o = outcome(m)
            v = int(r["verdict"])
            if v == 0:
                bits.append(f"no clear difference in {words}")
                continue
            bits.append(_brief_bit(o, r, words))
        lines.append(f"**{name}** against {base}: " + "; ".join(bits) + ".")
    return lines
