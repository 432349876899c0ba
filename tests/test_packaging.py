"""The package as users get it (issue 14): ``python -m build`` makes an sdist and, from
it, a wheel that hold exactly the package and its data, with complete metadata.

The root symlinks ``scenarios/``, ``comparisons/`` and ``analyses/`` are conveniences
of a checkout: packed into the sdist they became folders of their own, and the wheel
built from that sdist had no scenario files. ``.ci/run`` also installs the wheel into a
fresh venv outside the checkout and runs the command line there.
"""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from healthsim import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "healthsim"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

pytest.importorskip("build", reason="the sdist and wheel are built with 'build' (dev extra)")

pytestmark = pytest.mark.slow


def package_files() -> set[str]:
    """Every file of the package in the checkout, relative to src/ (no bytecode)."""
    return {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".nbi"}
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"python -m build failed:\n{proc.stdout}{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> zipfile.ZipFile:
    (path,) = dist.glob("*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def metadata(wheel) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_the_wheel_holds_exactly_the_package_and_its_data(wheel):
    names = set(wheel.namelist())
    files = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert files == package_files(), (
        f"missing {sorted(package_files() - files)}, extra {sorted(files - package_files())}"
    )
    for shipped in ("scenarios/baseline.toml", "comparisons", "analyses", "app/network.vue"):
        assert any(n.startswith(f"healthsim/{shipped}") for n in names), f"{shipped} is data"
    info = {n.split("/", 1)[1] for n in names - files}
    assert info == {"METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE"}


def test_the_sdist_holds_the_package_and_what_describes_it_only(dist):
    (path,) = dist.glob("*.tar.gz")
    with tarfile.open(path) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    extra = {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", ".gitignore"}
    want = {f"src/{f}" for f in package_files()} | extra
    assert members == want, f"missing {sorted(want - members)}, extra {sorted(members - want)}"
    assert not any(m.startswith(("scenarios/", "tests/", ".venv/")) for m in members)


def test_the_metadata_is_complete_and_the_version_has_one_source(metadata):
    assert metadata["Version"] == __version__, "the version is read from healthsim/_version.py"
    assert metadata["License-Expression"] == "MIT", "an SPDX licence expression"
    classifiers = metadata.get_all("Classifier")
    assert "Programming Language :: Python :: 3.12" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers), "the expression says it"
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)


def test_pyarrow_is_not_required_and_dask_and_the_app_are_extras(metadata):
    requires = metadata.get_all("Requires-Dist")
    core = [r for r in requires if "extra ==" not in r]
    assert not any(r.startswith(("pyarrow", "dask", "distributed", "solara")) for r in core)
    extras = metadata.get_all("Provides-Extra")
    assert {"dask", "app", "dev", "parquet"} <= set(extras)
    assert any(r.startswith("dask[distributed]") and "extra == 'dask'" in r for r in requires)
    assert any(r.startswith("pyarrow") and "extra == 'parquet'" in r for r in requires)


def test_install_sh_installs_the_extras_the_readme_promises():
    """./install.sh gives the app, Dask and Parquet; --dev adds the test tools (incl.
    build)."""
    text = (ROOT / "install.sh").read_text()
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    everyday = {"app", "dask", "parquet"}
    for line, want in (('extras="[', everyday), ('--dev) extras="[', {"dev"} | everyday)):
        (chosen,) = [ln for ln in text.splitlines() if ln.strip().startswith(line)]
        named = set(chosen.split("[", 1)[1].split("]", 1)[0].split(","))
        assert want <= named <= declared, f"install.sh {chosen.strip()!r}"
    assert any(d.startswith("build") for d in PYPROJECT["project"]["optional-dependencies"]["dev"])
