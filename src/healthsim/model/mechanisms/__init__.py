"""The model's mechanisms, one module each, in the order a month runs them.

Each module owns one group of the article's claims (MODEL.md §1): its docstring states
the mechanism and its equations (docs/ODD.md §7 is generated from them), ``PARAMS`` /
``INITIAL`` / ``LEVERS`` are its sections of the scenario schema (every coefficient with
unit, range, default and source), ``VARS`` the state it adds, its ``@njit`` functions
the rules the monthly kernel (:mod:`healthsim.model.kernel`) calls, and ``pack`` what it
passes them. The schema (:mod:`healthsim.config.schema`) and the arrays
(:data:`LAYOUT`) are assembled from these declarations.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from healthsim.model.mechanisms import (
    accountability,
    boards,
    culture,
    demand,
    finance,
    harm,
    inspection,
    ladder,
    local_system,
    quality,
    reputation,
    support,
    workforce,
)
from healthsim.model.variables import Layout, layout, records

#: in the order of a month (docs/ODD.md §3) and of ODD §7
MECHANISMS: tuple[ModuleType, ...] = (
    demand,
    local_system,
    harm,
    finance,
    workforce,
    culture,
    accountability,
    quality,
    support,
    boards,
    reputation,
    inspection,
    ladder,
)

LAYOUT: Layout = layout(v for m in MECHANISMS for v in m.VARS)

#: the sections of ``[behaviour]``, ``[initial]`` and ``[regime]`` each mechanism owns
BEHAVIOUR_SECTIONS = tuple(m.PARAMS for m in MECHANISMS if m.PARAMS is not None)
INITIAL_SECTIONS = tuple(m.INITIAL for m in MECHANISMS if m.INITIAL is not None)
LEVER_SECTIONS = {key: cls for m in MECHANISMS for key, cls in m.LEVERS.items()}


def owner(section: type) -> ModuleType | None:
    """The mechanism module that declares a schema section."""
    for m in MECHANISMS:
        if section in (m.PARAMS, m.INITIAL, *m.LEVERS.values()):
            return m
    return None


_DTYPES: dict[tuple, np.dtype] = {}


def _field(name: str, value) -> tuple:
    if isinstance(value, np.ndarray):
        return (name, value.dtype, value.shape)
    if isinstance(value, bool | np.bool_):
        return (name, np.bool_)
    if isinstance(value, int | np.integer):
        return (name, np.int64)
    return (name, np.float64)


def pack(sc) -> np.ndarray:
    """Every mechanism's parameters for a scenario, as one record (a one-element
    structured array) that the compiled rules read by name (``p.fear_culture``)."""
    values: dict = {}
    for m in MECHANISMS:
        for k, v in m.pack(sc).items():
            if k in values:
                raise ValueError(f"parameter {k!r} is packed by two mechanisms")
            values[k] = v
    fields = tuple(_field(k, v) for k, v in values.items())
    dtype = _DTYPES.get(fields)
    if dtype is None:  # one dtype object per layout: compiled calls type it once
        dtype = _DTYPES[fields] = np.dtype(list(fields), align=True)
    record = records(np.zeros(1, dtype=dtype))
    for k, v in values.items():
        record[k][0] = v
    return record


def uncertain_parameters() -> dict[str, tuple]:
    """Every uncertain parameter (an assumption or calibrated, not a lever) with its
    prior: dotted key path -> (Prior, whether the value is a whole number), in the
    order of the mechanisms and their declarations."""
    from healthsim.model.parameters import meta

    out: dict[str, tuple] = {}
    for m in MECHANISMS:
        sections = [("behaviour.", m.PARAMS), ("initial.", m.INITIAL)]
        for prefix, section in sections:
            if section is None:
                continue
            for name in section.__annotations__:
                info = section.model_fields[name]
                declared = meta(info)
                if declared is not None and declared.uncertain and declared.prior is not None:
                    out[prefix + name] = (declared.prior, info.annotation is int)
    return out
