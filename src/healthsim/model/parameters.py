"""How a parameter is declared: the base of every scenario section and ``param()``.

Each mechanism module (:mod:`healthsim.model.mechanisms`) declares its own parameters
with :func:`param`: a default, its unit, its allowed range, where the default comes from
(a source, or "assumption" with the reasoning, or "calibrated" with the target it is
set by), and, for a coefficient that switches an effect on, the value that switches it
off (``neutral``: what ``tools/mutation_check.py`` sets it to). The scenario schema
(:mod:`healthsim.config.schema`) assembles these sections; the scenario reference, the
JSON Schema, the app's sliders and sensitivity declarations read them back through
:func:`meta` and :func:`field_bounds`.

Levers (the regime's and the squeeze's settings) are declared with :func:`lever`: a
policy choice has a unit and a range but no source, and no prior.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@dataclass(frozen=True, slots=True)
class ParamMeta:
    """What a parameter's declaration says beyond its type and range."""

    unit: str
    source: str  # a citation, "assumption: ...", "calibrated: ..." or "" for a lever
    neutral: float | int | bool | None = None  # the value that switches its effect off
    kind: str = "coefficient"  # "coefficient", "level" (a starting value) or "lever"


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    source: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    neutral: float | int | bool | None = None,
    kind: str = "coefficient",
) -> Any:
    """A model parameter: ``doc`` says what it means, ``source`` where its default comes
    from. ``neutral`` is the value at which the effect it scales is switched off (for
    an effect strength usually 0); leave it None for a parameter that sets a level or a
    scale rather than switching an effect."""
    if not source:
        raise ValueError(f"parameter with default {default!r} needs a source or reasoning")
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=doc,
        json_schema_extra={"unit": unit, "source": source, "neutral": neutral, "kind": kind},
    )


def initial(default: Any, *, unit: str, doc: str, source: str, **bounds: Any) -> Any:
    """A starting value of the model's state (``[initial]``)."""
    return param(default, unit=unit, doc=doc, source=source, kind="level", **bounds)


def lever(default: Any, *, doc: str, unit: str = "", **bounds: Any) -> Any:
    """A policy lever of the regime or the squeeze: a choice, not an uncertain quantity."""
    return Field(
        default,
        description=doc,
        json_schema_extra={"unit": unit, "source": "", "neutral": None, "kind": "lever"},
        **bounds,
    )


def meta(info: FieldInfo) -> ParamMeta | None:
    """The declaration's unit, source and neutral value (None for a plain field)."""
    extra = info.json_schema_extra
    if not isinstance(extra, dict) or "unit" not in extra:
        return None
    return ParamMeta(
        unit=str(extra["unit"]),
        source=str(extra["source"]),
        neutral=extra.get("neutral"),  # type: ignore[arg-type]
        kind=str(extra.get("kind", "coefficient")),
    )


class Bounds(NamedTuple):
    """The numeric range a field allows (None where it is open-ended)."""

    low: float | None
    high: float | None
    low_open: bool  # the low end itself is not allowed (gt rather than ge)
    high_open: bool  # the high end itself is not allowed (lt rather than le)


def field_bounds(metadata) -> Bounds:
    """The range given by a field's constraint metadata (``FieldInfo.metadata``):
    the one place the docs, the app's sliders, sensitivity declarations and the
    invariant tests read a parameter's allowed range from. Values keep their type
    (an integer field's bounds are integers)."""
    low = high = None
    low_open = high_open = False
    for m in metadata:
        if isinstance(m, at.Ge):
            low, low_open = m.ge, False
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high, high_open = m.le, False
        elif isinstance(m, at.Lt):
            high, high_open = m.lt, True
    return Bounds(low, high, low_open, high_open)


def owner_of(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The class in ``model``'s bases that declares field ``name`` (for a section
    assembled from several mechanisms' sections, the mechanism's own)."""
    for cls in model.__mro__:
        if name in getattr(cls, "__annotations__", {}) and issubclass(cls, BaseModel):
            return cls
    return model
