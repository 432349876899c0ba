"""Fuzz: no scenario or network file a user (or a hostile file) can give makes healthsim
print a traceback (issue 15, "Done when").

Hypothesis mutates the shipped scenarios (``src/healthsim/scenarios/*.toml``) and the
test network files (``tests/data/networks``): values of the wrong type, unknown keys,
deleted keys, garbage and non-UTF-8 bytes, truncation, deep nesting, 100 kB to 1 MB
values; GraphML cut short, with attributes of the wrong type, entity declarations and
external entities; CSV edge lists with garbage fields. Each file goes through the
command line (``healthsim check``, a few ``healthsim run --years 1``), mostly in process
through :func:`healthsim.cli.main`, and a small sample through a real ``python -m
healthsim`` process. Every time:

- no traceback, exit status 0 (accepted) or 2 (bad input);
- on status 2, exactly one line on stderr, ``healthsim: error: ...``, of at most 300
  characters, naming the file at fault.

In process, the command line's last-resort cut of long lines
(:data:`healthsim.cli.MAX_MESSAGE`) is lifted, so a message that is only short because
it was cut also fails. The examples are derandomized (the same every run, so CI is
reproducible) and no example database is kept; ``HEALTHSIM_FUZZ=20`` searches 20 times
as long, on new examples each run.
"""

from __future__ import annotations

import contextlib
import copy
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsim import cli
from healthsim.cli import main
from healthsim.config import shipped_scenarios

SHIPPED = {name: path.read_bytes() for name, path in shipped_scenarios().items()}
#: Shipped scenarios small enough to run a year of in about a second.
SMALL = ["baseline", "blame_focused", "board_supported", "no_regime", "squeeze_severe"]
NETWORKS = Path(__file__).parent / "data" / "networks"
GRAPHML = (NETWORKS / "small.graphml").read_bytes()
CSV = (NETWORKS / "two_economies.csv").read_bytes()

#: Longest error line allowed (issue 15).
MAX_LINE = 300
SCENARIO = "s.toml"
SRC = Path(__file__).resolve().parents[1] / "src"


class Case:
    """A file to try, with how it was made; its repr is short (a failing example may
    hold a megabyte, which Hypothesis would otherwise print whole)."""

    def __init__(self, data: bytes, how: str, refuse: bool = False) -> None:
        self.data, self.how, self.refuse = data, how, refuse

    def __repr__(self) -> str:
        head = self.data[:300]
        more = f" + {len(self.data) - 300:,} more bytes" if len(self.data) > 300 else ""
        return f"Case({self.how}: {head!r}{more})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


#: ``HEALTHSIM_FUZZ=20`` tries 20 times as many examples, new ones each run (a search for
#: new failures by hand); unset, the suite tries the same few every time.
SCALE = int(os.environ.get("HEALTHSIM_FUZZ", "0") or 0)


def fuzz_settings(n: int) -> settings:
    """``n`` examples, the same ones every run, no deadline and no example database."""
    return settings(
        max_examples=n * max(SCALE, 1),
        derandomize=not SCALE,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------

#: Text a user might type where a file or a name is wanted, hostile or not.
NAMES = st.sampled_from(
    [
        "baseline",
        "blame_focused",
        SCENARIO,  # the file itself: a cycle of extends
        "missing.toml",
        "/dev/null",
        "/",
        ".",
        "..",
        "/etc/passwd",
        "net.graphml",
        "n" * 300 + ".csv",
        "a\x00b.csv",
        "~/x.toml",
        "C:\\x.toml",
        "",
    ]
)


def long_text() -> st.SearchStrategy[str]:
    """100 kB to 1 MB of one character (drawn cheaply: the length, not each character)."""
    return st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["x", "9", "é", " ", '"', "\\", "\n", "\u202e"]),
        st.sampled_from([100_000, 300_000, 1_000_000]),
    )


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 2**63 - 1, -(2**63), 10**30]),
    st.floats(),  # nan, inf, -0.0, 5e-324, 1e308 included
    TEXT,
    NAMES,
    st.datetimes(),
    st.dates(),
    st.times(),
    long_text(),
)
KEYS = st.one_of(
    st.sampled_from(
        ["extends", "name", "years", "seed", "network_file", "trusts", "links", "economy"]
    ),
    TEXT,
    st.just("k" * 100_000),
)
VALUES = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=4),
    max_leaves=8,
)


def nested(depth: int, kind: str) -> str:
    """A TOML value nested ``depth`` levels deep."""
    if kind == "array":
        return "[" * depth + "1" + "]" * depth
    if kind == "table":
        return "{a = " * depth + "1" + "}" * depth
    return "[{a = " * depth + "1" + "}]" * depth


DEEP = st.builds(
    nested, st.sampled_from([17, 40, 1_000, 5_000]), st.sampled_from(["array", "table", "mixed"])
)


# --------------------------------------------------------------------------------------
# Mutations of a scenario file
# --------------------------------------------------------------------------------------

Path_ = tuple[Any, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every key path in a parsed TOML document (list items by index)."""
    out: list[Path_] = []
    items: Any = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        out.append((*prefix, k))
        if isinstance(v, dict | list):
            out.extend(paths(v, (*prefix, k)))
    return out


def tables(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """The key paths of every table in a document, the top level first."""
    out = [prefix] if isinstance(node, dict) else []
    items: Any = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        if isinstance(v, dict | list):
            out.extend(tables(v, (*prefix, k)))
    return out


def at(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def structural(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with one to three values replaced, keys added or keys deleted."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["set", "set", "add", "delete"]))
        if op == "add" or not paths(doc):
            table = at(doc, draw(st.sampled_from(tables(doc))))
            table[draw(KEYS)] = draw(VALUES)
            continue
        path = draw(st.sampled_from(paths(doc)))
        parent = at(doc, path[:-1])
        if op == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(VALUES)
    return doc


@st.composite
def byte_level(draw: st.DrawFn, raw: bytes) -> tuple[bytes, str]:
    """(``raw`` with bytes inserted, replaced or cut, or a hostile line added; how)."""
    op = draw(
        st.sampled_from(
            ["insert", "high byte", "truncate", "cut", "deep", "long line", "bom", "garbage"]
        )
    )
    pos = draw(st.integers(0, len(raw)))
    if op == "insert":
        return raw[:pos] + draw(st.binary(min_size=1, max_size=16)) + raw[pos:], f"{op} at {pos}"
    if op == "high byte":  # never UTF-8 on its own
        return raw[:pos] + bytes([draw(st.integers(0x80, 0xFF))]) + raw[pos:], f"{op} at {pos}"
    if op == "truncate":
        return raw[:pos], f"{op} at {pos}"
    if op == "cut":
        return raw[:pos] + raw[pos + draw(st.integers(1, 200)) :], f"{op} at {pos}"
    if op == "deep":
        key = draw(st.sampled_from(["zz", "years", "extends", "economy.links"]))
        return raw + f"\n{key} = {draw(DEEP)}\n".encode(), f"{op} at {pos}"
    if op == "long line":
        line = draw(
            st.sampled_from(
                [
                    "{k} = 1",
                    'years = "{v}"',
                    "years = {d}",
                    'extends = "{v}"',
                    '[regime.improvement]\nmodel = "{v}"',
                    '[economy]\nnetwork_file = "{v}"',
                    "[{k}]",
                ]
            )
        )
        n = draw(st.sampled_from([100_000, 1_000_000]))
        text = line.format(k="k" * n, v="v" * n, d="9" * n)
        return raw + b"\n" + text.encode() + b"\n", f"{op} at {pos}"
    if op == "bom":
        return draw(
            st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
        ) + raw, f"{op} at {pos}"
    return draw(st.binary(max_size=2_000)), "garbage"


@st.composite
def mutated_scenarios(draw: st.DrawFn, names: list[str] | None = None) -> Case:
    """A shipped scenario file, changed structurally, byte by byte, or both."""
    name = draw(st.sampled_from(names or sorted(SHIPPED)))
    raw = SHIPPED[name]
    kind = draw(st.sampled_from(["structural", "bytes", "both"]))
    how = f"{name}.toml, {kind}"
    if kind != "bytes":
        doc = draw(structural(tomllib.loads(raw.decode("utf-8"))))
        raw = tomli_w.dumps(doc).encode("utf-8")
    if kind != "structural":
        raw, op = draw(byte_level(raw))
        how += f" ({op})"
    return Case(raw, how)


# --------------------------------------------------------------------------------------
# Mutations of a network file
# --------------------------------------------------------------------------------------

GRAPHML_HEADER = b'<?xml version="1.0" encoding="UTF-8"?>\n'
DOCTYPES = [
    b'<!DOCTYPE graphml [<!ENTITY e "RA9">]>\n',
    b'<!DOCTYPE graphml [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n',
    b'<!DOCTYPE graphml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>\n',
    b'<!DOCTYPE graphml SYSTEM "http://127.0.0.1:9/graphml.dtd">\n',
    b'<!DOCTYPE graphml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY e "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n',
]
ATTR_VALUES = st.one_of(
    st.sampled_from(
        ["lots", "", "0", "-1", "nan", "inf", "-inf", "1e400", "1e-320", "true", "0x10", "1,5"]
    ),
    TEXT.filter(lambda t: "<" not in t and "&" not in t),
    st.just("9" * 100_000),
)
ATTR_TYPES = st.sampled_from(
    [b"int", b"long", b"float", b"double", b"boolean", b"string", b"complex", b""]
)


@st.composite
def mutated_graphml(draw: st.DrawFn) -> Case:
    """GraphML changed in one way (``refuse``: no reader may accept it)."""
    raw = GRAPHML
    op = draw(
        st.sampled_from(
            ["truncate", "value", "type", "doctype", "insert", "high byte", "ids", "structure"]
        )
    )
    if op == "truncate":
        pos = draw(st.integers(0, raw.rindex(b"</graphml>")))
        return Case(raw[:pos], op, True)
    if op == "value":
        key = draw(st.sampled_from([b"beds", b"weight", b"economy", b"label"]))
        old = {
            b"beds": b">620<",
            b"weight": b">1.0<",
            b"economy": b">East<",
            b"label": b">Hillview Trust<",
        }[key]
        value = draw(ATTR_VALUES).encode()
        return Case(raw.replace(old, b">" + value + b"<", 1), op, False)
    if op == "type":
        key = draw(st.sampled_from([b"beds", b"weight", b"economy"]))
        old = b'attr.name="%s" attr.type="' % key
        start = raw.index(old) + len(old)
        end = raw.index(b'"', start)
        return Case(raw[:start] + draw(ATTR_TYPES) + raw[end:], op, False)
    if op == "doctype":
        body = raw.removeprefix(GRAPHML_HEADER)
        body = body.replace(b">Hillview Trust<", b">&e;<", 1)
        return Case(GRAPHML_HEADER + draw(st.sampled_from(DOCTYPES)) + body, op, True)
    if op == "insert":
        pos = draw(st.integers(0, len(raw)))
        return Case(raw[:pos] + draw(st.binary(min_size=1, max_size=16)) + raw[pos:], op, False)
    if op == "high byte":
        pos = draw(st.integers(len(GRAPHML_HEADER), raw.rindex(b"</graphml>")))
        return Case(raw[:pos] + bytes([draw(st.integers(0x80, 0xFF))]) + raw[pos:], op, True)
    if op == "ids":
        old = draw(st.sampled_from([b'"RA1"', b'"RB2"', b'source="RA2"', b'target="RB1"']))
        new = draw(st.sampled_from([b'""', b'"RA2"', b'"missing"', b'"' + b"n" * 100_000 + b'"']))
        if old.startswith((b"source", b"target")):
            new = old.split(b"=")[0] + b"=" + new
        return Case(raw.replace(old, new), op, False)
    variant = draw(
        st.sampled_from(
            [
                b'<graph edgedefault="directed">',
                b'<graph edgedefault="sideways">',
                b"<graph>",
                b'<graph edgedefault="undirected"><graph id="inner"/>',
                b'<graph edgedefault="undirected"><hyperedge><endpoint node="RA1"/></hyperedge>',
                b'<graph edgedefault="undirected"><node id="RA1"/>',
                b'<graph edgedefault="undirected"><edge source="RA1" target="RA1"/>',
            ]
        )
    )
    return Case(raw.replace(b'<graph edgedefault="undirected">', variant), op, False)


@st.composite
def mutated_csv(draw: st.DrawFn) -> Case:
    """A CSV edge list changed in one way (``refuse``: no reader may accept it)."""
    raw = CSV
    op = draw(st.sampled_from(["truncate", "field", "header", "insert", "high byte", "long"]))
    if op == "truncate":
        return Case(raw[: draw(st.integers(0, len(raw)))], op, False)
    if op == "field":
        old = draw(st.sampled_from([b"0.8", b"north-b", b"south-d"]))
        value = draw(ATTR_VALUES).replace("\r", "").encode("utf-8")
        return Case(raw.replace(old, value, 1), op, False)
    if op == "header":
        new = draw(
            st.sampled_from(
                [b"", b"source", b"from,to,weight", b"SOURCE,Target,WEIGHT", b"source,target,w,x"]
            )
        )
        return Case(raw.replace(b"source,target,weight", new, 1), op, False)
    if op == "insert":
        pos = draw(st.integers(0, len(raw)))
        return Case(raw[:pos] + draw(st.binary(min_size=1, max_size=16)) + raw[pos:], op, False)
    if op == "high byte":
        pos = draw(st.integers(0, len(raw)))
        return Case(raw[:pos] + bytes([draw(st.integers(0x80, 0xFF))]) + raw[pos:], op, True)
    field = draw(st.sampled_from([b'"' + b"q\n" * 50_000 + b'"', b"x" * 1_000_000]))
    return Case(raw + field + b",south-a,1\n", op, False)


NETWORK_NAMES = {"graphml": ["net.graphml", "net.xml"], "csv": ["net.csv", "net.txt"]}


@st.composite
def network_cases(draw: st.DrawFn) -> tuple[str, Case]:
    """(file name, a changed network file)."""
    kind = draw(st.sampled_from(["graphml", "csv"]))
    case = draw(mutated_graphml() if kind == "graphml" else mutated_csv())
    return draw(st.sampled_from(NETWORK_NAMES[kind])), case


# --------------------------------------------------------------------------------------
# Driving the command line
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    """A fresh, empty working folder for one example."""
    with tempfile.TemporaryDirectory(prefix="fuzz") as tmp, contextlib.chdir(tmp):
        yield Path(tmp)


@pytest.fixture
def uncut(monkeypatch) -> None:
    """The command line's last-resort cut of long error lines, lifted."""
    monkeypatch.setattr(cli, "MAX_MESSAGE", 10**9)


def clip(text: str, most: int = 600) -> str:
    return text if len(text) <= most else f"{text[:most]}… ({len(text):,} characters)"


def assert_clean(code: int, out: str, err: str, name: str, must_refuse: bool = False) -> None:
    """Exit 0, or exit 2 with one short ``healthsim: error:`` line naming ``name``."""
    assert "Traceback" not in err + out, f"a traceback: {clip(err)}"
    assert code in (0, 2), f"exit status {code} (0 or 2 expected); stderr: {clip(err)}"
    if must_refuse:
        assert code == 2, f"a broken file was accepted; stdout: {clip(out)}"
    if code == 0:
        return
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr, one expected: {clip(err)}"
    line = lines[0]
    assert line.startswith("healthsim: error: "), f"not an error line: {clip(line)}"
    assert len(line) <= MAX_LINE, f"an error line of {len(line):,} characters: {clip(line)}"
    assert name in line, f"the error line should name {name!r}: {clip(line)}"


def check_in_process(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def network_scenario(net_name: str) -> bytes:
    return f'extends = "baseline"\n[economy]\nnetwork_file = "{net_name}"\n'.encode()


# --------------------------------------------------------------------------------------
# In process: healthsim check
# --------------------------------------------------------------------------------------


@fuzz_settings(400)
@given(case=mutated_scenarios())
def test_mutated_scenario_checks_cleanly(case, capsys, uncut):
    with folder() as tmp:
        (tmp / SCENARIO).write_bytes(case.data)
        code, out, err = check_in_process(capsys, SCENARIO)
    assert_clean(code, out, err, SCENARIO)


@fuzz_settings(300)
@given(net=network_cases())
def test_mutated_network_file_checks_cleanly(net, capsys, uncut):
    net_name, case = net
    with folder() as tmp:
        (tmp / net_name).write_bytes(case.data)
        (tmp / SCENARIO).write_bytes(network_scenario(net_name))
        code, out, err = check_in_process(capsys, SCENARIO)
    assert_clean(code, out, err, SCENARIO, must_refuse=case.refuse)
    if code == 2:
        assert "economy.network_file" in err, f"the error should name the key: {clip(err)}"


# --------------------------------------------------------------------------------------
# In process: healthsim run --years 1 (a few; a run that starts takes about a second)
# --------------------------------------------------------------------------------------


@fuzz_settings(12)
@given(case=mutated_scenarios(SMALL), net=st.none() | network_cases())
def test_mutated_files_run_cleanly(case, net, capsys, uncut):
    with folder() as tmp:
        data = case.data
        if net is not None:
            net_name, net_case = net
            (tmp / net_name).write_bytes(net_case.data)
            data = network_scenario(net_name)
        (tmp / SCENARIO).write_bytes(data)
        code = main(["run", SCENARIO, "--years", "1", "--out", "out"])
        captured = capsys.readouterr()
        assert_clean(code, captured.out, captured.err, SCENARIO)
        if code == 2:
            assert not (tmp / "out").exists(), "bad input writes no results"
        else:
            assert (tmp / "out" / "summary.csv").is_file(), "a run that starts finishes"


# --------------------------------------------------------------------------------------
# A real process: what a user sees (the line as printed, with the command line's cut)
# --------------------------------------------------------------------------------------


def healthsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "healthsim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )


@fuzz_settings(10)
@given(case=mutated_scenarios(), net=st.none() | network_cases())
def test_mutated_files_in_a_real_process(case, net):
    with folder() as tmp:
        data, refuse = case.data, False
        if net is not None:
            net_name, net_case = net
            (tmp / net_name).write_bytes(net_case.data)
            data, refuse = network_scenario(net_name), net_case.refuse
        (tmp / SCENARIO).write_bytes(data)
        done = healthsim("check", SCENARIO, cwd=tmp)
    assert_clean(done.returncode, done.stdout, done.stderr, SCENARIO, must_refuse=refuse)
