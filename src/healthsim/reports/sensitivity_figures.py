"""Figures of a sensitivity analysis: indices with intervals, Morris' mu*-sigma plane,
second-order interactions, the regions where a regime contrast flips, seed noise.

Each function takes a :class:`~healthsim.sensitivity.result.SensitivityResult` and
returns a matplotlib figure (Agg canvas, no pyplot), with a footer saying what was run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from healthsim._version import __version__
from healthsim.reports import style
from healthsim.sensitivity.discovery import winner_labels

if TYPE_CHECKING:
    from healthsim.sensitivity.result import SensitivityResult

TOTAL = "#1f3a5f"
FIRST = "#8fb3d9"
A_COLOUR = "#c0282d"  # the contrast's first regime (a)
B_COLOUR = "#2b7bb9"  # the second (b)
HEAT = LinearSegmentedColormap.from_list("s2", ["#ffffff", "#fdd49e", "#fc8d59", "#b30000"])

INDEX_NAMES = {
    "S1": "first order (S1): alone",
    "ST": "total (ST): alone and in interactions",
    "mu_star": "μ*: mean absolute elementary effect",
    "median": "PAWN median KS distance",
}


def footer(result: SensitivityResult) -> list[str]:
    """One short line (it must fit the narrowest figure): what was run."""
    d = result.design
    return [
        f"Sensitivity analysis '{result.name}': {d.settings.name}, {len(result.X)} points x "
        f"{d.replicates} replicate(s) on common seeds · healthsim {__version__}"
    ]


def _wrap(text: str, width: int = 70) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def indices_figure(result: SensitivityResult, output: str) -> Figure:
    """Horizontal bars of each factor's indices with their intervals, largest first."""
    method = result.method
    df = result.indices[result.indices.output == output]
    rank = result.ranking_index
    order = df[df["index"] == rank].sort_values("value", ascending=True).label.tolist()  # bottom-up
    shown = ["ST", "S1"] if method in ("sobol", "fast") else [rank]
    height = max(2.2, 0.34 * len(order) * (1.3 if len(shown) > 1 else 1) + 1.0)
    fig, body = style.new_figure(7.6, height, footer(result))
    ax = body.subplots()
    y = np.arange(len(order))
    bar_h = 0.38 if len(shown) > 1 else 0.6
    for k, index in enumerate(shown):
        sub = df[df["index"] == index].set_index("label").reindex(order)
        offset = (0.2 if k == 0 else -0.2) if len(shown) > 1 else 0.0
        err = sub.conf.to_numpy()
        ax.barh(
            y + offset,
            sub.value.to_numpy(),
            height=bar_h,
            color=TOTAL if k == 0 else FIRST,
            xerr=None if np.isnan(err).all() else np.nan_to_num(err),
            error_kw={"ecolor": "#444444", "elinewidth": 1, "capsize": 2.5},
            label=INDEX_NAMES.get(index, index),
        )
    ax.set_yticks(y, order)
    ax.axvline(0, color="#888888", linewidth=0.8)
    label = {
        "sobol": "share of the output's variance",
        "fast": "share of the output's variance",
        "morris": "μ*: change in the output across a parameter's full range "
        "(from steps of 2/3 of it)",
        "pawn": "KS distance between conditional and overall output distributions",
    }[method]
    ax.set_xlabel(label)
    ax.set_title(_wrap(result.output_label(output)), fontsize=11, loc="left")
    style.tidy(ax)
    if len(shown) > 1 or method == "morris":
        ax.legend(loc="lower right", frameon=False, fontsize=8.5)
    return fig


def morris_figure(result: SensitivityResult, output: str) -> Figure:
    """Morris' μ*-σ plane: influence against non-linearity or interaction."""
    df = result.indices[result.indices.output == output]
    mu = df[df["index"] == "mu_star"].set_index("label")
    sigma = df[df["index"] == "sigma"].set_index("label").reindex(mu.index)
    fig, body = style.new_figure(7.6, 5.0, footer(result))
    ax = body.subplots()
    x, s = mu.value.to_numpy(), sigma.value.to_numpy()
    reach = x + np.nan_to_num(mu.conf.to_numpy())  # the error bars stay on the axes
    top = float(np.nanmax(np.r_[reach, s, 1e-12])) * 1.12
    for ratio, text in ((1.0, "σ/μ* = 1"), (0.5, "0.5"), (0.1, "0.1")):
        ax.plot([0, top], [0, top * ratio], color="#bbbbbb", linewidth=0.9, linestyle="--")
        ax.text(
            top * 0.98, top * ratio * 0.98, text, fontsize=8, color="#888888", ha="right", va="top"
        )
    err = mu.conf.to_numpy()
    ax.errorbar(
        x,
        s,
        xerr=np.nan_to_num(err),
        fmt="o",
        color=TOTAL,
        ecolor="#8c8c8c",
        elinewidth=1,
        capsize=2.5,
        markersize=5,
    )
    order = [int(i) for i in np.argsort(-x)]
    named = [i for rank, i in enumerate(order) if rank < 8 or x[i] >= 0.1 * top]
    # nudge labels apart vertically (in data units) so clustered points stay readable
    gap = 0.04 * top
    placed: list[tuple[float, float]] = []
    for i in sorted(named, key=lambda i: s[i]):
        ty = s[i]
        for px, py in placed:
            if abs(px - x[i]) < 0.25 * top and abs(py - ty) < gap:
                ty = py + gap
        placed.append((x[i], ty))
        ax.annotate(
            mu.index[i],
            (x[i], s[i]),
            xytext=(x[i] + 0.01 * top, ty + 0.012 * top),
            textcoords="data",
            fontsize=8,
            arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "linewidth": 0.6}
            if ty != s[i]
            else None,
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("μ*: influence (mean absolute elementary effect)")
    ax.set_ylabel("σ: spread of effects (non-linearity or interactions)")
    ax.set_title(_wrap(result.output_label(output)), fontsize=11, loc="left")
    style.tidy(ax)
    return fig


def second_order_figure(result: SensitivityResult, output: str) -> Figure | None:
    """Heat map of Sobol's second-order indices; pairs whose interval includes zero are
    written in grey."""
    so = result.second_order[result.second_order.output == output]
    if so.empty:
        return None
    labels = list(dict.fromkeys([*so.label_a, *so.label_b]))
    labels = [result.design.space.factor_label(f) for f in result.design.space.factors]
    n = len(labels)
    m = np.full((n, n), np.nan)
    clear = np.zeros((n, n), dtype=bool)
    idx = {lab: i for i, lab in enumerate(labels)}
    for r in so.itertuples():
        i, j = idx[r.label_a], idx[r.label_b]
        m[i, j] = m[j, i] = r.value
        clear[i, j] = clear[j, i] = bool(r.low > 0)
    size = max(4.6, 0.55 * n + 2.2)
    fig, body = style.new_figure(max(size + 1.6, 7.6), size, footer(result))
    ax = body.subplots()
    # colour only the pairs whose interval excludes 0: an unclear pair (noise, or a
    # negative estimate) is a pale cell with its value in grey, so noise never looks like
    # the strongest interaction; the scale runs to the strongest clear pair
    shown = np.where(clear, np.clip(m, 0, None), np.nan)
    vmax = max(float(np.nanmax(shown)) if np.isfinite(shown).any() else 0.0, 0.05)
    ax.imshow(np.where(np.isfinite(m), 0.0, np.nan), cmap=ListedColormap(["#f3f3f3"]))
    im = ax.imshow(shown, cmap=HEAT, vmin=0, vmax=vmax)
    for i in range(n):
        for j in range(n):
            if i == j or not np.isfinite(m[i, j]):
                continue
            ax.text(
                j,
                i,
                f"{0.0 if abs(m[i, j]) < 0.005 else m[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=7.5,
                color=(
                    ("#ffffff" if m[i, j] > 0.6 * vmax else "#111111") if clear[i, j] else "#9a9a9a"
                ),
                fontweight="bold" if clear[i, j] else "normal",
            )
    ax.set_xticks(range(n), labels, rotation=40, ha="right", fontsize=8.5)
    ax.set_yticks(range(n), labels, fontsize=8.5)
    ax.set_title(
        _wrap("Interactions (S2): " + result.output_label(output), 60)
        + "\npale cells: the pair's 95% interval includes 0 (not shown in colour)",
        fontsize=10,
        loc="left",
    )
    cb = body.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label("share of variance from the pair's interaction", fontsize=8.5)
    return fig


def _flip_axes(result: SensitivityResult, output: str) -> tuple[int, int]:
    """The two parameters to map: the tree's two most important, topped up by the
    sensitivity ranking."""
    flip = result.flips[output]
    names = result.design.space.names
    order: list[int] = []
    if flip.importance is not None:
        imp = flip.importance.to_numpy()
        order = [int(i) for i in np.argsort(-imp) if imp[i] > 0]
    rank = result.ranking(output)
    for f in rank.factor:
        for i, p in enumerate(result.design.space.parameters):
            if (p.group or p.key) == f and i not in order:
                order.append(i)
    order += [i for i in range(len(names)) if i not in order]
    return order[0], order[1] if len(order) > 1 else order[0]


def flip_figure(result: SensitivityResult, output: str) -> Figure | None:
    """Left: each sample point on the two parameters that decide the contrast,
    coloured by the regime that did better there, with the flip regions outlined.
    Right: the contrast against the deciding parameter."""
    if output not in result.flips:
        return None
    flip = result.flips[output]
    space = result.design.space
    vals = space.numeric(result.X)
    contrast = result.agg.mean[:, list(result.design.outputs).index(output)]
    win = winner_labels(contrast, flip.better, flip.a, flip.b)
    i, j = _flip_axes(result, output)
    pi, pj = space.parameters[i], space.parameters[j]
    fig, body = style.new_figure(11.0, 4.8, footer(result))
    ax, ax2 = body.subplots(1, 2, width_ratios=(1.1, 1.0))
    rng = np.random.default_rng(0)
    colours = {flip.a: A_COLOUR, flip.b: B_COLOUR}
    for name in (flip.majority, flip.minority):  # the rarer winner drawn on top
        colour = colours[name]
        mask = win == name
        xs, ys = vals[mask, i], vals[mask, j]
        if pi.kind == "categorical":
            xs = xs + rng.uniform(-0.3, 0.3, xs.size)
        if pj.kind == "categorical":
            ys = ys + rng.uniform(-0.3, 0.3, ys.size)
        verb = "better" if flip.better != "neither" else "higher"
        ax.scatter(xs, ys, s=9, alpha=0.55, color=colour, linewidths=0, label=f"{name} {verb}")
        ax2.scatter(vals[mask, i], contrast[mask], s=9, alpha=0.55, color=colour, linewidths=0)
    for k, r in enumerate(flip.regions):
        x0, x1 = _span(r, pi)
        y0, y1 = _span(r, pj)
        others = [c for c in r.conditions if c.parameter.key not in (pi.key, pj.key)]
        ax.add_patch(
            Rectangle(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                fill=False,
                edgecolor="#111111",
                linewidth=1.6,
                linestyle="-" if not others else "--",
            )
        )
        tag = f"flip region {k + 1}" + (
            " (also: " + "; ".join(c.text() for c in others) + ")" if others else ""
        )
        ax.annotate(
            _wrap(tag, 40),
            (x0, y1),
            xytext=(3, -3),
            textcoords="offset points",
            fontsize=7.5,
            va="top",
            ha="left",
            color="#111111",
        )
    for a, p, setter in ((ax, pi, "x"), (ax, pj, "y"), (ax2, pi, "x")):
        _axis(a, p, setter)
    ax.set_title(_wrap(f"Who does better on {flip.label.lower()}", 55), fontsize=11, loc="left")
    # beside the map, not over it: a legend inside can hide a flip region
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8, markerscale=2
    )
    ax2.axhline(0, color="#444444", linewidth=1)
    ax2.set_ylabel(_wrap(f"{flip.label}: {flip.a} minus {flip.b}", 45), fontsize=9)
    ax2.set_title("The contrast at each point (mean of replicates)", fontsize=10, loc="left")
    style.tidy(ax)
    style.tidy(ax2)
    return fig


def _span(region: Any, p: Any) -> tuple[float, float]:
    lo, hi = p.low, p.high
    if p.kind == "categorical":
        lo, hi = -0.5, len(p.levels) - 0.5
    elif p.kind == "integer":
        lo, hi = p.low - 0.5, p.high + 0.5
    for c in region.conditions:
        if c.parameter.key == p.key:
            lo = c.lo if c.lo is not None else lo
            hi = c.hi if c.hi is not None else hi
    return lo, hi


def _axis(ax: Any, p: Any, which: str) -> None:
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(p.label)
    if p.kind == "categorical":
        ticks = list(range(len(p.levels)))
        names = [str(v).lower() for v in p.levels]
        (ax.set_xticks if which == "x" else ax.set_yticks)(ticks, names)


def noise_figure(result: SensitivityResult) -> Figure:
    """For each output, the share of the variance between points that is seed noise
    left after averaging the replicates."""
    nz = result.noise
    labels = [_wrap(result.output_label(o), 38) for o in nz.output]
    fig, body = style.new_figure(7.6, max(1.8, 0.5 * len(nz) + 1.1), footer(result))
    ax = body.subplots()
    y = np.arange(len(nz))[::-1]
    share = np.nan_to_num(nz.noise_share_of_means.to_numpy())
    ax.barh(y, 1 - share, color=TOTAL, label="parameters")
    ax.barh(y, share, left=1 - share, color="#d9a441", label="seed noise")
    for yy, s in zip(y, share, strict=True):
        ax.text(1.01, yy, f"{s:.0%} noise", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.set_xlim(0, 1.15)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    ax.set_xlabel(
        f"share of the variance of point means ({result.design.replicates} replicates a point)"
    )
    ax.legend(loc="lower right", frameon=False, fontsize=8, ncols=2, bbox_to_anchor=(1.0, 1.0))
    style.tidy(ax)
    return fig


def figures(result: SensitivityResult) -> dict[str, Figure]:
    """Every figure of the report by file name (matplotlib figures, for notebooks)."""
    return {name: fig for name, (fig, _title, _about) in all_figures(result).items()}


def all_figures(result: SensitivityResult) -> dict[str, tuple[Figure, str, str]]:
    """Every figure of the report: file name -> (figure, title, how to read it)."""
    out: dict[str, tuple[Figure, str, str]] = {}
    method = result.method
    for k, o in enumerate(result.design.outputs):
        tag = f"{k + 1:02d}_{o}"
        if o in result.flips:
            fig = flip_figure(result, o)
            if fig is not None:
                out[f"flip_{tag}.png"] = (
                    fig,
                    f"Where the ranking flips: {result.output_label(o)}",
                    "Left: every sample point placed by the two parameters that best separate "
                    "the winners, coloured by the regime with the better mean over its "
                    "replicates there. Boxes outline the flip regions found by the "
                    "decision tree (dashed when the region also restricts other parameters, "
                    "named in the box). Right: the paired difference at each point against "
                    "the first of those parameters; points below the line favour the first "
                    "regime when lower is better.",
                )
        out[f"indices_{tag}.png"] = (
            indices_figure(result, o),
            f"Which parameters matter: {result.output_label(o)}",
            {
                "sobol": "Total-order (ST, dark) and first-order (S1, light) Sobol indices "
                "with 95% bootstrap intervals. S1 is the share of the output's variance a "
                "parameter explains alone; ST adds its interactions. ST near zero: the "
                "parameter can be fixed anywhere in its range.",
                "fast": "Total-order (ST, dark) and first-order (S1, light) indices from "
                "extended FAST, with SALib's indicative intervals.",
                "morris": "μ*, the mean absolute elementary effect, with its 95% bootstrap "
                "interval: how much the output moves when the parameter moves by one grid "
                "step, averaged over the trajectories. A screening measure: it ranks, it "
                "does not apportion variance.",
                "pawn": "PAWN's median Kolmogorov-Smirnov distance between the output's "
                "distribution with the parameter held in a slice and without, with a "
                "bootstrap interval. 0: the parameter leaves the distribution unchanged.",
            }[method],
        )
        if method == "morris":
            out[f"morris_{tag}.png"] = (
                morris_figure(result, o),
                f"Influence and interaction: {result.output_label(o)}",
                "Each parameter's μ* (influence) against σ (how much its effect changes "
                "across the space). Points near the σ/μ* = 0.1 line act almost linearly; "
                "above σ/μ* = 1 the effect depends strongly on where the others are "
                "(interactions or non-linearity). Bars: 95% intervals of μ*.",
            )
        if method == "sobol":
            fig = second_order_figure(result, o)
            if fig is not None:
                out[f"interactions_{tag}.png"] = (
                    fig,
                    f"Interactions between pairs: {result.output_label(o)}",
                    "Sobol second-order indices: the share of variance that comes only "
                    "from two parameters acting together. Bold: the 95% interval lies above "
                    "zero; grey: not distinguishable from zero at this sample size.",
                )
    out["noise.png"] = (
        noise_figure(result),
        "How much of the variance is seed noise",
        "For each output, the share of the variance between sample points that is left-over "
        "seed noise (the variance between replicates divided by their number) rather "
        "than the parameters' effect. Indices describe the whole bar; where noise is a "
        "large share, raise the replicates.",
    )
    return out


def _nan(v: float) -> bool:
    return isinstance(v, float) and math.isnan(v)
