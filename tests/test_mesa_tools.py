"""HealthEconomy is an ordinary Mesa 3.5 model: Mesa's own tools drive it unchanged."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.agents import Commissioner, Inspectorate, Oversight, SocialCare, Trust
from healthsim.model.history import AGENT_VARS, MONTHLY, PER_TRUST


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


def model_rows(rows) -> pd.DataFrame:
    """batch_run's rows, one a run and step (it repeats the model's for each trust)."""
    return pd.DataFrame(rows).drop_duplicates(["RunId", "Step"])


N_TRUSTS = 6  # the shipped regimes' economy (baseline's)
#: month-0 metrics a month's arithmetic works out (no value before the first month)
NOT_BEFORE_MONTH_1 = {"staffing", "clarity"}


def test_batch_run_returns_monthly_metrics_for_each_run_and_step(batch, regime_pair):
    df = pd.DataFrame(batch)
    assert len(df) == 2 * 2 * 25 * N_TRUSTS, "2 scenarios x 2 seeds x steps 0..24 x 6 trusts"
    assert set(df["scenario"]) == {str(p) for p in regime_pair}, "both scenarios were run"
    assert set(df["rng"]) == {1, 2}, "both seeds were run"
    runs = model_rows(batch)
    assert runs.groupby("RunId")["Step"].apply(list).map(lambda s: s == list(range(25))).all(), (
        "every run should report steps 0 (the start) to 24 in order"
    )
    missing = set(MONTHLY) - set(df.columns)
    assert not missing, f"every model-level monthly metric should be returned; missing {missing}"
    later = runs[runs["Step"] > 0]
    assert np.isfinite(later[list(MONTHLY)].to_numpy(float)).all(), "no NaN or inf in months"
    start = runs[runs["Step"] == 0][list(MONTHLY)]
    assert set(start.columns[start.isna().any()]) == NOT_BEFORE_MONTH_1, "step 0 is the start"


def test_batch_run_matches_a_direct_run(batch, regime_pair):
    """What Mesa collects is the model's own monthly series, not a copy that drifts."""
    blame, _ = regime_pair
    df = model_rows(batch)
    got = df[(df["scenario"] == str(blame)) & (df["rng"] == 2)].sort_values("Step")
    m = ScenarioEconomy(str(blame), rng=2)
    for _ in range(24):
        m.step()
    want = m.datacollector.get_model_vars_dataframe()
    assert list(want.index) == list(range(25)), "the collector's steps are 0..24"
    for k in ("quality_mean", "harm", "fear", "in_special_measures", "commissioner_paid"):
        assert np.array_equal(got[k].to_numpy(), want[k].to_numpy()), (
            f"batch_run's {k} should equal a direct run of the same model and seed"
        )


def test_batch_run_regimes_differ_on_a_seed(batch, regime_pair):
    blame, support = (str(p) for p in regime_pair)
    df = model_rows(batch)
    last = df[df["Step"] == 24].set_index(["scenario", "rng"])
    assert last.loc[(blame, 1), "fear"] > last.loc[(support, 1), "fear"], (
        "after two years the blame-focused regime should carry more fear than the "
        "board-supported one on the same seed"
    )


def test_batch_run_gives_each_trust_as_an_agent(batch, regime_pair):
    """The per-trust variables are Mesa agent variables: a row per Trust agent and step,
    with its AgentID, equal to the model's own per-trust history."""
    blame, _ = regime_pair
    df = pd.DataFrame(batch)
    run = df[(df["scenario"] == str(blame)) & (df["rng"] == 1) & (df["Step"] == 24)]
    m = ScenarioEconomy(str(blame), rng=1)
    m.run(24)
    ids = [t.unique_id for t in m.trusts]
    assert run["AgentID"].tolist() == ids, "one row per Trust agent, by its unique_id"
    assert set(AGENT_VARS.values()) == set(PER_TRUST), "every recorded trust variable"
    for name, k in AGENT_VARS.items():
        assert np.array_equal(run[name].to_numpy(), m.recorder.per_trust[k][23]), name


def test_batch_run_collection_period_includes_the_start_and_the_last_month(regime_pair):
    blame, _ = regime_pair
    rows = model_rows(
        mesa.batch_run(
            ScenarioEconomy,
            parameters={"scenario": str(blame)},
            rng=[5],
            max_steps=24,
            data_collection_period=12,
            number_processes=1,
            display_progress=False,
        )
    )
    assert rows["Step"].tolist() == [0, 12, 24], "every 12th step from 0, the last included"
    m = ScenarioEconomy(str(blame), rng=5)
    m.run(24)
    want = m.datacollector.get_model_vars_dataframe().loc[[0, 12, 24], "harm"]
    assert np.array_equal(rows["harm"].to_numpy(), want.to_numpy()), "months 0, 12 and 24"


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
    assert len(out) == N_TRUSTS, "data_collection_period=-1: the last step, a row a trust"
    assert {r["Step"] for r in out} == {12}, "the rows are the last step's"


# --------------------------------------------------------------------------------------
# the collector is a mesa.DataCollector
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ran_a_year():
    m = ScenarioEconomy("baseline", rng=8, years=1)
    m.run()
    return m


def test_step_0_is_the_state_before_the_first_month():
    m = ScenarioEconomy("baseline", rng=8, years=1)
    quality = m.s.services["quality"].copy()
    cash = m.s.cash.copy()
    start = m.datacollector.get_model_vars_dataframe()
    assert list(start.index) == [0], "before any step: step 0 only"
    assert start.loc[0, "quality_mean"] == pytest.approx(quality.mean(axis=1).mean())
    assert start.loc[0, "harm"] == 0 and start.loc[0, "income"] == 0, "no month has run"
    agents = m.datacollector.get_agent_vars_dataframe()
    assert np.array_equal(agents.loc[0, "trust_cash"].to_numpy(), cash), "each trust's cash"
    m.step()
    assert np.array_equal(m.datacollector.get_model_vars_dataframe().index, [0, 1])


def test_step_0_is_not_in_the_models_own_history(ran_a_year):
    """run(), the outputs and the reports read the recorder: months 1..n, as before."""
    assert ran_a_year.recorder.n_rows == 12
    assert len(ran_a_year.recorder.monthly["harm"]) == 12
    df = ran_a_year.datacollector.get_model_vars_dataframe()
    assert np.array_equal(df["harm"].to_numpy()[1:], ran_a_year.recorder.monthly["harm"])


def test_agent_variables_are_the_per_trust_history(ran_a_year):
    dc, m = ran_a_year.datacollector, ran_a_year
    df = dc.get_agent_vars_dataframe()
    ids = [t.unique_id for t in m.trusts]
    assert list(df.columns) == [f"trust_{k}" for k in PER_TRUST], "a column a trust variable"
    assert df.index.names == ["Step", "AgentID"], "indexed as Mesa's collector indexes"
    assert len(df) == 13 * len(ids), "steps 0..12, a row per trust"
    for k in ("quality", "harm", "cash", "rung"):
        got = df.xs(7, level="Step")[f"trust_{k}"].to_numpy()
        assert np.array_equal(got, m.recorder.per_trust[k][6]), k
    pd.testing.assert_frame_equal(dc.get_agenttype_vars_dataframe(Trust), df)
    with pytest.warns(UserWarning, match="No agent-type reporters"):
        assert dc.get_agenttype_vars_dataframe(Commissioner).empty, "they record nothing"


def test_the_event_log_is_a_table(ran_a_year):
    dc, m = ran_a_year.datacollector, ran_a_year
    events = dc.get_table_dataframe("events")
    assert list(events.columns) == ["month", "trust", "event"]
    assert len(events) == len(m.events) > 0, "every event of the run"
    assert events["trust"].iloc[0] == m.structure.trust_ids[m.events[0][1]]
    with pytest.raises(Exception, match="No such table"):
        dc.get_table_dataframe("nothing")


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


def test_no_step_after_the_run_has_ended():
    m = ScenarioEconomy("baseline", rng=4, years=1)
    m.run()
    assert not m.running, "the model says it is done at the scenario's end"
    cash, time = m.s.cash.copy(), m.time
    m.step()
    m.run_for(30)  # Mesa's run_for past the end: no month, no budget round
    assert m.steps == 12 and m.recorder.n_rows == 12, "no month after the end"
    assert m.time == time or m.time == time + 30, "time may pass; nothing happens in it"
    assert np.array_equal(m.s.cash, cash), "the state stays as it ended"
    assert list(m.datacollector._collection_steps) == list(range(13))


@pytest.mark.parametrize("name", ["regime_2013", "whole_system", "blame_focused"])
def test_carrying_on_past_the_scenario_length_does_not_crash(name):
    m = ScenarioEconomy(name, rng=4, years=1, **{"regime.identification.political_pressure": 0.5})
    for _ in range(12):
        m.step()
    assert not m.running, "the model says it is done at the scenario's end"
    m.running = True  # carry on past the end, as Mesa's convention allows
    for _ in range(30):
        m.step()
    df = m.datacollector.get_model_vars_dataframe().loc[1:]
    assert len(df) == 42, "every extra month is recorded too"
    assert np.isfinite(df.to_numpy(float)).all(), "months past the end stay finite"
    assert ((df["quality_mean"] >= 0) & (df["quality_mean"] <= 1)).all(), "quality stays a share"


def test_run_for_uses_mesa_time():
    m = ScenarioEconomy("baseline", rng=2, years=1)
    m.run_for(6)
    assert m.steps == 6 and m.recorder.n_rows == 6, "run_for(6) runs six monthly steps"
