"""A kill never blocks the next run (issue 15, section 3).

Killing the parent of the default process pool with SIGKILL used to leave its forked
workers running, holding the store's lock, so a rerun was refused ("another healthsim
process (pid N) is writing ...", N the dead parent). Now workers die with their parent,
only the parent holds the lock, and a lock whose holder is dead is taken over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthsim.experiments.store import ResultStore, _acquire_lock, _lock_path, _release_lock
from test_compare_resume import model_code, output_files, result_rows, stored

IDENTITY = {"kind": "test", "reps": 2}


def children(pid: int) -> list[int]:
    """Pids of the processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the workers")
def test_sigkill_of_the_pool_parent_then_rerun_at_once(tmp_path):
    base = [
        *(sys.executable, "-m", "healthsim", "compare", "baseline", "blame_focused"),
        *("--reps", "150", "--years", "3", "--seed", "5", "--workers", "2"),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    full = tmp_path / "full"
    subprocess.run([*base, "--out", str(full), "--quiet"], check=True, env=env)

    part = tmp_path / "part"
    store = part / "runs.sqlite"
    proc = subprocess.Popen(
        [*base, "--out", str(part), "--quiet"], stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + 120
    while stored(store) < 20:
        assert proc.poll() is None, f"the comparison ended early: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no runs were stored"
        time.sleep(0.05)
    workers = children(proc.pid)
    assert workers, "the pool should have worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    first = stored(store)
    assert 0 < first < 300, f"expected a partial store, found {first} runs"

    # rerun at once: not refused, resumes, and gives the same bytes
    done = subprocess.run(
        [*base, "--out", str(part)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "another healthsim process" not in done.stderr, done.stderr
    assert "reused" in done.stderr, done.stderr

    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [p for p in workers if alive(p)]
    assert not orphans, f"workers {orphans} outlived their killed parent"

    if model_code(store) != model_code(full / "runs.sqlite"):  # pragma: no cover
        pytest.skip("healthsim's model code was edited while this test ran")
    assert result_rows(store) == result_rows(full / "runs.sqlite"), "stored results differ"
    got, want = output_files(part), output_files(full)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{name} differs from the uninterrupted comparison"


def test_a_lock_whose_holder_is_dead_is_taken_over(tmp_path, capsys):
    """An orphan still has the lock file open (so ``flock`` refuses), but the pid
    written in it is dead: the lock is taken over, with a message."""
    path = tmp_path / "runs.sqlite"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    code = (
        "import fcntl, sys, time\n"
        f"fh = open({str(_lock_path(path))!r}, 'a+')\n"
        "fcntl.flock(fh, fcntl.LOCK_EX)\n"
        f"fh.write('pid {dead.pid}'); fh.flush()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    orphan = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert orphan.stdout.readline().strip() == "locked"
        with ResultStore.open(path, IDENTITY, [("a", "")], ()) as st:
            assert st.count() == (0, 0)
        err = capsys.readouterr().err
        assert f"locked by process {dead.pid}, which is no longer running" in err, err
        assert "taking the lock over" in err
    finally:
        orphan.kill()
        orphan.wait()


def test_a_lock_whose_holder_runs_is_obeyed(tmp_path):
    from healthsim.errors import ExperimentError

    path = tmp_path / "runs.sqlite"
    code = (
        "import fcntl, os, time\n"
        f"fh = open({str(_lock_path(path))!r}, 'a+')\n"
        "fcntl.flock(fh, fcntl.LOCK_EX)\n"
        "fh.write(f'pid {os.getpid()}'); fh.flush()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ExperimentError, match=f"another healthsim process \\(pid {holder.pid}"):
            ResultStore.open(path, IDENTITY, [("a", "")], ())
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
def test_a_forked_child_does_not_hold_the_lock(tmp_path):
    """A forked worker closes its copy of the lock file: once the parent lets go, the
    lock is free although the child still runs."""
    path = tmp_path / "runs.sqlite"
    fh = _acquire_lock(path)
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(w)
        os.write(ready_w, b"r")  # the fork hooks have run
        os.read(r, 1)  # wait until the parent is done
        os._exit(0)
    os.close(r)
    os.close(ready_w)
    try:
        assert os.read(ready_r, 1) == b"r"
        _release_lock(fh)
        again = _acquire_lock(path)  # raises if the child kept the lock
        _release_lock(again)
    finally:
        os.write(w, b"x")
        os.close(w)
        os.waitpid(pid, 0)


@pytest.mark.skipif(sys.platform != "linux", reason="prctl(PR_SET_PDEATHSIG) is Linux's")
def test_a_worker_dies_with_its_parent(tmp_path):
    """A process that called die_with_parent ends when its parent is SIGKILLed."""
    code = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'from healthsim.experiments.executors import die_with_parent; "
        "die_with_parent(); print(1, flush=True); import time; time.sleep(60)'], "
        "stdout=subprocess.PIPE)\n"
        "child.stdout.readline()\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the worker outlived its killed parent"


def _die(tasks):  # a worker's chunk that kills its process, as the OOM killer would
    os._exit(9)


@pytest.mark.skipif(sys.platform != "linux", reason="forks the workers")
@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
def test_a_dead_worker_is_a_failure_at_run_time_exit_3(tmp_path, monkeypatch, capsys):
    """Exit status 2 is bad input; a worker that died is status 3, with one line."""
    from healthsim.cli import main
    from healthsim.experiments import executors

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(executors, "default_start_method", lambda: "fork")
    monkeypatch.setattr(executors, "_run_chunk", _die)
    args = ["compare", "baseline", "blame_focused", "--reps", "2", "--years", "1"]
    code = main([*args, "--workers", "2", "--out", "o", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3, err
    assert len(err) == 1 and err[0].startswith("healthsim: error: "), err
    assert "worker process died" in err[0], err
