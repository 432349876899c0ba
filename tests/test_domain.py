"""Every value inside the declared bounds runs (issue 15, section 2).

The scenario schema declares a range for every numeric parameter; a scenario that
``healthsim check`` accepts must run. A hypothesis property test draws EVERY numeric
parameter the schema declares at once (read from the schema itself, so a new parameter
is covered the day it is declared), each at its minimum, its maximum or a value inside,
with every switch and one year of the squeeze overridden too, runs a few years of a
small economy and asserts:

- no exception, and no floating-point warning from the Python side (0/0, overflow);
- no NaN or infinity in any monthly series, the trust table, the summary or the
  accounts (a summary metric undefined when nothing happened may be NaN, never
  infinite: ``UNDEFINED_WHEN_EMPTY``);
- every share-valued output in [0, 1] (:func:`share_columns`: chosen by unit and
  description, so new shares are covered too).

This is robustness, not direction: the mechanisms' directions are tested in
``tests/mechanisms``; the single-parameter edges and money invariants in
``tests/test_invariants.py``. Below it, regression tests for the examples of the issue.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from healthsim import run
from healthsim.config import schema
from healthsim.config.schema import field_bounds
from healthsim.errors import ScenarioError
from healthsim.experiments.tasks import accounts
from healthsim.metrics.summary import SUMMARY, UNDEFINED_WHEN_EMPTY
from healthsim.model.history import MONTHLY
from healthsim.model.mechanisms import LAYOUT

# ------------------------------------------------------------------------------------
# the declared domain, read from the schema
# ------------------------------------------------------------------------------------


def leaf_fields(
    model: type[BaseModel] = schema.Scenario, prefix: str = ""
) -> Iterator[tuple[str, FieldInfo]]:
    """Every leaf field of a section by dotted key path (sections inside it followed;
    lists of sections, such as the squeeze's years, are drawn separately)."""
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from leaf_fields(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", f


def is_switch(f: FieldInfo) -> bool:
    ann = f.annotation
    return ann is bool or (isinstance(ann, type) and issubclass(ann, Enum))


def numeric_type(f: FieldInfo) -> type | None:
    """int or float for a numeric field (also ``float | None``), else None."""
    ann = f.annotation
    if ann in (int, float):
        return ann
    args = getattr(ann, "__args__", ())
    if float in args and set(args) <= {float, type(None)}:
        return float
    return None


NUMERIC = {p: f for p, f in leaf_fields() if numeric_type(f) is not None}
SWITCHES = {p: f for p, f in leaf_fields() if is_switch(f)}
YEAR_FIELDS = {p: f for p, f in leaf_fields(schema.SqueezeYear) if numeric_type(f) and p != "year"}

#: What makes a run slow is drawn small: a few years of a small economy. Their own
#: edges are run one at a time in tests/test_invariants.py.
SMALL: dict[str, tuple[int, int]] = {
    "years": (1, 3),
    "economy.n_economies": (1, 3),
    "economy.trusts_per_economy": (1, 5),
    "economy.trusts_per_economy_spread": (0, 3),
}


def declared_range(f: FieldInfo) -> tuple[float, float]:
    """The lowest and highest values a field allows (the first value inside an open
    end). Every numeric parameter has both bounds (test_invariants checks it)."""
    b = field_bounds(f.metadata)
    assert b.low is not None and b.high is not None, "a numeric parameter needs both bounds"
    kind = numeric_type(f)
    lo, hi = b.low, b.high
    if b.low_open:
        lo = lo + 1 if kind is int else math.nextafter(float(lo), math.inf)
    if b.high_open:
        hi = hi - 1 if kind is int else math.nextafter(float(hi), -math.inf)
    return (int(lo), int(hi)) if kind is int else (float(lo), float(hi))


def value_in(f: FieldInfo, lo: float, hi: float) -> st.SearchStrategy:
    """The minimum, the maximum or a value inside: corners come two times in three."""
    inside = (
        st.integers(int(lo), int(hi))
        if numeric_type(f) is int
        else st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    )
    return st.one_of(st.just(lo), st.just(hi), inside)


@st.composite
def anywhere(draw) -> dict[str, Any]:
    """A scenario's every numeric parameter and switch, drawn at once across its whole
    declared range, and the squeeze overridden for one year."""
    out: dict[str, Any] = {}
    for path, f in NUMERIC.items():
        lo, hi = SMALL.get(path) or declared_range(f)
        out[path] = draw(value_in(f, lo, hi))
    for path, f in SWITCHES.items():
        values = [False, True] if f.annotation is bool else [v.value for v in f.annotation]
        out[path] = draw(st.sampled_from(values))
    year: dict[str, Any] = {"year": draw(st.integers(1, out["years"]))}
    for name, f in YEAR_FIELDS.items():
        if draw(st.booleans()):
            year[name] = draw(value_in(f, *declared_range(f)))
    out["squeeze.years"] = [year]
    return out


# ------------------------------------------------------------------------------------
# what every run must give
# ------------------------------------------------------------------------------------

#: units of a per-trust variable that make it a share (staff over the establishment is
#: not one: a trust may employ more than its establishment)
SHARE_UNITS = ("0-1", "share of beds", "share of harm", "share of need")
PER_TRUST_SHARES = tuple(v.record for v in LAYOUT.recorded if v.unit in SHARE_UNITS)
#: monthly metrics that are shares: means of per-trust shares, and those described
#: as a share or on a 0-1 scale
MONTHLY_SHARES = tuple(
    k for k, doc in MONTHLY.items() if k in PER_TRUST_SHARES or "(0-1)" in doc or "share of" in doc
)
#: summary metrics that are shares: named or described so, and the final, mean or
#: run-long values of a monthly share
SUMMARY_SHARES = tuple(
    k
    for k, doc in SUMMARY.items()
    if k.endswith("_share")
    or "_share_" in k
    or doc.startswith(("share", "mean share", "highest share"))
    or any(k == f"{m}_{end}" for m in MONTHLY_SHARES for end in ("final", "mean", "run"))
)


def test_the_share_outputs_are_found():
    """The checks below are only as good as the lists of shares they read."""
    for k in ("quality", "occupancy", "openness", "morale", "fear", "reputation"):
        assert k in PER_TRUST_SHARES, f"per-trust {k} should be checked as a share"
    for k in ("turnover", "occupancy", "reporting_rate", "social_care_shortfall", "quality_p10"):
        assert k in MONTHLY_SHARES, f"monthly {k} should be checked as a share"
    for k in ("hidden_harm_share", "deficit_share_peak", "sm_stock_mean", "occupancy_mean"):
        assert k in SUMMARY_SHARES, f"summary {k} should be checked as a share"
    assert "staffing" not in MONTHLY_SHARES, "staffing may exceed its establishment"
    assert "economy_concentration" not in SUMMARY_SHARES, "a location quotient is no share"


def non_finite(frame: pd.DataFrame) -> list[str]:
    num = frame.select_dtypes("number")
    return [c for c in num.columns if not np.isfinite(num[c].to_numpy(float)).all()]


def outside_unit_interval(frame: pd.DataFrame, columns) -> list[str]:
    out = []
    for c in columns:
        x = frame[c].to_numpy(float)
        if not ((x >= 0) & (x <= 1)).all():
            out.append(f"{c} (from {x.min():.6g} to {x.max():.6g})")
    return out


def check_run(overrides: dict[str, Any], seed: int) -> None:
    """Run a scenario and check what it gives: finite numbers, shares in [0, 1]."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # 0/0 and overflow are bugs here
        r = run("baseline", seed=seed, overrides=overrides)
        books = accounts(r.model)
    what = f"seed {seed}"
    ts, tf, summary = r.timeseries, r.trusts, r.summary
    assert not non_finite(ts), f"{what}: monthly series with NaN or inf: {non_finite(ts)}"
    assert not non_finite(tf), f"{what}: trust table columns with NaN or inf: {non_finite(tf)}"
    bad = [k for k, v in summary.items() if not math.isfinite(v)]
    bad = [k for k in bad if k not in UNDEFINED_WHEN_EMPTY or math.isinf(summary[k])]
    assert not bad, f"{what}: summary metrics with inf (or NaN where defined): {bad}"
    bad = [k for k, v in books.items() if not math.isfinite(v)]
    assert not bad, f"{what}: accounts with NaN or inf: {bad}"
    bad = outside_unit_interval(tf, PER_TRUST_SHARES) + outside_unit_interval(ts, MONTHLY_SHARES)
    assert not bad, f"{what}: shares outside [0, 1]: {bad}"
    bad = [
        f"{k} = {summary[k]!r}"
        for k in SUMMARY_SHARES
        if not math.isnan(summary[k]) and not 0 <= summary[k] <= 1
    ]
    assert not bad, f"{what}: summary shares outside [0, 1]: {bad}"


# ------------------------------------------------------------------------------------
# the property
# ------------------------------------------------------------------------------------


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(overrides=anywhere(), seed=st.integers(0, 2**32 - 1))
def test_every_value_inside_the_declared_bounds_runs(overrides, seed):
    try:
        check_run(overrides, seed)
    except ScenarioError as exc:  # a cross-field check: one clear line, naming the keys
        message = str(exc)
        assert "\n" not in message and len(message) <= 300, f"a long error: {message!r}"
        pytest.fail(f"the declared bounds allow a scenario the schema rejects: {message}")


# ------------------------------------------------------------------------------------
# the issue's examples
# ------------------------------------------------------------------------------------

ISSUE_EXAMPLES = {
    "delayed discharges fill every bed": {
        "behaviour.delayed_discharge_beds_per_shortfall": 3,
        "squeeze.social_care_need_growth": 0.5,
    },
    "one trust named out of its demand": {
        "economy.trusts_per_economy": 1,
        "behaviour.shock_rate": 1,
        "behaviour.reputation_loss_naming": 1,
        "behaviour.reputation_demand_shift": 1,
    },
    "turnover far above its base": {
        "behaviour.turnover_base": 0.2,
        "behaviour.morale_turnover": 10,
    },
}


@pytest.mark.parametrize("seed", [13, 1, 2])
@pytest.mark.parametrize("example", list(ISSUE_EXAMPLES))
def test_the_issues_examples_run(example, seed):
    check_run(ISSUE_EXAMPLES[example], seed)


def test_a_trust_without_staff_is_refused_in_one_line_naming_the_key():
    """``initial.staffing_ratio=5e-324`` with ``behaviour.agency_fill=0`` gave an
    infinite starting wage per post and a NaN surplus: the starting wage bill spreads
    the pay share over the staff in post, so the range now starts at a quarter."""
    from healthsim.config import load_scenario, with_overrides

    with pytest.raises(ScenarioError) as caught:
        with_overrides(
            load_scenario("baseline"),
            {"initial.staffing_ratio": 5e-324, "behaviour.agency_fill": 0},
        )
    message = str(caught.value)
    assert "initial.staffing_ratio" in message and "\n" not in message, (
        f"the error should be one line naming the key: {message!r}"
    )
    lowest = declared_range(NUMERIC["initial.staffing_ratio"])[0]
    check_run({"initial.staffing_ratio": lowest, "behaviour.agency_fill": 0}, seed=13)
