"""``healthsim schema [scenario|comparison|analysis]``: print or write the JSON Schema of
scenario, comparison or analysis files (for editors)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthsim.commands._common import UsageError

#: The kinds of file with a JSON Schema, the first the default.
KINDS = ("scenario", "comparison", "analysis")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print or write the JSON Schema of scenario, comparison or analysis files",
        description="Print the JSON Schema of scenario files (or of comparison or "
        "analysis files), or write it to a file, so an editor (e.g. VS Code with Even "
        "Better TOML, through a '#:schema PATH' first line) can check and complete "
        "them. --reference gives the Markdown scenario-file reference instead.",
    )
    p.add_argument(
        "kind",
        nargs="?",
        choices=KINDS,
        default=KINDS[0],
        help="which files: scenario (default), comparison or analysis",
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
    from healthsim.config import docs

    if args.reference and args.kind != "scenario":
        raise UsageError(
            f"--reference: there is a reference of scenario files only; for {args.kind} "
            "files see the JSON Schema (healthsim schema "
            f"{args.kind}){' or docs/sensitivity.md' if args.kind == 'analysis' else ''}"
        )
    name, text = {
        "scenario": (docs.SCHEMA_FILE, docs.json_schema_text),
        "comparison": (docs.COMPARISON_SCHEMA_FILE, docs.comparison_json_schema_text),
        "analysis": (docs.ANALYSIS_SCHEMA_FILE, docs.analysis_json_schema_text),
    }[args.kind]
    if args.reference:
        name, text = docs.REFERENCE_FILE, docs.reference_markdown
    if args.out is None:
        sys.stdout.write(text())
        return 0
    path = Path(args.out)
    if path.is_dir():
        path = path / name
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: no folder {path.parent}")
    try:
        docs.write_text(path, text())
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}")
    return 0
