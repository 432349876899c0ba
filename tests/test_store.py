"""The result store: exact round trip, resume bookkeeping, refusing another experiment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from healthsim.experiments.executors import ExperimentError
from healthsim.experiments.store import ResultStore, describe_difference
from healthsim.experiments.tasks import Record

IDENTITY = {"kind": "test", "reps": 3, "seed": 1, "scenarios": ["a", "b"]}
SCENARIOS = [("a", "name = 'a'\n"), ("b", "name = 'b'\n")]
SERIES = ("harm", "quality_mean")


def record(scenario: int, replicate: int, *, ok: bool = True) -> Record:
    series = np.arange(2 * 5, dtype=np.float32).reshape(2, 5) / 7 + replicate
    return Record(
        0,
        scenario,
        replicate,
        seed=2**62 + replicate,
        overrides=(("regime.communication.blame_intensity", 0.25),),
        status="ok" if ok else "failed",
        error="" if ok else "ZeroDivisionError: boom (at model/rules.py:1 in f)",
        values={"harm_total": 0.1 + replicate / 3, "sm_months_mean": float("nan")} if ok else {},
        series=series if ok else None,
        seconds=0.5,
    )


def test_records_round_trip_exactly(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add([record(1, 2), record(0, 1), record(0, 0, ok=False)])
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        got = list(store.records())
        assert [r.key for r in got] == [(0, 0, 0), (0, 0, 1), (0, 1, 2)], "sorted by key"
        ok = got[1]
        want = record(0, 1)
        assert ok.values["harm_total"] == want.values["harm_total"], "floats are exact"
        assert np.isnan(ok.values["sm_months_mean"]), "NaN survives the round trip"
        assert ok.series.dtype == np.float32 and ok.series.shape == (2, 5)
        assert ok.series.tobytes() == want.series.tobytes(), "series bytes are exact"
        assert ok.seed == 2**62 + 1, "63-bit seeds fit"
        assert ok.overrides == (("regime.communication.blame_intensity", 0.25),)
        bad = got[0]
        assert bad.status == "failed" and "ZeroDivisionError" in bad.error
        assert store.finished() == {(0, 0, 0), (0, 0, 1), (0, 1, 2)}
        assert store.finished(include_failed=False) == {(0, 0, 1), (0, 1, 2)}
        assert store.count() == (3, 1)
        assert store.scenario_tomls() == SCENARIOS


def test_a_store_of_another_experiment_is_refused_with_what_differs(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        store.add([record(0, 0)])
    other = {**IDENTITY, "reps": 200}
    with pytest.raises(ExperimentError, match=r"replicates: 3 there, 200 here.*--fresh"):
        ResultStore.open(path, other, SCENARIOS, SERIES)
    with ResultStore.open(path, other, SCENARIOS, SERIES, fresh=True) as store:
        assert store.finished() == set(), "--fresh starts from an empty store"


def test_describe_difference_names_each_part():
    a = {"reps": 3, "seed": 1, "code": "abc", "scenarios": ["x", "y"]}
    b = {"reps": 3, "seed": 2, "code": "def", "scenarios": ["x", "z"]}
    text = describe_difference(a, b)
    assert "master seed: 1 there, 2 here" in text
    assert "model code" in text and "abc" not in text, "digests are not shown"
    assert "scenarios: x, y there, x, z here" in text


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_text("not a database, just some text that is long enough" * 20)
    with pytest.raises(ExperimentError, match="not a healthsim result store"):
        ResultStore.open(path, IDENTITY, SCENARIOS, SERIES)


def test_an_empty_file_left_by_a_crash_is_a_new_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.touch()
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES) as store:
        assert store.finished() == set()


def test_a_second_writer_is_kept_out(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore.open(path, IDENTITY, SCENARIOS, SERIES):
        code = (
            "import sys\n"
            "from healthsim.experiments.store import ResultStore\n"
            "from healthsim.experiments.executors import ExperimentError\n"
            f"try:\n    ResultStore.open({str(path)!r}, {IDENTITY!r}, {SCENARIOS!r}, {SERIES!r})\n"
            "except ExperimentError as e:\n    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert "another healthsim process" in proc.stdout and "pid" in proc.stdout


def test_in_memory_store_needs_no_file(tmp_path):
    store = ResultStore.open(None, IDENTITY, SCENARIOS, SERIES)
    store.add([record(0, 0)])
    assert [r.key for r in store.records()] == [(0, 0, 0)]
    store.close()
