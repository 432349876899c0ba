"""The model's arrays, laid out from what the mechanisms declare (model/variables.py).

Every variable is declared once, in its mechanism (name, type, unit, per trust / per
service / per economy / per month); the structured dtypes, the Python views of each
field, the recorded columns and the packed parameters are derived from those
declarations. These tests check that the derivation holds together.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthsim.config import load_scenario
from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.history import PER_TRUST, SCALARS
from healthsim.model.mechanisms import LAYOUT, MECHANISMS, pack
from healthsim.model.variables import Var, layout


@pytest.fixture(scope="module", params=["blame_focused", "board_supported", "whole_system"])
def ran(request):
    """A run with every kind of support and decision (four years)."""
    return ScenarioEconomy(request.param, rng=11, years=4).run()


def test_every_variable_is_declared_once_by_one_mechanism():
    seen: dict[tuple[str, str], str] = {}
    for m in MECHANISMS:
        for v in m.VARS:
            key = (v.per, v.name)
            assert key not in seen, f"{v.per} variable {v.name} declared by {seen.get(key)}"
            seen[key] = m.__name__
            assert v.unit and v.doc, f"{m.__name__}.{v.name} needs a unit and a meaning"


def test_the_layout_refuses_a_clash():
    with pytest.raises(ValueError, match="declared twice"):
        layout([Var("x", "float", "1", "a"), Var("x", "int", "1", "b")])


def test_a_months_record_is_the_recorded_fields_of_every_trust(ran):
    """The history row of the last month equals each trust's recorded field now (the
    row is a copy of the records' leading bytes: the layout keeps them first)."""
    r = ran.recorder.n_rows - 1
    for v in LAYOUT.recorded:
        got = ran.recorder.per_trust[v.record][r]
        want = getattr(ran.s, v.name)
        assert np.array_equal(got, want), f"recorded {v.record} should equal {v.name}"


def test_every_recorded_column_and_tally_is_in_the_outputs(ran):
    frame_cols = set(ran.recorder.per_trust)
    assert frame_cols == set(PER_TRUST), "per-trust columns are the recorded variables"
    assert set(SCALARS) == {v.name for v in LAYOUT.of("month")}
    assert set(SCALARS) <= set(ran.recorder.monthly), "every tally is a monthly metric"


def test_the_live_occupancy_is_this_months():
    """model.s.occupancy (what the workshop app shows) is the month just run."""
    m = ScenarioEconomy("baseline", rng=2)
    m.run(18)
    recorded = m.recorder.per_trust["occupancy"][m.recorder.n_rows - 1]
    assert np.array_equal(m.s.occupancy, recorded), "occupancy should be this month's"
    assert not np.allclose(m.s.occupancy, m.p.behaviour.base_occupancy), "it should move"


def test_every_named_field_stays_a_view_of_its_records(ran):
    """The compiled passes write the record arrays; Python code reads the named fields.
    After a run each name must still view its array, or the two would disagree."""
    for owner, arrays in ((ran.s, ("trusts", "services", "rings")), (ran.e, ("economies",))):
        for name in arrays:
            arr = getattr(owner, name)
            for field in arr.dtype.names:
                assert np.shares_memory(getattr(owner, field), arr), f"{field} of {name}"
    for field in ran.draws.months.dtype.names:
        assert np.shares_memory(getattr(ran.draws, field), ran.draws.months), field
    assert np.shares_memory(ran.trust_words, ran.s.trusts)


def test_a_field_cannot_be_rebound():
    m = ScenarioEconomy("baseline", rng=1, years=1)
    with pytest.raises(AttributeError, match="write into it in place"):
        m.s.injection = np.zeros(m.s.n)
    m.s.cash += 1.0  # in place: fine
    assert np.shares_memory(m.s.cash, m.s.trusts)


def test_packed_parameters_have_one_owner_and_the_scenarios_values():
    sc = load_scenario("blame_focused")
    p = pack(sc)[0]
    b = sc.behaviour
    for name in ("fear_culture", "improvement_rate", "accountability_penalty", "buddy_cost"):
        if name in p.dtype.names:
            assert p[name] == getattr(b, name), name
    assert p["blame"] == sc.regime.communication.blame_intensity
    assert pack(sc).dtype is pack(load_scenario("baseline")).dtype, (
        "one dtype object for every scenario, so compiled calls type it once"
    )


def test_the_compiled_cache_is_keyed_by_every_model_source(tmp_path):
    """The kernel inlines rules from other files, which numba's own cache does not see:
    a change to any model source file must lead to a fresh cache folder."""
    import shutil

    import numba

    from healthsim.model import _compiled_cache

    src = Path(_compiled_cache.__file__).parent
    copy = tmp_path / "model"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _compiled_cache.source_digest(copy)
    assert before == _compiled_cache.source_digest(src), "the digest reads the sources"
    rule = copy / "mechanisms" / "culture.py"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert _compiled_cache.source_digest(copy) != before, "a changed rule changes the folder"
    assert numba.config.CACHE_DIR.endswith(before), "the model compiles into its folder"
