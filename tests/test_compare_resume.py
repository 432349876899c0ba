"""Interrupt a comparison (kill it, or Ctrl-C) and run it again: nothing finished is run
again, and the results are the same bytes as a comparison that was never interrupted."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthsim.experiments import compare as cmp
from healthsim.experiments.executors import ProcessExecutor
from healthsim.reports import compare_report

SCENARIOS = ["blame_focused", "board_supported", "whole_system"]


def stored(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(path, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return 0


def result_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            'SELECT point, scenario, replicate, seed, status, error, "values", series '
            "FROM runs ORDER BY point, scenario, replicate"
        ).fetchall()


def interrupt_after(proc: subprocess.Popen, store: Path, at_least: int, sig: int) -> int:
    """Send ``sig`` once ``at_least`` runs are stored; return how many were stored."""
    deadline = time.monotonic() + 120
    while stored(store) < at_least:
        if proc.poll() is not None:
            out = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(
                f"the comparison ended (status {proc.returncode}) with {stored(store)} runs "
                f"stored, before {at_least} were: {out}"
            )
        assert time.monotonic() < deadline, "no runs were stored"
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return stored(store)


def model_code(path: Path) -> str:
    """The model-code digest a store was made with (see store.code_version)."""
    with sqlite3.connect(path) as conn:
        identity = conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()[0]
    return json.loads(identity)["code"]


def output_files(folder: Path) -> dict[str, bytes]:
    skip = {"runs.sqlite", "runs.sqlite-wal", "runs.sqlite-shm", ".runs.sqlite.lock"}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


@pytest.mark.slow
def test_killed_then_rerun_gives_identical_results_and_recomputes_nothing(tmp_path):
    base = [
        sys.executable,
        "-m",
        "healthsim",
        "compare",
        *SCENARIOS,
        "--reps",
        "200",
        "--years",
        "10",
        "--seed",
        "11",
    ]
    total = 3 * (200 + 20)  # and the reruns that split luck from parameters
    full = tmp_path / "full"
    subprocess.run([*base, "--workers", "2", "--out", str(full), "--quiet"], check=True)

    part = tmp_path / "part"
    store = part / "runs.sqlite"
    # 1. kill -9 a serial run partway: only committed runs survive
    proc = subprocess.Popen(
        [*base, "--workers", "1", "--out", str(part), "--quiet"], stderr=subprocess.PIPE, text=True
    )
    first = interrupt_after(proc, store, 10, signal.SIGKILL)
    assert 0 < first < total, f"expected a partial store, found {first} runs"
    assert not (part / "report.html").exists(), "no report from an interrupted comparison"

    # 2. rerun on 2 processes and stop it with SIGTERM (as `kill` does): it keeps what
    #    finished and exits 130
    proc = subprocess.Popen(
        [*base, "--workers", "2", "--out", str(part)],
        stderr=subprocess.PIPE,
        text=True,
    )
    second = interrupt_after(proc, store, first + 5, signal.SIGTERM)
    err = proc.stderr.read()
    assert proc.returncode == 130, err
    assert "run the same command again" in err
    assert first < second < total, (first, second)

    # 3. rerun to the end: only the missing runs are computed
    done = subprocess.run(
        [*base, "--workers", "2", "--out", str(part)], capture_output=True, text=True, check=True
    )
    assert f"reused {second} finished runs" in done.stderr, done.stderr
    assert f"ran {total - second}" in done.stderr, done.stderr

    if model_code(store) != model_code(full / "runs.sqlite"):  # pragma: no cover
        pytest.skip("healthsim's model code was edited while this test ran")
    assert result_rows(store) == result_rows(full / "runs.sqlite"), "stored results differ"
    got, want = output_files(part), output_files(full)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{name} differs from the uninterrupted comparison"


def test_an_interrupt_inside_python_keeps_finished_runs(tmp_path):
    spec = cmp.build_spec(SCENARIOS[:2], reps=12, years=2)
    out = tmp_path / "c"
    seen = []

    def stop_after_some(records):
        seen.extend(records)
        if len(seen) >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cmp.run_comparison(
            spec, executor=ProcessExecutor(2), out=out, progress=False, on_records=stop_after_some
        )
    kept = stored(out / "runs.sqlite")
    assert kept >= 6, "runs handed back before the interrupt must be stored"
    res = cmp.run_comparison(spec, executor="serial", out=out, progress=False)
    total = 2 * (12 + 12)  # 12 replicates of 2 scenarios and the 12 reruns of their sets
    assert res.progress.reused == kept and res.progress.computed == total - kept
    again = cmp.run_comparison(spec, executor="serial", out=out, progress=False)
    assert again.progress.computed == 0, "a finished comparison runs nothing"
    fresh = cmp.run_comparison(spec, executor="serial", progress=False)
    assert res.stats.equals(fresh.stats), "resumed statistics equal uninterrupted ones"


def test_an_interrupt_while_the_report_is_written_says_the_runs_are_kept(
    tmp_path, monkeypatch, capsys
):
    """Every run finished but the report was not written: the user is told so, and
    running the same command again writes it without running anything."""
    from healthsim.cli import main

    args = ["compare", *SCENARIOS[:2], "--reps", "4", "--years", "1", "--workers", "1"]
    out = tmp_path / "c"

    def interrupted(result, folder, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(compare_report, "write_report", interrupted)
    assert main([*args, "--out", str(out), "--quiet"]) == 130
    err = capsys.readouterr().err
    # 4 replicates of 2 scenarios, and the 4 parameter sets rerun on new seeds
    assert "interrupted while writing the report; all 16 runs are kept" in err, err
    assert "run the same command again to write it" in err
    assert not (out / "report.html").exists()

    monkeypatch.undo()
    assert main([*args, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "reused 16 finished runs" in err and "ran 0" in err, err
    assert (out / "report.html").is_file()
