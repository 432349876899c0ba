"""Accountability: outside bodies with powers over a board blur who is in charge (step phase 8; C7).

"Accountability lies with the trust board alone"; help that comes with powers cutting
across it blurs accountability: "with too many in charge, no one is" (Berwick). Each
outside body holding powers over the trust lowers the clarity of accountability, and
low clarity slows improvement (`quality`) and the gains support brings (`support`).

```
bodies_i  = [commissioner conditions in force]                         (a warning, with regime.ladder.conditions_carry_powers)
          + [rung_i = administration]                                  (the administrator)
          + [regime.ladder.oversight_directions] × SM_i                (the oversight body's powers of direction)
          + [regime.improvement.powers] × SM_i × [support_i ≠ none]   (a helper with powers)
clarity_i = 1 / (1 + accountability_penalty × bodies_i)
capability_eff_i ← capability_eff_i + min(1, powers_capacity × bodies_i) × (1 − capability_eff_i)
```

Powers are two-sided: the bodies that hold them can overrule a weak board and act
faster (`powers_capacity`, filling part of what the board lacks: worth most where it is
weakest), and they blur who is in charge (`accountability_penalty`, the same cost
whatever the board), so outside powers help where capability is low and hurt where it
is high.

`SM_i` is 1 in special measures or administration. Under the 2013 regime a trust in
special measures answers to up to three bodies (conditions carried over from a
warning, oversight directions and its helper's powers), in administration to four.
Powers of the helper count for any kind of support. Commissioner conditions are
imposed when a trust moves to warning under `regime.ladder.conditions_carry_powers` and
lifted when it moves below warning; they stay in force when a trust goes from warning
into special measures (`ladder`). C7 **[H]** (its form **[A]**); the penalty is set
with T1 under the 2013 regime **[C]**.
"""

from __future__ import annotations

from numba import njit

from healthsim.model.mechanisms.states import Rung
from healthsim.model.parameters import Section, param, uniform
from healthsim.model.variables import trust_var

TITLE = "Accountability clarity"
CLAIMS = ("C7",)


class AccountabilityParams(Section):
    """The cost of outside powers (C7)."""

    accountability_penalty: float = param(
        0.2,
        ge=0,
        le=5,
        unit="per body",
        doc="Loss of accountability clarity per outside body holding powers over the "
        "trust: clarity = 1 / (1 + penalty x bodies). 'With too many in charge, no one "
        "is' (Berwick; C7).",
        source="calibrated: no direct measure exists; set with T1 (time in special "
        "measures) under the 2013 regime, whose trusts in special measures answered to up "
        "to three bodies (conditions, oversight directions, an improvement director).",
        neutral=0.0,
        prior=uniform(0.0, 0.5),
    )
    powers_capacity: float = param(
        0.227,
        ge=0,
        le=1,
        unit="share of missing capability per body",
        doc="Share of the gap between a board's usable capability and the best board's "
        "that each outside body with powers over it fills, by overruling it and acting "
        "faster (the advocates' claim for powers): worth most where the board is weak, "
        "against a clarity cost that is the same whatever the board.",
        source="assumption: no measure exists; improvement directors with powers were "
        "placed where boards had lost grip.",
        neutral=0.0,
        prior=uniform(0.0, 0.3),
    )


VARS = (
    trust_var("clarity", "float", "0-1", "accountability clarity", record="clarity"),
    trust_var("bodies", "float", "bodies", "outside bodies holding powers over the board"),
    trust_var("conditions", "bool", "yes/no", "commissioner conditions in force"),
)


def pack(sc) -> dict[str, float]:
    reg = sc.regime
    return {
        "accountability_penalty": sc.behaviour.accountability_penalty,
        "powers_capacity": sc.behaviour.powers_capacity,
        "directions": float(reg.ladder.oversight_directions),
        "powers": float(reg.improvement.powers),
    }


@njit(cache=True)
def bodies(p, conditions, rung, supported):  # pragma: no cover - compiled
    """Outside bodies holding powers over a trust's board."""
    in_sm = 1.0 if rung >= Rung.special_measures else 0.0
    n = (1.0 if conditions else 0.0) + (1.0 if rung == Rung.administration else 0.0)
    n += p.directions * in_sm
    if supported:
        n += p.powers * in_sm
    return n


@njit(cache=True)
def clarity(p, bodies_):  # pragma: no cover - compiled
    """Clarity of accountability (0-1)."""
    return 1.0 / (1.0 + p.accountability_penalty * bodies_)


@njit(cache=True)
def overruled(p, bodies_, capability_eff):  # pragma: no cover - compiled
    """A board's usable capability once the bodies with powers over it act for it."""
    if p.powers_capacity <= 0 or bodies_ <= 0:
        return capability_eff
    filled = min(1.0, p.powers_capacity * bodies_)
    return capability_eff + filled * (1.0 - capability_eff)


PARAMS = AccountabilityParams
INITIAL = None
LEVERS: dict = {}
