"""Invariants that hold for every allowed scenario (hypothesis and the schema's edges).

- Quality of every service line, and fear, openness, morale, board capability,
  reputation and accountability clarity of every trust, stay in [0, 1] every month.
- Money: what commissioners pay each month (``commissioner_paid``) equals what their
  trusts book as contract income, no commissioner pays beyond its allocation, and a
  trust's cash moves by exactly its surplus in a month without a budget round.
- No NaN or infinity anywhere in the monthly series, the trust frame or the summary
  (except the summary metrics that are undefined when nothing happened; see
  ``UNDEFINED_WHEN_EMPTY``), at both ends of EVERY numeric parameter's allowed range
  (read from the pydantic schema's ge/gt/le/lt bounds, one at a time), for every value
  of the switches, and for hypothesis-drawn combinations.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from enum import Enum
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from healthsim import run
from healthsim.config import schema, with_overrides
from healthsim.config.schema import field_bounds
from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.metrics.summary import (
    UNDEFINED_WHEN_EMPTY,
    monthly_frame,
    summarise,
    trust_frame,
)
from healthsim.model.economy import HealthEconomy

#: Per-trust frame columns that are shares in [0, 1].
SHARES_PER_TRUST = (
    "quality",
    "quality_worst_service",
    "fear",
    "openness",
    "morale",
    "reputation",
    "capability",
    "clarity",
)
#: Monthly columns that are shares (or means of shares) in [0, 1].
SHARES_MONTHLY = (
    "quality_mean",
    "quality_p10",
    "reporting_rate",
    "fear",
    "openness",
    "morale",
    "capability",
    "clarity",
    "social_care_shortfall",
)

# ------------------------------------------------------------------------------------
# the schema's numeric parameters and their bounds
# ------------------------------------------------------------------------------------


def bounds(field: FieldInfo) -> tuple[float | None, float | None, bool]:
    """(lowest, highest, lower bound is open) allowed by a field's metadata."""
    b = field_bounds(field.metadata)
    return b.low, b.high, b.low_open


def scenario_fields(
    model: type[BaseModel] = schema.Scenario, prefix: str = ""
) -> Iterator[tuple[str, FieldInfo]]:
    """Every leaf field of the scenario schema by dotted key path (not inside lists)."""
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from scenario_fields(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", f


def is_numeric(f: FieldInfo) -> bool:
    return f.annotation in (int, float)


def edge_values(f: FieldInfo) -> list[float]:
    """Both ends of a numeric field's allowed range (the first value inside an open end)."""
    lo, hi, open_lo = bounds(f)
    out = []
    if lo is not None:
        out.append(math.nextafter(float(lo), math.inf) if open_lo else lo)
    if hi is not None:
        out.append(hi)
    return [f.annotation(v) for v in out]


NUMERIC = {p: f for p, f in scenario_fields() if is_numeric(f)}
SWITCHES = {
    p: f
    for p, f in scenario_fields()
    if f.annotation is bool or (isinstance(f.annotation, type) and issubclass(f.annotation, Enum))
}


def switch_values(f: FieldInfo) -> list[Any]:
    return [False, True] if f.annotation is bool else [v.value for v in f.annotation]


#: Numbers inside list-valued sections (one year of the squeeze; explicit trusts,
#: links and economies), tested through a small explicit economy.
LISTED = {
    "squeeze.years[].": schema.SqueezeYear,
    "economy.trusts[].": schema.TrustSpec,
    "economy.links[].": schema.LinkSpec,
    "economy.economies[].": schema.EconomyDataSpec,
}

#: Parameter edges where the model is known to break. Each is a real bug, reported;
#: strict xfail so the test turns red (and the mark must go) once it is fixed.
KNOWN_BROKEN: dict[tuple[str, float], str] = {}

#: Values drawn in combinations are kept off the known-broken regions above.
SAFE_RANGE: dict[str, tuple[float, float]] = {}


def explicit_economy(
    beds: float = 450.0, weight: float = 1.0, population: float = 0.0
) -> dict[str, Any]:
    return {
        "economy.trusts": [
            {"id": "A", "economy": "E", "beds": beds},
            {"id": "B", "economy": "E", "beds": 450.0},
            {"id": "C", "economy": "F", "beds": 300.0},
        ],
        "economy.links": [
            {"source": "A", "target": "B", "weight": weight},
            {"source": "B", "target": "C", "weight": 0.2},
        ],
        "economy.economies": [{"id": "E", "population": population}, {"id": "F"}],
    }


def edge_cases() -> Iterator[Any]:
    for path, f in NUMERIC.items():
        for v in edge_values(f):
            yield _case(path, v, {path: v})
    for path, f in SWITCHES.items():
        for v in switch_values(f):
            yield pytest.param({path: v}, id=f"{path}={v}")
    for name, f in schema.SqueezeYear.model_fields.items():
        if is_numeric(f):
            for v in edge_values(f):
                year = {"year": 1, name: v} if name != "year" else {"year": v}
                yield _case(f"squeeze.years[].{name}", v, {"squeeze.years": [year]})
    for v in edge_values(schema.TrustSpec.model_fields["beds"]):
        yield _case("economy.trusts[].beds", v, explicit_economy(beds=v))
    for v in edge_values(schema.LinkSpec.model_fields["weight"]):
        yield _case("economy.links[].weight", v, explicit_economy(weight=v))
    # population has no upper bound: its lower end and a very large value
    for v in (0.0, 1e12):
        yield _case("economy.economies[].population", v, explicit_economy(population=v))


def _case(path: str, value: float, overrides: dict[str, Any]) -> Any:
    marks = []
    why = KNOWN_BROKEN.get((path, value))
    if why:
        marks.append(pytest.mark.xfail(strict=True, reason=why))
    return pytest.param(overrides, id=f"{path}={value!r}", marks=marks)


def test_every_numeric_parameter_has_a_bounded_range():
    """The edge test below is only as good as the schema's bounds."""
    unbounded = [p for p, f in NUMERIC.items() if None in bounds(f)[:2]]
    assert not unbounded, f"numeric scenario parameters without both bounds: {unbounded}"
    for prefix, model in LISTED.items():
        for name, f in model.model_fields.items():
            if is_numeric(f) and name != "population":
                assert None not in bounds(f)[:2], f"{prefix}{name} should have both bounds"


# ------------------------------------------------------------------------------------
# checks
# ------------------------------------------------------------------------------------


def check_frames(ts, tf, summary: dict[str, float], n_trusts: int, what: str) -> None:
    """No NaN/inf anywhere; shares in [0, 1]; counts add up."""
    num = ts.select_dtypes("number")
    bad = [c for c in num.columns if not np.isfinite(num[c].to_numpy(float)).all()]
    assert not bad, f"{what}: monthly series with NaN or inf: {bad}"
    num = tf.select_dtypes("number")
    bad = [c for c in num.columns if not np.isfinite(num[c].to_numpy(float)).all()]
    assert not bad, f"{what}: trust frame columns with NaN or inf: {bad}"
    bad = [k for k, v in summary.items() if k not in UNDEFINED_WHEN_EMPTY and not math.isfinite(v)]
    assert not bad, f"{what}: summary metrics with NaN or inf: {bad}"
    bad = [k for k in UNDEFINED_WHEN_EMPTY if math.isinf(summary[k])]
    assert not bad, f"{what}: summary metrics may be NaN when empty, never infinite: {bad}"
    for c in SHARES_PER_TRUST:
        x = tf[c].to_numpy()
        assert ((x >= 0) & (x <= 1)).all(), f"{what}: per-trust {c} should stay in [0, 1]"
    for c in SHARES_MONTHLY:
        x = ts[c].to_numpy()
        assert ((x >= 0) & (x <= 1 + 1e-12)).all(), f"{what}: monthly {c} should stay in [0, 1]"
    assert (ts["harm"] >= 0).all() and (ts["harm_hidden"] >= -1e-9).all(), (
        f"{what}: harm and hidden harm are never negative"
    )
    assert (ts["harm_reported"] <= ts["harm"] + 1e-9).all(), (
        f"{what}: reported harm never exceeds harm"
    )
    rungs = ts[["rung_none", "rung_advice", "rung_warning", "in_special_measures"]].sum(axis=1)
    assert (rungs == n_trusts).all(), f"{what}: every trust is on exactly one rung each month"
    assert (tf["staffing"] >= 0).all(), f"{what}: staff in post is never negative"


def check_state(m: HealthEconomy, what: str) -> None:
    """The model's own arrays after a month (per service line, not just trust means)."""
    s = m.s
    assert np.isfinite(s.quality).all(), f"{what}: service quality should be finite"
    assert ((s.quality >= 0) & (s.quality <= 1)).all(), (
        f"{what}: every service's quality should stay in [0, 1]"
    )
    for name in ("fear", "openness", "morale", "capability", "reputation"):
        x = getattr(s, name)
        assert np.isfinite(x).all() and ((x >= 0) & (x <= 1)).all(), (
            f"{what}: {name} of every trust should stay in [0, 1]"
        )
    assert np.isfinite(s.cash).all(), f"{what}: cash should stay finite"
    r = m.recorder.n_rows - 1
    if r >= 0:
        pt = m.recorder.per_trust
        np.testing.assert_allclose(
            pt["quality"][r],
            s.quality.mean(axis=1),
            rtol=1e-12,
            atol=1e-12,
            err_msg=f"{what}: recorded quality should be the model's end-of-month state",
        )
        assert (pt["quality_worst_service"][r] <= pt["quality"][r] + 1e-12).all(), (
            f"{what}: a trust's worst service cannot be better than its mean"
        )


def check_money(m: HealthEconomy, cash_before: np.ndarray, budget_round: bool, what: str):
    """Commissioners pay what trusts receive; cash moves by the month's surplus."""
    rec, r = m.recorder, m.recorder.n_rows - 1
    contract = rec.per_trust["income"][r] - m.s.central_payment  # trusts' contract income
    paid = rec.scalars["commissioner_paid"][r]
    assert (contract >= -1e-9).all(), f"{what}: no trust receives negative contract income"
    assert math.isclose(contract.sum(), paid, rel_tol=1e-9, abs_tol=1e-9), (
        f"{what}: commissioners paid {paid} but trusts booked {contract.sum()}"
    )
    by_economy = np.bincount(m.s.economy, weights=contract, minlength=m.e.allocation.shape[0])
    assert (by_economy <= m.e.allocation / 12.0 * (1 + 1e-9) + 1e-9).all(), (
        f"{what}: a commissioner should never pay beyond a twelfth of its allocation"
    )
    if not budget_round:
        moved = m.s.cash - cash_before
        np.testing.assert_allclose(
            moved,
            rec.per_trust["surplus"][r],
            rtol=1e-9,
            atol=1e-9 * (1 + np.abs(cash_before).max()),
            err_msg=f"{what}: cash should move by exactly the month's surplus",
        )


def stepped(overrides: dict[str, Any], seed: int, what: str) -> HealthEconomy:
    """Build and step a model month by month, checking state and money each month."""
    m = ScenarioEconomy("baseline", rng=seed, **overrides)
    for k in range(m.months):
        cash = m.s.cash.copy()
        m.step()
        month = f"{what}, month {k + 1}"
        check_state(m, month)
        check_money(m, cash, budget_round=(k % 12 == 0), what=month)
    return m


# ------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", list(edge_cases()))
def test_no_nan_or_inf_at_the_edges_of_every_parameter(overrides, baseline):
    changes = {"years": 2, **overrides}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # 0/0 and overflow are bugs here
        r = run(baseline, seed=1, overrides=changes)
    check_frames(r.timeseries, r.trusts, r.summary, r.model.s.n, f"edge {overrides}")
    check_state(r.model, f"edge {overrides}")


#: Fields whose size makes a run slow: kept small in drawn combinations (their edges
#: are covered one at a time above).
SMALL = {
    "years": (1, 3),
    "economy.n_economies": (1, 3),
    "economy.trusts_per_economy": (1, 8),
}


@st.composite
def combinations(draw) -> dict[str, Any]:
    """Up to 30 parameters at once, each at an edge of its range or inside it."""
    paths = draw(st.lists(st.sampled_from(sorted(NUMERIC) + sorted(SWITCHES)), max_size=30))
    out: dict[str, Any] = {}
    for p in paths:
        if p in SWITCHES:
            out[p] = draw(st.sampled_from(switch_values(SWITCHES[p])))
            continue
        f = NUMERIC[p]
        lo, hi = SMALL.get(p) or SAFE_RANGE.get(p) or (None, None)
        if lo is None:
            ends = edge_values(f)
            lo, hi = ends[0], ends[-1]
        if f.annotation is int:
            out[p] = draw(st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi)))
        else:
            inside = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
            out[p] = draw(st.one_of(st.sampled_from([lo, hi]), inside))
    out.setdefault("years", 2)
    return out


@settings(max_examples=int(os.environ.get("HEALTHSIM_INVARIANT_EXAMPLES", "25")))
@given(overrides=combinations(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_drawn_combinations(overrides, seed):
    what = f"seed {seed}, {overrides}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        m = stepped(overrides, seed, what)
    check_frames(monthly_frame(m), trust_frame(m), summarise(m), m.s.n, what)


@pytest.mark.parametrize("name", ["baseline", "blame_focused", "whole_system", "region"])
def test_invariants_hold_in_the_shipped_scenarios(name, shipped):
    from healthsim.config import load_scenario

    sc = with_overrides(load_scenario(shipped[name]), {"years": 3})
    m = ScenarioEconomy(sc, rng=17)
    for k in range(m.months):
        cash = m.s.cash.copy()
        m.step()
        check_state(m, f"{name} month {k + 1}")
        check_money(m, cash, budget_round=(k % 12 == 0), what=f"{name} month {k + 1}")
    check_frames(monthly_frame(m), trust_frame(m), summarise(m), m.s.n, name)


def test_commissioners_ration_when_their_allocation_runs_short():
    """Under a squeeze where the allocation cannot cover activity, commissioners pay pro
    rata: exactly their allocation, and still exactly what the trusts receive."""
    m = stepped(
        {
            "years": 2,
            "squeeze.real_funding_growth": -0.3,
            "squeeze.demand_growth": 0.2,
            "squeeze.years": [],
        },
        seed=3,
        what="rationing",
    )
    paid = m.recorder.scalars["commissioner_paid"][12:24]
    assert np.allclose(paid, m.e.allocation.sum() / 12.0, rtol=1e-9), (
        "in year 2 a commissioner short of money should pay its whole monthly allocation"
    )
