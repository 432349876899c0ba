"""Calibration: the shipped defaults pass a reduced check, the distance function, and a
tiny fit through the whole pipeline (store, interrupt, resume, outputs, command line)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthsim.calibration import (
    FITTED,
    SET_FROM_SOURCES,
    TARGETS,
    Target,
    band_distance,
    run_check,
    run_fit,
)
from healthsim.calibration.distance import MISSING_PENALTY, PULL, statistic_distance
from healthsim.calibration.fit import FitError, FitSettings
from healthsim.cli import main
from healthsim.config import load_scenario, with_overrides
from healthsim.experiments.executors import ExperimentError
from healthsim.reports.calibration_report import write_fit

#: Seeds of the reduced check run in CI (the published check uses 50).
CI_SEEDS = 16


def short_scenario():
    """The calibration scenario cut to 3 years and 8 local economies (about 40 trusts)."""
    base = load_scenario("england_2013_2019")
    return with_overrides(base, {"years": 3, "economy.n_economies": 8})


# --------------------------------------------------------------------------------------
# the shipped defaults
# --------------------------------------------------------------------------------------


#: Statistics the shipped posterior misses (docs/calibration.md, "What fails, and why"):
#: the stock in special measures drains late in the run (a gap in the mechanisms), and
#: three sit at a band's edge (in or out by chance on 16 runs). Any other statistic
#: outside its band fails the test.
KNOWN_MISFITS = {"sm_stock_min", "sm_stock_max", "sm_months_mean", "deficit_share_peak"}


@pytest.mark.slow
def test_the_shipped_posterior_passes_the_check_at_reduced_size_but_its_known_misfits():
    result = run_check(seeds=CI_SEEDS, executor="serial")
    assert result.failed.empty, f"runs failed: {result.failed.to_dict('records')}"
    outside = [
        f"{r.statistic}: mean {r.mean:.4g} over {r.seeds} runs, band {r.band_low:g} to "
        f"{r.band_high:g}"
        for r in result.table.itertuples()
        if not (r.band_low <= r.mean <= r.band_high) and r.statistic not in KNOWN_MISFITS
    ]
    assert not outside, "statistics outside their bands: " + "; ".join(outside)
    assert len(result.table) == len(TARGETS) == 19, "every target statistic is checked"
    assert result.parameters.kind == "posterior", "the check is of the posterior's predictions"
    assert result.runs["seed"].nunique() == CI_SEEDS
    docs = (Path(__file__).resolve().parents[1] / "docs" / "calibration.md").read_text()
    for key in KNOWN_MISFITS:
        label = next(t.label for t in TARGETS if t.key == key)
        assert f"| {label} |" in docs and "What fails, and why" in docs, (
            f"a known misfit ({key}) must be shown and explained in docs/calibration.md"
        )


# --------------------------------------------------------------------------------------
# the statistics of T3, T6, T7 and T8, on worked histories
# --------------------------------------------------------------------------------------


class _Rec:
    """A recorder stand-in: per-trust (month, trust) arrays."""

    def __init__(self, **per_trust):
        self.per_trust = per_trust


def test_t7_follows_each_entrant_for_twelve_months_against_all_trusts():
    """Trust 0 enters special measures at month 2: its harm per unit of activity over
    months 0-2 is 0.1, over months 12-14 0.05 (a fall of 50%); all trusts' rate falls
    from (0.1 + 0.02) / 2 = 0.06 to (0.05 + 0.02) / 2 = 0.035 (41.7%). Trust 1 never
    enters. Trust 0's quality rises from 0.4 to 0.5."""
    months = 20
    rung = np.zeros((months, 2))
    rung[2:, 0] = 3
    harm = np.tile([10.0, 2.0], (months, 1))
    harm[10:, 0] = 5.0
    act = np.full((months, 2), 100.0)
    quality = np.tile([0.4, 0.7], (months, 1))
    quality[14:, 0] = 0.5
    from healthsim.calibration.targets import _entrants

    got = _entrants(_Rec(rung=rung, harm=harm, activity=act, quality=quality), months)
    assert got["sm_entrant_harm_fall"] == pytest.approx(0.5)
    assert got["sm_national_harm_fall"] == pytest.approx(1 - 0.035 / 0.06)
    assert got["sm_entrants_improved"] == 1.0


def test_a_ratio_target_is_the_ratio_of_its_parts_means():
    from healthsim.calibration.targets import target_means

    means = target_means(
        {"sm_entrant_harm_fall": np.array([0.1, 0.2]), "sm_national_harm_fall": [0.05, 0.05]}
    )
    assert means["sm_harm_fall_ratio"] == pytest.approx(3.0), "0.15 / 0.05, not mean(2, 4)"
    rising = target_means({"sm_entrant_harm_fall": [0.1], "sm_national_harm_fall": [-0.01]})
    assert math.isnan(rising["sm_harm_fall_ratio"]), "no ratio when harm rose nationally"


def test_the_trajectory_statistics_of_a_real_run():
    from healthsim.calibration.targets import calibration_stats
    from healthsim.model import HealthEconomy

    m = HealthEconomy(
        with_overrides(load_scenario("england_2013_2019"), {"economy.n_economies": 6}), rng=3
    ).run()
    stats = calibration_stats(m)
    deficit = m.recorder.monthly["in_deficit"] / m.s.n
    ends = deficit[11::12]
    assert stats["deficit_share_peak"] == pytest.approx(ends[:5].max())
    assert stats["deficit_peak_year"] == int(np.argmax(ends[:5]))
    assert stats["deficit_share_2016_17"] == pytest.approx(ends[3])
    rep = m.recorder.monthly["reporting_rate"]
    assert stats["reporting_change_2013_2015"] == pytest.approx(rep[24:36].mean() - rep[:12].mean())
    assert -1 <= stats["good_share_rise"] <= 1


# --------------------------------------------------------------------------------------
# the distance, against values worked by hand
# --------------------------------------------------------------------------------------


def _t(key: str) -> Target:
    return next(t for t in TARGETS if t.key == key)


def _inside(t: Target) -> float:
    """The band's centre, or for a band open on one side its finite edge."""
    return t.centre if math.isfinite(t.width) else (t.low if math.isfinite(t.low) else t.high)


def test_distance_is_zero_at_every_band_centre():
    centres = {t.key: _inside(t) for t in TARGETS}
    assert band_distance(centres) == pytest.approx(0.0), "centres are the best fit"


def test_distance_inside_the_band_is_only_the_pull():
    # time in special measures: band 16-28 months (width 12, centre 22); 16 is the edge
    t = _t("sm_months_mean")
    assert statistic_distance(t, 16.0) == pytest.approx(PULL * 6 / 12)
    assert statistic_distance(t, 25.0) == pytest.approx(PULL * 3 / 12)


def test_distance_outside_the_band_is_in_band_widths():
    # 31 months: 3 months past the top of a 12-month band (0.25) plus the pull 0.05 x 9/12
    t = _t("sm_months_mean")
    assert statistic_distance(t, 31.0) == pytest.approx(0.25 + 0.05 * 0.75)
    # inadequate ratings at 2%: band 5-15% (width 0.10), 3 points below: 0.3 + 0.05 x 0.8
    assert statistic_distance(_t("rated_inadequate"), 0.02) == pytest.approx(0.3 + 0.04)
    # the worst aggregate margin at -6%: band -5% to -1%, 1 point below a 4-point band
    assert statistic_distance(_t("aggregate_margin_worst"), -0.06) == pytest.approx(
        0.25 + 0.05 * 0.03 / 0.04
    )


def test_distance_of_a_point_sums_its_statistics_and_penalises_missing_ones():
    means = {t.key: _inside(t) for t in TARGETS}
    means["sm_months_mean"] = 31.0  # 0.2875
    means["rated_inadequate"] = 0.02  # 0.34
    means["sm_exit_within_12m"] = float("nan")  # no exits at all
    expected = 0.2875 + 0.34 + MISSING_PENALTY
    assert band_distance(means) == pytest.approx(expected)
    del means["deficit_share_start"]  # a statistic not reported counts as missing
    assert band_distance(means) == pytest.approx(expected + MISSING_PENALTY)
    assert band_distance(means, pull=0.0) == pytest.approx(0.25 + 0.3 + 2 * MISSING_PENALTY)


def test_distance_of_an_open_band_is_scaled_by_its_edge():
    below = Target("x", "T0", "x", "x", -math.inf, 0.2, "share", "test")
    assert statistic_distance(below, 0.1) == 0.0, "inside an open band: no pull, no distance"
    assert statistic_distance(below, 0.3) == pytest.approx(0.1 / 0.2)


# --------------------------------------------------------------------------------------
# a tiny fit: the whole pipeline, resume included
# --------------------------------------------------------------------------------------

TINY = {"seeds_per_point": 2, "population": 4, "executor": "serial", "progress": False}


@pytest.fixture(scope="module")
def tiny_fit():
    return run_fit(40, scenario=short_scenario(), **TINY)


@pytest.mark.slow
def test_a_tiny_fit_keeps_to_its_budget_and_gives_a_posterior(tiny_fit):
    fit = tiny_fit
    assert fit.runs <= 40, f"the fit used {fit.runs} runs on a budget of 40"
    assert len(fit.generations) >= 2, "generation 0 and at least one more"
    assert fit.generations["runs"].sum() + 2 == fit.runs, "runs of generations + the check"
    eps = fit.generations["epsilon"].to_numpy()
    assert np.all(np.diff(eps) <= 0), f"tolerances must not grow: {eps}"
    w = fit.posterior["weight"].to_numpy()
    assert len(w) == 4 and w.sum() == pytest.approx(1.0) and (w > 0).all()
    assert (fit.posterior["distance"] <= fit.epsilon).all(), "particles within tolerance"
    for r in fit.summary.itertuples():
        assert r.prior_low <= r.posterior_mean <= r.prior_high, f"{r.parameter} outside prior"
        assert r.q05 <= r.median <= r.q95
    assert set(fit.fitted) == set(fit.summary["parameter"])
    assert np.isfinite(fit.fitted_distance)


@pytest.mark.slow
def test_an_interrupted_fit_resumes_to_the_same_result(tiny_fit, tmp_path):
    store = tmp_path / "runs.sqlite"

    def stop_after_15(done: int, total: int) -> None:
        if done >= 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fit(40, scenario=short_scenario(), store=store, **{**TINY, "progress": stop_after_15})
    import sqlite3

    with sqlite3.connect(store) as con:
        kept = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 15 <= kept < 40, f"the interrupted fit should keep its finished runs ({kept})"
    resumed = run_fit(40, scenario=short_scenario(), store=store, **TINY)
    pd.testing.assert_frame_equal(resumed.points, tiny_fit.points)
    pd.testing.assert_frame_equal(resumed.posterior, tiny_fit.posterior)
    assert resumed.fitted == tiny_fit.fitted
    assert resumed.fitted_distance == tiny_fit.fitted_distance

    with pytest.raises(ExperimentError, match="budget: 40 there, 44 here"):
        run_fit(44, scenario=short_scenario(), store=store, **TINY)


@pytest.mark.slow
def test_the_fitted_defaults_file_is_a_scenario_with_the_fitted_values(tiny_fit, tmp_path):
    out = write_fit(tiny_fit, tmp_path / "fit", extends="england_2013_2019")
    text = (out / "fitted_defaults.toml").read_text()
    for word in ("ABC-SMC", "Budget: 40", "seed 2019", "Date:", "Distance achieved", "90%"):
        assert word in text, f"the header should record {word!r}"
    sc = load_scenario(out / "fitted_defaults.toml")
    for key, value in tiny_fit.fitted.items():
        got = sc
        for part in key.split("."):
            got = getattr(got, part)
        assert got == value, f"{key}: {got} in the file, {value} fitted"
    for f in ("fit_points.csv", "fit_posterior.csv", "fit_parameters.csv", "fit_posterior.png"):
        assert (out / f).stat().st_size > 0, f"{f} written"
    assert not list(out.glob(".fit-*")), "no temporary folder left behind"


def test_a_budget_too_small_is_refused_with_what_it_needs():
    with pytest.raises(FitError, match="needs at least"):
        FitSettings(budget=20, seeds_per_point=2, population=4).validate()


# --------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------


def _short_file(tmp_path: Path) -> Path:
    f = tmp_path / "short.toml"
    f.write_text('extends = "england_2013_2019"\nyears = 3\n\n[economy]\nn_economies = 8\n')
    return f


@pytest.mark.e2e
def test_check_command_writes_its_folder_and_exits_by_the_verdict(tmp_path, capsys):
    out = tmp_path / "check"
    args = ["calibrate", "--check", "--scenario", str(_short_file(tmp_path)), "--reps", "3"]
    rc = main([*args, "--workers", "1", "--quiet", "--out", str(out)])
    table = pd.read_csv(out / "calibration_check.csv")
    assert rc == (0 if table["pass"].all() else 1), "exit status 0 only when all pass"
    assert len(pd.read_csv(out / "calibration_runs.csv")) == 3
    assert (out / "calibration_check.png").read_bytes()[:4] == b"\x89PNG"
    assert "Simulated against observed" in (out / "calibration_check.md").read_text()
    assert "statistics inside their bands" in capsys.readouterr().out


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "--budget", "10"], "--budget goes with --fit"),
        (["--check", "--scenario", "no_such_scenario"], "no_such_scenario"),
        (["--fit", "--budget", "10"], "needs at least"),
        (["--check", "--dask", "not an address"], "--dask"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    rc = main(["calibrate", *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists(), "bad input must leave no output"


@pytest.mark.e2e
@pytest.mark.slow
def test_fit_command_writes_a_file_that_extends_the_scenario_it_fitted(tmp_path):
    scenario = _short_file(tmp_path)
    out = tmp_path / "fit"
    args = ["calibrate", "--fit", "--scenario", str(scenario), "--budget", "40"]
    args += ["--reps", "2", "--population", "4", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    text = (out / "fitted_defaults.toml").read_text()
    assert 'extends = "../short.toml"' in text, "a file scenario is extended by relative path"
    fitted = load_scenario(out / "fitted_defaults.toml")
    assert fitted.years == 3, "the fitted file keeps everything else of the scenario"
    assert main([*args, "--out", str(out)]) == 0, "running again reuses the stored runs"


# --------------------------------------------------------------------------------------
# the docs cannot drift from the code
# --------------------------------------------------------------------------------------


def test_the_calibration_docs_list_every_target_and_parameter_with_its_range():
    text = (Path(__file__).resolve().parents[1] / "docs" / "calibration.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.count("|") > 3}
    for t in TARGETS:
        assert f"`{t.key}`" in text, f"docs/calibration.md should list the target {t.key}"
    scenario = load_scenario("england_2013_2019")
    for p in FITTED:
        row = rows.get(f"`{p.key}`", "")
        assert p.prior.describe() in row, f"{p.key}: prior {p.prior.describe()}"
        assert f"| {p.value_in(scenario):g} |" in row, f"{p.key}: default in the docs"
    for key, _ in SET_FROM_SOURCES:
        assert f"`{key}`" in rows, f"docs/calibration.md should list {key} (set from sources)"
