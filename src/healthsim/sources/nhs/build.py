"""Map the chosen ICBs of the NHS data to the model: economies, trusts and patient-flow
links (docs/nhs-data.md), filling missing beds by an explicit rule and recording
everything it filled or left out."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from healthsim.sources.nhs.records import (
    MIN_BEDS,
    MODELLED_TYPES,
    TRUST_TYPES,
    IcbRecord,
    NHSData,
    NHSDataError,
    TrustRecord,
    type_counts,
)

#: Size classes by G&A beds, for anonymous labels: (upper bound, word).
SIZE_CLASSES: tuple[tuple[float, str], ...] = ((500.0, "small"), (1000.0, "medium"))
SIZE_LARGE = "large"
#: Shorter region names for anonymous labels (figures have little room).
SHORT_REGIONS = {"North East and Yorkshire": "NE and Yorkshire"}
#: Fewer trusts of a type with both beds and floor area than this: pool the types.
MIN_FIT = 5


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
    has = type_counts(rows) or "no trusts"
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
