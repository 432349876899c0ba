"""A sensitivity analysis' findings in plain words, one line each."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from healthsim.sensitivity.result import SensitivityResult


def num(v: float) -> str:
    """A number with sensible digits: 4,448 / 12.3 / 0.62 / 0.0031."""
    if v != v:
        return "n/a"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.1 or a == 0:
        return f"{v:.2f}"
    # two significant figures in plain decimals (never "5.2e-05")
    decimals = min(12, 1 - math.floor(math.log10(a)))
    return f"{v:.{decimals}f}"


def _fmt(v: float, conf: float) -> str:
    if conf == conf and conf > 0:
        return f"{num(v)} ± {num(conf)}"
    return num(v)


def sample_warning(result: SensitivityResult, output: str) -> str | None:
    """Why the indices cannot be read at this sample size, or None: intervals wider
    than the index for the most influential factors, a first-order index above the
    total one (Sobol), or indices outside [0, 1] beyond their intervals."""
    df = result.indices[result.indices.output == output]
    if df.empty:
        return None
    reasons = []
    rank = result.ranking(output)
    top = rank.head(3)
    wide = top[top.conf.fillna(0) > top.value.abs()]
    if len(wide):
        reasons.append(f"the 95% intervals of {', '.join(wide.label)} are wider than the indices")
    if result.method == "sobol":
        s1 = df[df["index"] == "S1"].set_index("label")
        st = df[df["index"] == "ST"].set_index("label")
        both = s1.index.intersection(st.index)
        above = [
            lab for lab in both if s1.value[lab] > st.value[lab] + max(st.conf.fillna(0)[lab], 0.02)
        ]
        if above:
            reasons.append(f"S1 exceeds ST for {', '.join(above[:3])}")
        vals = df[df["index"].isin(["S1", "ST"])]
        out = vals[(vals.value + vals.conf.fillna(0) < 0) | (vals.value - vals.conf.fillna(0) > 1)]
        if len(out):
            reasons.append("some indices lie outside 0 to 1")
    if not reasons:
        return None
    return (
        f"{result.output_label(output)}: the sample is too small to read these indices "
        f"({'; '.join(reasons)}); raise n before drawing conclusions."
    )


def drivers_line(result: SensitivityResult, output: str) -> str:
    """'Avoidable harm: driven mostly by a (ST 0.62 ± 0.30), b (...); c, d hardly matter.'"""
    rank = result.ranking(output)
    label = result.output_label(output)
    index = result.ranking_index
    if rank.empty or not np.isfinite(rank.value).any():
        return f"{label}: no indices (the output does not vary across the design)."
    drivers = result.drivers(output, k=4)
    if not drivers:
        return f"{label}: no parameter stands out from the noise at this sample size."
    parts = []
    for lab in drivers:
        r = rank[rank.label == lab].iloc[0]
        parts.append(f"{lab} ({index} {_fmt(r.value, r.conf)})")
    top = float(rank.value.max())
    small = rank[(rank.high.fillna(rank.value) < 0.05 * top)]
    unsure = sample_warning(result, output) is not None
    lead = "the largest indices, not yet reliable, are" if unsure else "driven mostly by"
    text = f"{label}: {lead} {', '.join(parts)}."
    if len(small):
        names = ", ".join(small.label.head(6))
        more = f" and {len(small) - 6} more" if len(small) > 6 else ""
        text += f" Hardly any effect: {names}{more}."
    return text


def interaction_line(result: SensitivityResult, output: str) -> str | None:
    """Sobol/FAST: how much of the variance is first-order, and the strongest pair."""
    if result.method not in ("sobol", "fast"):
        if result.method == "morris":
            df = result.indices[result.indices.output == output]
            mu = df[df["index"] == "mu_star"].set_index("label").value
            sd = df[df["index"] == "sigma"].set_index("label").value.reindex(mu.index)
            top = mu[mu > 0.1 * mu.max()] if len(mu) else mu
            ratio = (sd / top).dropna()
            strong = ratio[ratio > 1].index.tolist()
            if strong:
                return (
                    f"{result.output_label(output)}: σ/μ* above 1 for {', '.join(strong[:4])}: "
                    "their effect depends on where the other parameters are (interactions "
                    "or non-linearity)."
                )
        return None
    df = result.indices[(result.indices.output == output) & (result.indices["index"] == "S1")]
    s1 = float(np.clip(df.value, 0, None).sum())
    tot = result.indices[(result.indices.output == output) & (result.indices["index"] == "ST")]
    st = float(np.clip(tot.value, 0, None).sum()) if len(tot) else math.nan
    label = result.output_label(output)
    if s1 > 1.1:
        return (
            f"{label}: the first-order indices sum to {num(s1)}, above 1, so the sample is "
            "too small to say how much of the variance parameters explain alone."
        )
    if s1 >= 0.95 and st == st and st > s1 + 0.1:
        return (
            f"{label}: the first-order indices sum to {num(s1)} and the total ones to "
            f"{num(st)}; parameters acting alone near 100% would leave no room for the "
            "interactions the total indices show, so the sample is too small to split the "
            "variance between parameters alone and interactions."
        )
    text = f"{label}: parameters acting alone explain about {min(s1, 1):.0%} of the variance"
    if st == st and st > s1 + 0.1:
        text += (
            f"; the total indices sum to {num(st)} against {num(s1)} for the first-order "
            "ones, so interactions matter."
        )
    elif s1 < 0.9:
        text += "; the rest comes from interactions."
    else:
        text += "; interactions matter little."
    so = result.second_order[result.second_order.output == output]
    if len(so):
        best = so.sort_values("value", ascending=False).iloc[0]
        if best.low > 0:
            text += (
                f" The strongest pair is {best.label_a} with {best.label_b} "
                f"(S2 {_fmt(best.value, best.conf)})."
            )
    return text


def noise_line(result: SensitivityResult, output: str) -> str:
    row = result.noise[result.noise.output == output].iloc[0]
    k = int(row.replicates)
    share = row.noise_share_of_means
    single = row.noise_share_single_run
    label = result.output_label(output)
    if k < 2 or share != share:
        return (
            f"{label}: one replicate a point, so seed noise cannot be separated from the "
            "parameters' effect; use replicates >= 2."
        )
    text = (
        f"{label}: seed noise is {pct(share)} of the variance between points after averaging "
        f"{k} replicates ({pct(single)} of the variance of a single run)."
    )
    sets = result.design.sets
    if sets is not None and sets.keys:
        text = text.replace("seed noise is", "the spread between replicates is", 1) + (
            f" Replicate i also runs on parameter set i ({sets.kind}), so that spread is "
            "luck and the parameters drawn, not luck alone; every point shares the same "
            f"{k} sets, so the indices describe the sampled parameters averaged over them."
        )
        if share > 0.2:
            text += " Raise the replicates to average over more sets and seeds."
        return text
    if share > 0.2:
        text += " That is large: the indices partly describe noise; raise the replicates."
    return text


def noise_summary(result: SensitivityResult) -> str:
    """Seed noise for every output in one finding (with one explanation, not one per
    output); outputs whose noise is large are named."""
    outs = list(result.design.outputs)
    if len(outs) == 1:
        return noise_line(result, outs[0])
    rows = [result.noise[result.noise.output == o].iloc[0] for o in outs]
    k = int(rows[0].replicates)
    if k < 2 or any(r.noise_share_of_means != r.noise_share_of_means for r in rows):
        return (
            "One replicate a point, so seed noise cannot be separated from the parameters' "
            "effect; use replicates >= 2."
        )
    sets = result.design.sets
    what = "the spread between replicates" if sets is not None and sets.keys else "seed noise"
    parts = [
        f"{_lower(result.output_label(o).split(': ')[0])} {pct(r.noise_share_of_means)} "
        f"({pct(r.noise_share_single_run)} of a single run's)"
        for o, r in zip(outs, rows, strict=True)
    ]
    text = (
        f"{what[:1].upper()}{what[1:]}, as a share of the variance between points after "
        f"averaging {k} replicates: " + "; ".join(parts) + "."
    )
    if sets is not None and sets.keys:
        text += (
            f" Replicate i also runs on parameter set i ({sets.kind}), so that spread is "
            "luck and the parameters drawn, not luck alone; every point shares the same "
            f"{k} sets, so the indices describe the sampled parameters averaged over them."
        )
    large = [result.output_label(o) for o, r in zip(outs, rows, strict=True)]
    large = [lab for lab, r in zip(large, rows, strict=True) if r.noise_share_of_means > 0.2]
    if large:
        text += (
            f" That is large for {', '.join(_lower(x.split(': ')[0]) for x in large)}: the "
            "indices there "
            "partly describe noise; raise the replicates."
        )
    return text


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def parameters_line(result: SensitivityResult) -> str:
    """Which parameters are sampled, and where every other uncertain one comes from."""
    d = result.design
    n = len(d.space.parameters)
    on_prior = sum(p.prior is not None for p in d.space.parameters)
    sampled = f"{n} parameter(s) sampled by the design"
    if on_prior:
        sampled += f" ({on_prior} over their priors)"
    if d.sets is None or not d.sets.keys:
        return f"{sampled}; every other parameter at today's defaults (luck only)."
    return (
        f"{sampled}; the {len(d.sets.keys)} other uncertain parameters drawn from "
        f"{d.sets.description}: replicate i of every point runs on seed i and parameter "
        f"set i ({d.replicates} set(s), the same for every scenario, so pairs stay paired)."
    )


def findings(result: SensitivityResult) -> list[str]:
    """The report's findings, in order: flips, drivers, interactions, noise, failures."""
    lines = []
    for out, flip in result.flips.items():
        line = flip.statement()
        if flip.regions and flip.cv_accuracy == flip.cv_accuracy:
            line += (
                f" These rules classify {flip.accuracy:.0%} of the points correctly "
                f"({flip.cv_accuracy:.0%} cross-validated)."
            )
        lines.append(line)
        del out
    for out in result.design.outputs:
        warning = sample_warning(result, out)
        if warning:
            lines.append(warning)
        lines.append(drivers_line(result, out))
    for out in result.design.outputs:
        line = interaction_line(result, out)
        if line:
            lines.append(line)
    lines.append(noise_summary(result))
    n_failed = len(result.failures)
    if n_failed:
        lines.append(
            f"{n_failed} run(s) failed; see 'Failed runs' for their parameters and how the "
            "analysis handled them."
        )
    return lines


def pct(v: float) -> str:
    return "n/a" if v != v or math.isinf(v) else f"{v:.0%}"
