"""Full and read-only disks (issue 15, section 4): ``compare`` gives one line and exit
status 2, keeps every run already stored, and resumes once the problem is fixed.

A full disk is simulated with SQLite's own limit (``PRAGMA max_page_count``: SQLite then
fails exactly as on a full disk, "database or disk is full"); a read-only folder with
``chmod`` (skipped as root, where it does not stop writes) and with a lock file that
cannot be opened.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from healthsim.cli import main
from healthsim.experiments import ensemble
from healthsim.experiments import store as store_module
from healthsim.experiments.store import ResultStore
from healthsim.reports import compare_report
from test_compare_resume import output_files, stored

REPS = 4
TOTAL = 2 * 2 * REPS  # 2 scenarios, and each parameter set rerun on a new seed
ARGS = ["compare", "baseline", "blame_focused", "--reps", str(REPS), "--years", "2"]
ARGS += ["--seed", "3", "--workers", "1"]


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def want(workdir, capsys) -> dict[str, bytes]:
    """The outputs of the same comparison, never interrupted."""
    assert main([*ARGS, "--out", "want", "--quiet"]) == 0
    capsys.readouterr()
    return output_files(workdir / "want")


def one_line_error(code: int, capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, f"expected exit status 2, got {code}: {captured.err}"
    assert len(lines) == 1, f"expected one line, got: {captured.err}"
    assert lines[0].startswith("healthsim: error: "), lines[0]
    assert "Traceback" not in captured.err
    assert "report:" not in captured.out, "no report after the error"
    return lines[0]


def resume_gives(want: dict[str, bytes], out: Path, kept: int, capsys) -> None:
    """Rerun: it reuses the ``kept`` runs and writes what an uninterrupted run does."""
    assert main([*ARGS, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    if kept:
        assert f"reused {kept} finished runs" in err, err
    got = output_files(out)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{name} differs from the uninterrupted comparison"


def test_full_disk_while_storing_runs(workdir, want, monkeypatch, capsys):
    out = workdir / "o"
    with monkeypatch.context() as m:
        m.setattr(ensemble, "COMMIT_EVERY", 0.0)  # store every run as it finishes
        real_add = ResultStore.add
        calls = {"n": 0}

        def add(self: ResultStore, records) -> int:
            records = list(records)
            if records:
                calls["n"] += 1
                if calls["n"] == 3:  # the disk fills up: no page more than now
                    pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
                    self._conn.execute(f"PRAGMA max_page_count = {pages}")
            return real_add(self, records)

        m.setattr(ResultStore, "add", add)
        line = one_line_error(main([*ARGS, "--out", str(out), "--quiet"]), capsys)
    kept = stored(out / "runs.sqlite")
    assert 2 <= kept < TOTAL, f"expected a partial store, found {kept} runs"
    assert "database or disk is full" in line, line
    assert f"the {kept} runs already stored are kept" in line, line
    assert "run the same command again" in line
    assert not (out / "report.html").exists()
    resume_gives(want, out, kept, capsys)  # space freed: resumes and finishes


def test_full_disk_while_writing_the_report(workdir, want, monkeypatch, capsys):
    out = workdir / "o"
    with monkeypatch.context() as m:

        def full(path: Path, data: bytes) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

        m.setattr(compare_report, "write_bytes", full)
        line = one_line_error(main([*ARGS, "--out", str(out), "--quiet"]), capsys)
    assert "cannot write the report" in line and "No space left on device" in line, line
    assert f"all {TOTAL} runs are kept" in line, line
    assert stored(out / "runs.sqlite") == TOTAL
    resume_gives(want, out, TOTAL, capsys)


def test_store_that_cannot_be_opened_for_writing(workdir, want, monkeypatch, capsys):
    """A folder whose files cannot be created (read-only): the lock file fails."""
    out = workdir / "o"
    with monkeypatch.context() as m:

        def denied(path: Path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

        m.setattr(store_module, "_acquire_lock", denied)
        line = one_line_error(main([*ARGS, "--out", str(out), "--quiet"]), capsys)
    assert "cannot write the runs" in line and "permission denied" in line, line
    resume_gives(want, out, 0, capsys)


def test_sqlite_refuses_to_write(workdir, want, monkeypatch, capsys):
    """SQLite's own read-only error, as on a read-only mount."""
    out = workdir / "o"
    with monkeypatch.context() as m:
        real_connect = sqlite3.connect

        def readonly(*args, **kwargs):
            if args and str(args[0]).endswith("runs.sqlite"):
                raise sqlite3.OperationalError("attempt to write a readonly database")
            return real_connect(*args, **kwargs)

        m.setattr(store_module.sqlite3, "connect", readonly)
        line = one_line_error(main([*ARGS, "--out", str(out), "--quiet"]), capsys)
    assert "readonly database" in line, line
    resume_gives(want, out, 0, capsys)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into read-only folders",
)
def test_read_only_out_folder(workdir, want, capsys):
    out = workdir / "o"
    assert main([*ARGS, "--out", str(out), "--quiet"]) == 0
    with sqlite3.connect(out / "runs.sqlite") as conn:  # as if it had been interrupted
        conn.execute("DELETE FROM runs WHERE replicate >= 2")
    capsys.readouterr()
    kept = stored(out / "runs.sqlite")
    os.chmod(out, 0o555)
    try:
        line = one_line_error(main([*ARGS, "--out", str(out), "--quiet"]), capsys)
        assert str(out) in line, line
        assert stored(out / "runs.sqlite") == kept, "every stored run is kept"
    finally:
        os.chmod(out, 0o755)
    resume_gives(want, out, kept, capsys)
