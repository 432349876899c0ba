"""Every mechanism's effect is caught by a test: a mutation check.

For each parameter a mechanism declares with a ``neutral`` value (the value that
switches its effect off: ``param(..., neutral=0.0)`` in ``src/healthsim/model/
mechanisms/``), run the mechanism tests (``tests/mechanisms``) with that parameter
forced to its neutral value in every scenario the tests load (after their own
overrides: ``tests/conftest.py`` reads ``HEALTHSIM_MUTANT``), and check that at least
one test fails. The mechanism's own test file runs first; the rest only if it catches
nothing. Prints a table and exits 1 if any effect goes uncaught (2 if the tests fail
with no mutation at all).

    .venv/bin/python tools/mutation_check.py               # every parameter, all cores
    .venv/bin/python tools/mutation_check.py --jobs 1 behaviour.fear_toxicity
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "mechanisms"
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "--no-header", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Mutant:
    key: str  # dotted scenario key
    neutral: object
    module: str  # the mechanism module that declares it


@dataclass
class Outcome:
    mutant: Mutant
    caught_by: str | None
    seconds: float
    error: str = ""


def mutants() -> list[Mutant]:
    """Every parameter of the mechanisms with a declared neutral value."""
    from healthsim.model import mechanisms
    from healthsim.model.parameters import meta

    out = []
    for m in mechanisms.MECHANISMS:
        name = m.__name__.rsplit(".", 1)[-1]
        sections = [("behaviour.", m.PARAMS), ("initial.", m.INITIAL)]
        sections += [(f"regime.{k}.", s) for k, s in m.LEVERS.items()]
        for prefix, section in sections:
            if section is None:
                continue
            for field in section.__annotations__:
                info = meta(section.model_fields[field])
                if info is not None and info.neutral is not None:
                    out.append(Mutant(prefix + field, info.neutral, name))
    return out


def _pytest(paths: list[str], mutant: Mutant | None) -> tuple[int, str]:
    env = dict(os.environ)
    if mutant is not None:
        env["HEALTHSIM_MUTANT"] = f"{mutant.key}={mutant.neutral!r}"
    done = subprocess.run(
        [*PYTEST, *paths], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout + done.stderr


def _first_failure(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return found.group(1) if found else "(a failure)"


def check(mutant: Mutant) -> Outcome:
    t0 = time.perf_counter()
    own = TESTS / f"test_{mutant.module}.py"
    stages = [[str(own)]] if own.is_file() else []
    stages.append([str(TESTS)])
    for paths in stages:
        code, output = _pytest(paths, mutant)
        if code == 1:
            return Outcome(mutant, _first_failure(output), time.perf_counter() - t0)
        if code not in (0, 5):
            return Outcome(mutant, None, time.perf_counter() - t0, output[-2000:])
    return Outcome(mutant, None, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("keys", nargs="*", help="only these parameters (dotted keys)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    todo = [m for m in mutants() if not args.keys or m.key in args.keys]
    if not todo:
        print("no such parameter with a neutral value", file=sys.stderr)
        return 2
    code, output = _pytest([str(TESTS)], None)
    if code != 0:
        print("the mechanism tests fail without any mutation:\n" + output[-3000:])
        return 2
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(check, todo))
    width = max(len(o.mutant.key) for o in outcomes)
    print(f"{'parameter':{width}s}  {'neutral':>7s}  {'seconds':>7s}  caught by")
    for o in outcomes:
        verdict = o.caught_by or ("ERROR" if o.error else "NOT CAUGHT")
        print(f"{o.mutant.key:{width}s}  {o.mutant.neutral!s:>7s}  {o.seconds:7.1f}  {verdict}")
    missed = [o for o in outcomes if o.caught_by is None]
    for o in missed:
        if o.error:
            print(f"\n{o.mutant.key}: the tests could not run:\n{o.error}")
    print(
        f"\n{len(outcomes) - len(missed)} of {len(outcomes)} effects caught "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
