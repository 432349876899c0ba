"""Comparisons: common random numbers, the Python API, failed runs, comparison files,
the report and the command line's handling of bad input."""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pytest

import healthsim
from healthsim.cli import main
from healthsim.config import ScenarioError, load_scenario
from healthsim.experiments import compare as cmp
from healthsim.experiments import tasks as tasks_module
from healthsim.experiments.breakdown import HARM_KIND, HARM_WHERE, MONTHS_WHERE
from healthsim.model.economy import HealthEconomy
from healthsim.reports import write_comparison

REGIMES = ("blame_focused", "board_supported", "whole_system")


# --------------------------------------------------------------------------------------
# common random numbers
# --------------------------------------------------------------------------------------


def test_regimes_see_the_same_exogenous_draws_on_each_replicate():
    """Demand noise, local shocks, quality drift and inspection draws are mechanisms the
    regimes do not touch: on one replicate's seed every regime gets them bit for bit."""
    spec = cmp.build_spec(list(REGIMES), reps=3, years=2)
    for seed in spec.seeds:
        models = [HealthEconomy(sc, rng=seed) for sc in spec.scenarios]
        first = models[0]
        for other in models[1:]:
            for name in (
                "demand",
                "shock_u",
                "shock_size",
                "quality_noise",
                "inspection_keys",
                "inspection_noise",
                "trigger_u",
                "churn_u",
            ):
                assert np.array_equal(getattr(first.draws, name), getattr(other.draws, name)), (
                    f"{name} draws differ between {first.p.name} and {other.p.name} on seed {seed}"
                )
            assert np.array_equal(first.s.quality, other.s.quality), "same starting quality"
            assert np.array_equal(first.flow, other.flow), "same network"
    a, b = (HealthEconomy(spec.scenarios[0], rng=s) for s in spec.seeds[:2])
    assert not np.array_equal(a.draws.demand, b.draws.demand), "replicates differ"


def test_identical_scenarios_on_common_random_numbers_differ_by_exactly_zero():
    base = load_scenario("board_supported", {"years": 2})
    twin = base.model_copy(update={"name": "twin"})
    res = healthsim.compare([base, twin], reps=4, executor="serial", progress=False)
    d = res.differences.set_index("metric")
    assert d.loc["harm_total", "diff"] == 0.0 and d.loc["harm_total", "sd_diff"] == 0.0, (
        "the same scenario on the same seeds must give the same futures"
    )
    assert res.probability_best.query("metric == 'harm_total'")["p_tie"].iloc[0] == 1.0


# --------------------------------------------------------------------------------------
# the Python API and its frames
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    return healthsim.compare(list(REGIMES), reps=6, years=3, executor="serial", progress=False)


def test_compare_returns_tidy_frames(result):
    assert len(result.runs) == 18 and set(result.runs["scenario"]) == set(REGIMES)
    assert result.runs["seed"].nunique() == 6, "one seed per replicate, shared by scenarios"
    st = result.stats.set_index(["scenario", "metric"])
    x = result.values("harm_total")[:, 1]
    assert st.loc[("board_supported", "harm_total"), "mean"] == pytest.approx(x.mean())
    diffs = result.differences
    assert set(diffs["scenario"]) == {"board_supported", "whole_system"}
    assert (diffs["baseline"] == "blame_focused").all(), "the first scenario is the baseline"
    pb = result.probability_best.query("metric == 'harm_total'")
    assert pb["p_best_run"].sum() == pytest.approx(1.0)
    bands = result.bands.query("metric == 'harm' and scenario == 'blame_focused'")
    assert len(bands) == 36 and (bands["p5"] <= bands["p95"]).all()
    assert result.spec.seeds == tuple(
        tasks_module.replicate_seed(result.spec.seed, r) for r in range(6)
    ), "seeds derive from the master seed with SeedSequence"


def test_breakdown_parts_add_up_to_the_total(result):
    b = result.breakdown
    d = result.differences.set_index(["scenario", "metric"])
    for name in ("board_supported", "whole_system"):
        total = d.loc[(name, "harm_total"), "diff"]
        for part, comps in (
            ("harm: where it happened", HARM_WHERE),
            ("harm: reported or hidden", HARM_KIND),
            ("harm: composition or rate", ("harm_from_composition", "harm_from_rates")),
        ):
            got = b[(b["scenario"] == name) & (b["part"] == part)]
            assert list(got["metric"]) == list(comps)
            assert got["contribution"].sum() == pytest.approx(total, rel=1e-9, abs=1e-6), (
                f"{part} must add up to the harm difference"
            )
        money = b[(b["scenario"] == name) & (b["part"] == "money: net position")]
        assert money["contribution"].sum() == pytest.approx(
            d.loc[(name, "net_position"), "diff"], abs=1e-6
        ), "income - spending - regime spending = net position"
    runs = result.runs
    months = runs[list(MONTHS_WHERE)].sum(axis=1)
    assert (months == 6 * 36).all(), "every trust-month is in exactly one state"


def test_baseline_can_be_chosen_by_name(result):
    spec = cmp.build_spec(list(REGIMES), reps=2, baseline="whole_system")
    assert spec.baseline == 2 and spec.baseline_name == "whole_system"
    with pytest.raises(ScenarioError, match="not one of the scenarios compared"):
        cmp.build_spec(list(REGIMES), reps=2, baseline="blame")


def test_a_failing_run_is_reported_with_its_seed_and_error(monkeypatch, tmp_path):
    spec = cmp.build_spec(["blame_focused", "board_supported"], reps=4, years=2)
    bad_seed = spec.seeds[2]
    real = tasks_module.simulate

    def flaky(scenario, seed):
        if seed == bad_seed and scenario.name == "board_supported":
            raise RuntimeError("a model error for this test")
        return real(scenario, seed)

    monkeypatch.setattr(tasks_module, "simulate", flaky)
    res = cmp.run_comparison(spec, executor="serial", out=tmp_path / "c", progress=False)
    assert len(res.failed) == 1, "the failed run is kept, not dropped"
    row = res.failed.iloc[0]
    assert row["seed"] == bad_seed and row["scenario"] == "board_supported"
    assert "RuntimeError: a model error for this test" in row["error"]
    assert list(res.complete_replicates) == [0, 1, 3], "its replicate leaves the statistics"
    assert res.stats["n"].max() == 3
    files = write_comparison(res, tmp_path / "c")
    failed_csv = files["failed_runs.csv"].read_text()
    assert str(bad_seed) in failed_csv and "RuntimeError" in failed_csv
    md = files["report.md"].read_text()
    assert "1 run failed" in md and str(bad_seed) in md


# --------------------------------------------------------------------------------------
# comparison files
# --------------------------------------------------------------------------------------


def test_shipped_comparisons_load_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("regimes_under_squeeze", "squeeze_severity"):
        spec = cmp.build_spec(name)
        n = 4 if name == "regimes_under_squeeze" else 3  # the regimes and no_regime
        assert spec.reps == 200 and len(spec.scenarios) == n and spec.source is not None
    spec = cmp.build_spec("regimes_under_squeeze")
    assert spec.names == (*REGIMES, "no_regime") and spec.baseline_name == "blame_focused"
    assert {s.squeeze.name for s in spec.scenarios} == {"2010s"}


def test_relative_scenario_paths_resolve_against_the_comparison_file(tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "softer.toml").write_text(
        'extends = "blame_focused"\nname = "softer"\n'
        "[regime.communication]\nblame_intensity = 0.3\n"
    )
    f = tmp_path / "mine" / "cmp.toml"
    f.write_text(
        'scenarios = ["blame_focused", "softer.toml"]\nreps = 5\nyears = 2\n'
        '[overrides]\n"economy.trusts_per_economy" = 4\n'
    )
    monkeypatch.chdir(tmp_path)
    spec = cmp.build_spec(f)
    assert spec.names == ("blame_focused", "softer") and spec.reps == 5
    assert all(s.economy.trusts_per_economy == 4 for s in spec.scenarios), "overrides apply"
    assert all(s.years == 2 for s in spec.scenarios)
    assert cmp.build_spec(f, reps=9).reps == 9, "arguments replace the file's values"


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('scenarios = ["blame_focused"]\nrepz = 3\n', "repz", "did you mean 'reps'"),
        ('scenarios = ["blame_focused"]\nreps = 1\n', "reps", "greater than or equal to 2"),
        ('scenarios = ["nope_not_here"]\n', "scenarios[0]", "no such scenario"),
        ('scenarios = ["blame_focused"]\nmetrics = ["harm_totl"]\n', "metrics[0]", "harm_total"),
        ('scenarios = ["blame_focused", "blame_focused"]\n', "scenarios", "distinct name"),
        ('scenarios = ["blame_focused"]\nbaseline = "x"\n', "baseline", "not one of"),
        ('scenarios = ["blame_focused"]\n[overrides]\n"regime.nonsense" = 1\n', "overrides", ""),
    ],
)
def test_bad_comparison_files_name_file_and_key(tmp_path, text, key, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        cmp.build_spec(f)
    err = info.value
    assert err.file == str(f.resolve()) or err.file == str(f), str(err)
    assert err.key is not None and err.key.startswith(key), str(err)
    assert message in str(err)


# --------------------------------------------------------------------------------------
# the report and the command line
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_writes_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "regimes"
    code = main(
        [
            "compare",
            *REGIMES,
            "--reps",
            "5",
            "--years",
            "2",
            "--workers",
            "2",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr()
    assert "report:" in printed.out and "█" not in printed.err, "quiet: no progress bar"
    for name in (
        "report.html",
        "report.md",
        "summary_stats.csv",
        "paired_differences.csv",
        "probability_best.csv",
        "mechanism_breakdown.csv",
        "runs.csv",
        "monthly_bands.csv",
        "failed_runs.csv",
        "comparison.toml",
        "figures/fan_charts.png",
        "figures/breakdown.png",
        "figures/differences.png",
        "scenarios/blame_focused.toml",
    ):
        assert (out / name).is_file(), f"{name} should be written"
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 5, "figures are embedded"
    for ref in ("http://", "https://", "<link", "@import", "url(", "<script"):
        assert ref not in html, f"report.html must not depend on anything outside it ({ref})"
    assert not re.search(r'src="(?!data:)', html), "no src that is not inline data"
    md = (out / "report.md").read_text()
    assert "not on historical evidence" in md, "the evidence caveat must be stated"
    with sqlite3.connect(out / "runs.sqlite") as conn:
        # 5 replicates of 3 scenarios, and the 5 parameter sets rerun on new seeds
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 30
    assert "of their spread comes from the parameters" in md, "luck and parameters split"
    assert (out / "uncertainty.csv").is_file() and (out / "parameter_sets.csv").is_file()


def test_cli_bad_input_is_one_line_and_leaves_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    cases = [
        ["compare", "blame_focused", "no_such_regime", "--out", str(out)],
        ["compare", "blame_focused", "--reps", "1", "--out", str(out)],
        ["compare", "blame_focused", "--baseline", "nobody", "--out", str(out)],
        ["compare", "blame_focused", "--workers", "0", "--out", str(out)],
        ["compare", "regimes_under_squeeze", "blame_focused", "--out", str(out)],
        ["compare", "blame_focused", "--dask", "tcp://127.0.0.1:9", "--out", str(out)],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("healthsim: error:") and "\n" not in err, (argv, err)
        assert not out.exists(), f"bad input must leave no output ({argv})"


def test_cli_refuses_to_resume_a_different_comparison(tmp_path, capsys):
    out = tmp_path / "c"
    args = [
        "compare",
        "blame_focused",
        "board_supported",
        "--years",
        "1",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main([*args, "--reps", "2"]) == 0
    assert main([*args, "--reps", "3"]) == 2
    err = capsys.readouterr().err
    assert "replicates: 2 there, 3 here" in err and "--fresh" in err
    assert main([*args, "--reps", "3", "--fresh"]) == 0


def test_cli_refuses_a_folder_of_other_files(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    assert main(["compare", "blame_focused", "--reps", "2", "--out", str(out)]) == 2
    assert (out / "thesis.docx").read_text() == "precious"


def test_scenario_disclaimers_are_printed_in_the_report(tmp_path):
    note = "Trust names are real but every result is simulated, not a forecast."
    res = healthsim.compare(
        ["blame_focused", "board_supported"],
        reps=2,
        years=1,
        overrides={"economy.disclaimer": note},
        executor="serial",
        progress=False,
    )
    files = write_comparison(res, tmp_path / "d")
    assert note in files["report.md"].read_text()
    assert note in files["report.html"].read_text()


def test_composition_and_rate_by_hand():
    from healthsim.experiments.breakdown import composition_and_rate

    # one run, two states; baseline: 10 months at rate 2, 0 months in the second state;
    # scenario: 5 months at rate 1, and 5 months at rate 4
    mb, hb = np.array([[10.0, 0.0]]), np.array([[20.0, 0.0]])
    ms, hs = np.array([[5.0, 5.0]]), np.array([[5.0, 20.0]])
    comp, rate = composition_and_rate(mb, hb, ms, hs)
    # state 1: months -5 at mean rate 1.5 -> -7.5; rate -1 at mean months 7.5 -> -7.5
    # state 2: unvisited by the baseline, so all composition: +5 months x 4 = +20
    assert comp[0] == pytest.approx(-7.5 + 20.0)
    assert rate[0] == pytest.approx(-7.5)
    assert comp[0] + rate[0] == pytest.approx(hs.sum() - hb.sum()), "exact split"


def test_each_states_time_and_harm_a_month_add_up(result):
    """Per state, the part from time there and the part from harm a month there add up
    to that state's harm difference; over the states, to the total."""
    from healthsim.experiments.breakdown import RATE_PART, TIME_PART

    b = result.breakdown
    d = result.differences.set_index(["scenario", "metric"])
    runs = result.runs.set_index(["scenario", "replicate"])
    for name in ("board_supported", "whole_system"):
        sub = b[b["scenario"] == name]
        where = sub[sub["part"] == "harm: where it happened"].set_index("metric")
        time = sub[sub["part"] == TIME_PART].set_index("metric")
        rate = sub[sub["part"] == RATE_PART].set_index("metric")
        assert list(time.index) == list(HARM_WHERE) == list(rate.index)
        both = time["contribution"] + rate["contribution"]
        assert both.to_numpy() == pytest.approx(
            where.loc[list(HARM_WHERE), "contribution"].to_numpy(), abs=1e-6
        ), "time + harm a month = the state's harm difference"
        assert both.sum() == pytest.approx(d.loc[(name, "harm_total"), "diff"], abs=1e-6)
        for m, months in zip(HARM_WHERE, MONTHS_WHERE, strict=True):
            assert time.at[m, "scenario_mean"] == pytest.approx(runs.loc[name][months].mean()), (
                "the time rows carry the mean trust-months a future"
            )
            h, mo = runs.loc[name][m].sum(), runs.loc[name][months].sum()
            if mo > 0:
                assert rate.at[m, "scenario_mean"] == pytest.approx(h / mo)


def test_the_why_sentences_match_the_state_table(result):
    """The "why" paragraph quotes the same split, with the same figures, as the table
    it leads: total, time and harm-a-month parts, and the states it names."""
    from healthsim.experiments.breakdown import RATE_PART, TIME_PART
    from healthsim.reports.compare_tables import _state_table
    from healthsim.reports.compare_text import _why_paragraph

    name = "board_supported"
    text = _why_paragraph(result, name)
    b = result.breakdown
    sub = b[b["scenario"] == name]
    comp = sub[sub["part"] == TIME_PART]["contribution"].sum()
    rate = sub[sub["part"] == RATE_PART]["contribution"].sum()
    total = result.differences.set_index(["scenario", "metric"]).at[(name, "harm_total"), "diff"]
    assert f"({total:+,.0f} events), {comp:+,.0f} came from the time" in text
    assert f"and {rate:+,.0f} from the harm a trust-month" in text
    table = _state_table(result, name)
    last = table.rows[-1]
    assert last[2] == f"**{comp:+,.0f}**" and last[4] == f"**{rate:+,.0f}**"
    # the three states whose time moved most, with the months the table shows
    from healthsim.experiments.outcomes import outcome

    time = sub[sub["part"] == TIME_PART].set_index("metric")
    top = time["contribution"].abs().sort_values(ascending=False).index[:3]
    for m in top:
        c = float(time.at[m, "contribution"])
        if abs(c) < 0.5:
            continue
        label = outcome(m).label
        row = next(r for r in table.rows if r[0] == label)
        mb, ms = (x.strip() for x in row[1].split("→"))
        assert f"{label[:1].lower()}{label[1:]} ({mb} against {ms}; {c:+,.0f} harm events)" in text
    assert "This is accounting, not proof of cause" in text


def test_in_brief_gives_size_interval_and_share_for_every_dimension(result):
    """No "clearly better": each clear difference has its size, 95% interval and the
    share of futures in which the scenario did better, as the differences table has."""
    from healthsim.reports.compare_text import BRIEF, in_brief

    lines = in_brief(result)
    d = result.differences.set_index(["scenario", "metric"])
    assert len(lines) == 2
    for line in lines:
        assert "clearly" not in line
        name = line.split("**")[1]
        for m, words in BRIEF.items():
            r = d.loc[(name, m)]
            if int(r["verdict"]) == 0:
                assert f"no clear difference in {words}" in line
            else:
                assert f"better in {float(r['share_better']) * 100:.0f}% of futures" in line


def test_the_overall_verdict_names_the_best_on_each_dimension(result):
    from healthsim.reports.compare_text import DIMENSIONS, overall_line

    line = overall_line(result)
    pb = result.probability_best
    leaders = set()
    for m in DIMENSIONS:
        sub = pb[pb["metric"] == m].sort_values(["p_best_mean", "p_best_run"], ascending=False)
        top = sub.iloc[0]
        leaders.add(top["scenario"])
        assert f"**{top['scenario']}** (confidence {top['p_best_mean'] * 100:.0f}%)" in line
    if len(leaders) > 1:
        assert "No scenario leads on every dimension" in line
    else:
        assert "leads on every dimension" in line


def test_relative_differences_read_as_people_say_them():
    from healthsim.experiments.outcomes import outcome, relative_text

    assert relative_text(0.13) == "+13.0%" and relative_text(-0.365) == "-36.5%"
    assert relative_text(1.4) == "2.4 times" and relative_text(43.973) == "about 45 times"
    assert not outcome("net_position").relative_meaningful, "a balance near zero has no %"
    assert outcome("harm_total").relative_meaningful


def test_a_balance_gets_no_percentage_in_the_findings(result):
    from healthsim.experiments.outcomes import outcome
    from healthsim.reports.compare_text import difference_sentence

    d = result.differences.set_index(["scenario", "metric"])
    text = difference_sentence(
        outcome("net_position"), d.loc[("board_supported", "net_position")], "board_supported", "b"
    )
    assert "%" not in text.split("of the paired futures")[0].split("did ")[0]
