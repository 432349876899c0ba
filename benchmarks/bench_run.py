"""Benchmark one run of the model (issue 2's timing targets). A script, not a test.

    .venv/bin/python benchmarks/bench_run.py [--repeats 30]

Times a full 10-year run (model construction, every month, the monthly metrics
recorded, and the tidy frames and per-run summary built) of the baseline economy and of
england.toml, on one core, and prints the median and best of several repeats. Targets:
baseline < 20 ms, england < 200 ms. Run it on a quiet machine: other processes on the
two cores inflate the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time

from healthsim.config import load_scenario
from healthsim.metrics.summary import monthly_frame, summarise
from healthsim.model import HealthEconomy

TARGETS_MS = {"baseline": 20.0, "england": 200.0}


def one_run(scenario, seed: int, with_frames: bool) -> float:
    t0 = time.perf_counter()
    model = HealthEconomy(scenario, rng=seed).run()
    if with_frames:
        monthly_frame(model)
        summarise(model)
    return (time.perf_counter() - t0) * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(
        f"{'scenario':10s} {'trusts':>6s} {'months':>6s} {'median ms':>10s} {'best ms':>8s}"
        f" {'metrics ms':>10s} {'target':>7s}  verdict"
    )
    for name, target in TARGETS_MS.items():
        sc = load_scenario(name)
        repeats = args.repeats if name == "baseline" else max(5, args.repeats // 3)
        for s in range(3):  # warm up
            one_run(sc, 1000 + s, True)
        times = [one_run(sc, s, False) for s in range(repeats)]
        full = [one_run(sc, s, True) for s in range(repeats)]
        n = HealthEconomy(sc, rng=0).s.n
        med = statistics.median(full)
        verdict = "ok" if med < target else "SLOW"
        print(
            f"{name:10s} {n:6d} {sc.months:6d} {med:10.1f} {min(full):8.1f}"
            f" {med - statistics.median(times):10.1f} {target:7.0f}  {verdict}"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
