"""Evaluate many tasks, keeping every finished run: the engine under comparisons and
sensitivity analyses.

:func:`run_tasks` looks in the store for runs already finished, sends the rest to an
executor, stores records as they come back (committing every half second or so) and
draws a progress bar with runs done and time left. Interrupt it and call it again with
the same tasks and store: it runs only what is missing. Because each task carries its
seed, the stored results are the same however often the work was interrupted and
whichever executor ran it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tqdm.auto import tqdm

from healthsim.experiments.executors import Executor, is_interactive_terminal
from healthsim.experiments.store import ResultStore
from healthsim.experiments.tasks import Job, Record, Task

#: Seconds between commits of finished runs to the store.
COMMIT_EVERY = 0.5


class _Bar(tqdm):
    """A progress bar without tqdm's monitor thread: the process stays single-threaded,
    so a local pool can fork its workers safely (see executors.default_start_method)."""

    monitor_interval = 0


@dataclass(frozen=True, slots=True)
class Progress:
    """What a call to :func:`run_tasks` did.

    Attributes:
        total: tasks asked for.
        reused: found finished in the store (not run again).
        computed: run now.
        failed: runs (stored, of those asked for) that failed.
    """

    total: int
    reused: int
    computed: int
    failed: int


def run_tasks(
    job: Job,
    tasks: Sequence[Task],
    store: ResultStore,
    executor: Executor,
    *,
    progress: bool | None = None,
    retry_failed: bool = False,
    desc: str = "runs",
    on_records: Callable[[list[Record]], None] | None = None,
) -> Progress:
    """Run the tasks not yet in the store, storing each as it finishes.

    Args:
        job: what to run (sent to each worker once).
        tasks: every task of the experiment (finished ones are skipped).
        store: where results are kept.
        executor: where tasks run.
        progress: draw a progress bar on stderr; default: only when stderr is a terminal.
        retry_failed: run again the tasks whose stored run failed (by default a failed
            run is a result: the same seed fails the same way).
        desc: label of the progress bar.
        on_records: called with each batch of new records after it is stored.

    Returns:
        A :class:`Progress` with counts. On an interrupt (``KeyboardInterrupt``) the
        records already back are stored before the interrupt propagates.
    """
    wanted = {t.key for t in tasks}
    if len(wanted) != len(tasks):
        raise ValueError("tasks must have distinct keys")
    done = store.finished(include_failed=not retry_failed)
    todo = [t for t in tasks if t.key not in done]
    reused = len(tasks) - len(todo)
    if progress is None:
        progress = is_interactive_terminal()
    bar = _Bar(
        total=len(tasks),
        initial=reused,
        desc=desc,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
        smoothing=0.05,
        leave=True,
    )
    computed = failed_now = 0
    buffer: list[Record] = []
    last = time.monotonic()
    it = executor.imap(job, todo) if todo else iter(())
    try:
        for batch in it:
            buffer.extend(batch)
            computed += len(batch)
            new_failed = sum(not r.ok for r in batch)
            if new_failed:
                failed_now += new_failed
                bar.set_postfix(failed=failed_now, refresh=False)
            bar.update(len(batch))
            now = time.monotonic()
            if now - last >= COMMIT_EVERY:
                store.add(buffer)
                if on_records:
                    on_records(buffer)
                buffer = []
                last = now
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
        store.add(buffer)
        bar.close()
    if on_records and buffer:
        on_records(buffer)
    failed = len(
        (store.finished(include_failed=True) - store.finished(include_failed=False)) & wanted
    )
    return Progress(total=len(tasks), reused=reused, computed=computed, failed=failed)
