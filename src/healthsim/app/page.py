# ruff: noqa: N802 - Solara components are named like classes (Page)
"""The workshop app: Mesa's model controller and parameter inputs driving one
HealthEconomy, laid out for a projector.

Served by ``healthsim app`` (``solara run healthsim.app.page``). Each browser session
gets its own model (an ordinary Mesa model), driven by Mesa's own pieces:

- Mesa's ``ModelController`` plays, pauses, steps and resets the model (Reset, ▶/❚❚,
  Step), in the bar at the top of the main area beside the month;
- Mesa's ``ModelCreator`` draws the sidebar's inputs from ``model_params``
  (:mod:`healthsim.app.params`): the preset picker (a Select on ``config``), the luck,
  the run length and the levers, with plain labels and the schema's ranges; Reset
  rebuilds the model from them (``WorkshopEconomy(scenario=EconomyScenario(config=...),
  rng=..., **levers)``, :mod:`healthsim.app.model`);
- the main area (:mod:`healthsim.app.components`) is laid out for the back of the room
  at 1280×720 and 1600×1000: the headline numbers as large tiles, then the network (two
  side by side when comparing) and three large charts filling the screen's height,
  the legend (colours, ring, buddy links, circle sizes) under them, and below the fold
  the event feed, the trust followed, the other three charts and what side by side does.

It does not use Mesa's ``SolaraViz`` page: its wording ("Controls", "Model
Parameters", "Play Interval (ms)", "Page 0") is a modeller's, its draggable grid of
equal cards gave the network under half a card, and its sliders for speed and step size
round 12 months to 13. The same controller and inputs, in a layout of our own, say what
the room needs.

Each input of the sidebar is bound to a reactive variable of the session's
:class:`~healthsim.app.params.Settings`, so the page can follow the room: picking a
preset sets every lever to the preset's values (Reset then starts it), and the card
above the inputs says what Reset would change. "Show all levers": the less used levers
are always among the parameters (so Reset passes them) but hidden with CSS until asked
for. Mesa's inputs take no hover text, so what each lever means (the schema's
description and source) is listed under "What the levers mean".

Things learnt from Mesa 3.5.1 that shaped this page:

- Its controller steps ``render_interval`` months without stopping at the end of the
  run; the views cut the step size to the months left.
- Its play loop steps the model in a worker thread, and a redraw started by a click
  can overlap a step: a view may show a model mid-month (the next redraw puts it
  right); the network copies its links defensively.
- Solara's "This website runs on Solara" badge covers the bottom right corner; ``healthsim
  app`` turns it off (``SOLARA_THEME_SHOW_BANNER=False``, a Solara theme setting).
"""

from __future__ import annotations

import html
import os

import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator

from healthsim.app import components as comp
from healthsim.app.components import SPEEDS, STEP_SIZES, presets
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
.v-navigation-drawer { min-width: 0 !important; width: 330px !important;
                       max-width: 330px !important }
.v-navigation-drawer .v-card { margin-bottom: 8px }
.hs-note { font-size: 0.9rem; opacity: 0.85 }
.hs-pending { font-size: 0.95rem; color: #b45309; font-weight: 600 }
.hs-help { font-size: 0.88rem; max-height: 40vh; overflow-y: auto }
.hs-help dt { font-weight: 600; margin-top: 4px }
.hs-help dd { margin-left: 8px; opacity: 0.85 }
/* labels above the sliders of the parameters (long, plain labels) */
.hs-params .v-input__slider .v-input__slot { flex-wrap: wrap }
.hs-params .v-input__slider .v-input__slot > .v-label
  { flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto; font-size: 0.95rem }
.hs-params .v-input__slider .v-slider { flex: 1 0 100%; margin: 0 }
.hs-params .v-input--checkbox .v-label { font-size: 0.95rem }
"""


def hide_more(shown: int) -> str:
    """CSS that hides the parameter inputs after the first ``shown`` (the
    levers a room seldom needs, until "Show all levers")."""
    hidden = f".hs-params > .v-sheet > .v-input:nth-child(n+{shown + 1})"
    return f"\n{hidden} {{ display: none !important }}"


#: Each lever's plain label and the schema's description (its meaning and source):
#: Mesa's inputs have no hover text.
LEVER_HELP = "".join(
    f"<dt>{html.escape(lv.label)}</dt><dd>{html.escape(lv.help)}</dd>"
    for lv in sorted(LEVERS, key=lambda lv: not lv.main)
)


def pending_text(pending: list[str]) -> str:
    """What Reset would change, in a sentence ("Press Reset to start a new run with
    the new luck, blame turned up and two other changes.")."""
    if len(pending) > 3:
        pending = [*pending[:2], f"{len(pending) - 2} other changes"]
    said = pending[0] if len(pending) == 1 else ", ".join(pending[:-1]) + " and " + pending[-1]
    return f"Press Reset to start a new run with {said}. This run carries on as it started."


@solara.component
def PlayCard() -> None:
    """How fast Play moves, and what the circles show."""
    with solara.Card("The screen", margin=0):
        comp.Switches()
        with solara.Row(gap="6px", style="align-items: center; flex-wrap: wrap"):
            solara.Text("Speed:", classes=["hs-note"])
            solara.ToggleButtonsSingle(
                value=next((k for k, v in SPEEDS.items() if v == comp.speed.value), "Steady"),
                values=list(SPEEDS),
                on_value=lambda v: comp.speed.own(SPEEDS[v]),
                dense=True,
            )


@solara.component
def NextRunCard(
    settings: Settings,
    model: solara.Reactive[HealthEconomy],
    show_all: solara.Reactive,
    params: dict,
    model_parameters: solara.Reactive,
) -> None:
    """The settings for the next run: what Reset would change, and the inputs."""
    m = model.value
    pending = settings.pending(m.p, m.seed)
    with solara.Card("Settings for the next run", margin=0, classes=["hs-start"]):
        if pending:
            solara.Text(pending_text(pending), classes=["hs-pending"])
        else:
            solara.Text("Change these, then press Reset to start a new run.", classes=["hs-note"])
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
        with solara.Column(gap="0px", classes=["hs-params"]):
            ModelCreator(model, params, model_parameters=model_parameters)
        with solara.Details("What the levers mean, and where their values come from"):
            solara.HTML(tag="dl", unsafe_innerHTML=LEVER_HELP, classes=["hs-help"])


@solara.component
def TopBar(
    model: solara.Reactive[HealthEconomy], model_parameters: solara.Reactive, threads
) -> None:
    """The month, Mesa's Reset / play / Step, the step size and side by side."""
    with solara.Row(classes=["hs-top"]):
        comp.MonthCard(model.value)
        with solara.Row(classes=["hs-ctl"]):
            ModelController(
                model,
                model_parameters=model_parameters,
                play_interval=comp.speed,
                render_interval=comp.step_size,
                use_threads=threads,
            )
            solara.ToggleButtonsSingle(
                value=next(
                    (k for k, v in STEP_SIZES.items() if v == comp.step_choice.value), "a month"
                ),
                values=list(STEP_SIZES),
                on_value=lambda v: comp.step_choice.set(STEP_SIZES[v]),
                dense=True,
            )
        comp.CompareSwitch(model.value)


@solara.component
def Page() -> None:
    ps = presets()
    settings = solara.use_memo(lambda: Settings(ps, _start_seed()), [])
    model = solara.use_reactive(
        solara.use_memo(
            lambda: WorkshopEconomy(settings.preset.scenario, rng=settings.seed.value), []
        )
    )
    model_parameters = solara.use_reactive({})
    threads = solara.use_reactive(False)
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
    with solara.AppBar():
        solara.AppBarTitle(NAME)
    with solara.Sidebar(), solara.Column(gap="0px"):
        PlayCard()
        NextRunCard(settings, model, show_all, params, model_parameters)
    with solara.Column(classes=["hs-main"], gap="8px"):
        with solara.Column(classes=["hs-screen"], gap="6px"):  # one screen's height
            TopBar(model, model_parameters, threads)
            comp.Headline(model.value)
            comp.Stage(model.value)
        comp.BelowTheFold(model.value)
