"""``healthsim economy``: list the ICBs of NHS organisation data, or build a scenario of
one, several or all of them (see ``docs/nhs-data.md``).

``economy list`` prints the ICBs with their trusts by type, population and beds (or the
trusts of one ICB and what a build does with each). ``economy build`` writes an ordinary
scenario file that extends a preset, with explicit economies, trusts and links; the file
is written whole or not at all.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import shlex
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from healthsim._version import __version__
from healthsim.commands._common import UsageError
from healthsim.sources.nhs import (
    ATTRIBUTION,
    DISCLAIMER,
    MODELLED_TYPES,
    TRUST_TYPES,
    BuildOptions,
    EconomyBuild,
    NHSData,
    build_economy,
    excluded_summary,
    fill_rules,
    mapping_lines,
    plural,
    read_neighbours,
    read_nhs_data,
    real_trust_label,
    report_lines,
    scenario_text,
    select_icbs,
)

#: Short column heads for trust types in tables.
TYPE_HEADS = {
    "acute": "Acute",
    "specialist": "Spec",
    "mental_health": "MH",
    "community": "Comm",
    "ambulance": "Amb",
    "care_trust": "Care",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "economy",
        help="list ICBs of NHS organisation data, or build a scenario of your own economy",
        description="Build scenarios from official NHS organisation data: a trusts file "
        "(ODS code, type, ICB, KH03 G&A beds, ERIC floor area) and an ICBs file (code, "
        "region, ONS population). Column reference: docs/nhs-data.md.",
    )
    actions = p.add_subparsers(dest="economy_action", metavar="ACTION", required=True)

    lp = actions.add_parser(
        "list",
        help="ICBs with their trusts by type, population and beds",
        description="List the ICBs of the files with their trusts by type, population and "
        "G&A beds; with --icb, the trusts of one ICB and what a build does with each.",
    )
    _data_arguments(lp)
    lp.add_argument(
        "--icb", metavar="ICB", help="show the trusts of this ICB (code or part of its name)"
    )
    lp.add_argument(
        "--format", choices=("table", "csv"), default="table", help="output format (table)"
    )
    lp.set_defaults(handler=handle_list)

    bp = actions.add_parser(
        "build",
        help="write a scenario file of one, several or all ICBs",
        description="Write a scenario file that extends a preset, with the chosen ICBs as "
        "economies, their acute and specialist trusts as trusts, and patient-flow links. "
        "Trusts are anonymous unless --names real.",
    )
    _data_arguments(bp)
    which = bp.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--icb",
        action="append",
        metavar="ICB",
        help="an ICB to include: ODS code (QOP), ONS code or part of its name; repeat or "
        "separate with commas for several",
    )
    which.add_argument("--all", action="store_true", help="include every ICB of the files")
    bp.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="scenario file to write (.toml)"
    )
    bp.add_argument(
        "--extends",
        default="baseline",
        help="preset the scenario changes: a shipped scenario name or a file (default baseline)",
    )
    bp.add_argument("--name", help="scenario name (default: the output file's name)")
    bp.add_argument(
        "--names",
        choices=("anonymous", "real"),
        default="anonymous",
        help="anonymous (default): trusts labelled by type and size, ids without ODS codes; "
        "real: ODS codes and trust names",
    )
    bp.add_argument(
        "--without-specialist",
        action="store_true",
        help="leave out specialist acute trusts (kept as acute-like providers by default)",
    )
    bp.add_argument(
        "--neighbours",
        type=Path,
        metavar="FILE",
        help="CSV of neighbouring ICBs (columns icb_a, icb_b) to link instead of the regional ring",
    )
    bp.add_argument(
        "--region-links",
        type=int,
        metavar="K",
        help="regional ring: link each ICB to the next K of its region (default: the "
        "preset's economy.inter_economy_links)",
    )
    bp.add_argument(
        "--region-flow",
        type=float,
        metavar="W",
        help="weight of a link between ICBs relative to one inside an ICB (default: the "
        "preset's economy.inter_economy_flow)",
    )
    bp.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="also write a CSV linking the scenario's ids and labels to ODS codes and names "
        "(keep it apart from shared outputs)",
    )
    bp.add_argument("--force", action="store_true", help="replace an existing output file")
    bp.set_defaults(handler=handle_build)


def _data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trusts", required=True, type=Path, metavar="FILE", help="trusts CSV file")
    p.add_argument("--icbs", required=True, type=Path, metavar="FILE", help="ICBs CSV file")


# --------------------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------------------


def _table(heads: Sequence[str], rows: Sequence[Sequence[object] | str], right: set[int]) -> str:
    """A plain-text table; a row given as a string is printed as it is (a heading)."""
    cells = [r if isinstance(r, str) else [_cell(c) for c in r] for r in rows]
    grid = [r for r in cells if not isinstance(r, str)]
    widths = [max(len(h), *(len(r[k]) for r in grid)) for k, h in enumerate(heads)]

    def fmt(row: Sequence[str] | str) -> str:
        if isinstance(row, str):
            return row
        parts = [
            c.rjust(widths[k]) if k in right else c.ljust(widths[k]) for k, c in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(heads), rule, *(fmt(r) for r in cells)])


def _cell(value: object) -> str:
    """Numbers with thousands separators, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,d}"
    return str(value)


def _csv(heads: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(heads)
    w.writerows([[_csv_cell(c) for c in r] for r in rows])
    return buf.getvalue().rstrip("\n")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 1)
    return value


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _model_beds(data: NHSData) -> dict[str, tuple[float, int]]:
    """Per ICB: G&A beds of its acute and specialist trusts after filling, and how many
    were filled (as ``economy build`` fills them)."""
    rules = fill_rules(data)
    out: dict[str, tuple[float, int]] = {}
    for icb in data.icbs:
        beds, filled = 0.0, 0
        for t in data.trusts_of(icb.code):
            if t.type not in MODELLED_TYPES:
                continue
            if t.beds is None:
                filled += 1
                beds += rules[t.type].fill(t)[0]
            else:
                beds += t.beds
        out[icb.code] = (beds, filled)
    return out


def handle_list(args: argparse.Namespace) -> int:
    data = read_nhs_data(args.trusts, args.icbs)
    if args.icb:
        (icb,) = select_icbs(data, [args.icb])
        return _list_trusts(data, icb.code, args.format)
    beds = _model_beds(data)
    tail = ["Model beds", "Pop/bed", "Filled"]
    table: list[list[object] | str] = []
    flat: list[list[object]] = []
    region = None
    for icb in sorted(data.icbs, key=lambda i: (i.region, i.short_name)):
        counts = Counter(t.type for t in data.trusts_of(icb.code))
        b, filled = beds[icb.code]
        pop = icb.population
        numbers = [pop, *(counts.get(k, 0) for k in TYPE_HEADS), b]
        numbers += [pop / b if pop and b else None, filled]
        flat.append([icb.region, icb.code, icb.short_name, *numbers])
        if icb.region != region:
            region = icb.region
            table.append(f"{region or 'No region'}")
        table.append([icb.code, _short(icb.short_name, 36), *numbers])
    if args.format == "csv":
        print(_csv(["Region", "Code", "ICB", "Population", *TYPE_HEADS.values(), *tail], flat))
        return 0
    heads = ["Code", "ICB", "Population", *TYPE_HEADS.values(), *tail]
    total_pop = sum(i.population or 0 for i in data.icbs)
    total_beds = sum(b for b, _ in beds.values())
    counts = Counter(t.type for t in data.trusts if t.icb)
    table += ["", ["All", f"{len(data.icbs)} ICBs", total_pop]]
    table[-1] += [*(counts.get(k, 0) for k in TYPE_HEADS), total_beds]  # type: ignore[operator]
    table[-1] += [total_pop / total_beds if total_beds else None]  # type: ignore[operator]
    table[-1] += [sum(f for _, f in beds.values())]  # type: ignore[operator]
    print(
        f"{data.trusts_file.path.name}: {len(data.trusts)} trusts; "
        f"{data.icbs_file.path.name}: {len(data.icbs)} ICBs\n"
    )
    print(_table(heads, table, set(range(2, len(heads)))))
    notes = [
        "Trusts by type: Acute, Spec (specialist acute), MH (mental health), Comm "
        "(community), Amb (ambulance), Care (care trust). Model beds: G&A beds (KH03) of the "
        "acute and specialist trusts, which a build turns into the model's trusts; Pop/bed: "
        "people per model bed; Filled: trusts without beds whose beds a build fills "
        "(docs/nhs-data.md). Other trust types are counted but not modelled.",
    ]
    if data.unplaced:
        kinds = Counter(TRUST_TYPES[t.type].lower() for t in data.unplaced)
        text = ", ".join(f"{n} {k}" for k, n in kinds.items())
        codes = ", ".join(t.code for t in data.unplaced)
        notes.append(f"Not in any ICB (no icb_code): {text} ({codes}).")
    notes.append("Trusts of one ICB: healthsim economy list --trusts F --icbs F --icb CODE")
    notes.append(
        "Build a scenario: healthsim economy build --trusts F --icbs F --icb CODE --out FILE"
    )
    print()
    for n in notes:
        print(textwrap.fill(n, 92, subsequent_indent="  "))
    return 0


def _list_trusts(data: NHSData, code: str, fmt: str) -> int:
    icb = data.icb(code)
    rules = fill_rules(data)
    heads = ["Code", "Trust", "Type", "G&A beds", "Floor m2", "In the model"]
    rows: list[list[object]] = []
    order = {t: k for k, t in enumerate(TRUST_TYPES)}
    for t in sorted(data.trusts_of(code), key=lambda t: (order[t.type], t.code)):
        beds: float | None = t.beds
        if t.type not in MODELLED_TYPES:
            fate = "no: not an acute provider"
        elif t.beds is None:
            beds, how = rules[t.type].fill(t)
            fate = f"yes, beds filled from {how.split(' (')[0]}"
        else:
            fate = "yes"
        rows.append(
            [t.code, real_trust_label(t.name), TRUST_TYPES[t.type], beds, t.floor_area, fate]
        )
    if fmt == "csv":
        print(_csv(heads, rows))
        return 0
    pop = f"{icb.population:,.0f}" if icb.population else "unknown"
    print(f"{icb.code} {icb.name} ({icb.region or 'no region'}), population {pop}\n")
    print(_table(heads, rows, {3, 4}) if rows else "(no trusts in the trusts file)")
    return 0


# --------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------


def _usage_error(message: str) -> Exception:

    return UsageError(message)


def _extends_ref(ref: str, out: Path) -> tuple[str, Path]:
    """How the scenario names its preset (a shipped name stays a name; a file becomes a
    path relative to the output's folder), and the preset's file."""
    from healthsim.config import ScenarioError, resolve_path
    from healthsim.config.loader import shipped_dir

    try:
        path = resolve_path(ref)
    except ScenarioError as exc:
        raise _usage_error(f"--extends {ref}: {exc.message}") from None
    if path.parent == shipped_dir().resolve():
        return path.stem, path  # a shipped preset is named, so the file works anywhere
    folder = out.parent.resolve() if out.parent != Path("") else Path.cwd()
    return Path(os.path.relpath(path, folder)).as_posix(), path


def _command_line(args: argparse.Namespace) -> str:
    parts = ["healthsim", "economy", "build", "--trusts", str(args.trusts)]
    parts += ["--icbs", str(args.icbs)]
    parts += ["--all"] if args.all else [x for ref in args.icb for x in ("--icb", ref)]
    parts += ["--extends", args.extends, "--out", str(args.out), "--names", args.names]
    if args.name:
        parts += ["--name", args.name]
    if args.without_specialist:
        parts.append("--without-specialist")
    if args.neighbours:
        parts += ["--neighbours", str(args.neighbours)]
    if args.region_links is not None:
        parts += ["--region-links", str(args.region_links)]
    if args.region_flow is not None:
        parts += ["--region-flow", f"{args.region_flow:g}"]
    if args.key:
        parts += ["--key", str(args.key)]
    return shlex.join(parts)


def _describe(build: EconomyBuild) -> tuple[str, str]:
    """A one-line description and a summary of the build."""
    trusts = build.trusts
    kinds = Counter(t.record.type for t in trusts)
    kinds_text = ", ".join(f"{n} {TRUST_TYPES[k].lower()}" for k, n in kinds.items())
    beds = sum(t.beds for t in trusts)
    pop = sum(e.population for e in build.economies)
    n_e = len(build.economies)
    regions = sorted({e.region for e in build.economies if e.region})
    summary = (
        f"{n_e} {'economy (ICB)' if n_e == 1 else 'economies (ICBs)'}, "
        f"{plural(len(trusts), 'trust')} ({kinds_text}), {plural(len(build.links), 'link')} "
        f"({build.inter_links} between ICBs), "
        f"{beds:,.0f} G&A beds, population {pop:,.0f}"
    )
    if build.real_names and n_e == 1:
        where = build.economies[0].record.name
    elif n_e == 1:
        where = f"One ICB ({regions[0]})" if regions else "One ICB"
    else:
        where = f"{n_e} ICBs ({', '.join(regions)})" if len(regions) <= 2 else f"{n_e} ICBs"
    names = "real names" if build.real_names else "anonymous labels"
    return f"{where}: {plural(len(trusts), 'trust')} from NHS organisation data ({names})", summary


def _header(args, build: EconomyBuild, summary: str, lines: dict[str, list[str]]) -> list[str]:
    data = build.data
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    out = [
        f"Built from NHS organisation data by `healthsim economy build` (healthsim "
        f"{__version__}) on {today} (UTC).",
        "",
        "Command:",
        f"  {_command_line(args)}",
        "Sources:",
    ]
    for what, src in (("trusts", data.trusts_file), ("ICBs", data.icbs_file)):
        out.append(f"  {what}: {src.path.name} ({src.rows} rows), sha256 {src.sha256}")
    out += [*textwrap.wrap(ATTRIBUTION, 88), ""]
    out += textwrap.wrap(DISCLAIMER + " It is also in economy.disclaimer below.", 88)
    names = (
        "real: ids are ODS codes, labels are trust and ICB names"
        if build.real_names
        else "anonymous: trusts labelled by type and size, ICBs by region; ids carry no ODS codes"
    )
    out += ["", f"Names: {names}.", f"Built: {summary}.", "", "Mapping (docs/nhs-data.md):"]
    for line in mapping_lines(build):
        out += textwrap.wrap(line, 88, initial_indent="  - ", subsequent_indent="    ")
    filled = lines["filled"]
    out += ["", f"Filled values ({len(filled)}):", *(f"  {i}" for i in filled or ["none"])]
    out += ["", f"Left out, not modelled: {excluded_summary(build)}."]
    out += [f"  {i}" for i in lines["excluded"]]
    return out


def _key_text(build: EconomyBuild) -> str:
    heads = ["id", "label", "economy", "economy_label", "trust_code", "trust_name"]
    heads += ["trust_type", "icb_code", "icb_name", "beds", "beds_source"]
    rows = []
    for e in build.economies:
        for t in e.trusts:
            rows.append(
                [
                    t.id,
                    t.label,
                    e.id,
                    e.label,
                    t.record.code,
                    t.record.name,
                    t.record.type,
                    e.record.code,
                    e.record.name,
                    f"{t.beds:g}",
                    t.filled or "ga_beds",
                ]
            )
    return _csv(heads, rows) + "\n"


def _write_all(files: dict[Path, str], check: Path) -> None:
    """Write every file whole or none: temporary files beside the targets
    (:func:`healthsim.atomic.atomic_file`), the scenario loaded from its temporary copy,
    then all moved into place; folders this made are removed again on failure."""
    from healthsim.atomic import atomic_file
    from healthsim.config import ScenarioError, load_scenario

    made: list[Path] = []
    try:
        for target in files:
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
        with contextlib.ExitStack() as stack:
            temps = {target: stack.enter_context(atomic_file(target)) for target in files}
            for target, text in files.items():
                temps[target].write_text(text, encoding="utf-8")
            try:
                load_scenario(temps[check])
            except ScenarioError as exc:  # a bug, not bad input: say so plainly
                raise _usage_error(f"the scenario built does not load ({exc.message})") from None
    except BaseException:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def handle_build(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario
    from healthsim.config.loader import shipped_dir

    out: Path = args.out
    if out.suffix.lower() != ".toml":
        raise _usage_error(f"--out {out}: a scenario file must end in .toml")
    targets = [out, *([args.key] if args.key else [])]
    if args.key and args.key.resolve() == out.resolve():
        raise _usage_error("--key must be a different file from --out")
    for target in targets:
        if target.is_dir():
            raise _usage_error(f"{target} is a folder; give a file name")
        if target.exists() and not args.force:
            raise _usage_error(f"{target} exists; use --force to replace it")
    if args.region_links is not None and not 0 <= args.region_links <= 10:
        raise _usage_error("--region-links must be between 0 and 10")
    if args.region_flow is not None and not 0 <= args.region_flow <= 1:
        raise _usage_error("--region-flow must be between 0 and 1")
    extends, preset_path = _extends_ref(args.extends, out)
    preset = load_scenario(preset_path).economy

    data = read_nhs_data(args.trusts, args.icbs)
    refs = None if args.all else [r for ref in args.icb for r in ref.split(",") if r.strip()]
    icbs = select_icbs(data, refs)
    if args.names == "real" and not data.has_names:
        raise _usage_error(f"{args.trusts}: trust_name: --names real needs a trust_name column")
    options = BuildOptions(
        names=args.names,
        types=tuple(t for t in MODELLED_TYPES if not (args.without_specialist and t != "acute")),
        region_links=preset.inter_economy_links if args.region_links is None else args.region_links,
        region_flow=preset.inter_economy_flow if args.region_flow is None else args.region_flow,
        neighbours=read_neighbours(args.neighbours, data) if args.neighbours else None,
    )
    build = build_economy(data, icbs, options, all_icbs=args.all)
    description, summary = _describe(build)
    file_lines = report_lines(build, reveal=False)
    text = scenario_text(
        build,
        name=args.name or out.stem,
        description=description,
        extends=extends,
        header=_header(args, build, summary, file_lines),
    )
    files = {out: text}
    if args.key:
        files[args.key] = _key_text(build)
    _write_all(files, out)

    console = report_lines(build, reveal=True)
    print(f"wrote {out}: {summary}")
    if args.key:
        print(f"wrote {args.key}: ids and labels with ODS codes and names (keep it private)")
    if console["filled"]:
        print(f"filled ({len(console['filled'])}, also in the file's header):")
        for line in console["filled"]:
            print(f"  {line}")
    print(f"left out, not modelled: {excluded_summary(build)} (listed in the file's header)")
    try:
        if out.resolve().parent == shipped_dir().resolve():
            print(
                "note: this folder holds the shipped scenarios; the file now shows in "
                "`healthsim scenarios`",
                file=sys.stderr,
            )
    except OSError:
        pass
    print(f"next: healthsim run {shlex.quote(str(out))}")
    return 0
