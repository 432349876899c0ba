"""``healthsim scenarios``: list the shipped scenarios."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list the shipped scenarios")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario, shipped_scenarios

    for name in shipped_scenarios():
        print(f"{name:18s} {load_scenario(name).description}")
    return 0
