"""``healthsim check``: validate scenario files without running anything."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="validate scenario files; run nothing",
        description="Validate scenario files (and the files they extend and the network "
        "files they name) without running anything. Prints 'ok' for each good file and "
        "stops with exit status 2 at the first bad one, naming the file and the key.",
    )
    p.add_argument("scenarios", nargs="+", metavar="FILE", help="scenario files or shipped names")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario

    for ref in args.scenarios:
        sc = load_scenario(ref)
        trusts = f", {len(sc.economy.trusts)} trusts" if sc.economy.trusts else ""
        print(
            f"{ref}: ok (scenario '{sc.name}', {sc.years} years{trusts}, "
            f"regime '{sc.regime.name}', squeeze '{sc.squeeze.name}')"
        )
    return 0
