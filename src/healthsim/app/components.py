# ruff: noqa: N802 - Solara components are named like classes (NetworkCard, RunCard)
"""The workshop's views as SolaraViz components: each a function of the model.

Mesa's ``SolaraViz`` draws every component in :data:`COMPONENTS` with the model it
drives; each subscribes to SolaraViz's ``update_counter``, so it is drawn again whenever
the controller steps the model, and with the new model when Reset rebuilds it. Side-by-side
mode adds a twin (:class:`~healthsim.app.session.Twins`): the same economy, squeeze and
seed under another regime, stepped to the primary model's month whenever the views are
drawn, and rebuilt when Reset gives a new primary model.

What the views share in one browser session (colouring, the trust followed, whether to
compare and with which regime) lives in solara reactive variables, which Solara keeps
per session.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from functools import cache

import solara
from mesa.visualization.utils import update_counter

from healthsim.app.charts import RUN_COLOURS, Charts
from healthsim.app.page_env import ENV_SCENARIO
from healthsim.app.session import Preset, Twins, load_presets, partner, regimes, run_name
from healthsim.metrics import palette
from healthsim.model.economy import HealthEconomy
from healthsim.reports import view


@cache
def presets() -> dict[str, Preset]:
    """The presets, loaded once per server (the start scenario first)."""
    return load_presets(os.environ.get(ENV_SCENARIO) or "baseline")


@cache
def regime_choices() -> dict[str, Preset]:
    return regimes(presets())


#: What a regime is, in a line (where the preset's description is about more).
REGIME_NOTES = {
    "baseline": "the 2013 regime as the baseline sets it: no political steer, "
    "improvement directors without powers",
}

# What the views share within a session.
colour_by = solara.reactive("rung")
size_by = solara.reactive("deficit")
selected = solara.reactive(-1)
routine = solara.reactive(False)
comparing = solara.reactive(False)
regime_b = solara.reactive("")  # a key of regime_choices(); "" = the partner of A's

TWINS = Twins()


class Owned(solara.Reactive):
    """A reactive variable that the widgets bound to it show but cannot change.

    SolaraViz binds its own sliders to ``play_interval`` and ``render_interval``. Its
    render-interval slider (1 to 100 in steps of 2) rounds 12 months to 13 in the
    browser and writes that back; so the speed and step size handed to SolaraViz are
    set only by the app (:meth:`own`), and SolaraViz's controller reads them.
    """

    def set(self, value) -> None:
        pass  # a widget's write

    def own(self, value) -> None:
        super().set(value)


#: Speeds: label -> pause between frames while playing (ms; SolaraViz's play_interval,
#: whose own slider offers 1 to 500).
SPEEDS = {"Slow": 500, "Steady": 250, "Fast": 80, "Fastest": 1}
#: Step sizes: label -> months a press of Step moves (SolaraViz's render_interval).
STEP_SIZES = {"a month": 1, "a year": 12}

#: SolaraViz's ``play_interval``.
speed = Owned(SPEEDS["Steady"])
#: Months a press of Step moves (and Play moves a frame), as the room chose.
step_choice = solara.reactive(1)
#: SolaraViz's ``render_interval``: the room's step, cut to the months left (its
#: controller steps that many months and does not stop at the end of the run).
step_size = Owned(1)


def regime_b_of(model: HealthEconomy) -> Preset:
    """Regime B: the one chosen, or at first the other side of A's argument."""
    choices = regime_choices()
    key = regime_b.value if regime_b.value in choices else partner(model.p, choices)
    return choices[key]


def runs(model: HealthEconomy) -> list[tuple[str, HealthEconomy]]:
    """The runs shown: (name, model) for A and, when comparing, B (the twin, at A's
    month)."""
    name = run_name(model.p, presets())
    if not comparing.value:
        return [(name, model)]
    b = regime_b_of(model)
    return [(f"A: {name}", model), (f"B: {b.title}", TWINS.get(model, b))]


def drawn_month(model: HealthEconomy) -> int:
    """Subscribe the calling component to SolaraViz's redraws (its controller bumps
    ``update_counter`` after stepping); the model's month, for memos keyed on it."""
    update_counter.get()
    return model.steps


def shown_month(model: HealthEconomy) -> int:
    """The month the views show (a run stepped past its end shows its last month)."""
    return min(model.steps, model.months)


CSS = """
.hs-card { height: 100%; overflow-y: auto; padding: 8px 10px !important }
.hs-fill { display: flex; flex-direction: column; overflow: hidden }
.hs-fill > .v-card__text { flex: 1 1 auto; min-height: 0; display: flex;
                           flex-direction: column; padding: 0 }
.hs-fill .hs-netcol { flex: 1 1 auto; min-height: 0 }
.hs-fill .hs-head { flex: 0 0 auto }
.hs-network { flex: 1 1 0; min-height: 0 }
.hs-num { font-size: 1.3rem; font-weight: 700; line-height: 1.1 }
.hs-cap { font-size: 0.78rem; opacity: 0.8 }
.hs-month { font-size: 1.55rem; font-weight: 700; line-height: 1.2 }
.hs-chip { display: inline-block; width: 14px; height: 14px; border-radius: 50%;
           margin-right: 4px; vertical-align: middle; border: 1px solid #999 }
.hs-feed { font-size: 0.92rem }
.hs-feed div { padding: 3px 0; border-bottom: 1px solid #eee }
.hs-bad { border-left: 4px solid BAD; padding-left: 6px !important }
.hs-good { border-left: 4px solid GOOD; padding-left: 6px !important }
.hs-info { border-left: 4px solid #b7c3cf; padding-left: 6px !important }
.hs-latest { font-size: 0.86rem; white-space: nowrap; overflow: hidden;
             text-overflow: ellipsis }
.hs-head { align-items: center; flex-wrap: nowrap; min-height: 44px }
.hs-head .v-input { margin-top: 0; padding-top: 0 }
.hs-run-name { font-weight: 700; font-size: 1.02rem }
.hs-title { font-weight: 700; font-size: 1.02rem }
.hs-trust td { padding: 1px 8px 1px 0; font-size: 0.88rem; vertical-align: top }
.hs-headline td { padding: 0 10px 1px 0; vertical-align: bottom }
.hs-legend { flex-wrap: wrap; font-size: 0.82rem }
.hs-regimes { font-size: 0.86rem; margin: 6px 0 0 0; padding-left: 18px }
""".replace("BAD", palette.BAD).replace("GOOD", palette.GOOD)


# --------------------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------------------


@solara.component_vue("network.vue")
def NetworkSvg(
    nodes: list,
    edges: list,
    groups: list,
    width: float,
    height: float,
    selected: int,
    month: int,
    event_select: Callable[[int], None],
):
    pass


def _chip(colour: str) -> None:
    solara.HTML(tag="span", unsafe_innerHTML="", classes=["hs-chip"], style=f"background:{colour}")


@solara.component
def Legend() -> None:
    looks = palette.LADDER if colour_by.value == "rung" else palette.RATINGS
    with solara.Row(gap="10px", classes=["hs-legend"]):
        for look in looks.values():
            with solara.Row(gap="0px"):
                _chip(look.colour)
                solara.Text(look.label)
        with solara.Row(gap="0px"):
            _chip(f"#ffffff; border: 3px solid {palette.RING}")
            solara.Text("black ring: in special measures or administration")
        with solara.Row(gap="0px"):
            solara.HTML(
                tag="span",
                unsafe_innerHTML="",
                style=f"display:inline-block;width:22px;height:5px;background:{view.BUDDY_COLOUR};"
                "margin:0 4px 2px 0;vertical-align:middle",
            )
            solara.Text("buddy link")
        with solara.Row(gap="0px"):
            _chip(view.COMMISSIONER_COLOUR + "; border-radius: 2px")
            solara.Text("commissioner")
        with solara.Row(gap="0px"):
            _chip(view.SOCIAL_CARE_COLOUR + "; border-radius: 0; transform: rotate(45deg)")
            solara.Text("social care")


@solara.component
def Network(m: HealthEconomy, name: str, k: int, month: int) -> None:
    """One run's network, its name and its latest news."""
    nv = view.network_view(m, colour_by.value, size_by.value)  # type: ignore[arg-type]
    latest = view.feed(m, limit=1)
    with solara.Column(gap="4px", classes=["hs-netcol"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=name,
            style=f"color:{RUN_COLOURS[k]}",
            classes=["hs-run-name"],
        )
        text = view.feed_line(latest[0]) if latest else "No news yet."
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"Latest: {html.escape(text)}",
            classes=["hs-latest"],
            attributes={"title": text},
        )
        NetworkSvg(
            nodes=nv.nodes,
            edges=nv.edges,
            groups=nv.groups,
            width=nv.width,
            height=nv.height,
            selected=selected.value,
            month=month,
            event_select=lambda i: selected.set(int(i)),
        )


# --------------------------------------------------------------------------------------
# The components SolaraViz shows (each a function of the model)
# --------------------------------------------------------------------------------------


@solara.component
def NetworkCard(model: HealthEconomy) -> None:
    """Run A's network, with the colour and size switches both networks follow."""
    month = drawn_month(model)
    name, m = runs(model)[0]
    with solara.Card(classes=["hs-card", "hs-fill", "hs-run-a"], margin=0):
        with solara.Row(gap="8px", classes=["hs-head"]):
            solara.Text("Colour:", classes=["hs-cap"])
            solara.ToggleButtonsSingle(
                value="Ladder rung" if colour_by.value == "rung" else "Latest rating",
                values=["Ladder rung", "Latest rating"],
                on_value=lambda v: colour_by.set("rung" if v == "Ladder rung" else "rating"),
                dense=True,
            )
            solara.Text("Size:", classes=["hs-cap"])
            solara.ToggleButtonsSingle(
                value="Deficit" if size_by.value == "deficit" else "Activity",
                values=["Deficit", "Activity"],
                on_value=lambda v: size_by.set("deficit" if v == "Deficit" else "activity"),
                dense=True,
            )
        Network(m, name, 0, month)


@solara.component
def SideBySideCard(model: HealthEconomy) -> None:
    """Side by side: the switch, regime B, and B's network (the twin)."""
    month = drawn_month(model)
    choices = regime_choices()
    key = regime_b_of(model).key
    items = [{"text": p.title, "value": k} for k, p in choices.items()]
    with solara.Card(classes=["hs-card", "hs-fill", "hs-run-b"], margin=0):
        with solara.Row(gap="12px", classes=["hs-head"]):
            solara.Switch(
                label="Side by side" if comparing.value else "Side by side: a second regime",
                value=comparing.value,
                on_value=comparing.set,
                classes=["hs-compare"],
            )
            if comparing.value:
                with solara.Column(style="flex: 1; min-width: 0"):
                    solara.Select(
                        label="Regime B (same economy, same luck)",
                        value=key,
                        values=items,  # type: ignore[arg-type]
                        on_value=regime_b.set,
                        dense=True,
                    )
        if not comparing.value:
            regimes_html = "".join(
                f"<li><b>{p.title}</b>: {REGIME_NOTES.get(k, p.description)}</li>"
                for k, p in choices.items()
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML="Switch on to run <b>regime B</b> alongside this run: the "
                "same economy, the same squeeze and the same luck (the same shocks, demand "
                "and inspection draws); only the regime differs. B steps with A, its "
                "network appears here and its lines join the charts in orange."
                f"<ul class='hs-regimes'>{regimes_html}</ul>",
                classes=["hs-cap"],
                style="font-size: 0.9rem; overflow-y: auto",
            )
            return
        name, twin = runs(model)[1]
        Network(twin, name, 1, month)


@solara.component
def RunCard(model: HealthEconomy) -> None:
    """The month and year, the headline numbers, and what the colours mean."""
    drawn_month(model)
    shown = runs(model)
    sc, m, months = model.p, shown_month(model), model.months
    solara.use_effect(
        lambda: step_size.own(max(1, min(step_choice.value, months - model.steps))),
        [id(model), model.steps, step_choice.value],
    )
    with solara.Card(classes=["hs-card", "hs-run"], margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<span data-month='{m}'>"
            + (view.when(sc, m) if m else f"Ready: starts {view.calendar(sc, 1)}")
            + "</span>",
            classes=["hs-month"],
        )
        solara.Text(
            f"Month {m} of {months} · financial year {view.financial_year(sc, m)}"
            + (" · finished: press Reset for a new run" if not model.running else ""),
            classes=["hs-cap"],
        )
        solara.ProgressLinear(value=100 * m / max(months, 1), color="primary")
        heads = [view.headline(r) for _, r in shown]
        cols = "".join(
            f"<td><b style='color:{RUN_COLOURS[k]}'>{'AB'[k]}</b></td>" for k in range(len(shown))
        )
        rows_shown = list(dict.fromkeys(what for h in heads for what in h))  # A's, then B's
        rows = "".join(
            "<tr>"
            + "".join(f"<td class='hs-num'>{h.get(what, '0')}</td>" for h in heads)
            + f"<td class='hs-cap'>{what}</td></tr>"
            for what in rows_shown
        )
        head = f"<tr>{cols}<td></td></tr>" if len(shown) > 1 else ""
        solara.HTML(tag="table", unsafe_innerHTML=head + rows, classes=["hs-headline"])
        Legend()


@solara.component
def ChartsCard(model: HealthEconomy) -> None:
    """The live charts, both runs overlaid when comparing."""
    month = drawn_month(model)
    shown = runs(model)
    charts = solara.use_memo(
        lambda: Charts(
            [m for _, m in shown], [n for n, _ in shown], width=8.4, height=4.6, dpi=90, cols=3
        ),
        [tuple(id(m) for _, m in shown), tuple(n for n, _ in shown)],
    )

    def png() -> bytes:
        charts.update()
        return charts.png()

    image = solara.use_memo(png, [charts, month, tuple(m.steps for _, m in shown)])
    with solara.Card(classes=["hs-card"], margin=0):
        solara.Image(image, format="png", width="100%", classes=["hs-charts"])


@solara.component
def FeedCard(model: HealthEconomy) -> None:
    """What happened: the event feed in plain language, newest first."""
    drawn_month(model)
    shown = runs(model)
    items: list[tuple[int, view.FeedItem]] = []
    for k, (_, m) in enumerate(shown):
        items += [(k, it) for it in view.feed(m, routine=routine.value, limit=60)]
    items.sort(key=lambda p: -p[1].month)
    with solara.Card(classes=["hs-card"], margin=0):
        with solara.Row(justify="space-between", style="align-items: center"):
            solara.HTML(tag="div", unsafe_innerHTML="What happened", classes=["hs-title"])
            solara.Checkbox(
                label="Show routine inspections too", value=routine.value, on_value=routine.set
            )
        if not items:
            solara.Text("Nothing yet: inspections, ratings and special measures appear here.")
            return
        lines = []
        for k, it in items[:80]:
            tag = f"<b style='color:{RUN_COLOURS[k]}'>{'AB'[k]}</b> " if len(shown) > 1 else ""
            lines.append(
                f"<div class='hs-{it.tone}'>{tag}<b>{it.when}</b>: {it.who} — {it.text}</div>"
            )
        solara.HTML(tag="div", unsafe_innerHTML="".join(lines), classes=["hs-feed"])


@solara.component
def TrustCard(model: HealthEconomy) -> None:
    """The trust followed (clicked on the network), in every run shown."""
    drawn_month(model)
    shown = runs(model)
    i = selected.value
    with solara.Card(classes=["hs-card"], margin=0):
        if i < 0 or i >= model.s.n:
            solara.HTML(tag="div", unsafe_innerHTML="Trust", classes=["hs-title"])
            solara.Text("Hover over a trust to see its state; click it to follow it here.")
            return
        with solara.Row(justify="space-between", style="align-items: center"):
            solara.HTML(
                tag="div", unsafe_innerHTML=model.structure.trust_labels[i], classes=["hs-title"]
            )
            solara.Button("Close", on_click=lambda: selected.set(-1), text=True, small=True)
        cols = [(k, m) for k, (_, m) in enumerate(shown) if i < m.s.n]
        rows = [view.trust_state(m, i) for _, m in cols]
        head = ""
        if len(cols) > 1:
            head = (
                "<tr><td></td>"
                + "".join(
                    f"<td><b style='color:{RUN_COLOURS[k]}'>{'AB'[k]}</b></td>" for k, _ in cols
                )
                + "</tr>"
            )
        body = "".join(
            "<tr><td>" + what + "</td>" + "".join(f"<td>{r[j][1]}</td>" for r in rows) + "</tr>"
            for j, (what, _) in enumerate(rows[0])
        )
        solara.HTML(tag="table", unsafe_innerHTML=head + body, classes=["hs-trust"])


#: What SolaraViz shows, in its grid (two columns, in this order): the network and its
#: side-by-side twin, the month and numbers beside the charts, the feed and the trust.
#: Solara components, so SolaraViz uses them as they are (it wraps plain functions in a
#: new component each time its grid redraws, which re-creates every card).
COMPONENTS = [NetworkCard, SideBySideCard, RunCard, ChartsCard, FeedCard, TrustCard]
