"""Peak memory does not grow with the ensemble on the serial path (issue 15 §6)."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys
from healthsim.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def peak_mb(tmp_path, reps: int) -> float:
    out = tmp_path / f"r{reps}"
    args = ["compare", "regimes_under_squeeze", "--reps", str(reps), "--workers", "1"]
    args += ["--years", "5", "--out", str(out), "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["code"] == 0
    return float(got["mb"])


def test_serial_peak_memory_is_flat_in_the_replicates(tmp_path):
    """Six times the replicates, about the same peak: freezing the heap around each run
    used to keep each run's garbage (about 2 MB a replicate, 200 MB over these 100)."""
    small, large = peak_mb(tmp_path, 20), peak_mb(tmp_path, 120)
    assert large - small < 60, f"peak {small:.0f} MB at 20 replicates, {large:.0f} MB at 120"
