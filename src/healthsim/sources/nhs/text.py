"""What an economy build reports (what was filled, what was left out, the mapping's
assumptions) and the text of the scenario file it writes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from healthsim.sources.nhs.build import BuiltTrust, EconomyBuild, real_trust_label
from healthsim.sources.nhs.records import type_counts

DISCLAIMER = (
    "Simulated from NHS organisation data under stated assumptions: not a forecast about "
    "any named organisation."
)
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(NHS England, NHS England Digital, Office for National Statistics)."
)


def _who(t: BuiltTrust, reveal: bool) -> str:
    code = f" [{t.record.code}, line {t.record.line}]" if reveal and t.id != t.record.code else ""
    return f"{t.id} '{t.label}'{code}"


def plural(n: int, word: str) -> str:
    """'1 trust', '2 trusts'."""
    return f"{n:,d} {word}{'' if n == 1 else 's'}"


def report_lines(build: EconomyBuild, *, reveal: bool = False) -> dict[str, list[str]]:
    """What was filled and what was left out, as lines for the file header (and, with
    ``reveal``, the console).

    Lines name trusts by id and label; with real names, left-out trusts are listed by
    code and name. ``reveal`` (the console) adds the ODS code and line in the trusts
    file of each filled trust even in anonymous mode, so the user can check the value.
    """
    real = build.real_names
    filled = [f"{_who(t, reveal)}: {t.filled}" for t in build.trusts if t.filled]
    for e in build.economies:
        if e.population <= 0:
            filled.append(
                f"{e.id} '{e.label}': population empty -> derived by the model from beds "
                "(economy.population_per_bed)"
            )
    excluded = []
    for e in build.economies:
        if e.excluded:
            excluded.append(f"{e.id} '{e.label}': {type_counts(e.excluded)}")
            if real:
                excluded.extend(f"    {t.code} {real_trust_label(t.name)}" for t in e.excluded)
    for icb in build.skipped:
        where = f"{icb.code} {icb.short_name}" if real else f"an ICB in {icb.region or '?'}"
        excluded.append(
            f"{where}: no {' or '.join(build.options.types)} trusts, so no economy "
            f"({type_counts(build.data.trusts_of(icb.code))})"
        )
    if build.unplaced:
        excluded.append(f"no ICB in the trusts file: {type_counts(build.unplaced)} (not placed)")
        if real:
            excluded.extend(f"    {t.code} {real_trust_label(t.name)}" for t in build.unplaced)
    return {"filled": filled, "excluded": excluded}


def excluded_summary(build: EconomyBuild) -> str:
    """One line: the trusts of the chosen ICBs that the model leaves out, by type."""
    left = [t for e in build.economies for t in e.excluded]
    left += [t for icb in build.skipped for t in build.data.trusts_of(icb.code)]
    text = type_counts(left) or "none"
    if build.unplaced:
        text += (
            f"; {plural(len(build.unplaced), 'trust')} with no ICB ({type_counts(build.unplaced)})"
        )
    if build.skipped:
        text += f"; {plural(len(build.skipped), 'ICB')} with no modelled trust"
    return text


def mapping_lines(build: EconomyBuild) -> list[str]:
    """The assumptions of the mapping, one per line (docs/nhs-data.md explains them)."""
    types = " and ".join(build.options.types)
    opts = build.options
    lines = [
        f"Trusts: {types} trusts of each ICB, sized by KH03 G&A beds (ga_beds); other trust "
        "types are left out (counted below).",
        "Demand: from each trust's beds (the preset's base occupancy), scaled by its ICB's "
        "people per bed relative to economy.population_per_bed, as the model does "
        "(behaviour.population_demand_elasticity); population from the ICBs file.",
        "Commissioner and social care: one of each per ICB (created by the model).",
        "Links inside an ICB: every pair of trusts, weight = beds_a x beds_b / ICB beds.",
    ]
    if opts.neighbours is not None:
        between = "pairs of the neighbours file"
    else:
        between = (
            f"within each region, a ring of ICBs in ONS code order, each linked to the next "
            f"{opts.region_links}"
        )
    lines.append(
        f"Links between ICBs ({build.inter_links}): {between}; one link between the ICBs' "
        f"largest acute trusts, weight = {opts.region_flow:g} x beds_a x beds_b / mean ICB "
        "beds."
    )
    return lines


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        v = float(value)
        return str(int(v)) + ".0" if v.is_integer() else repr(v)
    return json.dumps(str(value), ensure_ascii=False)


def _table(
    name: str, rows: list[dict], comment: dict[int, str] | None = None, compact: bool = False
) -> list[str]:
    """An array of tables; ``comment`` lines go before the rows they index."""
    out = []
    for k, row in enumerate(rows):
        if comment and k in comment:
            out.extend(["", f"# {comment[k]}"] if compact and k else [f"# {comment[k]}"])
        out.append(f"[[{name}]]")
        out.extend(f"{key} = {_toml(v)}" for key, v in row.items())
        if not compact:
            out.append("")
    return out


def scenario_text(
    build: EconomyBuild,
    *,
    name: str,
    description: str,
    extends: str,
    header: Sequence[str],
) -> str:
    """The scenario file: header comments, then ``extends``, the disclaimer and the
    explicit economies, trusts and links."""
    sec = build.economy_section()
    lines = [f"# {h}".rstrip() for h in header]
    lines += [
        "",
        f"extends = {_toml(extends)}",
        f"name = {_toml(name)}",
        f"description = {_toml(description)}",
        "",
        "[economy]",
        f"disclaimer = {_toml(DISCLAIMER)}",
        "",
    ]
    lines += _table("economy.economies", sec["economies"])
    starts = {}
    k = 0
    for e in build.economies:
        starts[k] = f"{e.id} {e.label}: {len(e.trusts)} trusts, {e.beds:,.0f} G&A beds"
        k += len(e.trusts)
    lines += _table("economy.trusts", sec["trusts"], starts)
    n_inside = len(build.links) - build.inter_links
    lines += _table(
        "economy.links",
        sec["links"],
        {0: "Patient-flow links inside each ICB", n_inside: "Links between ICBs"},
        compact=True,
    )
    return "\n".join(lines).rstrip() + "\n"
