"""The model's variables, declared once, and the arrays laid out from the declarations.

Each mechanism module declares the variables it adds (:class:`Var`: name, type, unit,
meaning, and whether it is per trust, per service line of a trust, per local economy or
one per month for the whole model). :func:`layout` turns the declarations into numpy
structured dtypes, one per kind of row:

- ``trust``: one record per trust (state carried from month to month and the month's
  working values alike);
- ``service``: one record per trust and service line;
- ``economy``: one record per local economy;
- ``month``: the month's model-wide tallies (entries, inspections, regime cost, ...);
- ``year``: what the annual budget round sets for the year (price, growth factors);
- ``history``: what is recorded of each trust every month, the columns of ``trusts.csv``.

The compiled passes take these arrays whole and read fields by name (``tr[i].fear``);
Python code reads the same fields as numpy views (``model.s.fear``, through
:class:`Records`). A trust's recorded fields come first in its record, in the same
types, so a month's history row is a copy of each record's leading bytes
(:func:`record_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit

KINDS = ("trust", "service", "economy", "month", "year")


def records(arr: np.ndarray) -> np.ndarray:
    """A structured array as the compiled rules take it: a plain array, or, when numba's
    compilation is switched off (``NUMBA_DISABLE_JIT=1``, for debugging and coverage),
    a ``numpy.recarray``, so that ``arr[i].name`` works in plain Python too. (Compiled
    calls type a plain array much faster than a subclass of it.)"""
    return arr.view(np.recarray) if numba.config.DISABLE_JIT else arr


_TYPES = {"float": np.float64, "int": np.int64, "bool": np.bool_}


@dataclass(frozen=True, slots=True)
class Var:
    """One variable of the model.

    Attributes:
        name: field name (``model.s.<name>``, ``tr[i].<name>`` in compiled code).
        type: "float", "int" or "bool".
        unit: its unit ("0-1", "£m", "months", "beds", ...).
        doc: what it is.
        per: "trust", "service", "economy" or "month".
        record: the column it is recorded as each month (per-trust variables only), or
            None if it is not recorded.
        fill: the value it holds before initialisation sets it.
    """

    name: str
    type: str
    unit: str
    doc: str
    per: str = "trust"
    record: str | None = None
    fill: float = 0.0

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"{self.name}: type must be one of {sorted(_TYPES)}")
        if self.per not in KINDS:
            raise ValueError(f"{self.name}: per must be one of {KINDS}")
        if self.record and self.per != "trust":
            raise ValueError(f"{self.name}: only per-trust variables are recorded by trust")

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(_TYPES[self.type])


def trust_var(name: str, type: str, unit: str, doc: str, **kw) -> Var:
    return Var(name, type, unit, doc, per="trust", **kw)


def service_var(name: str, type: str, unit: str, doc: str, **kw) -> Var:
    return Var(name, type, unit, doc, per="service", **kw)


def economy_var(name: str, type: str, unit: str, doc: str, **kw) -> Var:
    return Var(name, type, unit, doc, per="economy", **kw)


def month_var(name: str, unit: str, doc: str, **kw) -> Var:
    """A model-wide quantity of the month, recorded every month (a float)."""
    return Var(name, "float", unit, doc, per="month", **kw)


def year_var(name: str, unit: str, doc: str, **kw) -> Var:
    """A model-wide value the annual budget round sets for the year (a float)."""
    return Var(name, "float", unit, doc, per="year", **kw)


@dataclass(frozen=True)
class Layout:
    """The structured dtypes of the model's arrays (see the module docstring)."""

    variables: tuple[Var, ...]
    trust: np.dtype
    service: np.dtype
    economy: np.dtype
    month: np.dtype
    year: np.dtype
    history: np.dtype

    def of(self, per: str) -> tuple[Var, ...]:
        return tuple(v for v in self.variables if v.per == per)

    @property
    def recorded(self) -> tuple[Var, ...]:
        """The per-trust variables recorded every month, in record (column) order."""
        return tuple(v for v in self.of("trust") if v.record)

    def allocate(self, per: str, shape) -> np.ndarray:
        """A zeroed array of ``per`` records, each field at its ``fill`` value."""
        arr = records(np.zeros(shape, dtype=getattr(self, per)))
        for v in self.of(per):
            if v.fill:
                arr[v.name] = v.fill
        return arr


def _struct(fields: Iterable[tuple[str, np.dtype]]) -> np.dtype:
    return np.dtype([(name, dt) for name, dt in fields], align=True)


def layout(variables: Iterable[Var]) -> Layout:
    """Lay the declared variables out as structured dtypes.

    Names must be unique within each kind. A trust's recorded variables come first, in
    declaration order, so that the history dtype is a prefix of the trust dtype with
    the same offsets."""
    variables = tuple(variables)
    for per in KINDS:
        names = [v.name for v in variables if v.per == per]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{per} variables declared twice: {', '.join(dupes)}")
    trust = [v for v in variables if v.per == "trust"]
    recorded = [v for v in trust if v.record]
    columns = [v.record for v in recorded]
    if len(set(columns)) != len(columns):
        raise ValueError("two variables are recorded under one column name")
    rest = [v for v in trust if not v.record]
    trust_dt = _struct((v.name, v.dtype) for v in recorded + rest)
    history_dt = _struct((v.record, v.dtype) for v in recorded)
    for v in recorded:  # the prefix property record_rows relies on
        if trust_dt.fields[v.name][1] != history_dt.fields[v.record][1]:
            raise AssertionError("recorded fields must lead the trust record")
    return Layout(
        variables=variables,
        trust=trust_dt,
        service=_struct((v.name, v.dtype) for v in variables if v.per == "service"),
        economy=_struct((v.name, v.dtype) for v in variables if v.per == "economy"),
        month=_struct((v.name, v.dtype) for v in variables if v.per == "month"),
        year=_struct((v.name, v.dtype) for v in variables if v.per == "year"),
        history=history_dt,
    )


def word_view(records: np.ndarray, words: int) -> np.ndarray:
    """The first ``words`` 8-byte words of each record of ``records``, as uint64 (a view:
    what :func:`record_rows` copies)."""
    flat = records.reshape(-1)
    w = flat.view(np.uint64).reshape(flat.shape[0], records.dtype.itemsize // 8)
    return w[:, :words].reshape((*records.shape, words))


@njit(cache=True)
def record_rows(history_words, row, trust_words):  # pragma: no cover - compiled
    """Copy each trust's recorded fields (the leading words of its record) into month
    ``row`` of the history."""
    n, k = trust_words.shape
    for i in range(n):
        for j in range(k):
            history_words[row, i, j] = trust_words[i, j]


class Records:
    """Named views of the fields of one or more structured arrays: ``records.fear`` is
    the ``fear`` column (write into it in place; rebinding a field is refused, because
    the compiled passes would not see the new array). Pickling keeps the views views.

    ``arrays`` maps a name to each array (``Records(trusts=..., services=...)``); the
    arrays' field names must not clash."""

    __slots__ = ("__dict__", "_arrays", "_fields")

    def __init__(self, **arrays: np.ndarray) -> None:
        object.__setattr__(self, "_arrays", arrays)
        self._bind()

    def _bind(self) -> None:
        fields: set[str] = set()
        for name, arr in self._arrays.items():
            object.__setattr__(self, name, arr)
            for f in arr.dtype.names:
                if f in fields or f in self._arrays:
                    raise ValueError(f"field {f!r} appears twice")
                fields.add(f)
                object.__setattr__(self, f, arr[f])
        object.__setattr__(self, "_fields", frozenset(fields | set(self._arrays)))

    def __setattr__(self, name: str, value) -> None:
        if name in self._fields and value is not getattr(self, name):
            raise AttributeError(
                f"{name} is a field of the model's records: write into it in place "
                f"({name}[...] = ...), do not rebind it"
            )
        object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Records in the first array (trusts, economies, ...)."""
        return next(iter(self._arrays.values())).shape[0]

    def __getstate__(self) -> dict:
        return {"arrays": self._arrays}

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "_arrays", state["arrays"])
        self._bind()


class Row:
    """The fields of one record (``array[0]`` of a one-record array) as attributes:
    ``row.regime_cost += 2.0`` reads and writes the record."""

    __slots__ = ("_bytes", "_views", "array")

    def __init__(self, array: np.ndarray) -> None:
        object.__setattr__(self, "array", array)
        self._bind()

    def _bind(self) -> None:
        arr = self.array
        object.__setattr__(self, "_views", {k: arr[k] for k in arr.dtype.names})
        object.__setattr__(self, "_bytes", arr.view(np.uint8))

    def __getattr__(self, name: str):
        try:
            return self._views[name][0]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value) -> None:
        try:
            self._views[name][0] = value
        except KeyError:
            raise AttributeError(f"no field {name!r}") from None

    def reset(self, *keep: str) -> None:
        """Every field back to 0, but those named in ``keep``."""
        kept = [(k, self._views[k][0]) for k in keep]
        self._bytes[:] = 0
        for k, v in kept:
            self._views[k][0] = v

    def __getstate__(self) -> dict:
        return {"array": self.array}

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "array", state["array"])
        self._bind()
