"""Sensitivity analysis declarations: every mistake is one clear line before any run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from healthsim.sensitivity import AnalysisError, build_analysis, load_analysis, shipped_analyses
from healthsim.sensitivity.space import Parameter, Space, schema_fields

BASE = {
    "scenario": "baseline",
    "outputs": ["harm_total"],
    "method": {"name": "morris", "n": 4},
    "parameters": {
        "behaviour.fear_toxicity": {"low": 0.0, "high": 1.0},
        "behaviour.blame_deterrence": {"low": 0.0, "high": 2.0},
    },
}


def with_(**changes):
    data = {**BASE, **changes}
    return data


def error_of(data) -> AnalysisError:
    with pytest.raises(AnalysisError) as info:
        build_analysis(data)
    err = info.value
    assert "\n" not in str(err), f"errors must be one line: {err}"
    return err


def test_shipped_analyses_load_and_are_what_the_issue_asks():
    shipped = shipped_analyses()
    assert {"harm_drivers", "blame_vs_support"} <= set(shipped), "both analyses must ship"
    drivers = load_analysis("harm_drivers")
    assert drivers.settings.name == "morris" and len(drivers.space.parameters) == 20
    assert drivers.space.has_groups, "harm_drivers shows a group (the squeeze)"
    kinds = {p.kind for p in drivers.space.parameters}
    assert kinds == {"real", "integer", "categorical"}, "it shows all three kinds of lever"
    contrast = load_analysis("blame_vs_support")
    assert contrast.contrast and contrast.scenario_names == ("blame_focused", "board_supported")
    assert contrast.settings.name == "sobol" and contrast.settings.second_order
    assert contrast.discovery is not None and contrast.discovery.output == "harm_total"


def test_unknown_key_suggests_the_nearest():
    err = error_of(with_(parameters={"behaviour.fear_toxicty": {"low": 0, "high": 1}}))
    assert err.key == "parameters.behaviour.fear_toxicty"
    assert "did you mean 'behaviour.fear_toxicity'" in str(err)
    err = error_of(with_(parameters={"fear_toxicity": {"low": 0, "high": 1}}))
    assert "behaviour.fear_toxicity" in str(err), "a bare field name finds its section"


def test_keys_that_cannot_vary_say_why():
    err = error_of(with_(parameters={"regime.name": {"levels": ["a", "b"]}}))
    assert "cannot be varied" in str(err)
    err = error_of(with_(parameters={"behaviour": {"low": 0, "high": 1}}))
    assert "section" in str(err)


def test_reversed_and_equal_bounds():
    err = error_of(with_(parameters={"behaviour.fear_toxicity": {"low": 0.9, "high": 0.1}}))
    assert "reversed" in str(err) and err.key == "parameters.behaviour.fear_toxicity"
    err = error_of(with_(parameters={"behaviour.fear_toxicity": {"low": 0.5, "high": 0.5}}))
    assert "[fixed]" in str(err)


def test_bounds_outside_the_schema_name_the_limit():
    err = error_of(
        with_(
            parameters={
                "behaviour.blame_deterrence": {"low": 0, "high": 3},
                "behaviour.fear_toxicity": {"low": 0, "high": 1},
            }
        )
    )
    assert err.key == "parameters.behaviour.blame_deterrence.high"
    assert "from 0 to 2" in str(err), str(err)


def test_sizes_the_method_cannot_use():
    err = error_of(with_(method={"name": "sobol", "n": 100}))
    assert err.key == "method.n" and "power of two" in str(err) and "64 or 128" in str(err)
    err = error_of(with_(method={"name": "fast", "n": 64}))
    assert "more than 64" in str(err)
    err = error_of(with_(method={"name": "morris", "n": 1}))
    assert "at least 2 trajectories" in str(err)
    err = error_of(with_(method={"name": "pawn", "n": 50}))
    assert "at least 100" in str(err)
    grouped = {
        "behaviour.fear_toxicity": {"low": 0, "high": 1, "group": "fear"},
        "behaviour.fear_turnover": {"low": 0, "high": 1, "group": "fear"},
        "behaviour.blame_deterrence": {"low": 0, "high": 1},
    }
    err = error_of(with_(method={"name": "fast", "n": 129}, parameters=grouped))
    assert "groups" in str(err)
    err = error_of(with_(parameters={"behaviour.fear_toxicity": {"low": 0, "high": 1}}))
    assert "at least two factors" in str(err)


def test_outputs_kinds_and_levels():
    err = error_of(with_(outputs=["harm_totl"]))
    assert "did you mean 'harm_total'" in str(err)
    err = error_of(
        with_(parameters={**BASE["parameters"], "behaviour.disruption_months": [2.5, 9]})
    )
    assert "whole" in str(err)
    err = error_of(
        with_(parameters={**BASE["parameters"], "regime.improvement.model": ["buddy", "peers"]})
    )
    assert "'peers'" in str(err) or '"peers"' in str(err)
    assert "consultancy" in str(err), "the allowed levels are listed"
    err = error_of(with_(parameters={**BASE["parameters"], "regime.ladder.enabled": [0, 1]}))
    assert "choice" in str(err)


def test_contrast_refuses_to_vary_a_lever_the_regimes_set_differently():
    data = {
        "contrast": {"a": "blame_focused", "b": "board_supported"},
        "method": {"name": "morris", "n": 4},
        "parameters": {
            "regime.communication.blame_intensity": {"low": 0, "high": 1},
            "behaviour.fear_toxicity": {"low": 0, "high": 1},
        },
    }
    err = error_of(data)
    assert "applies_to" in str(err) and "0.9 and 0.1" in str(err)
    data["parameters"]["regime.communication.blame_intensity"]["applies_to"] = ["blame_focused"]
    a = build_analysis(data)
    assert a.space.parameters[0].applies_to == (0,)
    over = a.space.overrides(np.array([[0.3, 0.2]]), 2)[0]
    assert dict(over[0]) == {
        "regime.communication.blame_intensity": 0.3,
        "behaviour.fear_toxicity": 0.2,
    }
    assert dict(over[1]) == {"behaviour.fear_toxicity": 0.2}, "b keeps its own blame"


def test_unknown_table_keys_and_fixed_values():
    err = error_of(with_(replicate=3))
    assert "did you mean 'replicates'" in str(err)
    err = error_of(with_(fixed={"behaviour.fear_toxicity": 0.2}))
    assert "vary it or fix it" in str(err)
    err = error_of(with_(fixed={"behaviour.nonsense": 1}))
    assert err.key == "fixed.behaviour.nonsense"
    a = build_analysis(with_(fixed={"economy": {"trusts_per_economy": 4}}, years=2))
    assert all(sc.economy.trusts_per_economy == 4 and sc.years == 2 for sc in a.scenarios)


def test_integer_and_categorical_levers_are_decoded_honestly():
    ints = Parameter("behaviour.disruption_months", "integer", 3, 6)
    x = np.linspace(*ints.salib_bounds, 10001)[:-1]
    values, counts = np.unique(ints.decode(x), return_counts=True)
    assert list(values) == [3, 4, 5, 6], "every whole number from low to high"
    assert counts.max() - counts.min() <= 1, "each whole number equally likely"
    assert ints.decode(np.array([ints.salib_bounds[1]]))[0] == 6, "the top edge stays in range"
    cat = Parameter("regime.improvement.model", "categorical", 0, 2, levels=("a", "b", "c"))
    assert list(cat.decode(np.array([0.0, 1.2, 2.99, 3.0]))) == ["a", "b", "c", "c"]


def test_schema_walk_finds_every_sweepable_value():
    fields = schema_fields()
    assert fields["behaviour.fear_toxicity"].upper == 1.0
    assert fields["regime.improvement.model"].kind == "categorical"
    assert fields["regime.ladder.enabled"].levels == (False, True)
    assert fields["behaviour.disruption_months"].kind == "integer"
    assert "regime.name" not in fields and "economy.trusts" not in fields
    assert Space((Parameter("a", "real", 0, 1), Parameter("b", "real", 0, 1))).factors == ["a", "b"]


def test_cli_error_is_one_line_naming_file_and_key(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        textwrap.dedent(
            """
            scenario = "baseline"
            outputs = ["harm_total"]
            [method]
            name = "sobol"
            n = 100
            [parameters]
            "behaviour.fear_toxicity" = { low = 0.0, high = 1.0 }
            "behaviour.blame_deterrence" = { low = 0.0, high = 2.0 }
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "healthsim", "sensitivity", str(f), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"one line, got: {proc.stderr}"
    assert str(f) in lines[0] and "method.n" in lines[0] and "power of two" in lines[0]
    assert not (tmp_path / "o").exists(), "nothing is written when the declaration is bad"


def test_the_example_in_the_docs_is_a_valid_analysis(tmp_path):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "sensitivity.md").read_text()
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    f = tmp_path / "example.toml"
    f.write_text(block)
    a = load_analysis(f)
    assert a.settings.name == "sobol" and a.settings.n == 256
    kinds = {p.key: p.kind for p in a.space.parameters}
    assert kinds["behaviour.disruption_months"] == "integer"
    assert kinds["regime.improvement.model"] == "categorical"
    assert a.space.factors[-1] == "squeeze", "a group is one factor"
    assert all(sc.economy.trusts_per_economy == 5 for sc in a.scenarios)
