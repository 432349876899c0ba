"""One date convention everywhere (issue 13 §2): NHS financial years, April to March,
said once in each report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthsim import run
from healthsim.config import load_scenario, with_overrides
from healthsim.metrics import calendar
from healthsim.reports import view, write_run


def test_month_one_is_april_of_the_start_year():
    assert calendar.month_name(1, 2013) == "April 2013"
    assert calendar.month_name(10, 2013) == "January 2014"
    assert calendar.month_name(12, 2013) == "March 2014"
    assert calendar.financial_year(12, 2013) == "2013/14"
    assert calendar.financial_year(13, 2013) == "2014/15"
    assert calendar.financial_year(np.array([1, 12, 13, 120]), 2013) == [
        "2013/14",
        "2013/14",
        "2014/15",
        "2022/23",
    ]
    assert calendar.fy_label(1999) == "1999/00"
    assert calendar.span(2013, 10) == "2013/14 to 2022/23"
    assert calendar.span(2013, 1) == "2013/14"


def test_figures_place_months_where_the_labels_say():
    x = calendar.decimal_time(np.array([1, 13]), 2013)
    assert x.tolist() == [2013.25, 2014.25], "month 1 starts in April"
    at, labels = calendar.year_ticks(2013, 120)
    assert labels[0] == "13/14" and len(labels) == 10
    assert calendar.year_bounds(2013, 120)[0] <= at[0] < calendar.year_bounds(2013, 120)[1]
    at, labels = calendar.year_ticks(2013, 36)
    assert labels == ["2013/14", "2014/15", "2015/16"]
    assert len(calendar.year_ticks(2013, 1200)[1]) <= 12


def test_the_app_and_the_reports_share_the_convention():
    sc = load_scenario("baseline")
    assert view.calendar(sc, 1) == calendar.month_name(1, sc.start_year)
    assert view.financial_year(sc, 13) == "2014/15"
    assert view.month_axis(sc, np.array([1]))[0] == calendar.decimal_time(1, sc.start_year)


def test_every_table_and_report_of_a_run_uses_financial_years(tmp_path):
    sc = with_overrides(load_scenario("baseline"), {"years": 2})
    result = run(sc, seed=13)
    out = tmp_path / "run"
    write_run(result, out)
    for name in ("timeseries.csv", "trusts.csv", "events.csv"):
        df = pd.read_csv(out / name)
        assert "calendar_year" not in df, name
        assert set(df["financial_year"]) <= {"2013/14", "2014/15"}, name
    report = (out / "report.md").read_text()
    assert report.count(calendar.CONVENTION) == 1, "the convention is said once"
    assert "2013/14 to 2014/15" in report
