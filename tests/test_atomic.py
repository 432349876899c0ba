"""healthsim.atomic, the one place files are written whole: a failure at any point
leaves the old file (or folder) as it was and no temporary file behind."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from healthsim import atomic

SRC = Path(__file__).resolve().parents[1] / "src" / "healthsim"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _left(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_write_text_and_bytes_write_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    atomic.write_text(path, "one\ntwo\n")
    assert path.read_bytes() == b"one\ntwo\n", "UTF-8 with \\n line ends"
    atomic.write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert _left(tmp_path, {"a.txt"}) == [], "no temporary file left"


def test_a_new_file_gets_the_umasks_permissions_and_a_replaced_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    new = tmp_path / "new.csv"
    atomic.write_text(new, "x\n")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~_umask(), (
        "a new file should get what open() gives (not mkstemp's private 0600)"
    )
    old = tmp_path / "old.sh"
    old.write_text("old")
    old.chmod(0o750)
    atomic.write_text(old, "new")
    assert stat.S_IMODE(old.stat().st_mode) == 0o750, "a replaced file keeps its mode"


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, failure: type[BaseException]
) -> None:
    path = tmp_path / "report.md"
    path.write_text("the old report\n")
    with pytest.raises(failure), atomic.atomic_file(path) as tmp:
        assert tmp.parent == path.parent, "the temporary file is beside the target"
        assert tmp.suffix == ".md", "writers that go by the suffix still see .md"
        tmp.write_text("half a rep")
        raise failure
    assert path.read_text() == "the old report\n", "the old file should be intact"
    assert _left(tmp_path, {"report.md"}) == [], "no temporary file left"


def test_a_failure_to_move_into_place_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "t.csv"
    path.write_text("old\n")

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    with pytest.raises(OSError, match="No space"):
        atomic.write_text(path, "new\n")
    assert path.read_text() == "old\n"
    assert _left(tmp_path, {"t.csv"}) == [], "no temporary file left"


def test_atomic_files_moves_a_set_in_together_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs.sqlite").write_text("store")
    (out / "report.md").write_text("old report")
    with pytest.raises(RuntimeError), atomic.atomic_files(out) as stage:
        (stage / "report.md").write_text("new report")
        (stage / "indices.csv").write_text("a,b\n")
        raise RuntimeError("a figure failed")
    assert (out / "report.md").read_text() == "old report", "nothing is moved on failure"
    assert _left(out, {"runs.sqlite", "report.md"}) == [], "no hidden folder left"

    with atomic.atomic_files(out) as stage:
        (stage / "report.md").write_text("new report")
        (stage / "figures").mkdir()
        (stage / "figures" / "f.png").write_bytes(b"png")
    assert (out / "report.md").read_text() == "new report"
    assert (out / "figures" / "f.png").read_bytes() == b"png", "subfolders keep their place"
    assert (out / "runs.sqlite").read_text() == "store", "files not written are left alone"
    assert _left(out, {"runs.sqlite", "report.md", "figures"}) == []


def test_atomic_folder_replaces_a_folder_only_when_complete(tmp_path: Path) -> None:
    dest = tmp_path / "results" / "run"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_folder(dest) as tmp:
        (tmp / "a.csv").write_text("half")
        raise KeyboardInterrupt
    assert not (tmp_path / "results").exists(), "the folders it made are removed again"
    with atomic.atomic_folder(dest) as tmp:
        (tmp / atomic.MARKER).write_text("first")
    with pytest.raises(RuntimeError), atomic.atomic_folder(dest) as tmp:
        (tmp / atomic.MARKER).write_text("second")
        raise RuntimeError
    assert (dest / atomic.MARKER).read_text() == "first", "the earlier folder stays"
    assert _left(dest.parent, {"run"}) == [], "no hidden folder left"


def test_nothing_else_moves_files_into_place() -> None:
    """One helper: every os.replace of healthsim is in healthsim/atomic.py."""
    found = [
        f"{p.relative_to(SRC)}:{n}"
        for p in SRC.rglob("*.py")
        if p.name != "atomic.py" or p.parent != SRC
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bos\.(replace|rename)\(|tempfile\.mk", line)
    ]
    assert not found, f"write through healthsim.atomic instead: {found}"
