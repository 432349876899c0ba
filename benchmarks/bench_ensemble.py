"""Ensemble benchmark: healthsim's executors against mesa.batch_run, side by side.

Measures, on the baseline economy (10 years, 120 months, every monthly metric kept):

1. throughput of healthsim's ensemble in runs per second per core, serially and on a
   local process pool of every core;
2. parallel efficiency on all cores: T(1 worker) / (N x T(N workers));
3. the same runs through ``mesa.batch_run(HealthEconomy, parameters={"scenario": [...]},
   rng=[...], max_steps=120, number_processes=<all cores>, data_collection_period=1)``,
   the peer to beat, and healthsim's speed-up over it;
4. the wall time of ``healthsim compare regimes_under_squeeze`` (four scenarios, with
   ``no_regime``) at each ``--cli-reps``, report included, across the calibration
   posterior (each future its own parameter set, and the reruns that split luck from
   parameters: the default) and, interleaved round by round, with today's fixed
   defaults (``--parameters defaults``).

Each ensemble size gets its own table; serial, process-pool and batch_run measurements
are interleaved round by round.

Every measurement runs in a fresh Python process and its clock starts before any worker
exists, so start-up costs (starting pools, importing healthsim in workers) count. Each is
repeated; the table shows the median with the range. Timings on a shared machine are
noisy: the load average is printed with every measurement.

    .venv/bin/python benchmarks/bench_ensemble.py               # 300 and 1000 runs, and the CLI
    .venv/bin/python benchmarks/bench_ensemble.py --runs 1000 --repeat 1 --no-cli

Fixed costs weigh on small ensembles: loading the compiled kernels takes about 0.15 s in
any process (numba), once, before the first run; that is the serial part of a parallel
run, so parallel efficiency rises with the ensemble's size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


# --------------------------------------------------------------------------------------
# one measurement, in a child process
# --------------------------------------------------------------------------------------


def _seeds(n: int) -> list[int]:
    from healthsim.experiments.tasks import replicate_seed

    return [replicate_seed(2013, r) for r in range(n)]


def measure_healthsim(runs: int, workers: int) -> dict:
    from healthsim.config import load_scenario
    from healthsim.experiments.executors import ProcessExecutor, SerialExecutor
    from healthsim.experiments.tasks import ScenarioJob, Task
    from healthsim.model.history import MONTHLY

    job = ScenarioJob([load_scenario("baseline")], series=tuple(MONTHLY))
    tasks = [Task(0, 0, r, s) for r, s in enumerate(_seeds(runs))]
    t0 = time.perf_counter()
    ex = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    with ex:
        records = [r for batch in ex.imap(job, tasks) for r in batch]
    seconds = time.perf_counter() - t0
    assert len(records) == runs and all(r.ok for r in records)
    months = {r.series.shape[1] for r in records}
    metrics = {r.series.shape[0] for r in records}
    return {"seconds": seconds, "months": sorted(months), "monthly_metrics": sorted(metrics)}


def measure_batch_run(runs: int, workers: int) -> dict:
    from mesa import batch_run

    from healthsim import HealthEconomy
    from healthsim.config import load_scenario
    from healthsim.model.history import MONTHLY

    scenario = load_scenario("baseline")
    seeds = _seeds(runs)
    t0 = time.perf_counter()
    rows = batch_run(
        HealthEconomy,
        parameters={"scenario": [scenario]},
        rng=seeds,
        max_steps=120,
        number_processes=workers,
        data_collection_period=1,
        display_progress=False,
    )
    seconds = time.perf_counter() - t0
    steps = {r["Step"] for r in rows}
    # a row a trust and step (the trusts are Mesa agents), step 0 the start
    metrics = len([k for k in rows[0] if k in MONTHLY])
    assert len({(r["RunId"], r["Step"]) for r in rows}) == runs * 121, len(rows)
    return {"seconds": seconds, "months": [len(steps)], "monthly_metrics": [metrics]}


def measure_cli(reps: int, parameters: str = "posterior") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [
            sys.executable,
            "-m",
            "healthsim",
            "compare",
            "regimes_under_squeeze",
            "--reps",
            str(reps),
            "--parameters",
            parameters,
            "--out",
            str(out),
            "--quiet",
        ]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        assert (out / "report.html").is_file()
    return {"seconds": seconds}


def child(args: argparse.Namespace) -> None:
    kind, runs, workers = args.child
    runs, workers = int(runs), int(workers)
    if kind == "healthsim":
        res = measure_healthsim(runs, workers)
    elif kind == "batch_run":
        res = measure_batch_run(runs, workers)
    else:  # cli-posterior, cli-defaults
        res = measure_cli(runs, kind.removeprefix("cli-"))
    print(json.dumps(res))


# --------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------


def run_child(kind: str, runs: int, workers: int) -> dict:
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(runs), str(workers)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["load"] = load
    return res


def summarise_times(results: list[dict]) -> dict:
    secs = [r["seconds"] for r in results]
    return {
        "median": statistics.median(secs),
        "min": min(secs),
        "max": max(secs),
        "loads": [r["load"] for r in results],
        "extra": results[0],
    }


def repeat(kind: str, runs: int, workers: int, n: int) -> dict:
    return summarise_times([run_child(kind, runs, workers) for _ in range(n)])


def fmt(r: dict) -> str:
    if r["min"] == r["max"]:
        return f"{r['median']:7.2f} s"
    return f"{r['median']:7.2f} s ({r['min']:.2f}-{r['max']:.2f})"


def ensemble_table(n: int, w: int, k: int) -> dict:
    """Serial, local processes and mesa.batch_run on ``n`` runs, ``k`` rounds each; the
    three are interleaved round by round, so a change in the machine's load affects
    them alike."""
    rounds: dict[str, list[dict]] = {"serial": [], "pool": [], "peer": []}
    for _ in range(k):
        rounds["serial"].append(run_child("healthsim", n, 1))
        rounds["pool"].append(run_child("healthsim", n, w))
        rounds["peer"].append(run_child("batch_run", n, w))
    serial, pool, peer = (summarise_times(rounds[key]) for key in ("serial", "pool", "peer"))

    def per_core(r: dict, workers: int) -> float:
        return n / r["median"] / workers

    eff = serial["median"] / (w * pool["median"])
    speedup = peer["median"] / pool["median"]
    print(f"{n} runs of the baseline economy, {k} round(s):")
    head = f"  {'ensemble':44s} {'wall time (median, range)':>28s} {'runs/s':>8s}"
    print(f"{head} {'runs/s/core':>12s}  load")
    for label, r, workers in (
        ("healthsim, serial (1 worker)", serial, 1),
        (f"healthsim, local processes ({w} workers)", pool, w),
        (f"mesa.batch_run ({w} processes)", peer, w),
    ):
        loads = "/".join(f"{x:.1f}" for x in r["loads"])
        rate = n / r["median"]
        print(f"  {label:44s} {fmt(r):>28s} {rate:8.1f} {per_core(r, workers):12.2f}  {loads}")
    ex, bx = pool["extra"], peer["extra"]
    print(
        f"  months per run: healthsim {ex['months']}, batch_run {bx['months']}; monthly "
        f"metrics: healthsim {ex['monthly_metrics']}, batch_run {bx['monthly_metrics']}"
    )
    ok_eff, ok_speed = eff >= 0.9, speedup >= 2
    print(
        f"  parallel efficiency on {w} workers, T(1)/({w} x T({w})): {eff:.2f}"
        f"   (target >= 0.9: {'met' if ok_eff else 'missed'})"
    )
    print(
        f"  healthsim throughput over mesa.batch_run: {speedup:.2f}x"
        f"   (target >= 2: {'met' if ok_speed else 'missed'})\n"
    )
    return {
        "runs": n,
        "workers": w,
        "serial_s": serial["median"],
        "processes_s": pool["median"],
        "batch_run_s": peer["median"],
        "efficiency": eff,
        "speedup_over_batch_run": speedup,
        "both_met": ok_eff and ok_speed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs",
        type=int,
        nargs="+",
        default=[300, 1000],
        help="ensemble sizes (runs of the baseline) to measure (default: 300 1000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each measurement")
    parser.add_argument("--workers", type=int, default=cores(), help="workers (default: all cores)")
    parser.add_argument("--no-cli", action="store_true", help="skip the compare command timings")
    parser.add_argument(
        "--cli-reps",
        type=int,
        nargs="+",
        default=[200, 500],
        help="--reps of the compare command timings (default: 200 500)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import mesa
    import numpy as np

    import healthsim

    w, k = args.workers, args.repeat
    print(
        f"healthsim {healthsim.__version__} · mesa {mesa.__version__} · numpy {np.__version__} "
        f"· Python {sys.version.split()[0]} · {cores()} cores"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("baseline economy, 120 months, every monthly metric kept\n")
    tables = [ensemble_table(n, w, k) for n in args.runs]

    cli = {}
    if not args.no_cli:
        for reps in args.cli_reps:
            rounds: dict[str, list[dict]] = {"posterior": [], "defaults": []}
            for _ in range(k):  # interleaved, so a change in load affects both alike
                for kind in rounds:
                    rounds[kind].append(run_child(f"cli-{kind}", reps, w))
            for kind, results in rounds.items():
                r = summarise_times(results)
                cli[f"{reps}-{kind}"] = r["median"]
                runs = 4 * reps + (4 * min(reps, max(20, reps // 10)) if kind == "posterior" else 0)
                target = "   (target < 60 s)" if reps == 500 and kind == "posterior" else ""
                print(
                    f"healthsim compare regimes_under_squeeze --reps {reps:<5d} --parameters "
                    f"{kind:9s} ({runs} runs, report included): {fmt(r)}  load "
                    f"{'/'.join(f'{x:.1f}' for x in r['loads'])}{target}"
                )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "healthsim": healthsim.__version__,
                    "mesa": mesa.__version__,
                    "cores": cores(),
                    "ensembles": tables,
                    "compare_seconds": cli,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
