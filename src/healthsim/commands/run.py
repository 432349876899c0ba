"""``healthsim run``: run one scenario and write its outputs."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario and write its results")
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file or shipped scenario name (default: baseline)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--years", type=int, default=None, help="run length in years")
    p.add_argument("--out", default=None, help="output folder (default results/<name>-<seed>)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim import load_scenario, run

    result = run(load_scenario(args.scenario), seed=args.seed, years=args.years)
    print(f"{result.scenario.name}: harm {result.summary['harm_total']:.0f}")
    return 0
