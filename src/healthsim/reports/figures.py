"""Figures of one run over time: quality and harm, the failure ladder, finances.

Each function takes a :class:`~healthsim.experiments.RunResult` and returns a
:class:`matplotlib.figure.Figure` (display it in a notebook, or save it with
:func:`healthsim.reports.style.save`). Titles are plain language, axes carry units,
the x axis is in calendar years and legends sit beside the plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from healthsim.experiments import RunResult
from healthsim.metrics import palette
from healthsim.model import Rating
from healthsim.reports import style

#: Monthly columns counting trusts by latest rating, best last.
RATING_COLUMNS = {
    Rating.unrated: "unrated",
    Rating.inadequate: "rated_inadequate",
    Rating.requires_improvement: "rated_requires_improvement",
    Rating.good: "rated_good",
    Rating.outstanding: "rated_outstanding",
}


@dataclass(frozen=True)
class _Months:
    """A run's monthly table and where each month sits on a calendar-year axis.

    ``steps`` repeats the last month once more so step plots reach the end of the final
    month (``x_step`` are month starts); lines use mid-month positions ``x_mid``.
    """

    ts: pd.DataFrame
    steps: pd.DataFrame
    x_step: np.ndarray
    x_mid: np.ndarray
    start: int
    months: int

    @classmethod
    def of(cls, result: RunResult) -> _Months:
        ts = result.timeseries
        start = result.scenario.start_year
        steps = pd.concat([ts, ts.iloc[[-1]]], ignore_index=True)
        steps.loc[len(steps) - 1, "month"] = int(ts["month"].iloc[-1]) + 1
        x_step = style.decimal_years(steps["month"].to_numpy(), start)
        x_mid = style.decimal_years(ts["month"].to_numpy(), start) + 0.5 / 12
        return cls(ts, steps, x_step, x_mid, start, len(ts))


def _new(result: RunResult, width: float, height: float) -> tuple[Figure, SubFigure]:
    sc = result.scenario
    return style.new_figure(
        width, height, style.footer_text(sc.name, result.seed, sc.economy.disclaimer)
    )


def _n_trusts(result: RunResult) -> int:
    return int(result.trusts["trust"].nunique())


def quality_harm_figure(result: RunResult) -> Figure:
    """True quality of care (mean and worst tenth of trusts) and avoidable harm each
    month, split into harm that was reported and harm that stayed hidden."""
    m = _Months.of(result)
    ident = result.scenario.regime.identification
    fig, body = _new(result, 10.5, 7.2)
    body.suptitle("Quality of care and avoidable harm", fontsize=14, fontweight="bold")
    ax_q, ax_h = body.subplots(2, 1, sharex=True)

    ax_q.plot(m.x_mid, m.ts["quality_mean"], color=style.MEAN_LINE, lw=2, label="Average trust")
    ax_q.plot(
        m.x_mid, m.ts["quality_p10"], color=style.LOW_LINE, lw=1.6, label="Worst tenth of trusts"
    )
    lo = min(float(m.ts["quality_p10"].min()), ident.bar) - 0.05
    hi = max(float(m.ts["quality_mean"].max()), ident.good_threshold) + 0.05
    ax_q.set_ylim(max(0.0, lo), min(1.0, hi))
    _reference_line(ax_q, ident.good_threshold, "a service is\nrated good above", Rating.good)
    _reference_line(ax_q, ident.bar, "a service is rated\ninadequate below", Rating.inadequate)
    ax_q.set_title("How good is care? True quality, which inspectors see only in part")
    ax_q.set_ylabel("True quality of care\n(0 = worst, 1 = best)")
    style.tidy(ax_q)
    _legend_right(ax_q)

    harm = float(m.ts["harm"].sum())
    hidden_share = float(m.ts["harm_hidden"].sum()) / harm if harm > 0 else 0.0
    ax_h.stackplot(
        m.x_step,
        m.steps["harm_reported"],
        m.steps["harm_hidden"],
        colors=[style.REPORTED, style.HIDDEN],
        labels=["Reported by staff", f"Hidden: never reported\n({hidden_share:.0%} of all harm)"],
        alpha=0.9,
        step="post",
    )
    ax_h.set_ylim(bottom=0)
    ax_h.set_title("Avoidable harm each month: how much was reported, how much stayed hidden")
    ax_h.set_ylabel("Harm events per month")
    style.tidy(ax_h)
    _legend_right(ax_h)
    style.year_axis(ax_h, m.start, m.months)
    return fig


def _reference_line(ax: Axes, y: float, text: str, rating: Rating) -> None:
    """A dashed horizontal line with its meaning written just right of the plot."""
    colour = style.RATING_COLOURS[rating]
    ax.axhline(y, color=colour, lw=1, ls="--")
    ax.text(
        1.01,
        y,
        text,
        transform=ax.get_yaxis_transform(),
        va="center",
        ha="left",
        fontsize=8,
        color=colour,
    )


def _legend_right(ax: Axes) -> None:
    """Legend to the right of the plot, clear of the reference-line labels."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.15, 1.0), frameon=False, fontsize=9)


def ladder_figure(result: RunResult) -> Figure:
    """Trusts on each rung of the failure ladder, and by latest rating, stacked."""
    m = _Months.of(result)
    n = _n_trusts(result)
    fig, body = _new(result, 10.5, 7.2)
    body.suptitle(
        f"Where the {n} trusts stood on the failure ladder and in their inspection ratings",
        fontsize=14,
        fontweight="bold",
    )
    ax_r, ax_g = body.subplots(2, 1, sharex=True)
    # Counted from each trust's state (palette): special measures and administration
    # apart, and a trust out of administration but still rated inadequate shown as such.
    by_state = palette.monthly_counts(result.trusts).reindex(m.ts["month"], fill_value=0)
    by_state = pd.concat([by_state, by_state.iloc[[-1]]], ignore_index=True)
    _stack(
        ax_r,
        m,
        {k: by_state[k].to_numpy() for k in palette.LADDER},
        {k: v.label for k, v in palette.LADDER.items()},
        {k: v.colour for k, v in palette.LADDER.items()},
    )
    ax_r.set_title("Failure ladder: from no action up to special measures and administration")
    _stack(
        ax_g,
        m,
        {k: m.steps[c].to_numpy() for k, c in RATING_COLUMNS.items() if c in m.steps},
        {k: v.label for k, v in palette.RATINGS.items()},
        {k: v.colour for k, v in palette.RATINGS.items()},
    )
    ax_g.set_title("Latest overall inspection rating of each trust")
    for ax in (ax_r, ax_g):
        ax.set_ylim(0, n)
        ax.set_ylabel("Number of trusts")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        style.tidy(ax)
    style.year_axis(ax_g, m.start, m.months)
    return fig


def _stack(ax: Axes, m: _Months, series: dict, labels: dict, colours: dict) -> None:
    """Stacked counts, mildest at the bottom; the legend lists the top of the stack
    first, as the eye reads it, and leaves out states no trust was ever in."""
    keys = [k for k in series if series[k].any()]
    ax.stackplot(
        m.x_step,
        *[series[k] for k in keys],
        colors=[colours[k] for k in keys],
        labels=[labels[k] for k in keys],
        step="post",
        edgecolor="white",
        linewidth=0.3,
    )
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
    )


def finances_figure(result: RunResult) -> Figure:
    """Trusts in deficit, the combined 12-month margin, and efficiency achieved against
    what the tariff asked."""
    m = _Months.of(result)
    n = _n_trusts(result)
    fig, body = _new(result, 10.5, 9.0)
    body.suptitle("Finances under the squeeze", fontsize=14, fontweight="bold")
    ax_d, ax_m, ax_e = body.subplots(3, 1, sharex=True)
    _deficit_panel(ax_d, m, n)
    _margin_panel(ax_m, m)
    _efficiency_panel(ax_e, m)
    for ax in (ax_d, ax_m, ax_e):
        style.tidy(ax)
        style.outside_legend(ax)
    style.year_axis(ax_e, m.start, m.months)
    return fig


def _deficit_panel(ax: Axes, m: _Months, n: int) -> None:
    ax.step(
        m.x_step,
        100 * m.steps["in_deficit"] / n,
        where="post",
        color=style.HIDDEN,
        lw=2,
        label="In deficit over the last 12 months",
    )
    if "financially_unsustainable" in m.steps:
        ax.step(
            m.x_step,
            100 * m.steps["financially_unsustainable"] / n,
            where="post",
            color="#333333",
            lw=1.6,
            ls="--",
            label="Financially unsustainable\n(cash run down)",
        )
    ax.set_ylim(-2, 102)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_title(f"Share of the {n} trusts in financial trouble")
    ax.set_ylabel("Share of trusts")


def _margin_panel(ax: Axes, m: _Months) -> None:
    margin = 100 * m.ts["margin_12m"].to_numpy()
    x = m.x_mid
    ax.plot(x, margin, color="#333333", lw=1.6, label="Surplus (+) or deficit (−)\nas % of income")
    ax.fill_between(
        x,
        margin,
        0,
        where=margin < 0,
        color=style.HIDDEN,
        alpha=0.3,
        lw=0,
        interpolate=True,
        label="Deficit",
    )
    ax.fill_between(
        x,
        margin,
        0,
        where=margin >= 0,
        color=style.RATING_COLOURS[Rating.good],
        alpha=0.3,
        lw=0,
        interpolate=True,
        label="Surplus",
    )
    ax.axhline(0, color="#333333", lw=0.8)
    finite = margin[np.isfinite(margin)]
    lim = max(1.0, float(np.abs(finite).max()) * 1.15) if finite.size else 1.0
    ax.set_ylim(-lim, lim)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=1 if lim < 5 else 0))
    ax.set_title("All trusts together: surplus or deficit over the last 12 months")
    ax.set_ylabel("% of income")


def _efficiency_panel(ax: Axes, m: _Months) -> None:
    required = 100 * m.steps["efficiency_required"]
    achieved = 100 * m.steps["efficiency_achieved"]
    ax.step(
        m.x_step,
        required,
        where="post",
        color="#333333",
        lw=1.6,
        ls="--",
        label="Required by the tariff",
    )
    ax.step(
        m.x_step,
        achieved,
        where="post",
        color=style.REPORTED,
        lw=2,
        label="Achieved by trusts (average)",
    )
    top = float(np.nanmax([required.max(), achieved.max(), 1.0]))
    ax.set_ylim(0, top * 1.2)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=1))
    ax.set_title("Efficiency savings: what was asked and what was delivered")
    ax.set_ylabel("% of costs a year")
