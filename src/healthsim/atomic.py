"""Write files and folders all at once: never half a file, never half a folder.

Everything healthsim writes goes through here. Each helper writes into a temporary file
or hidden folder beside its destination, on the same file system, and moves it into
place with :func:`os.replace` (atomic on POSIX and Windows) only once the writing has
finished. A failure or an interrupt (Ctrl-C, SIGTERM through
:func:`healthsim.commands._common.sigterm_as_interrupt`) before then leaves the
destination as it was and removes the temporary copy.

- :func:`atomic_file`: one file, written by any code given its temporary path
  (:func:`write_bytes` and :func:`write_text` for data already in memory);
- :func:`atomic_files`: several files of one folder written in a hidden folder inside it
  and moved in together (a report replacing the previous one beside a run store);
- :func:`atomic_folder`: a whole output folder, which replaces an earlier one only
  when it is complete (:func:`check_destination` refuses folders it could damage).

Files get the permissions the umask gives (``tempfile.mkstemp`` would make them
private), or keep those of the file they replace.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from healthsim.errors import OutputFolderError

__all__ = [
    "MARKER",
    "OutputFolderError",
    "atomic_file",
    "atomic_files",
    "atomic_folder",
    "check_destination",
    "write_bytes",
    "write_text",
]

#: A folder holding this file is taken to be healthsim's own output, safe to replace.
MARKER = "scenario.resolved.toml"


def _token() -> str:
    return uuid.uuid4().hex[:8]


# --------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends, it replaces ``path``.

    The temporary file exists (empty) when the block starts, named
    ``.<stem>.<random>.partial<suffix>`` so that writers which go by the suffix
    (matplotlib) still know the format. On any exception, ``KeyboardInterrupt``
    included, it is removed and ``path`` is left as it was. The folder must exist.

    Raises:
        OSError: the temporary file cannot be made or moved into place.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{_token()}.partial{path.suffix}")
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = None  # a new file: 0o666 less the umask, as open() gives
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (:func:`atomic_file`). Raises OSError."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` whole, as UTF-8 with ``\\n`` line ends. Raises OSError."""
    write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------------------
# Several files of one folder
# --------------------------------------------------------------------------------------


@contextmanager
def atomic_files(folder: str | Path) -> Iterator[Path]:
    """Yield a hidden folder inside ``folder`` (created if needed) to write files into;
    when the block ends, each is moved to the same place in ``folder``, replacing the
    file there. On any exception nothing is moved and the hidden folder is removed; the
    files already in ``folder`` (a run store, an earlier report) are left alone.

    Each file is replaced atomically; the set is moved in one after the other, at the
    end, after everything has been written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stage = folder / f".{_token()}.partial"
    os.mkdir(stage)
    try:
        yield stage
        for src in sorted(p for p in stage.rglob("*") if not p.is_dir()):
            target = folder / src.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# --------------------------------------------------------------------------------------
# A whole output folder
# --------------------------------------------------------------------------------------


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
    tmp = dest.parent / f".{dest.name}.{_token()}.partial"
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
    old = dest.parent / f".{dest.name}.{_token()}.old"
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
