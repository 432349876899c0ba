"""The compiled monthly kernel against the readable rules it fuses (rules.py).

`kernel.people_and_quality` must give what the rules give, trust by trust, for any
state: the rules are the reference, the kernel is the fast path the model runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.config import load_scenario
from healthsim.model import kernel, rules

N, S = 9, 6


def state(rng: np.random.Generator) -> dict:
    return {
        "q": rng.random((N, S)),
        "staff": 0.7 + 0.4 * rng.random(N),
        "vac": 0.2 * rng.random(N),
        "reputation": rng.random(N),
        "in_deficit": rng.random(N) < 0.5,
        "fear": rng.random(N),
        "morale": rng.random(N),
        "named": rng.random(N) < 0.3,
        "rung": rng.integers(0, 5, N),
        "economy": np.repeat(np.arange(3), 3),
        "econ_counts": np.full(3, 3.0),
        "occupancy": 0.8 + 0.25 * rng.random(N),
        "staffing": 0.8 + 0.3 * rng.random(N),
        "conditions": rng.random(N) < 0.4,
        "support": rng.integers(0, 4, N),
        "capability": rng.random(N),
        "disruption": rng.integers(0, 3, N).astype(float),
        "cut_excess": 0.02 * rng.random(N),
        "boost": 0.1 * rng.random(N),
    }


def run_kernel(p: np.ndarray, st: dict) -> dict:
    st = {k: v.copy() for k, v in st.items()}
    out = {
        k: np.zeros(N) for k in ("openness", "bodies", "clarity", "leave", "qmean", "k", "worsen")
    }
    out["dq"] = np.zeros((N, S))
    kernel.people_and_quality(
        p,
        st["q"],
        st["staff"],
        st["vac"],
        st["reputation"],
        st["in_deficit"],
        st["fear"],
        st["morale"],
        st["named"],
        st["rung"],
        st["economy"],
        st["econ_counts"],
        st["occupancy"],
        st["staffing"],
        st["conditions"],
        st["support"],
        st["capability"],
        st["disruption"],
        st["cut_excess"],
        st["boost"],
        out["openness"],
        out["bodies"],
        out["clarity"],
        out["leave"],
        out["qmean"],
        out["k"],
        out["worsen"],
        out["dq"],
    )
    return {**st, **out}


def run_rules(b, blame, directions, powers, deterrence, general, on_ladder, st: dict) -> dict:
    """The same month through the vectorised rules, as the model wrote it before."""
    st = {k: v.copy() for k, v in st.items()}
    leave = st["staff"] * rules.leaving_rate(
        st["fear"], st["morale"], b.turnover_base, b.fear_turnover, b.morale_turnover
    )
    hire = rules.hiring(
        st["vac"],
        b.recruitment_rate,
        st["reputation"],
        b.reputation_recruitment,
        st["in_deficit"],
        b.hiring_restraint,
    )
    staff = st["staff"] + hire - leave
    in_sm = st["rung"] >= 3
    if blame > 0:
        pressure = in_sm + 0.4 * (st["rung"] == 2)
        share = (np.bincount(st["economy"], weights=st["named"]) / st["econ_counts"])[st["economy"]]
        target = rules.fear_target(
            blame,
            b.fear_culture,
            b.fear_from_naming,
            st["named"],
            pressure,
            b.fear_contagion,
            share,
        )
    else:
        target = 0.0
    fear = rules.relax(st["fear"], target, b.fear_adjustment)
    qmean = st["q"].mean(axis=1)
    morale = rules.relax(
        st["morale"],
        rules.morale_target(fear, st["occupancy"], st["staffing"], qmean, b.occupancy_threshold),
        b.morale_adjustment,
    )
    openness = rules.openness(fear, morale, b.openness_base, b.fear_toxicity)
    bodies = (
        st["conditions"].astype(float)
        + (st["rung"] == 4)
        + directions * in_sm
        + powers * (in_sm & (st["support"] != 0))
    )
    clarity = rules.accountability_clarity(bodies, b.accountability_penalty)
    cap_eff = st["capability"] * (1.0 - b.disruption_penalty * (st["disruption"] > 0))
    learning = rules.learning_factor(openness, fear, b.fear_learning_penalty)
    resources = np.minimum(st["staffing"], 1.1) * (1.0 + st["boost"])
    drive = 1.0 + deterrence * (general + on_ladder * (st["rung"] >= 2))
    worsen = rules.deterioration(st["occupancy"], st["staffing"], st["cut_excess"], morale, b)
    k = b.improvement_rate * cap_eff * learning * resources * clarity * drive
    dq = rules.quality_change(
        st["q"],
        cap_eff[:, None],
        learning[:, None],
        resources[:, None],
        clarity[:, None],
        drive[:, None],
        worsen[:, None],
        b.improvement_rate,
    )
    return {
        "staff": staff,
        "fear": fear,
        "morale": morale,
        "openness": openness,
        "bodies": bodies,
        "clarity": clarity,
        "leave": leave,
        "qmean": qmean,
        "k": k,
        "worsen": worsen,
        "dq": dq,
    }


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("scenario", ["blame_focused", "board_supported", "regime_2013"])
def test_kernel_equals_the_rules(scenario, seed):
    sc = load_scenario(scenario)
    b, reg = sc.behaviour, sc.regime
    blame = reg.communication.blame_intensity
    deterrence = b.blame_deterrence * blame
    args = (
        b,
        blame,
        reg.ladder.oversight_directions,
        reg.improvement.powers,
        deterrence,
        b.general_deterrence,
        1.0 - b.general_deterrence,
    )
    p = kernel.parameters(*args, b.accountability_penalty)
    st = state(np.random.default_rng(seed))
    got, want = run_kernel(p, st), run_rules(*args, st)
    for key, expected in want.items():
        np.testing.assert_allclose(
            got[key],
            expected,
            rtol=1e-12,
            atol=1e-14,
            err_msg=f"{scenario}: the compiled kernel's {key} should equal the rules'",
        )


def test_demand_to_harm_uses_the_rules():
    """Social-care shortfall, harm per admission and reporting in the compiled phases
    1-4 equal rules.social_care_shortfall and rules.harm_rate (one economy, no flows)."""
    rng = np.random.default_rng(3)
    n, s, n_econ = 5, 4, 2
    economy = np.array([0, 0, 1, 1, 1])
    q = rng.random((n, s))
    openness = rng.random(n)
    sc_capacity, sc_uplift, sc_need = (
        rng.random(n_econ),
        0.2 * rng.random(n_econ),
        1 + rng.random(n_econ),
    )
    out = {
        k: np.zeros(n)
        for k in (
            "demand",
            "moved",
            "dd",
            "treated",
            "over",
            "diverted",
            "occupancy",
            "harm",
            "reported",
            "rate",
        )
    }
    shortfall = np.zeros(n_econ)
    beds = 300 + 200 * rng.random(n)
    need, throughput = np.ones(n_econ), np.ones(n)
    kernel.demand_to_harm(
        1.01,
        1.002,
        1.0,
        0.8 * beds,
        need,
        economy,
        np.zeros(n),
        0.0,
        0.0,
        0.0,
        np.ones(n),
        np.zeros((n, n)),
        sc_capacity,
        sc_uplift,
        sc_need,
        0.3,
        beds,
        rules.MAX_OCCUPANCY,
        throughput,
        0.5,
        q,
        1.5,
        rules.HARM_RATE_AT_REFERENCE,
        rules.QUALITY_REFERENCE,
        openness,
        shortfall,
        out["demand"],
        out["moved"],
        out["dd"],
        out["treated"],
        out["over"],
        out["diverted"],
        out["occupancy"],
        out["harm"],
        out["reported"],
        out["rate"],
    )
    assert np.allclose(need, 1.01) and np.allclose(throughput, 1.002), "the month's growth"
    np.testing.assert_allclose(
        shortfall,
        rules.social_care_shortfall(sc_capacity * (1 + sc_uplift), sc_need),
        err_msg="the kernel's social-care shortfall should equal the rule's",
    )
    want = rules.harm_rate(q).sum(axis=1) * out["treated"] * 1.5
    np.testing.assert_allclose(
        out["harm"],
        want,
        rtol=1e-12,
        err_msg="the kernel's harm should be rules.harm_rate x admissions",
    )
    np.testing.assert_allclose(
        out["reported"],
        want * openness,
        rtol=1e-12,
        err_msg="reported harm should be harm x openness",
    )


def test_settle_uses_the_rules():
    """Reputation drifts to rules.reputation_target (lower while named) with rules.relax;
    quality stays in [0, 1]; true failure counts services below the bar."""
    rng = np.random.default_rng(4)
    n, s = 6, 5
    q, dq = rng.random((n, s)), 0.3 * (rng.random((n, s)) - 0.5)
    reputation, qmean, named = rng.random(n), rng.random(n), rng.random(n) < 0.5
    cap, disruption, salience = rng.random(n), np.array([0.0, 2, 0, 1, 0, 3]), rng.random(n)
    failing_since = np.full(n, -1)
    truly, qmean_end, qmin = np.zeros(n, dtype=bool), np.zeros(n), np.zeros(n)
    rep0, q0 = reputation.copy(), q.copy()
    fear, churn_u, churn = rng.random(n), rng.random(n), np.zeros(n, dtype=bool)
    leaving = kernel.settle(
        q,
        dq,
        0.0,
        np.zeros((n, s)),
        0.0,
        0.1,
        np.ones((n, s)),
        np.ones((n, s)),
        cap,
        0.01,
        0.002,
        disruption,
        reputation,
        qmean,
        named,
        0.05,
        salience,
        0.1,
        np.ones(n),
        0.01,
        0.5,
        2,
        7,
        failing_since,
        truly,
        qmean_end,
        qmin,
        churn_u,
        0.1,
        0.6,
        fear,
        churn,
    )
    assert np.array_equal(churn, churn_u < 0.1 + 0.6 * fear), "boards leave with fear"
    assert leaving == churn.sum()
    target = rules.reputation_target(qmean) * (1.0 - 0.4 * named)
    np.testing.assert_allclose(
        reputation,
        rules.relax(rep0, target, 0.05),
        rtol=1e-12,
        err_msg="reputation should follow the rules",
    )
    np.testing.assert_allclose(q, np.clip(q0 + dq, 0, 1), err_msg="quality takes dq, in [0, 1]")
    assert np.array_equal(truly, (q < 0.5).sum(axis=1) >= 2), "breadth rule on true quality"
    assert np.array_equal(failing_since, np.where(truly, 7, -1)), "failing since this month"
    assert np.array_equal(disruption, [0, 1, 0, 0, 0, 2]), "disruption counts down to 0"


def test_the_live_occupancy_is_this_months():
    """model.occupancy (what the workshop app shows) is the month just run, not the
    starting value: the compiled pass writes it in place."""
    from healthsim.model import HealthEconomy

    m = HealthEconomy("baseline", rng=2)
    m.run(18)
    recorded = m.recorder.per_trust["occupancy"][m.recorder.n_rows - 1]
    assert np.array_equal(m.occupancy, recorded), "occupancy should be this month's"
    assert not np.allclose(m.occupancy, m.p.behaviour.base_occupancy), "it should move"


# --------------------------------------------------------------------------------------
# The compiled agent bookkeeping against the numpy it replaced (the reference versions
# below are the model's code before it was compiled, kept here as the specification).
# --------------------------------------------------------------------------------------


def reference_risk_triggers(rate, margin, salience, trigger_u, w, pp, t, last, rung):
    national = rate.sum() / rate.shape[0]
    signal = np.maximum(0.0, -5.0 * margin)
    if national > 0:
        signal += np.maximum(0.0, rate * (1.0 / national) - 1.0)
    prob = ((1 - pp) * w * 0.08) * signal
    if pp > 0:
        prob += (pp * 0.15) * salience
    due = trigger_u < prob
    return due & (t - last >= 6) & (rung < 3)


@pytest.mark.parametrize("seed", range(6))
def test_risk_triggers_equal_the_reference(seed):
    rng = np.random.default_rng(seed)
    n = 40
    rate = rng.random(n) * (rng.random(n) < 0.9)
    margin = 0.1 * (rng.random(n) - 0.6)
    salience, trigger_u = rng.random(n), 0.03 * rng.random(n)
    last, rung = rng.integers(-99, 20, n), rng.integers(0, 5, n)
    w, pp = float(rng.random()), float(rng.random()) * (seed % 2)
    due = np.zeros(n, dtype=bool)
    count = kernel.risk_triggers(rate, margin, salience, trigger_u, w, pp, 20, last, rung, 3, due)
    want = reference_risk_triggers(rate, margin, salience, trigger_u, w, pp, 20, last, rung)
    assert np.array_equal(due, want)
    assert count == want.sum() and count > 0


def test_risk_triggers_with_no_reported_harm_use_money_alone():
    n = 4
    due = np.zeros(n, dtype=bool)
    margin = np.array([0.0, -0.2, 0.05, -0.5])
    count = kernel.risk_triggers(
        np.zeros(n), margin, np.zeros(n), np.full(n, 0.05), 1.0, 0.0, 10,
        np.full(n, -99), np.zeros(n, dtype=np.int64), 3, due,
    )  # fmt: skip
    assert due.tolist() == [False, True, False, True] and count == 2


def test_record_month_writes_every_metric_under_its_name():
    """The compiled recording writes each per-trust metric and scalar into the rows the
    recorder names (PER_TRUST and SCALARS order)."""
    from healthsim.metrics.recorder import PER_TRUST, SCALARS, Recorder

    rng = np.random.default_rng(1)
    n, n_econ = 7, 3
    rec = Recorder(4, n)
    names = [k for k in PER_TRUST if k != "harm_hidden"] + ["reported"]
    src = {k: rng.random(n) for k in names}
    for k in ("rung", "rating", "support", "buddy_of"):
        src[k] = rng.integers(-1, 4, n)
    for k in ("financially_unsustainable", "truly_failing"):
        src[k] = rng.random(n) < 0.5
    counts = rng.random(10)
    paid, moved, diverted, demand, treated = (rng.random(n) for _ in range(5))
    shortfall = rng.random(n_econ)
    r = rec.row()
    r = rec.row()  # the second month
    kernel.record_month(
        rec.trust_block,
        rec.scalar_block,
        r,
        *(src[k] for k in list(PER_TRUST)[:5]),  # quality .. harm
        src["reported"],  # harm_hidden is harm less reported
        *(src[k] for k in list(PER_TRUST)[6:]),
        counts,
        paid,
        moved,
        diverted,
        demand,
        treated,
        shortfall,
    )  # fmt: skip
    for k in PER_TRUST:
        want = src["harm"] - src["reported"] if k == "harm_hidden" else src[k]
        np.testing.assert_array_equal(rec.per_trust[k][r], want, err_msg=k)
        assert not rec.per_trust[k][0].any(), f"{k}: only row {r} is written"
    want = dict(zip(SCALARS[:8], counts[:8], strict=True))
    want |= {
        "commissioner_paid": paid.sum(),
        "demand_diverted": (moved + diverted).sum(),
        "unmet_demand": (demand - treated).sum(),
        "efficiency_achieved": counts[8],
        "efficiency_required": counts[9],
        "social_care_shortfall": shortfall.sum() / n_econ,
    }
    assert set(want) == set(SCALARS)
    for k, v in want.items():
        assert rec.scalars[k][r] == pytest.approx(v, rel=1e-12), k


def reference_support_effect(st, good, intensity, b):
    """The model's numpy support effect before it was compiled."""
    s = st
    q, clarity = s["q"], s["clarity"]
    gap = np.maximum(0.0, good - q)
    rate = np.zeros(q.shape[0])
    buddy = s["support"] == 1
    if buddy.any():
        idx = np.flatnonzero(buddy)
        helper = s["buddy_of"][idx]
        rate[idx] = b["eff"] * s["capability"][helper]
        s["capability"][idx] += b["transfer"] * intensity * (1 - s["capability"][idx])
        loss = b["burden"] * intensity * s["capability"][helper]
        np.subtract.at(s["capability"], helper, loss)
        np.add.at(s["lost"], helper, loss)
        np.add.at(s["months"], helper, 1)
    consult = s["support"] == 2
    rate[consult] = b["consult"]
    rate[s["support"] == 3] = b["central"]
    gain = (rate * intensity * clarity)[:, None] * gap
    if consult.any():
        s["consult_gain"][consult] += gain[consult]
    s["dq"] += gain
    return bool(consult.any())


@pytest.mark.parametrize("seed", range(5))
def test_support_effect_equals_the_reference(seed):
    rng = np.random.default_rng(seed)
    n, k = 12, 5
    support = rng.integers(0, 4, n)
    helpers = np.flatnonzero(support == 0)
    buddy_of = np.full(n, -1)
    for i in np.flatnonzero(support == 1):  # a buddy may help several trusts
        buddy_of[i] = helpers[rng.integers(0, helpers.size)] if helpers.size else -1
    support[(support == 1) & (buddy_of < 0)] = 0
    st = {
        "q": rng.random((n, k)),
        "clarity": rng.random(n),
        "support": support,
        "buddy_of": buddy_of,
        "capability": rng.random(n),
        "consult_gain": rng.random((n, k)),
        "lost": np.zeros(n),
        "months": np.zeros(n),
        "dq": 0.01 * rng.standard_normal((n, k)),
    }
    b = {"eff": 0.05, "transfer": 0.02, "burden": 0.01, "consult": 0.04, "central": 0.03}
    ref = {key: v.copy() for key, v in st.items()}
    want = reference_support_effect(ref, 0.6, 0.8, b)
    got = kernel.support_effect(
        st["q"], st["clarity"], 0.6, 0.8, st["support"], st["buddy_of"], st["capability"],
        b["eff"], b["transfer"], b["burden"], b["consult"], b["central"],
        st["consult_gain"], st["lost"], st["months"], st["dq"],
    )  # fmt: skip
    assert got == want
    for key in ("capability", "consult_gain", "lost", "months", "dq"):
        np.testing.assert_allclose(st[key], ref[key], rtol=1e-14, atol=0, err_msg=key)


def test_support_clock_counts_down_and_prices_the_support_still_running():
    support = np.array([0, 1, 1, 3, 2, 3])
    left = np.array([0, 1, 5, 1, 2, 3])
    ended = np.zeros(6, dtype=bool)
    n_ended, cost = kernel.support_clock(left, support, ended, 10.0, 0.5, 2.0)
    assert left.tolist() == [0, 0, 4, 0, 1, 2]
    assert ended.tolist() == [False, True, False, True, False, False] and n_ended == 2
    # still running: one buddy (0.5) and one central team (2.0), on top of 10
    assert cost == 10.0 + 0.5 + 2.0
    idle = np.zeros(6, dtype=np.int64)
    assert kernel.support_clock(idle, support, ended, 3.0, 0.5, 2.0) == (-1, 3.0)
    assert not ended.any()


def test_reconfigurations_count_down_and_then_save_for_good():
    left = np.array([0.0, 1.0, 3.0])
    saving = np.array([0.1, 0.1, 0.0])
    kernel.progress_reconfigurations(left, saving, 0.05)
    assert left.tolist() == [0.0, 0.0, 2.0]
    np.testing.assert_allclose(saving, [0.1, 1 - 0.9 * 0.95, 0.0])


@pytest.mark.parametrize("seed", range(6))
def test_an_inspections_observations_equal_the_reference(seed):
    """kernel.observe samples the services with the lowest keys, adds the inspectors'
    noise, keeps it in [0, 1] and counts as the numpy it replaced did."""
    rng = np.random.default_rng(seed)
    n_serv, k = 8, 3 + seed % 4
    q, keys, noise = rng.random(n_serv), rng.random(n_serv), rng.standard_normal(n_serv)
    bar, good, top, sd = 0.45, 0.65, 0.85, 0.15
    sampled, observed = np.zeros(n_serv, dtype=np.int64), np.zeros(n_serv)
    counts = kernel.observe(q, keys, noise, k, sd, bar, good, top, sampled, observed)
    want_sampled = np.argsort(keys)[:k]
    obs = np.minimum(np.maximum(q[want_sampled] + sd * noise[want_sampled], 0.0), 1.0)
    assert sampled[:k].tolist() == want_sampled.tolist()
    np.testing.assert_array_equal(observed[:k], obs)
    assert counts == (
        (obs < bar).sum(),
        ((obs >= bar) & (obs < good)).sum(),
        (obs >= top).sum(),
        (q < bar).sum(),
    )


def reference_fade(q, consult_gain, support, capability, k, worsen, decay, dq):
    """The model's numpy fading of consultancy gains before it was compiled."""
    not_consult = (support != 2)[:, None]
    steady = k[:, None] / (k[:, None] + worsen[:, None] + 1e-12)
    above = np.minimum(np.maximum(0.0, q - steady), consult_gain)
    dq -= decay * above * not_consult * (1 - capability)[:, None]
    consult_gain -= decay * consult_gain * not_consult
    return bool((consult_gain > 1e-9).any())


@pytest.mark.parametrize("seed", range(4))
def test_consultancy_fading_equals_the_reference(seed):
    rng = np.random.default_rng(seed)
    n, s = 9, 5
    args = {
        "q": rng.random((n, s)),
        "consult_gain": 0.05 * rng.random((n, s)) * (rng.random((n, 1)) < 0.6),
        "support": rng.integers(0, 4, n),
        "capability": rng.random(n),
        "k": 0.05 * rng.random(n),
        "worsen": 0.02 * rng.random(n),
        "decay": 0.1,
        "dq": 0.01 * rng.standard_normal((n, s)),
    }
    ref = {key: v.copy() if isinstance(v, np.ndarray) else v for key, v in args.items()}
    assert kernel.fade_consultancy(**args) == reference_fade(**ref)
    for key in ("consult_gain", "dq"):
        np.testing.assert_allclose(args[key], ref[key], rtol=1e-14, atol=0, err_msg=key)


@pytest.mark.parametrize("scenario", ["blame_focused", "board_supported", "whole_system"])
def test_every_named_array_stays_a_row_of_its_block(scenario):
    """The compiled passes read the model's blocks; Python code reads the named arrays.
    After a run with every kind of support and decision, each named array must still
    be its block's row (nothing rebound it), or the two would silently disagree."""
    from healthsim.model import HealthEconomy
    from healthsim.model.state import FLAG_FIELDS, FLOAT_FIELDS, INT_FIELDS
    from healthsim.model.streams import MONTH_DRAWS, SERVICE_DRAWS

    m = HealthEconomy(scenario, rng=11, years=4).run()
    s = m.s
    groups = [
        (s, s.floats, FLOAT_FIELDS),
        (s, s.ints, INT_FIELDS),
        (s, s.flags, FLAG_FIELDS),
        (m, m.work, kernel.WORK_ROWS),
        (m, m.work_flags, kernel.WORK_FLAGS),
        (m, m.economies, kernel.ECONOMY_ROWS),
        (m.draws, m.draws.by_trust, MONTH_DRAWS),
        (m.draws, m.draws.by_service, SERVICE_DRAWS),
    ]
    for owner, block, names in groups:
        for k, name in enumerate(names):
            row = getattr(owner, name)
            assert row.base is block or row.base is block.base, f"{name} is not its row"
            assert np.shares_memory(row, block[k]) and row.shape == block[k].shape, name
    assert m.work_flags.dtype == bool and s.ints.dtype == np.int64


def test_a_state_array_cannot_be_rebound():
    from healthsim.model import HealthEconomy

    m = HealthEconomy("baseline", rng=1, years=1)
    with pytest.raises(AttributeError, match="write into it in place"):
        m.s.injection = np.zeros(m.s.n)
    m.s.cash += 1.0  # in place: fine
    assert np.shares_memory(m.s.cash, m.s.floats)
