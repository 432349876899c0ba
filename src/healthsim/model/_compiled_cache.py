"""Where numba keeps the model's compiled code: a folder named for the model's source.

numba's own cache checks only the file of the function it compiled, but the monthly
kernel inlines the mechanisms' rules from other files: after a rule changes, a kernel
cached before would run the old rule. So the cache of the whole model lives in a folder
whose name is a digest of every source file of ``healthsim.model``: any change to any
of them starts a fresh cache. The folder is under ``$NUMBA_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/healthsim/numba`` (``~/.cache/healthsim/numba``); when it cannot be
written, numba's default (``__pycache__`` beside the sources) is kept.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def source_digest(root: Path | None = None) -> str:
    """A digest of every source file of the model package (or of the folder ``root``)."""
    here = Path(root) if root is not None else Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        h.update(path.relative_to(here).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"),
        "healthsim",
        "numba",
    )
    return Path(base) / source_digest()


def use_source_keyed_cache() -> None:
    """Point numba's cache at :func:`cache_dir` (before any compiled function is made)."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
    except OSError:
        return
    numba.config.CACHE_DIR = str(folder)
