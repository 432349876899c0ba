"""What the NHS organisation data files hold once read: trust and ICB records, the trust
types, the bed limits, and the error every problem with the files raises."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from healthsim.errors import ScenarioError

#: Trust types of the trusts file, with the words used in labels.
TRUST_TYPES: dict[str, str] = {
    "acute": "Acute",
    "specialist": "Specialist",
    "mental_health": "Mental health",
    "community": "Community",
    "ambulance": "Ambulance",
    "care_trust": "Care trust",
}
#: Types that become the model's trusts (acute providers with G&A beds).
MODELLED_TYPES: tuple[str, ...] = ("acute", "specialist")
#: Fewest and most G&A beds a trust may have: the limits of the scenario schema's
#: ``TrustSpec.beds`` (tests/test_nhs_data.py checks that they agree).
MIN_BEDS, MAX_BEDS = 1.0, 5000.0


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


def type_counts(trusts: Iterable[TrustRecord]) -> str:
    """'2 acute, 1 specialist': the trusts by type, in TRUST_TYPES order."""
    counts = Counter(t.type for t in trusts)
    order = list(TRUST_TYPES)
    return ", ".join(
        f"{counts[k]} {TRUST_TYPES[k].lower()}" for k in sorted(counts, key=order.index)
    )
