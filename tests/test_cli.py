"""The ``healthsim`` command line end to end: run, check, scenarios, options, and the
console entry point through a real subprocess."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from healthsim import __version__
from healthsim.cli import main
from healthsim.commands._common import DEFAULT_SEED
from healthsim.config import shipped_scenarios

NETWORKS = Path(__file__).parent / "data" / "networks"
OUTPUTS = {
    "report.md",
    "scenario.resolved.toml",
    "timeseries.csv",
    "trusts.csv",
    "summary.csv",
    "events.csv",
    "quality_and_harm.png",
    "ladder_and_ratings.png",
    "finances.png",
    "network.png",
}
TOPICS = ("Quality", "Harm", "Special measures", "Finances", "Boards")


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ok(args: list[str], capsys) -> str:
    """Run the CLI expecting success; return stdout."""
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, f"healthsim {' '.join(args)} failed ({code}): {captured.err}"
    assert captured.err == "", f"nothing on stderr for a good run, got: {captured.err}"
    return captured.out


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_run_writes_the_default_folder_and_tells_the_story(workdir, capsys):
    out = ok(["run", "--years", "2"], capsys)
    folder = workdir / "results" / f"baseline-{DEFAULT_SEED}"
    assert files(folder) == OUTPUTS, f"expected {sorted(OUTPUTS)} in {folder}"
    for topic in TOPICS:
        assert f"  {topic}" in out, f"the terminal summary should cover {topic}: {out}"
    assert "hidden" in out or "never reported" in out, "it should say how much harm was hidden"
    assert f"results/baseline-{DEFAULT_SEED}" in out, f"it should say where the outputs went: {out}"
    assert "2 years (2013/14 to 2014/15)" in out, f"it should say what ran: {out}"


@pytest.mark.e2e
def test_shipped_scenario_by_name_from_any_folder(workdir, capsys):
    ok(["run", "blame_focused", "--seed", "7", "--years", "2", "--out", "out/blame"], capsys)
    folder = workdir / "out" / "blame"
    assert files(folder) == OUTPUTS, f"expected every output in {folder}"
    resolved = tomllib.loads((folder / "scenario.resolved.toml").read_text())
    assert resolved["name"] == "blame_focused", "the shipped blame_focused scenario should run"
    assert resolved["years"] == 2, "--years should reach the resolved scenario"


@pytest.mark.e2e
def test_set_changes_values_and_is_recorded(workdir, capsys):
    ok(
        [
            "run",
            "--years",
            "1",
            "--out",
            "o",
            "--set",
            "regime.improvement.model=consultancy",
            "--set",
            "regime.communication.blame_intensity=0.85",
        ],
        capsys,
    )
    text = (workdir / "o" / "scenario.resolved.toml").read_text()
    resolved = tomllib.loads(text)
    assert resolved["regime"]["improvement"]["model"] == "consultancy", "bare words are text"
    assert resolved["regime"]["communication"]["blame_intensity"] == 0.85, "numbers are numbers"
    command = next(line for line in text.splitlines() if line.startswith("# Written by"))
    assert "--set" in command and "blame_intensity=0.85" in command, command


@pytest.mark.e2e
def test_same_seed_same_folder_contents_different_seed_differs(workdir, capsys):
    for out, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        ok(["run", "--years", "2", "--seed", seed, "--out", out], capsys)
    a, b, c = (pd.read_csv(workdir / d / "timeseries.csv") for d in "abc")
    pd.testing.assert_frame_equal(a, b, obj="timeseries of two runs on seed 3")
    assert not a.equals(c), "seeds 3 and 4 should give different runs"


@pytest.mark.e2e
def test_rerun_replaces_an_earlier_result(workdir, capsys):
    ok(["run", "--years", "1", "--out", "r", "--seed", "1"], capsys)
    ok(["run", "--years", "2", "--out", "r", "--seed", "1"], capsys)
    ts = pd.read_csv(workdir / "r" / "timeseries.csv")
    assert len(ts) == 24, "the second run's results should replace the first's"


@pytest.mark.e2e
def test_disclaimer_is_printed(workdir, capsys):
    note = "Simulated trusts, not forecasts."
    out = ok(["run", "--years", "1", "--out", "d", "--set", f'economy.disclaimer="{note}"'], capsys)
    assert note in out, f"the scenario's disclaimer should be printed: {out}"


@pytest.mark.e2e
@pytest.mark.parametrize("network", ["small.graphml", "two_economies.csv"])
def test_run_on_a_users_network_file(network, workdir, capsys):
    (workdir / "mine.toml").write_text(
        f'extends = "baseline"\nname = "mine"\n'
        f'[economy]\nnetwork_file = "{(NETWORKS / network).as_posix()}"\n'
    )
    ok(["run", "mine.toml", "--years", "1"], capsys)
    trusts = pd.read_csv(workdir / "results" / f"mine-{DEFAULT_SEED}" / "trusts.csv")
    expected = 5 if network == "small.graphml" else 7
    assert trusts["trust"].nunique() == expected, f"{network} has {expected} trusts"
    assert (workdir / "results" / f"mine-{DEFAULT_SEED}" / "network.png").is_file(), (
        "network figure drawn"
    )


def test_a_bare_healthsim_prints_the_help_and_runs_nothing(workdir, capsys):
    status = main([])
    out = capsys.readouterr().out
    assert status == 2, "no command is a usage error (argparse's status 2)"
    assert out.startswith("usage: healthsim") and "compare" in out and "run" in out, out
    assert not any(workdir.iterdir()), "nothing is run or written"


# --------------------------------------------------------------------------------------
# one name for one idea across commands; the old names are deprecated aliases
# --------------------------------------------------------------------------------------


def parse(argv: list[str]):
    from healthsim.cli import build_parser

    return build_parser().parse_args(argv)


@pytest.mark.parametrize("command", ["compare", "sensitivity", "calibrate"])
def test_replicates_seed_and_quiet_have_one_name_in_every_command(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    for flag in ("--reps", "--seed ", "--quiet"):
        assert flag in text, f"healthsim {command} should have {flag.strip()}"
    for old in ("--seeds", "--master-seed", "--no-progress"):
        assert old not in text, f"{old} is a hidden alias, not in the help"


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["calibrate", "--check", "--seeds", "3"], "reps", 3),
        (["calibrate", "--fit", "--seeds-per-point", "2"], "reps", 2),
        (["calibrate", "--check", "--master-seed", "7"], "seed", 7),
        (["sensitivity", "harm_drivers", "--no-progress"], "quiet", True),
    ],
)
def test_old_option_names_still_work_and_warn(argv, dest, value, capsys):
    args = parse(argv)
    assert getattr(args, dest) == value, f"{argv[2:]} should set {dest}"
    warning = capsys.readouterr().err
    assert "deprecated" in warning and argv[-1 if dest == "quiet" else -2] in warning, warning


def test_new_option_names_set_the_same_values_without_a_warning(capsys):
    args = parse(["calibrate", "--check", "--reps", "3", "--seed", "7"])
    assert (args.reps, args.seed) == (3, 7)
    assert parse(["sensitivity", "harm_drivers", "--quiet"]).quiet
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["calibrate", "--fit", "--seeds", "3"], "--seeds goes with --check"),
        (["calibrate", "--check", "--seeds-per-point", "3"], "--seeds-per-point goes with --fit"),
        (["calibrate", "--check", "--budget", "30"], "--budget goes with --fit"),
        (["calibrate", "--check", "--reps", "1"], "--reps: must be 2 or more with --check"),
    ],
)
def test_calibrate_refuses_an_option_of_the_other_mode(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0, "--version exits cleanly"
    assert __version__ in capsys.readouterr().out, "and prints the version"


# --------------------------------------------------------------------------------------
# check and scenarios
# --------------------------------------------------------------------------------------


def test_check_prints_ok_per_file_and_runs_nothing(workdir, capsys):
    (workdir / "variant.toml").write_text('extends = "board_supported"\nyears = 4\n')
    out = ok(["check", "variant.toml", "england"], capsys)
    lines = out.splitlines()
    assert lines[0].startswith("variant.toml: ok"), out
    assert "4 years" in lines[0], f"check should describe what the file resolves to: {out}"
    assert lines[1].startswith("england: ok"), out
    assert sorted(p.name for p in workdir.iterdir()) == ["variant.toml"], "check writes nothing"


def test_scenarios_lists_every_shipped_scenario_with_its_description(capsys):
    out = ok(["scenarios"], capsys)
    for name in shipped_scenarios():
        line = next((x for x in out.splitlines() if x.split(" ")[0] == name), None)
        assert line is not None, f"{name} should be listed: {out}"
        assert len(line.split(None, 1)) == 2, f"{name} should have a description: {line!r}"


# --------------------------------------------------------------------------------------
# Through a real process, as a user runs it
# --------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_python_dash_m_runs_a_scenario(tmp_path):
    args = ["run", "board_supported", "--seed", "2", "--years", "2", "--out", "x"]
    proc = subprocess.run(
        [sys.executable, "-m", "healthsim", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"python -m healthsim failed: {proc.stderr}"
    assert files(tmp_path / "x") == OUTPUTS, "every output should be written"
    assert "Results written to x/" in proc.stdout, proc.stdout


@pytest.mark.e2e
def test_python_dash_m_bad_input_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "healthsim", "run", "--seed", "abc"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, f"bad --seed should exit 2, got {proc.returncode}"
    assert lines == [lines[0]] and lines[0].startswith("healthsim: error: --seed"), proc.stderr
    assert list(tmp_path.iterdir()) == [], "and write nothing"


# --------------------------------------------------------------------------------------
# The README's commands and walk-through stay true
# --------------------------------------------------------------------------------------

README = Path(__file__).parents[1] / "README.md"


def test_readme_gives_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    for command in (
        "./install.sh && .venv/bin/healthsim run",
        "./install.sh --dev && .venv/bin/python -m pytest",
    ):
        assert f"\n{command}\n" in text, f"README should give the command {command!r}"


def test_readme_walkthrough_variant_is_valid(workdir, capsys):
    text = README.read_text(encoding="utf-8")
    start = text.index("```toml\n# my_variant.toml") + len("```toml\n")
    (workdir / "my_variant.toml").write_text(text[start : text.index("```", start)])
    out = ok(["check", "my_variant.toml"], capsys)
    expected = next(line for line in text.splitlines() if line.startswith("# my_variant.toml: ok"))
    assert out.strip() == expected.removeprefix("# "), "README shows what check prints"
