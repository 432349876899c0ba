"""Write a sensitivity analysis' folder: CSV tables, figures, report.md and a
self-contained report.html (figures embedded, opens offline).

The folder also holds the run store (``runs.sqlite``) that makes the analysis
resumable; it is left alone. The report files are written into a hidden folder first
and moved into place only when all are complete, so an interrupted write never leaves
a half-written report, and files of an earlier report that the new one does not write
are removed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from healthsim._version import __version__
from healthsim.atomic import atomic_files
from healthsim.config import scenario_to_toml
from healthsim.config.toml_writer import dumps
from healthsim.reports import style
from healthsim.reports.blocks import Block, frame_block, render_html, render_markdown
from healthsim.reports.formats import check_format, parquet_name, write_parquet
from healthsim.reports.sensitivity_figures import all_figures
from healthsim.reports.sensitivity_text import findings, parameters_line, pct
from healthsim.sensitivity.folder import KEEP, MARKER, check_out

if TYPE_CHECKING:
    from healthsim.sensitivity.result import SensitivityResult

#: The list of files the last report wrote (so the next one can remove stale ones).
MANIFEST = ".report-files"


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

TABLE_FILES = {
    "indices.csv": "every index of every factor and output, with its 95% interval "
    "(columns output, factor, label, index, value, conf = interval half-width, low, high)",
    "second_order.csv": "Sobol second-order indices per pair of factors, with intervals",
    "points.csv": "one row per sample point: the parameter values the runs used, then for "
    "each output its mean over replicates, standard deviation, replicates with a value, "
    "and whether the point was filled from a neighbour",
    "replicates.csv": "every replicate's value at every point (a contrast's paired "
    "difference), with its seed",
    "noise.csv": "per output: variance between replicates (noise) and between points, and "
    "the share of noise",
    "flip_regions.csv": "the decision tree's boxes for each contrast output: rule, points, "
    "winner, density, coverage, mean contrast, whether it is a flip region",
    "failed_runs.csv": "every failed run: point, scenario, replicate, seed, error and the "
    "parameter values",
    "parameters.csv": "the parameters varied: key, kind, bounds or levels, distribution, "
    "group, which scenarios it changes, and what the schema says it means",
}


def parameters_frame(result: SensitivityResult) -> pd.DataFrame:
    names = result.design.scenario_names
    rows = []
    for p in result.design.space.parameters:
        rows.append(
            {
                "key": p.key,
                "label": p.label,
                "kind": p.kind,
                "range": p.describe_bounds(),
                "distribution": p.dist if p.kind == "real" else "uniform",
                "group": p.group or "",
                "applies_to": ", ".join(names[i] for i in p.applies_to),
                "description": p.description,
            }
        )
    return pd.DataFrame(rows)


def tables(result: SensitivityResult) -> dict[str, pd.DataFrame]:
    out = {
        "indices.csv": result.indices,
        "points.csv": result.points,
        "replicates.csv": result.replicate_frame(),
        "noise.csv": result.noise,
        "failed_runs.csv": result.failures,
        "parameters.csv": parameters_frame(result),
    }
    if result.method == "sobol":
        out["second_order.csv"] = result.second_order
    if result.flips:
        out["flip_regions.csv"] = pd.concat(
            [f.region_frame() for f in result.flips.values()], ignore_index=True
        )
    return out


def resolved_text(result: SensitivityResult, command: str | None) -> str:
    """``analysis.resolved.toml``: the analysis as run, every default filled in."""
    a = result.analysis
    header = [
        f"Sensitivity analysis '{result.name}' as run by healthsim {__version__}.",
        f"Command: {command}" if command else "Made from Python.",
        "Run the same command (or healthsim sensitivity on this file with the same --out) to "
        "resume or reproduce it exactly.",
    ]
    if a is None:
        data = {
            "name": result.name,
            "function": result.design.scenario_names[0],
            "replicates": result.design.replicates,
            "seed": result.design.seed,
            "method": {"name": result.method, "n": result.design.settings.n},
            "parameters": {
                p.key: {"low": p.low, "high": p.high} for p in result.design.space.parameters
            },
        }
        return dumps(data, "\n".join(header))
    data = dict(a.declared)
    if not a.contrast:
        data.setdefault("scenario", "baseline")
    return dumps(data, "\n".join(header))


# --------------------------------------------------------------------------------------
# The report as blocks, rendered to Markdown and HTML
# --------------------------------------------------------------------------------------


def _figure(name: str, png: bytes, title: str, about: str) -> Block:
    return Block("figure", text=title, png=png, file=name, caption=f"*{title}.* {about}")


def blocks(
    result: SensitivityResult, figures: dict, command: str | None, pngs: dict[str, bytes]
) -> list[Block]:
    """The report as blocks (shared by report.md and report.html); ``figures`` maps each
    figure's file to (figure, title, about) and ``pngs`` to its PNG bytes."""
    d = result.design
    a = result.analysis
    what = (
        f"the paired difference **{d.scenario_names[0]} minus {d.scenario_names[1]}** on the "
        "same seeds"
        if d.contrast
        else f"scenario **{d.scenario_names[0]}**"
    )
    b: list[Block] = [Block("h1", f"Sensitivity analysis: {result.name}")]
    if a is not None and a.description:
        b.append(Block("p", a.description))
    ex = result.execution
    runs = ex.progress.total if ex else len(result.X) * d.replicates * len(d.scenario_names)
    facts = [
        f"Method: **{d.settings.name}** ({_method_words(result)}), {len(d.space.parameters)} "
        f"parameters as {len(d.space.factors)} factors, {len(result.X)} sample points.",
        f"Model: {what}; outputs: {', '.join(f'`{o}`' for o in d.outputs)}.",
        f"Replicates: {d.replicates} a point, on the same seeds at every point (common random "
        f"numbers; master seed {d.seed}); {runs} runs in all.",
        "Parameters: " + parameters_line(result),
    ]
    if ex is not None:
        facts.append(
            f"Runs: {ex.progress.computed} computed now on {ex.where}, {ex.progress.reused} "
            f"reused from the store, {ex.progress.failed} failed; {ex.seconds:.1f} s."
        )
    facts.append(
        f"Made with healthsim {__version__}"
        + (f" by `{command}`" if command else " from Python")
        + ". Running the same command again reuses every stored run and reproduces this "
        "report exactly."
    )
    b.append(Block("list", rows=[[f] for f in facts]))
    b += [Block("h2", "Findings"), Block("list", rows=[[f] for f in findings(result)])]
    for note in result.notes:
        b.append(Block("note", f"**Note:** {note}"))

    # flips
    if result.flips:
        b.append(Block("h2", "Where the ranking flips"))
    for out, flip in result.flips.items():
        b.append(Block("h3", result.output_label(out)))
        b.append(Block("p", flip.statement()))
        wins = ", ".join(f"{k} at {v} points" for k, v in flip.wins.items())
        b.append(
            Block(
                "p",
                f"Winners by point (mean over replicates): {wins}. At {pct(flip.share_clear)} "
                f"of the points the {d.replicates} replicates settle the sign (a 95% interval "
                "of the paired difference excludes zero); near the boundary the winner is a "
                "close call.",
            )
        )
        if flip.tree is not None:
            acc = (
                f"The tree (depth at most {flip.tree.get_depth()}) classifies "
                f"{flip.accuracy:.0%} of the points correctly"
            )
            if flip.cv_accuracy == flip.cv_accuracy:
                acc += f", {flip.cv_accuracy:.0%} in 5-fold cross-validation"
            maj = flip.wins[flip.majority] / max(flip.n_points, 1)
            acc += f" (always guessing {flip.majority}: {maj:.0%})."
            if flip.importance is not None and flip.importance.sum() > 0:
                labels = {p.key: p.label for p in d.space.parameters}
                imp = flip.importance[flip.importance > 0.01].sort_values(ascending=False)
                acc += (
                    " It separates the winners on "
                    + ", ".join(
                        f"{labels.get(k, k)} ({v:.0%} of the tree's importance)"
                        for k, v in imp.items()
                    )
                    + "."
                )
            b.append(Block("p", acc))
            frame = flip.region_frame()[
                ["region", "rule", "points", "winner", "density", "coverage", "mean_contrast"]
            ]
            frame["density"] = frame.density.map(pct)
            frame["coverage"] = frame.coverage.map(pct)
            b.append(
                frame_block(
                    frame,
                    "The boxes of the decision tree. *Density*: share of a box's points "
                    "where its winner wins. *Coverage*: share of all the points that winner "
                    "wins which fall in the box.",
                )
            )
        for name, (_fig, title, about) in figures.items():
            if name.startswith("flip_") and name.endswith(f"_{out}.png"):
                b.append(_figure(name, pngs[name], title, about))

    # indices
    b.append(Block("h2", "Which parameters matter"))
    for out in d.outputs:
        b.append(Block("h3", result.output_label(out)))
        b.append(frame_block(result.table(out).reset_index()))
        for name, (_fig, title, about) in figures.items():
            if name.endswith(f"_{out}.png") and not name.startswith("flip_"):
                b.append(_figure(name, pngs[name], title, about))

    # noise
    b.append(Block("h2", "Seed noise"))
    b.append(
        Block(
            "p",
            "The model is stochastic: the same parameters on another seed give another "
            f"history. Each point's value is the mean of {d.replicates} replicate(s) on the "
            "same seeds at every point, so differences between points are not differences "
            "of luck. What noise remains is measured from the spread between replicates: "
            "`within_var` is the variance between replicates of a point (averaged over "
            "points), `between_var` the variance of the point means across the design; "
            "their ratio (divided by the replicates) is the share of noise in what the "
            "indices decompose.",
        )
    )
    nz = result.noise[
        [
            "output",
            "replicates",
            "within_var",
            "between_var",
            "noise_share_of_means",
            "noise_share_single_run",
        ]
    ].copy()
    nz["noise_share_of_means"] = nz.noise_share_of_means.map(pct)
    nz["noise_share_single_run"] = nz.noise_share_single_run.map(pct)
    b.append(frame_block(nz))
    if "noise.png" in figures:
        _f, title, about = figures["noise.png"]
        b.append(_figure("noise.png", pngs["noise.png"], title, about))

    # failures
    b.append(Block("h2", "Failed runs"))
    if result.failures.empty:
        b.append(Block("p", "No run failed: every run finished with finite values."))
    else:
        b.append(
            Block(
                "p",
                f"{len(result.failures)} run(s) failed. Each point keeps the mean of its "
                "replicates that ran; a point with none is filled with the value of its "
                "nearest point in the unit cube, so SALib's design stays whole (see the "
                "notes above for how many). All failed runs, with their parameters, are in "
                "`failed_runs.csv`; the first are below.",
            )
        )
        b.append(frame_block(result.failures.head(20)))

    # parameters
    b.append(Block("h2", "Parameters varied"))
    b.append(frame_block(parameters_frame(result).drop(columns=["description"])))
    b.append(Block("list", rows=[[f"`{p.key}`: {p.description}"] for p in d.space.parameters]))
    if d.sets is not None and d.sets.keys:
        b.append(Block("h2", f"Parameters drawn, not sampled ({d.sets.kind})"))
        b.append(Block("p", parameters_line(result)))
        b.append(Block("p", ", ".join(f"`{k}`" for k in d.sets.keys)))
    b.append(Block("h2", "How to read these results"))
    b.append(Block("p", READING))
    if any(p.kind != "real" for p in d.space.parameters):
        b.append(Block("p", DISCRETE))
    b.append(Block("h2", "Files"))
    files = pd.DataFrame(
        [
            {"file": f"`{n}`", "what it holds": TABLE_FILES[n]}
            for n in tables(result)
            if n in TABLE_FILES
        ]
        + [{"file": f"`{n}`", "what it holds": figures[n][1]} for n in figures]
        + [
            {
                "file": "`report.html`, `report.md`",
                "what it holds": "this report (the HTML embeds its figures; opens offline)",
            },
            {"file": "`analysis.resolved.toml`", "what it holds": "the analysis as run"},
            {
                "file": "`runs.sqlite`",
                "what it holds": "every run, stored as it finished (resume and audit)",
            },
        ]
    )
    b.append(frame_block(files))
    return b


def _method_words(result: SensitivityResult) -> str:
    s = result.design.settings
    return {
        "morris": f"{s.n} trajectories on a {s.levels}-level grid",
        "sobol": f"base sample {s.n}, {'with' if s.second_order else 'without'} second order",
        "fast": f"{s.n} points per parameter, M = {s.m}",
        "pawn": f"{s.n} Latin hypercube points, {s.slides} slides",
    }[s.name]


READING = (
    "These are properties of the model, not of the NHS. The indices say how much each "
    "uncertain parameter moves the simulated outcome within the declared bounds: a "
    "parameter with small indices could be fixed anywhere in its range without changing "
    "the conclusion, one with large indices is where evidence would most sharpen it. The "
    "bounds are part of the question: wider bounds give a parameter more room to matter. "
    "Intervals are bootstrap intervals over the sample points; they do not include the "
    "seed noise reported above. The defaults are calibrated to England in 2013/14–2019/20, a "
    "mixed regime of public naming and buddying, so the contrast between blame and support "
    "rests on modelled mechanisms, not on historical evidence: where the ranking flips "
    "shows which beliefs about those mechanisms the conclusion depends on."
)

DISCRETE = (
    "Whole-number parameters are sampled as a continuous value on [low, high + 1) and "
    "rounded down, so each whole number is equally likely; a Morris step that rounds to "
    "the same number counts as no effect. Choices (true/false and named options) are "
    "sampled as a level index, every level equally likely: their Sobol indices are sound, "
    "but Morris' signed effect (mu) and the decision tree's splits depend on the order in "
    "which the levels are listed, so read them through mu*, S1 and ST, and tree rules as "
    "sets of levels."
)


def write_report(
    result: SensitivityResult,
    out: str | Path,
    command: str | None = None,
    table_format: str = "csv",
) -> Path:
    """Write (or replace) the report files in ``out``, leaving the run store alone. With
    ``table_format="parquet"`` each table is also written as ``.parquet`` beside its CSV
    (:mod:`healthsim.reports.formats`; needs pyarrow)."""
    check_format(table_format)
    out = Path(out)
    check_out(out)
    with atomic_files(out) as tmp:
        written = []
        for name, df in tables(result).items():
            df.to_csv(tmp / name, index=False)
            written.append(name)
            if table_format == "parquet":
                write_parquet(df, tmp / parquet_name(name))
                written.append(parquet_name(name))
        figs = all_figures(result)
        pngs = {}
        for name, (fig, _t, _a) in figs.items():
            style.save(fig, tmp / name)
            pngs[name] = (tmp / name).read_bytes()
            written.append(name)
        (tmp / MARKER).write_text(resolved_text(result, command), encoding="utf-8")
        written.append(MARKER)
        if result.analysis is not None:
            for i, sc in enumerate(result.analysis.scenarios):
                fname = f"scenario_{i + 1}_{sc.name}.resolved.toml"
                (tmp / fname).write_text(scenario_to_toml(sc), encoding="utf-8")
                written.append(fname)
        bl = blocks(result, figs, command, pngs)
        (tmp / "report.md").write_text(render_markdown(bl), encoding="utf-8")
        (tmp / "report.html").write_text(
            render_html(bl, f"healthsim sensitivity: {result.name}"), encoding="utf-8"
        )
        written += ["report.md", "report.html"]
        (tmp / MANIFEST).write_text("\n".join(written) + "\n", encoding="utf-8")
        old = set()
        with contextlib.suppress(OSError):
            old = set((out / MANIFEST).read_text(encoding="utf-8").split())
    for name in old - set(written) - set(KEEP):  # an earlier report's files not rewritten
        with contextlib.suppress(OSError):
            (out / name).unlink()
    return out
