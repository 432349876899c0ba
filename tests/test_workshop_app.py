"""The workshop app's pieces without a browser: levers from the schema, what the views
show, sessions stepping two regimes together, and the ``app``/``animate`` commands."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from healthsim.app import levers, view
from healthsim.app.session import RunSettings, Session, load_presets
from healthsim.commands.app import host_warning
from healthsim.config.schema import Regime, Squeeze
from healthsim.model.economy import HealthEconomy


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
    m = HealthEconomy("baseline", rng=1)
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
    m = HealthEconomy("blame_focused", rng=1).run(60)
    items = view.feed(m, routine=True)
    assert items, "five years should bring inspections"
    line = view.feed_line(items[-1])
    assert line.startswith("Month ") and "(" in line and " — " in line, line
    assert [i.month for i in items] == sorted((i.month for i in items), reverse=True)


def test_session_compares_two_regimes_on_the_same_luck(presets):
    s = Session(presets, "blame_focused", seed=3)
    s.set_compare(True)
    assert s.runs[1].preset == "board_supported", "a comparison starts with the other side"
    s.step(12)
    a, b = s.models
    assert a.steps == b.steps == 12, "both runs step together"
    assert np.array_equal(a.draws.shock_u, b.draws.shock_u), "same seed, same luck"
    assert s.name(0).startswith("A: ") and s.name(1).startswith("B: ")


def test_a_lever_moved_mid_run_waits_for_reset(presets):
    s = Session(presets, "baseline", seed=1)
    s.step(12)
    key = "squeeze.real_funding_growth"
    s.set_run(0, s.runs[0].with_change(key, 0.1, 0.01))
    assert s.pending and s.month == 12, "the running model is not changed under the room"
    s.reset()
    assert not s.pending and s.month == 0
    assert s.models[0].p.squeeze.real_funding_growth == 0.1
    back = s.runs[0].with_change(key, 0.01, 0.01)
    assert back == RunSettings("baseline"), "moving a lever back to the preset undoes it"


def test_presets_start_with_the_given_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('extends = "baseline"\nname = "mine"\n')
    p = load_presets(f)
    first = next(iter(p.values()))
    assert first.scenario.name == "mine" and "(your file)" in first.title


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
