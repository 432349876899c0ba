"""Write a comparison's report: report.html (self-contained), report.md, CSV tables,
figures and the resolved inputs.

The report is built once as a list of blocks (headings, paragraphs, tables, figures)
and rendered twice, to markdown and to HTML; the HTML embeds its figures as base64 PNG
and its style sheet, so it opens offline and can be e-mailed as one file. Nothing in
the outputs depends on when, where or in how many pieces the runs were computed, so a
resumed comparison writes the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import base64
import html
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthsim._version import __version__
from healthsim.config import scenario_to_toml
from healthsim.experiments.breakdown import CHANNELS
from healthsim.experiments.outcomes import ACCOUNTS, outcome
from healthsim.experiments.store import STORE_NAME, code_version
from healthsim.metrics.recorder import MONTHLY
from healthsim.metrics.summary import SUMMARY
from healthsim.reports import compare_figures as cf
from healthsim.reports.compare_text import (
    EVIDENCE,
    UNCERTAINTY,
    economy_words,
    in_brief,
    regimes_differ,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from healthsim.experiments.compare import ComparisonResult

# --------------------------------------------------------------------------------------
# Blocks and rendering
# --------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # h1 h2 h3 p note table figure list code
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    align: str = ""  # per column: l or r
    png: bytes = b""
    file: str = ""
    anchor: str = ""


def _inline_html(text: str) -> str:
    t = html.escape(text, quote=False)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    return t


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out += [f"# {b.text}", ""]
        elif b.kind == "h2":
            out += [f"## {b.text}", ""]
        elif b.kind == "h3":
            out += [f"### {b.text}", ""]
        elif b.kind == "p":
            out += [b.text, ""]
        elif b.kind == "note":
            out += [f"> {line}" if line else ">" for line in b.text.split("\n")] + [""]
        elif b.kind == "list":
            out += [f"- {r[0]}" for r in b.rows] + [""]
        elif b.kind == "code":
            out += ["```", b.text, "```", ""]
        elif b.kind == "table":
            align = b.align or "l" * len(b.header)
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |")
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
            if b.text:
                out += ["", f"*{b.text}*"]
            out.append("")
        elif b.kind == "figure":
            out += [f"![{b.text}]({b.file})", ""]
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2733;
max-width:1120px;margin:0 auto;padding:24px 28px 60px;line-height:1.5;font-size:15.5px}
h1{font-size:1.75em;margin:.2em 0 .3em;color:#10243e}
h2{font-size:1.3em;margin-top:2em;padding-bottom:.25em;border-bottom:2px solid #dfe5ec;
color:#10243e}
h3{font-size:1.08em;margin-top:1.5em;color:#10243e}
p{margin:.6em 0}
.note{background:#fff6e5;border-left:5px solid #e69f00;padding:10px 16px;margin:1em 0;
border-radius:3px}
.findings p{margin:.75em 0}
table{border-collapse:collapse;margin:.8em 0 .4em;font-size:.86em;width:100%}
th,td{padding:5px 8px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f2f5f8;text-align:left;font-weight:600}
td.r,th.r{text-align:right;white-space:nowrap}
tr:hover td{background:#fafbfc}
.caption{color:#555;font-size:.85em;margin:.1em 0 1em}
figure{margin:1.2em 0 1.6em}
figure img{max-width:100%;height:auto;border:1px solid #e3e8ee}
figcaption{color:#444;font-size:.9em;margin-top:.4em}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f2f5f8;
border-radius:3px}
code{padding:1px 4px}
pre{padding:10px 14px;overflow-x:auto}
nav{display:flex;flex-wrap:wrap;gap:2px 0;background:#f7f9fb;border:1px solid #e3e8ee;
padding:8px 16px;border-radius:4px;font-size:.92em}
nav a{color:#0b5394;text-decoration:none;margin-right:14px;white-space:nowrap}
.meta{color:#555;font-size:.9em}
"""


def render_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    toc = [b for b in blocks if b.kind == "h2" and b.anchor]
    for b in blocks:
        if b.kind == "h1":
            body.append(f"<h1>{_inline_html(b.text)}</h1>")
            if toc:
                links = "".join(f'<a href="#{t.anchor}">{html.escape(t.text)}</a>' for t in toc)
                body.append(f"<nav>{links}</nav>")
        elif b.kind in ("h2", "h3"):
            anchor = f' id="{b.anchor}"' if b.anchor else ""
            body.append(f"<{b.kind}{anchor}>{_inline_html(b.text)}</{b.kind}>")
        elif b.kind == "p":
            cls = ' class="meta"' if b.anchor == "meta" else ""
            body.append(f"<p{cls}>{_inline_html(b.text)}</p>")
        elif b.kind == "note":
            paras = "".join(f"<p>{_inline_html(t)}</p>" for t in b.text.split("\n\n"))
            body.append(f'<div class="note">{paras}</div>')
        elif b.kind == "list":
            items = "".join(f"<li>{_inline_html(r[0])}</li>" for r in b.rows)
            body.append(f"<ul>{items}</ul>")
        elif b.kind == "code":
            body.append(f"<pre><code>{html.escape(b.text)}</code></pre>")
        elif b.kind == "table":
            align = b.align or "l" * len(b.header)
            head = "".join(
                f'<th class="{a}">{_inline_html(h)}</th>'
                for h, a in zip(b.header, align, strict=True)
            )
            rows = "".join(
                "<tr>"
                + "".join(
                    f'<td class="{a}">{_inline_html(c)}</td>' for c, a in zip(r, align, strict=True)
                )
                + "</tr>"
                for r in b.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            if b.text:
                body.append(f'<p class="caption">{_inline_html(b.text)}</p>')
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(b.text)}" '
                f'src="data:image/png;base64,{data}"></figure>'
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _interval(o, lo: float, hi: float, *, signed: bool = False, points: bool = False) -> str:
    """'a to b' in the metric's format; ``points`` drops the % of shares (differences of
    shares are percentage points)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    a, b = o.format(lo, signed=signed), o.format(hi, signed=signed)
    if points and o.percent:
        a, b = a.rstrip("%"), b.rstrip("%")
    return f"{a} to {b}"


def _signed_bounds(r, sign: int) -> tuple[float, float]:
    """The interval of ``sign`` times a difference, low end first."""
    a, b = sign * r["ci_low"], sign * r["ci_high"]
    return (a, b) if a <= b else (b, a)


def _signed_points(o, v: float) -> str:
    """A signed difference; shares in percentage points ('-2.39 pts')."""
    text = o.format(v, signed=True)
    return text.rstrip("%") + " pts" if o.percent else text


def _better_words(better: str) -> str:
    return {"lower": "lower", "higher": "higher"}.get(better, "—")


def key_results_table(result: ComparisonResult) -> Block:
    spec = result.spec
    st = result.stats.set_index(["scenario", "metric"])
    header = ["Outcome", "Unit", "Better"] + [
        f"{n} (baseline)" if n == spec.baseline_name and len(spec.names) > 1 else n
        for n in spec.names
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        row = [o.label, o.unit_shown, _better_words(o.better)]
        for n in spec.names:
            r = st.loc[(n, m)]
            row.append(
                f"**{o.format(r['mean'])}** ({_interval(o, r['ci_low'], r['ci_high'])})"
                if r["n"]
                else "n/a"
            )
        rows.append(row)
    return Block(
        "table",
        header=header,
        rows=rows,
        align="lll" + "r" * len(spec.names),
        text="Mean over the simulated futures, with its 95% interval in brackets. "
        "Percentages are shares (e.g. of trusts or of staff).",
    )


def differences_table(result: ComparisonResult) -> Block:
    spec = result.spec
    d = result.differences.set_index(["scenario", "metric"])
    others = [n for n in spec.names if n != spec.baseline_name]
    header = [
        "Outcome",
        "Scenario",
        "Difference (95% interval)",
        "Relative",
        "Better in",
        "Verdict",
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        for n in others:
            r = d.loc[(n, m)]
            rel = "—"
            if np.isfinite(r["relative"]) and not o.percent and r["baseline_mean"] > 0:
                rel = f"{r['relative'] * 100:+.1f}%"
            better = (
                "—" if not np.isfinite(r["share_better"]) else f"{r['share_better'] * 100:.0f}%"
            )
            verdict = {1: "better", -1: "worse", 0: "no clear difference"}[int(r["verdict"])]
            if o.better == "neither":
                verdict = "—"
            rows.append(
                [
                    o.label,
                    n,
                    f"**{_signed_points(o, r['diff'])}** "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True, points=True)})",
                    rel,
                    better,
                    verdict,
                ]
            )
    return Block(
        "table",
        header=header,
        rows=rows,
        align="llrrrl",
        text=f"Scenario minus {spec.baseline_name}, future by future (same seeds), averaged. "
        "'Better in' is the share of paired futures in which the scenario did better than "
        f"{spec.baseline_name}; 'pts' are percentage points. Verdict: whether the 95% "
        "interval lies wholly on the better or the worse side. Each interval is for one "
        "comparison on its own: among many outcomes, a few will look clear by chance.",
    )


def best_table(result: ComparisonResult) -> Block:
    spec = result.spec
    pb = result.probability_best
    header = ["Outcome", "Better", *spec.names, "Ties", "Best on average (confidence)"]
    rows = []
    for m in spec.metrics:
        sub = pb[pb["metric"] == m].set_index("scenario")
        if sub.empty:
            continue
        o = outcome(m)
        row = [o.label, _better_words(o.better)]
        row += [f"{sub.at[n, 'p_best_run'] * 100:.0f}%" for n in spec.names]
        row.append(f"{sub['p_tie'].iloc[0] * 100:.0f}%")
        pm = sub["p_best_mean"]
        tops = [n for n in spec.names if pm[n] >= pm.max() - 1e-9]
        if len(tops) == len(spec.names):
            row.append("all tied")
        elif len(tops) > 1:
            row.append(f"{' and '.join(tops)} tied ({pm[tops[0]] * 100:.0f}% each)")
        else:
            row.append(f"{tops[0]} ({pm[tops[0]] * 100:.0f}%)")
        rows.append(row)
    return Block(
        "table",
        header=header,
        rows=rows,
        align="ll" + "r" * len(spec.names) + "rl",
        text="Share of simulated futures in which each scenario did best (ties shared "
        "equally; 'Ties' is the share of futures where the best value was shared). "
        "Confidence: share of 2,000 bootstrap resamples of the futures in which that "
        "scenario had the best average.",
    )


def worst_table(result: ComparisonResult) -> Block:
    spec = result.spec
    st = result.stats.set_index(["scenario", "metric"])
    header = [
        "Outcome",
        "Scenario",
        "Median",
        "Middle 50%",
        "Middle 90%",
        "SD",
        "Worst 10% average",
    ]
    rows = []
    for m in spec.metrics:
        if m not in result.metrics:
            continue
        o = outcome(m)
        for n in spec.names:
            r = st.loc[(n, m)]
            rows.append(
                [
                    o.label,
                    n,
                    o.format(r["median"]),
                    _interval(o, r["p25"], r["p75"]),
                    _interval(o, r["p5"], r["p95"]),
                    o.format(r["sd"]),
                    f"**{o.format(r['worst_decile_mean'])}**"
                    if np.isfinite(r["worst_decile_mean"])
                    else "—",
                ]
            )
    return Block(
        "table",
        header=header,
        rows=rows,
        align="llrrrrr",
        text="Spread across simulated futures. The worst 10% average is the mean of the "
        "tenth of futures with the worst value (highest where lower is better, lowest "
        "where higher is better).",
    )


def breakdown_tables(result: ComparisonResult, name: str) -> list[Block]:
    b = result.breakdown
    sub = b[b["scenario"] == name]
    blocks: list[Block] = []
    base = result.spec.baseline_name

    means = result.stats.set_index(["scenario", "metric"])["mean"]

    def months(metric: str) -> list[str]:
        """Trust-months in the state of a harm part, baseline then scenario."""
        m = metric.replace("harm_", "months_", 1)
        if (base, m) not in means.index:
            return ["—", "—"]
        return [f"{means[(base, m)]:,.0f}", f"{means[(name, m)]:,.0f}"]

    def table(part: str, caption: str, total_metric: str, total_label: str) -> Block:
        with_months = part == "harm: where it happened"
        rows = []
        s = sub[sub["part"] == part]
        for _, r in s.iterrows():
            o = outcome(r["metric"])
            share = r["share_of_total"]
            sign = int(r["sign"])
            rows.append(
                [
                    o.label,
                    *(months(r["metric"]) if with_months else []),
                    o.format(r["baseline_mean"]) if np.isfinite(r["baseline_mean"]) else "—",
                    o.format(r["scenario_mean"]) if np.isfinite(r["scenario_mean"]) else "—",
                    f"{o.format(r['contribution'], signed=True)} "
                    f"({_interval(o, *_signed_bounds(r, sign), signed=True)})",
                    f"{share * 100:.0f}%" if np.isfinite(share) else "—",
                ]
            )
        d = result.differences
        t = d[(d["scenario"] == name) & (d["metric"] == total_metric)]
        if not t.empty:
            r = t.iloc[0]
            o = outcome(total_metric)
            rows.append(
                [
                    f"**{total_label}**",
                    *(["", ""] if with_months else []),
                    f"**{o.format(r['baseline_mean'])}**",
                    f"**{o.format(r['scenario_mean'])}**",
                    f"**{o.format(r['diff'], signed=True)}** "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True)})",
                    "100%",
                ]
            )
        head = ["Part"]
        if with_months:
            head += [f"Trust-months, {base}", f"Trust-months, {name}"]
        head += [base, name, "Effect on the total (95% interval)", "Share"]
        return Block(
            "table",
            header=head,
            rows=rows,
            align="l" + "r" * (len(head) - 1),
            text=caption,
        )

    blocks.append(Block("h3", f"{name} against {base}"))
    blocks.append(
        table(
            "harm: where it happened",
            "Avoidable harm over the run by the state the trust was in when it happened "
            "(first that applies, in this order), with the trust-months spent in each "
            "state. The parts add up to the total. A part can grow simply because trusts "
            "spend more months in that state (a graduated ladder, for example, puts trusts "
            "on advice or a warning that another regime would leave alone).",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "harm: composition or rate",
            "The same harm difference split another way (Kitagawa's decomposition, future "
            "by future): the part due to trusts spending their months in different states "
            "(at the average harm per trust-month of the two), and the part due to a "
            "trust-month in the same state doing more or less harm (at the average "
            "months of the two). The two add up to the total.",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "harm: reported or hidden",
            "Avoidable harm that staff reported and harm that stayed hidden.",
            "harm_total",
            "All avoidable harm",
        )
    )
    blocks.append(
        table(
            "money: net position",
            "£m over the run. The net position is trusts' combined surplus less the "
            "regime's own spending; spending appears with its effect on the net (more "
            "spending, a negative effect). Litigation for harm, estimated as harm events "
            "times the cost per event, is part of trusts' spending (see the finance "
            "channel below).",
            "net_position",
            "Net position",
        )
    )
    rows = []
    d = result.differences.set_index(["scenario", "metric"])
    for ch in CHANNELS:
        for m in ch.metrics:
            if (name, m) not in d.index:
                continue
            r = d.loc[(name, m)]
            o = outcome(m)
            verdict = {1: "better", -1: "worse", 0: "no clear difference"}[int(r["verdict"])]
            if o.better == "neither":
                verdict = "—"
            rows.append(
                [
                    ch.title,
                    f"{o.label} ({o.unit_shown})",
                    o.format(r["baseline_mean"]),
                    o.format(r["scenario_mean"]),
                    f"{_signed_points(o, r['diff'])} "
                    f"({_interval(o, r['ci_low'], r['ci_high'], signed=True, points=True)})",
                    verdict,
                ]
            )
    blocks.append(
        Block(
            "table",
            header=["Mechanism", "Measure", base, name, "Difference (95% interval)", "Verdict"],
            rows=rows,
            align="llrrrl",
            text="Mechanism channels: the measures each mechanism of the model moves, as "
            "paired differences.",
        )
    )
    return blocks


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------

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
    "part": "part of the breakdown (harm by place, harm by composition or rate, harm reported "
    "or hidden, money, channel)",
    "sign": "+1 or -1: how the component enters the total",
    "contribution": "the component's effect on the total (sign times difference)",
    "share_of_total": "contribution over the total difference",
    "replicate": "replicate number (0, 1, ...); every scenario ran replicate i on one seed",
    "seed": "the run's seed",
    "status": "ok or failed",
    "error": "for a failed run, the error and where it was raised",
    "month": "month of the run (1 = first)",
    "calendar_year": "calendar year of the month",
}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
        from healthsim.experiments.compare import shipped_comparisons

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
            f"{' each' if several else ''} · {sc0.years} years from {spec.start_year} · "
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
    for para in result.findings.split("\n\n"):
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
            f"({spec.start_year} to {spec.start_year + sc0.years - 1}) in "
            f"{economy_words(sc0)}. Run number i of every scenario used the same seed, derived "
            f"from the master seed {spec.seed}; because every random mechanism of the model "
            "(demand, local incidents, inspections, media, board churn) draws from its own "
            "stream, the scenarios met the same shocks in each simulated future (common "
            "random numbers). Differences are therefore computed future by future.",
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
    doc.append(Block("p", UNCERTAINTY))
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
        mrows.append([f"`{m}`", o.label, desc, o.unit_shown, _better_words(o.better)])
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


def write_report(result: ComparisonResult, out: Path) -> dict[str, Path]:
    """Write every output of a comparison into ``out`` (created if needed).

    Each file is written whole and moved into place, so an interrupted write never
    leaves a half-written file; the run store in ``out`` is not touched.

    Returns:
        File name -> path of everything written.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    (out / "scenarios").mkdir(exist_ok=True)
    written: dict[str, Path] = {}

    def put(rel: str, data: bytes) -> None:
        path = out / rel
        _write_atomic(path, data)
        written[rel] = path

    for name, (_about, build) in CSV_FILES.items():
        put(name, _csv_bytes(build(result)))
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
