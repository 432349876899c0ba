"""EMA Workbench drives healthsim (issue 14 §3): the model's uncertainties are the
schema's priors, its levers the regime's and the squeeze's settings, its outcomes the
summary metrics; experiments run through healthsim (stored and resumable), give what
EMA's own sequential evaluator gives, and PRIM finds boxes in the results. Skipped
without ema_workbench (the optional ``ema`` extra)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

with warnings.catch_warnings():  # "ipyparallel not installed", on import
    warnings.simplefilter("ignore")
    ema_workbench = pytest.importorskip("ema_workbench")

from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    RealParameter,
    ScalarOutcome,
    SequentialEvaluator,
)
from ema_workbench.analysis import prim

from healthsim.ema import HealthsimEvaluator, HealthsimModel, ema_name, key_of
from healthsim.experiments import tasks as tasks_module
from healthsim.experiments.outcomes import known_metrics
from healthsim.model.mechanisms import uncertain_parameters
from healthsim.sensitivity.evaluate import evaluate_rows

OUTCOMES = ["harm_total", "quality_mean_final"]
LEVERS = ["regime.scope.scope", "regime.communication.naming", "regime.ladder.review_months"]
SAMPLING = {"uncertainty_sampling_kwargs": {"rng": 42}, "lever_sampling_kwargs": {"rng": 7}}


def test_the_model_is_built_from_the_schema():
    model = HealthsimModel(years=2)
    priors = uncertain_parameters()
    assert [key_of(u.name) for u in model.uncertainties] == list(priors)
    for u in model.uncertainties:
        prior, is_int = priors[key_of(u.name)]
        assert isinstance(u, IntegerParameter if is_int else RealParameter), u.name
        assert (u.lower_bound, u.upper_bound) == (prior.low, prior.high), u.name
        assert u.variable_name == [key_of(u.name)] and u.name.isidentifier()
    levers = {key_of(p.name): p for p in model.levers}
    assert isinstance(levers["regime.communication.naming"], BooleanParameter)
    scope = levers["regime.scope.scope"]
    assert isinstance(scope, CategoricalParameter)
    assert {c.value for c in scope.categories} == {"trust_only", "whole_economy"}
    assert isinstance(levers["regime.ladder.review_months"], IntegerParameter)
    assert (
        levers["squeeze.demand_growth"].lower_bound,
        levers["squeeze.demand_growth"].upper_bound,
    ) == (-0.5, 0.5)
    assert "regime.name" not in levers and "squeeze.years" not in levers
    assert all(isinstance(o, ScalarOutcome) for o in model.outcomes)
    assert [o.name for o in model.outcomes] == known_metrics()
    assert ema_name("behaviour.fear_toxicity") == "behaviour__fear_toxicity"


def test_a_narrowed_range_and_bad_names():
    model = HealthsimModel(
        uncertainties={"behaviour.fear_toxicity": (0.2, 0.3)},
        levers={"regime.ladder.review_months": (6, 18)},
        outcomes=["harm_total"],
    )
    (u,), (lv,) = model.uncertainties, model.levers
    assert (u.lower_bound, u.upper_bound) == (0.2, 0.3)
    assert (lv.lower_bound, lv.upper_bound) == (6, 18)
    with pytest.raises(ValueError, match="not an uncertain parameter"):
        HealthsimModel(uncertainties=["regime.communication.naming"])
    with pytest.raises(ValueError, match="not a lever"):
        HealthsimModel(levers=["behaviour.fear_toxicity"])
    with pytest.raises(ValueError, match="not a per-run metric"):
        HealthsimModel(outcomes=["happiness"])


def test_healthsim_runs_what_emas_own_evaluator_runs():
    model = HealthsimModel(
        years=2, uncertainties=["behaviour.fear_toxicity"], levers=LEVERS, outcomes=OUTCOMES
    )
    with HealthsimEvaluator(model, executor="serial") as ev:
        ours, ours_out = ev.perform_experiments(scenarios=3, policies=2, **SAMPLING)
    with SequentialEvaluator(model) as ev:
        theirs, theirs_out = ev.perform_experiments(scenarios=3, policies=2, **SAMPLING)
    names = ["scenario", "policy"]  # EMA numbers its samples across calls
    assert ours.drop(columns=names).equals(theirs.drop(columns=names)), "the same experiments"
    assert ours["regime__scope__scope"].nunique() == 2, "the levers vary between policies"
    for o in OUTCOMES:
        np.testing.assert_array_equal(ours_out[o], theirs_out[o])
    # and each is a healthsim run of the baseline with those values
    row = {key_of(c): ours.loc[4, c] for c in ours.columns if "__" in c}
    direct = evaluate_rows([row], years=2, outputs=OUTCOMES, executor="serial")
    np.testing.assert_array_equal([ours_out[o][4] for o in OUTCOMES], direct[0])
    assert len({ours_out["harm_total"][i] for i in range(6)}) == 6


def test_forty_experiments_stored_resumed_and_boxed_by_prim(tmp_path, monkeypatch):
    model = HealthsimModel(years=2, levers=[], outcomes=OUTCOMES)
    store = tmp_path / "ema.sqlite"
    with HealthsimEvaluator(model, executor="serial", store=store) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=40, **SAMPLING)
    assert experiments.shape[0] == 40 and store.is_file()
    assert np.isfinite(outcomes["harm_total"]).all()

    def no_more_runs(*args, **kwargs):
        raise AssertionError("a stored run was simulated again")

    monkeypatch.setattr(tasks_module, "simulate", no_more_runs)
    with HealthsimEvaluator(model, executor="serial", store=store) as ev:
        again, again_out = ev.perform_experiments(scenarios=40, **SAMPLING)
    values = [u.name for u in model.uncertainties]
    assert again[values].equals(experiments[values]), "the same experiments again"
    np.testing.assert_array_equal(again_out["harm_total"], outcomes["harm_total"])

    # as floats: PRIM's pasting writes halves into whole-number columns (pandas 3 refuses)
    x = experiments[values].astype(float)
    y = outcomes["harm_total"] > np.percentile(outcomes["harm_total"], 75)
    box = prim.Prim(x, y, mass_min=0.1).find_box()
    trajectory = box.peeling_trajectory
    assert len(trajectory) > 1, "PRIM peeled the box at least once"
    assert trajectory["density"].iloc[-1] > trajectory["density"].iloc[0], "denser boxes"
    assert set(box.box_lims[-1].columns) <= {u.name for u in model.uncertainties}
