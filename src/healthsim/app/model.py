"""The model the workshop app hands to Mesa's SolaraViz, and how SolaraViz rebuilds it.

SolaraViz's Reset builds a new model from its sidebar: the values that are fields of the
model's Mesa scenario object (``model.scenario``) go into a new one of its class, the
rest are keyword arguments: ``WorkshopEconomy(scenario=EconomyScenario(config=<preset>,
rng=<luck>), years=..., regime__communication__blame_intensity=..., ...)``. So the
scenario object carries the healthsim scenario (``config``: a shipped name, a file or a
loaded scenario) and any overrides, and passing it back rebuilds the same economy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

from healthsim.config import Scenario
from healthsim.experiments.mesa import ScenarioEconomy


class EconomyScenario(MesaScenario):
    """Mesa's scenario object for a workshop run (``model.scenario``)."""

    config: Any = "baseline"
    overrides: Any = None


class WorkshopEconomy(ScenarioEconomy):
    """A HealthEconomy that SolaraViz can rebuild from its sidebar (see the module)."""

    def __init__(
        self,
        scenario: Scenario | str | Path | EconomyScenario = "baseline",
        rng: Any = None,
        **overrides: Any,
    ) -> None:
        if isinstance(scenario, MesaScenario):
            if rng is None:
                rng = scenario.rng
            overrides = {**dict(getattr(scenario, "overrides", None) or {}), **overrides}
            scenario = getattr(scenario, "config", None) or "baseline"
        seed = int(rng) if rng is not None else None
        carried = (
            None
            if seed is None
            else EconomyScenario(rng=seed, config=scenario, overrides=dict(overrides) or None)
        )
        super().__init__(scenario, rng=seed, mesa_scenario=carried, **overrides)
