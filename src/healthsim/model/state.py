"""The numeric state the model owns: one array per variable, one row per trust.

Agents are handles that decide (inspect, escalate, replace a board, plan a year); the
monthly arithmetic runs on these arrays. Enums name the discrete states.

The per-trust variables of each kind are rows of one block (``floats``, ``ints``,
``flags``), and each named attribute is a view of its row: Python code reads and writes
``s.capability[i]`` as before, and the compiled passes receive a whole block in one
argument. Write into the arrays in place (``s.x[...] = ...``, ``s.x *= ...``); never
rebind a per-trust attribute to a new array (the compiled passes would not see it; a
test checks every attribute is still its row after a run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


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


class Support(IntEnum):
    """Improvement support a trust receives (C6)."""

    none = 0
    buddy = 1
    consultancy = 2
    central = 3


@dataclass(slots=True)
class TrustState:
    """Per-trust arrays (length T) and per-service arrays (T x S).

    Units: quality etc. in [0, 1]; beds and staff in beds and whole-time equivalents
    relative to establishment; money in £m; months as counts.
    """

    quality: np.ndarray  # (T, S) true quality of each service line
    consult_gain: np.ndarray  # (T, S) quality bought from consultants, not yet embedded
    capability: np.ndarray  # board capability
    disruption: np.ndarray  # months of post-replacement disruption left
    staff: np.ndarray  # staff in post / initial establishment
    establishment: np.ndarray  # funded establishment / initial establishment
    morale: np.ndarray
    fear: np.ndarray
    openness: np.ndarray
    reputation: np.ndarray
    salience: np.ndarray  # media salience
    beds: np.ndarray
    base_demand: np.ndarray  # demand in occupied-bed equivalents at the start
    throughput: np.ndarray  # capacity multiplier from shorter stays
    unit_cost: np.ndarray  # cost index per unit of activity (1 at the start)
    wage_bill0: np.ndarray  # £m a month, pay at the start at full establishment
    nonpay0: np.ndarray  # £m a month per occupied bed at the start
    cash: np.ndarray  # £m
    one_off_cost: np.ndarray  # £m to charge in the coming month (reconfigurations)
    injection: np.ndarray  # £m a month of one-off national cash this year
    surplus_ring: np.ndarray  # (12, T) last 12 months' surplus, £m
    income_ring: np.ndarray  # (12, T) last 12 months' income, £m
    efficiency_target: np.ndarray  # annual cost cut the board attempts
    efficiency_rate: np.ndarray  # annual cost cut achieved this year (all of it)
    productivity_rate: np.ndarray  # the part that lowers the unit cost (all but post cuts)
    cut_excess: np.ndarray  # annual cut beyond the frontier (harms care)
    reconfig_left: np.ndarray  # months until a reconfiguration saves money (0 = none)
    reconfig_saving: np.ndarray  # share of costs saved by completed reconfigurations
    rung: np.ndarray  # Rung
    rating: np.ndarray  # Rating (latest overall)
    first_rating: np.ndarray  # Rating at the trust's first inspection of the run
    observed_quality: np.ndarray  # mean observed quality at the latest inspection
    named: np.ndarray  # publicly named (bool)
    months_in_sm: np.ndarray
    sm_entry_month: np.ndarray  # -1 when not in special measures
    last_exit_month: np.ndarray  # -1 if never exited
    fail_streak: np.ndarray  # failing inspections in a row
    last_inspection: np.ndarray  # month of latest inspection (-99 if none)
    inspection_due: np.ndarray  # routine visit due at the end of this month (model time)
    support: np.ndarray  # Support
    support_left: np.ndarray  # months of support left
    awaiting_support: np.ndarray  # in special measures, waiting for a free buddy (bool)
    buddy_of: np.ndarray  # index of the buddy supporting this trust (-1 if none)
    buddy_load: np.ndarray  # trusts this trust supports as a buddy
    bodies: np.ndarray  # outside bodies holding powers over the board
    conditions: np.ndarray  # commissioner conditions in force (bool)
    failing_since: np.ndarray  # first month of the current true-failure spell (-1)
    economy: np.ndarray  # economy index of each trust
    ever_in_sm: np.ndarray = field(default=None)  # bool
    floats: np.ndarray = field(default=None)  # (len(FLOAT_FIELDS), T): rows are the fields
    ints: np.ndarray = field(default=None)  # (len(INT_FIELDS), T), int64
    flags: np.ndarray = field(default=None)  # (len(FLAG_FIELDS), T), bool

    def __post_init__(self) -> None:
        """Gather the per-trust variables into their blocks; attributes become rows."""
        n = self.capability.shape[0]
        for block_name, names, dtype in (
            ("floats", FLOAT_FIELDS, np.float64),
            ("ints", INT_FIELDS, np.int64),
            ("flags", FLAG_FIELDS, np.bool_),
        ):
            block = np.empty((len(names), n), dtype=dtype)
            for k, name in enumerate(names):
                block[k] = getattr(self, name)
            bind_rows(self, names, block)
            setattr(self, block_name, block)

    def __getstate__(self) -> dict:
        """Pickle (and copy) the blocks and the other arrays; the per-trust names are
        rebuilt as views of the blocks (pickling views would make separate copies)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__ if f not in _PACKED}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        bind_rows(self, FLOAT_FIELDS, self.floats)
        bind_rows(self, INT_FIELDS, self.ints)
        bind_rows(self, FLAG_FIELDS, self.flags)

    def __setattr__(self, name: str, value) -> None:
        """Refuse to rebind a per-trust variable once packed (``s.x = new`` would leave
        the compiled passes reading the old row); in-place updates (``s.x += 1``,
        which assign the same array back) are fine."""
        if (
            name in _PACKED
            and getattr(self, "flags", None) is not None
            and value is not getattr(self, name)
        ):
            raise AttributeError(
                f"TrustState.{name} is a row of a block: write into it in place "
                f"(s.{name}[...] = ...), do not rebind it"
            )
        object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        return self.capability.shape[0]


def bind_rows(owner: object, names: tuple[str, ...], block: np.ndarray) -> None:
    """Make each name an attribute of ``owner`` viewing its row of ``block`` (bypassing
    any guard on rebinding: this is what sets the views up)."""
    for k, name in enumerate(names):
        object.__setattr__(owner, name, block[k])


#: per-trust float variables, in the order of the rows of ``TrustState.floats``
FLOAT_FIELDS = (
    "capability",
    "disruption",
    "staff",
    "establishment",
    "morale",
    "fear",
    "openness",
    "reputation",
    "salience",
    "beds",
    "base_demand",
    "throughput",
    "unit_cost",
    "wage_bill0",
    "nonpay0",
    "cash",
    "one_off_cost",
    "injection",
    "efficiency_target",
    "efficiency_rate",
    "productivity_rate",
    "cut_excess",
    "reconfig_left",
    "reconfig_saving",
    "observed_quality",
    "bodies",
)
#: per-trust integer variables (rows of ``TrustState.ints``)
INT_FIELDS = (
    "rung",
    "rating",
    "first_rating",
    "months_in_sm",
    "sm_entry_month",
    "last_exit_month",
    "fail_streak",
    "last_inspection",
    "inspection_due",
    "support",
    "support_left",
    "buddy_of",
    "buddy_load",
    "failing_since",
    "economy",
)
#: per-trust yes/no variables (rows of ``TrustState.flags``)
FLAG_FIELDS = ("named", "awaiting_support", "conditions", "ever_in_sm")
_PACKED = frozenset(FLOAT_FIELDS + INT_FIELDS + FLAG_FIELDS)
