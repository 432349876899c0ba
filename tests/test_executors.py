"""Executors: serial, local processes and Dask give the same results, bit for bit."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from healthsim.config import load_scenario
from healthsim.errors import WorkerLostError
from healthsim.experiments.ensemble import run_tasks
from healthsim.experiments.executors import (
    DaskExecutor,
    ExperimentError,
    FuturesExecutor,
    ProcessExecutor,
    SerialExecutor,
    chunk_size,
    guided_chunks,
    make_executor,
)
from healthsim.experiments.store import ResultStore
from healthsim.experiments.tasks import ScenarioJob, Task, replicate_seed


@pytest.fixture(scope="module")
def job():
    return ScenarioJob(
        [load_scenario(n, {"years": 2}) for n in ("blame_focused", "board_supported")]
    )


@pytest.fixture(scope="module")
def tasks():
    return [Task(0, s, r, replicate_seed(7, r)) for r in range(5) for s in range(2)]


def stored_rows(path):
    """Every stored result column except the run time, sorted by task key."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            'SELECT point, scenario, replicate, seed, overrides, status, error, "values", '
            "months, series FROM runs ORDER BY point, scenario, replicate"
        ).fetchall()


def run_into(tmp_path, name, job, tasks, executor):
    path = tmp_path / name / "runs.sqlite"
    store = ResultStore.open(path, {"test": 1}, [("a", ""), ("b", "")], job.series)
    try:
        with executor:
            progress = run_tasks(job, tasks, store, executor, progress=False)
    finally:
        store.close()
    assert progress.computed == len(tasks), "every task should have been run once"
    return stored_rows(path)


@pytest.mark.slow
def test_serial_processes_and_dask_store_identical_results(tmp_path, job, tasks):
    serial = run_into(tmp_path, "serial", job, tasks, SerialExecutor())
    pool = run_into(tmp_path, "pool", job, tasks, ProcessExecutor(2))
    dask = run_into(tmp_path, "dask", job, tasks, DaskExecutor("local", workers=2))
    assert len(serial) == len(tasks)
    assert all(row[5] == "ok" for row in serial), "every run should succeed"
    assert pool == serial, "a 2-process pool must store exactly what a serial run stores"
    assert dask == serial, "a Dask LocalCluster must store exactly what a serial run stores"


def test_any_concurrent_futures_executor_stores_what_a_serial_run_stores(tmp_path, job, tasks):
    serial = run_into(tmp_path, "serial", job, tasks, SerialExecutor())
    with ThreadPoolExecutor(2) as threads:
        ex = make_executor(threads)
        assert isinstance(ex, FuturesExecutor) and ex.workers == 2
        assert run_into(tmp_path, "threads", job, tasks, ex) == serial
        assert threads.submit(int, 3).result() == 3, "the caller's pool is not shut down"
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as procs:
        assert run_into(tmp_path, "procs", job, tasks, make_executor(procs)) == serial
        assert procs.submit(int, 4).result() == 4, "the caller's pool is not shut down"


def _die(*_):
    os._exit(9)


class _DyingJob:
    """A job whose evaluation kills the worker process that runs it."""

    def evaluate(self, task):
        _die()


def test_a_dead_worker_of_a_users_process_pool_is_a_lost_worker(tasks):
    with (
        ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as procs,
        pytest.raises(WorkerLostError, match="run the same command again"),
    ):
        list(FuturesExecutor(procs).imap(_DyingJob(), tasks[:2]))


def test_chunks_shrink_towards_the_end():
    assert chunk_size(1, 2) == 1
    assert chunk_size(600, 2) == 16, "large ensembles are sent 16 tasks at a time"
    assert chunk_size(40, 2) == 5, "a quarter of each worker's share"
    tasks = [Task(0, 0, r, r) for r in range(100)]
    sizes = [len(c) for c in guided_chunks(tasks, 2)]
    assert sum(sizes) == 100 and sizes[-1] == 1, sizes
    assert sizes == sorted(sizes, reverse=True), "chunks only shrink"
    flat = [t for c in guided_chunks(tasks, 2) for t in c]
    assert flat == tasks, "every task once, in order"


def test_make_executor_understands_what_users_type():
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor("serial"), SerialExecutor)
    ex = make_executor(None, workers=2)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 2
    assert isinstance(make_executor("local"), DaskExecutor)
    d = make_executor("tcp://10.0.0.1:8786")
    assert isinstance(d, DaskExecutor) and d.address == "tcp://10.0.0.1:8786"
    d = make_executor("scheduler:8786")
    assert isinstance(d, DaskExecutor) and d.address == "tcp://scheduler:8786"
    with pytest.raises(ExperimentError, match="unknown executor"):
        make_executor("threads please")
    with pytest.raises(ExperimentError, match=r"concurrent\.futures executor"):
        make_executor(object())
    pool = ThreadPoolExecutor(3)
    try:
        assert make_executor(pool).workers == 3
        assert make_executor(pool, workers=5).workers == 5, "workers= says how many run at once"
    finally:
        pool.shutdown()
    with pytest.raises(ExperimentError, match="at least 1"):
        make_executor(None, workers=0)


def test_unreachable_dask_scheduler_is_one_clear_error():
    ex = DaskExecutor("tcp://127.0.0.1:9")  # discard port: nothing listens, fail fast
    with pytest.raises(ExperimentError, match="cannot connect to the Dask scheduler"):
        ex.start()


def test_a_model_error_becomes_a_failed_record_not_a_crash(job):
    bad = ScenarioJob(job.scenarios, job.series)
    task = Task(0, 0, 0, 1, overrides=(("behaviour.improvement_rate", "not a number"),))
    record = bad.evaluate(task)
    assert record.status == "failed", "an invalid override should fail the run"
    assert "improvement_rate" in record.error, record.error
    assert record.seed == 1


def test_a_non_finite_metric_fails_the_run_and_names_the_metric_and_month(job, monkeypatch):
    """A run whose monthly metrics hold NaN is a failed record saying which metric and
    from which month, not a result that would poison the statistics."""
    from healthsim.experiments import tasks

    real = tasks.simulate

    def poisoned(scenario, seed):
        model = real(scenario, seed)
        model.recorder.per_trust["fear"][4, 0] = np.nan
        model.recorder._cache = None  # derived metrics are read afresh
        return model

    monkeypatch.setattr(tasks, "simulate", poisoned)
    record = job.evaluate(Task(0, 0, 0, 3))
    assert record.status == "failed"
    assert "non-finite monthly metric 'fear' from month 5" in record.error, record.error


def test_warming_up_loads_every_compiled_pass():
    """Workers are forked after the parent has warmed up: every compiled pass the model
    calls must be loaded by then, or each worker would load it again on first use. So
    after warming up, runs of every regime load nothing new. (In a fresh process:
    here, other tests have already run the model.)"""
    import subprocess
    import sys

    code = """
from numba.core.registry import CPUDispatcher
from healthsim.model import history, kernel, variables
from healthsim.model.mechanisms import MECHANISMS
passes = {f"{m.__name__}.{k}": f for m in (kernel, history, variables, *MECHANISMS)
          for k, f in vars(m).items() if isinstance(f, CPUDispatcher)}
def loaded():
    return {k: len(f.signatures) for k, f in passes.items()}
assert not any(loaded().values()), "loaded before warming up"
from healthsim.experiments.preload import warm_up
warm_up()
before = loaded()
from healthsim.experiments.mesa import ScenarioEconomy
for name in ("blame_focused", "board_supported", "whole_system", "no_regime"):
    ScenarioEconomy(name, rng=3, years=4).run().recorder.monthly
after = loaded()
print(sum(1 for v in before.values() if v), sorted(k for k in after if after[k] != before[k]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    count, late = out.stdout.split(" ", 1)
    assert int(count) >= 7, out.stdout  # the passes the model calls from Python
    assert late.strip() == "[]", f"loaded only after warming up: {late}"


def test_runs_keep_the_long_lived_heap_out_of_the_collector():
    """settled_heap freezes the objects alive now (not just the few the interpreter
    freezes itself at start-up, as Python 3.12 does), once, and thaws them after."""
    import gc

    from healthsim.experiments.tasks import settled_heap

    gc.unfreeze()
    alive = len(gc.get_objects())
    with settled_heap():
        frozen = gc.get_freeze_count()
        assert frozen >= 0.9 * alive, (frozen, alive)
        with settled_heap():  # nested: nothing more to do
            assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0


class _FreezeProbe:
    """A job whose runs report how much of the worker's heap is frozen."""

    digest = "freeze-probe"

    def evaluate(self, task):
        import gc

        from healthsim.experiments.tasks import Record

        return Record(
            0, 0, task.replicate, task.seed, (), "ok", values={"frozen": gc.get_freeze_count()}
        )


def test_workers_run_with_their_heap_frozen():
    """Forked workers inherit their parent's frozen heap; forkserver workers freeze
    their own for each chunk. Either way a run's collections skip the libraries."""
    import gc

    tasks = [Task(0, 0, r, r) for r in range(4)]
    with ProcessExecutor(2) as ex:
        records = [r for batch in ex.imap(_FreezeProbe(), tasks) for r in batch]
    assert len(records) == 4
    assert min(r.values["frozen"] for r in records) > 50_000  # healthsim, numba, numpy...
    assert gc.get_freeze_count() == 0, "the parent thaws its heap once workers have started"
