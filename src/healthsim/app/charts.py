"""The live charts: panels of monthly metrics, one or two runs overlaid.

The projector shows three large panels beside the network (:data:`MAIN`: harm, special
measures and administration, money); the other three (:data:`MORE`) are drawn below the
fold.

Drawn with matplotlib on the server (it works with no internet, unlike the browser
chart libraries that load from a CDN). The figure is built once per pair of runs and
only its lines' data change each month, so a redraw costs one PNG encoding.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from healthsim.model.economy import HealthEconomy
from healthsim.reports.style import year_axis
from healthsim.reports.view import month_axis, nice_ceiling

#: One colour per run (first = A, second = B): blue and orange stay apart for the
#: common kinds of colour blindness.
RUN_COLOURS = ("#1f5fbf", "#e07b00")


@dataclass(frozen=True)
class Panel:
    title: str
    series: tuple[tuple[str, str, Callable[[dict, int], np.ndarray]], ...]  # label, style, get
    unit: str = ""
    floor: float = 0.0  # lowest top of the y axis
    count: bool = False  # whole numbers on the y axis


def _m(name: str, factor: float = 1.0) -> Callable[[dict, int], np.ndarray]:
    return lambda m, n: m[name][:n] * factor


def _sm_only(m: dict, n: int) -> np.ndarray:
    """Trusts in special measures, not counting administration (the recorded
    ``in_special_measures`` counts both; the palette keeps them apart)."""
    return m["in_special_measures"][:n] - m["in_administration"][:n]


PANELS: tuple[Panel, ...] = (
    Panel(
        "Harm a month (dotted: never reported)",
        (("reported", "-", _m("harm_reported")), ("never reported", ":", _m("harm_hidden"))),
        floor=10,
    ),
    Panel(
        "Special measures (dotted: administration)",
        (
            ("in special measures", "-", _sm_only),
            ("in administration", ":", _m("in_administration")),
        ),
        floor=3,
        count=True,
    ),
    Panel(
        "Surplus or deficit, % of income",
        (("surplus or deficit", "-", _m("margin_12m", 100)),),
        unit="%",
        floor=2,
    ),
    Panel(
        "Share of harm reported",
        (("reporting rate", "-", _m("reporting_rate", 100)),),
        unit="%",
        floor=100,
    ),
    Panel(
        "Staff leaving, % a year",
        (("turnover", "-", _m("turnover", 1200)),),
        unit="%",
        floor=15,
    ),
    Panel(
        "True quality of care (0 to 1)",
        (("quality", "-", _m("quality_mean")),),
        floor=1,
    ),
)
#: The panels beside the network, and the ones below the fold.
MAIN, MORE = PANELS[:3], PANELS[3:]


class Charts:
    """A figure of :data:`PANELS` for one or two runs that share a length."""

    def __init__(
        self,
        models: Sequence[HealthEconomy],
        names: Sequence[str],
        *,
        width: float = 11.0,
        height: float = 5.2,
        dpi: int = 90,
        cols: int = 3,
        panels: Sequence[Panel] = PANELS,
        font: float = 9.0,
        wrap: int = 0,
    ) -> None:
        """``font``: the panels' titles in points (ticks a little smaller); at the
        app's dpi of 90 a point is 1.25 pixels before the browser scales the image;
        ``wrap``: titles longer than this many characters go on two lines."""
        self.models = list(models)
        self.panels = tuple(panels)
        self.dpi = dpi
        self.fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self._background = None
        self._dirty = True
        rows = -(-len(self.panels) // cols)
        axes = self.fig.subplots(rows, cols, squeeze=False).ravel()
        sc = self.models[0].p
        months = max(m.months for m in self.models)
        self.x_all = month_axis(sc, np.arange(1, months + 1))
        self.lines: list[list[tuple[object, Callable]]] = []
        self.axes = axes[: len(self.panels)]
        for ax in axes[len(self.panels) :]:
            ax.set_visible(False)
        tick = round(font * 0.85, 1)
        for ax, panel in zip(self.axes, self.panels, strict=True):
            title = textwrap.fill(panel.title, wrap) if wrap else panel.title
            ax.set_title(title, fontsize=font, loc="left", fontweight="bold")
            ax.set_xlim(self.x_all[0], self.x_all[-1] + 1 / 12)
            ax.tick_params(labelsize=tick)
            ax.grid(alpha=0.25)
            ax.spines[["top", "right"]].set_visible(False)
            if panel.unit == "%":
                ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}%")
            if "deficit" in panel.title:
                ax.axhline(0, color="#444", lw=0.8)
            ax.set_ylim(0, panel.floor)
            if panel.count:
                ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            year_axis(ax, sc.start_year, months, label=False, most=5 if cols == 1 else 6, size=tick)
            row = []
            for k, name in enumerate(names):
                for label, style, get in panel.series:
                    (line,) = ax.plot(
                        [],
                        [],
                        style,
                        color=RUN_COLOURS[k % 2],
                        lw=1.8 * max(1.0, font / 9),
                        label=f"{name}: {label}" if len(panel.series) > 1 else name,
                    )
                    row.append((line, get, k, panel))
            self.lines.append(row)
        if len(names) > 1:
            # one solid line per run: each run's first series in the first panel
            first = {}
            for line, _get, k, _panel in self.lines[0]:
                first.setdefault(k, line)
            handles = [first[k] for k in range(len(names))]
            # "A" and "B" (the runs' full names head their networks, in these colours)
            self.fig.legend(
                handles,
                [n.split(": ", 1)[0] if len(n) > 24 else n for n in names],
                loc="outside upper center",
                ncols=len(names),
                fontsize=font,
                frameon=False,
            )

    def update(self) -> None:
        """Set every line to the runs' months so far and widen axes that need it."""
        for ax, row in zip(self.axes, self.lines, strict=True):
            lo, hi = 0.0, 0.0
            for line, get, k, panel in row:
                model = self.models[k]
                n = min(model.recorder.n_rows, len(self.x_all))  # not past the planned end
                y = get(model.recorder.monthly, n)
                line.set_data(self.x_all[:n], y)
                if n:
                    hi = max(hi, float(np.nanmax(y)))
                    lo = min(lo, float(np.nanmin(y)))
                top = max(panel.floor, nice_ceiling(hi * 1.05))
            bottom = -nice_ceiling(-lo * 1.1) if lo < 0 else 0.0
            if ax.get_ylim() != (bottom, top):
                ax.set_ylim(bottom, top)
                self._dirty = True

    def png(self) -> bytes:
        """The figure as PNG bytes.

        The axes, titles and ticks are drawn once and kept as a background; a month
        redraws only the lines on it (blitting), unless an axis had to widen. The layout
        is fixed after the first draw and the PNG written with light compression.
        """
        lines = [line for row in self.lines for line, *_ in row]
        if self._background is None or self._dirty:
            for line in lines:
                line.set_visible(False)
            self.canvas.draw()
            if self.fig.get_layout_engine() is not None:
                self.fig.set_layout_engine("none")  # keep the first layout
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            for line in lines:
                line.set_visible(True)
            self._dirty = False
        else:
            self.canvas.restore_region(self._background)
        for ax, row in zip(self.axes, self.lines, strict=True):
            for line, *_ in row:
                ax.draw_artist(line)
        w, h = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba())
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=1)
        return buf.getvalue()
