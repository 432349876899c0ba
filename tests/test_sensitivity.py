"""The sensitivity pipeline: SALib through the executors, noise, contrasts, resume."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthsim.experiments.executors import DaskExecutor, ProcessExecutor
from healthsim.experiments.uncertainty import Posterior
from healthsim.reports import write_sensitivity
from healthsim.sensitivity import (
    check_corners,
    function_analysis,
    ishigami,
    ishigami_indices,
    noisy_ishigami,
    sensitivity_analysis,
)
from healthsim.sensitivity.discovery import discover
from healthsim.sensitivity.space import Parameter, Space

PI = math.pi
CUBE = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}


def flaky(params, seed):
    """Ishigami that fails where x1 > 2.9 (a model that breaks in a corner)."""
    if params["x1"] > 2.9:
        raise FloatingPointError("diverged in a test corner")
    return ishigami(params, seed)


@pytest.mark.slow
def test_ishigami_through_the_process_pool_reproduces_analytic_sobol_indices():
    with ProcessExecutor(2) as ex:
        r = function_analysis(ishigami, CUBE, method="sobol", n=2048, executor=ex)
    truth = ishigami_indices()
    got = r.indices.set_index(["index", "factor"])
    for index in ("S1", "ST"):
        for f, v in truth[index].items():
            est = got.loc[(index, f)]
            assert abs(est.value - v) < 0.04, f"{index}[{f}] = {est.value:.3f}, analytic {v:.3f}"
            assert est.low - 0.02 <= v <= est.high + 0.02, f"{index}[{f}] interval misses {v:.3f}"
    s2 = r.second_order.set_index(["factor_a", "factor_b"]).value
    assert abs(s2[("x1", "x3")] - truth["S2"]["x1|x3"]) < 0.06, "x1-x3 interaction"
    assert abs(s2[("x1", "x2")]) < 0.06 and abs(s2[("x2", "x3")]) < 0.06
    assert r.execution.progress.computed == 2048 * 8


def test_fast_and_morris_and_pawn_rank_ishigami_correctly():
    fast = function_analysis(ishigami, CUBE, method="fast", n=1025)
    s1 = fast.indices[fast.indices["index"] == "S1"].set_index("factor").value
    truth = ishigami_indices()["S1"]
    for f, v in truth.items():
        assert abs(s1[f] - v) < 0.05, f"FAST S1[{f}] = {s1[f]:.3f}, analytic {v:.3f}"
    morris = function_analysis(ishigami, CUBE, method="morris", n=40)
    assert morris.ranking().factor.iloc[-1] != "x1", "x1 is influential for Morris"
    pawn = function_analysis(ishigami, CUBE, method="pawn", n=1000, resamples=20)
    med = pawn.indices[pawn.indices["index"] == "median"].set_index("factor")
    assert med.value["x2"] > med.value["x3"], "x2 moves the distribution more than x3"
    assert med.conf.notna().all(), "PAWN gets bootstrap intervals"


def test_common_random_numbers_cancel_an_additive_seed_effect():
    clean = function_analysis(ishigami, CUBE, method="sobol", n=64, replicates=4)
    noisy = function_analysis(noisy_ishigami, CUBE, method="sobol", n=64, replicates=4)
    np.testing.assert_allclose(
        noisy.indices.value,
        clean.indices.value,
        atol=1e-9,
        err_msg="the same seeds at every point shift every point alike: indices unchanged",
    )
    row = noisy.noise.iloc[0]
    assert row.within_var == pytest.approx(0.0, abs=1e-9), (
        "a seed's own effect, the same at every point, is not noise the indices see"
    )
    assert row.noise_share_of_means == pytest.approx(0.0, abs=1e-9)


def test_noise_is_what_varies_between_seeds_beyond_each_seeds_own_effect():
    from healthsim.sensitivity.runner import _within_after_seed_effects

    rng = np.random.default_rng(0)
    points, reps = 400, 3
    point_effect = rng.normal(0, 2.0, (points, 1))
    seed_effect = np.array([[5.0, -3.0, 10.0]])  # large, shared by every point
    noise = rng.normal(0, 0.5, (points, reps))  # differs point by point
    y = point_effect + seed_effect + noise
    assert _within_after_seed_effects(y) == pytest.approx(0.25, rel=0.1), (
        "the noise variance 0.5^2, whatever the seeds' own effects"
    )
    y[3, 1] = np.nan  # a failed run
    assert np.isfinite(_within_after_seed_effects(y))


def test_failed_runs_are_listed_with_their_parameters_and_filled():
    r = function_analysis(flaky, CUBE, method="morris", n=20)
    assert len(r.failures) > 0, "some points lie beyond x1 = 2.9"
    assert (r.failures.x1 > 2.9).all(), "each failure is reported with its parameters"
    assert r.failures.error.str.contains("diverged").all()
    filled = r.points["y_filled"]
    assert filled.sum() == len(r.failures), "each failed point is filled from a neighbour"
    assert any("failed" in n for n in r.notes) and any("nearest point" in n for n in r.notes)
    assert np.isfinite(r.indices.value).all(), "the analysis still completes"


def test_discovery_finds_a_planted_flip_region():
    space = Space(
        (
            Parameter("p.deterrence", "real", 0, 2, label="blame deterrence"),
            Parameter("p.toxicity", "real", 0, 1, label="fear toxicity"),
            Parameter("p.noise", "real", 0, 1, label="irrelevant"),
        )
    )
    rng = np.random.default_rng(3)
    x = rng.uniform([0, 0, 0], [2, 1, 1], size=(600, 3))
    # blame (a) has less harm only where deterrence > 1.2 and toxicity < 0.4
    contrast = np.where((x[:, 0] > 1.2) & (x[:, 1] < 0.4), -1.0, 1.0) + rng.normal(0, 0.05, 600)
    flip = discover(
        space,
        x,
        contrast,
        np.ones(600, bool),
        output="harm_total",
        label="Avoidable harm",
        better="lower",
        a="blame",
        b="support",
    )
    assert flip.majority == "support" and flip.flips
    assert len(flip.regions) == 1, [r.rule() for r in flip.regions]
    rule = flip.regions[0].rule()
    assert "blame deterrence is above 1.2" in rule and "fear toxicity is below 0.4" in rule
    assert flip.regions[0].density > 0.95 and flip.regions[0].coverage > 0.95
    assert flip.cv_accuracy > 0.95
    assert flip.statement().startswith("support beats blame on avoidable harm unless")
    assert flip.importance["p.noise"] < 0.05


def test_discovery_says_so_when_nothing_flips():
    space = Space((Parameter("a", "real", 0, 1), Parameter("b", "real", 0, 1)))
    x = np.random.default_rng(0).uniform(size=(50, 2))
    flip = discover(
        space,
        x,
        1 + x[:, 0],
        np.ones(50, bool),
        output="harm_total",
        label="Avoidable harm",
        better="lower",
        a="blame",
        b="support",
    )
    assert not flip.flips and "no region inside the declared bounds" in flip.statement()
    assert flip.closest is not None and flip.closest["contrast"] == pytest.approx(1 + x[:, 0].min())


SMALL = {
    "contrast": ("blame_focused", "board_supported"),
    "parameters": {
        "behaviour.blame_deterrence": (0.0, 2.0),
        "behaviour.fear_toxicity": (0.0, 1.0),
        "regime.improvement.model": {
            "levels": ["buddy", "consultancy"],
            "applies_to": ["board_supported"],
        },
    },
    "outputs": ["harm_total", "quality_p10_final"],
    "method": "morris",
    "n": 3,
    "replicates": 2,
    "years": 2,
    "fixed": {"economy.trusts_per_economy": 4},
}


def stored(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(
            'SELECT point, scenario, replicate, seed, overrides, status, "values" FROM runs '
            "ORDER BY point, scenario, replicate"
        ).fetchall()


def small_posterior(path: Path) -> Path:
    """A posterior of three sets over two parameters (one the analysis samples)."""
    values = np.array([[0.1, 0.2], [0.3, 0.0], [0.05, 0.4]])
    keys = ("behaviour.fear_culture", "behaviour.fear_toxicity")
    return Posterior(keys, values, np.array([1.0, 2.0, 1.0]), {"test": True}).write(path)


@pytest.mark.slow
def test_contrast_runs_on_common_seeds_resumes_exactly_and_writes_a_report(tmp_path):
    out = tmp_path / "sa"
    post = small_posterior(tmp_path / "posterior.json")
    small = {**SMALL, "posterior": post}
    first = sensitivity_analysis(**small, executor="serial", out=out, progress=False)
    rows = stored(out / "runs.sqlite")
    n = len(first.X) * 2 * 2
    assert len(rows) == n and all(r[5] == "ok" for r in rows)
    seeds = {(r[0], r[1], r[2]): r[3] for r in rows}
    for (_p, _s, rep), seed in seeds.items():
        assert seed == seeds[(0, 0, rep)], "replicate r uses one seed at every point and regime"
    # a regime keeps its own values where applies_to says so
    blame = [r for r in rows if r[1] == 0]
    assert all("regime.improvement.model" not in r[4] for r in blame)
    # replicate r runs on posterior set r; the parameter the analysis samples is left out
    for r in rows:
        assert "behaviour.fear_culture" in r[4] and r[4].count("behaviour.fear_toxicity") == 1
    by_rep = {}
    for r in rows:
        value = r[4].split("behaviour.fear_culture")[1][:12]
        assert by_rep.setdefault(r[2], value) == value, "one set per replicate, everywhere"
    # lose half the runs (as an interrupted analysis would), then run again on 2 processes
    with sqlite3.connect(out / "runs.sqlite") as conn:
        conn.execute("DELETE FROM runs WHERE point % 2 = 1")
    again = sensitivity_analysis(**small, executor=2, out=out, progress=False)
    assert again.execution.progress.reused < n and again.execution.progress.computed > 0
    assert stored(out / "runs.sqlite") == rows, "resumed runs are identical to the first"
    assert again.indices.equals(first.indices), "indices identical after resume"
    assert again.points.equals(first.points)
    write_sensitivity(again, out)
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Where the ranking flips" in html
    for f in ("indices.csv", "points.csv", "noise.csv", "flip_regions.csv", "report.md"):
        assert (out / f).is_file(), f
    # a third call reuses everything
    third = sensitivity_analysis(**small, executor="serial", out=out, progress=False)
    assert third.execution.progress.computed == 0 and third.indices.equals(first.indices)
    assert "parameter set i" in html and "behaviour.fear_culture" in html


@pytest.mark.slow
def test_dask_gives_the_same_indices_as_serial():
    serial = function_analysis(noisy_ishigami, CUBE, method="morris", n=8, replicates=2)
    with DaskExecutor("local", workers=2) as ex:
        dask = function_analysis(
            noisy_ishigami, CUBE, method="morris", n=8, replicates=2, executor=ex
        )
    assert dask.indices.equals(serial.indices)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["harm_drivers", "blame_vs_support"])
def test_model_is_finite_and_sensible_at_the_corners_of_shipped_bounds(name):
    with ProcessExecutor(2) as ex:
        df = check_corners(name, executor=ex, progress=False)
    bad = df[df.status != "ok"]
    assert bad.empty, f"runs failing or out of range at corners:\n{bad.head().to_string()}"
    assert df.point.nunique() >= 64, "every pair of parameters meets at all four corners"


@pytest.mark.e2e
@pytest.mark.slow
def test_cli_runs_a_tiny_analysis_and_resumes(tmp_path):
    out = tmp_path / "morris"
    cmd = [
        sys.executable,
        "-m",
        "healthsim",
        "sensitivity",
        "scenarios/board_supported.toml",
        "--method",
        "morris",
        "--n",
        "2",
        "--reps",
        "2",
        "--years",
        "1",
        "--workers",
        "2",
        "--param",
        "behaviour.fear_toxicity=0:1",
        "--param",
        "behaviour.blame_deterrence=0:2",
        "--output",
        "harm_total",
        "--parameters",
        "prior",
        "--out",
        str(out),
        "--quiet",
    ]
    root = Path(__file__).resolve().parents[1]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=root)
    assert first.returncode == 0, first.stderr
    assert "report:" in first.stdout and (out / "report.html").is_file()
    indices = (out / "indices.csv").read_text()
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=root)
    assert second.returncode == 0, second.stderr
    assert (out / "indices.csv").read_text() == indices, "a rerun reuses the stored runs"
    bad = subprocess.run([*cmd[:-3], "--method", "sobol"], capture_output=True, text=True, cwd=root)
    assert bad.returncode == 2 and "power of two" in bad.stderr


def test_the_findings_warn_when_the_sample_is_too_small_for_the_indices():
    from healthsim.reports.sensitivity_text import interaction_line, sample_warning

    small = function_analysis(ishigami, CUBE, method="sobol", n=8)
    large = function_analysis(ishigami, CUBE, method="sobol", n=1024)
    out = small.design.outputs[0]
    warning = sample_warning(small, out)
    assert warning and "too small" in warning, "n = 8 cannot rank Ishigami's factors"
    assert sample_warning(large, out) is None, "n = 1024 can"
    line = interaction_line(large, out)
    assert "interactions matter" in line and "total indices sum to" in line, (
        "Ishigami's x1-x3 interaction: the total indices exceed the first-order ones"
    )


def test_nothing_flips_names_the_few_parameters_the_margin_moves_with():
    """With many parameters, the "came closest" sentence names the four the margin moves
    with most (first, the one that drives it), not every sampled value."""
    space = Space(tuple(Parameter(f"p{k}", "real", 0, 1, label=f"lever {k}") for k in range(9)))
    x = np.random.default_rng(1).uniform(size=(200, 9))
    flip = discover(
        space,
        x,
        1 + 3 * x[:, 6] + 0.01 * x[:, 2],
        np.ones(200, bool),
        output="harm_total",
        label="Avoidable harm",
        better="lower",
        a="blame",
        b="support",
    )
    text = flip.statement()
    closest = text.split("came closest", 1)[1]
    assert closest.count(" = ") == 4, text
    assert "where lever 6 = " in closest, "the driving parameter comes first"
    assert "other 5 as sampled there" in closest


def test_first_order_near_one_with_larger_totals_is_called_a_small_sample():
    """Sum S1 near 1 with sum ST well above it cannot both hold: say the sample is too
    small, not that parameters alone explain everything while interactions matter."""
    from healthsim.reports.sensitivity_text import interaction_line

    res = function_analysis(ishigami, CUBE, method="sobol", n=1024)
    out = res.design.outputs[0]
    idx = res.indices.copy()
    s1 = (idx.output == out) & (idx["index"] == "S1")
    st = (idx.output == out) & (idx["index"] == "ST")
    idx.loc[s1, "value"] = 1.0 / s1.sum()  # sums to 1.0
    idx.loc[st, "value"] = 1.5 / st.sum()  # sums to 1.5
    res.indices = idx
    line = interaction_line(res, out)
    assert "too small to split the variance" in line and "explain about" not in line


def two_outputs(params, seed):
    y = noisy_ishigami(params, seed)
    return {"y": y["y"] if isinstance(y, dict) else y, "z": params["x1"]}


def test_noise_is_one_finding_for_all_outputs():
    from healthsim.reports.sensitivity_text import findings

    res = function_analysis(
        two_outputs, CUBE, method="sobol", n=32, replicates=3, outputs=("y", "z")
    )
    noise = [f for f in findings(res) if "after averaging" in f]
    assert len(noise) == 1, "one finding, one explanation, every output named"
    assert noise[0].startswith("Seed noise, as a share") and "; z " in noise[0]
