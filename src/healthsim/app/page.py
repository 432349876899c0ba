# ruff: noqa: N802 - Solara components are named like classes (Page)
"""The workshop app: Mesa's ``SolaraViz`` driving one HealthEconomy.

Served by ``healthsim app`` (``solara run healthsim.app.page``). Each browser session
gets its own model (an ordinary Mesa model) and hands it to
``SolaraViz(model, components=COMPONENTS, model_params=..., name=...)``, which does for
it what it does for any Mesa model:

- its controller plays, pauses, steps and resets the model (Reset, ▶/❚❚, Step);
- its sidebar draws ``model_params`` (:mod:`healthsim.app.params`): the preset picker
  (a Select on ``config``), the luck, the run length and the levers, with plain labels
  and the schema's ranges; Reset rebuilds the model from them
  (``WorkshopEconomy(scenario=EconomyScenario(config=...), rng=..., **levers)``,
  :mod:`healthsim.app.model`);
- its main area is a grid of the components of :mod:`healthsim.app.components` (the
  network, the side-by-side twin, the month and numbers, the charts, the event feed,
  the trust followed), drawn again after every step.

Each input of the sidebar is bound to a reactive variable of the session's
:class:`~healthsim.app.params.Settings`, so the page can follow the room: picking a
preset sets every lever to the preset's values (Reset then starts it), and the card
above SolaraViz's controls says what Reset would change. That card also holds what
SolaraViz has no plain control for:

- speed and step size ("Each press of Step moves: a month / a year"), the reactive
  variables passed as ``play_interval`` and ``render_interval``. SolaraViz's own
  sliders for them ("Play Interval (ms)", "Render Interval (steps)": 1 to 100 in steps
  of 2, so never a year, and it rounds 12 to 13 in the browser) and its "Use Threads"
  box are hidden with CSS, and cannot change the page's values
  (:class:`~healthsim.app.components.Owned`);
- "Show all levers": the less used levers are always among the parameters (so Reset
  passes them) but hidden with CSS until asked for.

Also hidden with CSS: the "Page 0" tab over the grid and the "Information" card
("Time: 14.0"); the month is shown in the main area. What remains of SolaraViz's own
wording: the cards' titles "Controls" and "Model Parameters", and its buttons Reset,
▶/❚❚ and Step; its theme switch in the app bar (a dark theme works); and its grid,
whose cards the room can drag and resize (two columns, 390 px high to start). Its
inputs take no hover text, so what each lever means (the schema's description and
source) is listed under "What the levers mean" in the card above.

Things learnt from Mesa 3.5.1's SolaraViz that shaped this page:

- SolaraViz cannot be drawn afresh (``.key``) to start a preset: its sidebar is put in
  place through Solara's portal, so its controller and parameter cards keep their old
  state and its parameters are not set up again; and its play loop (a ``use_task``
  without clean-up) keeps stepping the model. Hence the bound inputs above.
- Its controller steps ``render_interval`` months without stopping at the end of the
  run; the components cut the step size to the months left.
- It wraps plain functions in a new component each time its grid redraws, which
  re-creates every card; the components are Solara components, used as they are.
- Its play loop steps the model in a worker thread, and a redraw started by a click
  can overlap a step: a view may show a model mid-month (the next redraw puts it
  right); the network copies its links defensively.
"""

from __future__ import annotations

import html
import os

import solara
from mesa.visualization import SolaraViz

from healthsim.app import components as comp
from healthsim.app.components import COMPONENTS, SPEEDS, STEP_SIZES, presets
from healthsim.app.levers import LEVERS
from healthsim.app.model import WorkshopEconomy
from healthsim.app.page_env import ENV_SEED
from healthsim.app.params import Settings
from healthsim.model.economy import HealthEconomy

NAME = "healthsim — watch failure spread through a local health economy"


def _start_seed() -> int:
    try:
        return int(os.environ.get(ENV_SEED, "13"))  # healthsim app's default seed
    except ValueError:
        return 13


CSS = """
.v-navigation-drawer { width: 390px !important }
.hs-note { font-size: 0.82rem; opacity: 0.8 }
.hs-pending { font-size: 0.86rem; color: #b45309; font-weight: 600 }
.hs-help { font-size: 0.82rem; max-height: 40vh; overflow-y: auto }
.hs-help dt { font-weight: 600; margin-top: 4px }
.hs-help dd { margin-left: 8px; opacity: 0.85 }
/* SolaraViz's Controls card (the one with sliders and buttons): keep Reset, play and
   Step; speed and step size are set in the card above */
.v-navigation-drawer .v-card:has(.v-slider):has(button) > .v-card__text > .v-input
  { display: none !important }
/* its Information card ("Time: 14"): the month is shown in the main area */
.v-navigation-drawer .v-card:has(.v-slider):has(button) ~ .v-card ~ .v-card
  { display: none !important }
/* labels above the sliders of SolaraViz's parameters (long, plain labels) */
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label
  { flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto; font-size: 0.9rem }
.v-navigation-drawer .v-input__slider .v-slider { flex: 1 0 100%; margin: 0 }
.v-navigation-drawer .v-input--checkbox .v-label { font-size: 0.9rem }
/* SolaraViz's page tabs ("Page 0"): there is one page */
.hs-main .v-tabs { display: none }
"""


def hide_more(shown: int) -> str:
    """CSS that hides SolaraViz's parameter inputs after the first ``shown`` (the
    levers a room seldom needs, until "Show all levers")."""
    return (
        "\n.v-navigation-drawer .v-card:has(.v-slider):not(:has(button)) > .v-card__text"
        f" > .v-sheet > .v-input:nth-child(n+{shown + 1}) {{ display: none !important }}"
    )


#: Each lever's plain label and the schema's description (its meaning and source):
#: Mesa's inputs have no hover text.
LEVER_HELP = "".join(
    f"<dt>{html.escape(lv.label)}</dt><dd>{html.escape(lv.help)}</dd>"
    for lv in sorted(LEVERS, key=lambda lv: not lv.main)
)


@solara.component
def RunCard(
    settings: Settings, model: solara.Reactive[HealthEconomy], show_all: solara.Reactive
) -> None:
    """Speed, step size, what Reset would change, and the switch for every lever."""
    m = model.value
    pending = settings.pending(m.p, m.seed)
    with solara.Card("Run", margin=0, classes=["hs-start"]):
        with solara.Row(gap="6px", style="align-items: center; flex-wrap: wrap"):
            solara.Text("Speed while playing:", classes=["hs-note"])
            solara.ToggleButtonsSingle(
                value=next((k for k, v in SPEEDS.items() if v == comp.speed.value), "Steady"),
                values=list(SPEEDS),
                on_value=lambda v: comp.speed.own(SPEEDS[v]),
                dense=True,
            )
        with solara.Row(gap="6px", style="align-items: center; flex-wrap: wrap"):
            solara.Text("Each press of Step moves:", classes=["hs-note"])
            solara.ToggleButtonsSingle(
                value=next(
                    (k for k, v in STEP_SIZES.items() if v == comp.step_choice.value), "a month"
                ),
                values=list(STEP_SIZES),
                on_value=lambda v: comp.step_choice.set(STEP_SIZES[v]),
                dense=True,
            )
        if pending:
            solara.Text(
                "Press Reset to start a new run with "
                + (
                    ", ".join(pending[:4])
                    + (f" and {len(pending) - 4} more" if len(pending) > 4 else "")
                )
                + ". This run carries on as it started.",
                classes=["hs-pending"],
            )
        else:
            solara.Text(
                "The parameters below set the next run: change them, then press Reset.",
                classes=["hs-note"],
            )
        with solara.Row(gap="4px", style="align-items: center; flex-wrap: wrap"):
            solara.Switch(
                label=f"Show all {len(LEVERS)} levers", value=show_all.value, on_value=show_all.set
            )
            solara.Button(
                "New luck",
                on_click=lambda: settings.seed.set(settings.seed.value + 1),
                text=True,
                small=True,
            )
            solara.Button(
                "Back to the preset",
                on_click=lambda: settings.apply(settings.preset),
                text=True,
                small=True,
            )
        with solara.Details("What the levers mean, and where their values come from"):
            solara.HTML(tag="dl", unsafe_innerHTML=LEVER_HELP, classes=["hs-help"])


@solara.component
def Page() -> None:
    ps = presets()
    settings = solara.use_memo(lambda: Settings(ps, _start_seed()), [])
    model = solara.use_reactive(
        solara.use_memo(
            lambda: WorkshopEconomy(settings.preset.scenario, rng=settings.seed.value), []
        )
    )
    show_all = solara.use_reactive(False)
    # Mesa takes the parameters' starting values from the first drawing; from then on
    # its inputs are bound to the settings (see params.py).
    bound, set_bound = solara.use_state(False)
    solara.use_effect(lambda: set_bound(True), [])

    # A preset picked sets the levers to its values.
    picked = settings.config.value
    last = solara.use_ref(picked)

    def follow_preset() -> None:
        if last.current != picked:
            last.current = picked
            settings.apply(settings.preset)

    solara.use_effect(follow_preset, [picked])
    params = solara.use_memo(lambda: settings.params(bound=bound), [bound, picked])
    more = "" if show_all.value else hide_more(settings.shown_first())

    solara.Style(comp.CSS + CSS + more)
    solara.Title("healthsim workshop")
    with solara.Sidebar():
        RunCard(settings, model, show_all)
    with solara.Column(classes=["hs-main"], style="padding: 0"):
        SolaraViz(
            model,
            components=COMPONENTS,
            model_params=params,
            name=NAME,
            play_interval=comp.speed,
            render_interval=comp.step_size,
        )
