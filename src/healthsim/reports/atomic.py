"""Write an output folder all at once: into a hidden folder beside it, then move it in.

A run that fails or is interrupted (Ctrl-C) while writing leaves no output folder and no
half-written files behind. If the destination already holds an earlier run's results,
they stay untouched until the new folder is complete, and are then replaced whole.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from healthsim.errors import OutputFolderError

__all__ = ["MARKER", "OutputFolderError", "atomic_folder", "check_destination"]

#: A folder holding this file is taken to be healthsim's own output, safe to replace.
MARKER = "scenario.resolved.toml"


def check_destination(dest: Path) -> None:
    """Refuse destinations that replacing could damage, before any work is done.

    Raises:
        OutputFolderError: ``dest`` is a file, the working folder or one of its parents,
            or a non-empty folder that is not an earlier healthsim result.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise OutputFolderError(f"{dest} exists and is not a folder")
    if not dest.exists():
        return
    here = Path.cwd().resolve()
    target = dest.resolve()
    if target == here or target in here.parents:
        raise OutputFolderError(f"{dest} is the working folder or holds it; choose a new folder")
    if any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise OutputFolderError(
            f"{dest} already holds files that are not healthsim results; "
            "choose another folder or empty it"
        )


@contextmanager
def atomic_folder(dest: Path) -> Iterator[Path]:
    """Yield a fresh hidden folder beside ``dest``; move it to ``dest`` on success.

    On any exception (including ``KeyboardInterrupt``) the hidden folder, and any
    parent folders this call created, are removed and the exception propagates; an
    existing ``dest`` is left as it was.
    """
    dest = Path(dest)
    created = _make_parents(dest.parent)
    tmp = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.partial"
    try:
        os.mkdir(tmp)  # honours the umask, unlike tempfile.mkdtemp (0700)
        yield tmp
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in reversed(created):
            _remove_if_empty(folder)
        raise


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return the ones created, outermost first."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    missing.reverse()
    for p in missing:
        os.mkdir(p)
    return missing


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Move the finished folder to ``dest``, replacing an earlier one only at the end."""
    if not dest.exists():
        os.replace(tmp, dest)
        return
    old = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.old"
    os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except BaseException:
        if not dest.exists():
            os.replace(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()
