"""`healthsim economy`: NHS organisation data -> scenario files (issue 7).

Two kinds of test: on small hand-made files in tests/data/nhs/ (every error case, the
mapping rules), and on the shared reference data (205 trusts, 42 ICBs), which sits
beside the checkout in ../shared/data/ or where HEALTHSIM_NHS_DATA points; those tests
skip, saying why, when it is absent.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import healthsim
from healthsim.cli import main
from healthsim.config.schema import TrustSpec
from healthsim.sources.nhs import (
    DISCLAIMER,
    MAX_BEDS,
    MIN_BEDS,
    build_economy,
    read_nhs_data,
    real_trust_label,
    select_icbs,
    size_class,
)

HERE = Path(__file__).resolve().parent
SMALL = HERE / "data" / "nhs"
REPO = HERE.parent


def shared_data_dir() -> tuple[Path | None, Path]:
    """The folder of the shared reference data (or None) and where it was looked for."""
    env = os.environ.get("HEALTHSIM_NHS_DATA")
    folder = Path(env) if env else REPO.parent / "shared" / "data"
    ok = (folder / "england_trusts.csv").is_file() and (folder / "england_icbs.csv").is_file()
    return (folder if ok else None), folder


SHARED, LOOKED_IN = shared_data_dir()
needs_shared = pytest.mark.skipif(
    SHARED is None,
    reason=f"NHS reference data not found in {LOOKED_IN}: put england_trusts.csv and "
    "england_icbs.csv in ../shared/data/ beside the checkout, or set HEALTHSIM_NHS_DATA to "
    "their folder",
)


def cli(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def build_args(trusts: Path, icbs: Path, out: Path, *more: str | Path) -> list[str | Path]:
    return ["economy", "build", "--trusts", trusts, "--icbs", icbs, "--out", out, *more]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------
# Small hand-made files: every error case gives exit 2, one line, no output
# --------------------------------------------------------------------------------------

ERRORS = [
    # (trusts file, icbs file, extra args, file named, column named, words in the message)
    ("trusts_missing_column.csv", "icbs.csv", ["--all"], "trusts_missing_column.csv",
     "icb_code", "missing required column"),
    ("trusts.csv", "icbs_missing_column.csv", ["--all"], "icbs_missing_column.csv",
     "population_mid2022", "missing required column"),
    ("trusts_unknown_type.csv", "icbs.csv", ["--all"], "trusts_unknown_type.csv",
     "trust_type", "unknown trust type 'hospital'"),
    ("trusts_duplicate_code.csv", "icbs.csv", ["--all"], "trusts_duplicate_code.csv",
     "trust_code", "duplicate trust code XA2"),
    ("trusts.csv", "icbs_duplicate_code.csv", ["--all"], "icbs_duplicate_code.csv",
     "icb_code", "duplicate ICB code QBB"),
    ("trusts_no_icb.csv", "icbs.csv", ["--all"], "trusts_no_icb.csv",
     "icb_code", "acute trust XC1 has no ICB"),
    ("trusts_unknown_icb.csv", "icbs.csv", ["--all"], "trusts_unknown_icb.csv",
     "icb_code", "ICB QCX of trust XC1 is not in icbs.csv; did you mean QCC"),
    ("trusts_bad_beds.csv", "icbs.csv", ["--all"], "trusts_bad_beds.csv",
     "ga_beds", "'lots' is not a number"),
    ("trusts_too_many_beds.csv", "icbs.csv", ["--all"], "trusts_too_many_beds.csv",
     "ga_beds", "11000.0 beds is outside 1 to 5000"),
    ("trusts_no_acute.csv", "icbs.csv", ["--all"], "trusts_no_acute.csv",
     "trust_type", "nothing to build"),
    ("trusts.csv", "icbs.csv", ["--icb", "QDD"], "trusts.csv",
     "icb_code", "no acute or specialist trusts left for ICB QDD"),
    ("trusts.csv", "icbs.csv", ["--icb", "QEE", "--without-specialist", "--icb", "QDD"],
     "trusts.csv", "icb_code", "left for ICB QDD"),
    ("trusts.csv", "icbs.csv", ["--icb", "QAX"], "icbs.csv",
     "icb_code", "--icb 'QAX' is not an ICB code or name in this file; did you mean QAA"),
    ("trusts.csv", "icbs.csv", ["--icb", "gama"], "icbs.csv",
     "icb_code", "did you mean QCC (Gamma)"),
    ("trusts.csv", "icbs.csv", ["--icb", "QAA", "--neighbours", SMALL / "neighbours_unknown.csv"],
     "neighbours_unknown.csv", "icb_b", "QXX is not an ICB"),
    ("trusts_latin1.csv", "icbs.csv", ["--all"], "trusts_latin1.csv", None, "not a UTF-8"),
    ("trusts_empty.csv", "icbs.csv", ["--all"], "trusts_empty.csv", None, "empty file"),
    ("no_such_file.csv", "icbs.csv", ["--all"], "no_such_file.csv", None, "file not found"),
]  # fmt: skip


@pytest.mark.parametrize(("trusts", "icbs", "extra", "file", "column", "words"), ERRORS)
def test_bad_input_is_one_line_exit_2_and_no_output(
    capsys, tmp_path, trusts, icbs, extra, file, column, words
):
    out = tmp_path / "new folder" / "economy.toml"
    code, stdout, err = cli(capsys, *build_args(SMALL / trusts, SMALL / icbs, out, *extra))
    assert code == 2, f"bad input should exit 2, got {code}: {err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"the error should be one line, got:\n{err}"
    assert "Traceback" not in err
    assert file in lines[0], f"the message should name the file {file}: {lines[0]}"
    if column:
        assert f": {column}:" in lines[0], f"the message should name column {column}: {lines[0]}"
    assert words in lines[0], f"expected {words!r} in: {lines[0]}"
    assert not out.parent.exists(), "no output folder or file may be left behind"
    assert stdout == "", "nothing should be printed on stdout for bad input"


def test_list_reports_the_same_errors(capsys):
    code, _, err = cli(
        capsys,
        "economy",
        "list",
        "--trusts",
        SMALL / "trusts_duplicate_code.csv",
        "--icbs",
        SMALL / "icbs.csv",
    )
    assert code == 2 and "duplicate trust code XA2" in err


def test_usage_errors_exit_2(capsys, tmp_path):
    out = tmp_path / "x.toml"
    base = build_args(SMALL / "trusts.csv", SMALL / "icbs.csv", out)
    for extra in (["--all", "--icb", "QAA"], [], ["--all", "--extends", "no_such_preset"]):
        code, _, err = cli(capsys, *base, *extra)
        assert code == 2, f"{extra}: expected exit 2, got {code}: {err}"
        assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_existing_output_is_kept_without_force(capsys, tmp_path):
    out = tmp_path / "x.toml"
    out.write_text("# mine\n")
    args = build_args(SMALL / "trusts.csv", SMALL / "icbs.csv", out, "--icb", "QAA")
    code, _, err = cli(capsys, *args)
    assert code == 2 and "--force" in err
    assert out.read_text() == "# mine\n", "an existing file must not be touched"
    code, _, err = cli(capsys, *args, "--force")
    assert code == 0, err
    assert "[[economy.trusts]]" in out.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left"


def test_bed_limits_are_the_schemas():
    """The reader's bed limits are TrustSpec.beds' (the readers import nothing of config)."""
    bounds = {}
    for m in TrustSpec.model_fields["beds"].metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(m, attr, None) is not None:
                bounds["min" if attr in ("ge", "gt") else "max"] = float(getattr(m, attr))
    assert (bounds["min"], bounds["max"]) == (MIN_BEDS, MAX_BEDS), (
        f"healthsim.sources.nhs.records has beds {MIN_BEDS:g} to {MAX_BEDS:g}, the schema's "
        f"TrustSpec.beds {bounds}: change records.MIN_BEDS / MAX_BEDS to match"
    )


def test_read_small_files():
    data = read_nhs_data(SMALL / "trusts.csv", SMALL / "icbs.csv")
    assert len(data.trusts) == 13 and len(data.icbs) == 5
    assert [t.code for t in data.unplaced] == ["XZ1"], "a care trust may lack an ICB"
    xe2 = next(t for t in data.trusts if t.code == "XE2")
    assert xe2.beds is None, "a KH03 zero for a specialist trust is read as missing"
    assert data.icb("QEE").population is None
    assert len(data.trusts_file.sha256) == 64


def test_trust_type_can_come_from_eric(tmp_path):
    rows = (SMALL / "trusts.csv").read_text().splitlines()
    eric = {
        "acute": "ACUTE - LARGE",
        "specialist": "ACUTE - SPECIALIST",
        "mental_health": "MENTAL HEALTH AND LEARNING DISABILITY",
        "community": "COMMUNITY",
        "ambulance": "AMBULANCE",
        "care_trust": "CARE TRUST",
    }
    out = [rows[0].replace("trust_type", "trust_type_eric")]
    for r in rows[1:]:
        f = r.split(",")
        f[2] = eric[f[2]]
        out.append(",".join(f))
    path = tmp_path / "eric.csv"
    path.write_text("\n".join(out) + "\n")
    a = read_nhs_data(path, SMALL / "icbs.csv")
    b = read_nhs_data(SMALL / "trusts.csv", SMALL / "icbs.csv")
    assert [t.type for t in a.trusts] == [t.type for t in b.trusts]


def test_small_build_maps_types_fills_beds_and_links(capsys, tmp_path):
    out = tmp_path / "small.toml"
    code, stdout, err = cli(
        capsys,
        *build_args(
            SMALL / "trusts.csv", SMALL / "icbs.csv", out, "--all", "--extends", "board_supported"
        ),
    )
    assert code == 0, err
    sc = healthsim.load_scenario(out)
    eco = sc.economy
    assert [e.label for e in eco.economies] == [
        "Northland ICB 1",
        "Northland ICB 2",
        "Northland ICB 3",
        "Southland ICB 1",
    ], "QDD has only a mental health trust, so it is skipped; the others keep code order"
    assert len(eco.trusts) == 8, "the acute and specialist trusts of the four ICBs"
    assert sc.regime.name == "board_supported", "the preset's regime is kept"
    assert eco.disclaimer == DISCLAIMER
    # within ICBs: 3 + 1 + 0 + 1 pairs; between: the Northland ring of three (3 links)
    assert len(eco.links) == 8, [(lk.source, lk.target) for lk in eco.links]
    beds = {t.label: t.beds for t in eco.trusts}
    assert beds["Acute (large) 1"] == 1100.0
    text = out.read_text()
    assert "Filled values (3)" in text, "two trusts' beds and one population were filled"
    assert "ga_beds empty -> 512 beds from floor area 95,000 m²" in text
    assert "probable non-submission" in text, "a KH03 zero is reported as such"
    assert "population empty" in text
    assert "filled (3" in stdout and "[XB2, line 7]" in stdout, (
        "the console names the filled trust's code so the user can check it"
    )
    assert "XB2" not in text, "the anonymous file does not carry ODS codes"


def test_weights_follow_size_and_neighbours_file_replaces_ring(tmp_path):
    data = read_nhs_data(SMALL / "trusts.csv", SMALL / "icbs.csv")
    from healthsim.sources.nhs import BuildOptions, read_neighbours

    build = build_economy(data, select_icbs(data, ["QAA"]))
    w = {(a, b): x for a, b, x in build.links}
    ids = {t.record.code: t.id for t in build.trusts}
    big, mid, small = ids["XA1"], ids["XA2"], ids["XA3"]
    assert w[(big, mid)] > w[(big, small)] > w[(mid, small)], "bigger pairs share more flow"
    assert w[(big, mid)] == pytest.approx(1100 * 600 / 1850, rel=1e-3)
    pairs = read_neighbours(SMALL / "neighbours.csv", data)
    build = build_economy(
        data, select_icbs(data, None), BuildOptions(neighbours=pairs), all_icbs=True
    )
    assert build.inter_links == 2, "QAA-QCC and QCC-QEE from the file, no ring"
    ring = build_economy(data, select_icbs(data, None), BuildOptions(region_links=0), all_icbs=True)
    assert ring.inter_links == 0


def test_extends_a_file_by_a_path_relative_to_the_output(capsys, tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "mine.toml").write_text('extends = "whole_system"\nname = "mine"\n')
    out = tmp_path / "out" / "e.toml"
    code, _, err = cli(
        capsys,
        *build_args(
            SMALL / "trusts.csv",
            SMALL / "icbs.csv",
            out,
            "--icb",
            "QAA",
            "--extends",
            presets / "mine.toml",
        ),
    )
    assert code == 0, err
    assert tomllib.loads(out.read_text())["extends"] == "../presets/mine.toml"
    assert healthsim.load_scenario(out).regime.name == "whole_system"


def test_names_and_sizes():
    assert real_trust_label("THE CHRISTIE NHS FOUNDATION TRUST") == "The Christie NHS FT"
    assert (
        real_trust_label("UNIVERSITY HOSPITALS OF NORTH MIDLANDS NHS TRUST")
        == "University Hospitals of North Midlands NHS Trust"
    )
    assert real_trust_label("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST").startswith("King's")
    assert real_trust_label("Already Mixed Case NHS Trust") == "Already Mixed Case NHS Trust"
    assert [size_class(b) for b in (120, 499.9, 500, 999, 1000)] == [
        "small",
        "small",
        "medium",
        "medium",
        "large",
    ]


def test_build_is_deterministic_apart_from_the_date(capsys, tmp_path):
    texts = []
    for k in range(2):
        out = tmp_path / f"d{k}" / "e.toml"
        assert (
            cli(capsys, *build_args(SMALL / "trusts.csv", SMALL / "icbs.csv", out, "--all"))[0] == 0
        )
        texts.append(
            [ln for ln in out.read_text().splitlines() if "on 2" not in ln and "--out" not in ln]
        )
    assert texts[0] == texts[1]


# --------------------------------------------------------------------------------------
# The shared reference data: 205 trusts, 42 ICBs
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared():
    assert SHARED is not None
    trusts, icbs = SHARED / "england_trusts.csv", SHARED / "england_icbs.csv"
    return trusts, icbs, read_rows(trusts), read_rows(icbs)


def modelled_rows(rows, icb=None):
    return [
        r
        for r in rows
        if r["trust_type"] in ("acute", "specialist") and (icb is None or r["icb_code"] == icb)
    ]


@needs_shared
def test_list_shows_every_icb_with_counts(capsys, shared):
    trusts, icbs, trows, irows = shared
    code, out, err = cli(capsys, "economy", "list", "--trusts", trusts, "--icbs", icbs)
    assert code == 0, err
    for r in irows:
        assert re.search(rf"^{r['icb_code']}\s", out, re.M), f"{r['icb_code']} missing from list"
    code, out, _ = cli(
        capsys, "economy", "list", "--trusts", trusts, "--icbs", icbs, "--format", "csv"
    )
    listed = {r["Code"]: r for r in csv.DictReader(out.splitlines())}
    assert len(listed) == len(irows) == 42
    qop = Counter(r["trust_type"] for r in trows if r["icb_code"] == "QOP")
    assert int(listed["QOP"]["Acute"]) == qop["acute"]
    assert int(listed["QOP"]["Spec"]) == qop["specialist"]
    assert int(listed["QOP"]["MH"]) == qop["mental_health"]
    code, out, _ = cli(
        capsys, "economy", "list", "--trusts", trusts, "--icbs", icbs, "--icb", "QOP"
    )
    assert code == 0 and "Manchester University NHS FT" in out


@needs_shared
def test_build_one_icb_anonymous_then_run(capsys, tmp_path, shared):
    trusts, icbs, trows, _ = shared
    out = tmp_path / "gm.toml"
    code, _, err = cli(
        capsys, *build_args(trusts, icbs, out, "--icb", "QOP", "--extends", "board_supported")
    )
    assert code == 0, err
    code, _, err = cli(capsys, *build_args(trusts, icbs, tmp_path / "x.toml", "--icb", "QPO"))
    assert code == 2 and "did you mean QOP (Greater Manchester)?" in err, err
    sc = healthsim.load_scenario(out)
    expected = modelled_rows(trows, "QOP")
    assert len(sc.economy.trusts) == len(expected), "every acute and specialist trust of QOP"
    assert sum(t.beds for t in sc.economy.trusts) == pytest.approx(
        sum(float(r["ga_beds"]) for r in expected)
    ), "QOP's beds are all in the file, none filled"
    assert sc.economy.economies[0].population == 2911744
    assert sc.economy.disclaimer, "a scenario built from real organisations has a disclaimer"
    # anonymous: no trust code or name, and no ICB name, anywhere in the file
    text = out.read_text()
    for r in trows:
        assert not re.search(rf"\b{re.escape(r['trust_code'])}\b", text), r["trust_code"]
        assert real_trust_label(r["trust_name"]).lower() not in text.lower(), r["trust_name"]
    assert "Greater Manchester" not in text
    for t in sc.economy.trusts:
        assert re.fullmatch(r"(Acute|Specialist) \((small|medium|large)\) \d+", t.label), t.label
    result = healthsim.run(sc, seed=1, years=1)
    assert len(result.timeseries) == 12
    assert set(result.trusts["label"]) == {t.label for t in sc.economy.trusts}
    assert not set(result.trusts["trust"]) & {r["trust_code"] for r in trows}


@needs_shared
def test_build_real_names_shows_them(capsys, tmp_path, shared):
    trusts, icbs, trows, _ = shared
    out = tmp_path / "gm_real.toml"
    code, _, err = cli(capsys, *build_args(trusts, icbs, out, "--icb", "QOP", "--names", "real"))
    assert code == 0, err
    sc = healthsim.load_scenario(out)
    ids = {t.id for t in sc.economy.trusts}
    assert ids == {r["trust_code"] for r in modelled_rows(trows, "QOP")}
    labels = {t.label for t in sc.economy.trusts}
    assert "Manchester University NHS FT" in labels
    assert sc.economy.economies[0].label == "Greater Manchester"
    assert "RXV Greater Manchester Mental Health NHS FT" in out.read_text(), (
        "with real names, the trusts left out are listed by code and name"
    )
    assert sc.economy.disclaimer


@needs_shared
def test_build_all_of_england(capsys, tmp_path, shared):
    trusts, icbs, trows, irows = shared
    out = tmp_path / "england_real.toml"
    key = tmp_path / "key.csv"
    code, _, err = cli(capsys, *build_args(trusts, icbs, out, "--all", "--key", key))
    assert code == 0, err
    sc = healthsim.load_scenario(out)
    eco = sc.economy
    assert len(eco.economies) == len(irows) == 42
    expected = modelled_rows(trows)
    assert len(eco.trusts) == len(expected) == 134, "118 acute + 16 specialist trusts"
    per_icb = Counter(r["icb_code"] for r in expected)
    keyrows = read_rows(key)
    got = Counter(r["icb_code"] for r in keyrows)
    assert got == per_icb, "each ICB keeps exactly its own acute and specialist trusts"
    missing_beds = [r["trust_code"] for r in expected if not r["ga_beds"]]
    filled = sorted(r["trust_code"] for r in keyrows if r["beds_source"] != "ga_beds")
    assert filled == sorted(missing_beds) and len(filled) == 5
    text = out.read_text()
    assert f"Filled values ({len(filled)})" in text
    left_out = len(trows) - len(expected)
    assert "Left out, not modelled: " in text and "2 trusts with no ICB" in text
    left_in_icbs = Counter(r["trust_type"] for r in trows if r["icb_code"]) - Counter(
        r["trust_type"] for r in expected
    )
    assert sum(left_in_icbs.values()) == left_out - 2 == 69
    pops = {e.id: e.population for e in eco.economies}
    assert sum(pops.values()) == sum(int(r["population_mid2022"]) for r in irows)
    regions = Counter(e.region for e in eco.economies)
    assert len(regions) == 7
    inter = [lk for lk in eco.links if lk.source.split("-")[0] != lk.target.split("-")[0]]
    # ring per region: 3 links for a region of 3 or more ICBs (7 regions x their sizes)
    assert len(inter) == sum(n if n > 2 else n - 1 for n in regions.values())
    result = healthsim.run(sc, seed=1, years=1)
    assert result.trusts["trust"].nunique() == 134
    assert result.model.structure.n_economies == 42


def test_names_do_not_change_the_results(capsys, tmp_path):
    """Real and anonymous builds list the same trusts in the same order, so a run on the
    same seed gives the same numbers: the labels are only labels."""
    summaries = []
    for names in ("anonymous", "real"):
        out = tmp_path / f"{names}.toml"
        args = build_args(SMALL / "trusts.csv", SMALL / "icbs.csv", out, "--all", "--names", names)
        assert cli(capsys, *args)[0] == 0
        summaries.append(healthsim.run(healthsim.load_scenario(out), seed=3, years=2).summary)
    assert summaries[0] == pytest.approx(summaries[1], nan_ok=True)
