"""The sidebar's parameters: ``model_params`` for Mesa's ``SolaraViz``, from the levers.

SolaraViz draws an input for each entry of ``model_params`` and, on *Reset*, rebuilds
the model with their values: ``WorkshopEconomy(scenario=EconomyScenario(config=<preset>),
rng=<luck>, years=..., regime__communication__blame_intensity=..., ...)`` (``config``
goes to the Mesa scenario, being one of its fields; the rest are WorkshopEconomy's
arguments and keyword overrides). The entries:

- ``config``: a Select of the presets ("Start from a preset"), by what
  :func:`~healthsim.config.load_scenario` loads (a shipped name or a file's path);
- ``rng`` and ``years``: the luck and the run length;
- each lever of :mod:`healthsim.app.levers`: a number as a :class:`BoundSlider`
  labelled with its value in the room's units ("NHS funding growth, real, a year:
  +1.0% a year  (preset +1.0% a year)"), a switch as a Checkbox, a choice as a Select
  with plain names; the ``main`` levers first, then the preset's year-by-year squeeze
  (kept, or dropped so the levers apply to every year), then the rest.

The entries are the same whatever the preset (Mesa keeps the entries it started with).

Every input is bound to a reactive variable of the session's :class:`Settings` (solara
inputs take a reactive variable as their value, and report changes of it to Mesa's
``on_value``). So the page reads what the room set (to say what Reset will change) and
sets it (picking a preset sets every lever to the preset's). One catch: Mesa's
ModelCreator takes its starting values with ``.get("value")``, the same call its inputs
are drawn from; so the first drawing gets plain values (Mesa keeps those), and later
ones the reactive variables (:meth:`Settings.params` with ``bound``). A
:class:`BoundSlider` needs no such care: Mesa draws a ``Slider`` from ``.value`` and
``.label`` but starts from ``.get("value")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import solara
from mesa.visualization.user_param import Slider

from healthsim.app.levers import CHOICES, LEVERS, Lever
from healthsim.app.session import Preset, preset_of
from healthsim.config.schema import Scenario

#: Longest run the sidebar offers (the schema's bound on ``years``).
YEARS_MAX = int(next(m.le for m in Scenario.model_fields["years"].metadata if hasattr(m, "le")))
#: Seeds the luck slider offers (a start seed outside widens it).
SEED_MAX = 100
MAIN = tuple(lv for lv in LEVERS if lv.main)
MORE = tuple(lv for lv in LEVERS if not lv.main)


def param_name(lever: Lever) -> str:
    """The keyword HealthEconomy takes a lever by (``regime__communication__naming``)."""
    return lever.key.replace(".", "__")


def year_table(scenario: Scenario) -> list[dict[str, Any]]:
    """A scenario's year-by-year squeeze as the plain list the sidebar passes on."""
    return [y.model_dump(mode="json", exclude_none=True) for y in scenario.squeeze.years]


class BoundSlider(Slider):
    """A Mesa ``Slider`` bound to a reactive variable, labelled from its current value.

    Args:
        value: the reactive variable the slider shows and sets.
        label: text of the label for a value.
        min, max, step: the allowed range.
        is_float: a float slider (else whole numbers).
    """

    def __init__(
        self,
        value: solara.Reactive,
        label: Callable[[Any], str],
        min: float,
        max: float,
        step: float,
        *,
        is_float: bool,
    ) -> None:
        # Not Slider.__init__: it stores a fixed label and value.
        self.value = value
        self._label = label
        self.min, self.max, self.step = min, max, step
        self.is_float_slider = is_float

    @property
    def label(self) -> str:  # type: ignore[override]
        return self._label(self.value.value)

    def get(self, attr: str) -> Any:
        """What Mesa's ModelCreator reads: the plain value, not the reactive variable."""
        if attr == "value":
            return self.value.value
        return getattr(self, attr)


def fit_step(lever: Lever, values: Iterable[float]) -> float:
    """The lever's step, made finer until every value lies on the slider's grid.

    A slider in the browser rounds its value to ``min + k * step`` and sends the rounded
    value back: a preset's 0.15 on a grid of 0.1 would come back as 0.1, a change nobody
    made.
    """
    lo, step = float(lever.min or 0.0), float(lever.step or 0.01)
    values = list(values)

    def on_grid(s: float) -> bool:
        return all(abs(round((v - lo) / s) * s + lo - v) < 1e-9 for v in values)

    for divisor in (1, 2, 5, 10, 20, 50, 100, 1000):
        if on_grid(step / divisor):
            return step / divisor
    return step / 1000


def lever_slider(
    lever: Lever, value: solara.Reactive, preset: Callable[[], Any], step: float | None = None
) -> BoundSlider:
    """A number lever's slider; ``preset()`` gives the preset's value (to mark a move),
    ``step`` the slider's step (the lever's by default)."""

    def label(v: Any) -> str:
        text = f"{lever.label}: {lever.format(v)}"
        p = preset()
        return text if v == p else f"{text}  (preset {lever.format(p)})"

    if lever.kind == "int":
        lo, hi, step = int(lever.min or 0), int(lever.max or 1), 1
        return BoundSlider(value, label, lo, hi, step, is_float=False)
    lo, hi = float(lever.min or 0.0), float(lever.max or 1.0)
    return BoundSlider(value, label, lo, hi, step or float(lever.step or 0.01), is_float=True)


class Settings:
    """What one session's sidebar is set to: a reactive variable for each parameter.

    Args:
        presets: the presets offered (the first is where the sidebar starts).
        seed: the luck the sidebar starts with.
    """

    def __init__(self, presets: Mapping[str, Preset], seed: int) -> None:
        self.presets = dict(presets)
        first = next(iter(self.presets.values())).scenario
        self.config = solara.reactive(next(iter(self.presets.values())).ref)
        self.seed = solara.reactive(int(seed))
        self.years = solara.reactive(first.years)
        self.levers = {lv.key: solara.reactive(lv.value_in(first)) for lv in LEVERS}
        self.year_table = solara.reactive(year_table(first))
        # steps that put every preset's value on its slider's grid
        self.steps = {
            lv.key: fit_step(lv, [lv.value_in(p.scenario) for p in self.presets.values()])
            for lv in LEVERS
            if lv.kind == "float"
        }

    @property
    def preset(self) -> Preset:
        """The preset the sidebar is set to."""
        return next(p for p in self.presets.values() if p.ref == self.config.value)

    def apply(self, preset: Preset) -> None:
        """Set every lever, the run length and the year-by-year squeeze to a preset's."""
        sc = preset.scenario
        for lv in LEVERS:
            self.levers[lv.key].set(lv.value_in(sc))
        self.years.set(sc.years)
        self.year_table.set(year_table(sc))

    def pending(self, scenario: Scenario, seed: int) -> list[str]:
        """What Reset would change in a run of ``scenario`` on ``seed`` (plain labels)."""
        out = []
        if preset_of(scenario, self.presets).ref != self.config.value:
            out.append(f"the preset ({self.preset.title})")
        if self.seed.value != seed:
            out.append("the luck")
        if self.years.value != scenario.years:
            out.append("the years to run")
        if self.year_table.value != year_table(scenario):
            out.append("the preset's year-by-year squeeze")
        out += [lv.label for lv in LEVERS if self.levers[lv.key].value != lv.value_in(scenario)]
        return out

    def params(self, *, bound: bool) -> dict[str, Any]:
        """SolaraViz's ``model_params``.

        Args:
            bound: switches and choices bound to their reactive variables; False gives
                their plain values, for the first drawing (see the module's docstring).
        """

        def value(var: solara.Reactive) -> Any:
            return var if bound else var.value

        def preset_value(lv: Lever) -> Callable[[], Any]:
            return lambda: lv.value_in(self.preset.scenario)

        out: dict[str, Any] = {
            "config": {
                "type": "Select",
                "label": "Start from a preset",
                "value": value(self.config),
                # Vuetify shows "text" and hands back "value"
                "values": [{"text": p.title, "value": p.ref} for p in self.presets.values()],
            },
            "rng": BoundSlider(
                self.seed,
                lambda v: f"Luck (random seed): {v}",
                0,
                max(SEED_MAX, int(self.seed.value)),
                1,
                is_float=False,
            ),
            "years": BoundSlider(
                self.years,
                lambda v: (
                    f"Years to run: {v}"
                    + ("" if v == self.preset.scenario.years else "  (preset {})").format(
                        self.preset.scenario.years
                    )
                ),
                1,
                YEARS_MAX,
                1,
                is_float=False,
            ),
        }

        def add(levers: Iterable[Lever]) -> None:
            for lv in levers:
                var = self.levers[lv.key]
                if lv.kind == "bool":
                    entry: Any = {"type": "Checkbox", "label": lv.label, "value": value(var)}
                elif lv.kind == "choice":
                    entry = {
                        "type": "Select",
                        "label": lv.label,
                        "value": value(var),
                        "values": [{"text": CHOICES.get(c, c), "value": c} for c in lv.choices],
                    }
                else:
                    entry = lever_slider(lv, var, preset_value(lv), self.steps.get(lv.key))
                out[param_name(lv)] = entry

        add(MAIN)
        # Always there (Mesa keeps the values of the entries it started with): its
        # values are the preset's table itself and no table.
        table = year_table(self.preset.scenario)
        listed = ", ".join(str(y["year"]) for y in table)
        out["squeeze__years"] = {
            "type": "Select",
            "label": "The preset's year-by-year squeeze",
            "value": value(self.year_table),
            "values": (
                [{"text": f"Kept (years {listed} as the preset sets them)", "value": table}]
                if table
                else []
            )
            + [
                {
                    "text": "Dropped: the levers above apply to every year"
                    if table
                    else "None in this preset: the levers apply to every year",
                    "value": [],
                }
            ],
        }
        add(MORE)
        return out

    def shown_first(self) -> int:
        """How many of the sidebar's inputs show until the room asks for every lever."""
        return 3 + len(MAIN) + 1


__all__ = ["BoundSlider", "Settings", "param_name", "year_table"]
