"""Comparison files (``comparisons/*.toml``): the shipped ones, finding one, reading and
checking it (errors name the file and the key)."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from healthsim.config import ScenarioError, read_toml_file
from healthsim.config.files import ComparisonFile
from healthsim.errors import quote

SHIPPED_PACKAGE = "healthsim.comparisons"


def shipped_dir() -> Path:
    """Folder of the comparison files installed with the package."""
    return Path(str(resources.files(SHIPPED_PACKAGE)))


def shipped_comparisons() -> dict[str, Path]:
    """Shipped comparison names mapped to their files."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.toml"))}


def find_comparison_file(ref: str | Path) -> Path | None:
    """The comparison file ``ref`` names (a path or a shipped name), or None if it names
    something else (a scenario)."""
    p = Path(ref)
    if _is_file(p):
        try:
            data = read_toml_file(p)
        except ScenarioError:
            return None  # the scenario loader reports what is wrong with it
        return p.resolve() if "scenarios" in data else None
    name = p.name.removesuffix(".toml")
    shipped = shipped_comparisons()
    if name in shipped and not _exists(p):
        return shipped[name]
    return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _file_error(exc: ValidationError, file: Path) -> ScenarioError:
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc)
    if err.get("type") == "extra_forbidden":
        allowed = list(ComparisonFile.model_fields)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        msg = "unknown key" + (f"; did you mean '{hint[0]}'?" if hint else "")
        return ScenarioError(file, key, f"{msg} Allowed here: {', '.join(allowed)}")
    msg = err.get("msg", "invalid value")
    if err.get("type") != "missing" and "input" in err and not isinstance(err["input"], dict):
        msg += f" (got {quote(err['input'])})"
    return ScenarioError(file, key, msg)


def read_comparison_file(path: str | Path) -> ComparisonFile:
    """Read and validate a comparison file; errors name the file and the key."""
    path = Path(path)
    data = read_toml_file(path)
    try:
        return ComparisonFile.model_validate(data)
    except ValidationError as exc:
        raise _file_error(exc, path) from None
