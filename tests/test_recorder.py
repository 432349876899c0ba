"""The recorder's compiled derivation of the monthly metrics against the numpy it
replaced (``reference_derive`` below is that code, kept as the specification)."""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.history import MONTHLY, PER_TRUST, SCALARS, Recorder, derive_monthly


def reference_derive(rec: Recorder, n: int) -> dict[str, np.ndarray]:
    """Compute every :data:`MONTHLY` metric for the first ``n`` months at once."""
    pt = {k: v[:n] for k, v in rec.per_trust.items()}
    sc = {k: v[:n] for k, v in rec.scalars.items()}
    q = pt["quality"]
    harm = pt["harm"].sum(axis=1)
    hidden = pt["harm_hidden"].sum(axis=1)
    rating = pt["rating"]
    rung = pt["rung"]
    in_sm = rung >= 3
    income_12m = pt["income_12m"].sum(axis=1)
    out = {
        "quality_mean": q.mean(axis=1),
        "quality_p10": np.percentile(q, 10, axis=1) if n else np.zeros(0),
        "harm": harm,
        "harm_reported": harm - hidden,
        "harm_hidden": hidden,
        "reporting_rate": np.divide(harm - hidden, harm, out=np.zeros(n), where=harm > 0),
        "rated_outstanding": (rating == 3).sum(axis=1),
        "rated_good": (rating == 2).sum(axis=1),
        "rated_requires_improvement": (rating == 1).sum(axis=1),
        "rated_inadequate": (rating == 0).sum(axis=1),
        "unrated": (rating < 0).sum(axis=1),
        "rung_none": (rung == 0).sum(axis=1),
        "rung_advice": (rung == 1).sum(axis=1),
        "rung_warning": (rung == 2).sum(axis=1),
        "in_special_measures": in_sm.sum(axis=1),
        "in_administration": (rung == 4).sum(axis=1),
        "truly_failing": pt["truly_failing"].sum(axis=1),
        "entries": sc["entries"],
        "exits": sc["exits"],
        "relapses": sc["relapses"],
        "false_positive_entries": sc["false_positive_entries"],
        "false_negative_trusts": ((pt["truly_failing"] > 0) & ~in_sm).sum(axis=1),
        "political_entries": sc["political_entries"],
        "inspections": sc["inspections"],
        "in_deficit": (pt["surplus_12m"] < 0).sum(axis=1),
        "financially_unsustainable": pt["financially_unsustainable"].sum(axis=1),
        "surplus": pt["surplus"].sum(axis=1),
        "income": pt["income"].sum(axis=1),
        "margin_12m": np.divide(
            pt["surplus_12m"].sum(axis=1), income_12m, out=np.zeros(n), where=income_12m != 0
        ),
        "efficiency_achieved": sc["efficiency_achieved"],
        "efficiency_required": sc["efficiency_required"],
        "morale": pt["morale"].mean(axis=1),
        "openness": pt["openness"].mean(axis=1),
        "fear": pt["fear"].mean(axis=1),
        "turnover": np.divide(
            pt["leavers"].sum(axis=1),
            np.maximum(pt["staff"].sum(axis=1), pt["leavers"].sum(axis=1)),
            out=np.zeros(n),
            where=pt["leavers"].sum(axis=1) > 0,
        ),
        "staffing": pt["staffing"].mean(axis=1),
        "occupancy": pt["occupancy"].mean(axis=1),
        "delayed_discharge_beds": pt["delayed_discharge_beds"].sum(axis=1),
        "social_care_shortfall": sc["social_care_shortfall"],
        "demand_diverted": sc["demand_diverted"],
        "unmet_demand": sc["unmet_demand"],
        "board_replacements": sc["board_replacements"],
        "capability": pt["capability"].mean(axis=1),
        "clarity": pt["clarity"].mean(axis=1),
        "buddy_links": (pt["buddy_of"] >= 0).sum(axis=1),
        "regime_cost": sc["regime_cost"],
        "commissioner_paid": sc["commissioner_paid"],
    }
    return {k: np.asarray(out[k], dtype=float) for k in MONTHLY}


def random_recorder(seed: int, months: int = 30, trusts: int = 11) -> Recorder:
    rng = np.random.default_rng(seed)
    rec = Recorder(months, trusts)
    for k in PER_TRUST:
        rec.per_trust[k][:] = rng.random((months, trusts)) - 0.3
    for k, lo, hi in (("rung", 0, 5), ("rating", -1, 4), ("buddy_of", -1, trusts)):
        rec.per_trust[k][:] = rng.integers(lo, hi, (months, trusts))
    for k in ("truly_failing", "financially_unsustainable"):
        rec.per_trust[k][:] = rng.random((months, trusts)) < 0.3
    rec.per_trust["harm"][3] = 0.0  # no harm in a month: reporting rate 0
    rec.per_trust["harm_hidden"][3] = 0.0
    rec.per_trust["staff"][4] = 0.0  # no staff left: turnover 1 (all of them left)
    rec.per_trust["leavers"][6] = 0.0  # no leavers: turnover 0
    rec.per_trust["income_12m"][5] = 0.0  # no income: margin 0
    for k in SCALARS:
        rec.scalars[k][:] = rng.random(months)
    rec.n_rows = months
    return rec


@pytest.mark.parametrize("trusts", [1, 2, 6, 11, 40])
def test_derived_metrics_equal_the_reference(trusts):
    rec = random_recorder(trusts, trusts=trusts)
    got, want = derive_monthly(rec, rec.n_rows), reference_derive(rec, rec.n_rows)
    assert list(got) == list(MONTHLY)
    for k in MONTHLY:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_derived_metrics_of_a_run_equal_the_reference():
    m = ScenarioEconomy("baseline", rng=5).run(48)
    rec = m.recorder
    got, want = rec.monthly, reference_derive(rec, rec.n_rows)
    for k in MONTHLY:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15, err_msg=k)
        assert got[k].shape == (48,)


def test_a_run_past_its_planned_end_keeps_recording():
    """A run carried on past the scenario's end (``running = True`` again): the
    recorder grows and the months already recorded keep their values."""
    m = ScenarioEconomy("baseline", rng=5, years=1)
    m.run(12)
    before = {k: v.copy() for k, v in m.recorder.monthly.items()}
    m.running = True
    m.run(15)
    after = m.recorder.monthly
    assert after["harm"].shape == (27,)
    for k in MONTHLY:
        np.testing.assert_array_equal(after[k][:12], before[k], err_msg=k)
    assert after["quality_mean"][12:].min() > 0
