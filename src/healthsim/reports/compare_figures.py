"""Figures of a comparison: fan charts, differences from the baseline, the breakdown of
harm and money, and the spread of outcomes.

Every function takes a :class:`~healthsim.experiments.compare.ComparisonResult` and
returns a matplotlib :class:`~matplotlib.figure.Figure` (Agg canvas, no pyplot), so
notebooks can show them and the report can embed them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from healthsim._version import __version__
from healthsim.experiments.breakdown import RATE_PART, TIME_PART
from healthsim.experiments.outcomes import FAN_CHARTS, outcome, series_info
from healthsim.experiments.stats import worst_decile
from healthsim.reports import style

if TYPE_CHECKING:
    from healthsim.experiments.compare import ComparisonResult

#: Scenario colours, in order (Okabe-Ito: distinguishable with colour-blindness).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D31")
BETTER = "#2e7d32"
WORSE = "#c62828"
UNCLEAR = "#8a8a8a"
PART = "#6b8fb3"
#: The second part of a state's harm difference: the harm a trust-month there did.
RATE = "#c98a3c"

#: Monthly counts of trusts: their medians move in whole steps, so means are drawn too.
COUNT_SERIES = ("in_special_measures", "in_deficit", "board_replacements")

#: Metrics of the spread figure.
SPREAD_METRICS = ("harm_total", "quality_p10_final", "turnover_annual", "net_position")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


#: Each scenario's line pattern in charts over time, so a line that runs on top of
#: another (two regimes with the same median) leaves both visible: solid first, then
#: dashes ever shorter, drawn in order so the shorter dashes lie on the longer.
DASHES = ("-", (0, (6, 2.5)), (0, (2.5, 2)), (0, (7, 2, 1.5, 2)), (0, (1, 1.5)))


def dashes(i: int):
    return DASHES[i % len(DASHES)]


def footer_lines(result: ComparisonResult, width: float = 10.5) -> tuple[list[str], int]:
    """Footer of every figure: what was run, and that it is simulated (wrapped to a
    figure ``width`` inches wide: about 15 characters an inch at the footer's size), and
    how many of them are the first statement (the rest are scenario disclaimers)."""
    chars = max(60, int(width * 15))
    spec = result.spec
    n = len(result.complete_replicates)
    params = {
        "posterior": ", each on its own set of the calibration posterior's parameters",
        "prior": ", each on its own draw of the parameters from their priors",
    }.get(spec.parameter_kind, ", today's default parameters")
    lines = textwrap.wrap(
        f"{n} simulated futures per scenario (common random numbers, master seed "
        f"{spec.seed}{params}) · healthsim {__version__} · model results, not observations",
        chars,
    )
    first = len(lines)
    for d in sorted({s.economy.disclaimer for s in spec.scenarios if s.economy.disclaimer}):
        lines += textwrap.wrap(d, chars)
    return lines, first


DPI = 150
FOOTER_INCHES = 0.32
LINE_INCHES = 0.17


def _new(result: ComparisonResult, width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches for the plot, plus a footer strip."""
    lines, first = footer_lines(result, width)
    foot = FOOTER_INCHES + LINE_INCHES * len(lines)
    total = height + foot
    fig = Figure(figsize=(width, total), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(rect=(0, foot / total, 0.985, 1 - foot / total))
    for i, line in enumerate(lines):
        fig.text(
            0.01,
            (0.1 + (len(lines) - 1 - i) * LINE_INCHES) / total,
            line,
            fontsize=7.5,
            color="#8a1c1c" if i >= first else "#555555",
            style="italic" if i >= first else "normal",
            ha="left",
            va="bottom",
        )
    return fig


def _finish(fig: Figure, result: ComparisonResult) -> Figure:
    return fig


def _years(result: ComparisonResult) -> np.ndarray:
    return style.decimal_years(np.arange(1, result.spec.months + 1), result.spec.start_year)


def _year_axis(ax, result: ComparisonResult, nbins: int = 12) -> None:
    style.year_axis(ax, result.spec.start_year, result.spec.months, label=False, most=nbins)


def _thousands(ax, axis: str = "x") -> None:
    """Tick labels with thousands separators and at most ~5 ticks."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(MaxNLocator(nbins=5))
    a.set_major_formatter(FuncFormatter(_tick))


def _tick(v: float, _pos: int) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}"


def _tidy(ax) -> None:
    ax.grid(True, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (deterministic: no timestamps in the metadata)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _band_legend(
    fig: Figure, result: ComparisonResult, names: Sequence[int], *, means: bool = False
) -> None:
    handles = [
        Line2D([], [], color=colour(i), lw=2.2, ls=dashes(i), label=result.spec.names[i])
        for i in names
    ]
    handles += [
        Line2D(
            [],
            [],
            color="#555555",
            lw=1.8,
            label="median (mean for counts of trusts)" if means else "median",
        ),
        Patch(facecolor="#777777", alpha=0.45, label="middle 50% of futures"),
        Patch(facecolor="#777777", alpha=0.18, label="middle 90% of futures"),
    ]
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=min(len(handles), 4),
        frameon=False,
        fontsize=9,
        columnspacing=1.2,
        handlelength=3.2,
    )


def fan_charts(result: ComparisonResult, metrics: Sequence[str] | None = None) -> Figure:
    """Median with 50% and 90% bands of key monthly metrics, by scenario, over time."""
    metrics = [m for m in (metrics or FAN_CHARTS) if m in result.spec.series]
    cols = 2 if len(metrics) > 1 else 1
    rows = max(1, -(-len(metrics) // cols))
    fig = _new(result, 10.5, 2.7 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    x = _years(result)
    for ax, m in zip(axes, metrics, strict=False):
        info = series_info(m)
        data = result.series(m)
        for s in range(len(result.spec.names)):
            y = data[:, s, :]
            if y.shape[0] == 0:
                continue
            p5, p25, p50, p75, p95 = np.nanpercentile(y, [5, 25, 50, 75, 95], axis=0)
            c = colour(s)
            ax.fill_between(x, p5, p95, color=c, alpha=0.13, lw=0)
            ax.fill_between(x, p25, p75, color=c, alpha=0.3, lw=0)
            # a median of a count of a few trusts is 0, 1 or 2 and hides the others':
            # counts show their mean
            centre = np.nanmean(y, axis=0) if m in COUNT_SERIES else p50
            ax.plot(x, centre, color=c, lw=1.8, ls=dashes(s), zorder=3 + s)
        ax.set_title(info.label, fontsize=10.5, loc="left")
        _thousands(ax, "y")
        if m in COUNT_SERIES:
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_ylabel(info.unit, fontsize=9)
        _year_axis(ax, result)
        _tidy(ax)
        ax.tick_params(labelsize=8.5)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    _band_legend(
        fig, result, range(len(result.spec.names)), means=any(m in COUNT_SERIES for m in metrics)
    )
    return _finish(fig, result)


def difference_over_time(result: ComparisonResult) -> Figure:
    """Running total of the harm difference and the quality difference from the
    baseline, run by run (median with 50% and 90% bands)."""
    spec = result.spec
    b = spec.baseline
    others = [i for i in range(len(spec.names)) if i != b]
    panels = []
    if "harm" in spec.series:
        panels.append(("harm", True, "Avoidable harm, running total", "harm events"))
    if "harm_hidden" in spec.series:
        panels.append(("harm_hidden", True, "Hidden harm, running total", "harm events"))
    if "quality_mean" in spec.series:
        panels.append(("quality_mean", False, "Mean quality of trusts", "quality (0-1)"))
    fig = _new(result, 10.5, 3.2)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(panels)), squeeze=False).ravel())
    x = _years(result)
    for ax, (m, cum, title, unit) in zip(axes, panels, strict=False):
        data = result.series(m)
        for s in others:
            d = data[:, s, :] - data[:, b, :]
            if cum:
                d = np.cumsum(d, axis=1)
            if d.shape[0] == 0:
                continue
            p5, p25, p50, p75, p95 = np.nanpercentile(d, [5, 25, 50, 75, 95], axis=0)
            c = colour(s)
            ax.fill_between(x, p5, p95, color=c, alpha=0.13, lw=0)
            ax.fill_between(x, p25, p75, color=c, alpha=0.3, lw=0)
            ax.plot(x, p50, color=c, lw=1.8, ls=dashes(s), zorder=3 + s)
        ax.axhline(0, color="#333333", lw=0.9)
        ax.set_title(f"{title}:\ndifference from {spec.baseline_name}", fontsize=10, loc="left")
        ax.set_ylabel(unit, fontsize=9)
        _thousands(ax, "y")
        _year_axis(ax, result, nbins=6)
        _tidy(ax)
        ax.tick_params(labelsize=8.5)
    _band_legend(fig, result, others)
    return _finish(fig, result)


def _verdict_colour(v: int) -> str:
    return BETTER if v > 0 else WORSE if v < 0 else UNCLEAR


def differences_plot(result: ComparisonResult, metrics: Sequence[str] | None = None) -> Figure:
    """Mean paired difference from the baseline with its 95% interval, one small panel
    per metric in its own unit; green where clearly better, red where clearly worse."""
    spec = result.spec
    metrics = [m for m in (metrics or spec.metrics) if m in result.metrics]
    d = result.differences
    others = [n for i, n in enumerate(spec.names) if i != spec.baseline]
    cols = 3
    rows = max(1, -(-len(metrics) // cols))
    panel_h = 0.42 * len(others) + 0.75
    fig = _new(result, 10.5, panel_h * rows + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax, m in zip(axes, metrics, strict=False):
        o = outcome(m)
        sub = d[d["metric"] == m].set_index("scenario")
        scale = 100.0 if o.percent else 1.0
        for j, name in enumerate(others):
            if name not in sub.index:
                continue
            r = sub.loc[name]
            c = _verdict_colour(int(r["verdict"]))
            y = len(others) - 1 - j
            lo, hi = r["ci_low"] * scale, r["ci_high"] * scale
            if np.isfinite(lo):
                ax.plot([lo, hi], [y, y], color=c, lw=2.4, solid_capstyle="butt")
            ax.plot([r["diff"] * scale], [y], "o", color=c, ms=5.5)
        ax.axvline(0, color="#333333", lw=0.9)
        ax.set_yticks(range(len(others)))
        ax.set_yticklabels(list(reversed(others)), fontsize=8.5)
        ax.set_ylim(-0.6, len(others) - 0.4)
        unit = "percentage points" if o.percent else o.unit
        hint = {"lower": "lower is better", "higher": "higher is better"}.get(o.better, "")
        ax.set_title("\n".join(textwrap.wrap(o.label, 38)), fontsize=9.5, loc="left")
        ax.set_xlabel(f"{unit}" + (f" ({hint})" if hint else ""), fontsize=8)
        _tidy(ax)
        ax.grid(False, axis="y")
        ax.tick_params(axis="x", labelsize=8)
        _symmetric(ax)
        _thousands(ax, "x")
        _shade_better(ax, o.sign)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    fig.legend(
        handles=[
            Patch(facecolor=BETTER, alpha=0.08, label="better side"),
            Line2D([], [], color=BETTER, marker="o", lw=2.4, label="clearly better"),
            Line2D([], [], color=WORSE, marker="o", lw=2.4, label="clearly worse"),
            Line2D(
                [], [], color=UNCLEAR, marker="o", lw=2.4, label="interval includes no difference"
            ),
        ],
        loc="outside upper center",
        ncols=4,
        frameon=False,
        fontsize=9,
        title=f"Difference from {spec.baseline_name}: mean over paired futures, with 95% interval",
        title_fontsize=10,
    )
    return _finish(fig, result)


def _shade_better(ax, sign: int) -> None:
    """Tint the better side of zero (right when higher is better)."""
    if not sign:
        return
    lo, hi = ax.get_xlim()
    ax.axvspan(0, hi, color=BETTER, alpha=0.06, lw=0) if sign > 0 else ax.axvspan(
        lo, 0, color=BETTER, alpha=0.06, lw=0
    )
    ax.set_xlim(lo, hi)


def _symmetric(ax) -> None:
    lo, hi = ax.get_xlim()
    m = max(abs(lo), abs(hi)) or 1.0
    ax.set_xlim(-m * 1.08, m * 1.08)


def breakdown_plot(result: ComparisonResult) -> Figure:
    """For each scenario against the baseline: where the difference in harm happened
    and where the difference in money came from (mean paired differences, 95% interval).
    The bars add up to the total shown at the bottom."""
    spec = result.spec
    bdf = result.breakdown
    others = [n for i, n in enumerate(spec.names) if i != spec.baseline]
    diffs = result.differences
    fig = _new(result, 10.5, 3.3 * max(1, len(others)) + 0.3)
    subs = np.atleast_1d(fig.subfigures(max(1, len(others)), 1, squeeze=False).ravel())
    money_labels = {
        "income_total": "Trusts' income",
        "spending_total": "Trusts' spending",
        "regime_cost_total": "Regime's own spending",
    }
    for sub_fig, name in zip(subs, others, strict=False):
        sub_fig.suptitle(
            f"{name} compared with {spec.baseline_name}",
            fontsize=11,
            fontweight="bold",
            x=0.01,
            ha="left",
        )
        ax_h, ax_m = sub_fig.subplots(1, 2, width_ratios=(1.15, 1))
        sub = bdf[bdf["scenario"] == name]
        tot = diffs[(diffs["scenario"] == name)].set_index("metric")
        time = sub[sub["part"] == TIME_PART].set_index("metric")
        rate = sub[sub["part"] == RATE_PART].set_index("metric")
        _state_bars(ax_h, time, rate, _get(tot, "harm_total"))
        ax_h.set_title("Why harm differed, state by state", fontsize=10, loc="left")
        ax_h.set_xlabel("difference in harm events over the run", fontsize=8.5)
        money = sub[sub["part"] == "money: net position"]
        _bars(
            ax_m,
            [money_labels.get(m, m) for m in money["metric"]],
            money["contribution"].to_numpy(),
            money["ci_low"].to_numpy(),
            money["ci_high"].to_numpy(),
            money["sign"].to_numpy(),
            "Net position",
            _get(tot, "net_position"),
            lower_better=False,
        )
        ax_m.set_title("Where the money difference came from", fontsize=10, loc="left")
        ax_m.set_xlabel("effect on the net position, £m", fontsize=8.5)
    fig.legend(
        handles=[
            Patch(facecolor=PART, label="from time spent in the state"),
            Patch(facecolor=RATE, label="from harm a month there"),
            Patch(facecolor=BETTER, label="better than the baseline"),
            Patch(facecolor=WORSE, label="worse than the baseline"),
            Patch(facecolor=UNCLEAR, label="no clear difference"),
            Line2D([], [], color="#222222", lw=1.2, label="95% interval"),
        ],
        loc="outside upper center",
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    return _finish(fig, result)


def _state_bars(ax, time, rate, total: tuple[float, float, float]) -> None:
    """Two bars a state: the part of its harm difference from the time trusts spent
    there and the part from the harm a trust-month there did; the total below."""
    states = list(time.index)
    n = len(states)
    ys = np.arange(n + 1)[::-1].astype(float)
    for frame, colour_, dy in ((time, PART, 0.19), (rate, RATE, -0.19)):
        v = frame.reindex(states)
        ax.barh(ys[:-1] + dy, v["contribution"], color=colour_, alpha=0.9, height=0.36)
        for y, lo, hi in zip(ys[:-1] + dy, v["ci_low"], v["ci_high"], strict=True):
            if np.isfinite(lo) and hi > lo:
                ax.plot([lo, hi], [y, y], color="#222222", lw=1.0)
    d, lo, hi = total
    clear = bool(np.isfinite(lo) and (lo > 0 or hi < 0))
    ax.barh(
        ys[-1],
        d,
        color=(BETTER if d < 0 else WORSE) if clear else UNCLEAR,
        height=0.7,
        edgecolor="#222222",
    )
    if np.isfinite(lo):
        ax.plot([lo, hi], [ys[-1], ys[-1]], color="#222222", lw=1.2)
    _parts_axes(ax, ys, [*(outcome(m).label for m in states), "All avoidable harm"])


def _parts_axes(ax, ys, labels: list[str]) -> None:
    """The axes of a parts-and-total bar chart: zero line, the total's rule, labels
    (the total's in bold), a symmetric x axis in thousands."""
    ax.axvline(0, color="#333333", lw=0.9)
    ax.axhline(ys[-1] + 0.5, color="#bbbbbb", lw=0.8, ls="--")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8.5)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    _tidy(ax)
    ax.grid(False, axis="y")
    ax.tick_params(axis="x", labelsize=8)
    _symmetric(ax)
    _thousands(ax, "x")


def _get(frame, metric: str) -> tuple[float, float, float]:
    if metric not in frame.index:
        return (np.nan, np.nan, np.nan)
    r = frame.loc[metric]
    return (float(r["diff"]), float(r["ci_low"]), float(r["ci_high"]))


def _bars(
    ax,
    labels: list[str],
    values: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    signs: np.ndarray,
    total_label: str,
    total: tuple[float, float, float],
    *,
    lower_better: bool,
    neutral_parts: bool = False,
) -> None:
    """Horizontal bars of contributions (sign applied), with the total at the bottom.

    With ``neutral_parts`` the parts are drawn in one neutral colour (a part can grow
    because more trusts are in that state, which is neither good nor bad in itself)."""
    n = len(labels)
    ys = np.arange(n + 1)[::-1]
    allv = [*values, total[0]]
    # an effect is coloured only when its interval excludes zero
    bounds = [sorted((s * lo, s * hi)) for lo, hi, s in zip(lows, highs, signs, strict=True)]
    bounds.append(sorted(total[1:]))
    clear = [bool(np.isfinite(a) and (a > 0 or b < 0)) for a, b in bounds]
    good = [(v < 0) if lower_better else (v > 0) for v in allv]
    colours = [(BETTER if g else WORSE) if c else UNCLEAR for g, c in zip(good, clear, strict=True)]
    if neutral_parts:
        colours[:-1] = [PART] * n
    ax.barh(ys[:-1], values, color=colours[:-1], alpha=0.85, height=0.62)
    ax.barh(ys[-1], total[0], color=colours[-1], alpha=1.0, height=0.7, edgecolor="#222222")
    # intervals: a contribution with sign -1 flips its interval
    for y, lo, hi, s in zip(ys[:-1], lows, highs, signs, strict=True):
        a, b = sorted((s * lo, s * hi))
        if np.isfinite(a):
            ax.plot([a, b], [y, y], color="#222222", lw=1.2)
    if np.isfinite(total[1]):
        ax.plot([total[1], total[2]], [ys[-1], ys[-1]], color="#222222", lw=1.2)
    _parts_axes(ax, ys, [*labels, total_label])


def spread_plot(result: ComparisonResult, metrics: Sequence[str] = SPREAD_METRICS) -> Figure:
    """How outcomes vary across simulated futures: boxes (middle 50%), whiskers (5th to
    95th percentile) and the average of the worst tenth of futures (diamond)."""
    spec = result.spec
    metrics = [m for m in metrics if m in result.metrics]
    fig = _new(result, 10.5, 2.9 * -(-len(metrics) // 2) + 0.3)
    axes = np.atleast_1d(fig.subplots(-(-len(metrics) // 2), 2, squeeze=False).ravel())
    names = list(spec.names)
    for ax, m in zip(axes, metrics, strict=False):
        o = outcome(m)
        x = result.values(m)
        scale = 100.0 if o.percent else 1.0
        for s, _name in enumerate(names):
            v = x[:, s][np.isfinite(x[:, s])] * scale
            if v.size == 0:
                continue
            y = len(names) - 1 - s
            p5, p25, p50, p75, p95 = np.percentile(v, [5, 25, 50, 75, 95])
            c = colour(s)
            ax.plot([p5, p95], [y, y], color=c, lw=1.3)
            ax.add_patch(_box(p25, p75, y, c))
            ax.plot([p50, p50], [y - 0.28, y + 0.28], color=c, lw=2.2)
            w, _ = worst_decile(v, o.better)
            if np.isfinite(w):
                ax.plot([w], [y], marker="D", color=WORSE, ms=5.5, ls="none")
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(list(reversed(names)), fontsize=8.5)
        ax.set_ylim(-0.7, len(names) - 0.3)
        hint = {"lower": "lower is better", "higher": "higher is better"}.get(o.better, "")
        unit = "%" if o.percent else o.unit
        ax.set_title(o.label, fontsize=10, loc="left")
        ax.set_xlabel(f"{unit}" + (f" ({hint})" if hint else ""), fontsize=8.5)
        _tidy(ax)
        ax.grid(False, axis="y")
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    fig.legend(
        handles=[
            Patch(
                facecolor="#999999", alpha=0.4, edgecolor="#666666", label="middle 50% of futures"
            ),
            Line2D([], [], color="#666666", lw=1.3, label="5th to 95th percentile"),
            Line2D([], [], color="#666666", lw=2.2, label="median"),
            Line2D([], [], color=WORSE, marker="D", ls="none", label="average of the worst 10%"),
        ],
        loc="outside upper center",
        ncols=4,
        frameon=False,
        fontsize=9,
    )
    return _finish(fig, result)


def _box(lo: float, hi: float, y: float, c: str) -> Rectangle:
    return Rectangle((lo, y - 0.28), hi - lo, 0.56, facecolor=c, alpha=0.35, edgecolor=c)


#: The report's figures: file stem -> (builder, title, how to read it).
FIGURES = {
    "fan_charts": (
        fan_charts,
        "Key outcomes over time",
        "Each line is the median over the simulated futures; the dark band holds the middle "
        "50% of futures and the light band the middle 90%. Where bands overlap, the "
        "scenarios cannot be told apart from a single future, even if their averages "
        "differ.",
    ),
    "difference_over_time": (
        difference_over_time,
        "How the difference from the baseline builds up",
        "Differences computed future by future (each scenario against the baseline on the "
        "same seed), so shocks common to both cancel out. Above zero means more harm (left "
        "panels) or higher quality (right panel) than the baseline.",
    ),
    "differences": (
        differences_plot,
        "Differences from the baseline, outcome by outcome",
        "Each dot is the average difference from the baseline over paired futures, the "
        "bar its 95% interval. Green: clearly better than the baseline; red: clearly "
        "worse; grey: the interval includes no difference. Each panel has its own unit.",
    ),
    "breakdown": (
        breakdown_plot,
        "Why: where the differences in harm and money came from",
        "Left: the difference in avoidable harm split by the state trusts were in when the "
        "harm happened; the bars add up to the total at the bottom. Right: the "
        "difference in the net financial position split into trusts' income, trusts' "
        "spending and the regime's own spending (bars show each one's effect on the net, "
        "so spending more shows as a negative bar).",
    ),
    "spread": (
        spread_plot,
        "Spread of outcomes across futures, and the worst tenth",
        "Boxes hold the middle half of the simulated futures, lines run from the 5th to "
        "the 95th percentile, and the red diamond is the average of the worst tenth of "
        "futures for that scenario: what a bad draw looks like.",
    ),
}


def all_figures(result: ComparisonResult) -> dict[str, Figure]:
    """Every figure of the report, by file stem."""
    out = {}
    for key, (build, _title, _about) in FIGURES.items():
        if (
            key in ("difference_over_time", "differences", "breakdown")
            and len(result.spec.names) < 2
        ):
            continue
        out[key] = build(result)
    return out
