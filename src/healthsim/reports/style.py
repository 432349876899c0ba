"""Shared look of healthsim's figures: colours, calendar-year axes, footers.

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas, never
through ``pyplot``: no GUI backend is touched, nothing global changes, and a notebook's
own backend is left alone.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter

from healthsim._version import __version__
from healthsim.metrics import calendar, palette

#: Ladder states and ratings: the colours of :mod:`healthsim.metrics.palette` (one
#: definition for every output), by state or rating value.
RUNG_COLOURS = palette.ladder_colours()
RATING_COLOURS = palette.rating_colours()
REPORTED = "#4a7db3"
HIDDEN = "#b8412c"
MEAN_LINE = "#1f3a5f"
LOW_LINE = "#c0282d"
DPI = 150
FOOTER_INCHES = 0.32
LINE_INCHES = 0.17


def new_figure(width: float, height: float, footer: list[str]) -> tuple[Figure, SubFigure]:
    """A figure with a footer strip; returns the figure and the body to draw in.

    Args:
        width, height: size of the body in inches (the footer's strip is added below).
        footer: footer lines (see :func:`footer_text`): the first in grey, the rest (a
            scenario's disclaimer) in dark red italics.
    """
    foot = FOOTER_INCHES + LINE_INCHES * max(len(footer) - 1, 0)
    fig = Figure(figsize=(width, height + foot), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.06)  # inches: room between titles
    FigureCanvasAgg(fig)
    body, strip = fig.subfigures(2, 1, height_ratios=(height, foot))
    for i, line in enumerate(footer):
        disclaimer = i > 0
        strip.text(
            0.01,
            (0.08 + (len(footer) - 1 - i) * LINE_INCHES) / foot,
            line,
            fontsize=7.5,
            color="#8a1c1c" if disclaimer else "#555555",
            style="italic" if disclaimer else "normal",
            ha="left",
            va="bottom",
        )
    return fig, body


def footer_text(scenario_name: str, seed: int, disclaimer: str = "") -> list[str]:
    """Footer lines: what was run, and the scenario's disclaimer when it has one."""
    lines = [f"Scenario '{scenario_name}', seed {seed} · simulated by healthsim {__version__}"]
    if disclaimer:
        lines += textwrap.wrap(disclaimer, 150)
    return lines


def decimal_years(month: np.ndarray, start_year: int) -> np.ndarray:
    """x positions of run months in calendar time (month 1 starts in April of
    ``start_year``: :mod:`healthsim.metrics.calendar`)."""
    return calendar.decimal_time(month, start_year)


def year_axis(
    ax: Axes, start_year: int, months: int, *, label: bool = True, most: int = 12, size=None
) -> None:
    """Financial years on the x axis: a light line at each April, the year's label
    (``2013/14``) in its middle, spanning the run."""
    bounds = calendar.year_bounds(start_year, months)
    ax.set_xlim(bounds[0], bounds[0] + months / 12)
    ax.xaxis.set_major_locator(FixedLocator(bounds))
    ax.xaxis.set_major_formatter(NullFormatter())
    ax.tick_params(axis="x", which="major", length=3)
    at, labels = calendar.year_ticks(start_year, months, most)
    ax.xaxis.set_minor_locator(FixedLocator(at))
    ax.xaxis.set_minor_formatter(FixedFormatter(labels))
    ax.tick_params(axis="x", which="minor", length=0, **({"labelsize": size} if size else {}))
    if label:
        ax.set_xlabel("Financial year (April to March)")


def tidy(ax: Axes) -> None:
    """Light grid and no top/right frame."""
    ax.grid(True, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def outside_legend(ax: Axes, **kwargs) -> None:
    """A legend to the right of the axes, so it never covers data."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
        borderaxespad=0.0,
        **kwargs,
    )


def save(fig: Figure, path: Path) -> None:
    """Write the figure as PNG."""
    fig.savefig(path, format="png", dpi=DPI, facecolor="white")
