"""Load what every worker needs once, before workers start.

The model's monthly arithmetic is compiled (numba: :mod:`healthsim.model.kernel`, the
mechanisms' rules and the history's derivation of monthly metrics); a process loads the
compiled code on first use (about a tenth of a second in all). Warming up in the parent
(before workers are forked) or in the forkserver (which imports this module) means no worker pays it
again.
"""

from __future__ import annotations

_warm = False


def warm_up() -> None:
    """Run two years of the smallest economy (long enough for every compiled pass to be
    used, inspections included) and derive its metrics, once per process."""
    global _warm
    if _warm:
        return
    from healthsim.experiments.mesa import ScenarioEconomy

    ScenarioEconomy("baseline", rng=0, years=2).run().recorder.monthly  # noqa: B018
    _warm = True


warm_up()
