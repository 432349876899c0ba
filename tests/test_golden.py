"""Golden outputs of every shipped scenario: a change in any number is seen.

For each scenario in ``healthsim.config.shipped_scenarios()`` the test runs a fixed
seed (``SEED``) for a short run (the scenario's own length for one local economy,
``BIG_YEARS`` years for the region-sized and national ones) and compares a compact
fingerprint with ``tests/golden/<scenario>.json``: every per-run summary metric, a few
monthly series sampled at the end of each year, the size of the economy and the number
of events, all rounded to ``DIGITS`` significant figures.

When a change to the model, its defaults or a scenario is INTENDED, regenerate the
files deliberately and commit them with the change, saying why the numbers moved::

    HEALTHSIM_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

(regenerating reports each rewritten file as a skipped test; run the command again
without the variable to see them pass). Review ``git diff tests/golden/`` before
committing: it shows exactly which outputs moved.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from healthsim import run
from healthsim.config import load_scenario, shipped_scenarios

GOLDEN_DIR = Path(__file__).parent / "golden"
REGEN_VAR = "HEALTHSIM_REGEN_GOLDEN"
REGEN = os.environ.get(REGEN_VAR, "") not in ("", "0")
REGEN_COMMAND = f"{REGEN_VAR}=1 .venv/bin/python -m pytest tests/test_golden.py"
FORMAT = 1
SEED = 20130716  # the day special measures began for the Keogh trusts
BIG_YEARS = 3
BIG_TRUSTS = 12  # economies with more trusts than this run for BIG_YEARS only
DIGITS = 6
REL_TOL = 2e-5  # a wobble in the last (6th) figure is not a change; anything more is

#: Monthly series sampled at the end of each year of the run.
SAMPLED = (
    "quality_mean",
    "quality_p10",
    "harm",
    "harm_hidden",
    "in_special_measures",
    "truly_failing",
    "in_deficit",
    "surplus",
    "fear",
    "openness",
    "morale",
    "staffing",
    "occupancy",
    "delayed_discharge_beds",
    "capability",
    "regime_cost",
)


def rounded(x: Any) -> float | None:
    """``x`` to DIGITS significant figures; NaN as None (JSON has no NaN)."""
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        raise ValueError("golden outputs must be finite")
    return float(f"{x:.{DIGITS}g}")


def years_for(name: str) -> int:
    sc = load_scenario(shipped_scenarios()[name])
    eco = sc.economy
    trusts = len(eco.trusts) or eco.n_economies * eco.trusts_per_economy
    return sc.years if trusts <= BIG_TRUSTS else min(sc.years, BIG_YEARS)


def fingerprint(name: str) -> dict[str, Any]:
    years = years_for(name)
    r = run(shipped_scenarios()[name], seed=SEED, years=years)
    ts = r.timeseries
    ends = ts[ts["month"] % 12 == 0]
    return {
        "format": FORMAT,
        "scenario": name,
        "seed": SEED,
        "years": years,
        "trusts": int(r.model.s.n),
        "economies": int(r.model.structure.n_economies),
        "events": len(r.events),
        "summary": {k: rounded(v) for k, v in sorted(r.summary.items())},
        "yearly": {c: [rounded(v) for v in ends[c]] for c in SAMPLED},
    }


def differences(want: Any, got: Any, path: str = "") -> list[str]:
    """Where two fingerprints differ, one line per difference."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            where = f"{path}.{k}" if path else str(k)
            if k not in got:
                out.append(f"{where}: missing now (was {want[k]!r})")
            elif k not in want:
                out.append(f"{where}: new (now {got[k]!r})")
            else:
                out.extend(differences(want[k], got[k], where))
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} values before, {len(got)} now"]
        return [
            d
            for i, (a, b) in enumerate(zip(want, got, strict=True))
            for d in differences(a, b, f"{path}[{i}]")
        ]
    if isinstance(want, float) and isinstance(got, float):
        if math.isclose(want, got, rel_tol=REL_TOL, abs_tol=1e-12):
            return []
        return [f"{path}: {want!r} -> {got!r}"]
    return [] if want == got else [f"{path}: {want!r} -> {got!r}"]


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_golden_output(name):
    path = golden_path(name)
    got = fingerprint(name)
    if REGEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"golden file rewritten: tests/golden/{path.name}")
    assert path.is_file(), (
        f"no golden output for shipped scenario '{name}' ({path}). Create it with:\n"
        f"    {REGEN_COMMAND}"
    )
    want = json.loads(path.read_text(encoding="utf-8"))
    diff = differences(want, got)
    shown = "\n    ".join(diff[:25]) + ("\n    ..." if len(diff) > 25 else "")
    assert not diff, (
        f"scenario '{name}' (seed {SEED}, {got['years']} years) no longer reproduces its "
        f"golden output in {path.name}; {len(diff)} value(s) moved:\n    {shown}\n"
        "If the change is unintended, it is a regression: find what moved these numbers. "
        "If it is intended (a model change, a recalibration, a scenario edit), regenerate "
        "the golden files and commit them with the change, saying why they moved:\n"
        f"    {REGEN_COMMAND}\n"
        "then review `git diff tests/golden/`."
    )


def test_no_golden_file_without_a_shipped_scenario():
    stale = sorted(p.stem for p in GOLDEN_DIR.glob("*.json") if p.stem not in shipped_scenarios())
    assert not stale, (
        f"golden files for scenarios that are no longer shipped: {stale}. Delete them "
        f"(git rm tests/golden/<name>.json) or restore the scenarios."
    )


def test_fingerprint_catches_a_change():
    """The comparison is not vacuous: a last-digit move is ignored, a real one is not."""
    a = {"summary": {"harm_total": 1234.56, "x": None}, "yearly": {"fear": [0.1, 0.2]}}
    b = json.loads(json.dumps(a))
    b["summary"]["harm_total"] = 1234.57
    assert differences(a, b) == [], "a rounding wobble in the 6th figure is not a change"
    b["yearly"]["fear"][1] = 0.21
    b["summary"]["x"] = 1.0
    assert len(differences(a, b)) == 2, "a moved series value and a NaN that became a number"
