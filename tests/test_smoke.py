from healthsim import run


def test_baseline_runs_to_the_end(baseline):
    r = run(baseline, seed=1, years=2)
    assert len(r.timeseries) == 24, "two years should give 24 monthly rows"
    assert r.summary["harm_total"] > 0
