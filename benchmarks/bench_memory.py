"""Peak memory of a comparison against the number of replicates (issue 15 §6). A script,
not a test.

    .venv/bin/python benchmarks/bench_memory.py [--reps 100,300,1000] [--workers 1,2]

Runs ``healthsim compare regimes_under_squeeze --reps N --workers W --years 10`` in a
fresh process for each N and W, into a temporary folder, and prints the process's peak
resident memory (the largest of the parent and its workers, from getrusage), so memory
that grows with the ensemble shows as a slope in MB per replicate. Memory should be flat
in N on every executor: what grows is only the result table (a few kB a run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys
from healthsim.cli import main
code = main(sys.argv[1:])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "self_mb": own / 1024, "children_mb": kids / 1024}))
"""


def peak(reps: int, workers: int, comparison: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [comparison, "--reps", str(reps), "--workers", str(workers)]
        args += ["--out", str(Path(tmp) / "out"), "--quiet"]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, "compare", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", default="100,300,1000")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--comparison", default="regimes_under_squeeze")
    a = ap.parse_args()
    reps = [int(x) for x in a.reps.split(",")]
    print(f"{'workers':>7} {'reps':>6} {'runs':>6} {'peak MB':>8} (parent / workers)")
    for w in (int(x) for x in a.workers.split(",")):
        rows = []
        for n in reps:
            r = peak(n, w, a.comparison)
            mb = max(r["self_mb"], r["children_mb"])
            rows.append((n, mb))
            print(
                f"{w:>7} {n:>6} {4 * n:>6} {mb:>8.0f} ({r['self_mb']:.0f} / {r['children_mb']:.0f})"
            )
        (n0, m0), (n1, m1) = rows[0], rows[-1]
        if n1 > n0:
            print(f"{'':>7} slope: {(m1 - m0) / (n1 - n0) * 1024:.0f} kB per replicate")


if __name__ == "__main__":
    main()
