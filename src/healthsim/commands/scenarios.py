"""``healthsim scenarios``: list the shipped scenarios."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scenarios",
        help="list the shipped scenarios",
        description="List the scenarios shipped with healthsim, with a line on each. "
        "Run one by name from any folder: healthsim run NAME.",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario, shipped_scenarios

    shipped = shipped_scenarios()
    width = max((len(name) for name in shipped), default=0)
    for name in shipped:
        print(f"{name:<{width}}  {load_scenario(name).description}")
    folder = next(iter(shipped.values())).parent if shipped else "the package"
    print(
        "\nRun one from any folder with 'healthsim run NAME'. To make a variant, write a file\n"
        'that starts with extends = "NAME" and changes only what differs (see README.md).\n'
        f"The shipped files are in {folder}"
    )
    return 0
