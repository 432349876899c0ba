"""``healthsim check``: validate scenario files without running anything."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate scenario files; run nothing")
    p.add_argument("scenarios", nargs="+", help="scenario files or shipped names")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim import load_scenario

    for ref in args.scenarios:
        sc = load_scenario(ref)
        print(f"{ref}: ok ({sc.name})")
    return 0
