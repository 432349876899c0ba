"""``healthsim schema``: print or write the scenario files' JSON Schema (for editors)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthsim.commands._common import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print or write the JSON Schema of scenario files (for editors)",
        description="Print the JSON Schema of scenario files, or write it to a file, so "
        "an editor (e.g. VS Code with Even Better TOML, through a '#:schema PATH' first "
        "line) can check and complete scenario files. --reference gives the Markdown "
        "scenario-file reference instead.",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        default=None,
        help="write to this file (or into this folder) instead of printing",
    )
    p.add_argument(
        "--reference",
        action="store_true",
        help="the Markdown scenario-file reference instead of the JSON Schema",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.config.docs import (
        REFERENCE_FILE,
        SCHEMA_FILE,
        json_schema_text,
        reference_markdown,
        write_text,
    )

    text = reference_markdown() if args.reference else json_schema_text()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    path = Path(args.out)
    if path.is_dir():
        path = path / (REFERENCE_FILE if args.reference else SCHEMA_FILE)
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: no folder {path.parent}")
    try:
        write_text(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}")
    return 0
