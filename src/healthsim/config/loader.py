"""Read scenario files: TOML, ``extends`` chains, network files, overrides, validation.

This module reads scenario files, and the network files they name through
:mod:`healthsim.sources.network_file`. Every failure becomes a :class:`ScenarioError`
naming the file, the key path and what is allowed, so the CLI can print one clear line.
"""

from __future__ import annotations

import difflib
import re
import sys
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from healthsim.config.schema import Scenario
from healthsim.errors import ScenarioError, quote, shorten
from healthsim.sources.network_file import read_network_file

SHIPPED_PACKAGE = "healthsim.scenarios"

#: Most files in a chain of ``extends`` (a file, its parent, the parent's parent, ...).
MAX_EXTENDS = 32

#: Deepest nesting of tables and lists a scenario file may have (the schema's deepest
#: key, such as ``economy.trusts[0].beds``, is four levels down).
MAX_NESTING = 16


# --------------------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------------------


def shipped_dir() -> Path:
    """Folder holding the scenarios installed with the package."""
    return Path(str(resources.files(SHIPPED_PACKAGE)))


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario names mapped to their files, sorted by name."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.toml"))}


def resolve_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Find a scenario file from a path or a shipped scenario's name.

    A path is taken relative to ``relative_to`` (the folder of the file that names it) or
    the working directory; a bare name such as ``blame_focused`` is looked up among the
    shipped scenarios.
    """
    ref_path = Path(ref)
    candidates = []
    if relative_to is not None and not ref_path.is_absolute():
        candidates.append(relative_to / ref_path)
    candidates.append(ref_path)
    for c in candidates:
        if _is_file(c):
            return c.resolve()
    name = ref_path.name.removesuffix(".toml")
    shipped = shipped_scenarios()
    if name in shipped and (ref_path.parent == Path(".") or not _exists(ref_path)):
        return shipped[name]
    if len(name) > 255:
        raise ScenarioError(ref, None, "file name too long (most: 255 characters)")
    hint = difflib.get_close_matches(name, list(shipped), n=1)
    extra = f"; did you mean the shipped scenario '{hint[0]}'?" if hint else ""
    raise ScenarioError(ref, None, f"no such scenario file or shipped scenario{extra}")


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a path no file can have (too long, a NUL byte)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------------------
# Reading and merging
# --------------------------------------------------------------------------------------


def read_toml_file(
    path: Path, error: type[ScenarioError] = ScenarioError, *, max_nesting: int = MAX_NESTING
) -> dict[str, Any]:
    """A TOML file's tables, or ``error`` (file, key, one line) for anything that is not
    a readable UTF-8 TOML file nested at most ``max_nesting`` deep: bad bytes, malformed
    TOML, a folder, a file that cannot be read. Scenario, comparison and analysis files
    are all read here."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, None, f"cannot read file: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path
        raise error(path, None, "cannot read file: the name holds a NUL character") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            path,
            None,
            f"not a UTF-8 text file: byte 0x{raw[exc.start]:02x} at line {line}, column {col}",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        key, message = _toml_error(text, exc)
        raise error(path, key, message) from None
    except RecursionError:
        raise error(path, None, f"values nested too deeply (most: {max_nesting})") from None
    except ValueError as exc:  # a whole number of more digits than Python converts
        key, message = _toml_error(text, exc)
        raise error(path, key, message) from None
    where = _too_deep(data, max_nesting)
    if where is not None:
        raise error(path, where, f"values nested too deeply (most: {max_nesting})")
    return data


def _too_deep(data: Mapping[str, Any], most: int) -> str | None:
    """The key path of a value nested more than ``most`` levels deep, or None."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > most:
            return where or None
        if isinstance(node, Mapping):
            items: Any = ((f"{where}.{k}" if where else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            items = ((f"{where}[{i}]", v) for i, v in enumerate(node))
        else:
            continue
        stack.extend((v, k, depth + 1) for k, v in items if isinstance(v, Mapping | list))
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml_file(path)


def _toml_error(source: str, exc: ValueError) -> tuple[str | None, str]:
    """(key path, message) for malformed TOML: the key on the faulty line, if any."""
    if not isinstance(exc, tomllib.TOMLDecodeError):
        # tomllib reads a whole number with int(), which refuses more than
        # sys.get_int_max_str_digits() digits and says neither where nor which key
        most = sys.get_int_max_str_digits()
        long_number = re.search(rf"[0-9][0-9_]{{{most},}}", source)
        if long_number is None:
            return None, f"malformed TOML: {shorten(str(exc), 100)}"
        line_no = source.count("\n", 0, long_number.start()) + 1
        message = f"a whole number of more than {most:,} digits, at line {line_no}"
        return _key_at_line(source, line_no), message
    text = str(exc)
    where = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if where is None:
        return None, f"malformed TOML: {shorten(text, 200)}"
    line_no, col = int(where.group(1)), int(where.group(2))
    # the reason may quote a key or a value whole ("cannot declare ('kkk…') twice")
    reason = shorten(text[: where.start()].strip().rstrip("."), 100) or "syntax error"
    message = f"malformed TOML at line {line_no}, column {col}: {reason[0].lower()}{reason[1:]}"
    return _key_at_line(source, line_no), message


def _key_at_line(source: str, line_no: int) -> str | None:
    """The key path assigned on line ``line_no`` of a TOML text (or its table), if any."""
    lines = source.splitlines()
    table = ""
    for raw in lines[: line_no - 1]:
        header = re.match(r"\s*\[\[?\s*([A-Za-z0-9_.\-\s\"]+?)\s*\]\]?\s*(#.*)?$", raw)
        if header:
            table = header.group(1).replace('"', "").replace(" ", "")
    current = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    assigned = re.match(r"\s*([A-Za-z0-9_.\-\"]+)\s*=", current)
    if assigned is None:
        return table or None
    key = assigned.group(1).replace('"', "")
    return f"{table}.{key}" if table else key


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into ``base``: tables merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _raw_with_extends(path: Path) -> tuple[dict[str, Any], Path]:
    """Read a file and everything it extends, merged; returns the data and the file.

    A chain of ``extends`` may hold at most :data:`MAX_EXTENDS` files."""
    chain: list[Path] = []
    layers: list[dict[str, Any]] = []
    current = path
    while True:
        if current in chain:
            cycle = " -> ".join(p.name for p in (*chain, current))
            raise ScenarioError(chain[-1], "extends", f"cycle of extends: {shorten(cycle, 200)}")
        if len(chain) == MAX_EXTENDS:
            raise ScenarioError(
                path, "extends", f"a chain of more than {MAX_EXTENDS} files extending each other"
            )
        data = _read_toml(current)
        chain.append(current)
        _make_network_paths_absolute(data, current.parent, current)
        layers.append(data)
        parent_ref = data.get("extends")
        if parent_ref is None:
            break
        if not isinstance(parent_ref, str):
            raise ScenarioError(
                current, "extends", "must be a file path or a shipped scenario name"
            )
        try:
            current = resolve_path(parent_ref, current.parent)
        except ScenarioError as exc:
            raise ScenarioError(
                chain[-1], "extends", f"{quote(parent_ref)}: {exc.message}"
            ) from None
    merged = layers.pop()
    while layers:
        merged = deep_merge(merged, layers.pop())
    return merged, path


def _make_network_paths_absolute(data: dict[str, Any], folder: Path, file: Path) -> None:
    eco = data.get("economy")
    if isinstance(eco, dict) and isinstance(eco.get("network_file"), str):
        text = eco["network_file"]
        if "\x00" in text:
            raise ScenarioError(file, "economy.network_file", "holds a NUL character")
        p = Path(text)
        if not p.is_absolute():
            try:
                eco["network_file"] = str((folder / p).resolve())
            except (OSError, RuntimeError) as exc:
                raise ScenarioError(
                    file, "economy.network_file", f"{quote(text)}: not a usable path ({exc})"
                ) from None


# --------------------------------------------------------------------------------------
# Validation errors -> one line
# --------------------------------------------------------------------------------------


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names allowed at a location of the schema (for unknown-key messages)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        nxt = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if nxt is None:
            # tuples of models
            for a in args:
                inner = getattr(a, "__args__", ())
                nxt = next(
                    (c for c in inner if isinstance(c, type) and issubclass(c, BaseModel)), None
                )
                if nxt:
                    break
        if nxt is None:
            return []
        current = nxt
    return list(getattr(current, "model_fields", {}))


def _format_validation_error(exc: ValidationError, file: Path | str | None) -> ScenarioError:
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc)
    etype = err.get("type", "")
    if etype == "extra_forbidden":
        allowed = _allowed_keys(Scenario, loc)
        bad = str(loc[-1]) if loc else ""
        hint = difflib.get_close_matches(bad, allowed, n=1)
        msg = "unknown key"
        if hint:
            msg += f"; did you mean '{hint[0]}'?"
        if hint and len(allowed) > 10:
            msg += " (every key: healthsim schema --reference)"
        elif allowed:
            msg += f"{'' if hint else '.'} Allowed here: {_some_keys(bad, allowed)}"
        return ScenarioError(file, key, msg)
    msg = _plain_message(err)
    if "input" in err and etype not in ("missing",) and not isinstance(err["input"], dict):
        msg += f" (got {quote(err['input'])})"
        msg += _percent_hint(etype, err)
    more = len(exc.errors()) - 1
    if more:
        msg += f" [and {more} more problem{'s' if more > 1 else ''}]"
    return ScenarioError(file, key, msg)


def _percent_hint(etype: str, err: Mapping[str, Any]) -> str:
    """A hint when a share was written as a percentage (5 for 0.05), else ""."""
    value, le = err.get("input"), (err.get("ctx") or {}).get("le")
    if etype != "less_than_equal" or isinstance(value, bool) or not isinstance(le, int | float):
        return ""
    if not isinstance(value, int | float) or not 1 < value <= 100 or le > 1:
        return ""
    if value / 100 > le:
        return ""
    return f"; shares are fractions here: for {value:g}% write {value / 100:g}"


def _some_keys(bad: str, allowed: list[str], most: int = 100) -> str:
    """The allowed keys, or as many of those nearest to ``bad`` as fit in ``most``
    characters when there are more (so the error stays a short line)."""
    if len(", ".join(allowed)) <= most:
        return ", ".join(allowed)
    near: list[str] = []
    for key in difflib.get_close_matches(bad, allowed, n=len(allowed), cutoff=0.0):
        if len(", ".join([*near, key])) > most:
            break
        near.append(key)
    return f"{', '.join(near)} and {len(allowed) - len(near)} more (healthsim schema --reference)"


#: Pydantic error types -> plain words (with the limit from the error's context).
_PLAIN = {
    "less_than_equal": "must be at most {le}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "greater_than": "must be more than {gt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text (in quotes)",
    "model_type": "must be a table of keys ([section]), not a single value",
    "dict_type": "must be a table of keys ([section]), not a single value",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "missing": "is required here",
    "too_short": "must have at least {min_length} item(s) or character(s)",
    "too_long": "must have at most {max_length} item(s) or character(s)",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} character(s)",
}


def _plain_message(err: Mapping[str, Any]) -> str:
    """A validation error in plain words ("must be at most 1"), else pydantic's own."""
    etype = err.get("type", "")
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (err.get("ctx") or {}).items()}
    if etype == "value_error":
        return shorten(str(err.get("msg", "invalid value")).removeprefix("Value error, "), 200)
    template = _PLAIN.get(etype)
    if template is None:
        return str(err.get("msg", "invalid value"))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return str(err.get("msg", "invalid value"))


def validate(data: Mapping[str, Any], file: Path | str | None = None) -> Scenario:
    """Validate a merged mapping into a frozen :class:`Scenario`."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise _format_validation_error(exc, file) from None


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def load_scenario(ref: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario file (or shipped scenario name).

    Args:
        ref: a path to a TOML file, or the name of a shipped scenario.
        overrides: values that replace the file's, by dotted key path
            (``{"regime.communication.blame_intensity": 0.9}``).

    Returns:
        The validated, frozen scenario. A network file it names is read here, and its
        trusts and links are written into ``economy.trusts`` and ``economy.links`` (and
        ``economy.network_file`` is cleared) so the scenario is self-contained. A
        scenario may not name a network file and list ``[[economy.links]]`` too.

    Raises:
        ScenarioError: naming the file, key path and problem.
    """
    path = resolve_path(ref)
    data, _ = _raw_with_extends(path)
    data.pop("extends", None)
    data["extends"] = None
    if overrides:
        data = apply_overrides_raw(data, overrides, path)
    scenario = validate(data, path)
    net = scenario.economy.network_file
    if net is not None:
        if scenario.economy.links:
            raise ScenarioError(
                path,
                "economy.network_file",
                "give either a network file or [[economy.links]], not both (the file's "
                "links would replace the listed ones; a resolved scenario lists the links "
                "and names no file)",
            )
        scenario = _with_network_file(scenario, Path(net), path)
    return scenario


def _with_network_file(scenario: Scenario, net: Path, file: Path) -> Scenario:
    """``scenario`` with the trusts and links of its network file written in."""
    eco = scenario.economy
    trusts, links = read_network_file(net, file, [t.id for t in eco.trusts], eco.beds_mean)
    raw = scenario.model_dump(mode="json")
    raw["economy"]["trusts"] = [t.model_dump() for t in eco.trusts] if trusts is None else trusts
    raw["economy"]["links"] = links
    raw["economy"]["network_file"] = None  # read: the scenario now lists what it held
    try:
        return validate(raw, file)
    except ScenarioError as exc:  # the file's trusts or links break a rule of the schema
        raise ScenarioError(
            file,
            "economy.network_file",
            f"{shorten(net.name, 60)}: read as {exc.key or 'the economy'}, {exc.message}",
        ) from None


def apply_overrides_raw(
    data: Mapping[str, Any], overrides: Mapping[str, Any], file: Path | str | None = None
) -> dict[str, Any]:
    """Set dotted (or ``__``-separated) key paths in a raw mapping."""
    out = deep_merge({}, data)
    for dotted, value in overrides.items():
        parts = dotted.replace("__", ".").split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = {}
                node[part] = nxt
            elif not isinstance(nxt, dict):
                raise ScenarioError(file, ".".join(parts[: i + 1]), "is a value, not a table")
            node = nxt
        if isinstance(value, Mapping | list) and _too_deep({"v": value}, MAX_NESTING):
            raise ScenarioError(file, dotted, f"values nested too deeply (most: {MAX_NESTING})")
        node[parts[-1]] = value
    return out


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of a scenario with some values replaced and everything re-validated."""
    if not overrides:
        return scenario
    raw = scenario.model_dump(mode="json")
    return validate(apply_overrides_raw(raw, overrides, "overrides"), "overrides")


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text (loading it gives the same scenario)."""
    from healthsim.config.toml_writer import dumps

    data = scenario.model_dump(mode="json", exclude_none=True)
    data.pop("extends", None)
    return dumps(data)
