# ruff: noqa: N802 - Solara components are named like classes (Page, NetworkCard)
"""The workshop app: watch failure spread through a local economy.

Served by ``healthsim app`` (``solara run healthsim.app.page``). One browser session
holds a :class:`~healthsim.app.session.Session`: one HealthEconomy (an ordinary Mesa
model, stepped with ``model.step()``), or two on one seed stepped together. The page
reads the models' arrays and draws:

- the network (an SVG drawn in the browser from :func:`healthsim.app.view.network_view`:
  hover a trust for its state, click it to follow it);
- play / pause / step / reset, speed, and the month and year;
- a preset picker and the regime and squeeze levers, generated from the scenario schema
  (:mod:`healthsim.app.levers`);
- live charts (:mod:`healthsim.app.charts`), headline numbers and the event feed.

Why not Mesa's ``SolaraViz`` page itself: its Reset rebuilds the model by passing a Mesa
``Scenario`` object as the ``scenario`` argument, which HealthEconomy uses for its own
scenario (so Reset would fail), it drives a single model (the comparison needs two on
one seed), and its controls are labelled for modellers ("Render Interval", "Use
Threads"). The page keeps SolaraViz's shape (an app bar, controls and parameters in a
sidebar, components in the main area) and drives the model the way Mesa's
``ModelController`` does.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import solara

from healthsim.app import view
from healthsim.app.charts import RUN_COLOURS, Charts
from healthsim.app.levers import BY_KEY, CHOICES, LEVERS, Lever, coerce, group_names
from healthsim.app.page_env import ENV_SCENARIO, ENV_SEED
from healthsim.app.session import Preset, RunSettings, Session, load_presets
from healthsim.config.schema import Scenario

#: Speeds: label -> pause between months while playing (ms).
SPEEDS = {"Slow": 1200, "Steady": 500, "Fast": 150, "Fastest": 0}

YEARS_FIELD = Scenario.model_fields["years"]


@cache
def presets() -> dict[str, Preset]:
    """The presets, loaded once per server (the start scenario first)."""
    return load_presets(os.environ.get(ENV_SCENARIO) or "baseline")


def _start_seed() -> int:
    try:
        return int(os.environ.get(ENV_SEED, "1"))
    except ValueError:
        return 1


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


CSS = """
.hs-num { font-size: 1.5rem; font-weight: 700; line-height: 1.1 }
.hs-cap { font-size: 0.78rem; color: #555 }
.hs-month { font-size: 1.6rem; font-weight: 700 }
.hs-chip { display: inline-block; width: 14px; height: 14px; border-radius: 50%;
           margin-right: 4px; vertical-align: middle; border: 1px solid #999 }
.hs-feed { max-height: 40vh; overflow-y: auto; font-size: 0.92rem }
.hs-feed div { padding: 3px 0; border-bottom: 1px solid #eee }
.hs-bad { border-left: 4px solid #d64545; padding-left: 6px !important }
.hs-good { border-left: 4px solid #3aa655; padding-left: 6px !important }
.hs-info { border-left: 4px solid #b7c3cf; padding-left: 6px !important }
.hs-lever { margin-bottom: 4px }
.hs-latest { font-size: 0.88rem; color: #333; min-height: 2.4em }
.hs-lever .v-input { margin-top: 0 !important; padding-top: 0 !important }
.hs-lever-label { font-size: 0.86rem }
.hs-moved { color: #b45309; font-weight: 600 }
.v-navigation-drawer { width: 380px !important }
.hs-run-card { position: sticky; top: 0; z-index: 3 }
.hs-trust td { padding: 1px 8px 1px 0; font-size: 0.88rem; vertical-align: top }
"""


def _chip(colour: str) -> None:
    solara.HTML(tag="span", unsafe_innerHTML="", classes=["hs-chip"], style=f"background:{colour}")


@solara.component
def Legend(colour_by: str) -> None:
    colours = view.RUNGS if colour_by == "rung" else view.RATINGS
    with solara.Row(gap="10px", style="flex-wrap: wrap; font-size: 0.85rem"):
        for name, colour in colours.values():
            with solara.Row(gap="0px"):
                _chip(colour)
                solara.Text(name)
        with solara.Row(gap="0px"):
            _chip("#ffffff; border: 3px solid #1b1b1b")
            solara.Text("black ring: in special measures")
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
def Headline(model, month: int) -> None:
    nums = view.headline(model)
    with solara.Row(gap="18px", style="flex-wrap: wrap"):
        for what, value in nums.items():
            with solara.Column(gap="0px", classes=["hs-headline"]):
                solara.HTML(tag="div", unsafe_innerHTML=value, classes=["hs-num"])
                solara.Text(what, classes=["hs-cap"])


@solara.component
def NetworkCard(
    m,
    name: str,
    k: int,
    colour_by: str,
    size_by: str,
    selected: int,
    on_select: Callable[[int], None],
    month: int,
) -> None:
    nv = view.network_view(m, colour_by, size_by)  # type: ignore[arg-type]
    latest = view.feed(m, limit=1)
    with solara.Card(style="padding: 6px", classes=[f"hs-run-{'ab'[k]}"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=name,
            style=f"font-weight:700;font-size:1.05rem;color:{RUN_COLOURS[k]}",
            classes=["hs-run-name"],
        )
        text = view.feed_line(latest[0]) if latest else "No news yet."
        solara.HTML(tag="div", unsafe_innerHTML=f"Latest: {text}", classes=["hs-latest"])
        NetworkSvg(
            nodes=nv.nodes,
            edges=nv.edges,
            groups=nv.groups,
            width=nv.width,
            height=nv.height,
            selected=selected,
            month=month,
            event_select=lambda i: on_select(int(i)),
        )
        Headline(m, month)


@solara.component
def LeverInput(lever: Lever, value: Any, preset_value: Any, on_value: Callable) -> None:
    moved = value != preset_value
    text = f"{lever.label}: {lever.format(value)}"
    with solara.Column(gap="0px", classes=["hs-lever"]):
        with solara.Tooltip(lever.help or lever.label), solara.Row(gap="4px"):
            solara.Text(text, classes=["hs-lever-label"] + (["hs-moved"] if moved else []))
            if moved:
                solara.Text(f"(preset {lever.format(preset_value)})", classes=["hs-cap"])
        if lever.kind == "bool":
            solara.Switch(label="on" if value else "off", value=bool(value), on_value=on_value)
        elif lever.kind == "choice":
            names = [CHOICES.get(c, c) for c in lever.choices]
            back = dict(zip(names, lever.choices, strict=True))
            solara.Select(
                label="",
                value=CHOICES.get(str(value), str(value)),
                values=names,
                on_value=lambda t: on_value(back[t]),
            )
        elif lever.kind == "int":
            solara.SliderInt(
                label="",
                value=int(value),
                min=int(lever.min or 0),
                max=int(lever.max or 1),
                step=1,
                on_value=on_value,
            )
        else:
            solara.SliderFloat(
                label="",
                value=float(value),
                min=float(lever.min or 0.0),
                max=float(lever.max or 1.0),
                step=float(lever.step or 0.01),
                on_value=on_value,
            )


@solara.component
def RunSettingsPanel(sess: Session, k: int, version: int, on_change: Callable[[], None]) -> None:
    rs = sess.runs[k]
    pre = sess.presets[rs.preset]
    scenario = sess.scenario(k) if sess.error is None else pre.scenario
    titles = {p.title: key for key, p in sess.presets.items()}
    show_more, set_show_more = solara.use_state(False)

    def pick(title: str) -> None:
        sess.set_run(k, RunSettings(titles[title]))
        on_change()

    def change(key: str, raw: Any) -> None:
        lever = BY_KEY[key]
        value = coerce(lever, raw)
        sess.set_run(k, sess.runs[k].with_change(key, value, lever.value_in(pre.scenario)))
        on_change()

    def undo() -> None:
        sess.set_run(k, RunSettings(rs.preset))
        on_change()

    solara.Select(
        label="Start from a preset",
        value=pre.title,
        values=list(titles),
        on_value=pick,
    )
    solara.Text(pre.description, classes=["hs-cap"])
    n_moved = len(rs.changes) + (0 if rs.keep_year_changes else 1)
    if n_moved:
        with solara.Row():
            solara.Text(f"{n_moved} lever(s) moved from the preset", classes=["hs-moved"])
            solara.Button("Undo my changes", on_click=undo, text=True, small=True)
    with solara.Column(gap="2px").key(f"levers-{k}-{rs.preset}"):
        for group in group_names():
            group_levers = [lv for lv in LEVERS if lv.group == group and (lv.main or show_more)]
            if not group_levers:
                continue
            solara.HTML(tag="h4", unsafe_innerHTML=group, style="margin: 10px 0 2px 0")
            for lv in group_levers:
                LeverInput(
                    lv,
                    lv.value_in(scenario),
                    lv.value_in(pre.scenario),
                    lambda v, key=lv.key: change(key, v),
                )
            if group == view_squeeze_group() and pre.scenario.squeeze.years:
                yrs = ", ".join(str(y.year) for y in pre.scenario.squeeze.years)

                def keep(v: bool) -> None:
                    sess.set_run(k, RunSettings(rs.preset, rs.changes, bool(v)))
                    on_change()

                solara.Checkbox(
                    label=f"Keep the preset's changes in particular years (years {yrs})",
                    value=rs.keep_year_changes,
                    on_value=keep,
                )
    solara.Button(
        "Fewer levers" if show_more else f"All {len(LEVERS)} levers",
        on_click=lambda: set_show_more(not show_more),
        text=True,
        small=True,
    )


def view_squeeze_group() -> str:
    return LEVERS[-1].group


@solara.component
def TrustCard(sess: Session, selected: int, version: int, on_close: Callable[[], None]) -> None:
    m0 = sess.models[0]
    if selected < 0 or selected >= m0.s.n:
        solara.Text("Hover over a trust to see its state; click it to follow it here.")
        return
    with solara.Row(justify="space-between"):
        solara.HTML(tag="b", unsafe_innerHTML=m0.structure.trust_labels[selected])
        solara.Button("Close", on_click=on_close, text=True, small=True)
    cols = [m for m in sess.models if selected < m.s.n]
    rows = [view.trust_state(m, selected) for m in cols]
    head = ""
    if len(cols) > 1:
        head = (
            "<tr><td></td>"
            + "".join(
                f"<td><b style='color:{RUN_COLOURS[k]}'>{'AB'[k]}</b></td>"
                for k in range(len(cols))
            )
            + "</tr>"
        )
    body = "".join(
        "<tr><td>" + what + "</td>" + "".join(f"<td>{r[j][1]}</td>" for r in rows) + "</tr>"
        for j, (what, _) in enumerate(rows[0])
    )
    solara.HTML(tag="table", unsafe_innerHTML=head + body, classes=["hs-trust"])


@solara.component
def Feed(sess: Session, routine: bool, version: int) -> None:
    items: list[tuple[int, view.FeedItem]] = []
    for k, m in enumerate(sess.models):
        items += [(k, it) for it in view.feed(m, routine=routine, limit=60)]
    items.sort(key=lambda p: -p[1].month)
    if not items:
        solara.Text("Nothing yet: inspections, ratings and special measures appear here.")
        return
    html = []
    for k, it in items[:80]:
        tag = f"<b style='color:{RUN_COLOURS[k]}'>{'AB'[k]}</b> " if sess.comparing else ""
        html.append(f"<div class='hs-{it.tone}'>{tag}<b>{it.when}</b>: {it.who} — {it.text}</div>")
    solara.HTML(tag="div", unsafe_innerHTML="".join(html), classes=["hs-feed"])


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------


@solara.component
def Page() -> None:
    sess: Session = solara.use_memo(
        lambda: Session(presets(), next(iter(presets())), seed=_start_seed()), []
    )
    version, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("Steady")
    colour_by, set_colour_by = solara.use_state("rung")
    size_by, set_size_by = solara.use_state("deficit")
    selected, set_selected = solara.use_state(-1)
    routine, set_routine = solara.use_state(False)
    editing, set_editing = solara.use_state(0)
    bump_lock = solara.use_memo(threading.Lock, [])

    def bump() -> None:
        with bump_lock:
            set_version(lambda v: v + 1)

    def play_loop(cancel: threading.Event) -> None:
        if not playing:
            return
        while not cancel.is_set() and not sess.finished:
            t0 = time.monotonic()
            sess.step()
            bump()
            pause = SPEEDS[speed] / 1000 - (time.monotonic() - t0)
            if cancel.wait(max(0.02, pause)):
                return
        set_playing(False)

    solara.use_thread(play_loop, dependencies=[playing, speed], intrusive_cancel=False)

    def step(months: int) -> None:
        sess.step(months)
        bump()

    def reset() -> None:
        set_playing(False)
        sess.reset()
        bump()

    def changed() -> None:
        bump()

    def set_compare(on: bool) -> None:
        set_playing(False)
        sess.set_compare(bool(on))
        set_editing(0)
        bump()

    models = sess.models
    names = [sess.name(k) for k in range(len(models))]
    month, months = sess.month, sess.months
    sc0 = models[0].p

    charts = solara.use_memo(
        lambda: (
            Charts(models, names, width=12.5, cols=3)
            if len(models) > 1
            else Charts(models, names, width=8.6, height=7.4, cols=2)
        ),
        [tuple(id(m) for m in models), tuple(names)],
    )

    def render_png() -> bytes:
        charts.update()
        return charts.png()

    png = solara.use_memo(render_png, [charts, month, version])

    solara.Style(CSS)
    solara.Title("healthsim workshop")
    with solara.AppBar():
        solara.AppBarTitle("healthsim — watch failure spread through a local health economy")

    # ----- sidebar: run controls and settings ---------------------------------------
    with solara.Sidebar():
        with solara.Card("Run", margin=0, classes=["hs-run-card"]):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<span data-month='{month}'>"
                + (view.when(sc0, month) if month else f"Ready: starts {view.calendar(sc0, 1)}")
                + "</span>",
                classes=["hs-month"],
            )
            solara.Text(
                f"Month {month} of {months} · financial year {view.financial_year(sc0, month)}"
                + (" · finished" if sess.finished else ""),
                classes=["hs-cap"],
            )
            solara.ProgressLinear(value=100 * month / max(months, 1), color="primary")
            with solara.Row(gap="6px", style="flex-wrap: wrap; margin-top: 8px"):
                solara.Button(
                    "❚❚ Pause" if playing else "▶ Play",
                    color="primary",
                    on_click=lambda: set_playing(not playing),
                    disabled=sess.finished,
                )
                solara.Button(
                    "Step a month",
                    on_click=lambda: step(1),
                    disabled=playing or sess.finished,
                    outlined=True,
                )
                solara.Button(
                    "Step a year",
                    on_click=lambda: step(12),
                    disabled=playing or sess.finished,
                    outlined=True,
                )
                solara.Button(
                    "Reset" + (" with new settings" if sess.pending else ""),
                    on_click=reset,
                    color="warning" if sess.pending else None,
                    outlined=not sess.pending,
                )
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), on_value=set_speed)
            solara.Text("Speed while playing", classes=["hs-cap"])
            if sess.pending:
                solara.Warning(
                    "You changed the settings. This run carries on as it started; "
                    "press Reset to start a new run with them.",
                    dense=True,
                )
            if sess.error:
                solara.Error(sess.error, dense=True)

        with solara.Card("Compare", margin=0, style="margin-top: 8px"):
            solara.Switch(
                label="Two regimes side by side (same luck)",
                value=sess.comparing,
                on_value=set_compare,
            )
            with solara.Row(gap="6px"):
                solara.InputInt(
                    "Luck (random seed)",
                    value=sess.seed,
                    on_value=lambda v: (sess.set_seed(v if v is not None else 1), changed()),
                    continuous_update=False,
                )
                solara.Button(
                    "New luck",
                    on_click=lambda: (sess.set_seed(sess.seed + 1), changed()),
                    text=True,
                )
            solara.Text(f"Years to run: {sess.years or sc0.years}", classes=["hs-lever-label"])
            solara.SliderInt(
                "",
                value=sess.years or sc0.years,
                min=1,
                max=int(next(m.le for m in YEARS_FIELD.metadata if hasattr(m, "le"))),
                on_value=lambda v: (sess.set_years(int(v)), changed()),
            )

        with solara.Card("Settings", margin=0, style="margin-top: 8px"):
            if sess.comparing:
                solara.ToggleButtonsSingle(
                    value="Run A" if editing == 0 else "Run B",
                    values=["Run A", "Run B"],
                    on_value=lambda v: set_editing(0 if v == "Run A" else 1),
                )
            k = min(editing, len(sess.runs) - 1)
            RunSettingsPanel(sess, k, version, changed).key(f"run-{k}")

    # ----- main area ------------------------------------------------------------------
    with solara.Column(gap="10px", style="padding: 4px 12px"):
        with solara.Row(gap="24px", style="align-items: center; flex-wrap: wrap"):
            solara.Text("Colour trusts by:")
            solara.ToggleButtonsSingle(
                value="Ladder rung" if colour_by == "rung" else "Latest rating",
                values=["Ladder rung", "Latest rating"],
                on_value=lambda v: set_colour_by("rung" if v == "Ladder rung" else "rating"),
            )
            solara.Text("Size trusts by:")
            solara.ToggleButtonsSingle(
                value="Deficit" if size_by == "deficit" else "Activity",
                values=["Deficit", "Activity"],
                on_value=lambda v: set_size_by("deficit" if v == "Deficit" else "activity"),
            )
        Legend(colour_by)

        def network_card(k: int) -> None:
            m = models[k]
            NetworkCard(m, names[k], k, colour_by, size_by, selected, set_selected, m.steps)

        def charts_card() -> None:
            with solara.Card(style="padding: 6px"):
                solara.Image(png, format="png", width="100%", classes=["hs-charts"])

        if not sess.comparing:
            with solara.Columns([5, 7]):
                network_card(0)
                charts_card()
        else:
            with solara.Columns([1, 1]):
                network_card(0)
                network_card(1)
            charts_card()
        with solara.Columns([2, 3]):
            with solara.Card("Trust", style="padding: 8px"):
                TrustCard(sess, selected, version, lambda: set_selected(-1))
            with solara.Card("What happened", style="padding: 8px"):
                solara.Checkbox(
                    label="Show routine inspections too", value=routine, on_value=set_routine
                )
                Feed(sess, routine, version)
