"""The workshop app without a browser: levers from the schema, what the views show, the
side-by-side twin, the sidebar's parameters through Mesa's own reset, the page rendered
headless with SolaraViz driving the model, and the ``app``/``animate`` commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from healthsim.app import levers
from healthsim.app.session import Twins, changes, load_presets, partner, regimes, run_name
from healthsim.commands.app import host_warning
from healthsim.config.schema import Regime, Squeeze
from healthsim.experiments.mesa import ScenarioEconomy
from healthsim.reports import view

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_app() -> None:
    """The app's dependencies (solara, and altair, which Mesa's SolaraViz imports):
    skipped without them on a developer's machine, a failure in CI."""
    try:
        import mesa.visualization  # noqa: F401 - imports solara and altair
    except ImportError as exc:
        if IN_CI:
            pytest.fail(f"the app's dependencies are missing in CI: {exc}", pytrace=False)
        pytest.skip(f"the app's dependencies are not installed ({exc})")


@pytest.fixture(scope="module")
def presets():
    return load_presets("baseline")


def test_every_regime_and_squeeze_value_is_a_lever_with_the_schema_range():
    keys = {lv.key for lv in levers.LEVERS}
    for section, info in Regime.model_fields.items():
        sub = info.annotation
        if section == "name":
            continue
        for name in sub.model_fields:
            assert f"regime.{section}.{name}" in keys, f"regime.{section}.{name} has no lever"
    for name in Squeeze.model_fields:
        if name not in ("name", "years"):
            assert f"squeeze.{name}" in keys, f"squeeze.{name} has no lever"
    blame = levers.BY_KEY["regime.communication.blame_intensity"]
    assert (blame.min, blame.max) == (0.0, 1.0), "blame intensity is a share: 0 to 1"
    funding = levers.BY_KEY["squeeze.real_funding_growth"]
    assert (funding.min, funding.max) == (-0.5, 0.5), "range comes from the Field's ge/le"
    for lv in levers.LEVERS:
        assert lv.label and lv.label[0].isupper(), f"{lv.key} needs a plain label"
        assert lv.help, f"{lv.key} needs help text (the schema description)"


def test_levers_read_presets_and_coerce_into_range(presets):
    sc = presets["blame_focused"].scenario
    assert levers.BY_KEY["regime.communication.blame_intensity"].value_in(sc) == 0.9
    assert levers.BY_KEY["regime.improvement.model"].value_in(sc) == "consultancy"
    months = levers.BY_KEY["regime.identification.inspection_interval_months"]
    assert levers.coerce(months, 999.4) == 240, "values are clamped to the schema's bounds"
    assert levers.BY_KEY["squeeze.tariff_efficiency"].format(0.04) == "+4.0% a year"


def test_calendar_months_follow_the_nhs_financial_year(presets):
    sc = presets["baseline"].scenario
    assert view.calendar(sc, 1) == "April 2013"
    assert view.calendar(sc, 12) == "March 2014"
    assert view.when(sc, 14) == "Month 14 (May 2014)"
    assert view.financial_year(sc, 13) == "2014/15"


def test_network_view_draws_every_organisation_and_buddy_links():
    m = ScenarioEconomy("baseline", rng=1)
    nv = view.network_view(m)
    kinds = [n["kind"] for n in nv.nodes]
    assert kinds.count("trust") == 6 and kinds.count("commissioner") == 1
    assert kinds.count("social_care") == 1
    m.s.buddy_of[2] = 0
    m.add_buddy_link(0, 2)
    buddy = [e for e in view.network_view(m).edges if e["kind"] == "buddy"]
    assert len(buddy) == 1 and "is buddy to" in buddy[0]["tip"], "buddy link drawn and named"
    m.run(24)
    sizes = [n["r"] for n in view.network_view(m, size_by="deficit").nodes if n["kind"] == "trust"]
    assert len(set(sizes)) > 1, "trusts in deficit are drawn bigger"
    assert all(0 <= n["x"] <= nv.width and 0 <= n["y"] <= nv.height for n in nv.nodes)


def test_feed_is_plain_language_with_calendar_months():
    m = ScenarioEconomy("blame_focused", rng=1).run(60)
    items = view.feed(m, routine=True)
    assert items, "five years should bring inspections"
    line = view.feed_line(items[-1])
    assert line.startswith("Month ") and "(" in line and " — " in line, line
    assert [i.month for i in items] == sorted((i.month for i in items), reverse=True)


def test_the_twin_runs_regime_b_on_the_same_economy_and_luck_at_the_primary_month(presets):
    choices = regimes(presets)
    titles = [p.title for p in choices.values()]
    assert len(set(titles)) == len(titles) >= 5, "each regime offered once"
    assert len({p.scenario.regime for p in choices.values()}) == len(choices)
    a = ScenarioEconomy(
        presets["squeeze_severe"].scenario, rng=3, squeeze__real_funding_growth=-0.01
    ).run(14)
    b_key = partner(a.p, choices)
    assert choices[b_key].scenario.regime != a.p.regime, "B starts as another regime"
    twins = Twins()
    b = twins.get(a, choices["blame_focused"])
    assert b.steps == a.steps == 14, "the twin is stepped to the primary's month"
    assert b.p.regime == presets["blame_focused"].scenario.regime, "B has regime B"
    assert b.p.squeeze == a.p.squeeze and b.p.economy == a.p.economy, "A's economy, squeeze"
    assert b.seed == a.seed and np.array_equal(a.draws.shock_u, b.draws.shock_u), "same luck"
    a.step()
    assert twins.get(a, choices["blame_focused"]) is b and b.steps == 15, "kept and stepped"
    assert twins.get(a, choices["board_supported"]).p.regime.name == "board_supported"
    fresh = ScenarioEconomy(a.p, rng=3)  # what a reset gives: a new primary, a new twin
    assert twins.get(fresh, choices["blame_focused"]).steps == 0


def test_runs_are_named_after_their_preset_and_the_levers_moved(presets):
    base = presets["baseline"].scenario
    assert run_name(base, presets) == "Baseline: the 2013 regime, 2010s squeeze"
    moved = ScenarioEconomy(base, rng=1, regime__communication__naming=False, years=3).p
    assert changes(moved, base) == ["Name trusts in special measures publicly", "Years to run"]
    assert run_name(moved, presets).endswith("(+2 changes)")


def test_presets_start_with_the_given_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('extends = "baseline"\nname = "mine"\n')
    p = load_presets(f)
    first = next(iter(p.values()))
    assert first.scenario.name == "mine" and "(your file)" in first.title
    assert first.ref == str(f.resolve())


def test_sidebar_parameters_rebuild_the_economy_through_mesas_reset(presets):
    """What SolaraViz's Reset does with the sidebar, by Mesa's own functions."""
    need_app()
    import solara
    from mesa.visualization.solara_viz import (
        _build_model_init_kwargs,
        _check_model_params,
        split_model_params,
    )

    from healthsim.app.model import WorkshopEconomy
    from healthsim.app.params import BoundSlider, Settings, param_name

    settings = Settings(presets, seed=7)
    first = settings.params(bound=False)  # the first drawing: Mesa keeps these values
    model = WorkshopEconomy(settings.preset.scenario, rng=7)
    _check_model_params(model, first)  # what SolaraViz checks
    assert list(first)[:3] == ["config", "rng", "years"], "preset, luck, run length first"
    assert {param_name(lv) for lv in levers.LEVERS} <= set(first), "every lever"
    funding = first["squeeze__real_funding_growth"]
    assert isinstance(funding, BoundSlider) and (funding.min, funding.max) == (-0.5, 0.5)
    assert funding.label == "NHS funding growth, real, a year: +1.0% a year"
    assert {
        "text": "Management consultants",
        "value": "consultancy",
    } in first["regime__improvement__model"]["values"]
    adjustable, fixed = split_model_params(first)
    started = {**fixed, **{k: v.get("value") for k, v in adjustable.items()}}
    assert not any(isinstance(v, solara.Reactive) for v in started.values()), "plain values"
    kwargs = _build_model_init_kwargs(
        model, started, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    assert type(model)(**kwargs).p == settings.preset.scenario, "Reset as it starts: the preset"

    # Later drawings bind every input; the room picks a preset and moves three levers.
    bound = settings.params(bound=True)
    naming = settings.levers["regime.communication.naming"]
    assert bound["regime__communication__naming"]["value"] is naming
    settings.config.set(presets["blame_focused"].ref)
    settings.apply(settings.preset)
    assert settings.levers["regime.communication.blame_intensity"].value == 0.9
    settings.levers["squeeze.real_funding_growth"].set(0.1)
    assert "+10.0% a year" in funding.label and "(preset +1.0% a year)" in funding.label
    naming.set(False)
    settings.year_table.set([])
    assert settings.pending(model.p, model.seed)[:1] == ["the preset (Blame-focused regime)"]

    def held(entry):  # what Mesa holds once the bound inputs reported their values
        if isinstance(entry, BoundSlider):
            return entry.get("value")
        v = entry["value"] if isinstance(entry, dict) else entry
        return v.value if isinstance(v, solara.Reactive) else v

    chosen = {k: held(v) for k, v in settings.params(bound=True).items()}
    kwargs = _build_model_init_kwargs(
        model, chosen, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    rebuilt = type(model)(**kwargs)  # SolaraViz's reset
    assert rebuilt.p.name == "blame_focused" and rebuilt.seed == 7
    assert rebuilt.p.squeeze.real_funding_growth == 0.1
    assert rebuilt.p.regime.communication.naming is False
    assert not rebuilt.p.squeeze.years, "the levers apply to every year"
    assert rebuilt.p.regime.communication.blame_intensity == 0.9, "the rest is the preset"
    assert run_name(rebuilt.p, presets).endswith("(+3 changes)")
    assert settings.pending(rebuilt.p, rebuilt.seed) == [], "nothing left for Reset"


def test_every_preset_value_lies_on_its_sliders_grid(presets):
    """A slider in the browser rounds its value to its grid and sends it back."""
    need_app()
    from healthsim.app.params import Settings

    settings = Settings(presets, seed=1)
    for lv in levers.LEVERS:
        if lv.kind != "float":
            continue
        step = settings.steps[lv.key]
        for p in presets.values():
            v = lv.value_in(p.scenario)
            k = (v - lv.min) / step
            assert abs(k - round(k)) < 1e-6, f"{p.key}: {lv.key} = {v} is off a grid of {step}"


# --------------------------------------------------------------------------------------
# The page, rendered headless: SolaraViz's own controls drive the model
# --------------------------------------------------------------------------------------


@pytest.fixture
def page():
    """The app's page rendered without a browser; yields (render context, components)."""
    need_app()
    import solara

    from healthsim.app import components as comp
    from healthsim.app.page import Page

    for var, start in (
        (comp.comparing, False),
        (comp.regime_b, ""),
        (comp.selected, -1),
        (comp.step_choice, 1),
    ):
        var.set(start)
    comp.step_size.own(1)
    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc, comp
    rc.close()


def _month(rc) -> int:
    import solara.widgets

    for w in rc.find(solara.widgets.HTML).widgets:
        found = re.search(r"data-month='(\d+)'", str(w.unsafe_innerHTML))
        if found:
            return int(found.group(1))
    raise AssertionError("no month shown")


def _text(rc, cls: str) -> list[str]:
    import solara.widgets

    return [
        str(w.unsafe_innerHTML)
        for w in rc.find(solara.widgets.HTML).widgets
        if cls in str(w.attributes.get("class", ""))
    ]


def _button(rc, label: str):
    import ipyvuetify as v

    return rc.find(v.Btn, children=[label]).widget


def _networks(rc) -> list:
    """The network drawings (the template widgets of network.vue), wherever they are."""
    import ipywidgets

    out, seen, todo = [], set(), [rc.container]
    while todo:
        w = todo.pop(0)
        if id(w) in seen:
            continue
        seen.add(id(w))
        if "nodes" in w.keys and "month" in w.keys:
            out.append(w)
        for name in w.keys:
            value = getattr(w, name, None)
            values = value if isinstance(value, list | tuple) else [value]
            todo += [x for x in values if isinstance(x, ipywidgets.Widget)]
    return out


def test_page_is_mesas_controller_driving_the_model_in_plain_words(page):
    import ipyvuetify as v

    rc, comp = page
    cards = {str(t.children[0]) for t in rc.find(v.CardTitle).widgets if t.children}
    assert "Settings for the next run" in cards, "the sidebar's inputs, in plain words"
    assert not {"Controls", "Model Parameters", "Information"} & cards, "no modeller's wording"
    labels = {b.children[0] for b in rc.find(v.Btn).widgets if b.children}
    assert {"Reset", "▶", "Step"} <= labels, "Mesa's controller"
    sliders = [s.label for s in rc.find(v.Slider).widgets]
    assert "Blame: 0 none, 1 name and shame: 0.50" in sliders, "levers with their values"
    assert _month(rc) == 0 and [n.month for n in _networks(rc)] == [0]
    before = _networks(rc)[0].nodes
    _button(rc, "Step").click()
    assert _month(rc) == 1, "SolaraViz's Step moves one month"
    assert _networks(rc)[0].month == 1 and _networks(rc)[0].nodes != before
    comp.step_choice.set(12)
    _button(rc, "Step").click()
    assert _month(rc) == 13, "with 'a year' chosen, Step moves twelve months"
    _button(rc, "Reset").click()
    assert _month(rc) == 0, "SolaraViz's Reset starts a new run"


def test_page_starts_a_picked_preset_and_moved_levers_at_reset(page):
    import ipyvuetify as v

    rc, _ = page
    picker = rc.find(v.Select, label="Start from a preset").widget
    picker.v_model = "blame_focused"  # the room picks a preset in SolaraViz's sidebar
    blame = [s.label for s in rc.find(v.Slider).widgets if s.label.startswith("Blame:")]
    assert blame == ["Blame: 0 none, 1 name and shame: 0.90"], "the levers follow the preset"
    assert _text(rc, "hs-run-name") == ["Baseline: the 2013 regime, 2010s squeeze"]
    naming = rc.find(v.Checkbox, label="Name trusts in special measures publicly").widget
    naming.v_model = False
    _button(rc, "Reset").click()
    assert _text(rc, "hs-run-name") == ["Blame-focused regime (+1 change)"], "Reset starts it"


def test_page_compares_two_regimes_stepping_together(page):
    rc, comp = page
    comp.comparing.set(True)
    names = _text(rc, "hs-run-name")
    assert len(names) == 2 and names[0].startswith("A: ") and names[1].startswith("B: "), names
    assert names[1] == "B: Board-supported regime", "B starts as the other side"
    comp.step_choice.set(12)
    _button(rc, "Step").click()
    a, b = _networks(rc)
    assert a.month == b.month == 12, "B steps with A"
    assert a.nodes != b.nodes, "two regimes, two economies by now"
    (heads,) = _text(rc, "hs-headline")
    # 7 numbers each: special measures and administration are counted apart (issue 13)
    assert heads.count("class='hs-num'") == 14, "numbers for A and B"
    comp.regime_b.set("blame_focused")
    assert _text(rc, "hs-run-name")[1] == "B: Blame-focused regime"
    assert _networks(rc)[1].month == 12, "a new regime B is run up to A's month"


# --------------------------------------------------------------------------------------
# The commands
# --------------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "healthsim", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.e2e
def test_app_rejects_a_bad_scenario_in_one_line_before_serving(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[regime.communication]\nblame_intensity = 7\n")
    r = _cli("app", str(bad), "--port", "1")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "blame_intensity" in r.stderr, r.stderr
    r = _cli("app", "no_such_scenario")
    assert r.returncode == 2 and "no such scenario" in r.stderr


@pytest.mark.e2e
def test_app_says_in_one_line_that_the_port_is_taken_before_any_url():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _cli("app", "--port", str(port))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == "", f"no URL when the port is taken: {r.stdout!r}"
    assert r.stderr.count("\n") == 1 and f"port {port}" in r.stderr, r.stderr
    assert "already" in r.stderr and "--port" in r.stderr, r.stderr


def test_the_server_runs_without_solaras_badge_or_its_samesite_warning():
    import warnings

    from healthsim.commands.app import SAMESITE_WARNING, port_in_use, server_env

    env = server_env("baseline", 13)
    assert env["SOLARA_THEME_SHOW_BANNER"] == "False", "no 'This website runs on Solara'"
    (rule,) = [w for w in env["PYTHONWARNINGS"].split(",") if "samesite" in w]
    action, message, category = rule.split(":")
    assert (action, category) == ("ignore", "UserWarning") and message == SAMESITE_WARNING
    with warnings.catch_warnings(record=True) as caught:  # the rule as Python reads it
        warnings.resetwarnings()
        warnings.filterwarnings(action, message, UserWarning)  # type: ignore[arg-type]
        warnings.warn(f"{SAMESITE_WARNING}, but according to the asgi framework", stacklevel=1)
    assert caught == [], "the filter silences Solara's warning"
    assert not port_in_use("127.0.0.1", 0), "port 0 (any free port) is never taken"


def test_serving_beyond_this_computer_warns():
    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None
    assert "anyone" in (host_warning("0.0.0.0") or "")


@pytest.mark.e2e
def test_animate_writes_a_gif_and_a_poster(tmp_path):
    out = tmp_path / "run.gif"
    r = _cli("animate", "baseline", "--out", str(out), "--years", "1", "--no-mp4")
    assert r.returncode == 0, r.stderr
    from PIL import Image

    with Image.open(out) as gif:
        assert gif.n_frames == 13, "one frame for the start and one a month"
    with Image.open(tmp_path / "run.png") as poster:
        assert poster.size[0] >= 1600, "the poster is big enough to print"
    assert _cli("animate", "baseline", "--out", str(tmp_path / "x.mp4")).returncode == 2


def test_the_mesa_scenario_rebuilds_the_same_economy_overrides_included():
    """SolaraViz rebuilds a model from ``model.scenario``: the economy, its overrides
    and its seed come back."""
    need_app()
    from healthsim.app.model import WorkshopEconomy

    a = WorkshopEconomy("baseline", rng=3, years=2, regime__communication__naming=False)
    b = WorkshopEconomy(a.scenario)
    assert (b.months, b.seed) == (24, 3), "the run length override and the seed come back"
    assert b.p == a.p, "the same scenario, overrides applied"


def test_lever_help_speaks_the_rooms_language():
    """No claim codes ("(C2)") and no "the article" in what the room reads."""
    import re

    from healthsim.app.levers import LEVERS

    for lever in LEVERS:
        assert not re.search(r"\(C\d", lever.help), (lever.key, lever.help)
        assert "article" not in lever.help.lower(), (lever.key, lever.help)
    assert any("critics of the regime warned" in lv.help for lv in LEVERS)


def test_animate_shows_progress_off_a_terminal_and_says_why_no_mp4(tmp_path):
    """Run from a log or a notebook, animate prints a line each tenth of the run, and
    says in one line that no MP4 was written when ffmpeg is missing."""
    import os
    import shutil

    env_path = os.environ.get("PATH", "")
    if shutil.which("ffmpeg"):
        # a PATH without ffmpeg: only this interpreter's folder
        env_path = os.path.dirname(sys.executable)
    r = subprocess.run(
        [
            *(sys.executable, "-m", "healthsim", "animate", "baseline", "--years", "1"),
            *("--out", str(tmp_path / "a.gif")),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": env_path},
    )
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    months = [x for x in lines if x.startswith("healthsim animate: month")]
    assert 8 <= len(months) <= 11 and months[-1].endswith("month 12 of 12"), lines
    assert "\r" not in r.stderr
    assert sum("no MP4 written: ffmpeg is not installed" in x for x in lines) == 1
