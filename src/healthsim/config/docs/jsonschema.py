"""The scenario file's JSON Schema (docs/scenario.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from healthsim.config.docs.keys import _fallback_description
from healthsim.config.schema import Scenario, SqueezeYear

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
