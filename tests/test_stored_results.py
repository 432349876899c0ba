"""Exposure and trust in stored results (issue 15, section 5): a resumed experiment
checks every stored run, and the local Dask dashboard listens on loopback only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from healthsim.cli import main
from healthsim.experiments import executors
from healthsim.experiments.store import ResultStore, _row_digest
from test_compare_resume import output_files
from test_store import IDENTITY, SCENARIOS, SERIES, record

COLS = (
    'point, scenario, replicate, seed, overrides, status, error, "values", months, series, seconds'
)


def stored_keys(path: Path) -> set[tuple]:
    with sqlite3.connect(path) as conn:
        return set(conn.execute("SELECT point, scenario, replicate FROM runs"))


def test_an_edited_run_is_dropped_with_a_message(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add([record(0, 0), record(0, 1), record(1, 0)])
    with sqlite3.connect(path) as conn:
        conn.execute(
            """UPDATE runs SET "values" = '{"harm_total":1e300}' """
            "WHERE scenario = 0 AND replicate = 1"
        )
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        assert store.finished() == {(0, 0, 0), (0, 1, 0)}, "the edited run is run again"
        assert all(r.values.get("harm_total", 0) < 1e299 for r in store.records())
    err = capsys.readouterr().err
    assert "1 stored run" in err and "failed verification" in err, err
    assert "scenario 0 replicate 1" in err and "checksum" in err, err
    assert stored_keys(path) == {(0, 0, 0), (0, 1, 0)}


def test_a_series_of_the_wrong_size_is_dropped_even_with_a_matching_digest(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add([record(0, 0), record(0, 1)])
    with sqlite3.connect(path) as conn:
        row = list(conn.execute(f"SELECT {COLS} FROM runs WHERE replicate = 1").fetchone())
        row[9] = row[9][:-4]  # one float short
        conn.execute(
            "UPDATE runs SET series = ?, digest = ? WHERE replicate = 1",
            (row[9], _row_digest(row)),
        )
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        assert store.finished() == {(0, 0, 0)}
        assert [r.series.shape for r in store.records()] == [(2, 5)], "no reshape error"
    assert "wrong size" in capsys.readouterr().err


def test_unreadable_values_are_dropped(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add([record(0, 0), record(0, 1)])
    with sqlite3.connect(path) as conn:
        row = list(conn.execute(f"SELECT {COLS} FROM runs WHERE replicate = 0").fetchone())
        row[7] = '{"harm_total": "lots"}'
        conn.execute(
            'UPDATE runs SET "values" = ?, digest = ? WHERE replicate = 0',
            (row[7], _row_digest(row)),
        )
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        assert store.finished() == {(0, 0, 1)}
    assert "not a table of numbers" in capsys.readouterr().err


def test_untouched_runs_pass_verification(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    recs = [record(0, 0), record(0, 1), record(1, 2, ok=False)]
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add(recs)
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        assert len(list(store.records())) == 3
    assert capsys.readouterr().err == "", "nothing to say about good runs"


def test_compare_runs_an_edited_run_again_and_gives_the_same_tables(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["compare", "baseline", "blame_focused", "--reps", "3", "--years", "2"]
    args += ["--workers", "1", "--out", "o"]
    assert main([*args, "--quiet"]) == 0
    want = output_files(tmp_path / "o")
    with sqlite3.connect(tmp_path / "o" / "runs.sqlite") as conn:
        where = "WHERE point = 0 AND scenario = 1 AND replicate = 2"
        values = json.loads(conn.execute(f'SELECT "values" FROM runs {where}').fetchone()[0])
        values["harm_total"] = 1e300
        conn.execute(f'UPDATE runs SET "values" = ? {where}', (json.dumps(values),))
    capsys.readouterr()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "failed verification and will be run again" in err, err
    # 3 replicates of 2 scenarios and the 3 reruns that split luck from parameters
    assert "reused 11 finished runs" in err and "ran 1" in err, err
    got = output_files(tmp_path / "o")
    for name in want:
        assert got[name] == want[name], f"{name} differs after re-running the edited run"
    assert b"inf" not in got["summary_stats.csv"]


def test_local_dask_dashboard_is_on_loopback(monkeypatch):
    import distributed

    seen: dict = {}

    class FakeCluster:
        def __init__(self, **kwargs):
            seen.update(kwargs)

        def close(self):
            pass

    class FakeClient:
        def __init__(self, cluster):
            pass

        def close(self):
            pass

    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", FakeClient)
    ex = executors.DaskExecutor("local", 1)
    ex.start()
    ex.close()
    assert seen["host"] == "127.0.0.1"
    dashboard = seen.get("dashboard_address")
    assert dashboard is None or str(dashboard).startswith("127.0.0.1:"), dashboard
