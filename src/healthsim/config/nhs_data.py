"""Official NHS organisation data -> the economy section of a scenario.

Two CSV files describe a health system (columns in ``docs/nhs-data.md``; the reference
set is ``../shared/data/`` with its ``SOURCES.md``):

* trusts: one row per NHS trust: ODS code, type, ICB, KH03 G&A beds, ERIC floor area;
* ICBs: one row per integrated care board: ODS code, region, ONS population.

:func:`read_nhs_data` reads and checks both (every problem is an :class:`NHSDataError`
naming the file, the column and the line). :func:`build_economy` maps the chosen ICBs to
economies, trusts and patient-flow links, filling missing beds by an explicit rule and
recording everything it filled or left out. :func:`scenario_text` turns the result into
the text of a scenario file that extends a preset. This module reads; it never writes.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from healthsim.config.loader import ScenarioError
from healthsim.config.schema import TrustSpec

#: Trust types of the trusts file, with the words used in labels.
TRUST_TYPES: dict[str, str] = {
    "acute": "Acute",
    "specialist": "Specialist",
    "mental_health": "Mental health",
    "community": "Community",
    "ambulance": "Ambulance",
    "care_trust": "Care trust",
}
#: ERIC "Trust Type" values and the trust type each becomes (SOURCES.md).
ERIC_TYPES: dict[str, str] = {
    "ACUTE - TEACHING": "acute",
    "ACUTE - LARGE": "acute",
    "ACUTE - MEDIUM": "acute",
    "ACUTE - SMALL": "acute",
    "ACUTE - MULTI-SERVICE": "acute",
    "ACUTE - SPECIALIST": "specialist",
    "MENTAL HEALTH AND LEARNING DISABILITY": "mental_health",
    "COMMUNITY": "community",
    "AMBULANCE": "ambulance",
    "CARE TRUST": "care_trust",
}
#: Types that become the model's trusts (acute providers with G&A beds).
MODELLED_TYPES: tuple[str, ...] = ("acute", "specialist")
#: Size classes by G&A beds, for anonymous labels: (upper bound, word).
SIZE_CLASSES: tuple[tuple[float, str], ...] = ((500.0, "small"), (1000.0, "medium"))
SIZE_LARGE = "large"
#: Shorter region names for anonymous labels (figures have little room).
SHORT_REGIONS = {"North East and Yorkshire": "NE and Yorkshire"}
#: Fewer trusts of a type with both beds and floor area than this: pool the types.
MIN_FIT = 5


def _beds_bound(kind: str) -> float:
    """A bound of the schema's TrustSpec.beds ('ge'/'gt' or 'le'/'lt'), so they agree."""
    for m in TrustSpec.model_fields["beds"].metadata:
        for attr in ("ge", "gt") if kind == "min" else ("le", "lt"):
            if getattr(m, attr, None) is not None:
                return float(getattr(m, attr))
    return 0.0 if kind == "min" else math.inf


#: Fewest and most G&A beds a trust may have (the schema's limits).
MIN_BEDS, MAX_BEDS = _beds_bound("min"), _beds_bound("max")

#: Columns of the trusts file: required ones, optional ones the build uses.
TRUST_REQUIRED = ("trust_code", "trust_type", "icb_code", "ga_beds")
TRUST_OPTIONAL = ("trust_name", "trust_type_eric", "floor_area_m2")
#: Columns of the ICBs file.
ICB_REQUIRED = ("icb_code", "population_mid2022")
ICB_OPTIONAL = ("icb_name", "icb_ons_code", "region", "region_code")
#: A required column may be given under this other name instead.
ALTERNATIVES = {"trust_type": "trust_type_eric", "population_mid2022": "population"}

DISCLAIMER = (
    "Simulated from NHS organisation data under stated assumptions: not a forecast about "
    "any named organisation."
)
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(NHS England, NHS England Digital, Office for National Statistics)."
)


class NHSDataError(ScenarioError):
    """A trusts or ICBs file (or a choice made on it) that cannot be used.

    Printed as one line: ``file: column: message``.
    """


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """A file read: its path as given, SHA-256 of its bytes, and its data rows."""

    path: Path
    sha256: str
    rows: int


@dataclass(frozen=True)
class TrustRecord:
    """One row of the trusts file. ``beds`` is None when empty (or 0 for an acute or
    specialist trust: KH03 zeros are non-submissions); ``line`` is its line in the file."""

    code: str
    name: str
    type: str
    icb: str
    beds: float | None
    floor_area: float | None
    line: int
    beds_in_file: str = ""


@dataclass(frozen=True)
class IcbRecord:
    """One row of the ICBs file; ``population`` is None when empty or 0."""

    code: str
    name: str
    ons_code: str
    region: str
    region_code: str
    population: float | None
    line: int

    @property
    def short_name(self) -> str:
        """'NHS Greater Manchester Integrated Care Board' -> 'Greater Manchester'."""
        name = re.sub(r"^NHS\s+", "", self.name.strip(), flags=re.IGNORECASE)
        name = re.sub(r"\s+Integrated Care Board$", "", name, flags=re.IGNORECASE)
        return name or self.code


@dataclass(frozen=True)
class NHSData:
    """Both files, read and checked. Trusts and ICBs keep the files' order."""

    trusts: tuple[TrustRecord, ...]
    icbs: tuple[IcbRecord, ...]
    trusts_file: SourceFile
    icbs_file: SourceFile
    has_names: bool

    def icb(self, code: str) -> IcbRecord:
        return next(i for i in self.icbs if i.code == code)

    def trusts_of(self, icb_code: str) -> list[TrustRecord]:
        return [t for t in self.trusts if t.icb == icb_code]

    @property
    def unplaced(self) -> list[TrustRecord]:
        """Trusts with no ICB (only types the model does not use may lack one)."""
        return [t for t in self.trusts if not t.icb]


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[SourceFile, list[str], list[tuple[int, dict[str, str]]]]:
    """Header (normalised: lower case, spaces as underscores) and rows with line numbers."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NHSDataError(path, None, "file not found") from None
    except IsADirectoryError:
        raise NHSDataError(path, None, "is a folder, not a CSV file") from None
    except OSError as exc:
        raise NHSDataError(path, None, f"cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NHSDataError(path, None, "not a UTF-8 text file (save it as CSV UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_row = next(reader, None)
        if not header_row or not any(h.strip() for h in header_row):
            raise NHSDataError(path, None, "empty file: no header row")
        header = [re.sub(r"\s+", "_", h.strip().lower()) for h in header_row]
        seen = [h for h in header if h and header.count(h) > 1]
        if seen:
            raise NHSDataError(path, seen[0], "column appears more than once in the header")
        rows = []
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue
            line = reader.line_num
            if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
                raise NHSDataError(
                    path, None, f"line {line}: {len(fields)} fields but {len(header)} columns"
                )
            values = [f.strip() for f in fields] + [""] * (len(header) - len(fields))
            rows.append((line, dict(zip(header, values, strict=False))))
    except csv.Error as exc:
        raise NHSDataError(path, None, f"malformed CSV at line {reader.line_num}: {exc}") from None
    source = SourceFile(path, hashlib.sha256(data).hexdigest(), len(rows))
    return source, header, rows


def _check_columns(path: Path, header: list[str], required: Sequence[str]) -> None:
    for col in required:
        alt = ALTERNATIVES.get(col)
        if col in header or (alt is not None and alt in header):
            continue
        needed = ", ".join(
            f"{c} (or {ALTERNATIVES[c]})" if c in ALTERNATIVES else c for c in required
        )
        present = [h for h in header if h]
        hint = [h for h in present if col.startswith(h) or h.startswith(col)]
        hint = hint or difflib.get_close_matches(col, present, n=1, cutoff=0.6)
        found = ", ".join(h for h in header if h)
        msg = "missing required column"
        if hint:
            msg += f" (is '{hint[0]}' meant to be '{col}'?)"
        raise NHSDataError(path, col, f"{msg}; required: {needed}; found: {found}")


def _number(path: Path, col: str, line: int, who: str, text: str) -> float | None:
    """A non-negative number, or None for an empty cell ('1,234' is read as 1234)."""
    t = text.replace(",", "").replace("_", "").strip()
    if not t:
        return None
    try:
        value = float(t)
    except ValueError:
        raise NHSDataError(path, col, f"line {line} ({who}): {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise NHSDataError(path, col, f"line {line} ({who}): {text!r} must be a number >= 0")
    return value


def _trust_type(path: Path, line: int, code: str, row: dict[str, str]) -> str:
    raw = row.get("trust_type", "")
    col = "trust_type"
    if not raw:
        raw, col = row.get("trust_type_eric", ""), "trust_type_eric"
    if not raw:
        raise NHSDataError(path, "trust_type", f"line {line} (trust {code}): empty trust type")
    key = re.sub(r"[\s-]+", "_", raw.strip().lower())
    if key in TRUST_TYPES:
        return key
    eric = ERIC_TYPES.get(" ".join(raw.upper().split()))
    if eric is not None:
        return eric
    options = [*TRUST_TYPES, *(e.lower() for e in ERIC_TYPES)]
    hint = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    extra = f"; did you mean '{hint[0]}'?" if hint else ""
    raise NHSDataError(
        path,
        col,
        f"line {line} (trust {code}): unknown trust type {raw!r}{extra} "
        f"(allowed: {', '.join(TRUST_TYPES)}, or an ERIC trust type)",
    )


def _coded_rows(path: Path, rows, column: str, what: str):
    """Rows with their code (upper case), refusing an empty or a repeated code.

    Yields (line, code, row); errors name the file, the column and the line."""
    first: dict[str, int] = {}
    for line, row in rows:
        code = row.get(column, "").upper()
        if not code:
            raise NHSDataError(path, column, f"line {line}: empty {what} code")
        if code in first:
            raise NHSDataError(
                path,
                column,
                f"line {line}: duplicate {what} code {code} (first on line {first[code]})",
            )
        first[code] = line
        yield line, code, row


def _read_icbs(path: Path) -> tuple[SourceFile, list[IcbRecord]]:
    source, header, rows = _read_csv(path)
    _check_columns(path, header, ICB_REQUIRED)
    pop_col = "population_mid2022" if "population_mid2022" in header else "population"
    icbs: list[IcbRecord] = []
    for line, code, row in _coded_rows(path, rows, "icb_code", "ICB"):
        pop = _number(path, pop_col, line, f"ICB {code}", row.get(pop_col, ""))
        icbs.append(
            IcbRecord(
                code=code,
                name=row.get("icb_name", "") or code,
                ons_code=row.get("icb_ons_code", "").upper(),
                region=row.get("region", "") or row.get("region_code", ""),
                region_code=row.get("region_code", "") or row.get("region", ""),
                population=pop or None,
                line=line,
            )
        )
    if not icbs:
        raise NHSDataError(path, None, "no ICB rows under the header")
    return source, icbs


def read_nhs_data(trusts_path: str | Path, icbs_path: str | Path) -> NHSData:
    """Read and check a trusts file and an ICBs file.

    Raises:
        NHSDataError: an unreadable file, a missing column, an unknown trust type, a
            duplicate code, an acute or specialist trust with no ICB, a trust whose ICB is
            not in the ICBs file, or a value that is not a number. One line, naming the
            file, the column and the line.
    """
    trusts_path, icbs_path = Path(trusts_path), Path(icbs_path)
    icbs_source, icbs = _read_icbs(icbs_path)
    icb_codes = {i.code for i in icbs}
    source, header, rows = _read_csv(trusts_path)
    _check_columns(trusts_path, header, TRUST_REQUIRED)
    trusts: list[TrustRecord] = []
    for line, code, row in _coded_rows(trusts_path, rows, "trust_code", "trust"):
        ttype = _trust_type(trusts_path, line, code, row)
        icb = row.get("icb_code", "").upper()
        if not icb and ttype in MODELLED_TYPES:
            raise NHSDataError(
                trusts_path,
                "icb_code",
                f"line {line}: {ttype} trust {code} has no ICB (fill it in from ODS; only "
                "trust types the model leaves out may lack one)",
            )
        if icb and icb not in icb_codes:
            hint = difflib.get_close_matches(icb, sorted(icb_codes), n=1)
            extra = f"; did you mean {hint[0]}?" if hint else ""
            raise NHSDataError(
                trusts_path,
                "icb_code",
                f"line {line}: ICB {icb} of trust {code} is not in {icbs_path.name}{extra}",
            )
        who = f"trust {code}"
        beds_text = row.get("ga_beds", "")
        beds = _number(trusts_path, "ga_beds", line, who, beds_text)
        if ttype in MODELLED_TYPES:
            if beds == 0:
                beds = None  # a KH03 zero for an acute provider is a non-submission
            if beds is not None and not MIN_BEDS <= beds <= MAX_BEDS:
                raise NHSDataError(
                    trusts_path,
                    "ga_beds",
                    f"line {line} ({who}): {beds_text} beds is outside {MIN_BEDS:g} to "
                    f"{MAX_BEDS:g} (leave it empty to have it filled)",
                )
        area = _number(trusts_path, "floor_area_m2", line, who, row.get("floor_area_m2", ""))
        trusts.append(
            TrustRecord(
                code=code,
                name=row.get("trust_name", ""),
                type=ttype,
                icb=icb,
                beds=beds,
                floor_area=area or None,
                line=line,
                beds_in_file=beds_text,
            )
        )
    if not trusts:
        raise NHSDataError(trusts_path, None, "no trust rows under the header")
    return NHSData(tuple(trusts), tuple(icbs), source, icbs_source, "trust_name" in header)


def read_neighbours(path: str | Path, data: NHSData) -> tuple[tuple[str, str], ...]:
    """Pairs of neighbouring ICBs from a CSV file with columns ``icb_a`` and ``icb_b``."""
    path = Path(path)
    _, header, rows = _read_csv(path)
    _check_columns(path, header, ("icb_a", "icb_b"))
    codes = [i.code for i in data.icbs]
    pairs: list[tuple[str, str]] = []
    for line, row in rows:
        pair = []
        for col in ("icb_a", "icb_b"):
            code = row.get(col, "").upper()
            if code not in codes:
                hint = difflib.get_close_matches(code, codes, n=1)
                extra = f"; did you mean {hint[0]}?" if hint else ""
                raise NHSDataError(
                    path,
                    col,
                    f"line {line}: {code or 'empty'} is not an ICB of the ICBs file{extra}",
                )
            pair.append(code)
        if pair[0] == pair[1]:
            raise NHSDataError(path, "icb_b", f"line {line}: an ICB cannot neighbour itself")
        key = (min(pair), max(pair))
        if key not in pairs:
            pairs.append(key)
    return tuple(pairs)


# --------------------------------------------------------------------------------------
# Choosing ICBs
# --------------------------------------------------------------------------------------


def select_icbs(data: NHSData, refs: Iterable[str] | None) -> tuple[IcbRecord, ...]:
    """The ICBs asked for: codes (ODS Q-code or ONS E54 code, any case) or a part of the
    name that matches one ICB only; ``None`` means all of them.

    Raises:
        NHSDataError: naming the ICBs file, for a reference that matches no ICB (with
            the closest match) or several.
    """
    if refs is None:
        return data.icbs
    chosen: list[IcbRecord] = []
    for ref in refs:
        icb = _find_icb(data, ref.strip())
        if icb not in chosen:
            chosen.append(icb)
    return tuple(chosen)


def _find_icb(data: NHSData, ref: str) -> IcbRecord:
    up = ref.upper()
    for icb in data.icbs:
        if up in (icb.code, icb.ons_code):
            return icb
    by_name = [i for i in data.icbs if ref and ref.lower() in i.name.lower()]
    if len(by_name) == 1:
        return by_name[0]
    path = data.icbs_file.path
    if len(by_name) > 1:
        names = ", ".join(f"{i.code} ({i.short_name})" for i in by_name[:6])
        names += f" and {len(by_name) - 6} more" if len(by_name) > 6 else ""
        raise NHSDataError(path, "icb_code", f"--icb {ref!r} matches several ICBs: {names}")
    codes = {i.code: i for i in data.icbs}
    names = {i.short_name.lower(): i for i in data.icbs}
    by_code = [c for c in codes if sorted(c) == sorted(up)]  # transposed letters first
    by_code = by_code or difflib.get_close_matches(up, list(codes), n=1, cutoff=0.5)
    by_name = difflib.get_close_matches(ref.lower(), list(names), n=1, cutoff=0.5)
    looks_like_code = (
        len(ref) <= 5 and ref.isalnum() and any(c.isdigit() or c.isupper() for c in ref)
    )
    guesses = [codes[c] for c in by_code] + [names[n] for n in by_name]
    if not looks_like_code:
        guesses.reverse()
    best = guesses[0] if guesses else None
    extra = f"; did you mean {best.code} ({best.short_name})?" if best else ""
    raise NHSDataError(
        path,
        "icb_code",
        f"--icb {ref!r} is not an ICB code or name in this file{extra} "
        "(`healthsim economy list` shows them)",
    )


# --------------------------------------------------------------------------------------
# Filling missing beds
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FillRule:
    """How missing G&A beds of one trust type are filled, fitted on the whole file.

    ``ratio`` is the median of beds / floor area (beds per m²) over ``n_ratio`` trusts
    with both (of ``pooled`` types when the type alone has fewer than MIN_FIT);
    ``median_beds`` the median beds of ``n_median`` trusts of the type (the fallback
    when a trust has no floor area either).
    """

    type: str
    ratio: float | None
    n_ratio: int
    pooled: tuple[str, ...]
    median_beds: float | None
    n_median: int

    def fill(self, trust: TrustRecord) -> tuple[float, str]:
        """Beds for a trust without them, and a sentence saying how they were found."""
        if trust.floor_area and self.ratio:
            beds = max(MIN_BEDS, 1.0, round(trust.floor_area * self.ratio))
            among = " and ".join(TRUST_TYPES[t].lower() for t in self.pooled)
            return beds, (
                f"floor area {trust.floor_area:,.0f} m² x {self.ratio:.5f} beds per m² "
                f"(median over the {self.n_ratio} {among} trusts of the file with both)"
            )
        if self.median_beds:
            return round(self.median_beds), (
                f"median beds of the {self.n_median} {TRUST_TYPES[self.type].lower()} trusts "
                "of the file with beds (no floor area either)"
            )
        raise ValueError(trust.code)


def fill_rules(data: NHSData) -> dict[str, FillRule]:
    """The fill rule of each modelled type, fitted on every trust of the file."""
    rules = {}
    for ttype in MODELLED_TYPES:
        pooled: tuple[str, ...] = (ttype,)
        both = [t for t in data.trusts if t.type == ttype and t.beds and t.floor_area]
        if len(both) < MIN_FIT:
            pooled = MODELLED_TYPES
            both = [t for t in data.trusts if t.type in pooled and t.beds and t.floor_area]
        ratio = statistics.median(t.beds / t.floor_area for t in both) if both else None
        with_beds = [t.beds for t in data.trusts if t.type == ttype and t.beds]
        rules[ttype] = FillRule(
            ttype,
            ratio,
            len(both),
            pooled,
            statistics.median(with_beds) if with_beds else None,
            len(with_beds),
        )
    return rules


# --------------------------------------------------------------------------------------
# Mapping to the model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildOptions:
    """Choices of ``healthsim economy build``.

    Attributes:
        names: "anonymous" (labels by type and size, ids that do not reveal ODS codes)
            or "real" (ODS codes as ids, short real names as labels).
        types: trust types that become the model's trusts (of MODELLED_TYPES).
        region_links: in the regional ring, links from each ICB to the next ones.
        region_flow: weight of a link between ICBs relative to one inside an ICB.
        neighbours: pairs of neighbouring ICBs replacing the regional ring.
    """

    names: str = "anonymous"
    types: tuple[str, ...] = MODELLED_TYPES
    region_links: int = 1
    region_flow: float = 0.2
    neighbours: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class BuiltTrust:
    """A trust of the scenario, with the row it came from and how its beds were set."""

    id: str
    label: str
    economy: str
    beds: float
    region: str
    record: TrustRecord
    filled: str = ""  # how missing beds were filled; empty when they came from the file


@dataclass(frozen=True)
class BuiltEconomy:
    """An economy (ICB) of the scenario, its trusts and the organisations left out."""

    id: str
    label: str
    population: float
    region: str
    record: IcbRecord
    trusts: tuple[BuiltTrust, ...]
    excluded: tuple[TrustRecord, ...]

    @property
    def beds(self) -> float:
        return sum(t.beds for t in self.trusts)


@dataclass(frozen=True)
class EconomyBuild:
    """The mapped economy, ready to write, with what was filled and left out."""

    data: NHSData = field(repr=False)
    economies: tuple[BuiltEconomy, ...]
    links: tuple[tuple[str, str, float], ...]
    options: BuildOptions
    rules: dict[str, FillRule]
    skipped: tuple[IcbRecord, ...] = ()
    unplaced: tuple[TrustRecord, ...] = ()
    inter_links: int = 0

    @property
    def trusts(self) -> tuple[BuiltTrust, ...]:
        return tuple(t for e in self.economies for t in e.trusts)

    @property
    def real_names(self) -> bool:
        return self.options.names == "real"

    def economy_section(self) -> dict:
        """``economies``, ``trusts`` and ``links`` of the scenario's [economy] table."""
        return {
            "economies": [
                {"id": e.id, "label": e.label, "population": e.population, "region": e.region}
                for e in self.economies
            ],
            "trusts": [
                {
                    "id": t.id,
                    "economy": t.economy,
                    "label": t.label,
                    "beds": t.beds,
                    "region": t.region,
                }
                for t in self.trusts
            ],
            "links": [{"source": a, "target": b, "weight": w} for a, b, w in self.links],
        }


def size_class(beds: float) -> str:
    """'small', 'medium' or 'large' by G&A beds (SIZE_CLASSES)."""
    return next((word for bound, word in SIZE_CLASSES if beds < bound), SIZE_LARGE)


def build_economy(
    data: NHSData,
    icbs: Sequence[IcbRecord],
    options: BuildOptions | None = None,
    *,
    all_icbs: bool = False,
) -> EconomyBuild:
    """Map the chosen ICBs to the model: economies, trusts, links (docs/nhs-data.md).

    With ``all_icbs`` (``--all``), ICBs without modelled trusts are skipped and reported,
    and trusts with no ICB are reported; otherwise an ICB asked for that has none is an
    error.

    Raises:
        NHSDataError: no modelled trusts left (in an ICB asked for, or in any), or beds
            that cannot be filled.
    """
    options = options or BuildOptions()
    rules = fill_rules(data)
    ordered = sorted(icbs, key=lambda i: (i.region_code, i.ons_code or i.code, i.code))
    kept: list[tuple[IcbRecord, list[TrustRecord], list[TrustRecord]]] = []
    skipped: list[IcbRecord] = []
    for icb in ordered:
        rows = data.trusts_of(icb.code)
        modelled = [t for t in rows if t.type in options.types]
        excluded = [t for t in rows if t.type not in options.types]
        if not modelled and not all_icbs:
            _nothing_left(data, icb, rows, options)
        if modelled:
            kept.append((icb, modelled, excluded))
        else:
            skipped.append(icb)
    if not kept:
        raise NHSDataError(
            data.trusts_file.path,
            "trust_type",
            f"no {' or '.join(options.types)} trusts in any ICB of the files: nothing to build",
        )
    economies = _economies(data, kept, rules, options)
    links, inter = _links(economies, options)
    return EconomyBuild(
        data=data,
        economies=tuple(economies),
        links=tuple(links),
        options=options,
        rules=rules,
        skipped=tuple(skipped),
        unplaced=tuple(data.unplaced) if all_icbs else (),
        inter_links=inter,
    )


def _nothing_left(data: NHSData, icb: IcbRecord, rows: list[TrustRecord], opts: BuildOptions):
    has = _counts(rows) or "no trusts"
    raise NHSDataError(
        data.trusts_file.path,
        "icb_code",
        f"no {' or '.join(opts.types)} trusts left for ICB {icb.code} ({icb.short_name}) "
        f"after filtering (it has {has}): nothing to build",
    )


def _beds(data: NHSData, t: TrustRecord, rules: dict[str, FillRule]) -> tuple[float, str]:
    if t.beds is not None:
        return t.beds, ""
    try:
        beds, how = rules[t.type].fill(t)
    except ValueError:
        raise NHSDataError(
            data.trusts_file.path,
            "ga_beds",
            f"line {t.line} (trust {t.code}): no beds, no floor area and no "
            f"{t.type} trust with beds to fill them from",
        ) from None
    was = "0 (a KH03 zero: probable non-submission)" if t.beds_in_file else "empty"
    return beds, f"ga_beds {was} -> {beds:g} beds from {how}"


def _economies(data, kept, rules, options: BuildOptions) -> list[BuiltEconomy]:
    real = options.names == "real"
    width = len(str(len(kept)))
    in_region: Counter[str] = Counter()
    class_count: Counter[tuple[str, str]] = Counter()
    used_labels: set[str] = set()
    order = {t: k for k, t in enumerate(TRUST_TYPES)}
    out: list[BuiltEconomy] = []
    for e, (icb, modelled, excluded) in enumerate(kept, start=1):
        region = icb.region
        in_region[region] += 1
        if real:
            eid, elabel = icb.code, icb.short_name
        else:
            eid = f"E{e:0{width}d}"
            short = SHORT_REGIONS.get(region, region)
            elabel = f"{short} ICB {in_region[region]}" if region else f"ICB {e}"
        sized = [(t, *_beds(data, t, rules)) for t in modelled]
        sized.sort(key=lambda x: (order[x[0].type], -x[1], x[0].code))
        trusts = []
        for j, (t, beds, how) in enumerate(sized, start=1):
            if real:
                tid, label = (
                    t.code,
                    _unique(real_trust_label(t.name) or t.code, t.code, used_labels),
                )
            else:
                size = size_class(beds)
                class_count[(t.type, size)] += 1
                tid = f"{eid}-T{j}"
                label = f"{TRUST_TYPES[t.type]} ({size}) {class_count[(t.type, size)]}"
            trusts.append(BuiltTrust(tid, label, eid, beds, region, t, how))
        out.append(
            BuiltEconomy(
                id=eid,
                label=elabel,
                population=float(icb.population or 0.0),
                region=region,
                record=icb,
                trusts=tuple(trusts),
                excluded=tuple(sorted(excluded, key=lambda t: (order[t.type], t.code))),
            )
        )
    return out


def _unique(label: str, code: str, used: set[str]) -> str:
    if label in used:
        label = f"{label} ({code})"
    used.add(label)
    return label


_SMALL_WORDS = {"AND", "OF", "THE", "FOR", "IN", "ON", "AT", "UPON", "TO", "WITH"}
_UPPER_WORDS = {"NHS", "UK", "FT"}


def real_trust_label(name: str) -> str:
    """A readable label from an ODS name: title case, 'NHS Foundation Trust' as 'NHS FT'.

    'THE CHRISTIE NHS FOUNDATION TRUST' -> 'The Christie NHS FT'.
    """
    name = " ".join(name.split())
    if not name:
        return ""
    name = re.sub(r"\bNHS FOUNDATION TRUST$", "NHS FT", name, flags=re.IGNORECASE)
    if name != name.upper():
        return name
    words = name.split(" ")
    return " ".join(_title_word(w, k == 0) for k, w in enumerate(words))


def _title_word(word: str, first: bool) -> str:
    out = []
    for k, part in enumerate(word.split("-")):
        bare = part.strip("()'&,.")
        if bare in _UPPER_WORDS:
            out.append(part)
        elif bare in _SMALL_WORDS and not (first and k == 0):
            out.append(part.lower())
        else:
            m = re.search(r"[A-Za-z]", part)
            i = m.start() if m else len(part)
            out.append(part[:i] + part[i : i + 1].upper() + part[i + 1 :].lower())
    return "-".join(out)


def _weight(value: float) -> float:
    return float(f"{value:.4g}")


def _links(
    economies: list[BuiltEconomy], options: BuildOptions
) -> tuple[list[tuple[str, str, float]], int]:
    """Gravity links inside each ICB; links between neighbouring ICBs' main trusts."""
    links: list[tuple[str, str, float]] = []
    for e in economies:
        ts, total = e.trusts, e.beds
        for a in range(len(ts)):
            for b in range(a + 1, len(ts)):
                links.append((ts[a].id, ts[b].id, _weight(ts[a].beds * ts[b].beds / total)))
    by_code = {e.record.code: e for e in economies}
    pairs: list[tuple[BuiltEconomy, BuiltEconomy]] = []
    if options.neighbours is not None:
        for a, b in options.neighbours:
            if a in by_code and b in by_code:
                pairs.append((by_code[a], by_code[b]))
    else:
        regions: dict[str, list[BuiltEconomy]] = {}
        for e in economies:
            if e.region:
                regions.setdefault(e.region, []).append(e)
        seen: set[tuple[int, int]] = set()
        for members in regions.values():
            n = len(members)
            for i in range(n):
                for step in range(1, options.region_links + 1):
                    j = (i + step) % n
                    key = (min(i, j), max(i, j))
                    if i != j and key not in seen:
                        seen.add(key)
                        pairs.append((members[key[0]], members[key[1]]))
            seen.clear()
    inter = 0
    if options.region_flow > 0:
        for ea, eb in pairs:
            ta, tb = _main_trust(ea), _main_trust(eb)
            w = options.region_flow * ta.beds * tb.beds / ((ea.beds + eb.beds) / 2)
            links.append((ta.id, tb.id, _weight(w)))
            inter += 1
    return links, inter


def _main_trust(e: BuiltEconomy) -> BuiltTrust:
    """The ICB's largest acute trust (its largest trust if it has no acute one)."""
    acute = [t for t in e.trusts if t.record.type == "acute"] or list(e.trusts)
    return max(acute, key=lambda t: (t.beds, t.id))


# --------------------------------------------------------------------------------------
# Reporting and writing the scenario text
# --------------------------------------------------------------------------------------


def _who(t: BuiltTrust, reveal: bool) -> str:
    code = f" [{t.record.code}, line {t.record.line}]" if reveal and t.id != t.record.code else ""
    return f"{t.id} '{t.label}'{code}"


def plural(n: int, word: str) -> str:
    """'1 trust', '2 trusts'."""
    return f"{n:,d} {word}{'' if n == 1 else 's'}"


def _counts(trusts: Iterable[TrustRecord]) -> str:
    counts = Counter(t.type for t in trusts)
    order = list(TRUST_TYPES)
    return ", ".join(
        f"{counts[k]} {TRUST_TYPES[k].lower()}" for k in sorted(counts, key=order.index)
    )


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
            excluded.append(f"{e.id} '{e.label}': {_counts(e.excluded)}")
            if real:
                excluded.extend(f"    {t.code} {real_trust_label(t.name)}" for t in e.excluded)
    for icb in build.skipped:
        where = f"{icb.code} {icb.short_name}" if real else f"an ICB in {icb.region or '?'}"
        excluded.append(
            f"{where}: no {' or '.join(build.options.types)} trusts, so no economy "
            f"({_counts(build.data.trusts_of(icb.code))})"
        )
    if build.unplaced:
        excluded.append(f"no ICB in the trusts file: {_counts(build.unplaced)} (not placed)")
        if real:
            excluded.extend(f"    {t.code} {real_trust_label(t.name)}" for t in build.unplaced)
    return {"filled": filled, "excluded": excluded}


def excluded_summary(build: EconomyBuild) -> str:
    """One line: the trusts of the chosen ICBs that the model leaves out, by type."""
    left = [t for e in build.economies for t in e.excluded]
    left += [t for icb in build.skipped for t in build.data.trusts_of(icb.code)]
    text = _counts(left) or "none"
    if build.unplaced:
        text += f"; {plural(len(build.unplaced), 'trust')} with no ICB ({_counts(build.unplaced)})"
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
