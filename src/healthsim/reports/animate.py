"""Animated exports of a run for rooms without the app: a GIF (and an MP4 where ffmpeg
exists) of the network and key charts month by month, and a poster PNG of the end.

The frames draw what the app draws (:mod:`healthsim.reports.view`: the same colours,
sizes, buddy links and calendar labels) with matplotlib, so they need no browser.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, RegularPolygon
from matplotlib.ticker import MaxNLocator
from PIL import Image

from healthsim.atomic import atomic_file
from healthsim.config import Scenario
from healthsim.metrics import palette
from healthsim.model.economy import HealthEconomy
from healthsim.reports import view
from healthsim.reports.style import year_axis
from healthsim.reports.view import TITLES

EDGE_STYLE = {
    "flow": ("#8895a3", 1.0, "-"),
    "contract": ("#cdd4dc", 0.6, (0, (4, 3))),
    "social_care": ("#cdd4dc", 0.6, (0, (1, 3))),
    "buddy": (view.BUDDY_COLOUR, 4.0, "-"),
}


@dataclass(frozen=True)
class AnimationFiles:
    """What :func:`animate` wrote."""

    gif: Path
    poster: Path
    mp4: Path | None


def _chart_specs() -> list[tuple[str, list[tuple[str, str, Callable[[dict, int], np.ndarray]]]]]:
    def m(name: str, k: float = 1.0) -> Callable[[dict, int], np.ndarray]:
        return lambda mon, n: mon[name][:n] * k

    def sm_only(mon: dict, n: int) -> np.ndarray:
        # the recorded in_special_measures counts administration too
        return mon["in_special_measures"][:n] - mon["in_administration"][:n]

    return [
        (
            "Avoidable harm a month",
            [("reported", "-", m("harm_reported")), ("never reported", ":", m("harm_hidden"))],
        ),
        (
            "Trusts in special measures and administration",
            [
                ("special measures", "-", sm_only),
                ("administration or merger", ":", m("in_administration")),
            ],
        ),
        ("Surplus or deficit, % of income (12 months)", [("", "-", m("margin_12m", 100))]),
    ]


class Frames:
    """A figure of the network (left) and three charts (right), redrawn month by month."""

    def __init__(self, model: HealthEconomy, colour_by: view.ColourBy = "rung") -> None:
        self.model = model
        self.colour_by = colour_by
        self.fig = Figure(figsize=(12.8, 7.2), dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        grid = self.fig.add_gridspec(
            3,
            2,
            width_ratios=[1.25, 1],
            left=0.02,
            right=0.97,
            top=0.86,
            bottom=0.13,
            wspace=0.12,
            hspace=0.55,
        )
        self.ax_net = self.fig.add_subplot(grid[:, 0])
        self.ax_net.set_axis_off()
        self.title = self.fig.text(0.02, 0.955, "", fontsize=17, fontweight="bold")
        self.subtitle = self.fig.text(0.02, 0.905, "", fontsize=11.5, color="#444")
        sc = model.p
        self.x = view.month_axis(sc, np.arange(1, model.months + 1))
        self.lines = []
        for r, (title, series) in enumerate(_chart_specs()):
            ax = self.fig.add_subplot(grid[r, 1])
            ax.set_title(title, fontsize=10.5, loc="left")
            year_axis(ax, sc.start_year, model.months, label=False, most=6)
            ax.tick_params(labelsize=9)
            ax.grid(alpha=0.25)
            ax.spines[["top", "right"]].set_visible(False)
            if "deficit" in title:
                ax.axhline(0, color="#444", lw=0.8)
            if "special" in title:
                ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            for label, style, get in series:
                colour = (
                    palette.LADDER[palette.State.special_measures].colour
                    if label == "special measures"
                    else palette.LADDER[palette.State.administration].colour
                    if label.startswith("administration")
                    else "#1f5fbf"
                )
                (line,) = ax.plot([], [], style, color=colour, lw=2, label=label or None)
                self.lines.append((ax, line, get))
            if len(series) > 1:
                ax.legend(fontsize=8.5, frameon=False, loc="upper left")
        self._legend()

    def _legend(self) -> None:
        looks = palette.LADDER if self.colour_by == "rung" else palette.RATINGS
        handles = [Patch(color=v.colour, label=v.label) for v in looks.values()]
        handles += [
            Line2D([], [], color=view.BUDDY_COLOUR, lw=4, label="buddy link"),
            Line2D([], [], marker="s", ls="", color=view.COMMISSIONER_COLOUR, label="commissioner"),
            Line2D([], [], marker="D", ls="", color=view.SOCIAL_CARE_COLOUR, label="social care"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec=palette.RING,
                mew=2.5,
                label="black ring: in special measures or administration",
            ),
        ]
        self.fig.legend(
            handles=handles,
            loc="lower left",
            ncols=6,
            fontsize=8.5,
            frameon=False,
            bbox_to_anchor=(0.01, 0.0),
        )

    def draw(self) -> None:
        """Redraw for the model's current month."""
        m, sc = self.model, self.model.p
        nv = view.network_view(m, self.colour_by, "deficit")
        ax = self.ax_net
        ax.clear()
        ax.set_axis_off()
        ax.set_xlim(0, nv.width)
        ax.set_ylim(nv.height, 0)
        ax.set_aspect("equal")
        ax.add_collection(
            PatchCollection(
                [Circle((g["x"], g["y"]), g["r"]) for g in nv.groups],
                facecolor=["#fdf0f0" if g["alert"] else "#f4f6f8" for g in nv.groups],
                edgecolor="#d8dee6",
                lw=1,
            )
        )
        for kind, (colour, width, style) in EDGE_STYLE.items():
            segs = [((e["x1"], e["y1"]), (e["x2"], e["y2"])) for e in nv.edges if e["kind"] == kind]
            if segs:
                ax.add_collection(
                    LineCollection(
                        segs, colors=colour, linewidths=width, linestyles=style, zorder=1
                    )
                )
        trusts = [n for n in nv.nodes if n["kind"] == "trust"]
        ax.add_collection(
            PatchCollection(
                [Circle((n["x"], n["y"]), n["r"]) for n in trusts],
                facecolor=[n["fill"] for n in trusts],
                edgecolor=[palette.RING if n["sm"] else "white" for n in trusts],
                lw=[2.5 if n["sm"] else 0.8 for n in trusts],
                zorder=2,
            )
        )
        others = [n for n in nv.nodes if n["kind"] != "trust"]
        ax.add_collection(
            PatchCollection(
                [
                    RegularPolygon(
                        (n["x"], n["y"]),
                        4,
                        radius=n["r"] * 1.3,
                        orientation=np.pi / 4 if n["kind"] == "commissioner" else 0,
                    )
                    for n in others
                ],
                facecolor=[n["fill"] for n in others],
                lw=0,
                zorder=2,
            )
        )
        if len(nv.groups) <= 12:
            fs = 11 if len(nv.groups) == 1 else 7
            for n in trusts:
                ax.text(
                    n["x"],
                    n["y"] + n["r"] + 0.03 * nv.height / max(1, len(nv.groups) ** 0.5),
                    n["label"],
                    ha="center",
                    va="top",
                    fontsize=fs,
                    zorder=3,
                )
        if 1 < len(nv.groups) <= 60:
            for g in nv.groups:
                ax.text(
                    g["x"],
                    g["y"] - g["r"],
                    g["label"],
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color="#556",
                )
        month = m.steps
        self.title.set_text(
            f"{TITLES.get(sc.name, sc.name.replace('_', ' '))} — {view.when(sc, month)}"
        )
        h = view.headline(m)
        ladder = f"In special measures: {h['In special measures now']}"
        ladder += f"   ·   in administration: {h['In administration now']}"
        after = h.get("Out of administration, still inadequate")
        if after:
            ladder += f"   ·   out of administration, still inadequate: {after}"
        self.subtitle.set_text(
            f"{ladder}   ·   in deficit: {h['Trusts in deficit']}   ·   harm so far: "
            f"{h['Avoidable harm so far']} ({h['of which never reported']} never reported)"
        )
        n = m.recorder.n_rows
        mon = m.recorder.monthly
        tops: dict[int, tuple[float, float]] = {}
        for ax_c, line, get in self.lines:
            y = get(mon, n)
            line.set_data(self.x[:n], y)
            lo, hi = tops.get(id(ax_c), (0.0, 1.0))
            if n:
                lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
            tops[id(ax_c)] = (lo, hi)
            ax_c.set_ylim(
                -view.nice_ceiling(-lo * 1.1) if lo < 0 else 0, view.nice_ceiling(hi * 1.1)
            )

    def image(self, dpi: float | None = None) -> Image.Image:
        if dpi is not None and dpi != self.fig.dpi:
            self.fig.set_dpi(dpi)
        self.canvas.draw()
        w, h = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba()).convert("RGB")


def _mp4(frames: list[Image.Image], path: Path, fps: float, ffmpeg: str) -> None:
    w, h = frames[0].size
    w2, h2 = w - w % 2, h - h % 2  # H.264 needs even sizes

    def write(tmp: Path) -> None:
        cmd = [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{w2}x{h2}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(tmp),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None
        for im in frames:
            proc.stdin.write(im.crop((0, 0, w2, h2)).tobytes())
        proc.stdin.close()
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed: {err.strip()[:300]}")

    with atomic_file(path) as tmp:
        write(tmp)


def animate(
    scenario: Scenario,
    out: str | Path,
    *,
    seed: int = 1,
    fps: float = 6.0,
    colour_by: view.ColourBy = "rung",
    mp4: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> AnimationFiles:
    """Run ``scenario`` on ``seed`` and write the animation and poster.

    Args:
        scenario: the scenario to run (its ``years`` sets the length).
        out: the GIF to write (``blame.gif``); the poster goes beside it as
            ``blame.png`` and the MP4 as ``blame.mp4``.
        seed: the run's seed.
        fps: frames (months) a second.
        colour_by: colour trusts by ladder ``rung`` or latest ``rating``.
        mp4: also write an MP4 when ffmpeg is on the PATH.
        progress: called with (month, months) after each frame.

    Returns:
        The files written (``mp4`` is None without ffmpeg).
    """
    out = Path(out)
    model = HealthEconomy(scenario, rng=seed)
    frames_fig = Frames(model, colour_by)
    frames: list[Image.Image] = []
    frames_fig.draw()
    frames.append(frames_fig.image())
    while model.running:
        model.step()
        frames_fig.draw()
        frames.append(frames_fig.image())
        if progress is not None:
            progress(model.steps, model.months)
    poster = out.with_suffix(".png")
    big = frames_fig.image(dpi=150)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(poster) as tmp:
        big.save(tmp, "PNG")
    duration = round(1000 / fps)
    durations = [duration] * (len(frames) - 1) + [3000]  # hold the last month

    def write_gif(p: Path) -> None:
        pal = [im.convert("P", palette=Image.Palette.ADAPTIVE, colors=96) for im in frames]
        pal[0].save(
            p,
            "GIF",
            save_all=True,
            append_images=pal[1:],
            duration=durations,
            loop=0,
            optimize=False,
        )

    with atomic_file(out) as tmp:
        write_gif(tmp)
    ffmpeg = shutil.which("ffmpeg") if mp4 else None
    mp4_path = None
    if ffmpeg:
        mp4_path = out.with_suffix(".mp4")
        _mp4(frames + [frames[-1]] * int(2 * fps), mp4_path, fps, ffmpeg)
    return AnimationFiles(gif=out, poster=poster, mp4=mp4_path)
