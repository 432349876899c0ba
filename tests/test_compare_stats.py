"""Ensemble statistics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthsim.experiments import stats


def test_mean_interval_is_the_student_t_interval():
    mean, lo, hi, n = stats.mean_interval(np.array([1.0, 2.0, 3.0, 4.0]))
    # sd = sqrt(5/3) = 1.2909944; t(0.975, 3) = 3.1824463; half = t * sd / 2 = 2.0542603
    assert n == 4 and mean == 2.5
    assert lo == pytest.approx(2.5 - 2.0542603, abs=1e-6)
    assert hi == pytest.approx(2.5 + 2.0542603, abs=1e-6)


def test_mean_interval_ignores_nan_and_handles_tiny_samples():
    mean, lo, hi, n = stats.mean_interval(np.array([np.nan, 5.0]))
    assert (mean, n) == (5.0, 1) and math.isnan(lo) and math.isnan(hi)
    assert stats.mean_interval(np.array([]))[3] == 0


def test_paired_difference_by_hand():
    a = np.array([3.0, 5.0, 7.0])  # scenario
    b = np.array([1.0, 2.0, 3.0])  # baseline
    d = stats.paired_difference(a, b, "lower")
    # differences 2, 3, 4: mean 3, sd 1, t(0.975, 2) = 4.302653 -> half = 2.484138
    assert d["n"] == 3 and d["diff"] == 3.0 and d["sd_diff"] == pytest.approx(1.0)
    assert d["ci_low"] == pytest.approx(3 - 2.484138, abs=1e-6)
    assert d["ci_high"] == pytest.approx(3 + 2.484138, abs=1e-6)
    assert d["relative"] == pytest.approx(1.5), "3 over the baseline mean of 2"
    assert d["share_worse"] == 1.0 and d["share_better"] == 0.0, "higher is worse here"
    assert d["verdict"] == -1, "interval wholly on the worse side"
    # var(a) = 4, var(b) = 1, var(d) = 1: unpaired variance is 5 times the paired
    assert d["crn_gain"] == pytest.approx(5.0)


def test_relative_interval_by_the_delta_method():
    a = np.array([2.0, 4.0, 6.0, 9.0])
    b = np.array([1.0, 3.0, 4.0, 8.0])
    d = stats.paired_difference(a, b, "higher")
    dd, bb, n = a - b, b, 4
    r = dd.mean() / bb.mean()
    var = (
        dd.var(ddof=1) / n - 2 * r * np.cov(dd, bb, ddof=1)[0, 1] / n + r * r * bb.var(ddof=1) / n
    ) / bb.mean() ** 2
    half = 3.182446 * math.sqrt(var)
    assert d["relative"] == pytest.approx(r)
    assert d["rel_ci_low"] == pytest.approx(r - half, rel=1e-5)
    assert d["rel_ci_high"] == pytest.approx(r + half, rel=1e-5)
    assert d["verdict"] == 1, "every difference is positive and higher is better"


def test_no_direction_means_no_verdict_or_share():
    d = stats.paired_difference(np.array([1.0, 2.0]), np.array([0.0, 0.0]), "neither")
    assert d["verdict"] == 0 and math.isnan(d["share_better"])


def test_worst_decile_depends_on_direction():
    x = np.arange(1.0, 21.0)  # 20 runs: the worst tenth is 2 runs
    assert stats.worst_decile(x, "lower") == (19.5, 19.0), "highest two when lower is better"
    assert stats.worst_decile(x, "higher") == (1.5, 2.0), "lowest two when higher is better"
    assert all(math.isnan(v) for v in stats.worst_decile(x, "neither"))


def test_describe_spread_and_bounds():
    x = np.array([0.0, 0.0, 0.0, 1.0])
    s = stats.describe(x, "lower", bounds=(0.0, 1.0))
    assert s["mean"] == 0.25 and s["median"] == 0.0
    assert s["p25"] == 0.0 and s["p75"] == 0.25 and s["iqr"] == 0.25
    assert s["ci_low"] == 0.0, "the interval of a mean of shares is clipped at 0"
    assert s["worst_decile_mean"] == 1.0


def test_probability_best_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])  # lower is better
    p = stats.probability_best(x, "lower", n_boot=200, seed=3)
    # row 1: first best; row 2: second best; row 3: a tie, shared
    assert p["p_best_run"] == pytest.approx([0.5, 0.5])
    assert p["p_tie"][0] == pytest.approx(1 / 3)
    assert p["p_best_mean"].sum() == pytest.approx(1.0)


def test_probability_best_of_a_clear_winner():
    rng = np.random.default_rng(0)
    base = rng.normal(100, 10, size=200)
    x = np.column_stack([base, base - 5, base + 5])  # the second is always lowest
    p = stats.probability_best(x, "lower", seed=1)
    assert p["p_best_run"] == pytest.approx([0, 1, 0])
    assert p["p_best_mean"] == pytest.approx([0, 1, 0])
    q = stats.probability_best(x, "higher", seed=1)
    assert q["p_best_run"] == pytest.approx([0, 0, 1]), "direction is respected"
    assert all(math.isnan(v) for v in stats.probability_best(x, "neither")["p_best_run"])


def test_probability_best_is_reproducible():
    x = np.random.default_rng(5).normal(size=(50, 3))
    a = stats.probability_best(x, "lower", seed=9)["p_best_mean"]
    b = stats.probability_best(x, "lower", seed=9)["p_best_mean"]
    assert np.array_equal(a, b)


def test_percentile_bands():
    x = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0], [3.0, 40.0], [4.0, 50.0]])
    b = stats.percentile_bands(x)
    assert list(b["p50"]) == [2.0, 30.0] and list(b["mean"]) == [2.0, 30.0]
    assert list(b["p25"]) == [1.0, 20.0] and list(b["p75"]) == [3.0, 40.0]
