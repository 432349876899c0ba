"""Benchmark sensitivity analyses end to end (issue 5's timing targets). A script, not a test.

    .venv/bin/python benchmarks/bench_sensitivity.py                # both
    .venv/bin/python benchmarks/bench_sensitivity.py --only morris  # one
    .venv/bin/python benchmarks/bench_sensitivity.py --dask local   # on a Dask LocalCluster

1. Morris over 20 parameters (the shipped ``harm_drivers`` parameters, ungrouped), 20
   trajectories, 5 replicates a point, on the baseline: 420 points, 2,100 runs.
   Target: under 3 minutes on a 2-core machine.
2. Sobol over 8 parameters (``blame_vs_support``'s), base sample 512 with second-order
   indices, 2 replicates a point, on the baseline: 9,216 points, 18,432 runs.
   Target: under 10 minutes.

Each is timed as a user runs it: SALib's sample, every run through the executor with
the result store on disk (as ``--out`` keeps it), aggregation, SALib's analysis, and the
report (figures, CSVs, HTML). The load average is printed before and after: other
processes on the two cores slow every figure down, so note it with the result. Because
the machine is shared, the script also measures the CPU time of one run (in this
process, over a sample of the design's own points) and gives the time a quiet machine
would take: runs x CPU per run / cores, plus the measured time outside the runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from healthsim.experiments.executors import cpu_count, make_executor
from healthsim.reports import write_sensitivity
from healthsim.sensitivity import load_analysis, sensitivity_analysis

TARGETS = {"morris": 180.0, "sobol": 600.0}


def morris_analysis():
    base = load_analysis("harm_drivers")
    params = {
        p.key: (
            {"levels": list(p.levels)}
            if p.kind == "categorical"
            else {"low": int(p.low), "high": int(p.high)}
            if p.kind == "integer"
            else {"low": p.low, "high": p.high}
        )
        for p in base.space.parameters
    }
    return dict(
        name="bench_morris_20",
        scenario="baseline",
        parameters=params,
        outputs=list(base.outputs),
        method={"name": "morris", "n": 20, "levels": 4},
        replicates=5,
        seed=2013,
    )


def sobol_analysis():
    base = load_analysis("blame_vs_support")
    params = {p.key: {"low": p.low, "high": p.high} for p in base.space.parameters}
    return dict(
        name="bench_sobol_8",
        scenario="baseline",
        parameters=params,
        outputs=list(base.outputs),
        method={"name": "sobol", "n": 512, "second_order": True},
        replicates=2,
        seed=2013,
    )


def cpu_per_run(spec: dict, samples: int = 24) -> float:
    """CPU seconds of one run of the design's scenario at some of its own points."""
    from healthsim.experiments.tasks import ScenarioJob, Task, replicate_seed
    from healthsim.sensitivity.api import as_analysis
    from healthsim.sensitivity.runner import Design, draw

    a = as_analysis(**spec)
    design = Design(a.space, a.settings, a.outputs, a.replicates, a.seed, a.scenario_names)
    _, sample = draw(design)
    rows = np.linspace(0, len(sample) - 1, samples).astype(int)
    over = a.space.overrides(sample[rows], 1)
    job = ScenarioJob(a.scenarios, series=())
    job.evaluate(Task(0, 0, 0, 1, over[0][0]))  # warm up
    t0 = time.process_time()
    for i, o in enumerate(over):
        job.evaluate(Task(i, 0, 0, replicate_seed(a.seed, i % a.replicates), o[0]))
    return (time.process_time() - t0) / samples


def load() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


def bench(kind: str, executor, workers: int | None) -> dict:
    spec = morris_analysis() if kind == "morris" else sobol_analysis()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / kind
        before = load()
        cpu0 = os.times()
        t0 = time.perf_counter()
        ex = make_executor(executor, workers=workers)
        with ex:
            result = sensitivity_analysis(**spec, executor=ex, out=out, progress=True, fresh=True)
            write_sensitivity(result, out)
        wall = time.perf_counter() - t0
        cpu1 = os.times()
        runs = result.execution.progress.total
        run_s = result.execution.seconds
        per_run = cpu_per_run(spec)
        cores = result.execution.where.split()[0]
        cores = int(cores) if cores.isdigit() else cpu_count()
        return {
            "cpu_per_run": per_run,
            "quiet_estimate": runs * per_run / cores + (wall - run_s),
            "kind": kind,
            "points": len(result.X),
            "runs": runs,
            "failed": result.execution.progress.failed,
            "wall": wall,
            "runs_s": run_s,
            "throughput": runs / run_s,
            "where": result.execution.where,
            "load_before": before,
            "load_after": load(),
            "parent_cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
            "children_cpu": (cpu1.children_user - cpu0.children_user)
            + (cpu1.children_system - cpu0.children_system),
            "top": ", ".join(result.drivers(result.design.outputs[0], k=3)),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("morris", "sobol"))
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--dask", default=None, help="'local' or a scheduler address")
    args = ap.parse_args()
    executor = args.dask
    print(f"cores available: {cpu_count()}; executor: {executor or 'local processes'}")
    kinds = [args.only] if args.only else ["morris", "sobol"]
    for kind in kinds:
        r = bench(kind, executor, args.workers)
        target = TARGETS[kind]
        verdict = "OK" if r["wall"] < target else "OVER TARGET"
        print(
            f"{kind}: {r['points']} points, {r['runs']} runs ({r['failed']} failed) on "
            f"{r['where']}\n"
            f"  total {r['wall']:.1f} s (target < {target:.0f} s: {verdict}); runs "
            f"{r['runs_s']:.1f} s = {r['throughput']:.1f} runs/s; sample, analysis and "
            f"report {r['wall'] - r['runs_s']:.1f} s\n"
            f"  CPU: parent {r['parent_cpu']:.1f} s; load average before {r['load_before']}, "
            f"after {r['load_after']}\n"
            f"  CPU per run {r['cpu_per_run'] * 1000:.1f} ms: on a quiet machine about "
            f"{r['quiet_estimate']:.0f} s "
            f"({'OK' if r['quiet_estimate'] < target else 'OVER TARGET'})\n"
            f"  top drivers of harm: {r['top']}"
        )


if __name__ == "__main__":
    main()
