"""Boards: capability, experience, churn and replacement (C11, C5;
``healthsim.model.mechanisms.boards``).

Rule tests work a month of a board (experience, drift, disruption, churn) and a
replacement by hand, with the coefficients pinned in ``BOARDS``; hypothesis checks that
capability moves towards its steady state. The whole-model tests check that a new
board starts afresh after a disruption, that experience builds capability, and that a
regime replacing boards adds churn.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.model.mechanisms import boards

from .helpers import (
    C9_SYSTEM_CAUSE,
    NEUTRAL_PACKAGE,
    behaviour,
    dotted,
    packed,
    pooled,
    runs,
    scenario,
    trusts,
)

pytestmark = pytest.mark.mechanism

#: the coefficients of the worked values (today's defaults)
BOARDS = behaviour(
    capability_learning=0.004,
    capability_decay=0.002,
    capability_min=0.05,
    capability_quality_correlation=0.9,
    new_board_capability=0.5,
    new_board_capability_sd=0.12,
    disruption_months=9,
    disruption_penalty=0.5,
    board_churn_base=0.004,
    fear_board_churn=0.02,
)


@pytest.fixture(scope="module")
def p():
    return packed(BOARDS)


# ====================================================================================
# rules
# ====================================================================================


def test_a_disrupted_board_uses_part_of_its_capability(p):
    assert boards.effective(p, 0.6, 3.0) == pytest.approx(0.3), (
        "during a disruption half the capability is unusable: 0.6 x (1 - 0.5)"
    )
    assert boards.effective(p, 0.6, 0.0) == 0.6, "no disruption: all of it"


def test_a_month_of_a_board_worked_values(p):
    """0.5 + 0.004 x (1 - 0.5) - 0.002 x 0.5 = 0.501; the disruption counts down; the
    board leaves if the draw is below 0.004 + 0.02 x fear 0.5 = 0.014."""
    tr = trusts(capability=0.5, disruption=3.0, fear=0.5)
    assert boards.settle(p, tr[0], 0.01), "a draw of 0.01 < 0.014: the board leaves"
    assert tr["churn"][0], "marked as leaving"
    assert tr["capability"][0] == pytest.approx(0.501), "experience and drift: 0.501"
    assert tr["disruption"][0] == 2.0, "a month of disruption gone"


@pytest.mark.parametrize(
    ("fear", "draw", "leaves", "why"),
    [
        (0.0, 0.003, True, "below the ordinary rate 0.004"),
        (0.0, 0.005, False, "above it, with no fear"),
        (0.5, 0.013, True, "fear raises the chance to 0.014"),
        (1.0, 0.025, False, "at most 0.004 + 0.02 = 0.024"),
    ],
)
def test_board_churn(p, fear, draw, leaves, why):
    tr = trusts(capability=0.5, fear=fear)
    assert boards.settle(p, tr[0], draw) == leaves, f"leaves: {leaves} ({why})"
    assert tr["disruption"][0] == 0.0, "no disruption: it stays at 0"


@given(c=st.floats(0, 1))
def test_capability_moves_towards_its_steady_state(p, c):
    """Steady state L / (L + D) = 0.004 / 0.006 = 2/3."""
    tr = trusts(capability=c)
    boards.settle(p, tr[0], 1.0)
    after, steady = tr["capability"][0], 2 / 3
    assert 0.0 <= after <= 1.0, "capability stays in [0, 1]"
    assert abs(after - steady) <= abs(c - steady) + 1e-15, "it moves towards 2/3"
    assert (after - steady) * (c - steady) >= 0, "without overshooting it"


def test_a_new_board_starts_afresh_with_a_disruption():
    m = ScenarioEconomy("baseline", rng=1, **dotted({**NEUTRAL_PACKAGE, **BOARDS, "years": 1}))
    z = m.draws.board_z[0]
    i, j = int(np.argmax(z)), int(np.argmin(z))
    for k in (i, j):
        boards.replace_board(m, k, "test")
    assert m.s.capability[i] == pytest.approx(min(1.0, 0.5 + 0.12 * z[i])), (
        "a new board's capability is drawn: 0.5 + 0.12 x its draw (capped at 1)"
    )
    assert m.s.capability[j] == pytest.approx(max(0.05, 0.5 + 0.12 * z[j])), (
        "and kept at least capability_min"
    )
    assert m.s.capability[i] > m.s.capability[j], "boards drawn afresh differ"
    assert m.s.disruption[i] == m.s.disruption[j] == 9, "each starts 9 months of disruption"
    assert m.tally.board_replacements == 2, "both replacements are counted"


def test_starting_capability_tracks_starting_quality():
    sc = scenario({**BOARDS, "initial.capability_mean": 0.55, "initial.capability_sd": 0.12})
    z_quality = np.random.default_rng(0).standard_normal(5000)
    c = boards.initial_capability(
        sc.initial, sc.behaviour, np.random.default_rng(1), z_quality, 5000
    )
    assert np.corrcoef(c, z_quality)[0, 1] > 0.85, (
        "capability shares the trust-level quality draw with correlation 0.9"
    )
    assert c.mean() == pytest.approx(0.55, abs=0.01), "around capability_mean"
    assert c.min() >= 0.05 and c.max() <= 1.0, "within [capability_min, 1]"


# ====================================================================================
# C11: boards: replacement resets capability, with disruption; support and experience
# ====================================================================================

C11_BOARD = {
    **NEUTRAL_PACKAGE,
    "years": 2,
    "behaviour.new_board_capability": 0.3,
    "behaviour.new_board_capability_sd": 0.0,
    "behaviour.disruption_months": 9,
}


@pytest.mark.parametrize("seed", [1, 2])
def test_c11_board_replacement_resets_capability_with_a_disruption(seed):
    penalised = ScenarioEconomy(
        "baseline", rng=seed, **dotted({**C11_BOARD, "behaviour.disruption_penalty": 0.8})
    )
    smooth = ScenarioEconomy(
        "baseline", rng=seed, **dotted({**C11_BOARD, "behaviour.disruption_penalty": 0.0})
    )
    i = int(np.argmax(penalised.s.capability))
    for m in (penalised, smooth):
        boards.replace_board(m, i, "test")
    assert penalised.s.capability[i] == pytest.approx(0.3), (
        "a new board's capability is drawn afresh (here exactly the mean, sd 0), "
        "whatever the old board's was (C11)"
    )
    assert penalised.s.disruption[i] == 9, "a new board starts with a disruption period"
    penalised.run(12)
    smooth.run(12)
    assert penalised.s.disruption[i] == 0, "the disruption ends after disruption_months"
    qp = penalised.recorder.per_trust["quality"][:, i]
    qs = smooth.recorder.per_trust["quality"][:, i]
    assert qp[8] < qs[8], "during the disruption the trust should improve more slowly (C11)"
    gap_during = qs[8] - qp[8]
    gap_after = qs[11] - qp[11]
    assert gap_after <= gap_during + 1e-12, (
        "once the disruption is over the gap should stop widening"
    )


def test_c11_experience_builds_capability():
    slow = runs(**{**NEUTRAL_PACKAGE, "behaviour.capability_learning": 0.0})
    fast = runs(**{**NEUTRAL_PACKAGE, "behaviour.capability_learning": 0.02})
    for a, b in zip(slow, fast, strict=True):
        assert b.summary["capability_final"] > a.summary["capability_final"], (
            f"seed {a.seed}: boards should grow more capable with experience (C11)"
        )


def test_c11_regime_board_replacement_adds_churn():
    keep = runs(
        seeds=(1, 2, 3),
        **{**C9_SYSTEM_CAUSE, "regime.communication.board_replacement_probability": 0.0},
    )
    replace = runs(
        seeds=(1, 2, 3),
        **{**C9_SYSTEM_CAUSE, "regime.communication.board_replacement_probability": 1.0},
    )
    assert pooled(replace, "sm_entries") > 0, "the setting should see entries during the run"
    assert pooled(replace, "board_replacements") > pooled(keep, "board_replacements"), (
        "a regime that replaces boards on entry should mean more board churn (C11)"
    )


def _replaced_or_kept(seed: int, old_capability: float) -> dict[str, np.ndarray]:
    """The worst trust's quality over three years when its board (set to
    ``old_capability``) is replaced at month 0 by a board of capability 0.5, or kept."""
    out = {}
    for arm in ("kept", "replaced"):
        m = ScenarioEconomy(
            "baseline",
            rng=seed,
            **dotted(
                {
                    **NEUTRAL_PACKAGE,
                    **BOARDS,
                    "behaviour.new_board_capability_sd": 0.0,
                    "behaviour.board_churn_base": 0.0,
                    "behaviour.fear_board_churn": 0.0,
                }
            ),
        )
        i = int(np.argmin(m.s.quality.mean(axis=1)))
        m.s.capability[i] = old_capability
        if arm == "replaced":
            boards.replace_board(m, i, "test")
        m.run(36)
        out[arm] = m.recorder.per_trust["quality"][:, i].copy()
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_c11_replacing_a_very_weak_board_helps_in_the_end(seed):
    q = _replaced_or_kept(seed, old_capability=0.1)
    assert q["replaced"][35] > q["kept"][35], (
        "a new board drawn from the usual range beats a very weak one once the disruption "
        "is over (the case for replacing boards)"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_c11_replacing_an_average_board_only_costs_a_disruption(seed):
    q = _replaced_or_kept(seed, old_capability=0.5)
    assert q["replaced"][8] < q["kept"][8], "during the disruption the trust loses ground"
    assert q["replaced"][35] <= q["kept"][35] + 1e-12, (
        "and a like-for-like board never makes it up (the case against)"
    )
