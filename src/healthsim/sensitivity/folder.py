"""A sensitivity analysis' folder: its run store (``runs.sqlite``, which makes the analysis
resumable) and the report written beside it; which folders an analysis may use."""

from __future__ import annotations

from pathlib import Path

from healthsim.errors import OutputFolderError

#: Name of the result store inside an output folder.
STORE_FILE = "runs.sqlite"
#: A folder holding this file is an earlier sensitivity analysis' output.
MARKER = "analysis.resolved.toml"
#: Files of the folder that the report never replaces.
KEEP = ("runs.sqlite", "runs.sqlite-wal", "runs.sqlite-shm", ".runs.sqlite.lock")


def check_out(out: Path) -> None:
    """Refuse an output folder that writing could damage (before anything runs)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{out} exists and is not a folder")
    if not out.exists():
        return
    here = Path.cwd().resolve()
    if out.resolve() == here or out.resolve() in here.parents:
        raise OutputFolderError(f"{out} is the working folder or holds it; choose a new folder")
    names = {p.name for p in out.iterdir()}
    if names and not (names & {MARKER, "runs.sqlite"}):
        raise OutputFolderError(
            f"{out} already holds files that are not a healthsim sensitivity analysis; "
            "choose another folder or empty it"
        )
