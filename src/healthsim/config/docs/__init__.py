"""Generate the scenario-file reference and its JSON Schema from the pydantic schema.

``python -m healthsim.config.docs`` writes ``docs/scenario-reference.md``, the JSON
Schemas ``docs/scenario.schema.json``, ``docs/comparison.schema.json`` and
``docs/analysis.schema.json``, and the submodels of ``docs/ODD.md`` (§7, from the
mechanism modules' docstrings); ``python -m healthsim.config.docs --check`` writes
nothing and exits 1 when the files on disk differ from what would be generated (for CI
and the test suite). Everything comes from :mod:`healthsim.config.schema` (types,
defaults, bounds, descriptions with their sources, section docstrings) and from the
shipped scenarios (and :mod:`healthsim.config.files` for comparison and analysis files),
so the reference cannot drift from the code. ``healthsim schema [scenario|comparison|
analysis]`` gives users of an installed package the same JSON Schemas.

The functions here build text; :func:`write_docs` is the only one that touches the file
system (through :func:`healthsim.atomic.write_text`, so a reader never sees half a file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from healthsim.atomic import write_text
from healthsim.config.docs.jsonschema import (
    ANALYSIS_SCHEMA_FILE,
    COMPARISON_SCHEMA_FILE,
    JSON_SCHEMA_DIALECT,
    REFERENCE_FILE,
    REGENERATE,
    SCHEMA_FILE,
    analysis_json_schema,
    analysis_json_schema_text,
    comparison_json_schema,
    comparison_json_schema_text,
    json_schema,
    json_schema_text,
)
from healthsim.config.docs.keys import Key, Table, all_keys, tables
from healthsim.config.docs.odd import ODD_FILE, odd_markdown
from healthsim.config.docs.reference import EXAMPLE_VARIANT, Change, changes, reference_markdown

# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def generated(folder: Path | None = None) -> dict[str, str]:
    """File name (inside the docs folder) -> text, for every generated document: the
    reference and the JSON Schemas (scenario, comparison and analysis files) whole, and
    ODD.md (as found in ``folder``) with its submodels section regenerated."""
    out = {
        REFERENCE_FILE: reference_markdown(),
        SCHEMA_FILE: json_schema_text(),
        COMPARISON_SCHEMA_FILE: comparison_json_schema_text(),
        ANALYSIS_SCHEMA_FILE: analysis_json_schema_text(),
    }
    odd = Path(folder or default_docs_dir()) / ODD_FILE
    if odd.is_file():
        out[ODD_FILE] = odd_markdown(odd.read_text(encoding="utf-8"))
    return out


def default_docs_dir() -> Path:
    """The project's ``docs`` folder when run from a checkout, else ``./docs``."""
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "src" / "healthsim").is_dir():
        return root / "docs"
    return Path.cwd() / "docs"


def stale(folder: Path) -> list[str]:
    """Generated files in ``folder`` that are missing or differ from what would be
    generated now."""
    out = []
    for name, text in generated(folder).items():
        p = Path(folder) / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write_docs(folder: Path) -> list[Path]:
    """Write the generated documents into ``folder``; returns the files that changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in generated(folder).items():
        p = folder / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            write_text(p, text)
            changed.append(p)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m healthsim.config.docs",
        description=f"Generate docs/{REFERENCE_FILE} and docs/{SCHEMA_FILE} from the "
        f"scenario schema, docs/{COMPARISON_SCHEMA_FILE} and docs/{ANALYSIS_SCHEMA_FILE} "
        f"from the comparison and analysis files' declarations, and the submodels of "
        f"docs/{ODD_FILE} from the mechanisms.",
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
    "ANALYSIS_SCHEMA_FILE",
    "COMPARISON_SCHEMA_FILE",
    "EXAMPLE_VARIANT",
    "JSON_SCHEMA_DIALECT",
    "ODD_FILE",
    "REFERENCE_FILE",
    "SCHEMA_FILE",
    "Change",
    "Key",
    "Table",
    "all_keys",
    "analysis_json_schema",
    "analysis_json_schema_text",
    "changes",
    "comparison_json_schema",
    "comparison_json_schema_text",
    "default_docs_dir",
    "generated",
    "json_schema",
    "json_schema_text",
    "main",
    "odd_markdown",
    "reference_markdown",
    "stale",
    "tables",
    "write_docs",
    "write_text",
]
