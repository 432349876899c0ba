"""The scenario file's keys, walked from the schema: type, default, range, unit, source."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from healthsim.config.schema import Scenario, Squeeze, SqueezeYear, field_bounds, meta, owner_of
from healthsim.model.mechanisms import owner

# --------------------------------------------------------------------------------------
# Walking the schema
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a scenario file, as the reference lists it."""

    path: str  # dotted path as written in TOML ("[]" marks an array-of-tables entry)
    name: str
    type: str
    default: str
    allowed: str
    unit: str
    description: str
    group: str  # the comment heading above the field in schema.py ("" if none)


@dataclass(frozen=True, slots=True)
class Table:
    """One TOML table of a scenario file: its keys and the section's docstring."""

    path: str  # "" for the top level, e.g. "regime.communication", "economy.trusts"
    model: type[BaseModel]
    array: bool  # an array of tables ([[economy.trusts]])
    keys: tuple[Key, ...]

    @property
    def header(self) -> str:
        if not self.path:
            return "Top-level keys"
        return f"[[{self.path}]]" if self.array else f"[{self.path}]"

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.model.__doc__ or "")


def section_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The section class a field holds, and whether it is an array of them."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation, False
    if get_origin(annotation) is tuple:
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if len(args) == 1 and inspect.isclass(args[0]) and issubclass(args[0], BaseModel):
            return args[0], True
    return None, False


def tables(model: type[BaseModel] = Scenario, path: str = "", array: bool = False) -> list[Table]:
    """Every table of a scenario file, depth first in the schema's field order."""
    groups = field_groups(model) or mechanism_groups(model)
    keys: list[Key] = []
    children: list[Table] = []
    for name, field in model.model_fields.items():
        sub, sub_array = section_model(field.annotation)
        child_path = f"{path}.{name}" if path else name
        if sub is not None:
            children.extend(tables(sub, child_path, sub_array))
            continue
        key_path = f"{path}[].{name}" if array else child_path
        keys.append(describe_key(model, name, field, key_path, groups.get(name, "")))
    return [Table(path, model, array, tuple(keys)), *children]


def all_keys() -> list[Key]:
    """Every key of a scenario file."""
    return [k for t in tables() for k in t.keys]


def mechanism_groups(model: type[BaseModel]) -> dict[str, str]:
    """For a section assembled from the mechanisms' own sections (``[behaviour]``,
    ``[initial]``), each key's mechanism: its title, claims and module."""
    groups: dict[str, str] = {}
    for name in model.model_fields:
        section = owner_of(model, name)
        module = owner(section) if section is not model else None
        if module is not None:
            where = module.__name__.removeprefix("healthsim.").replace(".", "/") + ".py"
            groups[name] = f"{module.TITLE} ({', '.join(module.CLAIMS)}; `{where}`)"
    return groups if len(set(groups.values())) > 1 else {}


def field_groups(model: type[BaseModel]) -> dict[str, str]:
    """Comment headings above a section's fields in its source (``# C5, fear and
    openness``), so long sections read in groups. Empty if the source is unavailable."""
    try:
        lines, _ = inspect.getsourcelines(model)
    except (OSError, TypeError):
        return {}
    tree = ast.parse(textwrap.dedent("".join(lines)))
    cls = tree.body[0]
    if not isinstance(cls, ast.ClassDef):
        return {}
    groups: dict[str, str] = {}
    current, prev_end = "", cls.body[0].lineno - 1 if cls.body else 0
    for node in cls.body:
        for ln in range(prev_end + 1, node.lineno):
            text = lines[ln - 1].strip()
            if text.startswith("#"):
                current = text.lstrip("#").strip()
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            groups[node.target.id] = current
        prev_end = node.end_lineno or node.lineno
    return groups if any(groups.values()) else {}


# --------------------------------------------------------------------------------------
# One key: type, default, allowed values, unit, description
# --------------------------------------------------------------------------------------


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _choices(annotation: Any) -> list[Any]:
    if inspect.isclass(annotation) and issubclass(annotation, Enum):
        return [m.value for m in annotation]
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return []


def type_name(annotation: Any) -> str:
    """A plain name for a field's type: number, integer, boolean, text, list."""
    base, optional = _unwrap_optional(annotation)
    if _choices(base):
        name = "text (a choice)"
    elif base is bool:
        name = "boolean"
    elif base is int:
        name = "integer"
    elif base is float:
        name = "number"
    elif base is str:
        name = "text"
    elif get_origin(base) in (tuple, list):
        name = "list"
    else:
        name = getattr(base, "__name__", str(base))
    return f"{name}, optional" if optional else name


def format_value(value: Any) -> str:
    """A value as it would be written in TOML (``unset`` for no value)."""
    if value is None:
        return "unset"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    if isinstance(value, BaseModel):
        return format_value(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def format_default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    default = field.get_default(call_default_factory=True)
    return format_value(default)


def _num(x: float) -> str:
    return repr(x)


def allowed_values(annotation: Any, field: FieldInfo) -> str:
    """The range or choices a key accepts, from the field's constraints."""
    base, optional = _unwrap_optional(annotation)
    choices = _choices(base)
    if choices:
        text = ", ".join(f"`{format_value(c)}`" for c in choices)
    elif base is bool:
        text = "`true`, `false`"
    else:
        lo, hi, lo_open, hi_open = field_bounds(field.metadata)
        min_len = next((m.min_length for m in field.metadata if isinstance(m, at.MinLen)), None)
        if base is str:
            text = "non-empty text" if min_len else "any text"
        elif lo is not None and hi is not None and not lo_open and not hi_open:
            text = f"{_num(lo)} to {_num(hi)}"
        else:
            parts = []
            if lo is not None:
                parts.append(f"{'>' if lo_open else '≥'} {_num(lo)}")
            if hi is not None:
                parts.append(f"{'<' if hi_open else '≤'} {_num(hi)}")
            text = " and ".join(parts) if parts else "any"
    if optional:
        text += "; or leave out"
    return text


#: Units of the structural keys (the mechanisms' parameters declare their own, which
#: win) that the rules of :func:`unit_of` cannot read from a field's name and description.
UNIT_OVERRIDES = {
    "economy.beds_cv": "coefficient of variation",
    "economy.population_per_bed": "people per bed",
    "economy.economies[].population": "people",
    "economy.inter_economy_flow": "relative weight",
    "economy.links[].weight": "relative weight",
    "squeeze.years[].cash_injection": "share of annual income",
}

#: State levels that are dimensionless in [0, 1] (schema module docstring).
_LEVELS = ("quality", "fear", "openness", "morale", "capability", "reputation")


def unit_of(path: str, name: str, annotation: Any, field: FieldInfo) -> str:
    """The unit of a key: from the field itself, the overrides above, or simple rules on
    its name and description (the schema's conventions: money in £m, time in months,
    rates a year as fractions, levels in [0, 1])."""
    declared = meta(field)
    if declared is not None and declared.unit:
        return declared.unit
    if path in UNIT_OVERRIDES:
        return UNIT_OVERRIDES[path]
    base, _ = _unwrap_optional(annotation)
    desc = (field.description or "").lower()
    if base in (bool, str) or _choices(base) or section_model(base)[0] is not None:
        return "-"
    if name == "years":
        return "years"
    if name == "start_year":
        return "calendar year"
    if name == "year":
        return "year of the run"
    if name.endswith("_months") or name == "months":
        return "months of income" if "months of income" in desc else "months"
    if "months of income" in desc:
        return "months of income"
    if "£m a month" in desc:
        return "£m a month"
    if "beds" in name:
        return "beds"
    if base is int:
        return "count"
    if path.startswith("squeeze."):
        return "share a year"
    monthly = desc.startswith("monthly") or "a month" in desc
    if "chance" in desc or "probability" in desc:
        return "probability a month" if monthly else "probability"
    if monthly:
        return "share a month"
    if "annual" in desc or "a year" in desc:
        return "share a year"
    if "occupancy" in name:
        return "share of beds"
    if desc.startswith("share"):
        return "share (0-1)"
    if path.startswith("regime.") or name.startswith("buddy_min"):
        return "observed quality (0-1)" if "quality" in desc else "share (0-1)"
    for level in _LEVELS:
        if level in name:
            return f"{level} (0-1)"
    return "share (0-1)"


def _fallback_description(model: type[BaseModel], name: str) -> str:
    """A description for a field that has none in the schema."""
    if model is SqueezeYear and name in Squeeze.model_fields:
        return f"This year's `squeeze.{name}` (left out: the `[squeeze]` value)."
    return ""


def describe_key(
    model: type[BaseModel], name: str, field: FieldInfo, path: str, group: str = ""
) -> Key:
    """Everything the reference says about one key."""
    annotation = field.annotation
    description = field.description or _fallback_description(model, name)
    declared = meta(field)
    if declared is not None and declared.source:
        source = declared.source
        description += f" *Source:* {source[:1].upper()}{source[1:]}"
    if declared is not None and declared.prior is not None:
        description += f" *Prior:* {declared.prior.describe()}."
    return Key(
        path=path,
        name=name,
        type=type_name(annotation),
        default=format_default(field),
        allowed=allowed_values(annotation, field),
        unit=unit_of(path, name, annotation, field),
        description=description,
        group=group,
    )
