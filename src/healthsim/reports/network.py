"""The network at the end of a run: every trust coloured by where it ended up.

Two panels share one layout (``model.structure.positions``): the left colours trusts by
their rung on the failure ladder, the right by their latest rating. Trusts are sized by
beds; each local economy is a shaded disc holding its trusts, its commissioner (square)
and its social care (diamond); patient-flow links are grey (fainter between economies),
buddy links blue. Large systems (England has about 210 trusts) drop per-trust labels;
the legends say what every mark means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from healthsim.experiments import RunResult
from healthsim.metrics import palette
from healthsim.metrics.calendar import financial_year
from healthsim.model.network import Structure
from healthsim.reports import style

BUDDY = palette.BUDDY
FLOW = "#8c8c8c"
ECONOMY_FILL = "#eef2f6"
ECONOMY_EDGE = "#d5dde6"
#: Above this many trusts, trusts are not labelled one by one.
LABEL_TRUSTS_UP_TO = 30
#: Above this many economies, economies are not labelled.
LABEL_ECONOMIES_UP_TO = 60
#: Diameter of a trust of average size, in layout units (trusts of an economy sit on a
#: circle of radius 1, economies 3 units apart).
TRUST_DIAMETER = 0.36
#: Inches for the title, and for the rows of colour keys and of the shared key.
TITLE_IN = 0.75
LEGEND_ROWS_IN = (0.5, 0.45)


@dataclass(frozen=True)
class _Drawing:
    """What both panels share: positions, trusts in model order, marker areas."""

    st: Structure
    trusts: list[str]  # trust node names, in model order
    size: np.ndarray  # marker area of each trust, points^2
    labels: bool  # label each trust


def network_figure(result: RunResult) -> Figure:
    """The economy's network at the end of the run, by ladder rung and by rating.

    Raises:
        ValueError: the result was made without keeping the model (``keep_model=False``).
    """
    if result.model is None:
        raise ValueError("the network figure needs the finished model (run with keep_model=True)")
    st = result.model.structure
    trusts = result.trusts
    last = (trusts["month"] == trusts["month"].max()).to_numpy()
    final = trusts[last].assign(state=palette.states_of_trusts(trusts)[last])
    by_id = final.set_index("trust")
    rung = [int(by_id.at[t, "state"]) for t in st.trust_ids]
    rating = [int(by_id.at[t, "rating"]) for t in st.trust_ids]

    panel, width, plot_height = _figure_size(st.positions)
    lines = style.footer_text(result.scenario.name, result.seed, result.scenario.economy.disclaimer)
    fig, body = style.new_figure(width, plot_height + TITLE_IN + sum(LEGEND_ROWS_IN), lines)
    year = financial_year(len(result.timeseries), result.scenario.start_year)
    body.suptitle(
        f"The health economy at the end of the run ({year}): {st.n_trusts} trusts in "
        f"{st.n_economies} local {'economy' if st.n_economies == 1 else 'economies'}",
        fontsize=14,
        fontweight="bold",
    )
    drawing = _drawing(st, panel)
    # Rows: the two network panels, their colour keys, the shared key. Keys live in
    # axes of their own so the layout keeps them apart.
    axes = body.subplot_mosaic(
        [["rung", "rating"], ["rung key", "rating key"], ["key", "key"]],
        height_ratios=(plot_height, *LEGEND_ROWS_IN),
    )
    panels = (
        ("rung", rung, palette.LADDER, "Where each trust stood on the ladder"),
        ("rating", rating, palette.RATINGS, "Each trust's latest rating"),
    )
    for name, values, looks, title in panels:
        _draw(axes[name], drawing, [looks[v].colour for v in values])
        axes[name].set_title(title, fontsize=12)
        _colour_legend(axes[f"{name} key"], values, looks)
    key = _structure_handles(st.graph) + _size_handles(drawing)
    axes["key"].legend(
        handles=key,
        loc="center",
        ncol=len(key),
        frameon=False,
        fontsize=8.5,
        columnspacing=1.8,
        handletextpad=0.6,
    )
    for name in ("rung key", "rating key", "key"):
        axes[name].axis("off")
    return fig


def _figure_size(pos: dict[str, tuple[float, float]]) -> tuple[float, float, float]:
    """(panel width, figure width, height of the network panels) in inches: larger for
    large systems."""
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    aspect = (float(np.ptp(ys)) + 2.5) / (float(np.ptp(xs)) + 2.5)
    panel = 5.2 if len(pos) < 60 else 7.8
    return panel, 2 * panel + 0.6, panel * min(max(aspect, 0.6), 1.3)


def _drawing(st: Structure, panel_in: float) -> _Drawing:
    g = st.graph
    trusts = sorted(
        (n for n, d in g.nodes(data=True) if d.get("kind") == "trust"),
        key=lambda n: g.nodes[n]["index"],
    )
    xs = np.array([p[0] for p in st.positions.values()])
    points_per_unit = panel_in * 72 / (float(np.ptp(xs)) + 2.5)
    beds = np.asarray(st.beds, dtype=float)
    relative = np.clip(beds / beds.mean(), 0.25, 4.0) if beds.size else beds
    mean_area = (TRUST_DIAMETER * points_per_unit) ** 2
    return _Drawing(
        st=st,
        trusts=trusts,
        size=mean_area * relative,
        labels=st.n_trusts <= LABEL_TRUSTS_UP_TO,
    )


def _draw(ax: Axes, drawing: _Drawing, colours: list[str]) -> None:
    st, pos, g = drawing.st, drawing.st.positions, drawing.st.graph
    label_economies = 1 < st.n_economies <= LABEL_ECONOMIES_UP_TO
    for i, eid in enumerate(st.economy_ids):
        nodes = [n for n, d in g.nodes(data=True) if d.get("economy") == eid]
        _economy_disc(ax, pos, nodes, st.economy_labels[i] if label_economies else "")
    _edges(ax, g, pos)
    median = float(np.median(drawing.size)) if drawing.size.size else 30.0
    for kind, marker, scale, colour in (
        ("commissioner", "s", 0.3, palette.COMMISSIONER),
        ("social_care", "D", 0.22, palette.SOCIAL_CARE),
    ):
        pts = np.array([pos[n] for n, d in g.nodes(data=True) if d.get("kind") == kind])
        if len(pts):
            ax.scatter(pts[:, 0], pts[:, 1], s=median * scale, marker=marker, c=colour, zorder=3)
    xy = np.array([pos[n] for n in drawing.trusts])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=drawing.size,
        c=colours,
        edgecolors="#333333",
        linewidths=0.6,
        zorder=4,
    )
    if drawing.labels:
        for n, (x, y), area in zip(drawing.trusts, xy, drawing.size, strict=True):
            centre = pos.get(f"commissioner:{g.nodes[n]['economy']}", (x, y))
            _trust_label(ax, g.nodes[n]["label"], (x, y), centre, math.sqrt(area) / 2)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(0.06)
    ax.axis("off")


def _edges(ax: Axes, g: nx.Graph, pos) -> None:
    """Contracts and social-care ties dotted, flows grey by weight, buddies blue."""
    ties, inner, outer, buddy, w_inner, w_outer = [], [], [], [], [], []
    for u, v, d in g.edges(data=True):
        seg = (pos[u], pos[v])
        if d.get("buddy") or d.get("kind") == "buddy":
            buddy.append(seg)
        elif d.get("kind") == "flow":
            same = g.nodes[u].get("economy") == g.nodes[v].get("economy")
            (inner if same else outer).append(seg)
            (w_inner if same else w_outer).append(float(d.get("weight", 1.0)))
        else:
            ties.append(seg)
    ax.add_collection(LineCollection(ties, colors="#c8c8c8", linewidths=0.5, linestyles=":"))
    top = max([*w_inner, *w_outer, 1e-9])
    for segs, w, alpha in ((inner, w_inner, 0.85), (outer, w_outer, 0.35)):
        if segs:
            lw = 0.4 + 1.6 * np.asarray(w) / top
            ax.add_collection(LineCollection(segs, colors=FLOW, linewidths=lw, alpha=alpha))
    if buddy:
        ax.add_collection(LineCollection(buddy, colors=BUDDY, linewidths=2.4, zorder=2.5))


def _economy_disc(ax: Axes, pos, nodes: list[str], label: str) -> None:
    pts = np.array([pos[n] for n in nodes])
    cx, cy = pts.mean(axis=0)
    r = float(np.max(np.hypot(pts[:, 0] - cx, pts[:, 1] - cy))) + 0.3
    ax.add_patch(Circle((cx, cy), r, facecolor=ECONOMY_FILL, edgecolor=ECONOMY_EDGE, lw=0.8))
    if label:  # below the disc: labels of trusts at the top stay clear of it
        ax.text(
            cx,
            cy - r - 0.05,
            _economy_name(label),
            ha="center",
            va="top",
            fontsize=7,
            color="#4d5b6a",
        )


def _economy_name(label: str) -> str:
    """A short economy name: 'NHS Kent and Medway Integrated Care Board' -> 'Kent and
    Medway'."""
    for prefix in ("NHS ",):
        label = label.removeprefix(prefix)
    for suffix in (" Integrated Care Board", " ICB", " commissioner"):
        label = label.removesuffix(suffix)
    return _short(label, 24)


def _trust_label(ax: Axes, text: str, xy, centre, radius_pt: float) -> None:
    """Label a trust just outside its circle, on the side away from its economy's centre."""
    d = np.asarray(xy, dtype=float) - np.asarray(centre, dtype=float)
    norm = float(np.hypot(*d)) or 1.0
    ux, uy = (d / norm) if norm > 1e-9 else (0.0, 1.0)
    gap = radius_pt + 3
    ax.annotate(
        _short(text, 28),
        xy,
        xytext=(ux * gap, uy * gap),
        textcoords="offset points",
        ha="left" if ux > 0.3 else "right" if ux < -0.3 else "center",
        va="bottom" if uy > 0.3 else "top" if uy < -0.3 else "center",
        fontsize=8,
        zorder=5,
    )


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _colour_legend(ax: Axes, values: list[int], looks: dict) -> None:
    """Under the panel: each state present, worst first, with its count of trusts."""
    keys = [k for k in palette.worst_first(looks) if int(k) in set(values)]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markersize=9,
            markerfacecolor=looks[k].colour,
            markeredgecolor="#333333",
            label=f"{looks[k].label} ({values.count(int(k))})",
        )
        for k in keys
    ]
    ncol = min(3, len(handles))
    ax.legend(
        handles=[h for j in range(ncol) for h in handles[j::ncol]],  # read across rows
        loc="upper center",
        ncol=ncol,
        frameon=False,
        fontsize=9,
    )


def _structure_handles(g: nx.Graph) -> list[Line2D]:
    has_buddy = any(d.get("buddy") or d.get("kind") == "buddy" for *_, d in g.edges(data=True))
    buddy = "Buddy link: a strong trust\nsupporting another" if has_buddy else "Buddy link\n(none)"
    return [
        Line2D([], [], color=FLOW, lw=1.5, label="Patient flow\nbetween trusts"),
        Line2D([], [], color=BUDDY, lw=2.4, label=buddy),
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            color=palette.COMMISSIONER,
            markersize=6,
            label="Commissioner",
        ),
        Line2D(
            [], [], marker="D", ls="", color=palette.SOCIAL_CARE, markersize=5, label="Social care"
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor=ECONOMY_FILL,
            markeredgecolor=ECONOMY_EDGE,
            markersize=14,
            label="Local economy",
        ),
    ]


def _size_handles(drawing: _Drawing) -> list[Line2D]:
    """The size key, in words: circle area is proportional to beds."""
    beds = np.asarray(drawing.st.beds, dtype=float)
    if beds.size == 0 or np.ptp(beds) == 0:
        text = f"Every trust has {beds.mean():,.0f} beds"
    else:
        lo, hi = _round_beds(float(beds.min())), _round_beds(float(beds.max()))
        text = f"Circle area shows beds:\n{lo:,} (smallest) to {hi:,} (largest)"
    return [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markersize=9,
            markerfacecolor="white",
            markeredgecolor="#333333",
            label=text,
        )
    ]


def _round_beds(b: float) -> int:
    step = 50 if b < 1000 else 100
    return max(step, round(b / step) * step)
