"""The JSON Schemas of the files healthsim reads: scenario files
(docs/scenario.schema.json), comparison files (docs/comparison.schema.json) and analysis
files (docs/analysis.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from healthsim.config.docs.keys import _fallback_description
from healthsim.config.files import AnalysisDecl, ComparisonFile
from healthsim.config.schema import Scenario, SqueezeYear

#: File names of the generated documents, inside the docs folder.
REFERENCE_FILE = "scenario-reference.md"
SCHEMA_FILE = "scenario.schema.json"
COMPARISON_SCHEMA_FILE = "comparison.schema.json"
ANALYSIS_SCHEMA_FILE = "analysis.schema.json"
#: The JSON Schema dialect pydantic generates (its output also validates as draft 7,
#: which is what Taplo, the engine of VS Code's Even Better TOML, implements).
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: A stable identifier for the schema. A URN, not a web address: nothing is published
#: at a URL, and an editor must never try to fetch one.
SCHEMA_ID = "urn:healthsim:scenario-file"
SCHEMA_TITLE = "healthsim scenario file"
REGENERATE = "python -m healthsim.config.docs"


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
    return _text(json_schema())


def comparison_json_schema() -> dict[str, Any]:
    """The comparison file's JSON Schema (:class:`~healthsim.config.files.ComparisonFile`)."""
    raw = ComparisonFile.model_json_schema(mode="validation")
    return _headed(
        raw,
        "urn:healthsim:comparison-file",
        "healthsim comparison file",
        "A healthsim comparison file (TOML, comparisons/*.toml): the scenarios compared "
        "over the same simulated futures, the replicates, the master seed and the metrics "
        f"shown. Generated from healthsim.config.files by `{REGENERATE}`.",
    )


def analysis_json_schema() -> dict[str, Any]:
    """The analysis file's JSON Schema (:class:`~healthsim.config.files.AnalysisDecl`),
    with the shorthands the reader accepts as written (healthsim.sensitivity.spec's
    ``normalise``): a parameter given as ``"prior"``, ``[low, high]`` or a list of
    levels, parameters in nested tables (``[parameters.behaviour]``), ``method =
    "sobol"``, ``contrast = ["a", "b"]`` and ``outputs = "harm_total"``."""
    raw = AnalysisDecl.model_json_schema(mode="validation")
    defs = raw.setdefault("$defs", {})
    props = raw["properties"]
    for prop in props.values():
        if "$ref" in prop and isinstance(prop.get("default"), dict):
            del prop["default"]
    declaration = {
        "anyOf": [
            {"$ref": "#/$defs/ParameterDecl"},
            {"const": "prior", "description": "Sample it over its declared prior."},
            {
                "type": "array",
                "minItems": 2,
                "items": {"type": ["string", "boolean", "number"]},
                "description": "[low, high] (two numbers) or the levels of a choice.",
            },
            {"$ref": "#/$defs/ParameterTable"},
        ]
    }
    defs["ParameterTable"] = {
        "type": "object",
        "description": "Parameters under a key path prefix, e.g. [parameters.behaviour].",
        "additionalProperties": declaration,
    }
    props["parameters"]["additionalProperties"] = declaration
    method_names = defs["MethodDecl"]["properties"]["name"]
    props["method"] = {
        "description": props["method"].get("description", ""),
        "anyOf": [
            {"$ref": "#/$defs/MethodDecl"},
            {k: v for k, v in method_names.items() if k in ("enum", "type")},
        ],
    }
    contrast = props["contrast"]
    contrast["anyOf"].insert(
        1,
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 2,
            "maxItems": 2,
        },
    )
    outputs = props["outputs"]
    props["outputs"] = {
        "description": outputs.pop("description", ""),
        "default": outputs.pop("default"),
        "anyOf": [{k: v for k, v in outputs.items() if k != "title"}, {"type": "string"}],
    }
    return _headed(
        raw,
        "urn:healthsim:analysis-file",
        "healthsim analysis file",
        "A healthsim sensitivity analysis file (TOML, analyses/*.toml): the scenario or "
        "the contrast analysed, the parameters varied, the method, the outputs. Generated "
        f"from healthsim.config.files by `{REGENERATE}`; docs/sensitivity.md explains "
        "each key. Checks that depend on the scenarios (bounds within what the scenario "
        "allows, known outputs) are made by healthsim when it reads the file.",
    )


def comparison_json_schema_text() -> str:
    """The text of ``docs/comparison.schema.json``."""
    return _text(comparison_json_schema())


def analysis_json_schema_text() -> str:
    """The text of ``docs/analysis.schema.json``."""
    return _text(analysis_json_schema())


def _headed(raw: dict[str, Any], schema_id: str, title: str, description: str) -> dict:
    head = {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, "title": title}
    body = {k: v for k, v in raw.items() if k not in ("title", "description", "$defs")}
    out = {**head, "description": description, **body}
    if raw.get("$defs"):
        out["$defs"] = raw["$defs"]
    return out


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
