"""Executors: run many tasks of a job, serially, on local processes or on Dask.

One interface for every back end: :meth:`Executor.imap` takes a job and its tasks and
yields lists of :class:`~healthsim.experiments.tasks.Record` as chunks of tasks finish,
in whatever order they finish. Tasks carry their own seeds, so the records are the same
whichever back end or how many workers run them; callers sort by task key.

- :class:`SerialExecutor`: in this process, one task at a time (``--workers 1``).
- :class:`ProcessExecutor`: a local process pool, all cores by default. Each worker is
  started once (from a forkserver that has already imported healthsim, on Linux), gets
  the job once, and then receives chunks of tasks: nothing is re-imported or re-sent
  per run.
- :class:`DaskExecutor`: a ``distributed`` cluster: an existing scheduler by address, a
  ``LocalCluster`` on 127.0.0.1 (``"local"``), a cluster object you started (a
  ``LocalCluster``, dask-jobqueue's ``SLURMCluster``, ...), a ``Client`` you already
  have, or its ``client.get_executor()``. The job is scattered to every worker once.
- :class:`FuturesExecutor`: any other :class:`concurrent.futures.Executor` you already
  have (a ``ProcessPoolExecutor``, a ``ThreadPoolExecutor``, mpi4py's ``MPIPoolExecutor``,
  ...): chunks of tasks are submitted to it with the job; it stays yours (never shut down
  here).

:func:`make_executor` turns what a user typed (``None``, a worker count, ``"serial"``,
``"local"``, ``"tcp://host:8786"``, a ``Client``, a cluster, a ``concurrent.futures``
executor) into one of these. Every back end gets the same chunks and stores the same
records, so results, resume and chunking do not depend on where the runs went.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from concurrent.futures import Executor as FuturesPool
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from healthsim._version import __version__
from healthsim.errors import ExperimentError, WorkerLostError
from healthsim.experiments.store import code_version
from healthsim.experiments.tasks import Job, Record, Task, evaluate_chunk, settled_heap

#: Modules a forkserver imports once, so workers start with healthsim already loaded.
PRELOAD = ["healthsim.experiments.tasks", "healthsim.experiments.preload"]


def cpu_count() -> int:
    """Cores this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


#: Most tasks sent to a worker at once (a chunk of 10-year runs takes about half a second).
MAX_CHUNK = 16


def chunk_size(remaining: int, workers: int) -> int:
    """Tasks in the next chunk when ``remaining`` are left ("guided" scheduling): a
    quarter of each worker's share, at most :data:`MAX_CHUNK`, at least one. Chunks
    shrink towards the end, so workers finish together."""
    return max(1, min(MAX_CHUNK, math.ceil(remaining / max(1, workers * 4))))


def guided_chunks(
    tasks: Sequence[Task], workers: int, fixed: int | None = None
) -> Iterator[list[Task]]:
    """Split tasks into chunks of :func:`chunk_size` (or ``fixed``) tasks, in order."""
    pos = 0
    while pos < len(tasks):
        size = fixed or chunk_size(len(tasks) - pos, workers)
        yield list(tasks[pos : pos + size])
        pos += size


class Executor(ABC):
    """Runs a job's tasks and yields their records in batches as they finish.

    Use as a context manager (``with ProcessExecutor() as ex: ...``) or call
    :meth:`close` when done; executors that hold resources (a Dask client, a local
    cluster) release them there.
    """

    #: short name of the back end ("serial", "processes", "dask")
    kind = "executor"

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many tasks run at once."""

    @abstractmethod
    def imap(self, job: Job, tasks: Sequence[Task]) -> Iterator[list[Record]]:
        """Yield lists of records as chunks of ``tasks`` finish (any order).

        Closing the iterator early (an interrupt, an error in the caller) cancels the
        tasks not yet finished and stops the workers running them.
        """

    def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (connect, start a cluster); called before the first run."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""

    def describe(self) -> str:
        """Where tasks run, in words (for messages and reports)."""
        return f"{self.workers} {self.kind} worker(s)"

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Run tasks one after another in this process."""

    kind = "serial"

    @property
    def workers(self) -> int:
        return 1

    def imap(self, job: Job, tasks: Sequence[Task]) -> Iterator[list[Record]]:
        # One freeze for the whole loop, as a pool worker has for its chunk: freezing
        # around each run also froze the previous run's uncollected garbage, which the
        # thaw then left in the oldest generation, where it piled up (about 2 MB a
        # replicate of a four-scenario comparison; issue 15 §6).
        with settled_heap():
            for task in tasks:
                yield [job.evaluate(task)]

    def describe(self) -> str:
        return "1 process (serial)"


# --------------------------------------------------------------------------------------
# local processes
# --------------------------------------------------------------------------------------

_WORKER_JOB: Any = None

#: ``prctl`` option: the signal a process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1

#: Seconds between a worker's checks that its parent is still alive.
WATCHDOG_INTERVAL = 1.0


def _init_worker(job: Job, parent_pid: int | None = None) -> None:
    """Process-pool initializer: keep the job; leave Ctrl-C to the parent, let SIGTERM
    end the worker (a forked worker inherits the parent's handlers), and die with the
    parent (:func:`die_with_parent`)."""
    global _WORKER_JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent_pid)
    _WORKER_JOB = job


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this worker end when the process that started it ends, even by SIGKILL, so
    no orphan keeps running (and keeps files open) after its parent was killed.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``;
    a forkserver's workers die with the forkserver, which ends with its parent). A
    watchdog thread notices a new parent (the orphan is adopted) everywhere else, and
    covers a parent that died before the ``prctl``: ``parent_pid``, when given, is the
    parent this worker must have (that of a forked worker)."""
    if sys.platform == "linux":
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    expected = os.getppid() if parent_pid is None else parent_pid
    if os.getppid() != expected:  # the parent is already gone
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_INTERVAL)
            if os.getppid() != expected:
                os._exit(1)

    threading.Thread(target=watch, name="healthsim-watchdog", daemon=True).start()


def _run_chunk(tasks: list[Task]) -> list[Record]:
    return evaluate_chunk(_WORKER_JOB, tasks)


def default_start_method() -> str:
    """How to start workers when the caller does not say.

    ``fork`` when this process runs no other Python thread (on Linux): workers start in
    milliseconds, share the parent's imported modules and job copy-on-write, and there
    is no thread whose lock a child could inherit half-held (numpy's BLAS threads guard
    themselves across fork). Otherwise (a notebook kernel, a Dask client, a GUI)
    ``forkserver``, whose server imports healthsim once before forking workers; ``spawn``
    where neither exists. macOS never forks: its system libraries are not fork-safe.
    """
    methods = mp.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessExecutor(Executor):
    """A pool of local worker processes.

    Args:
        workers: processes to run (default: every core this process may use).
        start_method: ``forkserver`` (default where available), ``fork`` or ``spawn``.
        chunksize: tasks sent to a worker at a time (default: shrinking chunks, see
            :func:`chunk_size`).
    """

    kind = "processes"

    def __init__(
        self,
        workers: int | None = None,
        *,
        start_method: str | None = None,
        chunksize: int | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise ExperimentError("workers must be at least 1")
        self._workers = workers or cpu_count()
        if start_method is not None and start_method not in mp.get_all_start_methods():
            raise ExperimentError(
                f"start method '{start_method}' is not available here; "
                f"use one of {', '.join(mp.get_all_start_methods())}"
            )
        self.start_method = start_method  # None: default_start_method() at each run
        self.chunksize = chunksize

    @property
    def workers(self) -> int:
        return self._workers

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers > 1 else ''}"

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers}, start_method={self.start_method!r})"

    def _context(self, method: str) -> mp.context.BaseContext:
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        return ctx

    def imap(self, job: Job, tasks: Sequence[Task]) -> Iterator[list[Record]]:
        if not tasks:
            return
        workers = min(self.workers, len(tasks))
        method = self.start_method or default_start_method()
        if method == "fork":  # forked workers inherit the parent's compiled kernels
            from healthsim.experiments.preload import warm_up

            warm_up()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self._context(method),
            initializer=_init_worker,
            # a forked worker's parent is this process; others' is their forkserver
            initargs=(job, os.getpid() if method == "fork" else None),
        )
        pending: set[Future] = set()
        todo = guided_chunks(tasks, workers, self.chunksize)
        finished = False
        try:
            # workers start on these first submissions; forked ones inherit a frozen
            # heap, so neither their collector nor their reference counts touch (and
            # copy) the parent's pages
            with _quiet_start(method), settled_heap():
                for chunk in _take(todo, workers * 3):
                    pending.add(pool.submit(_run_chunk, chunk))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    records = fut.result()
                    for chunk in _take(todo, 1):
                        pending.add(pool.submit(_run_chunk, chunk))
                    yield records
            finished = True
        except BrokenProcessPool:
            raise WorkerLostError(
                "a worker process died while running (out of memory, or killed); the "
                "runs that finished are kept: run the same command again to carry on"
            ) from None
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                _stop_pool(pool)


@contextmanager
def _quiet_start(method: str) -> Iterator[None]:
    """Start workers: without Python's fork warning when only native BLAS threads run
    beside this one (see :func:`default_start_method`), and with an importable main."""
    with warnings.catch_warnings(), _importable_main():
        if method == "fork" and threading.active_count() == 1:
            warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)
        yield


@contextmanager
def _importable_main() -> Iterator[None]:
    """Hide a ``__main__.__file__`` that is not a file (``python - < script``, some
    embedded interpreters) while workers start: forkserver and spawn workers would try
    to run it and die. Workers never need ``__main__``: the job and the functions they
    run live in healthsim."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    hide = (
        main is not None
        and path is not None
        and getattr(main, "__spec__", None) is None
        and not os.path.isfile(path)
    )
    if hide:
        del main.__file__
    try:
        yield
    finally:
        if hide:
            main.__file__ = path


def _take(it: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started, terminate what is running."""
    procs = list(getattr(pool, "_processes", {}).values())  # no public API before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


# --------------------------------------------------------------------------------------
# any concurrent.futures executor
# --------------------------------------------------------------------------------------


def _pool_size(pool: FuturesPool) -> int:
    """Workers of a ``concurrent.futures`` pool (``_max_workers`` where it has one, as
    the standard library's pools do; otherwise every core here)."""
    n = getattr(pool, "_max_workers", None)
    return n if isinstance(n, int) and n > 0 else cpu_count()


class FuturesExecutor(Executor):
    """Run tasks on a :class:`concurrent.futures.Executor` that the caller owns.

    Chunks of tasks (:func:`guided_chunks`) are submitted with the job, at most three
    per worker at a time, and yielded as they finish, as on the other back ends. The
    pool is not shut down here: it is the caller's, to reuse or shut down. A pool whose
    workers died (``BrokenProcessPool``) is a :class:`~healthsim.errors.WorkerLostError`
    as for :class:`ProcessExecutor`; stopping early cancels the chunks not yet started
    (the pool's own running ones finish: it has no way to stop them).

    Args:
        pool: the executor (``ProcessPoolExecutor``, ``ThreadPoolExecutor``, ...).
        workers: how many tasks it runs at once (default: its ``_max_workers``, else
            every core).
        chunksize: tasks sent at a time (default: shrinking chunks).
    """

    kind = "futures"

    def __init__(
        self, pool: FuturesPool, workers: int | None = None, *, chunksize: int | None = None
    ) -> None:
        if not isinstance(pool, FuturesPool):
            raise ExperimentError(f"not a concurrent.futures executor: {pool!r}")
        if workers is not None and workers < 1:
            raise ExperimentError("workers must be at least 1")
        self.pool = pool
        self._workers = workers or _pool_size(pool)
        self.chunksize = chunksize

    @property
    def workers(self) -> int:
        return self._workers

    def describe(self) -> str:
        return f"{type(self.pool).__name__} ({self.workers} workers)"

    def __repr__(self) -> str:
        return f"FuturesExecutor({self.pool!r}, workers={self.workers})"

    def imap(self, job: Job, tasks: Sequence[Task]) -> Iterator[list[Record]]:
        if not tasks:
            return
        workers = min(self.workers, len(tasks))
        pending: set[Future] = set()
        todo = guided_chunks(tasks, workers, self.chunksize)
        try:
            with _importable_main():
                for chunk in _take(todo, workers * 3):
                    pending.add(self.pool.submit(evaluate_chunk, job, chunk))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    records = fut.result()
                    for chunk in _take(todo, 1):
                        pending.add(self.pool.submit(evaluate_chunk, job, chunk))
                    yield records
        except BrokenExecutor:
            raise WorkerLostError(
                "a worker of the executor died while running (out of memory, or killed); "
                "the runs that finished are kept: run the same command again to carry on"
            ) from None
        finally:
            for fut in pending:
                fut.cancel()


# --------------------------------------------------------------------------------------
# Dask
# --------------------------------------------------------------------------------------


def _dask_chunk(job: Job, tasks: list[Task]) -> list[Record]:
    return evaluate_chunk(job, tasks)


def _worker_identity() -> tuple[str, str]:
    """(healthsim version, model code digest) as a Dask worker sees it."""
    return __version__, code_version()


class DaskExecutor(Executor):
    """Run tasks on a Dask ``distributed`` cluster.

    Args:
        address: a scheduler address (``tcp://host:8786``) or ``"local"`` for a
            ``LocalCluster`` of worker processes on 127.0.0.1 (one thread each), its
            dashboard on 127.0.0.1 too (never on every interface).
        workers: processes of the local cluster (default: every core); ignored for an
            existing cluster.
        client: an existing ``distributed.Client`` to use instead (not closed here).
        cluster: a cluster object already started (``LocalCluster``, dask-jobqueue's
            ``SLURMCluster``, ...): a client is connected to it when the executor starts
            and closed when it closes; the cluster itself is not (it is the caller's).

    Workers of a remote cluster must have the same healthsim installed; this is
    checked when the executor starts (not for a ``client`` given: it is used as is).
    """

    kind = "dask"

    def __init__(
        self,
        address: str = "local",
        workers: int | None = None,
        *,
        client: Any = None,
        cluster: Any = None,
    ) -> None:
        if client is not None and cluster is not None:
            raise ExperimentError("give a Dask client or a cluster, not both")
        self.address = address
        self._n_local = workers
        self._client = client
        self._own_client = client is None
        self._cluster: Any = None  # a LocalCluster started here (closed here)
        self._given_cluster = cluster  # the caller's (never closed here)
        if cluster is not None:
            self.address = str(getattr(cluster, "scheduler_address", "") or "cluster")

    @property
    def client(self) -> Any:
        self.start()
        return self._client

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info(n_workers=-1)
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def describe(self) -> str:
        where = "a local Dask cluster" if self.address == "local" else f"Dask at {self.address}"
        if self._given_cluster is not None:
            where = f"the given {type(self._given_cluster).__name__} at {self.address}"
        if not self._own_client:
            where = "the given Dask client"
        return f"{where} ({self.workers} worker threads)"

    def start(self) -> None:
        if self._client is not None:
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - a declared dependency
            raise ExperimentError(
                "Dask is not installed: pip install 'dask[distributed]'"
            ) from None
        if self._given_cluster is not None:
            self._client = Client(self._given_cluster)
            self._check_workers()
        elif self.address == "local":
            n = self._n_local or cpu_count()
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # loopback only, like the scheduler and workers; any free port
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            _check_reachable(self.address)
            try:
                self._client = Client(self.address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ExperimentError(
                    f"cannot connect to the Dask scheduler at {self.address}: {exc}"
                ) from None
            self._check_workers()

    def _check_workers(self) -> None:
        ours = _worker_identity()
        try:
            seen = self._client.run(_worker_identity)
        except Exception as exc:
            raise ExperimentError(
                f"Dask workers at {self.address} cannot import healthsim ({exc}); install "
                "the same healthsim on every worker"
            ) from None
        if not seen:
            raise ExperimentError(f"the Dask cluster at {self.address} has no workers")
        bad = {w: v for w, v in seen.items() if tuple(v) != ours}
        if bad:
            w, v = next(iter(bad.items()))
            raise ExperimentError(
                f"Dask worker {w} runs healthsim {v[0]} (model code {v[1]}), this is "
                f"{ours[0]} (model code {ours[1]}); install the same version on every worker"
            )

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def imap(self, job: Job, tasks: Sequence[Task]) -> Iterator[list[Record]]:
        if not tasks:
            return
        from distributed import KilledWorker, as_completed

        client = self.client
        workers = self.workers
        job_future = client.scatter(job, broadcast=True, hash=False)
        todo = guided_chunks(tasks, workers)
        futures = [
            client.submit(_dask_chunk, job_future, c, pure=False) for c in _take(todo, workers * 3)
        ]
        ac = as_completed(futures, with_results=True)
        finished = False
        try:
            for _fut, records in ac:
                for chunk in _take(todo, 1):
                    ac.add(client.submit(_dask_chunk, job_future, chunk, pure=False))
                yield records
            finished = True
        except KilledWorker:
            raise WorkerLostError(
                "Dask workers died while running (out of memory, or killed); the runs that "
                "finished are kept: run the same command again to carry on"
            ) from None
        finally:
            if not finished:
                ac.clear()
                client.cancel(futures, force=True)
            client.cancel([job_future])


# --------------------------------------------------------------------------------------
# from what a user typed
# --------------------------------------------------------------------------------------


def make_executor(spec: Any = None, *, workers: int | None = None) -> Executor:
    """An executor from a user's choice.

    Args:
        spec: ``None`` or ``"processes"`` (a local pool), ``"serial"``, an int (that many
            local processes; 1 means serial), ``"local"`` or ``"dask"`` (a Dask
            ``LocalCluster``), a scheduler address (``"tcp://host:8786"``), a
            ``distributed.Client``, its ``client.get_executor()``, a Dask cluster object
            (``LocalCluster``, ``SLURMCluster``, ...), any other
            :class:`concurrent.futures.Executor` (``ProcessPoolExecutor``,
            ``ThreadPoolExecutor``, ...), or an :class:`Executor` (returned as is).
            Clients, clusters and pools given are the caller's: they are used, never
            closed.
        workers: worker count for the local kinds (default: all cores); for a
            ``concurrent.futures`` executor, how many tasks it runs at once (default:
            its ``_max_workers``).
    """
    if isinstance(spec, Executor):
        return spec
    dask = _dask_kind(spec)
    if dask == "client":
        return DaskExecutor(client=spec)
    if dask == "client-executor":  # client.get_executor(): run on its client
        return DaskExecutor(client=spec._client)
    if dask == "cluster":
        return DaskExecutor(cluster=spec)
    if isinstance(spec, FuturesPool):
        return FuturesExecutor(spec, workers)
    if isinstance(spec, bool):
        raise ExperimentError(f"not an executor: {spec!r}")
    if isinstance(spec, int):
        workers, spec = spec, None
    if workers is not None and workers < 1:
        raise ExperimentError("workers must be at least 1")
    if spec is None or spec == "processes":
        n = workers or cpu_count()
        return SerialExecutor() if n == 1 else ProcessExecutor(n)
    if not isinstance(spec, str):
        raise ExperimentError(
            f"not an executor: {spec!r}; give a worker count, a name ('serial', 'local'), "
            "a Dask scheduler address, Client or cluster, or a concurrent.futures executor"
        )
    text = spec.strip()
    if text == "serial":
        return SerialExecutor()
    if text.startswith("dask:"):
        text = text.removeprefix("dask:").lstrip("/") or "local"
    if text in ("local", "dask"):
        return DaskExecutor("local", workers)
    if "://" in text or _looks_like_host_port(text):
        return DaskExecutor(text if "://" in text else f"tcp://{text}")
    raise ExperimentError(
        f"unknown executor '{spec}': use 'serial', 'processes', a worker count, 'local' "
        "(a Dask cluster on this machine) or a Dask scheduler address such as "
        "tcp://host:8786"
    )


def _dask_kind(spec: Any) -> str | None:
    """``"client"``, ``"client-executor"``, ``"cluster"`` for Dask objects, else None.

    Dask is looked at only if it is already imported (an object of its classes cannot
    exist otherwise), so telling what ``spec`` is never imports it."""
    if spec is None or isinstance(spec, str | int) or "distributed" not in sys.modules:
        return None
    try:
        from distributed import Client
        from distributed.cfexecutor import ClientExecutor
        from distributed.deploy.cluster import Cluster
    except ImportError:  # pragma: no cover - a partial install
        return None
    if isinstance(spec, Client):
        return "client"
    if isinstance(spec, ClientExecutor) and isinstance(getattr(spec, "_client", None), Client):
        return "client-executor"
    if isinstance(spec, Cluster):
        return "cluster"
    return None


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """Fail fast (not after Dask's connect retries) when nothing listens at a tcp://
    address: a mistyped host or port is the usual reason."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        return
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ExperimentError(
            f"cannot connect to the Dask scheduler at {address}: {reason.lower()}"
        ) from None


def _looks_like_host_port(text: str) -> bool:
    host, sep, port = text.rpartition(":")
    return bool(sep and host and port.isdigit())


def is_interactive_terminal() -> bool:
    """Whether stderr is a terminal (progress bars are drawn only there)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
