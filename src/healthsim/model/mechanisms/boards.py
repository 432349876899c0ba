"""Boards: capability, experience, churn and replacement (step phase 10; C11, C5).

An effective regime supports boards to solve complex, long-established problems rather
than putting leaders "in the dock" (C11). A board's capability grows with experience and
drifts down with turnover; a replaced board starts afresh, from a drawn capability,
after a period of disruption in which part of its capability cannot be used. Boards
leave for ordinary reasons and, more often, under fear (C5); the regime may replace a
board at entry to special measures (`ladder`), and a move to administration always
does.

```
capability_eff_i = capability_i × (1 − disruption_penalty × [disruption_i > 0])
capability_i    ← clip(capability_i + capability_learning × (1 − capability_i) − capability_decay × capability_i, 0, 1)
disruption_i    ← disruption_i − 1                                           (while > 0)
the board leaves if u_churn[t, i] < board_churn_base + fear_board_churn × fear_i     (then replaced, in trust order)
a new board: capability_i = clip(new_board_capability + new_board_capability_sd × z_board[t, i], capability_min, 1)
             disruption_i = disruption_months
```

The same replacement is used by the regime at entry to special measures (with
probability `regime.communication.board_replacement_probability`) and at a move to
administration. Ordinary churn (median chief executive tenure about 3 years) **[S]**;
fear-driven churn and the disruption period (King's Fund on leadership churn) C5/C11
**[H]**.

At the start, capability shares the trust-level quality draw (`quality`) with
correlation `capability_quality_correlation` (well-led trusts are the better ones, as
CQC's well-led ratings track overall ones) **[A]**: `capability_i =
clip(initial.capability_mean + initial.capability_sd × z_c, capability_min, 1)`,
`z_c = ρ z_q + √(1 − ρ²) z`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from healthsim.model.mechanisms._common import clip
from healthsim.model.parameters import Section, initial, param, uniform
from healthsim.model.variables import month_var, trust_var

TITLE = "Boards: capability, churn and replacement"
CLAIMS = ("C11", "C5")

#: Fear above which a board's departure is reported as "under pressure" (wording only).
PRESSURE_WORDING = 0.3


class BoardParams(Section):
    """Board capability, churn and replacement (C11)."""

    capability_learning: float = param(
        0.00609,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly gain of board capability from experience, towards 1.",
        source="assumption: boards grow into the job over years.",
        neutral=0.0,
        prior=uniform(0.001, 0.008),
    )
    capability_decay: float = param(
        0.000965,
        ge=0,
        le=0.2,
        unit="share a month",
        doc="Monthly loss of capability (drift, turnover).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0005, 0.004),
    )
    capability_min: float = param(
        0.05,
        ge=0,
        le=1,
        unit="0-1",
        doc="Least capability a board starts with (at the start or when replaced).",
        source="assumption: no board has no grip at all.",
        prior=uniform(0.02, 0.1),
    )
    capability_quality_correlation: float = param(
        0.9,
        ge=-1,
        le=1,
        unit="correlation",
        doc="Correlation of starting board capability with starting trust quality.",
        source="assumption: set so that trusts start near their own steady state rather "
        "than drifting at once; well-led trusts are the better ones, as CQC's well-led "
        "ratings track overall ones.",
        neutral=0.0,
        prior=uniform(0.6, 1.0),
    )
    new_board_capability: float = param(
        0.5,
        ge=0,
        le=1,
        unit="0-1",
        doc="Mean capability of a replacement board: new leaders start without local "
        "knowledge (C11).",
        source="assumption: a little below the mean starting capability.",
        prior=uniform(0.4, 0.6),
    )
    new_board_capability_sd: float = param(
        0.12,
        ge=0,
        le=0.5,
        unit="0-1",
        doc="Spread of a replacement board's capability.",
        source="assumption: as the spread of starting capability.",
        neutral=0.0,
        prior=uniform(0.06, 0.18),
    )
    disruption_months: int = param(
        9,
        ge=0,
        le=60,
        unit="months",
        doc="Months of disruption after a board is replaced: recruitment, interim leaders, "
        "loss of grip.",
        source="King's Fund on NHS leadership churn.",
        neutral=0,
        prior=uniform(4, 18),
    )
    disruption_penalty: float = param(
        0.5,
        ge=0,
        le=1,
        unit="share of capability",
        doc="Share of capability unusable during the disruption.",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.2, 0.8),
    )
    board_churn_base: float = param(
        0.004,
        ge=0,
        le=0.2,
        unit="chance a month",
        doc="Monthly chance a board is replaced for ordinary reasons.",
        source="median chief executive tenure about 3 years; whole-board turnover is "
        "rarer (King's Fund).",
        neutral=0.0,
        prior=uniform(0.002, 0.008),
    )
    fear_board_churn: float = param(
        0.02,
        ge=0,
        le=0.5,
        unit="chance a month at full fear",
        doc="Extra monthly chance of board replacement at full fear (C5, C11).",
        source="assumption.",
        neutral=0.0,
        prior=uniform(0.0, 0.05),
    )


class BoardInitial(Section):
    capability_mean: float = initial(
        0.55,
        ge=0,
        le=1,
        unit="0-1",
        doc="Mean board capability at the start (0 = no grip, 1 = the best boards).",
        source="convention: it anchors the abstract capability scale (safe efficiency is "
        "set at it, `finance`); capability_sd and the fitted rates carry the uncertainty.",
    )
    capability_sd: float = initial(
        0.12,
        ge=0,
        le=0.5,
        unit="0-1",
        doc="Spread of board capability at the start.",
        source="assumption.",
        prior=uniform(0.06, 0.18),
    )


VARS = (
    trust_var("capability", "float", "0-1", "board capability", record="capability"),
    trust_var("disruption", "float", "months", "months of post-replacement disruption left"),
    trust_var("churn", "bool", "yes/no", "the board leaves this month"),
    month_var("board_replacements", "boards", "boards replaced this month"),
)


def pack(sc) -> dict[str, float]:
    b = sc.behaviour
    names = (
        "capability_learning",
        "capability_decay",
        "disruption_penalty",
        "board_churn_base",
        "fear_board_churn",
    )
    return {k: getattr(b, k) for k in names}


@njit(cache=True)
def effective(p, capability, disruption):  # pragma: no cover - compiled
    """Capability a board can use this month (less while it is disrupted)."""
    return capability * (1.0 - p.disruption_penalty * (1.0 if disruption > 0 else 0.0))


@njit(cache=True)
def settle(p, x, churn_u):  # pragma: no cover - compiled
    """A month of experience and drift, disruption counting down, and whether the board
    leaves (``churn_u``: this month's churn draw)."""
    c = x.capability + p.capability_learning * (1.0 - x.capability)
    x.capability = clip(c - p.capability_decay * x.capability, 0.0, 1.0)
    if x.disruption > 0:
        x.disruption = x.disruption - 1.0
    x.churn = churn_u < p.board_churn_base + p.fear_board_churn * x.fear
    return x.churn


def replace_board(model, i: int, reason: str) -> None:
    """A new board for trust ``i``: capability drawn afresh, a period of disruption."""
    s, b = model.s, model.p.behaviour
    z = model.draws.board_z[model.month_index, i]
    capability = b.new_board_capability + b.new_board_capability_sd * z
    s.capability[i] = float(np.clip(capability, b.capability_min, 1))
    s.disruption[i] = b.disruption_months
    model.tally.board_replacements += 1
    model.log(i, f"board replaced ({reason})")


def leaving_reason(fear: float) -> str:
    return "leaders left" if fear < PRESSURE_WORDING else "leaders left under pressure"


def initial_capability(ini, b, r: np.random.Generator, z_quality, n: int) -> np.ndarray:
    """Starting capability of the ``n`` boards, correlated with their trusts' quality
    (``z_quality``: each trust's standard score of quality)."""
    rho = b.capability_quality_correlation
    z = rho * z_quality + np.sqrt(1 - rho**2) * r.standard_normal(n)
    return np.clip(ini.capability_mean + ini.capability_sd * z, b.capability_min, 1)


PARAMS = BoardParams
INITIAL = BoardInitial
LEVERS: dict = {}
