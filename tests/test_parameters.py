"""Parameters declare their priors: every uncertain one (an assumption or calibrated)
has a distribution over a range, next to its declaration (model/parameters.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.model.mechanisms import MECHANISMS
from healthsim.model.parameters import Prior, field_bounds, loguniform, meta, triangular, uniform


def declared():
    for m in MECHANISMS:
        sections = [("behaviour.", m.PARAMS), ("initial.", m.INITIAL)]
        sections += [(f"regime.{k}.", s) for k, s in m.LEVERS.items()]
        for prefix, section in sections:
            if section is None:
                continue
            for name in section.__annotations__:
                info = section.model_fields[name]
                yield prefix + name, info, meta(info)


def test_every_uncertain_parameter_has_a_prior_within_its_bounds():
    missing = [k for k, _, m in declared() if m is not None and m.uncertain and m.prior is None]
    assert not missing, f"uncertain parameters without a prior: {missing}"
    for key, info, m in declared():
        if m is None or m.prior is None:
            continue
        b = field_bounds(info.metadata)
        assert (b.low is None or m.prior.low >= b.low) and (
            b.high is None or m.prior.high <= b.high
        ), f"{key}: its prior {m.prior.describe()} should lie within its bounds"
        assert m.prior.low <= info.default <= m.prior.high, f"{key}: default outside its prior"


def test_levers_are_choices_not_uncertain_parameters():
    levers = [k for k, _, m in declared() if m is not None and m.kind == "lever"]
    assert len(levers) > 20, "the regime's settings are declared as levers"
    assert all(meta_ is None or meta_.prior is None for k, _, meta_ in declared() if k in levers)


@pytest.mark.parametrize(
    "prior",
    [uniform(0.0, 0.4), loguniform(0.001, 0.1), triangular(0.0, 0.2, 1.0)],
    ids=lambda p: p.dist,
)
@given(u=st.floats(0, 1))
def test_a_priors_quantiles_invert_its_distribution(prior: Prior, u: float):
    x = prior.ppf(u)
    assert prior.low - 1e-12 <= x <= prior.high + 1e-12, "a draw stays in the prior's range"
    assert math.isclose(prior.cdf(x), u, abs_tol=1e-9), "cdf(ppf(u)) should give u back"


def test_prior_worked_values():
    assert uniform(0, 0.4).ppf(0.5) == pytest.approx(0.2), "the middle of a uniform range"
    assert loguniform(0.001, 0.1).ppf(0.5) == pytest.approx(0.01), "the geometric middle"
    t = triangular(0, 0.2, 1)
    assert t.cdf(0.2) == pytest.approx(0.2), "a fifth of a (0, 0.2, 1) triangle lies below 0.2"
    with pytest.raises(ValueError):
        triangular(0, 2, 1)
