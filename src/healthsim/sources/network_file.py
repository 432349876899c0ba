"""Read a user's network file (GraphML or CSV edge list): its trusts and patient-flow links.

The scenario loader writes them into ``economy.trusts`` and ``economy.links``, so the
resolved scenario is self-contained and a re-run does not need the file. Any problem is
a :class:`ScenarioError` naming the scenario file and the key.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path
from typing import Any

import networkx as nx

from healthsim.errors import ScenarioError

KEY = "economy.network_file"


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
    if not path.is_file():
        raise ScenarioError(scenario_file, KEY, f"network file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".graphml", ".xml"):
        nodes, links = _read_graphml(path, scenario_file)
    elif suffix in (".csv", ".txt"):
        nodes, links = _read_csv(path, scenario_file)
    else:
        raise ScenarioError(
            scenario_file, KEY, f"unsupported network file type '{suffix}' (use .graphml or .csv)"
        )
    if not links:
        raise ScenarioError(scenario_file, KEY, f"{path.name}: the network has no links")
    known = set(trust_ids)
    if known:
        unknown = sorted({n for n in nodes if n not in known})
        if unknown:
            raise ScenarioError(
                scenario_file,
                KEY,
                f"{path.name}: node(s) {', '.join(unknown[:5])} are not trusts of the scenario",
            )
        return None, links
    return _trusts_from_nodes(nodes, links, beds_default), links


def _read_graphml(path: Path, scenario_file: Path | str) -> tuple[dict[str, dict], list[dict]]:
    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # networkx raises several kinds on bad XML
        raise ScenarioError(scenario_file, KEY, f"{path.name}: malformed GraphML ({exc})") from None
    nodes: dict[str, dict] = {}
    for n, attrs in g.nodes(data=True):
        nodes[str(n)] = dict(attrs)
    links = []
    for u, v, attrs in g.edges(data=True):
        w = attrs.get("weight", 1.0)
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise ScenarioError(
                scenario_file, KEY, f"{path.name}: edge {u}-{v} has a non-numeric weight {w!r}"
            ) from None
        if not w > 0:
            raise ScenarioError(
                scenario_file, KEY, f"{path.name}: edge {u}-{v} weight must be > 0 (got {w})"
            )
        if str(u) == str(v):
            continue
        links.append({"source": str(u), "target": str(v), "weight": w})
    return nodes, links


def _read_csv(path: Path, scenario_file: Path | str) -> tuple[dict[str, dict], list[dict]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in (reader.fieldnames or [])]
            if "source" not in fields or "target" not in fields:
                raise ScenarioError(
                    scenario_file,
                    KEY,
                    f"{path.name}: a CSV edge list needs columns 'source' and 'target' "
                    f"(and optionally 'weight'); found {', '.join(fields) or 'no header'}",
                )
            rows = [
                {k.strip().lower(): (v or "").strip() for k, v in r.items() if k} for r in reader
            ]
    except UnicodeDecodeError:
        raise ScenarioError(scenario_file, KEY, f"{path.name}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ScenarioError(
            scenario_file, KEY, f"{path.name}: cannot read ({exc.strerror})"
        ) from None
    nodes: dict[str, dict] = {}
    links = []
    for lineno, r in enumerate(rows, start=2):
        u, v = r.get("source", ""), r.get("target", "")
        if not u or not v:
            raise ScenarioError(
                scenario_file, KEY, f"{path.name} line {lineno}: empty source or target"
            )
        w_text = r.get("weight", "") or "1"
        try:
            w = float(w_text)
        except ValueError:
            raise ScenarioError(
                scenario_file, KEY, f"{path.name} line {lineno}: weight {w_text!r} is not a number"
            ) from None
        if not w > 0:
            raise ScenarioError(
                scenario_file, KEY, f"{path.name} line {lineno}: weight must be > 0 (got {w_text})"
            )
        nodes.setdefault(u, {})
        nodes.setdefault(v, {})
        if u != v:
            links.append({"source": u, "target": v, "weight": w})
    return nodes, links


def _trusts_from_nodes(
    nodes: dict[str, dict[str, Any]], links: list[dict], beds_default: float
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
                "beds": float(a.get("beds") or beds_default),
                "region": str(a.get("region") or ""),
            }
        )
    return trusts
