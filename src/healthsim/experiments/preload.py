"""Load what every worker needs once, before workers start.

The model's monthly arithmetic is compiled (numba, :mod:`healthsim.model.kernel`); a
process loads the compiled code on its first run (about a tenth of a second). Warming
up in the parent (before workers are forked) or in the forkserver (which imports this
module) means no worker pays it again.
"""

from __future__ import annotations

_warm = False


def warm_up() -> None:
    """Run one month of the smallest economy and derive its metrics, once per process."""
    global _warm
    if _warm:
        return
    from healthsim.model.economy import HealthEconomy

    HealthEconomy("baseline", rng=0, years=1).run(1).recorder.monthly  # noqa: B018
    _warm = True


warm_up()
