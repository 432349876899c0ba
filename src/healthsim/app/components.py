# ruff: noqa: N802 - Solara components are named like classes (NetworkCard, Stage)
"""The workshop's views: Solara components, each a function of the model.

Each subscribes to Mesa's ``update_counter``, which Mesa's ``ModelController`` bumps
after stepping the model, so it is drawn again after every step, and with the new model
when Reset rebuilds it. Side-by-side
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

from healthsim.app.charts import MAIN, MORE, RUN_COLOURS, Charts
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

    Mesa's ``ModelController`` reads the speed and step size (its ``play_interval`` and
    ``render_interval``); only the app sets them (:meth:`own`), from the room's choice
    and the months left (Mesa's own sliders for them, 1 to 100 in steps of 2, rounded
    12 months to 13 and wrote that back; the app does not show them).
    """

    def set(self, value) -> None:
        pass  # a widget's write

    def own(self, value) -> None:
        super().set(value)


#: Speeds: label -> pause between frames while playing (ms; Mesa's play_interval).
SPEEDS = {"Slow": 500, "Steady": 250, "Fast": 80, "Fastest": 1}
#: Step sizes: label -> months a press of Step moves (Mesa's render_interval).
STEP_SIZES = {"a month": 1, "a year": 12}

#: Mesa's ``play_interval``.
speed = Owned(SPEEDS["Steady"])
#: Months a press of Step moves (and Play moves a frame), as the room chose.
step_choice = solara.reactive(1)
#: Mesa's ``render_interval``: the room's step, cut to the months left (its
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
    """Subscribe the calling component to Mesa's redraws (its controller bumps
    ``update_counter`` after stepping); the model's month, for memos keyed on it."""
    update_counter.get()
    return model.steps


def shown_month(model: HealthEconomy) -> int:
    """The month the views show (a run stepped past its end shows its last month)."""
    return min(model.steps, model.months)


CSS = (
    """
/* Sized for a projector: the room reads the main area from three metres. */
.hs-main { font-size: 18px; padding: 0 6px !important }
.hs-card { padding: 8px 12px !important; overflow: hidden }
.hs-scroll { overflow-y: auto }
.hs-top { align-items: center; flex-wrap: wrap; gap: 10px 18px }
.hs-month { font-size: 1.75rem; font-weight: 700; line-height: 1.1; white-space: nowrap }
.hs-sub { font-size: 1rem; opacity: 0.8 }
.hs-top { flex-wrap: nowrap !important }
.hs-top .v-btn { font-size: 1.05rem !important; min-width: 64px !important;
                 padding: 0 12px !important }
.hs-ctl { gap: 6px; align-items: center; flex-wrap: nowrap }
.hs-ctl .v-btn-toggle .v-btn { height: 40px !important }
.hs-compare .v-label { font-size: 1.05rem; font-weight: 600; white-space: nowrap }
.hs-tiles { display: flex; flex-wrap: nowrap; gap: 8px }
.hs-tile { flex: 1 1 auto; min-width: 0; padding: 3px 10px; border-radius: 6px;
           background: rgba(127, 127, 127, 0.08) }
.hs-num { font-size: 1.75rem; font-weight: 700; line-height: 1.1; white-space: nowrap }
.hs-num small { font-size: 1.05rem; font-weight: 600 }
.hs-cap { font-size: 0.95rem; opacity: 0.85; line-height: 1.15 }
.hs-tile .hs-cap { white-space: nowrap }
/* the stage: the network(s) and the three large charts, filling the screen's height */
.hs-screen { height: calc(100vh - 100px); min-height: 540px; flex-wrap: nowrap }
.hs-screen > * { flex: 0 0 auto }
.hs-screen > .hs-stage-wrap { flex: 1 1 0; min-height: 0; flex-wrap: nowrap }
.hs-stage-wrap > * { flex: 0 0 auto }
.hs-stage-wrap > .hs-stage { flex: 1 1 0; min-height: 0 }
.hs-stage { display: grid; grid-template-columns: 1fr 1fr; gap: 8px }
.hs-stage.hs-two { grid-template-columns: 1fr 1fr 1.3fr }
.hs-stage > * { min-height: 0; min-width: 0; height: 100% }
.hs-fill { display: flex; flex-direction: column }
.hs-fill > .v-card__text, .hs-fill > div { flex: 1 1 auto; min-height: 0 }
.hs-fill > .v-card__text > div:has(> img) { height: 100%; display: flex;
                                              justify-content: center }
.hs-netcol { height: 100%; display: flex; flex-direction: column; flex-wrap: nowrap }
.hs-network { flex: 1 1 0; min-height: 0 }
.hs-charts { flex: 1 1 0; min-height: 0; display: flex; justify-content: center }
.hs-charts img, img.hs-charts { max-width: 100%; max-height: 100%; object-fit: contain }
.hs-run-name { font-weight: 700; font-size: 1.25rem; white-space: nowrap; overflow: hidden;
               text-overflow: ellipsis }
.hs-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
             clip: rect(0 0 0 0); white-space: nowrap }
.hs-b { font-weight: 700; font-size: 1.25rem }
.hs-pick-b .v-select__selection { font-weight: 700; font-size: 1.15rem;
                                  color: RUNB !important }
.hs-latest { font-size: 0.95rem; white-space: nowrap; overflow: hidden;
             text-overflow: ellipsis }
.hs-head { align-items: center; flex-wrap: wrap; gap: 6px 10px }
.hs-head .v-input { margin-top: 0; padding-top: 0 }
.hs-chip { display: inline-block; width: 18px; height: 18px; border-radius: 50%;
           margin-right: 5px; vertical-align: middle; border: 1px solid #999 }
.hs-legend { flex-wrap: wrap; font-size: 1rem; align-items: center; gap: 4px 16px }
.hs-legend svg { vertical-align: middle }
.hs-title { font-weight: 700; font-size: 1.25rem }
.hs-below { display: grid; grid-template-columns: 1fr 1fr; gap: 8px }
.hs-below > * { max-height: 560px }
.hs-feed { font-size: 1rem }
.hs-feed div { padding: 3px 0; border-bottom: 1px solid #eee }
.hs-bad { border-left: 5px solid BAD; padding-left: 6px !important }
.hs-good { border-left: 5px solid GOOD; padding-left: 6px !important }
.hs-info { border-left: 5px solid #b7c3cf; padding-left: 6px !important }
.hs-trust td { padding: 2px 10px 2px 0; font-size: 1rem; vertical-align: top }
.hs-regimes { font-size: 1rem; margin: 6px 0 0 0; padding-left: 20px }
@media (max-height: 800px) {
  .hs-main { font-size: 16px }
  .hs-legend { font-size: 0.95rem; gap: 2px 12px }
  .hs-month { font-size: 1.6rem }
  .hs-num { font-size: 1.5rem }
}
""".replace("BAD", palette.BAD)
    .replace("RUNB", RUN_COLOURS[1])
    .replace("GOOD", palette.GOOD)
)


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


def _size_svg() -> str:
    """Sample circles for the size legend, drawn as the network draws trusts."""
    title, samples = view.size_legend(size_by.value)  # type: ignore[arg-type]
    largest = 16.0  # px: the largest sample's radius
    parts = [f"<b>{html.escape(title)}:</b>"]
    for label, r in samples:
        px = max(3.0, largest * r)
        d = 2 * px + 4
        parts.append(
            f"<span style='white-space:nowrap'><svg width='{d:.0f}' height='{d:.0f}'>"
            f"<circle cx='{d / 2:.1f}' cy='{d / 2:.1f}' r='{px:.1f}' "
            f"fill='{palette.LADDER[palette.State.no_action].colour}' stroke='#777'/></svg> "
            f"{html.escape(label)}</span>"
        )
    return " ".join(parts)


@solara.component
def Legend() -> None:
    """What the colours, the ring, the links and the circles' sizes mean."""
    looks = palette.LADDER if colour_by.value == "rung" else palette.RATINGS
    with solara.Row(gap="4px 16px", classes=["hs-legend"]):
        for look in looks.values():
            with solara.Row(gap="0px", style="align-items: center"):
                _chip(look.colour)
                solara.Text(look.label)
        with solara.Row(gap="0px", style="align-items: center"):
            _chip(f"#ffffff; border: 4px solid {palette.RING}")
            solara.Text("black ring: special measures or administration")
        with solara.Row(gap="0px", style="align-items: center"):
            solara.HTML(
                tag="span",
                unsafe_innerHTML="",
                style=f"display:inline-block;width:26px;height:7px;background:{view.BUDDY_COLOUR};"
                "margin:0 5px 0 0;border-radius:3px",
            )
            solara.Text("buddy link")
        solara.HTML(tag="span", unsafe_innerHTML=_size_svg(), classes=["hs-size-legend"])


@solara.component
def Network(
    m: HealthEconomy, name: str, k: int, month: int, pick: HealthEconomy | None = None
) -> None:
    """One run's network, its name and its latest news; with ``pick`` (run A's model),
    the name is a choice of regime B."""
    nv = view.network_view(m, colour_by.value, size_by.value)  # type: ignore[arg-type]
    latest = view.feed(m, limit=1)
    with solara.Column(gap="2px", classes=["hs-netcol"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(name),
            style=f"color:{RUN_COLOURS[k]}",
            classes=["hs-run-name"] + (["hs-hidden"] if pick is not None else []),
            attributes={"title": name},
        )
        if pick is not None:
            RegimeB(pick)
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
# The views (each a function of the model, drawn again after every step)
# --------------------------------------------------------------------------------------


@solara.component
def Switches() -> None:
    """What the circles' colour and size show (both networks follow them)."""
    with solara.Row(gap="6px 10px", classes=["hs-head"]):
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


@solara.component
def NetworkCard(model: HealthEconomy, k: int = 0) -> None:
    """Run ``k``'s network (0: A, 1: B, the twin)."""
    month = drawn_month(model)
    shown = runs(model)
    if k >= len(shown):
        return
    name, m = shown[k]
    with solara.Card(
        classes=["hs-card", "hs-fill", "hs-run-a" if k == 0 else "hs-run-b"], margin=0
    ):
        Network(m, name, k, month, model if k == 1 else None)


@solara.component
def RegimeB(model: HealthEconomy) -> None:
    """Regime B's name, as a choice of the regimes on offer."""
    choices = regime_choices()
    key = regime_b_of(model).key
    items = [{"text": p.title, "value": k} for k, p in choices.items()]
    with solara.Row(gap="6px", style="align-items: center; flex-wrap: nowrap"):
        solara.HTML(
            tag="div", unsafe_innerHTML="B:", style=f"color:{RUN_COLOURS[1]}", classes=["hs-b"]
        )
        with solara.Column(style="flex: 1 1 auto; min-width: 0"):
            solara.Select(
                label="Regime B (same economy, same luck)",
                value=key,
                values=items,  # type: ignore[arg-type]
                on_value=regime_b.set,
                dense=True,
                classes=["hs-pick-b"],
            )


@solara.component
def CompareSwitch(model: HealthEconomy) -> None:
    """Side by side on or off (regime B is chosen on its network)."""
    solara.Switch(
        label="Side by side",
        value=comparing.value,
        on_value=comparing.set,
        classes=["hs-compare"],
    )


@solara.component
def RegimesCard(model: HealthEconomy) -> None:
    """What side by side does, and the regimes on offer."""
    regimes_html = "".join(
        f"<li><b>{html.escape(p.title)}</b>: {html.escape(REGIME_NOTES.get(k, p.description))}</li>"
        for k, p in regime_choices().items()
    )
    with solara.Card(classes=["hs-card", "hs-scroll"], margin=0):
        solara.HTML(tag="div", unsafe_innerHTML="Two regimes side by side", classes=["hs-title"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<b>Side by side</b> runs <b>regime B</b> alongside this run: the "
            "same economy, the same squeeze and the same luck (the same shocks, demand "
            "and inspection draws); only the regime differs. B steps with A, its "
            "network appears beside A's and its lines join the charts in orange."
            f"<ul class='hs-regimes'>{regimes_html}</ul>",
            style="font-size: 1rem",
        )


@solara.component
def MonthCard(model: HealthEconomy) -> None:
    """The month and year, how far the run has gone."""
    drawn_month(model)
    sc, m, months = model.p, shown_month(model), model.months
    solara.use_effect(
        lambda: step_size.own(max(1, min(step_choice.value, months - model.steps))),
        [id(model), model.steps, step_choice.value],
    )
    with solara.Column(gap="0px", classes=["hs-run"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<span data-month='{m}'>"
            + (view.when(sc, m) if m else f"Ready: starts {view.calendar(sc, 1)}")
            + "</span>",
            classes=["hs-month"],
        )
        solara.Text(
            f"Month {m} of {months} · {view.financial_year(sc, m)}"
            + (" · finished: press Reset for a new run" if not model.running else ""),
            classes=["hs-sub"],
        )


#: The headline's rows, in short words for the tiles (the rest keep their own).
SHORT = {
    "Avoidable harm so far": "harm so far",
    "of which never reported": "of it never reported",
    "In special measures now": "in special measures",
    "In administration now": "in administration",
    "Out of administration, still inadequate": "out of administration, inadequate",
    "Trusts in deficit": "trusts in deficit",
    "Harm reported this month": "reported this month",
    "Staff leaving (a year)": "staff leaving a year",
}


def _tile_value(value: str) -> str:
    """A headline value for a tile: a bracketed share in smaller type."""
    v = html.escape(value)
    if " (" in v:
        head, tail = v.split(" (", 1)
        return f"{head} <small>({tail}</small>"
    return v


@solara.component
def Headline(model: HealthEconomy) -> None:
    """The numbers a room asks about, as tiles (A and B side by side)."""
    drawn_month(model)
    shown = runs(model)
    heads = [view.headline(r) for _, r in shown]
    rows = list(dict.fromkeys(what for h in heads for what in h))  # A's, then B's
    tiles = []
    for what in rows:
        values = "".join(  # A over B when comparing, in the runs' colours
            "<div class='hs-num'"
            + (f" style='color:{RUN_COLOURS[k]}'" if len(heads) > 1 else "")
            + f">{_tile_value(h.get(what, '0'))}</div>"
            for k, h in enumerate(heads)
        )
        tiles.append(
            f"<div class='hs-tile'>{values}"
            f"<div class='hs-cap'>{html.escape(SHORT.get(what, what))}</div></div>"
        )
    solara.HTML(tag="div", unsafe_innerHTML="".join(tiles), classes=["hs-tiles", "hs-headline"])


#: Chart layouts (inches at 90 dpi), sized to their column at 1280x720: the large
#: stacked panels beside the network, narrower when two runs share the stage (harm and
#: special measures, the regimes' contrast), and the other panels below the fold.
_LAYOUTS = {
    (True, False): {"width": 5.6, "height": 6.2, "panels": MAIN, "font": 13.0},
    (True, True): {"width": 4.0, "height": 4.6, "panels": MAIN[:2], "font": 12.0, "wrap": 26},
    (False, False): {"width": 6.4, "height": 6.0, "panels": MORE, "font": 12.0},
}


def _charts_memo(model: HealthEconomy, shown, main: bool) -> Charts:
    layout = _LAYOUTS[(main, main and len(shown) > 1)]
    return Charts([m for _, m in shown], [n for n, _ in shown], dpi=90, cols=1, **layout)


@solara.component
def ChartsCard(model: HealthEconomy, main: bool = True) -> None:
    """The live charts, both runs overlaid when comparing: the three large ones beside
    the network, or the other three below the fold."""
    month = drawn_month(model)
    shown = runs(model)
    charts = solara.use_memo(
        lambda: _charts_memo(model, shown, main),
        [tuple(id(m) for _, m in shown), tuple(n for n, _ in shown), main],
    )

    def png() -> bytes:
        charts.update()
        return charts.png()

    image = solara.use_memo(png, [charts, month, tuple(m.steps for _, m in shown)])
    with solara.Card(classes=["hs-card", "hs-fill"], margin=0):
        solara.Image(image, format="png", classes=["hs-charts" if main else "hs-more-charts"])


@solara.component
def FeedCard(model: HealthEconomy) -> None:
    """What happened: the event feed in plain language, newest first."""
    drawn_month(model)
    shown = runs(model)
    items: list[tuple[int, view.FeedItem]] = []
    for k, (_, m) in enumerate(shown):
        items += [(k, it) for it in view.feed(m, routine=routine.value, limit=60)]
    items.sort(key=lambda p: -p[1].month)
    with solara.Card(classes=["hs-card", "hs-scroll"], margin=0):
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
    with solara.Card(classes=["hs-card", "hs-scroll"], margin=0):
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


@solara.component
def Stage(model: HealthEconomy) -> None:
    """The rest of the first screen: the network(s) and the three large charts filling
    its height, and the legend under them."""
    drawn_month(model)
    two = comparing.value
    with solara.Column(gap="6px", classes=["hs-stage-wrap"]):
        with solara.Div(classes=["hs-stage"] + (["hs-two"] if two else [])):
            NetworkCard(model, 0)
            if two:
                NetworkCard(model, 1)
            ChartsCard(model, True)
        Legend()


@solara.component
def BelowTheFold(model: HealthEconomy) -> None:
    """Under the first screen: the feed, the trust followed, the other charts, and what
    side by side does."""
    with solara.Div(classes=["hs-below"]):
        FeedCard(model)
        TrustCard(model)
        ChartsCard(model, False)
        RegimesCard(model)
