"""What ``healthsim run`` writes: every file, CSV shapes, an exactly reproducible
resolved scenario, and an all-or-nothing output folder."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from healthsim import run
from healthsim.atomic import MARKER, OutputFolderError
from healthsim.cli import main
from healthsim.config import load_scenario
from healthsim.metrics.summary import SUMMARY
from healthsim.model.history import MONTHLY, PER_TRUST
from healthsim.reports import run_report, write_run

YEARS = 2
SEED = 5
FIGURES = ("quality_and_harm.png", "ladder_and_ratings.png", "finances.png", "network.png")
TABLES = ("timeseries.csv", "trusts.csv", "summary.csv", "events.csv")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result():
    return run("baseline", seed=SEED, years=YEARS)


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "baseline-5"
    return write_run(result, out, command="healthsim run baseline --seed 5 --years 2")


def leftovers(parent: Path) -> list[str]:
    """Hidden work folders left beside an output folder."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------------------
# Files and shapes
# --------------------------------------------------------------------------------------


def test_every_output_file_is_written(folder):
    names = {p.name for p in folder.iterdir()}
    expected = {"report.md", "scenario.resolved.toml", *TABLES, *FIGURES}
    assert names == expected, f"expected exactly {sorted(expected)}, got {sorted(names)}"


def test_figures_are_png_images(folder):
    for name in FIGURES:
        head = (folder / name).read_bytes()[:8]
        assert head == PNG_MAGIC, f"{name} should be a PNG file, starts with {head!r}"


def test_timeseries_has_one_row_per_month_and_every_metric(folder):
    ts = pd.read_csv(folder / "timeseries.csv")
    assert len(ts) == 12 * YEARS, f"expected {12 * YEARS} monthly rows, got {len(ts)}"
    missing = set(MONTHLY) - set(ts.columns)
    assert not missing, f"timeseries.csv lacks metrics {sorted(missing)}"
    assert ts["month"].tolist() == list(range(1, 12 * YEARS + 1)), "months should run 1..24"
    assert ts["financial_year"].iloc[0] == "2013/14", "month 1 of baseline is April 2013"


def test_trusts_has_one_row_per_trust_per_month(folder, result):
    df = pd.read_csv(folder / "trusts.csv")
    n = result.model.structure.n_trusts
    assert len(df) == 12 * YEARS * n, f"expected {12 * YEARS * n} rows, got {len(df)}"
    missing = set(PER_TRUST) - set(df.columns)
    assert not missing, f"trusts.csv lacks per-trust columns {sorted(missing)}"
    per_month = df.groupby("month")["trust"].nunique()
    assert (per_month == n).all(), "every month should list every trust once"
    assert df["rung_name"].notna().all(), "every rung should have its name in words"


def test_summary_lists_every_metric_with_its_description(folder, result):
    df = pd.read_csv(folder / "summary.csv")
    assert list(df.columns) == ["metric", "value", "description"], f"columns were {list(df)}"
    assert list(df["metric"]) == list(result.summary), "one row per per-run metric, in order"
    for metric, text in zip(df["metric"], df["description"], strict=True):
        assert text == SUMMARY[metric], f"{metric} should carry its SUMMARY description"


def test_the_trusts_frame_has_the_columns_of_trusts_csv(folder, result):
    csv = pd.read_csv(folder / "trusts.csv")
    assert list(result.trusts.columns) == list(csv.columns), "the same columns, in order"
    assert result.trusts["financial_year"].iloc[0] == "2013/14"
    assert result.trusts["rating_name"].notna().all()


def test_the_summary_is_a_frame_as_in_summary_csv(folder, result):
    frame = result.summary_frame()
    csv = pd.read_csv(folder / "summary.csv")
    assert list(frame.columns) == list(csv.columns) == ["metric", "value", "description"]
    assert frame["metric"].tolist() == csv["metric"].tolist() == list(result.summary)
    pd.testing.assert_series_equal(frame["value"], csv["value"], check_exact=False, rtol=1e-12)


def test_events_match_the_run(folder, result):
    df = pd.read_csv(folder / "events.csv")
    assert len(df) == len(result.events), f"expected {len(result.events)} events, got {len(df)}"
    assert {"month", "financial_year", "trust", "event"} <= set(df.columns), list(df.columns)


def test_report_explains_every_file_and_shows_every_figure(folder):
    text = (folder / "report.md").read_text(encoding="utf-8")
    for name in (*TABLES, *FIGURES, "scenario.resolved.toml"):
        assert f"`{name}`" in text, f"report.md should explain {name}"
    for name in FIGURES:
        assert f"]({name})" in text, f"report.md should show {name}"
    for column in MONTHLY:
        assert f"`{column}`" in text, f"report.md should explain timeseries column {column}"


# --------------------------------------------------------------------------------------
# The resolved scenario reproduces the run
# --------------------------------------------------------------------------------------


def test_resolved_scenario_header_gives_seed_version_and_command(folder):
    text = (folder / "scenario.resolved.toml").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    joined = "\n".join(header)
    assert f"Seed: {SEED}" in joined, f"header should give the seed: {joined}"
    assert "healthsim 0." in joined, f"header should give the package version: {joined}"
    expected = f"healthsim run {folder / 'scenario.resolved.toml'} --seed {SEED}"
    assert expected in joined, f"header should give the command {expected!r}: {joined}"
    tomllib.loads(text)  # the header is comments: still valid TOML


def test_resolved_scenario_loads_as_the_scenario_that_ran(folder, result):
    again = load_scenario(folder / "scenario.resolved.toml")
    assert again == result.scenario, "the resolved file should load as the same scenario"


@pytest.mark.e2e
def test_rerunning_the_resolved_scenario_reproduces_every_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first = tmp_path / "first"
    args = ["run", "blame_focused", "--seed", "11", "--years", "2"]
    code = main([*args, "--set", "regime.communication.blame_intensity=0.8", "--out", "first"])
    assert code == 0, capsys.readouterr().err
    code = main(["run", str(first / "scenario.resolved.toml"), "--seed", "11", "--out", "again"])
    assert code == 0, capsys.readouterr().err
    for name in TABLES:
        a = (first / name).read_bytes()
        b = (tmp_path / "again" / name).read_bytes()
        assert a == b, f"{name} differs when the resolved scenario is re-run on the same seed"
    body = [
        (tmp_path / d / "scenario.resolved.toml").read_text().split("\n\n", 1)[1]
        for d in ("first", "again")
    ]
    assert body[0] == body[1], "the resolved scenario should resolve to itself"


# --------------------------------------------------------------------------------------
# All or nothing
# --------------------------------------------------------------------------------------


def _broken_figure(result):
    raise RuntimeError("figure failed")


def test_a_failing_figure_leaves_no_output_folder(result, tmp_path, monkeypatch):
    monkeypatch.setattr(run_report.figures, "finances_figure", _broken_figure)
    out = tmp_path / "results" / "baseline-5"
    with pytest.raises(RuntimeError, match="figure failed"):
        write_run(result, out)
    assert not out.exists(), "a failed run must not leave its output folder"
    assert not (tmp_path / "results").exists(), "nor the parent folder it created"
    assert leftovers(tmp_path) == [], f"no hidden work folders either: {leftovers(tmp_path)}"


def test_an_interrupted_run_leaves_no_output_folder(tmp_path, monkeypatch, capsys):
    def interrupt(result):
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_report.network, "network_figure", interrupt)
    code = main(["run", "--years", "1", "--out", "out"])
    assert code == 130, f"Ctrl-C should exit with status 130, got {code}"
    assert "interrupted" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "an interrupted run must leave no output folder"
    assert leftovers(tmp_path) == [], f"no hidden work folders either: {leftovers(tmp_path)}"


def test_a_failed_rerun_keeps_the_earlier_results(result, folder, tmp_path, monkeypatch):
    out = tmp_path / "kept"
    write_run(result, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(run_report.figures, "ladder_figure", _broken_figure)
    with pytest.raises(RuntimeError):
        write_run(result, out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before, "the earlier results must stay untouched when a re-run fails"
    assert leftovers(tmp_path) == [], f"no hidden work folders: {leftovers(tmp_path)}"


def test_a_completed_rerun_replaces_the_earlier_folder(result, tmp_path):
    out = tmp_path / "replaced"
    write_run(result, out)
    (out / "stale.txt").write_text("from an earlier run")
    write_run(result, out)
    assert not (out / "stale.txt").exists(), "the new folder should replace the old one whole"
    assert (out / MARKER).is_file(), "and hold the new results"
    assert leftovers(tmp_path) == [], f"no hidden folders left: {leftovers(tmp_path)}"


def test_a_folder_of_other_files_is_never_replaced(result, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(OutputFolderError, match="not healthsim results"):
        write_run(result, out)
    assert (out / "thesis.docx").read_text() == "precious", "other files must be left alone"


# --------------------------------------------------------------------------------------
# Disclaimer and figures as objects
# --------------------------------------------------------------------------------------


def test_a_disclaimer_reaches_every_written_output(tmp_path):
    note = "Simulated organisations: not a judgement of any real trust."
    r = run("baseline", seed=2, years=1, overrides={"economy.disclaimer": note})
    out = write_run(r, tmp_path / "disclaimed")
    assert note in (out / "report.md").read_text(), "report.md should carry the disclaimer"
    header = (out / "scenario.resolved.toml").read_text().split("\n\n", 1)[0]
    assert note in header, "the resolved scenario's header should carry it"
    for spec in run_report._figure_specs():
        fig = spec.build(r)
        texts = [t.get_text() for sub in fig.subfigs for t in sub.texts]
        assert any(note in t for t in texts), f"{spec.file} should carry it in its footer"


def test_figure_functions_return_figures_for_notebooks(result):
    for spec in run_report._figure_specs():
        fig = spec.build(result)
        assert isinstance(fig, Figure), f"{spec.file}: expected a matplotlib Figure"
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert titles, f"{spec.file} should title its panels in plain language"


def test_without_the_model_the_network_figure_is_left_out(tmp_path):
    r = run("baseline", seed=1, years=1, keep_model=False)
    out = write_run(r, tmp_path / "nomodel")
    assert not (out / "network.png").exists(), "no model, no network figure"
    assert "network.png" not in (out / "report.md").read_text(), "and the report says nothing of it"
    assert (out / "finances.png").is_file(), "the other figures are still drawn"


def test_summary_csv_has_no_binary_noise_and_prose_numbers_no_exponents():
    import re

    from healthsim import run
    from healthsim.reports.sensitivity_text import num
    from healthsim.reports.tables import summary_table

    table = summary_table(run("baseline", seed=3, years=2))
    for v in table["value"]:
        if isinstance(v, float) and v == v:
            assert len(repr(v).lstrip("-").replace(".", "").lstrip("0")) <= 11, (
                f"{v!r}: at most 10 significant figures in summary.csv"
            )
    for x in (5.25e-05, 0.0103, 4.51e3, 0.2, 1e-9):
        assert not re.search(r"e[+-]?\d", num(x)), f"{num(x)}: no exponent in prose"


def test_one_default_seed_and_the_regime_is_seen_at_work_on_it():
    """The default `healthsim run` (and animate, app, healthsim.run) shows the regime at
    work: a first run where something happens (issue 13)."""
    import inspect

    from healthsim.commands._common import DEFAULT_SEED
    from healthsim.experiments.single import run as run_fn

    assert inspect.signature(run_fn).parameters["seed"].default == DEFAULT_SEED
    r = run("baseline", seed=DEFAULT_SEED, keep_model=False)
    assert r.summary["sm_entries"] > 0, "the default run should see special measures"


def test_a_run_with_no_entry_says_so_and_why():
    from healthsim.reports.summary_text import summary_lines

    r = run("baseline", seed=1, keep_model=False)
    assert r.summary["sm_entries"] == 0, "baseline seed 1 sees no entry (pick another)"
    text = dict(summary_lines(r))["Special measures"]
    assert text.startswith("no trust was put into special measures"), text
    assert "inspections found a trust failing" in text, "it should say why"
    assert "--seed" in text and "larger economy" in text, "and what to try instead"


def test_false_alarms_are_judged_at_the_time_of_entry():
    from healthsim import run
    from healthsim.reports.summary_text import summary_lines

    r = run("blame_focused", seed=3)  # two entries, one of a trust not truly failing
    assert r.summary["false_positives"] == 1
    text = dict(summary_lines(r))["Special measures"]
    assert "1 of them false alarms at the time" in text and "when it entered" in text, text
