# ruff: noqa: N806 - X is SALib's name for the sample
"""Sensitivity analyses over priors, and the parameter sets of what they do not sample
(issue 12, items 4 and 6)."""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.experiments.executors import ExperimentError
from healthsim.experiments.uncertainty import Posterior
from healthsim.model import mechanisms
from healthsim.model.mechanisms import uncertain_parameters
from healthsim.sensitivity import AnalysisError, build_analysis, load_analysis
from healthsim.sensitivity.api import analysis_design, sensitivity_analysis
from healthsim.sensitivity.runner import draw, tasks_for

TINY = {
    "scenario": "baseline",
    "years": 1,
    "outputs": ["harm_total"],
    "method": {"name": "morris", "n": 2},
    "replicates": 2,
}


def test_a_parameter_without_bounds_or_with_range_prior_is_sampled_over_its_prior():
    a = build_analysis(
        {
            **TINY,
            "method": {"name": "sobol", "n": 256, "second_order": False},
            "parameter_sets": "defaults",
            "parameters": {
                "behaviour.fear_culture": "prior",
                "behaviour.buddy_retry_months": {},
                "behaviour.fear_toxicity": {"range": "prior", "group": "fear"},
            },
        }
    )
    priors = uncertain_parameters()
    _, X = draw(analysis_design(a, posterior=None))
    values = np.array(a.space.values(X), dtype=float)
    for j, p in enumerate(a.space.parameters):
        prior = priors[p.key][0]
        assert p.prior == prior and p.salib_bounds == [0.0, 1.0]
        assert prior.low <= values[:, j].min() and values[:, j].max() <= prior.high
        assert "its prior" in p.describe_bounds()
    culture = values[:, 0]
    lo, hi = priors["behaviour.fear_culture"][0].low, priors["behaviour.fear_culture"][0].high
    assert culture.mean() == pytest.approx((lo + hi) / 2, rel=0.05), "uniform over the prior"
    months = values[:, 1]
    assert set(np.unique(months)) == set(range(1, 7)), "every whole number of the prior"


def test_a_prior_is_refused_where_there_is_none_or_bounds_are_also_given():
    with pytest.raises(AnalysisError, match="has no prior"):
        build_analysis({**TINY, "parameters": {"regime.communication.blame_intensity": {}}})
    with pytest.raises(AnalysisError, match="either"):
        build_analysis(
            {
                **TINY,
                "parameters": {"behaviour.fear_culture": {"range": "prior", "low": 0, "high": 1}},
            }
        )


def test_replicate_i_runs_on_parameter_set_i_without_the_sampled_or_fixed_keys(tmp_path):
    a = build_analysis(
        {
            **TINY,
            "parameter_sets": "prior",
            "fixed": {"behaviour.fear_toxicity": 0.5},
            "parameters": {"behaviour.fear_culture": {}, "behaviour.blame_deterrence": {}},
        }
    )
    d = analysis_design(a)
    assert d.sets_kind == "prior"
    assert not {"behaviour.fear_culture", "behaviour.fear_toxicity"} & set(d.sets.keys)
    _, X = draw(d)
    tasks = tasks_for(d, X)
    for t in tasks:
        keys = [k for k, _ in t.overrides]
        assert len(keys) == len(set(keys)), "each key set once"
        assert dict(t.overrides)["behaviour.fear_culture"] == a.space.values(X)[t.point][0]
        assert t.overrides[: len(d.sets.keys)] == d.set_overrides(0, t.replicate)
    by_rep = {t.replicate: t.overrides[:5] for t in tasks}
    assert by_rep[0] != by_rep[1], "two replicates, two parameter sets"


def test_posterior_sets_need_a_posterior_and_take_one_from_a_file(tmp_path):
    decl = {**TINY, "parameters": {"behaviour.fear_culture": {}, "behaviour.fear_toxicity": {}}}
    a = build_analysis(decl)
    assert a.parameter_sets == "posterior", "the posterior is the default"
    path = Posterior(
        ("behaviour.fear_culture", "behaviour.general_deterrence"),
        np.array([[0.1, 0.2], [0.2, 0.3]]),
        np.array([1.0, 1.0]),
    ).write(tmp_path / "posterior.json")
    d = analysis_design(a, posterior=path)
    assert d.sets.keys == ("behaviour.general_deterrence",), "sampled keys left out"
    missing = tmp_path / "none.json"
    with pytest.raises(AnalysisError, match="no such posterior file"):
        analysis_design(a, posterior=missing)


def test_the_store_knows_which_parameter_sets_its_runs_used(tmp_path):
    decl = {**TINY, "parameters": {"behaviour.fear_culture": {}, "behaviour.fear_toxicity": {}}}
    store = tmp_path / "runs.sqlite"
    first = sensitivity_analysis(
        **decl, parameter_sets="prior", store=store, executor="serial", progress=False
    )
    again = sensitivity_analysis(
        **decl, parameter_sets="prior", store=store, executor=2, progress=False
    )
    assert again.execution.progress.computed == 0 and again.points.equals(first.points)
    with pytest.raises(ExperimentError):
        sensitivity_analysis(
            **decl, parameter_sets="defaults", store=store, executor="serial", progress=False
        )


def test_blame_vs_support_varies_every_prior_of_culture_naming_powers_support_boards():
    a = load_analysis("blame_vs_support")
    sampled = {p.key: p for p in a.space.parameters}
    wanted = set()
    for m in mechanisms.MECHANISMS:
        if m.__name__.rsplit(".", 1)[-1] in (
            "culture",
            "reputation",
            "accountability",
            "support",
            "boards",
        ):
            for prefix, section in (("behaviour.", m.PARAMS), ("initial.", m.INITIAL)):
                if section is not None:
                    wanted |= {prefix + k for k in section.__annotations__}
    wanted &= set(uncertain_parameters())
    assert wanted <= set(sampled), f"not varied: {sorted(wanted - set(sampled))}"
    assert all(sampled[k].prior is not None for k in wanted), "each over its prior"
    assert a.n_runs <= 13_000, "runnable in about three minutes on two cores"
