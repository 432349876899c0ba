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
```

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


VARS = (
    trust_var("clarity", "float", "0-1", "accountability clarity", record="clarity"),
    trust_var("bodies", "float", "bodies", "outside bodies holding powers over the board"),
    trust_var("conditions", "bool", "yes/no", "commissioner conditions in force"),
)


def pack(sc) -> dict[str, float]:
    reg = sc.regime
    return {
        "accountability_penalty": sc.behaviour.accountability_penalty,
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


PARAMS = AccountabilityParams
INITIAL = None
LEVERS: dict = {}
