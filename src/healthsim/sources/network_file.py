"""Read a user's network file (GraphML or CSV edge list): its trusts and patient-flow links.

The scenario loader writes them into ``economy.trusts`` and ``economy.links``, so the
resolved scenario is self-contained and a re-run does not need the file. Any problem is
a :class:`ScenarioError` naming the scenario file and the key.

GraphML is checked with :mod:`defusedxml` before networkx reads it: a document that
declares entities (an "entity bomb") or refers to external ones is refused, so reading
a network file never expands entities or opens other files.
"""

from __future__ import annotations

import csv
import io
import math
import stat
from collections.abc import Collection
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML

from healthsim.errors import ScenarioError, quote, short_path, shorten

KEY = "economy.network_file"

#: Largest network file read, in bytes (England's trusts and their links take a few kB).
MAX_BYTES = 64 * 1024 * 1024


def read_network_file(
    path: Path, scenario_file: Path | str, trust_ids: Collection[str], beds_default: float
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """The trusts and links of the network file ``path`` that ``scenario_file`` names.

    Args:
        trust_ids: the scenario's own trusts; when there are any, every node of the file
            must be one of them and no trusts are returned (the scenario's are kept).
        beds_default: beds of a trust made from a node without a ``beds`` attribute.

    Returns:
        (trusts as ``economy.trusts`` rows, or None; links as ``economy.links`` rows).
    """
    _check_file(path, scenario_file)
    suffix = path.suffix.lower()
    if suffix not in (".graphml", ".xml", ".csv", ".txt"):
        raise ScenarioError(
            scenario_file,
            KEY,
            f"unsupported network file type {quote(suffix, 20)} (use .graphml or .csv)",
        )
    data = _read_bytes(path, scenario_file)
    if suffix in (".graphml", ".xml"):
        nodes, links = _read_graphml(data, path, scenario_file)
    else:
        nodes, links = _read_csv(data, path, scenario_file)
    if not links:
        raise ScenarioError(scenario_file, KEY, f"{path.name}: the network has no links")
    known = set(trust_ids)
    if known:
        unknown = sorted({n for n in nodes if n not in known})
        if unknown:
            raise ScenarioError(
                scenario_file,
                KEY,
                f"{_name(path)}: node(s) {', '.join(quote(u, 30) for u in unknown[:5])} are "
                "not trusts of the scenario",
            )
        return None, links
    return _trusts_from_nodes(nodes, links, beds_default, path, scenario_file), links


def _name(path: Path) -> str:
    return shorten(path.name, 80)


def _check_file(path: Path, scenario_file: Path | str) -> None:
    """A one-line error unless ``path`` is a regular file of a size a network file may
    have: missing, a folder, /dev/null or a pipe, or too large."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(
            scenario_file, KEY, f"network file not found: {short_path(path)}"
        ) from None
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or "not a usable path"
        raise ScenarioError(
            scenario_file, KEY, f"network file {short_path(path)}: {why.lower()}"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device or pipe"
        raise ScenarioError(
            scenario_file, KEY, f"network file {short_path(path)} is {kind}, not a file"
        )
    if info.st_size > MAX_BYTES:
        raise ScenarioError(
            scenario_file,
            KEY,
            f"{_name(path)}: {info.st_size:,} bytes, more than a network file may hold "
            f"({MAX_BYTES:,})",
        )


def _read_bytes(path: Path, scenario_file: Path | str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            scenario_file, KEY, f"{_name(path)}: cannot read ({exc.strerror or exc})"
        ) from None


def _weight(value: Any, where: str, scenario_file: Path | str) -> float:
    """A link weight: a finite number above 0."""
    try:
        w = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ScenarioError(
            scenario_file, KEY, f"{where} has a non-numeric weight {quote(value, 30)}"
        ) from None
    if not (w > 0 and math.isfinite(w)):
        raise ScenarioError(scenario_file, KEY, f"{where}: weight must be > 0 (got {quote(w, 30)})")
    return w


def _read_graphml(
    data: bytes, path: Path, scenario_file: Path | str
) -> tuple[dict[str, dict], list[dict]]:
    try:
        # refuses entity declarations and external references before anything expands
        SafeXML.fromstring(data)
    except DefusedXmlException as exc:
        raise ScenarioError(
            scenario_file,
            KEY,
            f"{_name(path)}: GraphML that declares entities or refers to external ones is "
            f"not read ({type(exc).__name__})",
        ) from None
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        raise ScenarioError(
            scenario_file, KEY, f"{_name(path)}: malformed GraphML ({shorten(str(exc), 100)})"
        ) from None
    try:
        g = nx.read_graphml(io.BytesIO(data))
    except Exception as exc:  # networkx raises several kinds on bad GraphML
        raise ScenarioError(
            scenario_file, KEY, f"{_name(path)}: malformed GraphML ({shorten(str(exc), 100)})"
        ) from None
    nodes: dict[str, dict] = {}
    for n, attrs in g.nodes(data=True):
        nodes[str(n)] = dict(attrs)
    links = []
    for u, v, attrs in g.edges(data=True):
        where = f"{_name(path)}: edge {shorten(str(u), 30)}-{shorten(str(v), 30)}"
        w = _weight(attrs.get("weight", 1.0), where, scenario_file)
        if str(u) == str(v):
            continue
        links.append({"source": str(u), "target": str(v), "weight": w})
    return nodes, links


def _read_csv(
    data: bytes, path: Path, scenario_file: Path | str
) -> tuple[dict[str, dict], list[dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(scenario_file, KEY, f"{_name(path)}: not a UTF-8 text file") from None
    if "\x00" in text:
        raise ScenarioError(scenario_file, KEY, f"{_name(path)}: not a text file (NUL bytes)")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "source" not in fields or "target" not in fields:
            found = shorten(", ".join(fields), 60) or "no header"
            raise ScenarioError(
                scenario_file,
                KEY,
                f"{_name(path)}: a CSV edge list needs columns 'source' and 'target' "
                f"(and optionally 'weight'); found {found}",
            )
        rows = [
            {k.strip().lower(): (v or "").strip() for k, v in r.items() if isinstance(k, str)}
            for r in reader
        ]
    except csv.Error as exc:
        raise ScenarioError(
            scenario_file, KEY, f"{_name(path)}: malformed CSV ({shorten(str(exc), 100)})"
        ) from None
    nodes: dict[str, dict] = {}
    links = []
    for lineno, r in enumerate(rows, start=2):
        u, v = r.get("source", ""), r.get("target", "")
        if not u or not v:
            raise ScenarioError(
                scenario_file, KEY, f"{_name(path)} line {lineno}: empty source or target"
            )
        w_text = r.get("weight", "") or "1"
        try:
            w = float(w_text)
        except ValueError:
            raise ScenarioError(
                scenario_file,
                KEY,
                f"{_name(path)} line {lineno}: weight {quote(w_text, 30)} is not a number",
            ) from None
        if not (w > 0 and math.isfinite(w)):
            raise ScenarioError(
                scenario_file,
                KEY,
                f"{_name(path)} line {lineno}: weight must be > 0 (got {shorten(w_text, 30)})",
            )
        nodes.setdefault(u, {})
        nodes.setdefault(v, {})
        if u != v:
            links.append({"source": u, "target": v, "weight": w})
    return nodes, links


def _trusts_from_nodes(
    nodes: dict[str, dict[str, Any]],
    links: list[dict],
    beds_default: float,
    path: Path,
    scenario_file: Path | str,
) -> list[dict]:
    """Trusts from file nodes; economy from the node's attribute or its component."""
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((lk["source"], lk["target"]) for lk in links)
    component = {}
    for i, comp in enumerate(sorted(nx.connected_components(g), key=lambda c: sorted(c)[0])):
        for n in comp:
            component[n] = f"economy-{i + 1}"
    trusts = []
    for n in sorted(nodes):
        a = nodes[n]
        trusts.append(
            {
                "id": n,
                "economy": str(a.get("economy") or component[n]),
                "label": str(a.get("label") or ""),
                "beds": _beds(a.get("beds"), beds_default, n, path, scenario_file),
                "region": str(a.get("region") or ""),
            }
        )
    return trusts


def _beds(value: Any, default: float, node: str, path: Path, scenario_file: Path | str) -> float:
    """A node's ``beds`` attribute: a finite number above 0 (``default`` when absent)."""
    if not value:  # absent, empty or 0: the scenario's mean
        return float(default)
    try:
        beds = float(value)
    except (TypeError, ValueError, OverflowError):
        beds = math.nan
    if not (beds > 0 and math.isfinite(beds)):
        raise ScenarioError(
            scenario_file,
            KEY,
            f"{_name(path)}: node {quote(node, 30)} has beds = {quote(value, 30)}; it must be "
            "a number above 0",
        )
    return beds
