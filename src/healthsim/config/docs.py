"""Generate the scenario-file reference and its JSON Schema from the pydantic schema.

``python -m healthsim.config.docs`` writes ``docs/scenario-reference.md`` and
``docs/scenario.schema.json``; ``python -m healthsim.config.docs --check`` writes
nothing and exits 1 when the files on disk differ from what would be generated (for CI
and the test suite). Everything comes from :mod:`healthsim.config.schema` (types,
defaults, bounds, descriptions with their sources, section docstrings) and from the
shipped scenarios, so the reference cannot drift from the code. ``healthsim schema``
gives users of an installed package the same JSON Schema.

The functions here build text; :func:`write_docs` and :func:`write_text` are the only
ones that touch the file system.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import sys
import tempfile
import textwrap
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from healthsim.config import schema as schema_module
from healthsim.config.loader import load_scenario, resolve_path, shipped_scenarios
from healthsim.config.schema import Scenario, Squeeze, SqueezeYear, field_bounds, meta, owner_of
from healthsim.model.mechanisms import owner

#: File names of the generated documents, inside the docs folder.
REFERENCE_FILE = "scenario-reference.md"
SCHEMA_FILE = "scenario.schema.json"
#: The JSON Schema dialect pydantic generates (its output also validates as draft 7,
#: which is what Taplo, the engine of VS Code's Even Better TOML, implements).
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: A stable identifier for the schema. A URN, not a web address: nothing is published
#: at a URL, and an editor must never try to fetch one.
SCHEMA_ID = "urn:healthsim:scenario-file"
SCHEMA_TITLE = "healthsim scenario file"
REGENERATE = "python -m healthsim.config.docs"
#: Keys left out of the "what it changes" lists of shipped scenarios (labels).
_LABELS = frozenset({"name", "description", "extends"})


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


#: Units that the rules of :func:`unit_of` cannot read from a field's name and
#: description. A field may also carry ``json_schema_extra={"unit": ...}``, which wins.
UNIT_OVERRIDES = {
    "behaviour.deficit_push": "share a year per unit of deficit margin",
    "behaviour.cuts_harm": "share of quality a month per unit of excess annual cut",
    "behaviour.occupancy_harm": "share of quality a month per unit of occupancy",
    "behaviour.understaffing_harm": "share of quality a month per unit of staffing gap",
    "behaviour.morale_harm": "share of quality a month per unit of morale",
    "behaviour.fear_turnover": "relative increase (1 = doubles leaving)",
    "behaviour.morale_turnover": "relative increase per unit of morale",
    "behaviour.blame_deterrence": "relative increase in improvement effort",
    "behaviour.accountability_penalty": "per outside body",
    "behaviour.delayed_discharge_beds_per_shortfall": "share of beds per unit of shortfall",
    "behaviour.agency_premium": "share above substantive pay",
    "behaviour.shock_size": "quality (0-1), mean of an exponential",
    "behaviour.quality_noise_sd": "quality (0-1), standard deviation a month",
    "behaviour.demand_noise_sd": "share of demand, standard deviation a month",
    "behaviour.harm_litigation_cost": "£m per avoidable harm event",
    "behaviour.reconfiguration_cost": "share of annual income",
    "behaviour.reconfiguration_threshold": "share of income (12-month margin)",
    "regime.identification.noise_sd": "quality (0-1), standard deviation",
    "regime.identification.risk_trigger_weight": "relative weight",
    "regime.identification.political_pressure": "weight (0-1)",
    "regime.identification.bar": "quality (0-1), observed or true",
    "regime.communication.blame_intensity": "intensity (0-1)",
    "regime.improvement.intensity": "intensity (0-1)",
    "behaviour.fear_from_naming": "fear (0-1)",
    "behaviour.fear_culture": "fear (0-1) at full blame",
    "behaviour.reputation_loss_naming": "share of reputation",
    "initial.struggling_gap": "quality (0-1)",
    "regime.identification.inspection_cost": "£m per inspection",
    "regime.scope.social_care_uplift": "share of social-care capacity",
    "regime.scope.system_cost_share": "share of the uplift's cost",
    "initial.quality_sd_trust": "quality (0-1), standard deviation",
    "initial.quality_sd_service": "quality (0-1), standard deviation",
    "initial.capability_sd": "capability (0-1), standard deviation",
    "behaviour.new_board_capability_sd": "capability (0-1), standard deviation",
    "initial.surplus_margin": "share of income",
    "initial.surplus_margin_sd": "share of income, standard deviation",
    "initial.staffing_ratio": "staff in post over establishment",
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


# --------------------------------------------------------------------------------------
# The JSON Schema
# --------------------------------------------------------------------------------------


def json_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema: pydantic's, with a dialect, an id and a title.

    Three changes to pydantic's output: the default of each whole section (a copy of
    all its keys' defaults, already given key by key in the section's definition) is
    left out; keys without a description get the reference's one; and of a parameter's
    declaration only its unit and source are kept (as annotations editors show).
    """
    raw = Scenario.model_json_schema(mode="validation")
    defs = raw.get("$defs", {})
    for node in [raw, *defs.values()]:
        for prop in node.get("properties", {}).values():
            if "$ref" in prop and isinstance(prop.get("default"), dict):
                del prop["default"]
            for internal in ("neutral", "kind"):
                prop.pop(internal, None)
            if prop.get("unit") == "":
                del prop["unit"]
            if prop.get("source") == "":
                del prop["source"]
    year = defs.get(SqueezeYear.__name__)
    if year is not None:
        for name, prop in year.get("properties", {}).items():
            if "description" not in prop:
                text = _fallback_description(SqueezeYear, name)
                if text:
                    prop["description"] = text
    head = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": (
            "A healthsim scenario file (TOML): the economy, its starting state, the "
            "mechanisms, the failure regime and the financial squeeze. Generated from "
            f"healthsim.config.schema by `{REGENERATE}`; the reference with every "
            f"key's source is docs/{REFERENCE_FILE}."
        ),
    }
    body = {k: v for k, v in raw.items() if k not in ("title", "description", "$defs")}
    return {**head, **body, "$defs": defs}


def json_schema_text() -> str:
    """The JSON Schema as the text of ``docs/scenario.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------
# Shipped scenarios: what each changes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    before: Any
    after: Any


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        p = f"{prefix}.{k}" if prefix else k
        if isinstance(v, Mapping):
            out.update(_flatten(v, p))
        else:
            out[p] = v
    return out


def parent_of(name: str) -> str | None:
    """The ``extends`` of a shipped scenario as written in its file."""
    with shipped_scenarios()[name].open("rb") as fh:
        ref = tomllib.load(fh).get("extends")
    return ref if isinstance(ref, str) else None


def changes(name: str) -> list[Change]:
    """What a shipped scenario changes, fully resolved, relative to the scenario it
    extends (or to the schema's defaults), labels left out."""
    path = shipped_scenarios()[name]
    child = load_scenario(path).model_dump(mode="json")
    ref = parent_of(name)
    parent_sc = load_scenario(resolve_path(ref, path.parent)) if ref else Scenario()
    parent = parent_sc.model_dump(mode="json")
    a, b = _flatten(parent), _flatten(child)
    return [Change(k, a.get(k), b.get(k)) for k in b if k not in _LABELS and a.get(k) != b.get(k)]


def _format_change_value(path: str, value: Any) -> str:
    if path == "squeeze.years" and isinstance(value, list):
        if not value:
            return "none"
        defaults = {k: f.default for k, f in SqueezeYear.model_fields.items()}
        parts = []
        for y in value:
            vals = ", ".join(
                f"{k} {format_value(v)}"
                for k, v in y.items()
                if k != "year" and v != defaults.get(k)
            )
            parts.append(f"year {y['year']}: {vals or 'no change'}")
        return "; ".join(parts)
    return f"`{format_value(value)}`"


# --------------------------------------------------------------------------------------
# The Markdown reference
# --------------------------------------------------------------------------------------

EXAMPLE_VARIANT = """\
# my_variant.toml: the 2013 regime without public naming, under a harsher tariff.
extends = "regime_2013"      # a shipped scenario's name, or a path relative to this file
name = "regime_2013_unnamed"
description = "2013 regime, no public naming, 5% tariff efficiency every year"

[regime.communication]       # tables merge key by key: other keys keep regime_2013's values
naming = false
blame_intensity = 0.2

[squeeze]
tariff_efficiency = 0.05

# An array of tables replaces the parent's whole list: baseline's overrides of years 1-3
# are gone, so 5% applies from year 1; year 4 keeps its one-off cash injection.
[[squeeze.years]]
year = 4
cash_injection = 0.02
"""


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def _units_paragraph() -> str:
    doc = inspect.cleandoc(schema_module.__doc__ or "")
    for para in doc.split("\n\n"):
        if para.startswith("Units:"):
            return " ".join(para.split())
    return ""


def _key_table(keys: Sequence[Key]) -> list[str]:
    out = [
        "| Key | Type | Default | Allowed | Unit | Description and source |",
        "|---|---|---|---|---|---|",
    ]
    for k in keys:
        default = k.default if k.default in ("required", "unset") else f"`{k.default}`"
        out.append(
            f"| `{k.path}` | {k.type} | {_cell(default)} | {_cell(k.allowed)} | "
            f"{_cell(k.unit)} | {_cell(k.description)} |"
        )
    return out


def _intro() -> list[str]:
    units = _units_paragraph()
    return [
        "# Scenario-file reference",
        "",
        f"<!-- Generated by `{REGENERATE}` from src/healthsim/config/schema.py and the "
        "shipped scenarios. Do not edit by hand: change the schema and regenerate. -->",
        "",
        "A scenario file says everything a healthsim run needs: the shape of the local "
        "economy, the state of its trusts at the start, the strength of each mechanism, "
        "the quality-failure regime and the financial squeeze. This page lists every key "
        "with its type, default, allowed values, unit, and the source or reasoning "
        "behind its default. It is generated from the code, so it describes exactly "
        "what `healthsim` accepts.",
        "",
        "Contents: [File format](#file-format) · [extends](#extends-variants-change-only-"
        "what-differs) · [Year-by-year squeeze](#year-by-year-squeeze-squeezeyears) · "
        "[Real organisations and network files](#real-organisations-and-network-files) · "
        "[Overrides from Python and the command line](#overrides-from-python-and-the-"
        "command-line) · [Checking a file, and editor support](#checking-a-file-and-"
        "editor-support) · [An example variant](#an-example-variant) · "
        "[Shipped scenarios](#shipped-scenarios) · [Sections and keys](#sections-and-keys)",
        "",
        "## File format",
        "",
        "Scenario files are [TOML](https://toml.io). Top-level keys (`name`, "
        "`description`, `extends`, `years`, `start_year`) come first; then tables such "
        "as `[economy]`, `[behaviour]`, `[regime.communication]` and `[squeeze]`. A "
        "dotted key path names a key inside its table: `regime.communication."
        "blame_intensity` is `blame_intensity` written under `[regime.communication]`. "
        "Every key is optional except inside the arrays of tables that require an `id` "
        "or an end of a link; a key left out takes the value of the scenario the file "
        "extends, or else the default listed below. Unknown keys are errors (with a "
        '"did you mean" suggestion), and every value is checked against its allowed '
        "range before anything runs.",
        "",
        *([units, ""] if units else []),
        '"Share a month" means a fraction applied at each monthly step; "share a year" '
        'a fraction a year (0.04 = 4% a year); "probability a month" a chance at each '
        "monthly step.",
        "",
        "## extends: variants change only what differs",
        "",
        '`extends = "..."` names the scenario a file changes: the name of a shipped '
        'scenario (`"baseline"`, `"board_supported"`; see '
        "[Shipped scenarios](#shipped-scenarios)), or a path to another file, taken "
        "relative to the folder of the file that names it (then to the working "
        "folder). A variant repeats only the keys it changes. The files are merged "
        "before validation:",
        "",
        "- tables merge key by key, so `[regime.communication]` with one key changes "
        "only that key;",
        "- anything else replaces the parent's value whole, and that includes arrays "
        "and arrays of tables: `[[squeeze.years]]` entries in a variant replace all of "
        "the parent's, and `years = []` under `[squeeze]` removes them;",
        "- chains are allowed (`whole_system` extends `board_supported`, which extends "
        "`baseline`); a cycle of `extends` is an error;",
        "- a `network_file` named in a parent is found relative to the parent's folder.",
        "",
        "A file's own `name` and `description` are not inherited in spirit: give each "
        "variant its own (the name labels output folders).",
        "",
        "## Year-by-year squeeze: [[squeeze.years]]",
        "",
        "The keys of `[squeeze]` hold for every year of the run. Each `[[squeeze.years]]` "
        "entry overrides some of them in one year of the run (`year = 1` is the first; "
        "each year may appear once); a key left out of the entry keeps the squeeze's "
        "value. `cash_injection` is a one-off payment to every trust in that year, as a "
        "share of its annual income (the 2016/17 Sustainability and Transformation Fund "
        "was about 2%). The values take effect at the annual budget round before the "
        "year's first month. `baseline` uses this for the 4% tariff efficiency of 2013/14"
        "-2015/16 and the 2016/17 cash injection.",
        "",
        "## Real organisations and network files",
        "",
        "By default the economies are generated from the `[economy]` keys, with the "
        "run's seed. To use a real geography, list the organisations instead:",
        "",
        "- `[[economy.trusts]]`: one entry per trust (`id`, `economy`, optional `label`, "
        "`beds`, `region`). When any are given they replace the generated trusts.",
        "- `[[economy.economies]]`: optional; a label, population and region for an "
        "economy named by the trusts' `economy`.",
        "- `[[economy.links]]`: patient-flow links between trusts (`source`, `target`, "
        "`weight`). When trusts are given without links, links are generated inside "
        "each economy (and sparsely between them) as for generated economies.",
        '- `network_file = "flows.graphml"` (or `.xml`, `.csv`, `.txt`): read the links '
        "from a file, relative to the scenario file. A CSV edge list has a header with "
        "`source` and `target` columns and optionally `weight` (default 1; weights must "
        "be above 0; rows linking a trust to itself are ignored). GraphML nodes may "
        "carry `economy`, `beds`, `label` and `region` attributes and edges a `weight`. "
        "If the scenario lists `[[economy.trusts]]`, every node of the file must be one "
        "of them; otherwise the trusts are made from the file's nodes, each in the "
        "economy its `economy` attribute names or else one economy per connected "
        "component, with `beds` from the attribute or `economy.beds_mean`. The file is "
        "read when the scenario is loaded and its trusts and links are written into the "
        "resolved scenario, which is then self-contained. Links written under "
        "`[[economy.links]]` take precedence: the file is not read when there are any.",
        "",
        "## Overrides from Python and the command line",
        "",
        "Any key can be changed without a file by its dotted path:",
        "",
        "```python",
        "from healthsim import load_scenario, run",
        "",
        'sc = load_scenario("board_supported", '
        'overrides={"regime.communication.blame_intensity": 0.9})',
        'result = run("baseline", seed=7, overrides={"squeeze.tariff_efficiency": 0.05})',
        "```",
        "",
        "On the command line, `healthsim run baseline --set "
        "regime.communication.blame_intensity=0.9` does the same (repeatable; values are "
        "read as TOML). `HealthEconomy(scenario, rng=seed, "
        "regime__communication__blame_intensity=0.9)` takes the same paths with `__` "
        "between the parts (so Mesa's `batch_run` can sweep them). Overridden values are "
        "validated like values in a file.",
        "",
        "## Checking a file, and editor support",
        "",
        "`healthsim check my_variant.toml` validates a file (and everything it extends) "
        "and runs nothing; a problem is reported on one line naming the file and the key "
        "path. `healthsim run` writes the fully resolved scenario next to the results; "
        "loading it reproduces the run.",
        "",
        f"The schema is also published as a JSON Schema, `docs/{SCHEMA_FILE}`; "
        "`healthsim schema` prints it and `healthsim schema --out scenario.schema.json` "
        "writes it (useful with an installed package). Editors that understand JSON "
        "Schema for TOML then check keys, types and ranges as you type, complete key "
        "names and show each key's description on hover. With VS Code's *Even Better "
        "TOML* extension, or any editor using the Taplo language server:",
        "",
        "- per file: make the first line of the file a schema directive, with a path "
        "relative to the file (or an absolute path or URL):",
        "",
        "  ```toml",
        f"  #:schema ../docs/{SCHEMA_FILE}",
        '  extends = "baseline"',
        "  ```",
        "",
        "- per project: a `.taplo.toml` at the project root,",
        "",
        "  ```toml",
        "  [[rule]]",
        '  include = ["scenarios/**/*.toml"]',
        "",
        "  [rule.schema]",
        f'  path = "docs/{SCHEMA_FILE}"',
        "  ```",
        "",
        '- or in VS Code\'s settings, `"evenBetterToml.schema.associations"` mapping a '
        "regular expression on file paths to the schema's `file://` URL.",
        "",
        "Do not add a `$schema` key to a scenario file: healthsim rejects it as an "
        "unknown key (a `#:schema` comment is ignored by healthsim). The JSON Schema "
        "declares the 2020-12 dialect, and uses nothing that draft 7 validators (such as "
        "Taplo's) read differently. It checks everything per key; two whole-file rules "
        "are checked only by healthsim itself: trust ids must be unique and links must "
        "name listed trusts, and each year may appear once in `[[squeeze.years]]`.",
        "",
        "## An example variant",
        "",
        "```toml",
        *EXAMPLE_VARIANT.rstrip("\n").split("\n"),
        "```",
        "",
        "Check it with `healthsim check my_variant.toml`, run it with "
        "`healthsim run my_variant.toml --seed 7`.",
        "",
    ]


def _shipped_section() -> list[str]:
    names = list(shipped_scenarios())
    out = [
        "## Shipped scenarios",
        "",
        "Installed with the package: use them by name from any folder (`healthsim run "
        'blame_focused`, `extends = "board_supported"`); `healthsim scenarios` lists '
        "them. Each changes what it extends as listed below (values fully resolved, "
        "labels left out; `baseline` is compared with the defaults of this reference).",
        "",
        "| Scenario | Extends | Description |",
        "|---|---|---|",
    ]
    for name in names:
        sc = load_scenario(name)
        parent = parent_of(name)
        out.append(
            f"| [`{name}`](#{_anchor(name)}) | {f'`{parent}`' if parent else '(defaults)'} "
            f"| {_cell(sc.description)} |"
        )
    out.append("")
    for name in names:
        parent = parent_of(name) or "the defaults"
        out += [f"### {name}", ""]
        diff = changes(name)
        if not diff:
            out += [f"No change of value from {parent}: the same scenario under its own name.", ""]
            continue
        out.append(f"Changes from {parent}:")
        out.append("")
        for c in diff:
            out.append(
                f"- `{c.path}`: {_format_change_value(c.path, c.before)} → "
                f"{_format_change_value(c.path, c.after)}"
            )
        out.append("")
    return out


def _sections() -> list[str]:
    tbls = tables()
    out = [
        "## Sections and keys",
        "",
        "Keys are given by their full dotted path; `[]` marks a key inside each entry of "
        "an array of tables. Sections: "
        + " · ".join(f"[{t.header}](#{_anchor(t.header)})" for t in tbls),
        "",
    ]
    for t in tbls:
        out += [f"### {t.header}", ""]
        if t.doc:
            out += [" ".join(t.doc.split()), ""]
        if t.array:
            out += [
                f"Write one `[[{t.path}]]` table per entry; default: none (`{t.path} = []`).",
                "",
            ]
        if not t.keys:
            continue
        groups: dict[str, list[Key]] = {}
        for k in t.keys:
            groups.setdefault(k.group, []).append(k)
        if len(groups) == 1:
            out += [*_key_table(t.keys), ""]
            continue
        for g, keys in groups.items():
            if g:
                out += [f"#### {t.path}: {g}", ""]
            out += [*_key_table(keys), ""]
    return out


def reference_markdown() -> str:
    """The text of ``docs/scenario-reference.md``."""
    lines = [*_intro(), *_shipped_section(), *_sections()]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def generated() -> dict[str, str]:
    """File name (inside the docs folder) -> text, for every generated document."""
    return {REFERENCE_FILE: reference_markdown(), SCHEMA_FILE: json_schema_text()}


def default_docs_dir() -> Path:
    """The project's ``docs`` folder when run from a checkout, else ``./docs``."""
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "src" / "healthsim").is_dir():
        return root / "docs"
    return Path.cwd() / "docs"


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8) through a temporary file, so a reader never
    sees half a file. Raises OSError."""
    path = Path(path)
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stale(folder: Path) -> list[str]:
    """Generated files in ``folder`` that are missing or differ from what would be
    generated now."""
    out = []
    for name, text in generated().items():
        p = Path(folder) / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write_docs(folder: Path) -> list[Path]:
    """Write the generated documents into ``folder``; returns the files that changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in generated().items():
        p = folder / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            write_text(p, text)
            changed.append(p)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m healthsim.config.docs",
        description=f"Generate docs/{REFERENCE_FILE} and docs/{SCHEMA_FILE} from the "
        "scenario schema.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the files differ from what would be generated",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        metavar="DIR",
        help="docs folder (default: the project's docs/ when run from a checkout)",
    )
    args = parser.parse_args(argv)
    folder = args.docs or default_docs_dir()
    if args.check:
        out_of_date = stale(folder)
        for name in out_of_date:
            print(f"{folder / name} is out of date: run `{REGENERATE}`", file=sys.stderr)
        return 1 if out_of_date else 0
    for p in write_docs(folder):
        print(f"wrote {p}")
    return 0


__all__ = [
    "EXAMPLE_VARIANT",
    "REFERENCE_FILE",
    "SCHEMA_FILE",
    "Change",
    "Key",
    "Table",
    "all_keys",
    "changes",
    "default_docs_dir",
    "generated",
    "json_schema",
    "json_schema_text",
    "main",
    "reference_markdown",
    "stale",
    "tables",
    "write_docs",
    "write_text",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
