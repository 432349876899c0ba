"""Bad input: one line naming the file and the key, exit status 2, no traceback, no output.

Every case runs ``healthsim run`` in an empty working folder through
``healthsim.cli.main`` and checks that stderr is exactly one ``healthsim: error:`` line
naming what is wrong, and that nothing was written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from healthsim.cli import main

NETWORKS = Path(__file__).parent / "data" / "networks"


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """An empty working folder, like a user's."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def one_error(args: list[str], capsys, folder: Path) -> str:
    """Run the CLI, check exit 2 with one error line and no output; return the line."""
    before = sorted(p.name for p in folder.iterdir())
    code = main(args)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, f"bad input should exit with status 2, got {code}; stderr: {captured.err}"
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {captured.err}"
    assert lines[0].startswith("healthsim: error: "), f"unexpected error line: {lines[0]}"
    assert "Traceback" not in captured.err, "no traceback for bad input"
    assert len(lines[0]) <= 300, f"the error line should be short, got {len(lines[0])} chars"
    assert captured.out == "", f"nothing on stdout for bad input, got: {captured.out}"
    after = sorted(p.name for p in folder.iterdir())
    assert after == before, f"bad input must write nothing; new: {set(after) - set(before)}"
    return lines[0]


def assert_names(line: str, *parts: str) -> None:
    for part in parts:
        assert part in line, f"the error should name {part!r}: {line}"


# --------------------------------------------------------------------------------------
# Scenario files
# --------------------------------------------------------------------------------------

SCENARIO_CASES = {
    "wrong type": ('extends = "baseline"\nyears = "ten"\n', "years", "whole number"),
    "unknown key": (
        'extends = "baseline"\n[regime.communication]\nblame_intensty = 0.5\n',
        "regime.communication.blame_intensty",
        "did you mean 'blame_intensity'",
    ),
    "unknown section": (
        'extends = "baseline"\n[regim]\nname = "x"\n',
        "regim",
        "did you mean 'regime'",
    ),
    "out of range": (
        'extends = "baseline"\n[regime.communication]\nblame_intensity = 1.5\n',
        "regime.communication.blame_intensity",
        "at most 1",
    ),
    "value for a table": (
        'extends = "baseline"\n[regime]\nimprovement = 3\n',
        "regime.improvement",
        "table",
    ),
    "not one of the choices": (
        'extends = "baseline"\n[regime.improvement]\nmodel = "magic"\n',
        "regime.improvement.model",
        "'buddy'",
    ),
    "missing extends target": ('extends = "nothere.toml"\n', "extends", "nothere.toml"),
    "malformed TOML": ('extends = "baseline"\nyears = \n', "years", "line 2"),
}


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_bad_scenario_file(case, workdir, capsys):
    text, key, problem = SCENARIO_CASES[case]
    path = write(workdir, "variant.toml", text)
    line = one_error(["run", str(path), "--years", "1"], capsys, workdir)
    assert_names(line, "variant.toml", key, problem)


def test_extends_cycle(workdir, capsys):
    write(workdir, "a.toml", 'extends = "b.toml"\n')
    write(workdir, "b.toml", 'extends = "a.toml"\n')
    line = one_error(["run", "a.toml"], capsys, workdir)
    assert_names(line, "extends", "cycle", "a.toml -> b.toml")


def test_error_in_the_file_extended_names_that_file(workdir, capsys):
    write(workdir, "parent.toml", 'extends = "baseline"\nyears = -1\n')
    write(workdir, "child.toml", 'extends = "parent.toml"\n')
    line = one_error(["check", "child.toml"], capsys, workdir)
    assert_names(line, "years", "at least 1")


def test_missing_scenario_file(workdir, capsys):
    line = one_error(["run", "no_such_scenario.toml"], capsys, workdir)
    assert_names(line, "no_such_scenario.toml", "no such scenario")


def test_misspelt_shipped_scenario_suggests_the_right_one(workdir, capsys):
    line = one_error(["run", "blame_focussed"], capsys, workdir)
    assert_names(line, "blame_focussed", "did you mean", "blame_focused")


# --------------------------------------------------------------------------------------
# Network files
# --------------------------------------------------------------------------------------

NETWORK_CASES = {
    "missing file": ("no_such_network.csv", "not found"),
    "wrong CSV columns": ("wrong_columns.csv", "'source' and 'target'"),
    "non-numeric CSV weight": ("bad_weight.csv", "line 3"),
    "negative CSV weight": ("negative_weight.csv", "> 0"),
    "empty CSV target": ("empty_target.csv", "empty source or target"),
    "CSV not UTF-8": ("not_utf8.csv", "UTF-8"),
    "malformed GraphML": ("malformed.graphml", "malformed GraphML"),
    "non-numeric GraphML weight": ("bad_weight.graphml", "non-numeric weight"),
    "GraphML without links": ("no_links.graphml", "no links"),
    "unsupported file type": ("wrong_type.xlsx", "unsupported network file type"),
}


@pytest.mark.parametrize("case", list(NETWORK_CASES))
def test_bad_network_file(case, workdir, capsys):
    name, problem = NETWORK_CASES[case]
    path = write(
        workdir,
        "with_network.toml",
        f'extends = "baseline"\n[economy]\nnetwork_file = "{(NETWORKS / name).as_posix()}"\n',
    )
    line = one_error(["run", str(path), "--years", "1"], capsys, workdir)
    assert_names(line, "with_network.toml", "economy.network_file", problem)


def test_network_file_that_is_a_folder(workdir, capsys):
    (workdir / "net.csv").mkdir()
    write(workdir, "s.toml", 'extends = "baseline"\n[economy]\nnetwork_file = "net.csv"\n')
    line = one_error(["run", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", "net.csv")


# --------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------

OPTION_CASES = {
    "--set unknown key": (
        ["--set", "regime.communication.blame_intnsity=0.5"],
        ["--set", "regime.communication.blame_intnsity", "did you mean 'blame_intensity'"],
    ),
    "--set value out of range": (
        ["--set", "regime.communication.blame_intensity=2"],
        ["--set", "regime.communication.blame_intensity", "at most 1", "got 2"],
    ),
    "--set wrong type": (["--set", "years=lots"], ["--set", "years", "whole number"]),
    "--set without =": (["--set", "years"], ["--set", "key.path=value"]),
    "--set into a value": (["--set", "years.total=3"], ["--set", "years", "not a table"]),
    "--set bad key path": (["--set", "regime..name=x"], ["--set", "dotted key path"]),
    "--seed not a number": (["--seed", "abc"], ["--seed", "whole number", "'abc'"]),
    "--seed negative": (["--seed", "-3"], ["--seed", "0 or more"]),
    "--years zero": (["--years", "0"], ["--years", "1 or more"]),
    "--years too long": (["--years", "500"], ["--years", "at most 100"]),
    "unknown option": (["--sed", "3"], ["unrecognized arguments", "--sed"]),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_bad_option(case, workdir, capsys):
    args, parts = OPTION_CASES[case]
    line = one_error(["run", "baseline", *args], capsys, workdir)
    assert_names(line, *parts)


def test_out_that_is_a_file(workdir, capsys):
    write(workdir, "taken", "a file")
    line = one_error(["run", "--years", "1", "--out", "taken"], capsys, workdir)
    assert_names(line, "--out", "taken", "not a folder")
    assert (workdir / "taken").read_text() == "a file", "the file must be left alone"


def test_out_that_holds_other_files(workdir, capsys):
    (workdir / "notes").mkdir()
    write(workdir / "notes", "todo.txt", "mine")
    line = one_error(["run", "--years", "1", "--out", "notes"], capsys, workdir)
    assert_names(line, "--out", "notes", "not healthsim results")
    assert (workdir / "notes" / "todo.txt").read_text() == "mine", "other files are kept"


def test_out_that_is_the_working_folder(workdir, capsys):
    write(workdir, "data.csv", "x")
    line = one_error(["run", "--years", "1", "--out", "."], capsys, workdir)
    assert_names(line, "--out", "working folder")


# --------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------


def test_check_stops_at_the_first_bad_file(workdir, capsys):
    write(workdir, "good.toml", 'extends = "baseline"\nyears = 3\n')
    write(workdir, "bad.toml", 'extends = "baseline"\nyaers = 3\n')
    write(workdir, "never.toml", "this is not toml at all = = =\n")
    code = main(["check", "good.toml", "bad.toml", "never.toml"])
    captured = capsys.readouterr()
    assert code == 2, f"check should exit 2 at a bad file, got {code}"
    assert captured.out.splitlines()[0].startswith("good.toml: ok"), captured.out
    assert "never.toml" not in captured.out + captured.err, "check stops at the first bad file"
    err = captured.err.strip().splitlines()
    assert len(err) == 1, f"one error line, got: {captured.err}"
    assert_names(err[0], "bad.toml", "yaers", "did you mean 'years'")
    assert sorted(p.name for p in workdir.iterdir()) == ["bad.toml", "good.toml", "never.toml"]


# --------------------------------------------------------------------------------------
# Hostile files (issue 15): bad bytes, deep nesting, long chains, long names and values
# --------------------------------------------------------------------------------------


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_scenario_that_is_not_utf8(workdir, capsys):
    write_bytes(workdir, "latin.toml", b'extends = "baseline"\nname = "caf\xe9"\n')
    line = one_error(["check", "latin.toml"], capsys, workdir)
    assert_names(line, "latin.toml", "not a UTF-8 text file", "0xe9", "line 2")


def test_comparison_file_that_is_not_utf8(workdir, capsys):
    write_bytes(workdir, "cmp.toml", b'scenarios = ["baseline", "blame_focused"]\n# \xff\n')
    line = one_error(["compare", "cmp.toml", "--reps", "2", "--out", "o"], capsys, workdir)
    assert_names(line, "cmp.toml", "UTF-8")


def test_analysis_file_that_is_not_utf8(workdir, capsys):
    write_bytes(workdir, "an.toml", b'method = "morris"\n[parameters]\n# \xff\n')
    line = one_error(["sensitivity", "an.toml", "--out", "o"], capsys, workdir)
    assert_names(line, "an.toml", "UTF-8")


@pytest.mark.parametrize(
    "value",
    ["[" * 3000 + "]" * 3000, "{a = " * 3000 + "1" + "}" * 3000, "[" * 40 + "]" * 40],
    ids=["3000 arrays", "3000 inline tables", "40 arrays"],
)
def test_deeply_nested_values(value, workdir, capsys):
    write(workdir, "deep.toml", f'extends = "baseline"\nzz = {value}\n')
    line = one_error(["check", "deep.toml"], capsys, workdir)
    assert_names(line, "deep.toml", "nested too deeply")


def test_deeply_nested_set_value(workdir, capsys):
    line = one_error(["run", "baseline", "--set", "zz=" + "[" * 3000 + "]" * 3000], capsys, workdir)
    assert_names(line, "nested too deeply")


def test_deeply_nested_comparison_file(workdir, capsys):
    write(workdir, "cmp.toml", 'scenarios = ["baseline"]\nzz = ' + "[" * 3000 + "]" * 3000 + "\n")
    line = one_error(["compare", "cmp.toml", "--reps", "2", "--out", "o"], capsys, workdir)
    assert_names(line, "cmp.toml", "nested too deeply")


def test_long_chain_of_extends(workdir, capsys):
    from healthsim.config.loader import MAX_EXTENDS

    n = 1300
    for i in range(n):
        parent = f"c{i + 1}.toml" if i < n - 1 else "baseline"
        write(workdir, f"c{i}.toml", f'extends = "{parent}"\n')
    line = one_error(["check", "c0.toml"], capsys, workdir)
    assert_names(line, "c0.toml", "extends", f"more than {MAX_EXTENDS} files")


def test_chain_of_extends_at_the_limit_loads(workdir):
    from healthsim.config import load_scenario
    from healthsim.config.loader import MAX_EXTENDS

    for i in range(MAX_EXTENDS - 1):
        parent = f"c{i + 1}.toml" if i < MAX_EXTENDS - 2 else "baseline"
        write(workdir, f"c{i}.toml", f'extends = "{parent}"\nyears = {i + 2}\n')
    assert load_scenario(workdir / "c0.toml").years == 2, "the nearest file's value wins"


def test_file_name_too_long(workdir, capsys):
    line = one_error(["check", "a" * 300 + ".toml"], capsys, workdir)
    assert_names(line, "too long")
    write(workdir, "s.toml", f'extends = "{"b" * 300}.toml"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "extends", "too long")


def test_long_file_name_in_network_file(workdir, capsys):
    write(workdir, "s.toml", f'extends = "baseline"\n[economy]\nnetwork_file = "{"n" * 300}.csv"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file")


def test_nul_byte_in_network_file(workdir, capsys):
    write(workdir, "s.toml", 'extends = "baseline"\n[economy]\nnetwork_file = "a\\u0000b.csv"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", "NUL")


@pytest.mark.parametrize(
    "text",
    [
        'extends = "baseline"\nyears = "' + "x" * 1_000_000 + '"\n',
        'extends = "baseline"\n[regime.communication]\nblame_intensity = "' + "9" * 100_000 + '"\n',
        'extends = "baseline"\n' + "k" * 100_000 + " = 1\n",
        'extends = "' + "e" * 100_000 + '"\n',
        'extends = "baseline"\n[regime.improvement]\nmodel = "' + "m" * 100_000 + '"\n',
    ],
    ids=["1 MB in a number", "100 kB number text", "100 kB key", "100 kB extends", "100 kB choice"],
)
def test_long_values_are_quoted_short(text, workdir, capsys):
    write(workdir, "long.toml", text)
    line = one_error(["check", "long.toml"], capsys, workdir)  # checks the line is short
    assert_names(line, "long.toml")


def test_long_value_in_a_comparison_file(workdir, capsys):
    write(workdir, "cmp.toml", 'scenarios = ["baseline"]\nreps = "' + "r" * 100_000 + '"\n')
    line = one_error(["compare", "cmp.toml", "--out", "o"], capsys, workdir)
    assert_names(line, "cmp.toml", "reps")


HOSTILE_NETWORKS = {
    "/dev/null": (None, "/dev/null", "not a file"),
    "binary CSV": ("bin.csv", bytes(range(256)) * 8, "UTF-8"),
    "CSV with NUL bytes": ("nul.csv", b"source,target\na\x00,b\n", "NUL"),
    "infinite CSV weight": ("inf.csv", b"source,target,weight\na,b,inf\n", "> 0"),
    "binary GraphML": ("bin.graphml", b"\x00\x01\x02" + bytes(range(256)) * 8, "malformed"),
    "GraphML beds not a number": (
        "beds.graphml",
        b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        b'<key id="b" for="node" attr.name="beds" attr.type="string"/>'
        b'<graph edgedefault="undirected"><node id="a"><data key="b">lots</data></node>'
        b'<node id="c"/><edge source="a" target="c"/></graph></graphml>',
        "beds",
    ),
    "GraphML entity bomb": (
        "bomb.graphml",
        b'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">'
        b'<node id="x"/><node id="&c;"/><edge source="x" target="&c;"/></graph></graphml>',
        "entities",
    ),
    "GraphML external entity": (
        "ext.graphml",
        b'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">'
        b'<node id="x"/><node id="y"><data key="d">&e;</data></node><edge source="x" target="y"/>'
        b"</graph></graphml>",
        "entities",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_NETWORKS))
def test_hostile_network_file(case, workdir, capsys):
    name, data, problem = HOSTILE_NETWORKS[case]
    if name is None:
        target = data
    else:
        write_bytes(workdir, name, data)
        target = name
    write(workdir, "s.toml", f'extends = "baseline"\n[economy]\nnetwork_file = "{target}"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", problem)


def test_network_file_and_links_together_are_refused(workdir, capsys):
    write(
        workdir,
        "s.toml",
        'extends = "baseline"\n[economy]\nnetwork_file = "missing.csv"\n'
        '[[economy.links]]\nsource = "a"\ntarget = "b"\n',
    )
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", "not both")


def test_resolved_network_scenario_names_no_file_and_reloads(workdir):
    """A loaded network scenario lists the file's links and names no file, so its
    resolved TOML loads again (without the file) to the same scenario."""
    from healthsim.config import load_scenario, scenario_to_toml

    net = (NETWORKS / "small.graphml").as_posix()
    write(workdir, "s.toml", f'extends = "baseline"\n[economy]\nnetwork_file = "{net}"\n')
    sc = load_scenario(workdir / "s.toml")
    assert sc.economy.links, "the file's links are written into the scenario"
    assert sc.economy.network_file is None, "and the file is no longer named"
    write(workdir, "resolved.toml", scenario_to_toml(sc))
    assert load_scenario(workdir / "resolved.toml") == sc


# --------------------------------------------------------------------------------------
# Options of compare and sensitivity: the option is blamed, not the file (issue 13 §5)
# --------------------------------------------------------------------------------------

COMMAND_OPTION_CASES = {
    "compare --reps 0": (
        ["compare", "regimes_under_squeeze", "--reps", "0"],
        ["--reps:", "at least 2", "got 0"],
        ["regimes_under_squeeze.toml"],
    ),
    "compare --seed -1": (
        ["compare", "regimes_under_squeeze", "--seed", "-1"],
        ["--seed:", "got -1"],
        ["regimes_under_squeeze.toml"],
    ),
    "compare --baseline": (
        ["compare", "regimes_under_squeeze", "--baseline", "nobody"],
        ["--baseline:", "'nobody'"],
        ["regimes_under_squeeze.toml"],
    ),
    "sensitivity --n 10": (
        ["sensitivity", "blame_vs_support", "--n", "10", "--dry-run"],
        ["--n:", "power of two", "got 10"],
        ["blame_vs_support.toml", "method.n"],
    ),
    "sensitivity --output": (
        ["sensitivity", "blame_vs_support", "--output", "nosuch", "--dry-run"],
        ["--output:", "'nosuch'"],
        ["blame_vs_support.toml"],
    ),
}


@pytest.mark.parametrize("case", list(COMMAND_OPTION_CASES))
def test_a_bad_option_value_blames_the_option(case, workdir, capsys):
    args, parts, not_named = COMMAND_OPTION_CASES[case]
    line = one_error(args, capsys, workdir)
    assert_names(line, *parts)
    for part in not_named:
        assert part not in line, f"the file holds a good value; blame the option: {line}"


def test_unknown_comparison_lists_the_shipped_ones(workdir, capsys):
    from healthsim.experiments.compare.files import shipped_comparisons

    line = one_error(["compare", "regimes_under_squeez"], capsys, workdir)
    assert "did you mean 'regimes_under_squeeze'" in line
    for name in shipped_comparisons():
        assert name in line, f"the error should list the shipped comparison {name}: {line}"
    line = one_error(["compare", "nothing_like_it"], capsys, workdir)
    assert "healthsim scenarios" in line and "squeeze_severity" in line


@pytest.mark.parametrize(
    ("value", "hint"), [("5", "for 5% write 0.05"), ("30", "for 30% write 0.3")]
)
def test_a_percentage_for_a_share_gets_a_hint(value, hint, workdir, capsys):
    args = ["run", "baseline", "--set", f"squeeze.tariff_efficiency={value}"]
    line = one_error(args, capsys, workdir)
    assert_names(line, "squeeze.tariff_efficiency", "at most 0.5", hint)


def test_no_percentage_hint_where_it_cannot_be_one(workdir, capsys):
    line = one_error(["run", "baseline", "--set", "squeeze.tariff_efficiency=0.9"], capsys, workdir)
    assert "%" not in line


def test_few_futures_are_warned_about(workdir, capsys):
    from healthsim.commands.compare import FEW_REPS, warn_few_reps

    warn_few_reps(3)
    err = capsys.readouterr().err
    assert "3 futures" in err and "too few" in err and err.count("\n") == 1
    warn_few_reps(FEW_REPS)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------------------
# Found by tests/test_fuzz_inputs.py (issue 15): one regression test each
# --------------------------------------------------------------------------------------


def test_whole_number_too_long_to_read(workdir, capsys):
    write(workdir, "s.toml", 'extends = "baseline"\nyears = ' + "9" * 5000 + "\n")
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "years", "more than 4,300 digits", "line 2")
    line = one_error(["run", "baseline", "--set", "years=" + "9" * 5000], capsys, workdir)
    assert_names(line, "--set", "years", "more than 4,300 digits")


def test_long_key_declared_twice_is_quoted_short(workdir, capsys):
    key = "k" * 100_000
    write(workdir, "s.toml", f'extends = "baseline"\n{key} = 1\n{key} = 2\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "malformed TOML")


def test_escaped_long_value_is_quoted_short(workdir, capsys):
    write(workdir, "s.toml", 'extends = "' + "\u202e" * 100_000 + '"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "extends")


def test_unknown_key_lists_few_allowed_keys(workdir, capsys):
    write(workdir, "s.toml", 'extends = "baseline"\n[regime.identification]\nextends = 1\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "regime.identification.extends", "unknown key", "more")


def test_graphml_with_unknown_encoding(workdir, capsys):
    data = (NETWORKS / "small.graphml").read_bytes().replace(b"UTF-8", b"U-TF-8", 1)
    write_bytes(workdir, "net.graphml", data)
    write(workdir, "s.toml", 'extends = "baseline"\n[economy]\nnetwork_file = "net.graphml"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", "malformed GraphML")


def test_graphml_node_with_empty_id_blames_the_network_file(workdir, capsys):
    data = (NETWORKS / "small.graphml").read_bytes().replace(b'"RA1"', b'""')
    write_bytes(workdir, "net.graphml", data)
    write(workdir, "s.toml", 'extends = "baseline"\n[economy]\nnetwork_file = "net.graphml"\n')
    line = one_error(["check", "s.toml"], capsys, workdir)
    assert_names(line, "s.toml", "economy.network_file", "net.graphml", "at least 1 character")
