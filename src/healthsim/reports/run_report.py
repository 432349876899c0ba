"""Write one run's output folder: tables, figures, resolved scenario and report.

Everything is written into a hidden folder beside the destination and moved into place
at the end (:mod:`healthsim.atomic`), so a failed or interrupted run leaves
nothing half-written, and an earlier run's folder is replaced only once the new one is
complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from healthsim._version import __version__
from healthsim.atomic import atomic_folder, check_destination
from healthsim.config import scenario_to_toml
from healthsim.experiments import RunResult
from healthsim.metrics.calendar import CONVENTION
from healthsim.reports import figures, network, style, tables
from healthsim.reports.formats import check_format, parquet_name, write_parquet
from healthsim.reports.summary_text import headline, summary_lines


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the run report: file, builder, title and how to read it."""

    file: str
    build: Callable[[RunResult], Figure]
    title: str
    about: str
    needs_model: bool = False  # drawn only when the result kept its model


def _figure_specs() -> tuple[FigureSpec, ...]:
    # Looked up at call time so a figure function can be swapped (e.g. in tests).
    return (
        FigureSpec(
            "quality_and_harm.png",
            figures.quality_harm_figure,
            "Quality of care and avoidable harm",
            "Top: true quality of care (0 = worst, 1 = best) of the average trust and of "
            "the worst tenth of trusts; dashed lines mark where inspectors rate a service "
            "good or inadequate. Inspectors see quality only through noisy samples, so "
            "ratings can differ from these lines. Bottom: avoidable harm each month, "
            "split into harm that staff reported and harm that stayed hidden; more fear "
            "means less reporting.",
        ),
        FigureSpec(
            "ladder_and_ratings.png",
            figures.ladder_figure,
            "Trusts on the failure ladder and by rating",
            "How many trusts stood on each rung of the failure ladder each month (no "
            "action, advice, warning or conditions, special measures, administration or "
            "merger), and how many held each overall inspection rating.",
        ),
        FigureSpec(
            "finances.png",
            figures.finances_figure,
            "Finances under the squeeze",
            "Share of trusts in deficit over the last 12 months (and financially "
            "unsustainable: cash run down); all trusts' combined surplus or deficit over "
            "the last 12 months as a share of income; and the efficiency savings trusts "
            "delivered against those the tariff required.",
        ),
        FigureSpec(
            "network.png",
            network.network_figure,
            "The health economy at the end of the run",
            "Every trust at the end of the run, sized by beds, coloured by its rung on "
            "the failure ladder (left) and its latest rating (right). Shaded discs are "
            "local economies, each with its commissioner (square) and social care "
            "(diamond); grey lines are patient flows, blue lines buddy links.",
            needs_model=True,
        ),
    )


#: Tables written as CSV: file, builder, what one row is.
TABLES = (
    ("timeseries.csv", tables.timeseries_table, "timeseries", "one row per month"),
    ("trusts.csv", tables.trusts_table, "trusts", "one row per trust per month"),
    ("summary.csv", tables.summary_table, "summary", "one row per per-run metric"),
    ("events.csv", tables.events_table, "events", "one row per event"),
)


def _drawable(result: RunResult) -> list[FigureSpec]:
    return [f for f in _figure_specs() if result.model is not None or not f.needs_model]


def files_written(result: RunResult | None = None) -> dict[str, str]:
    """Every file of a run folder and what it holds (for the report and the README);
    with ``result``, only the figures that run can draw."""
    specs = _figure_specs() if result is None else _drawable(result)
    return {
        "report.md": "this report: what was run, what happened, what each file holds",
        "timeseries.csv": "model-wide monthly metrics, one row per month",
        "trusts.csv": "each trust's monthly trajectory, one row per trust per month",
        "summary.csv": "the per-run metrics (metric, value, description)",
        "events.csv": "what happened to whom and when, in words, one row per event",
        "scenario.resolved.toml": "the fully resolved scenario, every value the run used; "
        "re-running it with the same seed reproduces the run exactly",
        **{f.file: f.title for f in specs},
    }


def reproduce_command(out: Path | str, seed: int) -> str:
    """The command that re-runs the resolved scenario of a run folder."""
    return f"healthsim run {Path(out) / 'scenario.resolved.toml'} --seed {seed}"


def resolved_scenario_text(result: RunResult, out: Path | str, command: str | None) -> str:
    """``scenario.resolved.toml``: the resolved scenario under a header comment giving
    the seed, the package version and the command that reproduces the run."""
    sc = result.scenario
    how = command or "healthsim.reports.write_run (from Python)"
    header = [
        f"Fully resolved scenario '{sc.name}': every value the run used, defaults included.",
        f"Written by healthsim {__version__} for: {how}",
        f"Seed: {result.seed}",
        "Reproduce this run exactly:",
        f"  {reproduce_command(out, result.seed)}",
    ]
    if sc.economy.disclaimer:
        header.append(f"Disclaimer: {sc.economy.disclaimer}")
    comment = "".join(f"# {line}\n" for line in header)
    return comment + "\n" + scenario_to_toml(sc)


def report_markdown(
    result: RunResult, out: Path | str, command: str | None, table_format: str = "csv"
) -> str:
    """``report.md``: what was run, what happened, the figures and every file's columns
    (and, with ``table_format="parquet"``, the Parquet copies of the tables)."""
    sc = result.scenario
    md = [f"# healthsim run: {sc.name}, seed {result.seed}", ""]
    if sc.economy.disclaimer:
        md += [f"> **Note:** {sc.economy.disclaimer}", ""]
    md += [
        f"Scenario {headline(result)}",
        "",
        f"{sc.description}" if sc.description else "",
        "",
        f"- Made with healthsim {__version__}"
        + (f" by `{command}`" if command else " from Python"),
        f"- Reproduce exactly: `{reproduce_command(out, result.seed)}`",
        "",
        "## What happened",
        "",
        *[f"- **{topic}:** {text}" for topic, text in summary_lines(result)],
        "",
        "## Figures",
        "",
    ]
    for f in _drawable(result):
        md += [f"### {f.title}", "", f"![{f.title}]({f.file})", "", f.about, ""]
    md += ["## Files", "", "| File | What it holds |", "| --- | --- |"]
    md += [f"| `{name}` | {about} |" for name, about in files_written(result).items()]
    if table_format == "parquet":
        names = ", ".join(f"`{parquet_name(file)}`" for file, *_ in TABLES)
        md.append(f"| {names} | the same tables as Parquet, beside each CSV |")
    md += ["", _READING, ""]
    md += _column_sections()
    return "\n".join(md).replace("\n\n\n", "\n\n")


_READING = (
    """## How to read these results

These are simulated outcomes of a model, not forecasts and not judgements of any real
organisation. One seed is one possible history: compare scenarios on the same seed
(they then share the same demand noise, local shocks and inspection draws) and over
several seeds before drawing conclusions. The defaults are calibrated to England in
2013/14–2019/20, a mixed regime of public naming and buddying, so they can check that the
model behaves plausibly but cannot settle whether blame or support works better: that
contrast is exploratory. """
    + CONVENTION
)


def _column_sections() -> list[str]:
    md = ["## Columns of the tables", ""]
    for file, _, name, row in TABLES:
        md += [f"### `{file}` ({row})", "", "| Column | Meaning |", "| --- | --- |"]
        md += [f"| `{c}` | {m} |" for c, m in tables.column_descriptions(name).items()]
        md.append("")
    return md


def write_run(
    result: RunResult, out: Path | str, command: str | None = None, table_format: str = "csv"
) -> Path:
    """Write a run's complete output folder, atomically.

    Args:
        result: the finished run (with its model, for the network figure).
        out: the output folder; an earlier healthsim result there is replaced once the
            new folder is complete.
        command: the command line that made the run, recorded in the outputs.
        table_format: ``"csv"``, or ``"parquet"`` for each table also as ``.parquet``
            beside its CSV (:mod:`healthsim.reports.formats`; needs pyarrow).

    Returns:
        The output folder.

    Raises:
        healthsim.atomic.OutputFolderError: ``out`` cannot take the results.
        healthsim.reports.formats.ParquetUnavailableError: Parquet without pyarrow.
        OSError: the folder could not be written (nothing is left behind).
    """
    out = Path(out)
    check_format(table_format)
    check_destination(out)
    with atomic_folder(out) as tmp:
        (tmp / "scenario.resolved.toml").write_text(
            resolved_scenario_text(result, out, command), encoding="utf-8"
        )
        for file, build, _, _ in TABLES:
            table = build(result)
            table.to_csv(tmp / file, index=False)
            if table_format == "parquet":
                write_parquet(table, tmp / parquet_name(file))
        for spec in _drawable(result):
            style.save(spec.build(result), tmp / spec.file)
        (tmp / "report.md").write_text(
            report_markdown(result, out, command, table_format), encoding="utf-8"
        )
    return out
