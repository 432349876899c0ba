"""What one browser session runs: one model, or two on the same seed stepped together.

No widgets here: the page (``page.py``) holds a :class:`Session` and calls it; tests
call it directly. A run's settings are a preset (a shipped scenario, or the file the app
was started with) plus the levers the room moved; the same seed gives both runs of a
comparison identical luck (the model draws every random number up front, by stream).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from healthsim.config import Scenario, ScenarioError, load_scenario, shipped_scenarios
from healthsim.config import with_overrides as _with_overrides
from healthsim.model.economy import HealthEconomy

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

#: What a comparison starts with: the other side of the argument.
PARTNER = {
    "blame_focused": "board_supported",
    "board_supported": "blame_focused",
    "whole_system": "blame_focused",
    "regime_2013": "board_supported",
    "no_regime": "regime_2013",
}


@dataclass(frozen=True)
class Preset:
    """A scenario the room can start from."""

    key: str
    title: str
    description: str
    scenario: Scenario


#: Plain titles of the shipped presets (others get their name, humanised).
TITLES = {
    "baseline": "Baseline: the 2013 regime, 2010s squeeze",
    "regime_2013": "The 2013 special-measures regime",
    "blame_focused": "Blame-focused regime",
    "board_supported": "Board-supported regime",
    "whole_system": "Whole-system regime",
    "no_regime": "No regime (nothing follows a rating)",
    "squeeze_none": "No financial squeeze",
    "squeeze_severe": "Severe financial squeeze",
    "squeeze_2010s": "The 2010s squeeze",
    "region": "A region of eight economies",
    "england": "England: 42 economies",
}


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
        key = (
            sc.name
            if Path(str(start)).stem in shipped and sc.name in shipped
            else f"file:{sc.name}"
        )
        title = _title(sc.name) + ("" if key == sc.name else " (your file)")
        out[key] = Preset(key, title, sc.description, sc)
    names = list(shipped_scenarios())
    ordered = [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]
    for name in ordered:
        if name in out:
            continue
        sc = load_scenario(name)
        out[name] = Preset(name, _title(name), sc.description, sc)
    return out


@dataclass(frozen=True)
class RunSettings:
    """One run's settings: a preset and the levers moved away from it.

    Attributes:
        preset: key of a :class:`Preset`.
        changes: lever key path -> value, only the levers moved from the preset.
        keep_year_changes: keep the preset's year-by-year squeeze (e.g. 4% savings in
            the first three years); False applies the squeeze levers to every year.
    """

    preset: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    keep_year_changes: bool = True

    def with_change(self, key: str, value: Any, preset_value: Any) -> RunSettings:
        """A copy with one lever set (dropped from ``changes`` if back at the preset)."""
        ch = dict(self.changes)
        if value == preset_value:
            ch.pop(key, None)
        else:
            ch[key] = value
        return replace(self, changes=ch)

    def scenario(self, presets: Mapping[str, Preset], years: int | None = None) -> Scenario:
        """The scenario this run uses."""
        over: dict[str, Any] = dict(self.changes)
        if not self.keep_year_changes:
            over["squeeze.years"] = []
        if years is not None:
            over["years"] = years
        return _with_overrides(presets[self.preset].scenario, over)


class Session:
    """The runs of one browser session, stepped together under one lock.

    Attributes:
        presets: the presets offered.
        runs: settings of run A and, in comparison mode, run B.
        seed: the seed both runs share.
        years: run length in years (``None`` = the preset's).
        models: the models being shown (built from the settings at the last reset).
        built_from: the settings the models were built from (to tell what is pending).
    """

    def __init__(
        self,
        presets: Mapping[str, Preset],
        first: str | None = None,
        seed: int = 1,
        years: int | None = None,
    ) -> None:
        self.presets = dict(presets)
        first = first or next(iter(self.presets))
        self.runs: list[RunSettings] = [RunSettings(first)]
        self.seed = seed
        self.years = years
        self.lock = threading.RLock()
        self.models: list[HealthEconomy] = []
        self.built_from: tuple = ()
        self.error: str | None = None
        self.reset()

    # -- settings --------------------------------------------------------------------
    @property
    def comparing(self) -> bool:
        return len(self.runs) > 1

    def set_compare(self, on: bool) -> None:
        """Switch comparison mode; run B starts from the preset that argues with A's."""
        if on and not self.comparing:
            a = self.runs[0].preset
            b = PARTNER.get(a, "board_supported" if a != "board_supported" else "baseline")
            if b not in self.presets:
                b = a
            self.runs.append(RunSettings(b))
        elif not on and self.comparing:
            self.runs = self.runs[:1]
        self.reset_if_fresh(force=True)

    def set_run(self, k: int, settings: RunSettings) -> None:
        self.runs[k] = settings
        self.reset_if_fresh()

    def set_seed(self, seed: int) -> None:
        self.seed = int(seed)
        self.reset_if_fresh()

    def set_years(self, years: int | None) -> None:
        self.years = years
        self.reset_if_fresh()

    def _key(self) -> tuple:
        return (tuple(self.runs), self.seed, self.years)

    @property
    def pending(self) -> bool:
        """Settings changed since the models were built (they apply at the next reset)."""
        return self._key() != self.built_from

    def reset_if_fresh(self, force: bool = False) -> None:
        """Rebuild at once if nothing has run yet (nothing to lose), else wait for reset."""
        if force or self.month == 0:
            self.reset()

    # -- running ---------------------------------------------------------------------
    def scenario(self, k: int) -> Scenario:
        return self.runs[k].scenario(self.presets, self.years)

    def reset(self) -> None:
        """Build fresh models from the current settings (month 0)."""
        with self.lock:
            try:
                models = [
                    HealthEconomy(self.scenario(k), rng=self.seed) for k in range(len(self.runs))
                ]
            except (ScenarioError, ValueError) as exc:
                self.error = str(exc)
                return
            self.error = None
            self.models = models
            self.built_from = self._key()

    def step(self, months: int = 1) -> None:
        """Advance every run by ``months`` (not past the end)."""
        with self.lock:
            for _ in range(months):
                if self.finished:
                    return
                for m in self.models:
                    if m.running:
                        m.step()

    @property
    def month(self) -> int:
        return max((m.steps for m in self.models), default=0)

    @property
    def months(self) -> int:
        return max((m.months for m in self.models), default=0)

    @property
    def finished(self) -> bool:
        return all(not m.running for m in self.models)

    def name(self, k: int) -> str:
        """A run's name for legends: the preset's title, marked if levers moved."""
        rs = self.runs[k]
        title = self.presets[rs.preset].title
        n = len(rs.changes) + (0 if rs.keep_year_changes else 1)
        label = f"{title} (+{n} change{'s' if n > 1 else ''})" if n else title
        return f"{'AB'[k]}: {label}" if self.comparing else label
