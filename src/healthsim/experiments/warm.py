"""The compiled model's cache: is it there, fill it, and say so the first time.

The model's monthly arithmetic is compiled by numba and cached on disk
(:mod:`healthsim.model._compiled_cache`: ``~/.cache/healthsim/numba`` or
``$NUMBA_CACHE_DIR``). The first command after installing (or after the model's code
changes) compiles it, about 20 s; later ones load it in a fraction of a second.
``healthsim warm`` (run by ``install.sh``) fills the cache ahead of time, and
:func:`announce_compiling` prints one line before a command compiles, so a pause of
20 s is not taken for a hang.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

MESSAGE = "healthsim: compiling the model (first run only, about 20 s)…"

_announced = False


def cache_folder() -> Path:
    """Where the compiled model is cached (numba's cache folder, once the model is
    imported; numba's default ``__pycache__`` beside the model's sources otherwise)."""
    import numba

    import healthsim.model  # noqa: F401 - points numba's cache at the model's folder
    import healthsim.model.kernel as kernel

    folder = numba.config.CACHE_DIR
    return Path(folder) if folder else Path(kernel.__file__).parent / "__pycache__"


def compiled_cache_ready() -> bool:
    """Whether the compiled model is cached (the kernel's index files exist)."""
    folder = cache_folder()
    return folder.is_dir() and any(folder.rglob("kernel.*.nbi"))


def announce_compiling(stream=None) -> bool:
    """Print :data:`MESSAGE` (once per process) when the compiled model is not cached
    yet; whether it was printed."""
    global _announced
    if _announced or compiled_cache_ready():
        return False
    print(MESSAGE, file=stream or sys.stderr, flush=True)
    _announced = True
    return True


def warm() -> float:
    """Compile (or load) the model and run it briefly, filling the cache; seconds taken."""
    t0 = time.perf_counter()
    from healthsim.experiments.preload import warm_up  # importing it warms up

    warm_up()
    return time.perf_counter() - t0
