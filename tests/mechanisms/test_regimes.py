"""Regimes: no winner is decided by the code. A regime is only its levers, and the
shipped contrast between the blame-focused and the board-supported regimes shows in
the metrics for the reasons the mechanisms give (C5)."""

from __future__ import annotations

import pandas as pd
import pytest

from healthsim import run

pytestmark = pytest.mark.mechanism


def test_a_regime_is_only_its_levers_not_its_name():
    a = run("blame_focused", seed=8, years=2)
    b = run(
        "blame_focused",
        seed=8,
        years=2,
        overrides={"regime.name": "board_supported", "name": "anything"},
    )
    pd.testing.assert_frame_equal(
        a.timeseries, b.timeseries, check_exact=True, obj="the same levers under another name"
    )


def test_blame_and_support_presets_differ_for_reasons_the_metrics_show(regime_pair):
    """The shipped contrast: on the same seeds the blame-focused regime carries more fear,
    less reporting and more hidden harm than the board-supported one (C5) - read from
    the metrics, not decided by the code."""
    blame, support = regime_pair
    for seed in (1, 2, 3):
        a, b = run(blame, seed=seed, years=3), run(support, seed=seed, years=3)
        assert a.summary["fear_mean"] > b.summary["fear_mean"], (
            f"seed {seed}: blame-focused should carry more fear than board-supported"
        )
        assert a.summary["openness_mean"] < b.summary["openness_mean"], (
            f"seed {seed}: blame-focused should see less reporting than board-supported"
        )
        assert a.summary["hidden_harm_share"] > b.summary["hidden_harm_share"], (
            f"seed {seed}: blame-focused should hide a larger share of harm"
        )
