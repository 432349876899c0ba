"""Benchmark a 10-year run of England built from NHS data (issue 7). A script, not a test.

    .venv/bin/python benchmarks/bench_england_real.py [--data DIR] [--repeats 15]

Builds ``england_real.toml`` (all 42 ICBs, as ``healthsim economy build --all`` does) from
the reference data in DIR (default: $HEALTHSIM_NHS_DATA, else ../shared/data beside the
checkout) into a temporary folder, then times full 10-year runs on one core: model
construction, every month, the monthly metrics, and the tidy frames and per-run summary
(``healthsim.run``), excluding Python start-up and imports. The target is the one the
first release set for the shipped england.toml: under 200 ms. The shipped england.toml
is timed alongside for comparison. Wall times need a quiet machine (other processes on
the cores inflate them; the load average is printed at the end); the verdict uses the
median CPU time of the process, which a busy machine inflates much less.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 200.0
REPO = Path(__file__).resolve().parents[1]


def data_dir(given: str | None) -> Path:
    folder = Path(given or os.environ.get("HEALTHSIM_NHS_DATA") or REPO.parent / "shared/data")
    if not (folder / "england_trusts.csv").is_file():
        sys.exit(f"no england_trusts.csv in {folder}: give --data DIR or set HEALTHSIM_NHS_DATA")
    return folder


def build_england_real(folder: Path, out: Path) -> None:
    from healthsim.cli import main

    args = ["economy", "build", "--all", "--out", str(out)]
    args += ["--trusts", str(folder / "england_trusts.csv")]
    args += ["--icbs", str(folder / "england_icbs.csv")]
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    if code != 0:
        sys.exit(f"healthsim economy build failed (exit {code})")


def time_runs(scenario, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per seed: wall time and CPU time of full runs (with frames), and wall
    time of the model alone. CPU time leaves out the time other processes hold the core,
    so on a busy machine it is the better estimate of a run on a quiet one."""
    from healthsim import run
    from healthsim.model import HealthEconomy

    for s in range(2):  # warm up
        run(scenario, seed=1000 + s, keep_model=False)
    out: dict[str, list[float]] = {"wall": [], "cpu": [], "model": []}
    for s in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run(scenario, seed=s, keep_model=False)
        out["wall"].append((time.perf_counter() - t0) * 1000)
        out["cpu"].append((time.process_time() - c0) * 1000)
        t0 = time.perf_counter()
        HealthEconomy(scenario, rng=s).run()
        out["model"].append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="folder with england_trusts.csv and england_icbs.csv")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from healthsim import load_scenario

    folder = data_dir(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "england_real.toml"
        t0 = time.perf_counter()
        build_england_real(folder, path)
        build_ms = (time.perf_counter() - t0) * 1000
        real = load_scenario(path)
    print(f"built england_real.toml in {build_ms:.0f} ms (read, map, write, load-check)")
    print(
        f"{'scenario':14s} {'trusts':>6s} {'econ':>4s} {'years':>5s} {'median ms':>9s}"
        f" {'best ms':>8s} {'cpu ms':>7s} {'model ms':>8s} {'target':>6s}  verdict (cpu ms)"
    )
    from healthsim.model import HealthEconomy

    for name, sc in (("england_real", real), ("england", load_scenario("england"))):
        t = time_runs(sc, args.repeats)
        m = HealthEconomy(sc, rng=0)
        cpu = statistics.median(t["cpu"])
        verdict = "ok" if cpu < TARGET_MS else "SLOW"
        print(
            f"{name:14s} {m.s.n:6d} {m.structure.n_economies:4d} {sc.years:5d}"
            f" {statistics.median(t['wall']):9.1f} {min(t['wall']):8.1f} {cpu:7.1f}"
            f" {statistics.median(t['model']):8.1f} {TARGET_MS:6.0f}  {verdict}"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
