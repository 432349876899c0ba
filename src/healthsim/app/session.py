"""What the workshop app runs, without widgets: presets, regimes and the twin run.

The page (``page.py``) hands one HealthEconomy to Mesa's ``SolaraViz``, which steps and
rebuilds it; this module gives that page its presets, names a run after the preset it
came from and the levers moved, and keeps the *twin* of side-by-side mode: the same
economy, squeeze and seed under another regime, stepped to the primary model's month.
Tests and ``healthsim animate`` use it without the app's extra dependencies.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from healthsim.app.levers import LEVERS
from healthsim.config import Scenario, load_scenario, shipped_scenarios, with_overrides
from healthsim.model.economy import HealthEconomy
from healthsim.reports.view import TITLES

#: Presets offered first, in this order (the rest of the shipped scenarios follow).
FIRST = (
    "baseline",
    "regime_2013",
    "blame_focused",
    "board_supported",
    "whole_system",
    "no_regime",
    "squeeze_none",
    "squeeze_severe",
    "region",
)

#: The regime a comparison starts with: the other side of the argument.
PARTNER = {
    "blame_focused": "board_supported",
    "board_supported": "blame_focused",
    "whole_system": "blame_focused",
    "regime_2013": "board_supported",
    "no_regime": "regime_2013",
}


@dataclass(frozen=True)
class Preset:
    """A scenario the room can start from.

    Attributes:
        key: a shipped scenario's name, or ``file:<name>`` for the file the app was
            started with.
        ref: what :func:`~healthsim.config.load_scenario` loads it from (a shipped name
            or an absolute path).
    """

    key: str
    title: str
    description: str
    scenario: Scenario
    ref: str = ""


#: Titles of regimes that come from a preset not named after its regime.
REGIME_TITLES = {"baseline": "The baseline's regime"}


def _title(name: str) -> str:
    return TITLES.get(name, name.replace("_", " ").capitalize())


def load_presets(start: str | Path | None = None) -> dict[str, Preset]:
    """The shipped scenarios as presets, with ``start`` (a file or name) first.

    Raises:
        ScenarioError: when ``start`` cannot be loaded.
    """
    out: dict[str, Preset] = {}
    if start is not None:
        sc = load_scenario(start)
        shipped = shipped_scenarios()
        is_shipped = Path(str(start)).stem in shipped and sc.name in shipped
        key = sc.name if is_shipped else f"file:{sc.name}"
        ref = sc.name if is_shipped else str(Path(start).resolve())
        title = _title(sc.name) + ("" if is_shipped else " (your file)")
        out[key] = Preset(key, title, sc.description, sc, ref)
    names = list(shipped_scenarios())
    ordered = [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]
    for name in ordered:
        if name in out:
            continue
        sc = load_scenario(name)
        out[name] = Preset(name, _title(name), sc.description, sc, name)
    return out


# --------------------------------------------------------------------------------------
# Naming a run
# --------------------------------------------------------------------------------------


def preset_of(scenario: Scenario, presets: Mapping[str, Preset]) -> Preset:
    """The preset a run's scenario came from (by name; levers do not change it)."""
    for p in presets.values():
        if p.scenario.name == scenario.name:
            return p
    return next(iter(presets.values()))


def changes(scenario: Scenario, preset: Scenario) -> list[str]:
    """Plain labels of the levers (and run length) a scenario moved from its preset."""
    out = [lv.label for lv in LEVERS if lv.value_in(scenario) != lv.value_in(preset)]
    if scenario.years != preset.years:
        out.append("Years to run")
    if scenario.squeeze.years != preset.squeeze.years:
        out.append("The preset's year-by-year squeeze")
    return out


def run_name(scenario: Scenario, presets: Mapping[str, Preset]) -> str:
    """A run's name for titles and legends: its preset, and how many levers moved."""
    p = preset_of(scenario, presets)
    n = len(changes(scenario, p.scenario))
    return f"{p.title} (+{n} change{'s' if n > 1 else ''})" if n else p.title


# --------------------------------------------------------------------------------------
# Side by side: the twin
# --------------------------------------------------------------------------------------


def regimes(presets: Mapping[str, Preset]) -> dict[str, Preset]:
    """The distinct regimes among the presets, one preset for each, by preset key.

    A regime is offered by the preset named after it when there is one (the baseline's
    regime is "The 2013 special-measures regime"). Regime presets change only the
    ``[regime]`` section, so their regime can be put on any economy and squeeze.
    """
    out: dict[str, Preset] = {}
    for p in presets.values():
        regime = p.scenario.regime
        if any(q.scenario.regime == regime for q in out.values()):
            continue
        named = presets.get(regime.name)
        if named is not None and named.scenario.regime == regime:
            out[named.key] = named
        else:
            title = REGIME_TITLES.get(p.key, f"The regime of: {p.title}")
            out[p.key] = Preset(p.key, title, p.description, p.scenario, p.ref)
    return out


def partner(scenario: Scenario, choices: Mapping[str, Preset]) -> str:
    """The regime a comparison starts with for a run of ``scenario``."""
    key = PARTNER.get(scenario.regime.name, "board_supported")
    if key not in choices or choices[key].scenario.regime.name == scenario.regime.name:
        key = next(
            (k for k, p in choices.items() if p.scenario.regime.name != scenario.regime.name),
            next(iter(choices)),
        )
    return key


def twin_scenario(scenario: Scenario, regime: Scenario) -> Scenario:
    """``scenario`` (its economy, squeeze, run length and moved levers) under the regime
    of ``regime``."""
    if scenario.regime == regime.regime:
        return scenario
    return with_overrides(scenario, {"regime": regime.regime.model_dump(mode="json")})


class Twins:
    """Side by side: for each primary model, its twin under another regime.

    The twin is built from the primary's scenario with the chosen regime and the
    primary's seed (so both see the same luck: every random number is drawn up front,
    by stream), and stepped to the primary's month whenever it is asked for. A reset
    gives a new primary model and so a new twin; the old ones go with their primary.
    """

    def __init__(self) -> None:
        self._twins: weakref.WeakKeyDictionary[HealthEconomy, dict[str, HealthEconomy]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, primary: HealthEconomy, regime: Preset) -> HealthEconomy:
        """The twin of ``primary`` under ``regime``, at the primary's month."""
        with self._lock:
            by_regime = self._twins.setdefault(primary, {})
            twin = by_regime.get(regime.key)
            if twin is None:
                sc = twin_scenario(primary.p, regime.scenario)
                twin = HealthEconomy(sc, rng=primary.seed)
                by_regime.clear()  # keep one twin per primary
                by_regime[regime.key] = twin
            target = min(primary.steps, twin.months)
            while twin.steps < target:
                twin.step()
            return twin
