"""A job that evaluates a plain model function, for checking the sensitivity pipeline.

:class:`FunctionJob` runs any importable function ``f(params, seed) -> {output: value}``
through the same tasks, executors, store and analysis as the healthsim model, so the
plumbing (sampling, overrides, replicates, resume, aggregation, SALib) can be checked
against functions whose indices are known analytically, such as Ishigami's.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import time
from collections.abc import Callable, Mapping

import numpy as np

from healthsim.experiments.tasks import Record, Task, describe_error

ModelFunction = Callable[[Mapping[str, float], int], Mapping[str, float]]


class FunctionJob:
    """Evaluate ``func(params, seed)`` for each task (params from the task's overrides).

    Args:
        func: a module-level function (pickled by reference, so every worker imports
            it); it returns a mapping of output name to value.
        version: text that changes when the function's results would (part of the
            job's digest, so a store of another version is not resumed).
    """

    def __init__(self, func: ModelFunction, version: str = "1") -> None:
        self.func = func
        self.version = version
        name = f"{func.__module__}:{func.__qualname__}"
        self._digest = hashlib.sha256(f"{name}@{version}".encode()).hexdigest()[:16]

    @property
    def digest(self) -> str:
        return self._digest

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def evaluate(self, task: Task) -> Record:
        t0 = time.perf_counter()
        fields = (task.point, task.scenario, task.replicate, task.seed, task.overrides)
        try:
            values = {k: float(v) for k, v in self.func(dict(task.overrides), task.seed).items()}
            bad = [k for k, v in values.items() if math.isinf(v)]
            if bad:
                raise FloatingPointError(f"infinite output(s): {', '.join(bad)}")
        except Exception as exc:
            return Record(
                *fields,
                status="failed",
                error=describe_error(exc),
                seconds=time.perf_counter() - t0,
            )
        return Record(*fields, status="ok", values=values, seconds=time.perf_counter() - t0)


def function_by_name(path: str) -> ModelFunction:
    """``'package.module:function'`` -> the function."""
    module, _, name = path.partition(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


# --------------------------------------------------------------------------------------
# Test functions with known indices
# --------------------------------------------------------------------------------------

#: Ishigami's function constants (a, b), as in SALib and Saltelli et al. (2008).
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(params: Mapping[str, float], seed: int) -> dict[str, float]:
    """Ishigami: ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``[-pi, pi]^3`` (no noise)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    a, b = ISHIGAMI_A, ISHIGAMI_B
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def noisy_ishigami(params: Mapping[str, float], seed: int) -> dict[str, float]:
    """Ishigami plus normal noise of standard deviation 1 drawn from the run's seed
    (the same seed gives the same noise at every point: common random numbers)."""
    noise = float(np.random.default_rng(seed).normal(0.0, 1.0))
    return {"y": ishigami(params, seed)["y"] + noise}


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, dict[str, float]]:
    """Analytic first-order, total and second-order Sobol indices of Ishigami's function.

    Variance terms (uniform inputs on [-pi, pi]): V1 = (1 + b pi^4 / 5)^2 / 2,
    V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13.
    """
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {
        "S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
        "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v},
        "S2": {"x1|x2": 0.0, "x1|x3": v13 / v, "x2|x3": 0.0},
    }
