"""``--format parquet``: every table of a run, comparison and sensitivity folder also as
Parquet beside its CSV, holding the same data; without pyarrow, one line and exit 2."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthsim.cli import main
from healthsim.reports import formats

pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow (the parquet extra)")


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _as_csv_reads_it(df: pd.DataFrame) -> pd.DataFrame:
    """A frame as pandas reads it back from CSV (so a CSV and a Parquet copy of one table
    compare equal when they hold the same values)."""
    return pd.read_csv(io.StringIO(df.to_csv(index=False)))


def assert_same_tables(folder: Path, names: list[str]) -> None:
    assert names, "expected some tables"
    for name in names:
        csv = folder / name
        pq = folder / formats.parquet_name(name)
        assert csv.is_file(), f"{name} is missing: the CSV tables stay with --format parquet"
        assert pq.is_file(), f"{pq.name} is missing beside {name}"
        from_parquet = pd.read_parquet(pq)
        try:
            from_csv = pd.read_csv(csv)
        except pd.errors.EmptyDataError:  # a table with no columns (no failed runs)
            assert from_parquet.empty, f"{pq.name} should be empty like {name}"
            continue
        assert list(from_parquet.columns) == list(from_csv.columns), f"{pq.name}: columns"
        assert len(from_parquet) == len(from_csv), f"{pq.name}: rows"
        pd.testing.assert_frame_equal(
            _as_csv_reads_it(from_parquet),
            from_csv,
            check_dtype=False,
            rtol=1e-9,  # compare's CSV keeps 10 significant figures; Parquet all of them
            obj=f"{pq.name} against {name}",
        )


@pytest.mark.slow
def test_run_writes_parquet_beside_every_csv_table(workdir, capsys) -> None:
    from healthsim.reports.run_report import TABLES

    out = workdir / "run"
    assert main(["run", "--years", "1", "--out", str(out), "--format", "parquet"]) == 0
    assert_same_tables(out, [file for file, *_ in TABLES])
    trusts = pd.read_parquet(out / "trusts.parquet")
    assert pd.api.types.is_numeric_dtype(trusts["quality"]), "Parquet keeps the types"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "`trusts.parquet`" in report, "the report lists the Parquet tables"
    resolved = (out / "scenario.resolved.toml").read_text(encoding="utf-8")
    assert "--format parquet" in resolved, "the recorded command gives the format"


@pytest.mark.slow
def test_run_without_the_option_writes_csv_only(workdir, capsys) -> None:
    out = workdir / "run"
    assert main(["run", "--years", "1", "--out", str(out)]) == 0
    assert (out / "trusts.csv").is_file()
    assert not list(out.glob("*.parquet")), "CSV is the default, alone"


@pytest.mark.slow
def test_compare_writes_parquet_and_a_csv_rerun_removes_it(workdir, capsys) -> None:
    from healthsim.reports.compare_report import CSV_FILES

    out = workdir / "cmp"
    args = ["compare", "baseline", "blame_focused", "--reps", "2", "--years", "1"]
    args += ["--workers", "1", "--parameters", "defaults", "--out", str(out), "--quiet"]
    assert main([*args, "--format", "parquet"]) == 0
    assert "Parquet" in capsys.readouterr().out
    assert_same_tables(out, list(CSV_FILES))
    assert main(args) == 0, "a rerun (reusing the stored runs) with CSV only"
    left = sorted(p.name for p in out.glob("*.parquet"))
    assert not left, f"Parquet copies of an earlier report should not outlive it: {left}"


@pytest.mark.slow
def test_sensitivity_writes_parquet_beside_every_csv_table(workdir, capsys) -> None:
    out = workdir / "sens"
    args = ["sensitivity", "baseline", "--method", "morris", "--n", "2", "--reps", "1"]
    args += ["--years", "1", "--workers", "1", "--parameters", "defaults", "--quiet"]
    args += ["--param", "behaviour.fear_toxicity=0:1", "--param", "behaviour.cuts_harm=0.2:1"]
    args += ["--output", "harm_total", "--out", str(out), "--format", "parquet"]
    assert main(args) == 0
    tables = sorted(p.name for p in out.glob("*.csv"))
    assert "indices.csv" in tables and "points.csv" in tables
    assert_same_tables(out, tables)


# -- without pyarrow -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--years", "1"],
        ["compare", "baseline", "blame_focused", "--reps", "2"],
        ["sensitivity", "harm_drivers"],
    ],
    ids=lambda a: a[0],
)
def test_parquet_without_pyarrow_is_one_line_and_status_2(args, workdir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    assert main([*args, "--format", "parquet"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, f"expected one line: {captured.err!r}"
    assert "--format parquet" in lines[0] and "pyarrow" in lines[0], lines[0]
    assert "healthsim[parquet]" in lines[0], "the line should say how to get pyarrow"
    assert not any(workdir.iterdir()), "nothing runs and nothing is written"


def test_library_writers_refuse_parquet_without_pyarrow(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(formats.ParquetUnavailableError, match="pyarrow"):
        formats.check_format("parquet")
    assert formats.check_format("csv") == "csv", "CSV needs nothing more"
    with pytest.raises(ValueError, match="unknown table format"):
        formats.check_format("xlsx")


# -- the Parquet writer ------------------------------------------------------------------


def test_parquet_bytes_are_stable_and_keep_values_and_types() -> None:
    df = pd.DataFrame(
        {
            "scenario": ["a", "b", "c"],
            "mean": [0.1234567890123, np.nan, 3.0],
            "n": [1, 2, 3],
            "ok": [True, False, True],
        }
    )
    data = formats.parquet_bytes(df)
    assert data == formats.parquet_bytes(df.copy()), "the same table gives the same bytes"
    back = pd.read_parquet(io.BytesIO(data))
    pd.testing.assert_frame_equal(back, df, obj="Parquet round trip")


def test_mixed_type_columns_are_written_as_text() -> None:
    df = pd.DataFrame({"value": [1, "two", None, 3.5]})
    back = pd.read_parquet(io.BytesIO(formats.parquet_bytes(df)))
    values = back["value"].tolist()
    assert values[:2] + values[3:] == ["1", "two", "3.5"], "as CSV writes them"
    assert pd.isna(values[2]), "a missing value stays missing"
    assert df["value"].tolist()[0] == 1, "the caller's frame is left alone"
