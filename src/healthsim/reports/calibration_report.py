"""Calibration outputs: the check's table, figure and folder; the fit's defaults file,
posterior figure and folder.

- :func:`check_table_text`, :func:`check_figure`, :func:`check_blocks`,
  :func:`write_check` for ``calibrate --check`` (the folder is written atomically: a
  hidden folder, then moved).
- :func:`fit_table_text`, :func:`posterior_figure`, :func:`fitted_defaults_toml`,
  :func:`fit_blocks`, :func:`write_fit` for ``calibrate --fit`` (the fit's folder also
  holds its run store, so its files are written beside it and moved in together at the
  end).

Each summary is built once as blocks and rendered to markdown and to a self-contained
``report.html`` by :mod:`healthsim.reports.blocks`, like every healthsim report.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from healthsim._version import __version__
from healthsim.atomic import MARKER, atomic_files, atomic_folder, check_destination
from healthsim.calibration.check import CheckResult
from healthsim.calibration.fit import FitResult
from healthsim.calibration.targets import TARGET_TITLES, TARGETS, Target
from healthsim.config import scenario_to_toml
from healthsim.experiments.uncertainty import Posterior
from healthsim.reports import style
from healthsim.reports.blocks import Block, render_html, render_markdown

PASS_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c0282d"
BAND_COLOUR = "#cfe3cf"
BAND_FAIL_COLOUR = "#f3d0d0"
SEED_COLOUR = "#7b8794"
OBSERVED_COLOUR = "#111111"
PRIOR_LINE = "#8c8c8c"
POSTERIOR_COLOUR = "#4a7db3"
DEFAULT_COLOUR = "#b8412c"

LIMITS = (
    "The record of 2013/14–2019/20 comes from one regime that mixed public naming with "
    "buddying and improvement support. Matching it shows the model behaves like that "
    "NHS; it cannot show whether blame or support did the work, so comparisons of "
    "blame-focused and support-focused regimes stay exploratory."
)

#: Files of a check folder and what each holds.
CHECK_FILES = {
    "report.html": "this summary as one page (the figure embedded; opens offline)",
    "calibration_check.md": "this summary",
    "calibration_check.csv": "one row per target statistic: observed, band, simulated mean, "
    "spread over seeds, pass or fail, source",
    "calibration_runs.csv": "one row per seed: the seed and every statistic's value",
    "calibration_check.png": "the figure: every statistic against its band",
    MARKER: "the fully resolved scenario checked (every value the runs used)",
}

#: Files a fit writes beside its run store, and what each holds.
FIT_FILES = {
    "report.html": "this summary as one page (the figure embedded; opens offline)",
    "fit.md": "this summary",
    "posterior.json": "the final population as weighted parameter sets, with its provenance "
    "(what `healthsim compare` and `calibrate --check` draw parameter sets from)",
    "fitted_defaults.toml": "the fitted values as a scenario file extending the calibration "
    "scenario, with their provenance in its header",
    "fit_parameters.csv": "one row per fitted parameter: prior, current default, posterior "
    "mean, sd, median, 90% interval, fitted value",
    "fit_posterior.csv": "the final population: one row per particle, its parameters, "
    "weight and distance",
    "fit_points.csv": "every evaluated point: generation, parameters, distance, whether it "
    "is in the posterior, and each statistic's mean over the point's seeds",
    "fit_generations.csv": "one row per generation: points proposed, the share of them "
    "that beat the previous tolerance, the new tolerance, how many of the population are "
    "new, effective sample size, runs",
    "fit_fitted_check.csv": "the fitted values' statistic means against the bands (over the "
    "fit's seeds)",
    "fit_posterior.png": "the figure: posterior marginals against the priors, with the "
    "current defaults",
    "runs.sqlite": "every model run of the fit (the store that lets an interrupted fit carry on)",
}


# --------------------------------------------------------------------------------------
# values in words
# --------------------------------------------------------------------------------------


def format_value(target: Target, x: float, *, unit: bool = True) -> str:
    """A statistic's value as people read it: 20.4 months, 6.9%."""
    if not np.isfinite(x):
        return "n/a"
    if target.unit == "share":
        return f"{x:.1%}"
    return f"{x:.1f} {target.unit}" if unit else f"{x:.1f}"


def format_mean(target: Target, x: float) -> str:
    """A mean as :func:`format_value`, with more decimals when it would otherwise read
    as a band edge it is on the other side of (2.96% shown as 3.0% would look in band)."""
    text = format_value(target, x)
    if not np.isfinite(x):
        return text
    for digits in (2, 3, 4):
        edges = [e for e in (target.low, target.high) if np.isfinite(e)]
        if not any(text == format_value(target, e) and x != e for e in edges):
            break
        share = target.unit == "share"
        text = f"{x:.{digits}%}" if share else f"{x:.{digits}f} {target.unit}"
    return text


def format_range(target: Target, lo: float, hi: float) -> str:
    if target.unit == "share":
        return f"{format_value(target, lo)} to {format_value(target, hi)}"
    return f"{format_value(target, lo, unit=False)} to {format_value(target, hi)}"


def _target(key: str) -> Target:
    return next(t for t in TARGETS if t.key == key)


def check_rows(result: CheckResult) -> list[dict[str, str]]:
    """The check table as text cells (for the terminal and the markdown summary)."""
    rows = []
    for r in result.table.to_dict("records"):
        t = _target(r["statistic"])
        rows.append(
            {
                "Target": r["target"],
                "Statistic": r["label"],
                "Observed": r["observed"],
                "Band": r["band"],
                "Simulated mean": format_mean(t, r["mean"]),
                "5-95% over seeds": format_range(t, r["p05"], r["p95"]),
                "Result": "PASS" if r["pass"] else "FAIL",
            }
        )
    return rows


def text_table(
    rows: Sequence[dict[str, str]], width: int | None = None, wrap: Sequence[str] = ()
) -> str:
    """Rows of text cells as an aligned plain-text table.

    With ``width``, the columns named in ``wrap`` are narrowed (widest first, to no less
    than 14 characters) and their cells wrapped over several lines until the table fits.
    """
    if not rows:
        return ""
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    if width is not None:
        while sum(widths.values()) + 2 * (len(cols) - 1) > width:
            candidates = [c for c in wrap if widths[c] > 14]
            if not candidates:
                break
            widest = max(candidates, key=lambda c: widths[c])
            widths[widest] -= 1
    out = ["  ".join(c.ljust(widths[c]) for c in cols).rstrip()]
    out.append("  ".join("-" * widths[c] for c in cols))
    for r in rows:
        cells = {c: textwrap.wrap(r[c], widths[c]) or [""] for c in cols}
        for i in range(max(len(v) for v in cells.values())):
            line = "  ".join(
                (cells[c][i] if i < len(cells[c]) else "").ljust(widths[c]) for c in cols
            )
            out.append(line.rstrip())
    return "\n".join(out)


def table_block(rows: Sequence[dict[str, str]], right: Sequence[str] = ()) -> Block:
    """Rows of text cells as a table block; the columns named in ``right`` align right."""
    cols = list(rows[0]) if rows else []
    return Block(
        "table",
        header=cols,
        rows=[[r[c] for c in cols] for r in rows],
        align="".join("r" if c in right else "l" for c in cols),
    )


def files_block(files: dict[str, str]) -> Block:
    return Block(
        "table", header=["File", "What it holds"], rows=[[f"`{f}`", a] for f, a in files.items()]
    )


def _made_with(command: str | None, where: str) -> str:
    return (
        f"Made with healthsim {__version__}"
        + (f" by `{command}`" if command else " from Python")
        + (f" on {where}" if where else "")
    )


def check_verdict(result: CheckResult) -> str:
    """One line: how many statistics pass, over how many seeds."""
    n = len(result.table)
    k = int(result.table["pass"].sum())
    seeds = len(result.runs)
    line = (
        f"{k} of {n} calibration statistics inside their bands on average over "
        f"{seeds} seeds: {'PASS' if result.passed else 'FAIL'}"
    )
    if not result.failed.empty:
        line += f" ({len(result.failed)} run(s) failed)"
    return line


def _parameters_words(result: CheckResult) -> str:
    sets = result.parameters
    return sets.description if sets is not None else "the scenario's values"


def check_table_text(result: CheckResult, width: int | None = None) -> str:
    """The check as printed: a heading, the table and the verdict; with ``width`` (a
    terminal's), the statistic and observed columns wrap to fit."""
    sc = result.scenario
    head = (
        f"Calibration check: scenario '{sc.name}', {len(result.runs)} runs "
        f"(master seed {result.master_seed}); parameters: {_parameters_words(result)}"
    )
    table = text_table(check_rows(result), width, wrap=("Observed", "Statistic"))
    return "\n".join([head, "", table, "", check_verdict(result)])


# --------------------------------------------------------------------------------------
# the check's figure
# --------------------------------------------------------------------------------------

_IN = {
    "width": 11.0,
    "label": 3.75,  # left column: statistic and observed figure
    "result": 1.35,  # right column: pass or fail and the mean
    "row": 0.6,
    "group": 0.36,
    "top": 1.25,
    "bottom": 0.55,
}


def _axis_limits(t: Target, values: np.ndarray, mean: float) -> tuple[float, float]:
    pts = [t.low, t.high, mean]
    if t.observed_range is not None:
        pts += list(t.observed_range)
    if values.size:
        pts += [float(np.percentile(values, 1)), float(np.percentile(values, 99))]
    pts = [p for p in pts if np.isfinite(p)]
    lo, hi = min(pts), max(pts)
    pad = 0.08 * (hi - lo or abs(hi) or 1.0)
    lo, hi = lo - pad, hi + pad
    if t.unit == "share":
        lo = max(lo, -1.0) if t.low < 0 else max(lo, -pad * 0.5)
    return lo, hi


def _formatter(t: Target) -> FuncFormatter:
    if t.unit == "share":
        return FuncFormatter(lambda x, _: f"{x * 100:.3g}%")
    return FuncFormatter(lambda x, _: f"{x:g}")


def check_figure(result: CheckResult) -> Figure:
    """Every statistic against its band, one row each, grouped by target T1-T8.

    The band to hit is shaded (green when the mean is inside, red when outside); grey
    dots are single seeds (one possible history each); the diamond is the mean over
    seeds; the black tick is the figure in the public record. Each row has its own
    scale, in the statistic's unit.
    """
    table = result.table.set_index("statistic")
    groups: dict[str, list[Target]] = {}
    for t in TARGETS:
        groups.setdefault(t.target, []).append(t)
    n_rows = len(TARGETS)
    h = _IN["top"] + len(groups) * _IN["group"] + n_rows * _IN["row"] + _IN["bottom"]
    w = _IN["width"]
    fig = Figure(figsize=(w, h), dpi=style.DPI)
    FigureCanvasAgg(fig)
    n_pass = int(result.table["pass"].sum())
    fig.text(
        0.3 / w,
        1 - 0.3 / h,
        "Does the model behave like the NHS in England, 2013/14–2019/20?",
        fontsize=15,
        weight="bold",
        va="top",
    )
    fig.text(
        0.3 / w,
        1 - 0.66 / h,
        f"Simulated against the public record: scenario '{result.scenario.name}', "
        f"{len(result.runs)} seeds. {n_pass} of {n_rows} statistics have their mean "
        "inside the band to hit.",
        fontsize=10,
        color="#333333",
        va="top",
    )
    handles = [
        Patch(facecolor=BAND_COLOUR, edgecolor="none", label="band to hit"),
        Line2D([], [], ls="", marker="o", ms=4, color=SEED_COLOUR, alpha=0.7, label="one seed"),
        Line2D(
            [],
            [],
            ls="",
            marker="D",
            ms=8,
            mfc=PASS_COLOUR,
            mec="white",
            label="mean over seeds (red if outside the band)",
        ),
        Line2D([], [], ls="", marker="|", ms=14, mew=2.2, color=OBSERVED_COLOUR, label="observed"),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(_IN["label"] / w, 1 - 0.92 / h),
        ncol=4,
        frameon=False,
        fontsize=9,
        handletextpad=0.4,
        columnspacing=1.6,
    )
    y = h - _IN["top"]
    x0 = _IN["label"] / w
    aw = (w - _IN["label"] - _IN["result"]) / w
    for code, targets in groups.items():
        y -= _IN["group"]
        fig.text(
            0.3 / w,
            (y + 0.08) / h,
            f"{code}  {TARGET_TITLES.get(code, '')}",
            fontsize=11,
            weight="bold",
            color="#1f3a5f",
        )
        for t in targets:
            y -= _IN["row"]
            ax = fig.add_axes((x0, (y + 0.2) / h, aw, (_IN["row"] - 0.28) / h))
            row = table.loc[t.key]
            values = result.runs[t.key].to_numpy(dtype=float) if t.key in result.runs else []
            _draw_row(ax, t, np.asarray(values, dtype=float), row)
            fig.text(
                (_IN["label"] - 0.15) / w,
                (y + 0.38) / h,
                t.label,
                fontsize=9.5,
                ha="right",
                va="center",
            )
            fig.text(
                (_IN["label"] - 0.15) / w,
                (y + 0.18) / h,
                f"observed: {t.observed}",
                fontsize=7.5,
                color="#666666",
                ha="right",
                va="center",
            )
            ok = bool(row["pass"])
            fig.text(
                (w - _IN["result"] + 0.15) / w,
                (y + 0.38) / h,
                "✓ PASS" if ok else "✗ FAIL",
                fontsize=10,
                weight="bold",
                color=PASS_COLOUR if ok else FAIL_COLOUR,
                va="center",
            )
            fig.text(
                (w - _IN["result"] + 0.15) / w,
                (y + 0.18) / h,
                f"mean {format_mean(t, float(row['mean']))}",
                fontsize=7.5,
                color="#444444",
                va="center",
            )
    foot = (
        f"healthsim {__version__} · master seed {result.master_seed} · a statistic passes "
        "when its mean over seeds lies inside its band; the dots show how far one "
        "history can stray."
    )
    fig.text(0.3 / w, 0.3 / h, foot, fontsize=7.5, color="#555555")
    fig.text(0.3 / w, 0.12 / h, _short_limits(), fontsize=7.5, color="#8a1c1c", style="italic")
    return fig


def _short_limits() -> str:
    return (
        "The record mixes public naming with buddying: it calibrates the model but cannot "
        "tell whether blame or support did the work."
    )


def _draw_row(ax: Axes, t: Target, values: np.ndarray, row: pd.Series) -> None:
    values = values[np.isfinite(values)]
    mean = float(row["mean"])
    ok = bool(row["pass"])
    lo, hi = _axis_limits(t, values, mean)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-1, 1)
    band_lo = t.low if np.isfinite(t.low) else lo
    band_hi = t.high if np.isfinite(t.high) else hi
    ax.axvspan(band_lo, band_hi, color=BAND_COLOUR if ok else BAND_FAIL_COLOUR, lw=0)
    if values.size:
        jitter = np.random.default_rng(0).uniform(-0.55, 0.55, values.size)
        ax.scatter(values, jitter, s=9, color=SEED_COLOUR, alpha=0.55, lw=0, zorder=2)
    if t.observed_range is not None:
        a, b = t.observed_range
        if a == b:
            ax.plot([a, a], [-0.85, 0.85], color=OBSERVED_COLOUR, lw=2.2, zorder=3)
        else:
            ax.plot([a, b], [0, 0], color=OBSERVED_COLOUR, lw=2.2, zorder=3)
            for x in (a, b):
                ax.plot([x, x], [-0.5, 0.5], color=OBSERVED_COLOUR, lw=2.2, zorder=3)
    if np.isfinite(mean):
        ax.plot(
            [mean],
            [0],
            marker="D",
            ms=9,
            mfc=PASS_COLOUR if ok else FAIL_COLOUR,
            mec="white",
            mew=1.2,
            zorder=4,
        )
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(_formatter(t))
    ax.tick_params(axis="x", labelsize=7.5, length=2, pad=1.5, colors="#444444")
    ax.grid(True, axis="x", color="#e6e6e6", lw=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#999999")


# --------------------------------------------------------------------------------------
# the check's folder
# --------------------------------------------------------------------------------------


def check_blocks(
    result: CheckResult, command: str | None = None, where: str = "", png: bytes = b""
) -> list[Block]:
    """The check's summary as blocks (``calibration_check.md`` and ``report.html``):
    verdict, table, figure (``png``), how to read it, and its limits."""
    sc = result.scenario
    facts = [
        f"Scenario: `{sc.name}`" + (f" ({sc.description})" if sc.description else ""),
        f"Runs: {len(result.runs)}, each on its own seed (derived from master seed "
        f"{result.master_seed})",
        f"Parameters: {_parameters_words(result)}; run r uses parameter set r",
        _made_with(command, where),
        f"Date: {dt.date.today().isoformat()}",
    ]
    doc = [
        Block("h1", f"Calibration check: {sc.name}"),
        Block("p", f"**{check_verdict(result)}.**"),
        Block("list", rows=[[f] for f in facts]),
        Block("h2", "Simulated against observed"),
        table_block(check_rows(result), right=("Simulated mean", "5-95% over seeds")),
        Block(
            "figure", text="Every statistic against its band", png=png, file="calibration_check.png"
        ),
        Block("h2", "How to read it"),
        Block(
            "p",
            "Each statistic of the targets T1-T8 (from the public record in "
            "docs/calibration.md) has a band to hit. A statistic passes when its **mean over "
            "seeds** lies inside the band: the record is one realisation of a noisy history, "
            "so the model should sit inside the band on average, and the spread over seeds "
            "(5-95%) says how far one simulated history can stray. The check passes when "
            "every statistic passes and no run failed; `healthsim calibrate --check` then "
            "exits with status 0 (1 otherwise).",
        ),
        Block("h2", "Limits"),
        Block("p", LIMITS),
    ]
    if not result.failed.empty:
        doc.append(Block("h2", "Failed runs"))
        doc.append(
            Block("list", rows=[[f"seed {r.seed}: {r.error}"] for r in result.failed.itertuples()])
        )
    doc.append(Block("h2", "Sources"))
    doc.append(Block("list", rows=[[f"{t.target} {t.label}: {t.source}"] for t in TARGETS]))
    files = dict(CHECK_FILES)
    if not result.failed.empty:
        files["calibration_failed.csv"] = "runs that raised: seed and error"
    doc += [Block("h2", "Files"), files_block(files)]
    return doc


def write_check(
    result: CheckResult, out: Path | str, *, command: str | None = None, where: str = ""
) -> Path:
    """Write a check's folder atomically (a hidden folder beside ``out``, then moved).

    Raises:
        healthsim.atomic.OutputFolderError: ``out`` cannot take the results.
        OSError: the folder could not be written (nothing is left behind).
    """
    out = Path(out)
    check_destination(out)
    with atomic_folder(out) as tmp:
        result.table.to_csv(tmp / "calibration_check.csv", index=False)
        result.runs.to_csv(tmp / "calibration_runs.csv", index=False)
        if not result.failed.empty:
            result.failed.to_csv(tmp / "calibration_failed.csv", index=False)
        fig = check_figure(result)
        style.save(fig, tmp / "calibration_check.png")
        doc = check_blocks(result, command, where, (tmp / "calibration_check.png").read_bytes())
        (tmp / "calibration_check.md").write_text(render_markdown(doc), encoding="utf-8")
        (tmp / "report.html").write_text(
            render_html(doc, f"healthsim calibration check: {result.scenario.name}"),
            encoding="utf-8",
        )
        header = (
            f"# Scenario checked by healthsim calibrate --check ({len(result.runs)} seeds, "
            f"master seed {result.master_seed}); healthsim {__version__}\n\n"
        )
        (tmp / MARKER).write_text(header + scenario_to_toml(result.scenario), encoding="utf-8")
    return out


# --------------------------------------------------------------------------------------
# the fit: table, figure, defaults file, folder
# --------------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:.4g}"


def fit_rows(fit: FitResult) -> list[dict[str, str]]:
    """Per parameter: prior, default, posterior mean and 90% interval, fitted value."""
    return [
        {
            "Parameter": r.parameter,
            "Prior": f"{_num(r.prior_low)} to {_num(r.prior_high)}",
            "Default": _num(r.default),
            "Posterior mean": _num(r.posterior_mean),
            "90% interval": f"{_num(r.q05)} to {_num(r.q95)}",
            "Fitted": _num(r.fitted),
        }
        for r in fit.summary.itertuples(index=False)
    ]


def fitted_check_rows(fit: FitResult) -> list[dict[str, str]]:
    """The fitted values' statistic means against the bands, as text cells."""
    rows = []
    for r in fit.fitted_table.to_dict("records"):
        t = _target(r["statistic"])
        rows.append(
            {
                "Target": r["target"],
                "Statistic": r["label"],
                "Band": t.band,
                "Mean (fit's seeds)": format_mean(t, r["mean"]),
                "Distance": f"{r['distance']:.3f}",
                "Result": "PASS" if r["pass"] else "FAIL",
            }
        )
    return rows


def fit_verdict(fit: FitResult) -> str:
    """One paragraph: runs, generations, tolerance, and how well the fitted values fit."""
    s = fit.settings
    k = int(fit.fitted_table["pass"].sum())
    gens = len(fit.generations) - 1
    return (
        f"ABC-SMC fit: {fit.runs} of {s.budget} runs ({fit.stopped}), generation 0 and "
        f"{gens} more of {s.population_size} particles, final tolerance {fit.epsilon:.3g}; "
        f"fitted values ({fit.fitted_from}) reach distance {fit.fitted_distance:.3g} with "
        f"{k} of {len(fit.fitted_table)} statistics in band over the fit's "
        f"{s.seeds_per_point} seeds"
    )


def fit_table_text(fit: FitResult, width: int | None = None) -> str:
    """The fit as printed: parameters, then the verdict."""
    verdict = "\n".join(textwrap.wrap(fit_verdict(fit), width or 100))
    return "\n".join([text_table(fit_rows(fit), width, wrap=("Parameter",)), "", verdict])


def posterior_figure(fit: FitResult) -> Figure:
    """Posterior marginals of the fitted parameters against their uniform priors.

    Each panel spans the prior's range (grey: the prior, flat); the blue area is a
    weighted density of the posterior particles (ticks at the bottom), darker over the
    90% interval; the dark line is the posterior mean, the dashed red line the current
    default. Each panel says how much of the prior range the interval covers.
    """
    params = fit.settings.parameters
    k = len(params)
    ncols = 3
    nrows = int(np.ceil(k / ncols))
    fig, body = style.new_figure(
        11.0,
        0.6 + 2.45 * nrows,
        [
            f"healthsim {__version__} · {fit.method} · {fit.runs} runs, "
            f"{fit.settings.seeds_per_point} seeds per point, seed {fit.settings.seed}"
        ],
    )
    head, grid_fig = body.subfigures(2, 1, height_ratios=(0.6, 2.45 * nrows))
    head.text(
        0.01,
        0.92,
        "Where the record puts the uncertain parameters: posterior against prior",
        fontsize=14,
        weight="bold",
        va="top",
    )
    head.text(
        0.01,
        0.38,
        "How much the record of 2013/14–2019/20 narrows each fitted parameter; a posterior as "
        "wide as its prior means the targets do not constrain it.",
        fontsize=9.5,
        color="#333333",
        va="top",
    )
    axes = grid_fig.subplots(nrows, ncols, squeeze=False)
    post = fit.posterior
    w = post["weight"].to_numpy(dtype=float)
    for i, p in enumerate(params):
        ax = axes[i // ncols][i % ncols]
        row = fit.summary.iloc[i]
        x = post[p.key].to_numpy(dtype=float)
        prior_h = 1.0 / (p.high - p.low)
        ax.hlines(prior_h, p.low, p.high, color=PRIOR_LINE, lw=2, ls=(0, (4, 2)))
        grid, dens = _bounded_kde(x, w, p.low, p.high)
        inner = (grid >= row["q05"]) & (grid <= row["q95"])
        ax.fill_between(grid, 0, dens, color=POSTERIOR_COLOUR, alpha=0.22, lw=0)
        ax.fill_between(grid, 0, dens, where=inner, color=POSTERIOR_COLOUR, alpha=0.5, lw=0)
        ax.plot(grid, dens, color=POSTERIOR_COLOUR, lw=1.6)
        top = max(float(dens.max()), prior_h) * 1.15
        ax.vlines(x, 0, top * 0.05, color="#1f3a5f", lw=0.8, alpha=0.6)
        ax.set_ylim(0, top)
        share = (row["q95"] - row["q05"]) / (p.high - p.low)
        ax.axvline(row["posterior_mean"], color="#1f3a5f", lw=2)
        ax.axvline(row["default"], color=DEFAULT_COLOUR, lw=1.8, ls="--")
        ax.set_xlim(p.low, p.high)
        ax.set_yticks([])
        ax.set_title("\n".join(textwrap.wrap(p.label, 42)), fontsize=9.5, loc="left")
        ax.set_xlabel(
            f"{p.key}\n90% interval: {share:.0%} of the prior range",
            fontsize=7.5,
            color="#555555",
        )
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        style.tidy(ax)
        ax.spines["left"].set_visible(False)
    for j in range(k, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    handles = [
        Line2D([], [], color=PRIOR_LINE, lw=2, ls=(0, (4, 2)), label="prior (uniform)"),
        Patch(facecolor=POSTERIOR_COLOUR, alpha=0.5, label="posterior, 90% interval darker"),
        Line2D([], [], color="#1f3a5f", marker="|", ls="", ms=8, label="particles"),
        Line2D([], [], color="#1f3a5f", lw=2, label="posterior mean"),
        Line2D([], [], color=DEFAULT_COLOUR, lw=1.8, ls="--", label="current default"),
    ]
    grid_fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False, fontsize=9)
    return fig


def _bounded_kde(
    x: np.ndarray, w: np.ndarray, low: float, high: float, n: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """A weighted kernel density of ``x`` on [low, high], reflected at both edges so
    mass near a prior bound is not lost (Scott's bandwidth on the effective size)."""
    from scipy.stats import gaussian_kde

    grid = np.linspace(low, high, n)
    w = np.asarray(w, dtype=float) / np.sum(w)
    try:
        kde = gaussian_kde(x, weights=w)
        dens = kde(grid) + kde(2 * low - grid) + kde(2 * high - grid)
    except (np.linalg.LinAlgError, ValueError):  # one distinct value: a spike
        dens = np.zeros(n)
        dens[np.argmin(np.abs(grid - np.average(x, weights=w)))] = n / (high - low)
    return grid, dens


def fitted_defaults_toml(fit: FitResult, extends: str, date: dt.date | None = None) -> str:
    """``fitted_defaults.toml``: a scenario file extending ``extends`` that sets the
    fitted values, under a header recording how they were found (their provenance)."""
    s = fit.settings
    date = date or dt.date.today()
    ess = float(fit.generations["effective_sample_size"].iloc[-1])
    k = int(fit.fitted_table["pass"].sum())
    head = [
        f"Fitted defaults for the calibration scenario '{fit.scenario.name}', written by "
        f"healthsim {__version__} (healthsim calibrate --fit).",
        "",
        f"Method: {fit.method}; distance: per statistic, how far the mean over seeds lies "
        f"outside its band in band widths, plus {s.pull:g} x its distance from the band "
        "centre (healthsim.calibration.distance).",
        f"Budget: {s.budget} model runs ({fit.runs} used); {s.seeds_per_point} seeds per "
        f"point, the same for every point; population {s.population_size}; seed {s.seed}.",
        f"Date: {date.isoformat()}.",
        f"Generations: {len(fit.generations)} ({fit.stopped}); final tolerance "
        f"{fit.epsilon:.4g}; effective sample size {ess:.1f}.",
        f"Posterior weights: {fit.weighting}.",
        f"Distance achieved by the values below ({fit.fitted_from}): "
        f"{fit.fitted_distance:.4g}, with {k} of {len(fit.fitted_table)} statistics in band "
        f"over the fit's {s.seeds_per_point} seeds.",
        "",
        "Posterior of each fitted parameter (its prior; mean, 90% interval):",
    ]
    width = max(len(p.key) for p in s.parameters)
    for r in fit.summary.itertuples(index=False):
        head.append(
            f"  {r.parameter.ljust(width)}  prior {_num(r.prior_low)}-{_num(r.prior_high)}; "
            f"was {_num(r.default)}; posterior {_num(r.posterior_mean)} "
            f"({_num(r.q05)}-{_num(r.q95)}); set to {_num(r.fitted)}"
        )
    head += [
        "",
        "Every other value is set from sources (docs/calibration.md, docs/scenario-reference.md).",
        "Before adopting these values, check them on fresh seeds:",
        "  healthsim calibrate --check --scenario fitted_defaults.toml",
    ]
    text = "".join(f"# {line}".rstrip() + "\n" for line in head)
    text += f'\nextends = "{extends}"\n'
    text += f'name = "{fit.scenario.name}_fitted"\n'
    text += (
        f'description = "{fit.scenario.name} with values fitted by ABC-SMC on '
        f'{date.isoformat()} ({s.budget} runs)"\n'
    )
    tables: dict[str, list[tuple[str, float, str]]] = {}
    for r in fit.summary.itertuples(index=False):
        section, _, name = r.parameter.rpartition(".")
        note = f"posterior mean {_num(r.posterior_mean)}, 90% {_num(r.q05)}-{_num(r.q95)}"
        tables.setdefault(section, []).append((name, float(fit.fitted[r.parameter]), note))
    for section, entries in tables.items():
        text += f"\n[{section}]\n"
        w = max(len(f"{n} = {v!r}") for n, v, _ in entries)
        for name, value, note in entries:
            text += f"{f'{name} = {value!r}'.ljust(w)}  # {note}\n"
    return text


def fit_blocks(
    fit: FitResult,
    command: str | None = None,
    where: str = "",
    out: Path | str = ".",
    png: bytes = b"",
) -> list[Block]:
    """The fit's summary as blocks (``fit.md`` and ``report.html``): verdict, parameters,
    posterior figure (``png``), the fitted values against the bands, generations, next
    steps, limits."""
    s = fit.settings
    gens = fit.generations
    grow = [
        {
            "Generation": str(int(g.generation)),
            "Points proposed": str(int(g.points_proposed)),
            "Beat the previous tolerance": ""
            if not np.isfinite(g.beat_previous_tolerance)
            else f"{g.beat_previous_tolerance:.0%}",
            "Tolerance": f"{g.epsilon:.4g}",
            "New in population": str(int(g.new_in_population)),
            "ESS": f"{g.effective_sample_size:.1f}",
            "Runs": str(int(g.runs)),
        }
        for g in gens.itertuples(index=False)
    ]
    sc = fit.scenario
    facts = [
        f"Scenario: `{sc.name}`" + (f" ({sc.description})" if sc.description else ""),
        f"Method: {fit.method}",
        f"Budget: {s.budget} runs; {s.seeds_per_point} seeds per point (common random "
        f"numbers across points); population {s.population_size}; seed {s.seed}",
        _made_with(command, where),
        f"Date: {dt.date.today().isoformat()}",
    ]
    return [
        Block("h1", f"Calibration fit: {sc.name}"),
        Block("p", f"**{fit_verdict(fit)}.**"),
        Block("list", rows=[[f] for f in facts]),
        Block("h2", "Parameters"),
        table_block(fit_rows(fit), right=("Default", "Posterior mean", "Fitted")),
        Block("figure", text="Posterior against prior", png=png, file="fit_posterior.png"),
        Block("h2", "The fitted values against the bands (over the fit's seeds)"),
        table_block(fitted_check_rows(fit), right=("Mean (fit's seeds)", "Distance")),
        Block("h2", "Generations"),
        table_block(grow, right=[c for c in (grow[0] if grow else {}) if c != "Generation"]),
        Block("h2", "Next: check on fresh seeds, then adopt"),
        Block(
            "p",
            "The fit scores points on a few seeds; check the fitted values on 50 others "
            "before adopting them:",
        ),
        Block(
            "code", f"healthsim calibrate --check --scenario {Path(out) / 'fitted_defaults.toml'}"
        ),
        Block(
            "p",
            "To adopt them as the model's defaults, see 'How to adopt fitted values' in "
            "docs/calibration.md.",
        ),
        Block("h2", "Limits"),
        Block(
            "p",
            LIMITS + " The posterior describes the parameter values consistent with the "
            "bands under this distance (an approximate Bayesian computation), not a "
            "likelihood.",
        ),
        Block("h2", "Files"),
        files_block(FIT_FILES),
    ]


def posterior_of(fit: FitResult, date: dt.date | None = None) -> Posterior:
    """The fit's final population as a :class:`Posterior` (``posterior.json``: what
    ``healthsim compare`` and ``calibrate --check`` draw parameter sets from), with
    its provenance."""
    s = fit.settings
    keys = tuple(p.key for p in s.parameters)
    post = fit.posterior
    return Posterior(
        keys,
        post[list(keys)].to_numpy(dtype=float),
        post["weight"].to_numpy(dtype=float),
        {
            "method": fit.method,
            "scenario": fit.scenario.name,
            "healthsim": fit.version,
            "date": (date or dt.date.today()).isoformat(),
            "budget": s.budget,
            "runs": fit.runs,
            "seeds_per_point": s.seeds_per_point,
            "population": s.population_size,
            "seed": s.seed,
            "generations": len(fit.generations),
            "stopped": fit.stopped,
            "tolerance": fit.epsilon,
            "weights": fit.weighting,
            "targets": [f"{t.target} {t.key}: {t.band}" for t in TARGETS],
            "priors": {p.key: p.prior.describe() for p in s.parameters},
        },
    )


def write_fit(
    fit: FitResult,
    out: Path | str,
    *,
    extends: str,
    command: str | None = None,
    where: str = "",
) -> Path:
    """Write a fit's files into ``out`` (beside its run store), all at once.

    The files are written into a hidden folder inside ``out`` and moved into place
    together at the end, so an interrupted write leaves the earlier files (if any)
    as they were.
    """
    out = Path(out)
    with atomic_files(out) as tmp:
        (tmp / "fitted_defaults.toml").write_text(
            fitted_defaults_toml(fit, extends), encoding="utf-8"
        )
        fit.summary.to_csv(tmp / "fit_parameters.csv", index=False)
        fit.posterior.to_csv(tmp / "fit_posterior.csv", index=False)
        posterior_of(fit).write(tmp / "posterior.json")
        fit.points.to_csv(tmp / "fit_points.csv", index=False)
        fit.generations.to_csv(tmp / "fit_generations.csv", index=False)
        fit.fitted_table.to_csv(tmp / "fit_fitted_check.csv", index=False)
        style.save(posterior_figure(fit), tmp / "fit_posterior.png")
        doc = fit_blocks(fit, command, where, out, (tmp / "fit_posterior.png").read_bytes())
        (tmp / "fit.md").write_text(render_markdown(doc), encoding="utf-8")
        (tmp / "report.html").write_text(
            render_html(doc, f"healthsim calibration fit: {fit.scenario.name}"), encoding="utf-8"
        )
    return out
