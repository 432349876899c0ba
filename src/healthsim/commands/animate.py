"""``healthsim animate``: an animated GIF (and MP4) of a run, and a poster PNG."""

from __future__ import annotations

import argparse
import sys

from healthsim.commands._common import DEFAULT_SEED, UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "animate",
        help="write an animated GIF (and MP4) of a run, for rooms without the app",
        description="Run a scenario and write an animated GIF of the network and key "
        "charts month by month, a poster PNG of the final month beside it, and an MP4 "
        "when ffmpeg is installed.",
    )
    p.add_argument("scenario", help="scenario file or shipped scenario name")
    p.add_argument("--out", required=True, help="GIF to write, e.g. blame.gif")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    p.add_argument("--years", type=int, default=None, help="run length in years")
    p.add_argument("--fps", type=float, default=6.0, help="months shown a second (default 6)")
    p.add_argument(
        "--colour",
        choices=("rung", "rating"),
        default="rung",
        help="colour trusts by ladder rung (default) or latest rating",
    )
    p.add_argument("--no-mp4", action="store_true", help="do not write an MP4")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario, with_overrides

    if not args.out.lower().endswith(".gif"):
        raise UsageError(f"--out must name a .gif file (got {args.out})")
    if args.seed < 0:
        raise UsageError("--seed must be a non-negative integer")
    if not 0 < args.fps <= 50:
        raise UsageError("--fps must be between 0 and 50")
    scenario = load_scenario(args.scenario)
    if args.years is not None:
        scenario = with_overrides(scenario, {"years": args.years})

    from healthsim.reports.animate import animate

    tty = sys.stderr.isatty()
    shown = [-1]

    def progress(month: int, months: int) -> None:
        if tty:
            print(f"\rmonth {month}/{months}", end="", file=sys.stderr, flush=True)
            return
        # off a terminal (a log, a notebook, CI): a line at each tenth, not a \r line
        tenth = month * 10 // max(months, 1)
        if tenth > shown[0]:
            shown[0] = tenth
            print(f"healthsim animate: month {month} of {months}", file=sys.stderr, flush=True)

    files = animate(
        scenario,
        args.out,
        seed=args.seed,
        fps=args.fps,
        colour_by=args.colour,
        mp4=not args.no_mp4,
        progress=progress,
    )
    if tty:
        print(file=sys.stderr)
    if files.mp4 is None and not args.no_mp4:
        print(
            "healthsim animate: no MP4 written: ffmpeg is not installed (install it, e.g. "
            "apt install ffmpeg, or pass --no-mp4 to skip it quietly)",
            file=sys.stderr,
        )
    for path in (files.gif, files.mp4, files.poster):
        if path is not None:
            print(f"wrote {path}")
    return 0
