# ruff: noqa: N803, N806 - X and Y are SALib's names for the sample and the outputs
"""The parameter space of a sensitivity analysis: which scenario values vary, and how.

A parameter is a scenario key path (``behaviour.fear_toxicity``) with bounds and a
distribution. Its kind comes from the scenario schema:

- **real** (a float field): sampled from its distribution between ``low`` and ``high``
  (uniform, log-uniform, triangular or truncated normal); the value is used as is.
- **integer** (an int field, e.g. ``behaviour.disruption_months``): SALib samples a
  continuous uniform value ``x`` on ``[low, high + 1)`` and the run uses ``floor(x)``,
  so every whole number from ``low`` to ``high`` is equally likely. The indices then
  describe the rounded parameter; Morris' elementary effects are taken over the
  continuous step, so a step that rounds to the same whole number counts as no effect.
- **over its prior** (``range = "prior"``, or no bounds: every uncertain parameter
  declares a prior next to it, :func:`healthsim.model.mechanisms.uncertain_parameters`):
  SALib samples ``u`` uniform on ``[0, 1]`` and the run uses the prior's quantile
  ``prior.ppf(u)`` (a whole number: ``floor`` of the quantile of the same prior over
  ``[low, high + 1)``), so the sample follows the prior, whatever its shape. Tables and
  trees show the values, not ``u``.
- **categorical** (an enum or a true/false field, e.g. ``regime.improvement.model``):
  SALib samples a level index ``x`` uniform on ``[0, L)`` for ``L`` levels and the run
  uses level ``floor(x)``, every level equally likely. Variance-based indices (Sobol,
  FAST) are well defined for such a factor, but any ordering of the levels is arbitrary:
  Morris' ``mu`` (signed effect) and the decision tree's thresholds depend on the order
  the levels are listed in, so read categorical factors through ``mu_star``, ``S1`` and
  ``ST`` only, and tree rules on them as sets of levels.

Nothing here runs the model; the space turns SALib's sample matrix into the overrides
each run applies (:meth:`Space.overrides`) and checks declarations against the schema.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from healthsim.config.files import Dist
from healthsim.config.schema import Scenario, field_bounds
from healthsim.model.parameters import Prior

Kind = Literal["real", "integer", "categorical"]

#: Distribution names -> SALib's names.
SALIB_DISTS = {
    "uniform": "unif",
    "loguniform": "logunif",
    "triangular": "triang",
    "truncnormal": "truncnorm",
}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What the schema says about one scenario key path.

    Attributes:
        key: the dotted key path.
        kind: ``real``, ``integer`` or ``categorical``.
        lower, upper: the schema's limits (None where it has none).
        lower_strict, upper_strict: whether a limit excludes its value (gt / lt).
        levels: the allowed values of a categorical field (enum values or booleans).
        description: the field's description (what claim or fact it encodes).
    """

    key: str
    kind: Kind
    lower: float | None
    upper: float | None
    lower_strict: bool
    upper_strict: bool
    levels: tuple[Any, ...]
    description: str

    def allows(self, value: float) -> bool:
        """Whether the schema accepts ``value`` for this field."""
        if self.lower is not None and (
            value < self.lower or (self.lower_strict and value <= self.lower)
        ):
            return False
        return not (
            self.upper is not None
            and (value > self.upper or (self.upper_strict and value >= self.upper))
        )

    def limits_text(self) -> str:
        """The allowed range in words ('0 to 1', 'more than 0, at most 3000')."""
        lo = "" if self.lower is None else f"{'more than' if self.lower_strict else 'from'} "
        lo += "" if self.lower is None else f"{self.lower:g}"
        hi = "" if self.upper is None else f"{'below' if self.upper_strict else 'to'} "
        hi += "" if self.upper is None else f"{self.upper:g}"
        return " ".join(p for p in (lo, hi) if p) or "any value"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


@cache
def schema_fields() -> dict[str, FieldInfo]:
    """Every scenario value a sensitivity analysis can vary, by dotted key path.

    Numbers, true/false values and enums qualify; names, descriptions, file paths and
    lists (trusts, links, year-by-year squeeze entries) do not.
    """
    out: dict[str, FieldInfo] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            ann = field.annotation
            sub = _model_of(ann)
            if sub is not None:
                walk(sub, f"{key}.")
                continue
            info = _field_info(key, ann, field.metadata, field.description or "")
            if info is not None:
                out[key] = info

    walk(Scenario, "")
    return out


def _field_info(key: str, ann: Any, metadata: list, description: str) -> FieldInfo | None:
    lower, upper, lower_strict, upper_strict = field_bounds(metadata)
    lower = None if lower is None else float(lower)
    upper = None if upper is None else float(upper)
    if ann is bool:
        return FieldInfo(key, "categorical", None, None, False, False, (False, True), description)
    if isinstance(ann, type) and issubclass(ann, Enum):
        levels = tuple(e.value for e in ann)
        return FieldInfo(key, "categorical", None, None, False, False, levels, description)
    if ann is int:
        return FieldInfo(key, "integer", lower, upper, lower_strict, upper_strict, (), description)
    if ann is float:
        return FieldInfo(key, "real", lower, upper, lower_strict, upper_strict, (), description)
    return None


def unknown_key_message(key: str) -> str:
    """'unknown scenario key; did you mean ...?' (or why the key cannot be varied)."""
    fields = schema_fields()
    parts = key.split(".")
    # a key that exists but cannot vary (a name, a list, a section)
    node: Any = Scenario
    for part in parts:
        sub = getattr(node, "model_fields", {}).get(part)
        if sub is None:
            node = None
            break
        node = _model_of(sub.annotation) or sub.annotation
    if node is not None:
        if _model_of(node) is not None:
            return "is a section of the scenario, not a value; name one of its keys"
        return "cannot be varied (only numbers, true/false values and choices can)"
    hint = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    if not hint:
        tail = parts[-1]
        by_tail = {k.rsplit(".", 1)[-1]: k for k in fields}
        near = difflib.get_close_matches(tail, list(by_tail), n=1, cutoff=0.7)
        hint = [by_tail[near[0]]] if near else []
    extra = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown scenario key{extra}"


@dataclass(frozen=True)
class Parameter:
    """One varied scenario value, resolved against the schema.

    Attributes:
        key: dotted key path into the scenario.
        kind: ``real``, ``integer`` or ``categorical`` (from the schema).
        low, high: bounds (for a categorical: 0 and the number of levels - 1).
        dist: ``uniform``, ``loguniform``, ``triangular`` or ``truncnormal`` (real only).
        dist_args: extra arguments: the triangular mode, or the truncated normal's mean
            and standard deviation.
        levels: the values of a categorical parameter, in index order.
        group: the group it belongs to (groups are analysed as one factor), or None.
        applies_to: indices of the analysis' scenarios this parameter changes.
        label: a short name for figures and tables.
        description: what the schema says the value means.
        prior: sampled over this prior (``low``/``high`` are then its support; SALib's
            column is the quantile in [0, 1]).
    """

    key: str
    kind: Kind
    low: float
    high: float
    dist: Dist = "uniform"
    dist_args: tuple[float, ...] = ()
    levels: tuple[Any, ...] = ()
    group: str | None = None
    applies_to: tuple[int, ...] = (0,)
    label: str = ""
    description: str = ""
    prior: Prior | None = None

    @property
    def salib_bounds(self) -> list[float]:
        """Bounds in SALib's form for this parameter's distribution."""
        if self.prior is not None:
            return [0.0, 1.0]
        if self.kind == "integer":
            return [self.low, self.high + 1.0]
        if self.kind == "categorical":
            return [0.0, float(len(self.levels))]
        if self.dist == "triangular":
            (mode,) = self.dist_args
            return [self.low, self.high, (mode - self.low) / (self.high - self.low)]
        if self.dist == "truncnormal":
            mean, sd = self.dist_args
            return [self.low, self.high, mean, sd]
        return [self.low, self.high]

    @property
    def salib_dist(self) -> str:
        if self.prior is not None:
            return "unif"
        return SALIB_DISTS[self.dist] if self.kind == "real" else "unif"

    def decode(self, x: np.ndarray) -> np.ndarray:
        """The values runs use for SALib's sample column ``x`` (object array for
        categoricals, int for integers, float otherwise)."""
        x = np.asarray(x, dtype=float)
        if self.prior is not None:
            return self._from_prior(x)
        if self.kind == "real":
            return np.clip(x, self.low, self.high)
        if self.kind == "integer":
            return np.clip(np.floor(x), self.low, self.high).astype(np.int64)
        idx = np.clip(np.floor(x), 0, len(self.levels) - 1).astype(np.int64)
        return np.array([self.levels[i] for i in idx], dtype=object)

    def _from_prior(self, u: np.ndarray) -> np.ndarray:
        pr = self.prior
        assert pr is not None
        if self.kind == "integer":
            whole = Prior(pr.dist, pr.low, pr.high + 1.0, pr.mode)
            v = np.floor([whole.ppf(x) for x in u.ravel()]).reshape(u.shape)
            return np.clip(v, self.low, self.high).astype(np.int64)
        v = np.array([pr.ppf(x) for x in u.ravel()], dtype=float).reshape(u.shape)
        return np.clip(v, self.low, self.high)

    def index_of(self, x: np.ndarray) -> np.ndarray:
        """Numeric value of SALib's column for tables and trees: the value for real and
        integer parameters, the level index for a categorical one."""
        if self.kind == "categorical":
            return np.clip(np.floor(np.asarray(x, float)), 0, len(self.levels) - 1)
        return np.asarray(self.decode(x), dtype=float)

    def describe_bounds(self) -> str:
        if self.prior is not None:
            whole = " (whole numbers)" if self.kind == "integer" else ""
            return f"its prior: {self.prior.describe()}{whole}"
        if self.kind == "categorical":
            return ", ".join(str(v).lower() for v in self.levels)
        text = f"{self.low:g} to {self.high:g}"
        if self.kind == "integer":
            text += " (whole numbers)"
        if self.dist != "uniform":
            text += f", {self.dist}"
            if self.dist == "triangular":
                text += f" peaking at {self.dist_args[0]:g}"
            elif self.dist == "truncnormal":
                text += f" (mean {self.dist_args[0]:g}, sd {self.dist_args[1]:g})"
        return text


def short_label(key: str) -> str:
    """A readable label from a key path: its last part, underscores as spaces."""
    return key.rsplit(".", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class Space:
    """The parameters of an analysis, in order, and the SALib problem they make."""

    parameters: tuple[Parameter, ...]

    @property
    def names(self) -> list[str]:
        return [p.key for p in self.parameters]

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.parameters]

    @property
    def has_groups(self) -> bool:
        return any(p.group for p in self.parameters)

    @property
    def groups(self) -> list[str]:
        """Each parameter's group (its own key when it has none)."""
        return [p.group or p.key for p in self.parameters]

    @property
    def factors(self) -> list[str]:
        """The factors indices are reported for: groups (in order of first appearance)
        and ungrouped parameters."""
        return list(dict.fromkeys(self.groups))

    def factor_label(self, factor: str) -> str:
        """Label of a factor: a parameter's label, or a group's name."""
        for p in self.parameters:
            if p.key == factor and not p.group:
                return p.label
        return factor.replace("_", " ")

    def problem(self) -> dict[str, Any]:
        """The SALib problem dictionary (names, bounds, dists and groups)."""
        prob: dict[str, Any] = {
            "num_vars": len(self.parameters),
            "names": self.names,
            "bounds": [p.salib_bounds for p in self.parameters],
            "dists": [p.salib_dist for p in self.parameters],
        }
        if self.has_groups:
            prob["groups"] = self.groups
        return prob

    def unit(self, X: np.ndarray) -> np.ndarray:
        """Sample positions mapped to [0, 1] per column (for nearest-neighbour look-ups)."""
        X = np.asarray(X, dtype=float)
        # (SALib's scale: a parameter over its prior is already on [0, 1])
        lo = np.array([p.salib_bounds[0] for p in self.parameters])
        hi = np.array([p.salib_bounds[1] for p in self.parameters])
        return (X - lo) / np.where(hi > lo, hi - lo, 1.0)

    def values(self, X: np.ndarray) -> list[list[Any]]:
        """Decoded values, one list per sample row (Python scalars)."""
        cols = [p.decode(X[:, j]) for j, p in enumerate(self.parameters)]
        return [[_py(c[i]) for c in cols] for i in range(X.shape[0])]

    def numeric(self, X: np.ndarray) -> np.ndarray:
        """Decoded values as floats (categoricals as their level index)."""
        return np.column_stack([p.index_of(X[:, j]) for j, p in enumerate(self.parameters)])

    def overrides(self, X: np.ndarray, n_scenarios: int) -> list[list[tuple[tuple[str, Any], ...]]]:
        """For each sample row, the overrides each scenario's run applies."""
        rows = self.values(X)
        out = []
        for vals in rows:
            per = []
            for s in range(n_scenarios):
                per.append(
                    tuple(
                        (p.key, v)
                        for p, v in zip(self.parameters, vals, strict=True)
                        if s in p.applies_to
                    )
                )
            out.append(per)
        return out


def _py(v: Any) -> Any:
    """A numpy scalar as a plain Python value (JSON-able, exact)."""
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        f = float(v)
        return f
    return v
