"""Write a comparison's report: report.html (self-contained), report.md, CSV tables,
figures and the resolved inputs.

The report is built once as a list of blocks (headings, paragraphs, tables, figures)
and rendered twice, to markdown and to HTML; the HTML embeds its figures as base64 PNG
and its style sheet, so it opens offline and can be e-mailed as one file. Nothing in
the outputs depends on when, where or in how many pieces the runs were computed, so a
resumed comparison writes the same bytes as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from healthsim._version import __version__
from healthsim.atomic import write_bytes
from healthsim.config import scenario_to_toml
from healthsim.experiments.breakdown import CHANNELS
from healthsim.experiments.compare import shipped_comparisons
from healthsim.experiments.outcomes import ACCOUNTS, outcome
from healthsim.experiments.store import STORE_NAME, code_version
from healthsim.metrics.calendar import CONVENTION, fy_label
from healthsim.metrics.calendar import span as fy_span
from healthsim.metrics.summary import SUMMARY
from healthsim.model.history import MONTHLY
from healthsim.reports import compare_figures as cf
from healthsim.reports.blocks import Block, render_html, render_markdown
from healthsim.reports.compare_tables import (
    best_table,
    better_words,
    breakdown_tables,
    differences_table,
    key_results_table,
    worst_table,
)
from healthsim.reports.compare_text import (
    EVIDENCE,
    economy_words,
    findings_markdown,
    in_brief,
    regimes_differ,
    rests_on,
    uncertainty_text,
    verdict_lines,
)
from healthsim.reports.formats import check_format, parquet_bytes, parquet_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from healthsim.experiments.compare import ComparisonResult

#: CSV files: name -> (what one row is, builder)
CSV_FILES: dict[str, tuple[str, Callable[[ComparisonResult], pd.DataFrame]]] = {
    "summary_stats.csv": (
        "one row per scenario and per-run metric: mean, 95% interval, spread, worst decile",
        lambda r: r.stats,
    ),
    "paired_differences.csv": (
        "one row per scenario (other than the baseline) and metric: paired difference "
        "from the baseline with its interval",
        lambda r: r.differences,
    ),
    "probability_best.csv": (
        "one row per scenario and metric with a better direction: how often it is best",
        lambda r: r.probability_best,
    ),
    "mechanism_breakdown.csv": (
        "one row per scenario, part and component of the breakdown of harm and money",
        lambda r: r.breakdown,
    ),
    "runs.csv": (
        "one row per run: scenario, replicate, seed, status, error and every per-run metric",
        lambda r: r.runs,
    ),
    "monthly_bands.csv": (
        "one row per scenario, monthly metric and month: percentiles across futures",
        lambda r: r.bands,
    ),
    "monthly_differences.csv": (
        "one row per scenario, monthly metric and month: percentiles of the paired "
        "difference from the baseline",
        lambda r: r.difference_bands,
    ),
    "failed_runs.csv": (
        "one row per failed run: scenario, replicate, seed and the error",
        lambda r: r.failed,
    ),
    "uncertainty.csv": (
        "one row per scenario (other than the baseline) and metric: the spread of the "
        "paired difference over futures, and how much of it is luck and how much the "
        "parameters",
        lambda r: r.uncertainty,
    ),
    "parameter_sets.csv": (
        "one row per replicate: the parameter values it ran every scenario with (empty "
        "with --parameters defaults)",
        lambda r: r.parameter_values.rename_axis("replicate").reset_index(),
    ),
}

COLUMNS = {
    "scenario": "scenario name",
    "baseline": "the scenario compared with",
    "metric": "per-run metric (see the metric list in report.md) or monthly metric",
    "label": "the metric in words",
    "unit": "its unit",
    "better": "which way is better: lower, higher or neither",
    "n": "simulated futures used (complete replicates with a defined value)",
    "mean": "mean over futures",
    "ci_low": "lower end of the 95% interval of the mean (or mean difference)",
    "ci_high": "upper end of the 95% interval",
    "sd": "standard deviation across futures",
    "median": "median across futures",
    "p5": "5th percentile",
    "p25": "25th percentile",
    "p50": "median",
    "p75": "75th percentile",
    "p95": "95th percentile",
    "iqr": "interquartile range (p75 - p25)",
    "worst_decile_mean": "mean of the worst tenth of futures (by the better direction)",
    "worst_decile_threshold": "the value at which the worst tenth begins",
    "baseline_mean": "the baseline's mean",
    "scenario_mean": "the scenario's mean",
    "diff": "mean paired difference, scenario minus baseline",
    "sd_diff": "standard deviation of the paired differences",
    "relative": "mean difference over the baseline's mean",
    "rel_ci_low": "lower end of the 95% interval of the relative difference (delta method)",
    "rel_ci_high": "upper end of that interval",
    "share_better": "share of paired futures in which the scenario did better",
    "share_worse": "share of paired futures in which it did worse",
    "share_same": "share of paired futures with no difference",
    "crn_gain": "variance an unpaired comparison would have, over the paired one: how "
    "many times fewer runs common random numbers needed",
    "verdict": "+1 clearly better, -1 clearly worse, 0 interval includes no difference",
    "p_best_run": "share of futures in which the scenario did best (ties shared)",
    "p_tie": "share of futures in which the best value was shared",
    "p_best_mean": "share of bootstrap resamples in which its mean was best (confidence)",
    "part": "part of the breakdown: 'harm: time in each state' (trust-months a future on "
    "each side, and the harm difference from that time) and 'harm: harm a month in each "
    "state' (harm per trust-month on each side, pooled over futures, and the difference "
    "from it), harm by place, by composition or rate, reported or hidden, money, channel",
    "sign": "+1 or -1: how the component enters the total",
    "contribution": "the component's effect on the total (sign times difference)",
    "share_of_total": "contribution over the total difference",
    "replicate": "replicate number (0, 1, ...); every scenario ran replicate i on one seed",
    "seed": "the run's seed",
    "status": "ok or failed",
    "error": "for a failed run, the error and where it was raised",
    "month": "month of the run (1 = first)",
    "variance": "variance of the paired difference across futures (luck and parameters)",
    "luck_variance": "the part of it from luck alone: half the mean squared difference "
    "between two runs of the same parameter set on different seeds",
    "parameter_share": "the share of the variance that comes from the parameters",
    "futures_low": "5th percentile of the paired difference across futures",
    "futures_high": "95th percentile of the paired difference across futures",
    "behaviour.*, initial.*": "in parameter_sets.csv: the replicate's value of each "
    "parameter (the scenario reference says what each is)",
    "financial_year": "NHS financial year of the month (April to March), e.g. 2013/14",
}


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, float_format="%.10g", lineterminator="\n").encode()


def _png(fig: Figure) -> bytes:
    return cf.png_bytes(fig)


def comparison_toml(result: ComparisonResult) -> str:
    """A comparison file that reruns this comparison from the resolved scenarios."""
    import tomli_w

    spec = result.spec
    data = {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "scenarios": [f"scenarios/{n}.toml" for n in spec.names],
        "baseline": spec.baseline_name,
        "reps": spec.reps,
        "seed": spec.seed,
        "parameters": spec.parameter_kind,
        "metrics": list(spec.metrics),
        "series": list(spec.series),
    }
    head = (
        f"# Written by healthsim {__version__}: reruns this comparison exactly from the\n"
        "# resolved scenarios beside it (healthsim compare <this file> --out <folder>).\n\n"
    )
    return head + tomli_w.dumps(data)


def _command(result: ComparisonResult) -> str:
    spec = result.spec
    if spec.source is not None:
        shipped = shipped_comparisons().get(spec.source.stem)
        ref = spec.source.stem if shipped == spec.source else str(spec.source)
    else:
        ref = " ".join(spec.names)
    cmd = f"healthsim compare {ref} --reps {spec.reps} --seed {spec.seed}"
    if spec.years is not None:
        cmd += f" --years {spec.years}"
    if spec.baseline:
        cmd += f" --baseline {spec.baseline_name}"
    return cmd


def build_blocks(result: ComparisonResult, figures: dict[str, bytes]) -> list[Block]:
    """The report as blocks (shared by report.md and report.html)."""
    spec = result.spec
    n = len(result.complete_replicates)
    base = spec.baseline_name
    several = len(spec.names) > 1
    doc: list[Block] = [Block("h1", spec.title)]
    if spec.description:
        doc.append(Block("p", spec.description))
    sc0 = spec.scenarios[0]
    doc.append(
        Block(
            "p",
            f"{len(spec.names)} scenario{'s' if several else ''} · {n} simulated futures"
            f"{' each' if several else ''} · {sc0.years} years from "
            f"{fy_label(spec.start_year)} · "
            f"{economy_words(sc0)}{f' · baseline: {base}' if several else ''} · "
            f"healthsim {__version__}",
            anchor="meta",
        )
    )
    note = (
        "**Simulated, not observed.** These are outcomes of a model of a health economy, "
        "not forecasts and not judgements of any real organisation. " + EVIDENCE
    )
    for d in sorted({s.economy.disclaimer for s in spec.scenarios if s.economy.disclaimer}):
        note += "\n\n**Note:** " + d
    doc.append(Block("note", note))

    brief = in_brief(result)
    verdict = verdict_lines(result)
    if verdict:
        doc.append(Block("h2", "The answer", anchor="answer"))
        doc.append(Block("list", rows=[[b] for b in verdict]))
        rests = rests_on(result)
        if rests:
            doc.append(Block("p", "**What it rests on.** " + uncertainty_text(result)))
            doc.append(Block("list", rows=[[b] for b in rests]))
    if brief:
        doc.append(Block("h2", "In brief", anchor="brief"))
        doc.append(Block("list", rows=[[b] for b in brief]))
        doc.append(
            Block(
                "p",
                f"Averages over {n} simulated futures, each scenario against {base} on the "
                "same futures. The findings below give the detail and the uncertainty.",
            )
        )
    doc.append(Block("h2", "Findings", anchor="findings"))
    for para in findings_markdown(result).split("\n\n"):
        doc.append(Block("p", para))
    if len(result.failed) or result.missing:
        doc.append(Block("note", _failure_note(result)))

    doc.append(Block("h2", "What was compared", anchor="compared"))
    rows = []
    for s in spec.scenarios:
        role = " (baseline)" if s.name == base and several else ""
        rows.append([f"**{s.name}**{role}", s.description or "—", s.regime.name, s.squeeze.name])
    doc.append(
        Block(
            "table",
            header=["Scenario", "Description", "Regime", "Squeeze"],
            rows=rows,
        )
    )
    doc.append(
        Block(
            "p",
            f"Each scenario was run {spec.reps} times ({n} complete), for {sc0.years} years "
            f"({fy_span(spec.start_year, sc0.years)}) in "
            f"{economy_words(sc0)}. {CONVENTION} Run number i of every scenario used the "
            "same seed, derived "
            f"from the master seed {spec.seed}; because every random mechanism of the model "
            "(demand, local incidents, inspections, media, board churn) draws from its own "
            "stream, the scenarios met the same shocks in each simulated future (common "
            "random numbers). Differences are therefore computed future by future."
            + (
                f" Replicate i also ran every scenario on parameter set i ("
                f"{spec.parameters.description}), and {spec.luck_reps} of the sets ran "
                "again on new seeds, to split the spread between futures into luck and "
                "parameters."
                if spec.parameter_kind != "defaults"
                else " Every run used the scenarios' own parameter values (no parameter "
                "uncertainty: --parameters defaults)."
            ),
        )
    )
    if spec.overrides:
        doc.append(
            Block(
                "p",
                "Values set in every scenario: "
                + ", ".join(f"`{k} = {v}`" for k, v in spec.overrides.items())
                + ".",
            )
        )

    doc.append(Block("h2", "Key results", anchor="results"))
    doc.append(key_results_table(result))
    if several:
        doc.append(Block("h2", f"Differences from {base}", anchor="differences"))
        doc.append(differences_table(result))
        _fig(doc, "differences", figures)
        doc.append(Block("h2", "Which scenario does best", anchor="best"))
        doc.append(best_table(result))
    doc.append(Block("h2", "Spread and the worst futures", anchor="worst"))
    doc.append(
        Block(
            "p",
            "Averages hide bad luck. Some futures go much worse than the average one: "
            "these show how wide the range is for each scenario, and how bad the worst "
            "tenth of futures gets.",
        )
    )
    _fig(doc, "spread", figures)
    doc.append(worst_table(result))
    doc.append(Block("h2", "Over time", anchor="time"))
    _fig(doc, "fan_charts", figures)
    if several:
        _fig(doc, "difference_over_time", figures)

    if several:
        doc.append(Block("h2", "Why: the mechanisms behind the differences", anchor="why"))
        doc.append(Block("p", _METHOD))
        _fig(doc, "breakdown", figures)
        for name in spec.names:
            if name != base:
                doc.extend(breakdown_tables(result, name))
        doc.append(Block("h3", "How each mechanism works in the model"))
        doc.append(Block("list", rows=[[f"**{c.title}.** {c.how}"] for c in CHANNELS]))

    doc.append(Block("h2", "About the evidence", anchor="evidence"))
    doc.append(Block("p", EVIDENCE))
    doc.append(Block("p", uncertainty_text(result)))
    if regimes_differ(result):
        doc.append(
            Block(
                "p",
                "Nothing in the model makes one regime win: outcomes emerge from the "
                "mechanisms and their parameters. If blame truly motivated boards and cost "
                "little in fear, a blame-focused regime could do better; a sensitivity "
                "analysis over those parameters shows where the ranking flips.",
            )
        )

    if len(result.failed):
        doc.append(Block("h2", "Failed runs", anchor="failed"))
        doc.append(Block("p", _failure_note(result)))
        frows = [
            [r.scenario, str(r.replicate), str(r.seed), r.error]
            for r in result.failed.head(50).itertuples()
        ]
        doc.append(
            Block(
                "table",
                header=["Scenario", "Replicate", "Seed", "Error"],
                rows=frows,
                align="lrrl",
                text="All failed runs are in failed_runs.csv." if len(result.failed) > 50 else "",
            )
        )

    doc.append(Block("h2", "Reproduce and files", anchor="files"))
    doc.append(
        Block(
            "p",
            "To rerun this comparison (it reuses the runs stored in this folder's "
            f"`{STORE_NAME}` and computes only what is missing):",
        )
    )
    doc.append(Block("code", _command(result) + " --out <this folder>"))
    doc.append(
        Block(
            "p",
            "Or, from the resolved scenarios written beside this report: "
            "`healthsim compare comparison.toml`. healthsim "
            f"{__version__}, model code {code_version()}.",
        )
    )
    frows = [[f"`{k}`", v[0]] for k, v in CSV_FILES.items()]
    frows += [[f"`figures/{k}.png`", t[1]] for k, t in cf.FIGURES.items() if k in figures]
    frows += [
        ["`scenarios/<name>.toml`", "each scenario fully resolved (every value the runs used)"],
        ["`comparison.toml`", "this comparison as a file, pointing at the resolved scenarios"],
        [f"`{STORE_NAME}`", "every run as it finished (what makes a rerun resume)"],
    ]
    doc.append(Block("table", header=["File", "What it holds"], rows=frows))
    doc.append(Block("h3", "Columns of the tables"))
    doc.append(
        Block(
            "table",
            header=["Column", "Meaning"],
            rows=[[f"`{k}`", v] for k, v in COLUMNS.items()],
        )
    )
    doc.append(Block("h3", "Per-run metrics"))
    mrows = []
    for m in result.metrics:
        o = outcome(m)
        desc = SUMMARY.get(m) or ACCOUNTS.get(m) or ""
        mrows.append([f"`{m}`", o.label, desc, o.unit_shown, better_words(o.better)])
    doc.append(Block("table", header=["Metric", "Label", "Meaning", "Unit", "Better"], rows=mrows))
    doc.append(Block("h3", "Monthly metrics kept"))
    doc.append(
        Block(
            "table",
            header=["Metric", "Meaning"],
            rows=[[f"`{m}`", MONTHLY.get(m, "")] for m in spec.series],
        )
    )
    return doc


_METHOD = (
    "How to read this section. Each scenario's difference from the baseline is broken "
    "down in three ways, always future by future on the same seeds. **Where the harm "
    "happened**: every month's avoidable harm at each trust is counted against the state "
    "the trust was in (in special measures; failing but not yet in special measures; on "
    "advice or a warning; recently out of special measures; acting as a buddy; anything "
    "else), so the parts add up exactly to the total difference; the same is done for "
    "reported and hidden harm. **Where the money came from**: the difference in the net "
    "position (trusts' surplus less the regime's own spending) splits exactly into "
    "trusts' income, trusts' spending and regime spending. **Mechanism channels**: the "
    "measures each mechanism moves (fear and reporting, board churn, staff turnover, "
    "relapse, buddy burden, false positives and negatives, accountability, finance). "
    "This is accounting, not causal attribution: it shows where the difference arose and "
    "which mechanisms moved with it, not how much each mechanism caused, because the "
    "mechanisms feed into one another."
)


def _failure_note(result: ComparisonResult) -> str:
    parts = []
    nf = len(result.failed)
    if nf:
        seeds = ", ".join(str(s) for s in result.failed["seed"].head(3))
        parts.append(
            f"**{nf} run{'s' if nf > 1 else ''} failed** (seeds {seeds}"
            f"{', ...' if nf > 3 else ''}; listed in failed_runs.csv with the error). "
            "Replicates with a failed run were left out of every statistic, so all "
            "scenarios are still compared on the same futures."
        )
    if result.missing:
        parts.append(
            f"**{result.missing} runs are missing** (the comparison was interrupted): "
            "run the same command again to complete it."
        )
    return " ".join(parts)


def _fig(blocks: list[Block], key: str, figures: dict[str, bytes]) -> None:
    if key not in figures:
        return
    _build, title, about = cf.FIGURES[key]
    blocks.append(Block("h3", title))
    blocks.append(Block("figure", text=title, png=figures[key], file=f"figures/{key}.png"))
    blocks.append(Block("p", about))


def write_report(
    result: ComparisonResult, out: str | Path, table_format: str = "csv"
) -> dict[str, Path]:
    """Write every output of a comparison into ``out`` (created if needed).

    Each file is written whole and moved into place, so an interrupted write never
    leaves a half-written file; the run store in ``out`` is not touched. With
    ``table_format="parquet"`` each table is also written as ``.parquet`` beside its CSV
    (:mod:`healthsim.reports.formats`; needs pyarrow).

    Returns:
        File name -> path of everything written.
    """
    check_format(table_format)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    (out / "scenarios").mkdir(exist_ok=True)
    written: dict[str, Path] = {}

    def put(rel: str, data: bytes) -> None:
        path = out / rel
        write_bytes(path, data)
        written[rel] = path

    for name, (_about, build) in CSV_FILES.items():
        table = build(result)
        put(name, _csv_bytes(table))
        if table_format == "parquet":
            put(parquet_name(name), parquet_bytes(table))
        else:  # no copy left from an earlier --format parquet that these tables replace
            (out / parquet_name(name)).unlink(missing_ok=True)
    figs = cf.all_figures(result)
    pngs = {k: _png(f) for k, f in figs.items()}
    for k, data in pngs.items():
        put(f"figures/{k}.png", data)
    for sc in result.spec.scenarios:
        put(f"scenarios/{sc.name}.toml", scenario_to_toml(sc).encode())
    put("comparison.toml", comparison_toml(result).encode())
    blocks = build_blocks(result, pngs)
    put("report.md", render_markdown(blocks).encode())
    put("report.html", render_html(blocks, result.spec.title).encode())
    return written


def summary_markdown(result: ComparisonResult) -> str:
    """The title, the headline lines and the key results table, as markdown (what a
    notebook shows of a comparison: ``IPython.display.Markdown(summary_markdown(res))``)."""
    blocks = [Block("h3", result.spec.title)]
    n = len(result.complete_replicates)
    blocks.append(
        Block(
            "p",
            f"{len(result.spec.names)} scenarios x {n} complete replicates; baseline "
            f"{result.spec.baseline_name}. `.stats`, `.differences`, `.probability_best`, "
            "`.breakdown`, `.bands`; `healthsim.reports.comparison_figures(result)`, "
            "`healthsim.reports.write_comparison(result, folder)`.",
        )
    )
    brief = verdict_lines(result) + rests_on(result) + in_brief(result)
    if brief:
        blocks.append(Block("list", rows=[[b] for b in brief]))
    if n:
        blocks.append(key_results_table(result))
    return render_markdown(blocks)
