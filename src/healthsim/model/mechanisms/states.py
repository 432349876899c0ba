"""The discrete states of a trust, one enum per concept (shared by the schema, the state
arrays, the compiled rules and the reports)."""

from __future__ import annotations

from enum import IntEnum


class Rung(IntEnum):
    """Rungs of the failure ladder (C4)."""

    none = 0
    advice = 1
    warning = 2  # warning notice or conditions
    special_measures = 3
    administration = 4  # administration or merger


class Rating(IntEnum):
    """Inspection ratings, per service and overall (CQC's four points)."""

    unrated = -1
    inadequate = 0
    requires_improvement = 1
    good = 2
    outstanding = 3
