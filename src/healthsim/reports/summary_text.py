"""A run's story in a few plain sentences (for the terminal and the run report)."""

from __future__ import annotations

import math
import textwrap

from healthsim.experiments import RunResult
from healthsim.metrics import palette
from healthsim.metrics.calendar import span as fy_span


def plural(n: float, one: str, many: str | None = None) -> str:
    """``1 entry``, ``3 entries``: a whole count with the right noun."""
    k = round(n)
    return f"{k:,} {one if k == 1 else (many or one + 's')}"


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def headline(result: RunResult) -> str:
    """What was run: scenario, seed, years, size, regime and squeeze."""
    sc = result.scenario
    n_trusts = int(result.trusts["trust"].nunique())
    n_econ = int(result.trusts["economy"].nunique()) if "economy" in result.trusts else 1
    months = len(result.timeseries)
    years = months / 12
    when = fy_span(sc.start_year, -(-months // 12))
    span = f"{years:g} {'year' if years == 1 else 'years'} ({when})"
    return (
        f"'{sc.name}', seed {result.seed}: {span}, {plural(n_trusts, 'trust')} in "
        f"{plural(n_econ, 'local economy', 'local economies')}; regime '{sc.regime.name}', "
        f"squeeze '{sc.squeeze.name}'."
    )


def summary_lines(result: RunResult) -> list[tuple[str, str]]:
    """(topic, sentence) pairs: quality, harm, special measures, finances, boards."""
    return [
        ("Quality", _quality(result)),
        ("Harm", _harm(result)),
        ("Special measures", _special_measures(result)),
        ("Finances", _finances(result)),
        ("Boards", _boards(result)),
    ]


def _quality(result: RunResult) -> str:
    ts = result.timeseries
    q0, q1 = float(ts["quality_mean"].iloc[0]), float(ts["quality_mean"].iloc[-1])
    change = "rose" if q1 > q0 + 0.01 else "fell" if q1 < q0 - 0.01 else "stayed about level"
    low = float(ts["quality_p10"].iloc[-1])
    return (
        f"average true quality of care {change}, from {q0:.2f} to {q1:.2f} on a 0–1 scale; "
        f"the worst tenth of trusts ended at {low:.2f}."
    )


def _harm(result: RunResult) -> str:
    s = result.summary
    harm = s.get("harm_total", 0.0)
    hidden = s.get("harm_hidden_total", 0.0)
    return (
        f"{harm:,.0f} avoidable harm events; {hidden:,.0f} of them "
        f"({_share(hidden, harm)}) were never reported."
    )


def _special_measures(result: RunResult) -> str:
    s = result.summary
    if not result.scenario.regime.ladder.enabled:
        return "this scenario has no failure regime (inspections and ratings only)."
    entries = s.get("sm_entries", 0.0)
    end = _end_states(result)
    if entries == 0:
        text = "no trust was put into special measures during the run"
        text += f" (at the end {end})" if end else ""
        return f"{text}: {_why_none(result)}."
    fp = s.get("false_positives", 0.0)
    parts = [plural(entries, "entry", "entries")]
    if fp:
        parts[0] += (
            f" ({round(fp):,} of them false alarms at the time: the trust was not truly "
            "failing when it entered, whatever became of it later)"
        )
    parts += [plural(s.get("sm_exits", 0.0), "exit"), plural(s.get("sm_relapses", 0.0), "relapse")]
    text = ", ".join(parts)
    months = s.get("sm_months_mean", math.nan)
    if months == months:  # not NaN: at least one spell ended
        text += f"; a completed spell lasted {months:.1f} months on average"
    else:
        text += "; no spell ended during the run"
    went = _went_into_administration(result)
    if went:
        text += f"; {plural(went, 'trust')} went into administration or merger"
    if end:
        text += f"; at the end {end}"
    return text + "."


def _end_states(result: RunResult) -> str:
    """Trusts in special measures, in administration and out of administration but still
    failing at the end (the palette's states, each counted apart), in words."""
    trusts = result.trusts
    last = (trusts["month"] == trusts["month"].max()).to_numpy()
    c = palette.counts(palette.states_of_trusts(trusts)[last])
    parts = [
        f"{c[k]:,} {'trust' if c[k] == 1 else 'trusts'} {words}"
        for k, words in (
            (palette.State.special_measures, "in special measures"),
            (palette.State.administration, "in administration or merger"),
            (
                palette.State.failing_after_administration,
                "out of administration but still rated inadequate",
            ),
        )
        if c[k]
    ]
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def _went_into_administration(result: RunResult) -> int:
    t = result.trusts
    return int(t.loc[t["rung"] == int(palette.State.administration), "trust"].nunique())


def _why_none(result: RunResult) -> str:
    """Why a run saw no entry, from what it recorded, and what to try instead."""
    ts, sc = result.timeseries, result.scenario
    ident = sc.regime.identification
    n = int(result.trusts["trust"].nunique())
    inspections = int(ts["inspections"].sum()) if "inspections" in ts else 0
    rated = int(ts["rated_inadequate"].max()) if "rated_inadequate" in ts else 0
    truly = int(ts["truly_failing"].max()) if "truly_failing" in ts else 0
    if inspections == 0:
        why = "no inspection took place"
    elif rated == 0:
        why = f"none of the {inspections:,} inspections found a trust failing"
        if truly:
            most = "1 trust's" if truly == 1 else f"up to {truly:,} trusts'"
            why += (
                f", though {most} true quality was failing at some point (inspectors see "
                "only the services they sample)"
            )
        else:
            why += " and no trust's true quality fell to failing"
    else:
        rule = (
            f"{plural(ident.persistence_rule, 'failing inspection')} in a row"
            if ident.persistence_rule > 1
            else "a failing inspection"
        )
        why = (
            f"inspections rated up to {plural(rated, 'trust')} inadequate at a time, but "
            f"none met the rule for entry ({rule})"
        )
    years = len(ts) / 12
    if n <= 12:
        return (
            f"{why}. An economy of {plural(n, 'trust')} often sees no entry in {years:g} "
            "years: try another --seed, or a larger economy (healthsim run region)"
        )
    return f"{why}. Try another --seed"


def _finances(result: RunResult) -> str:
    s = result.summary
    n = int(result.trusts["trust"].nunique())
    peak = s.get("deficit_share_peak", 0.0)
    final = s.get("deficit_share_final", 0.0)
    text = (
        f"trusts in deficit peaked at {peak:.0%} ({round(peak * n)} of {n}) and ended at "
        f"{final:.0%}; the combined 12-month balance was at worst "
        f"{100 * s.get('margin_worst', 0.0):+.1f}% of income"
    )
    failures = s.get("financial_failures", 0.0)
    if failures:
        verb = "its" if round(failures) == 1 else "their"
        text += f"; {plural(failures, 'trust')} ran {verb} cash down (financially unsustainable)"
    return text + "."


def _boards(result: RunResult) -> str:
    n = result.summary.get("board_replacements", 0.0)
    return f"{plural(n, 'board')} replaced." if n else "no board was replaced."


def terminal_summary(result: RunResult, out: str, width: int = 92) -> str:
    """The text ``healthsim run`` prints when it finishes, wrapped to ``width``."""
    topics = summary_lines(result)
    pad = max(len(topic) for topic, _ in topics) + 4
    lines = textwrap.wrap(f"healthsim ran {headline(result)}", width)
    for topic, text in topics:
        lines += textwrap.wrap(
            text,
            width,
            initial_indent=f"  {topic:<{pad - 4}}  ",
            subsequent_indent=" " * pad,
        )
    disclaimer = result.scenario.economy.disclaimer
    if disclaimer:
        lines += textwrap.wrap(f"Note: {disclaimer}", width)
    lines.append(f"Results written to {out}/ (start with report.md).")
    return "\n".join(lines)
