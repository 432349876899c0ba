"""HealthEconomy for Mesa's own tools, which build a model from keyword arguments.

``mesa.batch_run`` constructs the model class with the values it sweeps as keyword
arguments; :class:`ScenarioEconomy` takes a shipped scenario's name, a scenario file or
a loaded scenario, and scenario values to replace as keywords (key paths with ``__``
between the parts, or dotted in a dict), resolves them with :mod:`healthsim.config` and
builds the model::

    mesa.batch_run(
        ScenarioEconomy,
        parameters={"scenario": ["board_supported", "blame_focused"],
                    "regime__communication__blame_intensity": [0.3, 0.9]},
        rng=[1, 2], max_steps=24, number_processes=1,
    )
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from healthsim.config import Scenario, load_scenario, with_overrides
from healthsim.model.economy import HealthEconomy


def resolve(scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """A loaded scenario from a scenario, a name or a file, with ``overrides`` applied
    (keys dotted or with ``__`` between the parts)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        sc = with_overrides(sc, overrides)
    return sc


class ScenarioEconomy(HealthEconomy):
    """A :class:`~healthsim.model.economy.HealthEconomy` built from a scenario name,
    file or object and keyword overrides (``years=5``,
    ``regime__communication__blame_intensity=0.9``): what Mesa's ``batch_run`` needs."""

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        rng: Any = None,
        *,
        mesa_scenario=None,
        **overrides: Any,
    ) -> None:
        super().__init__(resolve(scenario, overrides), rng=rng, mesa_scenario=mesa_scenario)
