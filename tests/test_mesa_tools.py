"""HealthEconomy is an ordinary Mesa 3.5 model: Mesa's own tools drive it unchanged."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.agents import Commissioner, Inspectorate, Oversight, SocialCare, Trust
from healthsim.model.history import MONTHLY


@pytest.fixture(scope="module")
def batch(regime_pair):
    blame, support = regime_pair
    return mesa.batch_run(
        ScenarioEconomy,
        parameters={"scenario": [str(blame), str(support)]},
        rng=[1, 2],
        max_steps=24,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )


def test_batch_run_returns_monthly_metrics_for_each_run_and_step(batch, regime_pair):
    df = pd.DataFrame(batch)
    assert len(df) == 2 * 2 * 24, "2 scenarios x 2 seeds x 24 monthly steps of rows"
    assert set(df["scenario"]) == {str(p) for p in regime_pair}, "both scenarios were run"
    assert set(df["rng"]) == {1, 2}, "both seeds were run"
    assert df.groupby("RunId")["Step"].apply(list).map(lambda s: s == list(range(1, 25))).all(), (
        "every run should report steps 1..24 in order"
    )
    missing = set(MONTHLY) - set(df.columns)
    assert not missing, f"every model-level monthly metric should be returned; missing {missing}"
    assert np.isfinite(df[list(MONTHLY)].to_numpy(float)).all(), "no NaN or inf in the metrics"


def test_batch_run_matches_a_direct_run(batch, regime_pair):
    """What Mesa collects is the model's own monthly series, not a copy that drifts."""
    blame, _ = regime_pair
    df = pd.DataFrame(batch)
    got = df[(df["scenario"] == str(blame)) & (df["rng"] == 2)].sort_values("Step")
    m = ScenarioEconomy(str(blame), rng=2)
    for _ in range(24):
        m.step()
    want = m.datacollector.get_model_vars_dataframe()
    for k in ("quality_mean", "harm", "fear", "in_special_measures", "commissioner_paid"):
        assert np.array_equal(got[k].to_numpy(), want[k].to_numpy()), (
            f"batch_run's {k} should equal a direct run of the same model and seed"
        )


def test_batch_run_regimes_differ_on_a_seed(batch, regime_pair):
    blame, support = (str(p) for p in regime_pair)
    df = pd.DataFrame(batch)
    last = df[df["Step"] == 24].set_index(["scenario", "rng"])
    assert last.loc[(blame, 1), "fear"] > last.loc[(support, 1), "fear"], (
        "after two years the blame-focused regime should carry more fear than the "
        "board-supported one on the same seed"
    )


def test_batch_run_end_of_run_collection(regime_pair):
    blame, _ = regime_pair
    out = mesa.batch_run(
        ScenarioEconomy,
        parameters={"scenario": str(blame)},
        rng=[3],
        max_steps=12,
        number_processes=1,
        display_progress=False,
    )
    assert len(out) == 1, "data_collection_period=-1 gives one row per run (the last step)"
    assert out[0]["Step"] == 12, "the row is the last step"


def test_keyword_overrides():
    m = ScenarioEconomy("baseline", rng=1, regime__communication__blame_intensity=0.9)
    assert m.p.regime.communication.blame_intensity == 0.9, (
        "a __-separated keyword should override that scenario value"
    )
    assert m.seed == 1, "an integer rng is the run's recorded seed"
    plain = ScenarioEconomy("baseline", rng=1)
    assert plain.p.regime.communication.blame_intensity != 0.9, "no leak between instances"
    for _ in range(12):
        m.step()
        plain.step()
    fear = m.datacollector.get_model_vars_dataframe()["fear"].iloc[-1]
    fear0 = plain.datacollector.get_model_vars_dataframe()["fear"].iloc[-1]
    assert fear > fear0, "the override should act: more blame, more fear after a year"


def test_dotted_and_nested_overrides_agree():
    a = ScenarioEconomy("baseline", rng=1, **{"regime.identification.noise_sd": 0.2})
    b = ScenarioEconomy("baseline", rng=1, regime__identification__noise_sd=0.2)
    assert a.p == b.p, "dotted and __ key paths should give the same scenario"


def test_agents_are_registered_with_mesa():
    m = ScenarioEconomy("region", rng=1, years=1)
    by_type = m.agents_by_type
    assert len(by_type[Trust]) == m.structure.n_trusts, "one Trust agent per trust"
    assert len(by_type[Commissioner]) == m.structure.n_economies, "one commissioner per economy"
    assert len(by_type[SocialCare]) == m.structure.n_economies, "one social care per economy"
    assert len(by_type[Inspectorate]) == 1 and len(by_type[Oversight]) == 1, (
        "one inspectorate and one oversight body"
    )
    for tr in by_type[Trust]:
        assert tr.cell is not None and tr in tr.cell.agents, "each trust sits on its network cell"


def test_time_and_steps_advance_monthly():
    m = ScenarioEconomy("baseline", rng=1, years=1)
    for k in range(1, 4):
        m.step()
        assert m.steps == k and m.time == float(k), "one step is one month of model time"
    assert m.recorder.n_rows == 3, "one recorded row per step"


@pytest.mark.parametrize("name", ["regime_2013", "whole_system", "blame_focused"])
def test_stepping_past_the_scenario_length_does_not_crash(name):
    m = ScenarioEconomy(name, rng=4, years=1, **{"regime.identification.political_pressure": 0.5})
    for _ in range(12):
        m.step()
    assert not m.running, "the model says it is done at the scenario's end"
    for _ in range(30):  # Mesa tools (or the app) may step on regardless
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 42, "every extra month is recorded too"
    assert np.isfinite(df.to_numpy(float)).all(), "months past the end stay finite"
    assert ((df["quality_mean"] >= 0) & (df["quality_mean"] <= 1)).all(), "quality stays a share"


def test_run_for_uses_mesa_time():
    m = ScenarioEconomy("baseline", rng=2, years=1)
    m.run_for(6)
    assert m.steps == 6 and m.recorder.n_rows == 6, "run_for(6) runs six monthly steps"
