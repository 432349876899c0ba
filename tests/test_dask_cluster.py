"""A real Dask cluster started from the command line, as users start one (issue 14 §2).

A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (no dashboards),
started here as subprocesses in their own session and ended (the whole session) when the
test ends. A comparison run through the scheduler's address, a ``Client`` or
``client.get_executor()`` stores exactly what the local process pool stores; a worker
killed while chunks are in flight loses no run and duplicates none.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from healthsim.errors import WorkerLostError  # noqa: E402
from healthsim.experiments.compare import build_spec, run_comparison  # noqa: E402
from healthsim.experiments.executors import DaskExecutor, ProcessExecutor  # noqa: E402

pytestmark = pytest.mark.slow

#: seconds to wait for the scheduler to listen and the workers to join
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CommandLineCluster:
    """``dask scheduler`` and ``dask worker`` processes, as a user starts them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # its own process group, ended as a whole
        )
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, workers: int = 2) -> CommandLineCluster:
        args = f"scheduler --host 127.0.0.1 --port {self.port} --no-dashboard"
        self._start("scheduler", *args.split())
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.procs[0].poll() is not None:
                    msg = "the scheduler did not start:\n" + self.log("scheduler")
                    raise RuntimeError(msg) from None
                time.sleep(0.2)
        for i in range(workers):
            # one process a worker, one thread each, no nanny: killing it kills the worker
            args = f"worker {self.address} --nworkers 1 --nthreads 1 --no-nanny"
            args += f" --no-dashboard --host 127.0.0.1 --name w{i}"
            self.workers.append(self._start(f"worker{i}", *args.split()))
        self.wait_for_workers(workers)
        return self

    def n_workers(self) -> int:
        with distributed.Client(self.address, timeout="10s") as client:
            return len(client.scheduler_info(n_workers=-1)["workers"])

    def wait_for_workers(self, n: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while self.n_workers() != n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"expected {n} workers:\n" + self.log("worker0"))
            time.sleep(0.3)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with _gone():
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with _gone():
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


class _gone:  # noqa: N801 - a tiny context manager
    """Ignore a process that already ended."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, *_: object) -> bool:
        return kind is ProcessLookupError


@pytest.fixture
def cluster(tmp_path):
    c = CommandLineCluster(tmp_path)
    try:
        yield c.start(workers=2)
    finally:
        c.stop()
    assert all(p.poll() is not None for p in c.procs), "every process of the cluster ended"


def spec(reps: int = 6, years: int = 2):
    return build_spec(["blame_focused", "board_supported"], reps=reps, years=years, seed=3)


def stored_rows(folder: Path) -> list[tuple]:
    """Every stored column except the run time, by task key."""
    with sqlite3.connect(folder / "runs.sqlite") as conn:
        return conn.execute(
            'SELECT point, scenario, replicate, seed, overrides, status, error, "values", '
            "months, series FROM runs ORDER BY point, scenario, replicate"
        ).fetchall()


@pytest.fixture(scope="module")
def local_pool(tmp_path_factory):
    """The same comparisons on the local process pool (the reference)."""
    out = {}
    for reps, years in ((6, 2), (24, 3)):
        folder = tmp_path_factory.mktemp(f"pool{reps}")
        result = run_comparison(spec(reps, years), executor=ProcessExecutor(2), out=folder)
        out[reps] = (result, stored_rows(folder))
    return out


def test_a_command_line_cluster_stores_what_the_local_pool_stores(cluster, tmp_path, local_pool):
    pool_result, pool_rows = local_pool[6]
    assert all(row[5] == "ok" for row in pool_rows) and len(pool_rows) == len(spec().tasks())
    with distributed.Client(cluster.address) as client:
        ways = {
            "address": cluster.address,
            "client": client,
            "client.get_executor()": client.get_executor(),
        }
        for name, executor in ways.items():
            folder = tmp_path / name.replace(".", "_").strip("()")
            result = run_comparison(spec(), executor=executor, out=folder)
            assert stored_rows(folder) == pool_rows, f"{name}: stored rows differ from the pool"
            assert result.runs.equals(pool_result.runs), f"{name}: runs table differs"
        assert client.status == "running", "a client given is the caller's: not closed"
    assert cluster.n_workers() == 2, "the cluster is the user's: left running"


class KillsAWorker(DaskExecutor):
    """The real Dask executor, killing a worker (SIGKILL) once the first chunk is back
    and waiting until the scheduler has noticed, so chunks are still to run; every
    record it yields is kept to count duplicates."""

    def __init__(self, address: str, victim: subprocess.Popen, cluster: CommandLineCluster):
        super().__init__(address)
        self.victim, self.cluster = victim, cluster
        self.seen: list[tuple] = []
        self.left_at_kill: int | None = None

    def imap(self, job, tasks):
        for batch in super().imap(job, tasks):
            self.seen.extend(r.key for r in batch)
            if self.victim.poll() is None:
                self.left_at_kill = len(tasks) - len(self.seen)
                os.killpg(self.victim.pid, signal.SIGKILL)
                self.victim.wait(timeout=15)
                self.cluster.wait_for_workers(1)
            yield batch


def test_a_worker_killed_mid_run_loses_no_run_and_duplicates_none(cluster, tmp_path, local_pool):
    _, pool_rows = local_pool[24]
    sp = spec(24, 3)
    n = len(sp.tasks())
    folder = tmp_path / "killed"
    ex = KillsAWorker(cluster.address, cluster.workers[0], cluster)
    seen = []
    try:
        # should Dask give up on a chunk (WorkerLostError), the same call carries on
        with contextlib.suppress(WorkerLostError):
            run_comparison(sp, executor=ex, out=folder)
        seen += ex.seen
        assert ex.left_at_kill, "the worker was killed while runs were still to do"
        rerun = DaskExecutor(cluster.address)
        result = run_comparison(sp, executor=rerun, out=folder)
        rerun.close()
    finally:
        ex.close()
    assert result.progress.computed == n - len(seen), "the rerun computes only what is missing"
    assert len(seen) == len(set(seen)), "no run came back twice"
    rows = stored_rows(folder)
    keys = [r[:3] for r in rows]
    assert len(keys) == len(set(keys)) == n, "every run stored exactly once"
    assert rows == pool_rows, "the runs stored are those of the local pool, bit for bit"


def test_a_cluster_object_is_used_and_left_to_its_owner(tmp_path, local_pool):
    _, pool_rows = local_pool[6]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as lc:
        run_comparison(spec(), executor=lc, out=tmp_path / "lc")
        assert lc.status.name == "running", "the cluster given is not closed"
    assert stored_rows(tmp_path / "lc") == pool_rows
