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

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@dataclass(frozen=True, slots=True)
class Prior:
    """What we believe about an uncertain parameter before the calibration: a
    distribution over a range.

    ``dist`` is "uniform" (every value in [low, high] alike), "loguniform" (every order
    of magnitude alike; low > 0) or "triangular" (most likely at ``mode``). The range is
    the support; :meth:`ppf` maps a uniform draw in [0, 1] to a value, which is how the
    calibration, comparisons and sensitivity analyses sample it."""

    dist: str
    low: float
    high: float
    mode: float | None = None

    def __post_init__(self) -> None:
        if self.dist not in ("uniform", "loguniform", "triangular"):
            raise ValueError(f"unknown prior distribution {self.dist!r}")
        if not self.low < self.high:
            raise ValueError("a prior's range needs low < high")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError("a log-uniform prior needs low > 0")
        if self.dist == "triangular" and not (
            self.mode is not None and self.low <= self.mode <= self.high
        ):
            raise ValueError("a triangular prior needs low <= mode <= high")

    def ppf(self, u: float) -> float:
        """The value at quantile ``u`` (in [0, 1])."""
        u = min(max(float(u), 0.0), 1.0)
        lo, hi = self.low, self.high
        if self.dist == "uniform":
            return lo + u * (hi - lo)
        if self.dist == "loguniform":
            return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        c = (self.mode - lo) / (hi - lo)  # triangular
        if u < c:
            return lo + math.sqrt(u * (hi - lo) * (self.mode - lo))
        return hi - math.sqrt((1 - u) * (hi - lo) * (hi - self.mode))

    def cdf(self, x: float) -> float:
        """The share of the prior below ``x``."""
        lo, hi = self.low, self.high
        if x <= lo:
            return 0.0
        if x >= hi:
            return 1.0
        if self.dist == "uniform":
            return (x - lo) / (hi - lo)
        if self.dist == "loguniform":
            return (math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))
        m = self.mode
        if x <= m:
            return (x - lo) ** 2 / ((hi - lo) * (m - lo))
        return 1 - (hi - x) ** 2 / ((hi - lo) * (hi - m))

    def describe(self) -> str:
        """In words: "uniform 0 to 0.3", "log-uniform 0.001 to 0.1", "triangular 0 to
        1, most likely 0.2"."""
        rng = f"{self.low:g} to {self.high:g}"
        if self.dist == "uniform":
            return f"uniform {rng}"
        if self.dist == "loguniform":
            return f"log-uniform {rng}"
        return f"triangular {rng}, most likely {self.mode:g}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": self.dist, "low": self.low, "high": self.high}
        if self.mode is not None:
            out["mode"] = self.mode
        return out


def uniform(low: float, high: float) -> Prior:
    return Prior("uniform", low, high)


def loguniform(low: float, high: float) -> Prior:
    return Prior("loguniform", low, high)


def triangular(low: float, mode: float, high: float) -> Prior:
    return Prior("triangular", low, high, mode)


@dataclass(frozen=True, slots=True)
class ParamMeta:
    """What a parameter's declaration says beyond its type and range."""

    unit: str
    source: str  # a citation, "assumption: ...", "calibrated: ..." or "" for a lever
    neutral: float | int | bool | None = None  # the value that switches its effect off
    kind: str = "coefficient"  # "coefficient", "level" (a starting value) or "lever"
    prior: Prior | None = None  # for an uncertain parameter

    @property
    def uncertain(self) -> bool:
        """Whether the value is uncertain (an assumption or calibrated, not a lever)."""
        s = self.source.strip().lower()
        return self.kind != "lever" and (s.startswith("assumption") or s.startswith("calibrated"))


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
    prior: Prior | None = None,
) -> Any:
    """A model parameter: ``doc`` says what it means, ``source`` where its default comes
    from. ``neutral`` is the value at which the effect it scales is switched off (for
    an effect strength usually 0); leave it None for a parameter that sets a level or a
    scale rather than switching an effect. ``prior``: what we believe about its value,
    for every uncertain parameter (an assumption or calibrated); it must lie within the
    parameter's bounds and contain its default."""
    if not source:
        raise ValueError(f"parameter with default {default!r} needs a source or reasoning")
    if prior is not None:
        lows = [b for b in (ge, gt) if b is not None]
        highs = [b for b in (le, lt) if b is not None]
        if (lows and prior.low < lows[0]) or (highs and prior.high > highs[0]):
            raise ValueError(f"prior {prior.describe()} runs outside the bounds")
        if not prior.low <= default <= prior.high:
            raise ValueError(f"default {default!r} is outside its prior {prior.describe()}")
    extra = {"unit": unit, "source": source, "neutral": neutral, "kind": kind}
    if prior is not None:
        extra["prior"] = prior.as_dict()
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=doc, json_schema_extra=extra)


def initial(default: Any, *, unit: str, doc: str, source: str, **kw: Any) -> Any:
    """A starting value of the model's state (``[initial]``)."""
    return param(default, unit=unit, doc=doc, source=source, kind="level", **kw)


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
    prior = extra.get("prior")
    return ParamMeta(
        unit=str(extra["unit"]),
        source=str(extra["source"]),
        neutral=extra.get("neutral"),  # type: ignore[arg-type]
        kind=str(extra.get("kind", "coefficient")),
        prior=Prior(**prior) if isinstance(prior, dict) else None,  # type: ignore[arg-type]
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
