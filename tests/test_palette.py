"""One truth about every trust (issue 13): one palette, and every output of the same run
counts the trusts in each state alike.

The run: board_supported on seed 13 for five years, which ends with one trust in special
measures and one in administration (the recorded ``in_special_measures`` counts both,
2). The run summary, the ladder figure, the network figure, the app's headline and the
animation's legend and subtitle must all say 1 and 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from healthsim import run
from healthsim.metrics import palette
from healthsim.model import Rating, Rung
from healthsim.reports import view
from healthsim.reports.animate import Frames
from healthsim.reports.figures import ladder_figure
from healthsim.reports.network import network_figure
from healthsim.reports.summary_text import summary_lines
from healthsim.reports.tables import trusts_table

State = palette.State
SM = palette.LADDER[State.special_measures]
ADMIN = palette.LADDER[State.administration]


def test_every_colour_means_one_thing():
    colours = [v.colour.lower() for v in (*palette.LADDER.values(), *palette.RATINGS.values())]
    colours += [palette.BUDDY, palette.COMMISSIONER, palette.SOCIAL_CARE, palette.RING]
    assert len(colours) == len(set(colours)), f"a colour is used twice: {colours}"
    assert palette.RATINGS[Rating.good].colour == palette.GOOD


def test_every_rung_has_a_state_of_its_own():
    for rung in Rung:
        assert State(int(rung)) in palette.LADDER
    assert view.RUNGS[int(Rung.administration)] == (ADMIN.label, ADMIN.colour)
    assert view.RUNGS[int(Rung.special_measures)] != view.RUNGS[int(Rung.administration)]


def test_a_trust_out_of_administration_still_inadequate_has_its_own_state():
    rung = np.array([0, 0, 2, 0, 3, 4])
    rating = np.array([0, 1, 0, 0, 0, 0])
    been = np.array([True, True, True, False, True, True])
    got = palette.states(rung, rating, been)
    after = int(State.failing_after_administration)
    # left administration rated inadequate (on no rung, or a warning): the derived state;
    # rated better, or never in administration, or back in the regime's hands: its rung
    assert got.tolist() == [after, 0, after, 0, 3, 4]


def test_derived_state_follows_each_trusts_history():
    import pandas as pd

    df = pd.DataFrame(
        {
            "trust": ["a"] * 3 + ["b"] * 3,
            "month": [1, 2, 3] * 2,
            "rung": [4, 0, 0, 0, 0, 0],
            "rating": [0, 0, 2, 0, 0, 0],
        }
    ).sample(frac=1, random_state=1)  # row order must not matter
    got = dict(
        zip(zip(df["trust"], df["month"], strict=True), palette.states_of_trusts(df), strict=True)
    )
    after = int(State.failing_after_administration)
    assert [got[("a", m)] for m in (1, 2, 3)] == [4, after, 0]
    assert [got[("b", m)] for m in (1, 2, 3)] == [0, 0, 0]


@pytest.fixture(scope="module")
def result():
    r = run("board_supported", seed=13, years=5)
    last = r.timeseries.iloc[-1]
    assert (last["in_special_measures"], last["in_administration"]) == (2, 1), (
        "the run this test relies on should end with 1 trust in special measures and 1 in "
        "administration; pick another if the model changed"
    )
    return r


def _legend_texts(fig) -> list[str]:
    texts = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    for sub in getattr(fig, "subfigs", []):
        texts += _legend_texts(sub)
    return texts


def test_summary_figures_app_and_gif_agree(result):
    sentence = dict(summary_lines(result))["Special measures"]
    assert "1 trust in special measures and 1 trust in administration or merger" in sentence

    net = _legend_texts(network_figure(result))
    assert f"{SM.label} (1)" in net and f"{ADMIN.label} (1)" in net, net

    ladder = ladder_figure(result)
    assert ADMIN.label in _legend_texts(ladder)
    top = ladder.subfigs[0].axes[0]
    # the stacked bands at the end: one band per state, heights the trusts in it
    ends = {}
    for band in top.collections:
        v = band.get_paths()[0].vertices
        at_end = v[np.isclose(v[:, 0], v[:, 0].max()), 1]
        ends[band.get_label()] = round(float(np.ptp(at_end)), 6)
    assert ends.get(SM.label) == 1 and ends.get(ADMIN.label) == 1, ends

    states = trusts_table(result).query("month == month.max()")["state_name"].tolist()
    assert states.count(SM.name) == 1 and states.count(ADMIN.name) == 1

    model = result.model
    head = view.headline(model)
    assert head["In special measures now"] == "1"
    assert head["In administration now"] == "1"
    fills = [n["fill"] for n in view.network_view(model).nodes if n["kind"] == "trust"]
    assert fills.count(SM.colour) == 1 and fills.count(ADMIN.colour) == 1

    frames = Frames(model)
    frames.draw()
    assert "In special measures: 1" in frames.subtitle.get_text()
    assert "in administration: 1" in frames.subtitle.get_text()
    labels = [t.get_text() for t in frames.fig.legends[0].get_texts()]
    assert [v.label for v in palette.LADDER.values()] == labels[: len(palette.LADDER)]
    patches = frames.fig.legends[0].get_patches()[: len(palette.LADDER)]
    from matplotlib.colors import to_hex

    assert [to_hex(p.get_facecolor()) for p in patches] == [
        v.colour for v in palette.LADDER.values()
    ]
