"""Read and check the two NHS organisation data files (trusts, ICBs), an optional file of
neighbouring ICBs, and find the ICBs a user asks for. Every problem is an
:class:`NHSDataError` naming the file, the column and the line."""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from healthsim.sources.nhs.records import (
    MAX_BEDS,
    MIN_BEDS,
    MODELLED_TYPES,
    TRUST_TYPES,
    IcbRecord,
    NHSData,
    NHSDataError,
    SourceFile,
    TrustRecord,
)

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
#: Columns of the trusts file: required ones, optional ones the build uses.
TRUST_REQUIRED = ("trust_code", "trust_type", "icb_code", "ga_beds")
TRUST_OPTIONAL = ("trust_name", "trust_type_eric", "floor_area_m2")
#: Columns of the ICBs file.
ICB_REQUIRED = ("icb_code", "population_mid2022")
ICB_OPTIONAL = ("icb_name", "icb_ons_code", "region", "region_code")
#: A required column may be given under this other name instead.
ALTERNATIVES = {"trust_type": "trust_type_eric", "population_mid2022": "population"}


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
