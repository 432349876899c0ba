"""Tasks and jobs: the unit of work every executor runs.

A *job* says what to run and what to keep (the scenarios, the monthly metrics to keep);
it is sent to each worker once. A *task* is one run of it: which scenario, which sample
point (a set of overrides, for sensitivity analyses), which replicate and which seed.
Tasks carry their own seed, so a task gives the same :class:`Record` whichever process,
machine or back end runs it, and in whatever order.

Seeds: replicate *i* of an experiment with master seed *m* runs on
:func:`replicate_seed` (m, i), derived with :class:`numpy.random.SeedSequence`; every
scenario of a comparison uses the same seed for the same replicate, so each mechanism's
own random stream (:mod:`healthsim.model.streams`) gives all scenarios the same shocks
(common random numbers).
"""

from __future__ import annotations

import gc
import hashlib
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from healthsim.config import Scenario, scenario_to_toml, with_overrides
from healthsim.experiments.outcomes import DEFAULT_SERIES
from healthsim.experiments.single import simulate
from healthsim.metrics.summary import summarise
from healthsim.model import Rung
from healthsim.model.history import MONTHLY

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy

#: Task key: (sample point, scenario index, replicate).
TaskKey = tuple[int, int, int]


def replicate_seed(master_seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` (0, 1, ...) under ``master_seed``.

    Derived with ``SeedSequence(master_seed, spawn_key=(replicate,))``: independent
    streams for every replicate, a seed that does not depend on how many replicates
    there are, and a non-negative 63-bit integer that fits any database.
    """
    if master_seed < 0 or replicate < 0:
        raise ValueError("master seed and replicate must be non-negative")
    ss = np.random.SeedSequence(master_seed, spawn_key=(replicate,))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True, slots=True)
class Task:
    """One run: scenario ``scenario`` of the job, at sample ``point``, on ``seed``.

    Attributes:
        point: index of the sample point (0 when there is one, as in a comparison).
        scenario: index into the job's scenarios.
        replicate: replicate number (0, 1, ...).
        seed: the run's seed.
        overrides: (dotted key path, value) pairs applied to the scenario for this run.
    """

    point: int
    scenario: int
    replicate: int
    seed: int
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> TaskKey:
        return (self.point, self.scenario, self.replicate)


@dataclass(slots=True)
class Record:
    """What one task produced.

    Attributes:
        point, scenario, replicate, seed, overrides: the task's.
        status: ``ok`` or ``failed``.
        error: for a failed run, the exception and where it was raised.
        values: per-run metrics (name -> float; NaN where undefined).
        series: monthly metrics kept, shape (len(job.series), months), float32.
        seconds: how long the run took (diagnostics only; not part of any result).
    """

    point: int
    scenario: int
    replicate: int
    seed: int
    overrides: tuple[tuple[str, Any], ...]
    status: str
    error: str = ""
    values: dict[str, float] = field(default_factory=dict)
    series: np.ndarray | None = None
    seconds: float = 0.0

    @property
    def key(self) -> TaskKey:
        return (self.point, self.scenario, self.replicate)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Job(Protocol):
    """What an executor needs from a job: an id, and a way to evaluate a task."""

    @property
    def digest(self) -> str: ...

    def evaluate(self, task: Task) -> Record: ...


class ScenarioJob:
    """Run healthsim scenarios: each task simulates one scenario on one seed.

    Args:
        scenarios: the fully resolved scenarios (index = ``Task.scenario``).
        series: monthly metrics to keep from each run (float32, for fan charts).

    The job pickles small (the scenarios and the names) and is sent to each worker once;
    scenarios with a task's overrides applied are cached on the worker.
    """

    def __init__(
        self, scenarios: tuple[Scenario, ...] | list[Scenario], series=DEFAULT_SERIES
    ) -> None:
        self.scenarios = tuple(scenarios)
        self.series = tuple(series)
        unknown = [s for s in self.series if s not in MONTHLY]
        if unknown:
            raise ValueError(f"unknown monthly metric(s): {', '.join(unknown)}")
        self._cache: dict[tuple[int, tuple], Scenario] = {}
        self._digest: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"scenarios": self.scenarios, "series": self.series, "_digest": self._digest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.scenarios = state["scenarios"]
        self.series = state["series"]
        self._digest = state["_digest"]
        self._cache = {}

    @property
    def digest(self) -> str:
        """A stable id of what this job runs (scenarios as TOML, series kept)."""
        if self._digest is None:
            h = hashlib.sha256()
            for sc in self.scenarios:
                h.update(scenario_to_toml(sc).encode())
                h.update(b"\0")
            h.update(",".join(self.series).encode())
            self._digest = h.hexdigest()[:16]
        return self._digest

    def scenario_for(self, task: Task) -> Scenario:
        """The scenario a task runs (with its overrides; cached)."""
        base = self.scenarios[task.scenario]
        if not task.overrides:
            return base
        key = (task.scenario, task.overrides)
        sc = self._cache.get(key)
        if sc is None:
            if len(self._cache) > 256:
                self._cache.clear()
            sc = with_overrides(base, dict(task.overrides))
            self._cache[key] = sc
        return sc

    def evaluate(self, task: Task) -> Record:
        """Run one task; an exception or a non-finite output makes a failed record."""
        t0 = time.perf_counter()
        try:
            scenario = self.scenario_for(task)
            model = simulate(scenario, task.seed)
            bad = _first_non_finite(model)
            if bad:
                raise FloatingPointError(bad)
            values = summarise(model)
            values.update(accounts(model))
            inf = [k for k, v in values.items() if v in (float("inf"), float("-inf"))]
            if inf:
                raise FloatingPointError(f"infinite per-run metric(s): {', '.join(inf)}")
            rec = model.recorder
            n = rec.n_rows
            series = np.empty((len(self.series), n), dtype=np.float32)
            for i, name in enumerate(self.series):
                series[i] = rec.monthly[name][:n]
        except Exception as exc:  # a model error is a result to report, not a crash
            return Record(
                *task_fields(task),
                status="failed",
                error=describe_error(exc),
                seconds=time.perf_counter() - t0,
            )
        return Record(
            *task_fields(task),
            status="ok",
            values=values,
            series=series,
            seconds=time.perf_counter() - t0,
        )


def task_fields(task: Task) -> tuple:
    """The fields a Record copies from its task, in Record's order."""
    return (task.point, task.scenario, task.replicate, task.seed, task.overrides)


def describe_error(exc: BaseException) -> str:
    """One line: the exception and the innermost place in healthsim it came from."""
    text = f"{type(exc).__name__}: {exc}".strip()
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "healthsim" in Path(f.filename).parts]
    frame = ours[-1] if ours else (frames[-1] if frames else None)
    if frame is not None:
        parts = Path(frame.filename).parts
        short = (
            "/".join(parts[parts.index("healthsim") + 1 :]) if "healthsim" in parts else parts[-1]
        )
        text += f" (at {short}:{frame.lineno} in {frame.name})"
    return " ".join(text.split())


def _first_non_finite(model: HealthEconomy) -> str:
    """Describe the first monthly metric holding NaN or infinity ('' if none)."""
    rec = model.recorder
    n = rec.n_rows
    monthly = rec.monthly
    if np.isfinite(np.concatenate([a[:n] for a in monthly.values()])).all():
        return ""  # the usual case, in one pass
    for name, arr in monthly.items():
        bad = ~np.isfinite(arr[:n])
        if bad.any():
            return f"non-finite monthly metric '{name}' from month {int(np.argmax(bad)) + 1}"
    return ""


def accounts(model: HealthEconomy) -> dict[str, float]:
    """Exact accounts of a run's harm and money, for the mechanism breakdown.

    Harm is split by the state the trust was in during the month (the state recorded at
    the end of the previous month; the first month uses its own record), taking the
    first that applies: in special measures (or administration); truly failing but not
    in special measures (missed); on advice or a warning; within the relapse window
    after leaving special measures; acting as another trust's buddy; anything else.
    The parts add up to the run's total harm; ``months_*`` count the trust-months spent
    in each state (they add up to trusts x months).

    Money: trusts' income and spending (income less surplus), the regime's spending,
    and their net; litigation for harm is an estimate (harm events times the scenario's
    cost per event) and is part of trusts' spending.
    """
    rec = model.recorder
    n = rec.n_rows
    pt = rec.per_trust
    harm = pt["harm"][:n]
    rung = pt["rung"][:n]
    failing = pt["truly_failing"][:n] > 0.5
    buddy_of = pt["buddy_of"][:n].astype(np.int64)
    months, trusts = harm.shape

    def during(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[:1], a[:-1]]) if months else a

    rung_d, failing_d, buddy_d = during(rung), during(failing), during(buddy_of)
    in_sm = rung_d >= Rung.special_measures
    missed = ~in_sm & failing_d
    lighter = ~in_sm & ~missed & (rung_d >= Rung.advice)
    # last exit from special measures at or before each month (recorded states)
    was_sm = rung >= Rung.special_measures
    exit_now = np.zeros_like(was_sm)
    exit_now[1:] = was_sm[:-1] & ~was_sm[1:]
    idx = np.where(exit_now, np.arange(months)[:, None], -(10**9))
    last_exit = during(np.maximum.accumulate(idx, axis=0))
    window = model.p.regime.ladder.relapse_window_months
    since = np.arange(months)[:, None] - last_exit
    after = ~in_sm & ~missed & ~lighter & (since <= window)
    acting = np.zeros((months, trusts), dtype=bool)
    rows, cols = np.nonzero(buddy_d >= 0)
    acting[rows, buddy_d[rows, cols]] = True
    buddy = ~in_sm & ~missed & ~lighter & ~after & acting
    rest = ~(in_sm | missed | lighter | after | buddy)

    m = rec.monthly
    surplus = float(m["surplus"][:n].sum())
    income = float(m["income"][:n].sum())
    regime = float(m["regime_cost"][:n].sum())
    cost_per_harm = float(getattr(model.p.behaviour, "harm_litigation_cost", 0.0))
    return {
        "harm_at_special_measures": float(harm[in_sm].sum()),
        "harm_at_missed_failure": float(harm[missed].sum()),
        "harm_at_lighter_action": float(harm[lighter].sum()),
        "harm_after_exit": float(harm[after].sum()),
        "harm_at_buddies": float(harm[buddy].sum()),
        "harm_elsewhere": float(harm[rest].sum()),
        "months_at_special_measures": float(in_sm.sum()),
        "months_at_missed_failure": float(missed.sum()),
        "months_at_lighter_action": float(lighter.sum()),
        "months_after_exit": float(after.sum()),
        "months_at_buddies": float(buddy.sum()),
        "months_elsewhere": float(rest.sum()),
        "income_total": income,
        "spending_total": income - surplus,
        "litigation_cost": float(m["harm"][:n].sum()) * cost_per_harm,
        "net_position": surplus - regime,
        "deficit_trust_months": float(m["in_deficit"][:n].sum()),
        "unsustainable_trust_months": float(m["financially_unsustainable"][:n].sum()),
    }


#: this process froze the heap in :func:`settled_heap` and has not thawed it yet; a
#: worker forked meanwhile inherits both the frozen heap and this flag
_heap_frozen = False


@contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the objects alive now out of the cyclic garbage collector while runs execute.

    A run allocates many short-lived objects (agents, events, arrays), so the collector
    runs often; each full collection would also walk the two hundred thousand
    long-lived objects of the imported libraries (numba, pandas, ...). :func:`gc.freeze`
    sets those aside for the duration; the run's own garbage is collected as usual, and
    everything is handed back to the collector afterwards. Nothing is done when this
    process has already set them aside (a worker forked from a parent inside this
    block keeps its parent's frozen heap, so its collector does not touch, and copy,
    the parent's pages).
    """
    global _heap_frozen
    if _heap_frozen or not gc.isenabled():
        yield
        return
    gc.freeze()
    _heap_frozen = True
    try:
        yield
    finally:
        gc.unfreeze()
        _heap_frozen = False


def evaluate_chunk(job: Job, tasks: list[Task]) -> list[Record]:
    """Evaluate tasks in order (what a worker does with one chunk)."""
    with settled_heap():
        return [job.evaluate(t) for t in tasks]
