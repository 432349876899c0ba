"""The generated scenario docs: current, complete, and a JSON Schema that editors can use.

The JSON Schema is checked with the ``jsonschema`` package, an implementation
independent of pydantic: validating it with pydantic would only test pydantic against
itself, while editors read the published file. It must accept every shipped scenario
(each file as written, merged along its ``extends`` chain, and fully resolved) and reject
what healthsim rejects, under both the 2020-12 dialect it declares and draft 7 (what
Taplo, the engine of VS Code's Even Better TOML, implements).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from healthsim import cli
from healthsim.config import ScenarioError, load_scenario, shipped_scenarios
from healthsim.config import docs as gen
from healthsim.config.loader import _raw_with_extends

DOCS = Path(__file__).resolve().parents[1] / "docs"
VALIDATORS = (Draft202012Validator, Draft7Validator)


@pytest.fixture(scope="module")
def schema() -> dict:
    return gen.json_schema()


@pytest.fixture(scope="module")
def reference() -> str:
    return gen.reference_markdown()


# -- the committed files cannot drift ---------------------------------------------------


GENERATED = [
    gen.REFERENCE_FILE,
    gen.SCHEMA_FILE,
    gen.COMPARISON_SCHEMA_FILE,
    gen.ANALYSIS_SCHEMA_FILE,
    gen.ODD_FILE,
]


@pytest.mark.parametrize("name", GENERATED)
def test_committed_docs_are_current(name: str) -> None:
    path = DOCS / name
    assert path.is_file(), f"docs/{name} is missing: run `{gen.REGENERATE}`"
    committed = path.read_text(encoding="utf-8").splitlines()
    expected = gen.generated(DOCS)[name].splitlines()
    first = next(
        (i for i, (a, b) in enumerate(zip(committed, expected, strict=False)) if a != b),
        min(len(committed), len(expected)),
    )
    current = committed == expected
    assert current, (
        f"docs/{name} differs from what the schema, the shipped scenarios and the "
        "mechanisms' docstrings generate "
        f"(first at line {first + 1}): run `{gen.REGENERATE}` and commit the result"
    )


def test_check_mode_passes_when_current_and_fails_on_drift(tmp_path: Path) -> None:
    assert gen.main(["--docs", str(tmp_path), "--check"]) == 1, (
        "--check should fail when the files are missing"
    )
    assert gen.main(["--docs", str(tmp_path)]) == 0
    assert gen.main(["--docs", str(tmp_path), "--check"]) == 0, (
        "--check should pass right after generating"
    )
    ref = tmp_path / gen.REFERENCE_FILE
    ref.write_text(ref.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert gen.main(["--docs", str(tmp_path), "--check"]) == 1, (
        "--check should fail when a generated file was edited"
    )
    assert gen.write_docs(tmp_path) == [ref], "regenerating should rewrite only the edited file"


# -- the JSON Schema ---------------------------------------------------------------------


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
def test_json_schema_is_a_valid_schema(schema: dict, validator) -> None:
    validator.check_schema(schema)
    assert schema["$schema"] == gen.JSON_SCHEMA_DIALECT
    assert schema["$id"] and schema["title"], "the schema needs an id and a title"


def test_json_schema_text_round_trips(schema: dict) -> None:
    assert json.loads(gen.json_schema_text()) == schema


def _errors(schema: dict, data: dict, validator=Draft202012Validator) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator(schema).iter_errors(data)
    ]


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_json_schema_accepts_every_shipped_scenario(schema: dict, name: str, validator) -> None:
    path = shipped_scenarios()[name]
    as_written = _read(path)
    merged, _ = _raw_with_extends(path)
    resolved = load_scenario(name).model_dump(mode="json", exclude_none=True)
    for label, data in (("as written", as_written), ("merged", merged), ("resolved", resolved)):
        errors = _errors(schema, data, validator)
        assert not errors, f"{name} ({label}) fails the JSON Schema: {errors}"


BAD_VALUES = [
    ("unknown top-level key", {"yeers": 3}),
    ("unknown key in a section", {"regime": {"communication": {"blame": 0.5}}}),
    ("above its range", {"regime": {"communication": {"blame_intensity": 1.5}}}),
    ("below its range", {"economy": {"beds_mean": 0}}),
    ("not one of the choices", {"regime": {"improvement": {"model": "buddi"}}}),
    ("wrong type", {"regime": {"ladder": {"enabled": "yes please"}}}),
    ("a year override out of range", {"squeeze": {"years": [{"year": 1, "demand_growth": 2}]}}),
    ("a year override without its year", {"squeeze": {"years": [{"demand_growth": 0.01}]}}),
    ("a trust without an id", {"economy": {"trusts": [{"economy": "E1"}]}}),
]


@pytest.mark.parametrize(("what", "data"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_json_schema_rejects_what_healthsim_rejects(schema: dict, what: str, data: dict) -> None:
    from healthsim.config import validate

    for validator in VALIDATORS:
        assert _errors(schema, data, validator), f"{validator.__name__} accepted {what}"
    with pytest.raises(ScenarioError):
        validate(data)


# -- the JSON Schemas of comparison and analysis files ----------------------------------

FILE_SCHEMAS = {
    "comparison": gen.comparison_json_schema,
    "analysis": gen.analysis_json_schema,
}


def _shipped_files(kind: str) -> list[Path]:
    from healthsim.experiments.compare import shipped_comparisons
    from healthsim.sensitivity.spec import shipped_analyses

    found = shipped_comparisons() if kind == "comparison" else shipped_analyses()
    assert found, f"no shipped {kind} files were found"
    return list(found.values())


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("kind", sorted(FILE_SCHEMAS))
def test_file_schemas_are_valid_schemas(kind: str, validator) -> None:
    schema = FILE_SCHEMAS[kind]()
    validator.check_schema(schema)
    assert schema["$schema"] == gen.JSON_SCHEMA_DIALECT
    assert schema["$id"] != gen.json_schema()["$id"], f"the {kind} schema needs its own id"
    assert kind in schema["title"]


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("kind", sorted(FILE_SCHEMAS))
def test_every_shipped_file_validates_against_its_schema(kind: str, validator) -> None:
    schema = FILE_SCHEMAS[kind]()
    for path in _shipped_files(kind):
        errors = _errors(schema, _read(path), validator)
        assert not errors, f"{path.name} fails the {kind} JSON Schema: {errors}"


#: Analysis files written with the shorthands the reader accepts.
ANALYSIS_SHORTHANDS = [
    ("prior as a word", {"parameters": {"behaviour.fear_culture": "prior"}}),
    ("bounds as a list", {"parameters": {"behaviour.fear_toxicity": [0.0, 1.0]}}),
    ("levels as a list", {"parameters": {"regime.improvement.model": ["buddy", "consultancy"]}}),
    ("a nested table", {"parameters": {"behaviour": {"fear_toxicity": {"low": 0, "high": 1}}}}),
    ("method by name", {"method": "sobol", "parameters": {"behaviour.fear_culture": {}}}),
    (
        "contrast as a pair",
        {"contrast": ["blame_focused", "board_supported"], "parameters": {"behaviour.x": {}}},
    ),
    ("one output", {"outputs": "harm_total", "parameters": {"behaviour.fear_culture": {}}}),
]


@pytest.mark.parametrize(
    ("what", "data"), ANALYSIS_SHORTHANDS, ids=[a[0] for a in ANALYSIS_SHORTHANDS]
)
def test_analysis_schema_accepts_the_readers_shorthands(what: str, data: dict) -> None:
    from healthsim.config.files import AnalysisDecl
    from healthsim.sensitivity.spec import normalise

    AnalysisDecl.model_validate(normalise(data))  # healthsim's reader accepts it
    for validator in VALIDATORS:
        errors = _errors(gen.analysis_json_schema(), data, validator)
        assert not errors, f"{validator.__name__} rejects {what}: {errors}"


def test_analysis_schema_accepts_the_example_in_docs_sensitivity() -> None:
    import re

    text = (DOCS / "sensitivity.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert blocks, "docs/sensitivity.md should show an analysis file"
    for block in blocks:
        errors = _errors(gen.analysis_json_schema(), tomllib.loads(block))
        assert not errors, f"the analysis file in docs/sensitivity.md fails its schema: {errors}"


FILE_BAD_VALUES = [
    ("comparison", "unknown key", {"scenarios": ["baseline"], "repz": 10}),
    ("comparison", "no scenarios", {"scenarios": []}),
    ("comparison", "one replicate", {"scenarios": ["baseline"], "reps": 1}),
    ("comparison", "unknown parameter source", {"scenarios": ["a"], "parameters": "guess"}),
    ("analysis", "unknown key", {"parameters": {"behaviour.x": {}}, "replicate": 2}),
    ("analysis", "no parameters", {"parameters": {}}),
    ("analysis", "unknown method", {"method": "anova", "parameters": {"behaviour.x": {}}}),
    ("analysis", "unknown method key", {"method": {"nn": 8}, "parameters": {"behaviour.x": {}}}),
    ("analysis", "a bad distribution", {"parameters": {"behaviour.x": {"dist": "normal"}}}),
    ("analysis", "a bad declaration key", {"parameters": {"behaviour.x": {"low": 0, "hihg": 1}}}),
    ("analysis", "a contrast of three", {"contrast": ["a", "b", "c"], "parameters": {"b.x": {}}}),
]


@pytest.mark.parametrize(
    ("kind", "what", "data"), FILE_BAD_VALUES, ids=[f"{b[0]}: {b[1]}" for b in FILE_BAD_VALUES]
)
def test_file_schemas_reject_what_healthsim_rejects(kind: str, what: str, data: dict) -> None:
    from pydantic import ValidationError

    from healthsim.config.files import AnalysisDecl, ComparisonFile
    from healthsim.sensitivity.spec import normalise

    for validator in VALIDATORS:
        assert _errors(FILE_SCHEMAS[kind](), data, validator), (
            f"{validator.__name__} accepted a {kind} file with {what}"
        )
    with pytest.raises(ValidationError):
        if kind == "comparison":
            ComparisonFile.model_validate(data)
        else:
            AnalysisDecl.model_validate(normalise(data))


# -- the reference -----------------------------------------------------------------------


def test_reference_lists_every_key_with_a_description(reference: str) -> None:
    keys = gen.all_keys()
    assert len(keys) > 100, "the walk of the schema found too few keys"
    for k in keys:
        assert f"| `{k.path}` |" in reference, f"{k.path} is missing from the reference"
        assert k.description, f"{k.path} has no description (add one in schema.py)"
        assert k.unit, f"{k.path} has no unit"
    assert "regime.communication.blame_intensity" in {k.path for k in keys}


def test_reference_lists_every_section_with_its_docstring(reference: str) -> None:
    for t in gen.tables():
        assert f"### {t.header}\n" in reference, f"section {t.header} has no heading"
        if t.doc:
            assert " ".join(t.doc.split()) in reference, f"{t.header}'s docstring is missing"


def test_reference_lists_every_shipped_scenario(reference: str) -> None:
    for name in shipped_scenarios():
        sc = load_scenario(name)
        assert f"| [`{name}`](#" in reference, f"{name} is missing from the table"
        assert f"### {name}\n" in reference, f"{name} has no changes section"
        assert sc.description in reference


def test_changes_of_a_shipped_scenario_are_against_what_it_extends() -> None:
    diff = {c.path: (c.before, c.after) for c in gen.changes("blame_focused")}
    assert diff["regime.communication.blame_intensity"] == (
        load_scenario("baseline").regime.communication.blame_intensity,
        load_scenario("blame_focused").regime.communication.blame_intensity,
    )
    assert "economy.n_economies" not in diff, "unchanged keys must not be listed"
    assert "name" not in diff, "labels are left out"


def test_example_variant_in_the_reference_loads(tmp_path: Path, reference: str) -> None:
    assert gen.EXAMPLE_VARIANT in reference
    path = tmp_path / "my_variant.toml"
    path.write_text(gen.EXAMPLE_VARIANT, encoding="utf-8")
    sc = load_scenario(path)
    parent = load_scenario("regime_2013")
    assert sc.regime.communication.naming is False
    assert sc.regime.communication.blame_intensity == 0.2
    assert sc.regime.communication.board_replacement_probability == (
        parent.regime.communication.board_replacement_probability
    ), "keys not given in a table should keep the parent's values"
    assert [y.year for y in sc.squeeze.years] == [4], (
        "[[squeeze.years]] in a variant should replace the parent's list"
    )


def test_json_schema_accepts_the_example_variant(schema: dict) -> None:
    assert not _errors(schema, tomllib.loads(gen.EXAMPLE_VARIANT))


# -- healthsim schema ----------------------------------------------------------------------


def test_cli_schema_prints_the_json_schema(capsys, schema: dict) -> None:
    assert cli.main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema


def test_cli_schema_writes_to_a_file_or_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.json"
    assert cli.main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == gen.json_schema_text()
    assert cli.main(["schema", "--out", str(tmp_path)]) == 0
    assert (tmp_path / gen.SCHEMA_FILE).is_file(), "--out FOLDER should write the default name"
    assert cli.main(["schema", "--reference", "--out", str(tmp_path)]) == 0
    assert (tmp_path / gen.REFERENCE_FILE).read_text(encoding="utf-8") == (gen.reference_markdown())


@pytest.mark.parametrize("kind", sorted(FILE_SCHEMAS))
def test_cli_schema_of_comparison_and_analysis_files(kind: str, tmp_path: Path, capsys) -> None:
    assert cli.main(["schema", kind]) == 0
    assert json.loads(capsys.readouterr().out) == FILE_SCHEMAS[kind]()
    assert cli.main(["schema", kind, "--out", str(tmp_path)]) == 0
    name = gen.COMPARISON_SCHEMA_FILE if kind == "comparison" else gen.ANALYSIS_SCHEMA_FILE
    assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == FILE_SCHEMAS[kind](), (
        f"--out FOLDER should write {name}"
    )
    assert cli.main(["schema", kind, "--reference"]) == 2, "only scenarios have a reference"
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_schema_to_a_missing_folder_is_one_line_and_status_2(tmp_path: Path, capsys) -> None:
    assert cli.main(["schema", "--out", str(tmp_path / "nope" / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err, f"expected one line naming the folder: {err}"


# -- docs/ODD.md (hand-written) names only what exists -----------------------------------

ODD = DOCS / "ODD.md"
_SECTIONS = ("economy", "initial", "behaviour", "regime", "squeeze")


def test_odd_names_only_existing_scenario_keys() -> None:
    import fnmatch
    import re

    text = ODD.read_text(encoding="utf-8")
    known = {k.path for k in gen.all_keys()} | {t.path for t in gen.tables()}
    sections = "|".join(_SECTIONS)
    pattern = re.compile(rf"`((?:{sections})\.[a-z_.\[\]*]+)`")
    named = {p for p in pattern.findall(text) if not p.endswith(".py")}  # not file names
    assert len(named) > 40, "expected the ODD to name scenario keys by their dotted paths"
    unknown = sorted(p for p in named if not fnmatch.filter(known, p.replace("[]", "[[]]")))
    assert not unknown, f"docs/ODD.md names scenario keys that do not exist: {unknown}"


def test_odd_lists_every_random_stream() -> None:
    from healthsim.model.streams import STREAMS

    text = ODD.read_text(encoding="utf-8")
    missing = [name for name in STREAMS if f"| `{name}` |" not in text]
    assert not missing, f"docs/ODD.md §4.9 does not list the streams {missing}"
