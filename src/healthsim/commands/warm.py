"""``healthsim warm``: compile the model once, so that later commands start at once."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "warm",
        help="compile the model now (install.sh does), so later commands start at once",
        description="Compile the model's monthly arithmetic (numba) and cache it, so "
        "that the first simulation does not spend about 20 s compiling. install.sh runs "
        "it; run it again in the environment cluster jobs use (docs/clusters.md).",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.experiments.warm import announce_compiling, cache_folder, warm

    announce_compiling()
    seconds = warm()
    print(f"compiled model ready in {seconds:.1f} s (cached in {cache_folder()})")
    return 0
