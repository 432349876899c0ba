"""Official NHS organisation data -> the economy section of a scenario.

Two CSV files describe a health system (columns in ``docs/nhs-data.md``; the reference
set is ``../shared/data/`` with its ``SOURCES.md``):

* trusts: one row per NHS trust: ODS code, type, ICB, KH03 G&A beds, ERIC floor area;
* ICBs: one row per integrated care board: ODS code, region, ONS population.

:func:`read_nhs_data` reads and checks both (every problem is an :class:`NHSDataError`
naming the file, the column and the line; :mod:`.read`). :func:`build_economy` maps the
chosen ICBs to economies, trusts and patient-flow links, filling missing beds by an
explicit rule and recording everything it filled or left out (:mod:`.build`).
:func:`scenario_text` turns the result into the text of a scenario file that extends a
preset (:mod:`.text`). The records read are in :mod:`.records`. This package reads; it
never writes.
"""

from healthsim.sources.nhs.build import (
    BuildOptions,
    BuiltEconomy,
    BuiltTrust,
    EconomyBuild,
    FillRule,
    build_economy,
    fill_rules,
    real_trust_label,
    size_class,
)
from healthsim.sources.nhs.read import read_neighbours, read_nhs_data, select_icbs
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
from healthsim.sources.nhs.text import (
    ATTRIBUTION,
    DISCLAIMER,
    excluded_summary,
    mapping_lines,
    plural,
    report_lines,
    scenario_text,
)

__all__ = [
    "ATTRIBUTION",
    "DISCLAIMER",
    "MAX_BEDS",
    "MIN_BEDS",
    "MODELLED_TYPES",
    "TRUST_TYPES",
    "BuildOptions",
    "BuiltEconomy",
    "BuiltTrust",
    "EconomyBuild",
    "FillRule",
    "IcbRecord",
    "NHSData",
    "NHSDataError",
    "SourceFile",
    "TrustRecord",
    "build_economy",
    "excluded_summary",
    "fill_rules",
    "mapping_lines",
    "plural",
    "read_neighbours",
    "read_nhs_data",
    "real_trust_label",
    "report_lines",
    "scenario_text",
    "select_icbs",
    "size_class",
]
