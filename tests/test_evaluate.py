# ruff: noqa: N806 - X is SALib's name for the sample
"""``healthsim.evaluate`` (issue 14): parameter values in, outputs out, as SALib's
``ProblemSpec.evaluate`` and EMA Workbench call it, with healthsim's stored, resumable,
parallel runs."""

from __future__ import annotations

import numpy as np
import pytest
from SALib import ProblemSpec

import healthsim
from healthsim.config import ScenarioError
from healthsim.experiments import tasks as tasks_module
from healthsim.experiments.tasks import replicate_seed

NAMES = ["behaviour.fear_toxicity", "regime.communication.blame_intensity"]
OUTPUTS = ["harm_total", "harm_hidden_total"]
SMALL = {"scenario": "baseline", "years": 1, "executor": "serial"}


def test_salib_problem_spec_evaluates_and_analyses_with_it():
    sp = ProblemSpec({"names": NAMES, "bounds": [[0, 1], [0, 1]], "outputs": OUTPUTS})
    sp.sample_morris(3, seed=2)
    sp.evaluate(healthsim.evaluate, sp["names"], seeds=2, outputs=sp["outputs"], **SMALL)
    assert sp.results.shape == (len(sp.samples), 2), "a row a sample point, a column an output"
    assert np.isfinite(sp.results).all()
    sp.analyze_morris(seed=2)
    for out in OUTPUTS:
        assert set(sp.analysis[out]["names"]) == set(NAMES), f"Morris indices of {out}"


def test_one_output_named_alone_is_a_1d_result_as_salib_expects():
    sp = ProblemSpec({"names": NAMES, "bounds": [[0, 1], [0, 1]], "outputs": ["harm_total"]})
    sp.sample_latin(32, seed=1).evaluate(
        healthsim.evaluate, sp["names"], outputs="harm_total", **SMALL
    )
    assert sp.results.shape == (32,)
    sp.analyze_rbd_fast(seed=1)
    assert np.isfinite(sp.analysis["S1"]).all(), sp.analysis


def test_each_row_is_the_mean_over_its_seeds_of_a_direct_run():
    X = np.array([[0.2, 0.3], [0.9, 0.8]])
    seeds = [3, 4]
    got = healthsim.evaluate(X, NAMES, seeds=seeds, outputs=OUTPUTS, **SMALL)
    for i, row in enumerate(X):
        runs = [
            healthsim.run("baseline", seed=s, years=1, overrides=dict(zip(NAMES, row, strict=True)))
            for s in seeds
        ]
        want = [np.mean([r.summary[o] for r in runs]) for o in OUTPUTS]
        np.testing.assert_array_equal(got[i], want, err_msg=f"row {i}")
    assert not np.array_equal(got[0], got[1]), "the values act"


def test_a_seed_count_uses_the_replicate_seeds_of_a_master_seed():
    X = np.array([[0.5, 0.5]])
    by_count = healthsim.evaluate(X, NAMES, seeds=2, seed=9, **SMALL)
    by_list = healthsim.evaluate(X, NAMES, seeds=[replicate_seed(9, r) for r in (0, 1)], **SMALL)
    np.testing.assert_array_equal(by_count, by_list)


def test_stored_runs_are_resumed_not_run_again(tmp_path, monkeypatch):
    X = np.array([[0.1, 0.2], [0.6, 0.4], [0.9, 0.9]])
    store = tmp_path / "runs.sqlite"
    first = healthsim.evaluate(X, NAMES, seeds=2, store=store, **SMALL)
    assert store.is_file(), "every run is stored"

    def no_more_runs(*args, **kwargs):
        raise AssertionError("a stored run was simulated again")

    monkeypatch.setattr(tasks_module, "simulate", no_more_runs)
    again = healthsim.evaluate(X, NAMES, seeds=2, store=store, **SMALL)
    np.testing.assert_array_equal(again, first)


@pytest.mark.slow
def test_local_processes_give_what_a_serial_run_gives():
    X = np.array([[0.1, 0.2], [0.6, 0.4], [0.9, 0.9]])
    serial = healthsim.evaluate(X, NAMES, seeds=2, **SMALL)
    parallel = healthsim.evaluate(X, NAMES, seeds=2, scenario="baseline", years=1, executor=2)
    np.testing.assert_array_equal(parallel, serial)


def test_bad_input_is_refused_before_anything_runs():
    with pytest.raises(ScenarioError, match="no_such"):
        healthsim.evaluate([[0.5]], ["behaviour.no_such_value"], **SMALL)
    with pytest.raises(ValueError, match="columns"):
        healthsim.evaluate([[0.5, 0.5, 0.5]], NAMES, **SMALL)
    with pytest.raises(ValueError, match="not a per-run metric"):
        healthsim.evaluate([[0.5, 0.5]], NAMES, outputs="harm_everywhere", **SMALL)


def test_a_failed_run_is_nan_not_a_crash(monkeypatch):
    real = tasks_module.simulate

    def fail_on_seed_2(scenario, seed):
        if seed == 2:
            raise RuntimeError("boom")
        return real(scenario, seed)

    monkeypatch.setattr(tasks_module, "simulate", fail_on_seed_2)
    both = healthsim.evaluate([[0.5, 0.5]], NAMES, seeds=[1, 2], **SMALL)
    one = healthsim.evaluate([[0.5, 0.5]], NAMES, seeds=[1], **SMALL)
    np.testing.assert_array_equal(both, one, err_msg="the mean of the runs that ran")
    assert np.isnan(healthsim.evaluate([[0.5, 0.5]], NAMES, seeds=[2], **SMALL)).all()
