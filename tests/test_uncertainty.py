"""Parameter uncertainty in comparisons: the parameter sets (posterior, prior, defaults),
and comparisons whose replicate i runs every scenario on seed i and set i."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from healthsim.config import load_scenario, with_overrides
from healthsim.experiments import compare as cmp
from healthsim.experiments.uncertainty import (
    POSTERIOR_FILE,
    Posterior,
    UncertaintyError,
    explicit_keys,
    parameter_sets,
    read_posterior,
)
from healthsim.model.mechanisms import uncertain_parameters

KEYS = ("behaviour.fear_culture", "behaviour.buddy_effectiveness")


def small_posterior(weights=(0.25, 0.75)) -> Posterior:
    return Posterior(
        KEYS,
        np.array([[0.05, 0.1], [0.3, 0.3]])[: len(weights)],
        np.array(weights, dtype=float),
        {"scenario": "test"},
    )


def test_the_shipped_posterior_reads_and_names_uncertain_parameters_only():
    post = read_posterior()
    known = uncertain_parameters()
    assert POSTERIOR_FILE.exists(), "the package ships its fitted posterior"
    assert post.size >= 100, "a few hundred weighted parameter sets"
    assert all(k in known for k in post.keys), "only uncertain parameters, never levers"
    for j, k in enumerate(post.keys):
        prior = known[k][0]
        assert np.all((post.values[:, j] >= prior.low) & (post.values[:, j] <= prior.high)), (
            f"{k}: every posterior value lies inside its prior"
        )
    assert post.provenance.get("scenario") == "england_2013_2019"


def test_set_i_is_the_same_whatever_the_number_of_sets():
    for kind in ("posterior", "prior"):
        a = parameter_sets(kind, 10, posterior=small_posterior() if kind == "posterior" else None)
        b = parameter_sets(kind, 25, posterior=small_posterior() if kind == "posterior" else None)
        for i in range(10):
            assert a.overrides(i) == b.overrides(i), f"{kind}: set {i} moved with n"


def test_resampling_follows_the_weights():
    sets = parameter_sets("posterior", 400, posterior=small_posterior((0.25, 0.75)))
    share = np.mean(sets.values[:, 0] == 0.3)
    assert share == pytest.approx(0.75, abs=0.01), "set 2 (weight 0.75) drawn 3 times in 4"
    only = parameter_sets("posterior", 50, posterior=small_posterior((0.0, 1.0)))
    assert np.all(only.values[:, 0] == 0.3), "a set of weight 0 is never drawn"


def test_prior_draws_cover_every_uncertain_parameter_inside_its_prior():
    sets = parameter_sets("prior", 200)
    priors = uncertain_parameters()
    assert set(sets.keys) == set(priors), "every uncertain parameter varies"
    for j, k in enumerate(sets.keys):
        p, whole = priors[k]
        col = sets.values[:, j]
        assert np.all((col >= p.low) & (col <= p.high)), k
        if whole:
            assert np.all(col == np.round(col)), f"{k} is a whole number"
    fc = sets.values[:, list(sets.keys).index("behaviour.fear_culture")]
    assert fc.std() > 0.08, "the draws spread over the prior (uniform 0 to 0.4)"


def test_defaults_vary_nothing():
    sets = parameter_sets("defaults", 5)
    assert sets.keys == () and sets.overrides(3) == ()


def test_bad_choices_and_files_are_one_line_errors(tmp_path):
    with pytest.raises(UncertaintyError, match="one of posterior, prior, defaults"):
        parameter_sets("guess", 3)
    with pytest.raises(UncertaintyError, match="no such posterior file"):
        read_posterior(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(UncertaintyError, match="not a posterior file"):
        read_posterior(bad)
    lever = tmp_path / "lever.json"
    lever.write_text(
        json.dumps(
            {
                "parameters": ["regime.communication.blame_intensity"],
                "weights": [1],
                "values": [[1]],
            }
        )
    )
    with pytest.raises(UncertaintyError, match="is not an uncertain parameter"):
        read_posterior(lever)


def test_a_posterior_round_trips_through_its_file(tmp_path):
    post = small_posterior()
    back = read_posterior(post.write(tmp_path / "p.json"))
    assert back.keys == post.keys and back.digest == post.digest
    assert back.frame()["weight"].sum() == pytest.approx(1.0)


def test_a_value_a_scenario_sets_itself_is_not_overwritten():
    sc = with_overrides(load_scenario("blame_focused"), {"behaviour.fear_culture": 0.01})
    assert "behaviour.fear_culture" in explicit_keys(sc)
    assert "behaviour.fear_culture" not in explicit_keys(load_scenario("blame_focused"))
    spec = cmp.build_spec(
        [sc, "board_supported"], reps=4, parameters="posterior", posterior=small_posterior()
    )
    by_scenario = {t.scenario: dict(t.overrides) for t in spec.tasks() if t.replicate == 0}
    assert "behaviour.fear_culture" not in by_scenario[0], "the scenario's own what-if wins"
    assert "behaviour.fear_culture" in by_scenario[1], "the other scenario takes the set's value"
    assert (
        by_scenario[0]["behaviour.buddy_effectiveness"]
        == (by_scenario[1]["behaviour.buddy_effectiveness"])
    ), "both scenarios of a replicate share its parameter set (pairs stay paired)"


def _run(executor, parameters="prior"):
    return cmp.compare(
        ["blame_focused", "board_supported"],
        reps=24,
        years=3,
        seed=5,
        executor=executor,
        progress=False,
        parameters=parameters,
    )


def test_comparisons_across_parameters_are_identical_whatever_the_executor():
    serial = _run("serial")
    pooled = _run(2)
    pd.testing.assert_frame_equal(serial.runs, pooled.runs, check_exact=True)
    assert [r.values for r in serial.luck_records] == [r.values for r in pooled.luck_records]


def test_the_spread_between_futures_splits_into_luck_and_parameters():
    fixed = _run("serial", parameters="defaults")
    varied = _run("serial", parameters="prior")
    assert fixed.spec.luck_reps == 0 and varied.spec.luck_reps == 20
    assert len(varied.luck_records) == 2 * 20, "20 sets rerun on new seeds, both scenarios"
    u_fixed = fixed.uncertainty.set_index("metric").loc["harm_total"]
    u_varied = varied.uncertainty.set_index("metric").loc["harm_total"]
    assert u_fixed["parameter_share"] == 0.0, "with fixed parameters all spread is luck"
    assert u_varied["parameter_share"] > 0.3, (
        "drawing every uncertain parameter from its prior widens the futures beyond luck"
    )
    assert u_varied["variance"] > u_fixed["variance"]
    drivers = varied.drivers("harm_total", "board_supported", top=3)
    assert len(drivers) == 3 and drivers["correlation"].abs().is_monotonic_decreasing


def test_the_report_leads_with_doing_nothing_and_what_the_answer_rests_on(tmp_path):
    from healthsim.reports.compare_text import rests_on, verdict_lines

    res = cmp.compare(
        ["blame_focused", "board_supported", "no_regime"],
        reps=24,
        years=3,
        executor="serial",
        progress=False,
        parameters="prior",
    )
    lines = verdict_lines(res)
    assert lines[0].startswith("**Against doing nothing.**")
    assert "than having no failure regime" in lines[0]
    assert lines[1].startswith("**Against blame_focused.**")
    rests = rests_on(res)
    assert rests and "of their spread comes from the parameters" in rests[0]
    assert "It depends most on" in rests[0]


def test_the_money_and_trade_off_sentences_follow_the_numbers():
    from healthsim.reports.compare_text import _money_parts, tradeoff_lines

    res = cmp.compare(
        ["board_supported", "whole_system"],
        reps=12,
        years=3,
        executor="serial",
        progress=False,
        parameters="defaults",
    )
    harm, money = res.values("harm_total"), res.values("net_position")
    dh = float(np.mean(harm[:, 1] - harm[:, 0]))
    dm = float(np.mean(money[:, 1] - money[:, 0]))
    lines = tradeoff_lines(res)
    if dh < 0 and dm < 0:
        assert lines and f"about {-dh:,.0f} fewer avoidable harm events" in lines[0]
        assert f"£{-dm:,.1f}m more" in lines[0]
    else:
        assert not any(line.startswith("**whole_system** against") for line in lines)
    text = _money_parts(res, "whole_system")
    b = res.breakdown
    spend = b[(b.scenario == "whole_system") & (b.metric == "regime_cost_total")]
    way = "higher" if float(spend["diff"].iloc[0]) > 0 else "lower"
    assert f"the regime's own spending £{abs(float(spend['diff'].iloc[0])):,.1f}m {way}" in text
