"""The networked local economy (MODEL.md §3): structure, generated or from data.

Trusts are linked to neighbours by patient-flow weights; each economy has one
commissioner and one social-care node, linked to its trusts; economies are linked
sparsely by flows between their trusts. Buddy links are added and removed as the run
goes (by the model, on the same graph). Generation draws only from the 'network'
stream, so the structure depends on the seed alone, never on the regime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from healthsim.config.schema import Economy


@dataclass(frozen=True)
class Structure:
    """The economy's organisations and links, as plain arrays and a graph.

    Attributes:
        trust_ids: identifier of each trust (index order is the model's order).
        trust_labels: label shown in outputs.
        economy_of: index of each trust's economy.
        economy_ids, economy_labels: per economy.
        beds: general and acute beds per trust.
        population: resident population per economy.
        region_of_economy: region label per economy.
        flow: (T, T) row-normalised patient-flow weights between trusts.
        graph: networkx graph with trust, commissioner and social-care nodes.
        positions: node -> (x, y) layout, deterministic (economies on a circle).
    """

    trust_ids: tuple[str, ...]
    trust_labels: tuple[str, ...]
    economy_of: np.ndarray
    economy_ids: tuple[str, ...]
    economy_labels: tuple[str, ...]
    beds: np.ndarray
    population: np.ndarray
    region_of_economy: tuple[str, ...]
    flow: np.ndarray
    graph: nx.Graph
    positions: dict[str, tuple[float, float]]

    @property
    def n_trusts(self) -> int:
        return len(self.trust_ids)

    @property
    def n_economies(self) -> int:
        return len(self.economy_ids)


def trust_node(tid: str) -> str:
    return f"trust:{tid}"


def commissioner_node(eid: str) -> str:
    return f"commissioner:{eid}"


def social_care_node(eid: str) -> str:
    return f"social_care:{eid}"


def build_structure(spec: Economy, rng: np.random.Generator) -> Structure:
    """Build the economy from the scenario: explicit trusts and links, or generated."""
    if spec.trusts:
        econ_region = {e.id: e.region for e in spec.economies}
        trusts = [
            (t.id, t.label or t.id, t.economy, t.beds, t.region or econ_region.get(t.economy, ""))
            for t in spec.trusts
        ]
        links = [(lk.source, lk.target, lk.weight) for lk in spec.links]
        if not links:
            links = _generate_links_for(trusts, spec, rng)
    else:
        trusts, links = _generate(spec, rng)
    econ_ids: list[str] = []
    for _, _, e, _, _ in trusts:
        if e not in econ_ids:
            econ_ids.append(e)
    econ_index = {e: i for i, e in enumerate(econ_ids)}
    eco_data = {e.id: e for e in spec.economies}
    tid_index = {t[0]: i for i, t in enumerate(trusts)}
    n = len(trusts)
    beds = np.array([t[3] for t in trusts], dtype=float)
    economy_of = np.array([econ_index[t[2]] for t in trusts], dtype=np.int64)
    pop = np.zeros(len(econ_ids))
    regions: list[str] = []
    labels: list[str] = []
    for i, e in enumerate(econ_ids):
        d = eco_data.get(e)
        bed_pop = beds[economy_of == i].sum() * spec.population_per_bed
        pop[i] = d.population if d is not None and d.population > 0 else bed_pop
        region = (d.region if d is not None else "") or next(
            (t[4] for t in trusts if t[2] == e and t[4]), ""
        )
        regions.append(region)
        labels.append((d.label if d is not None else "") or e)
    w = np.zeros((n, n))
    for a, b, weight in links:
        i, j = tid_index[a], tid_index[b]
        if i != j:
            w[i, j] += weight
            w[j, i] += weight
    rows = w.sum(axis=1, keepdims=True)
    flow = np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
    g = nx.Graph()
    for i, (tid, label, e, b, _) in enumerate(trusts):
        g.add_node(trust_node(tid), kind="trust", index=i, label=label, economy=e, beds=b)
    for e, label in zip(econ_ids, labels, strict=True):
        g.add_node(
            commissioner_node(e), kind="commissioner", economy=e, label=f"{label} commissioner"
        )
        g.add_node(social_care_node(e), kind="social_care", economy=e, label=f"{label} social care")
    for a, b, weight in links:
        if a != b:
            g.add_edge(trust_node(a), trust_node(b), kind="flow", weight=float(weight))
    for e in econ_ids:
        members = [i for i in range(n) if trusts[i][2] == e]
        total = beds[members].sum()
        for i in members:
            g.add_edge(
                commissioner_node(e),
                trust_node(trusts[i][0]),
                kind="contract",
                weight=float(beds[i] / total),
            )
            g.add_edge(
                social_care_node(e), trust_node(trusts[i][0]), kind="social_care", weight=1.0
            )
    return Structure(
        trust_ids=tuple(t[0] for t in trusts),
        trust_labels=tuple(t[1] for t in trusts),
        economy_of=economy_of,
        economy_ids=tuple(econ_ids),
        economy_labels=tuple(labels),
        beds=beds,
        population=pop,
        region_of_economy=tuple(regions),
        flow=flow,
        graph=g,
        positions=layout(g, econ_ids, [t[0] for t in trusts], [t[2] for t in trusts]),
    )


def _generate(spec: Economy, rng: np.random.Generator):
    """Generated economies: lognormal beds, a ring plus random links in each economy,
    and sparse links between neighbouring economies of a region."""
    trusts: list[tuple[str, str, str, float, str]] = []
    sigma = math.sqrt(math.log(1 + spec.beds_cv**2))
    mu = math.log(spec.beds_mean) - sigma**2 / 2
    width = len(str(spec.n_economies))
    for e in range(spec.n_economies):
        eid = f"E{e + 1:0{width}d}"
        region = f"R{e // spec.economies_per_region + 1}"
        spread = spec.trusts_per_economy_spread
        k = spec.trusts_per_economy + (int(rng.integers(-spread, spread + 1)) if spread else 0)
        k = max(1, k)
        for j in range(k):
            beds = (
                float(np.clip(rng.lognormal(mu, sigma), spec.beds_min, spec.beds_max))
                if sigma > 0
                else spec.beds_mean
            )
            tid = f"{eid}-T{j + 1}"
            trusts.append(
                (tid, f"{eid} Trust {chr(65 + j) if j < 26 else j + 1}", eid, round(beds), region)
            )
    return trusts, _generate_links_for(trusts, spec, rng)


def _generate_links_for(trusts, spec: Economy, rng: np.random.Generator):
    by_econ: dict[str, list[str]] = {}
    for tid, _, e, _, _ in trusts:
        by_econ.setdefault(e, []).append(tid)
    links: list[tuple[str, str, float]] = []
    for members in by_econ.values():
        k = len(members)
        for a in range(k):
            for b in range(a + 1, k):
                ring = b == a + 1 or (a == 0 and b == k - 1 and k > 2)
                u = rng.random()
                if ring or u < spec.flow_density:
                    links.append(
                        (members[a], members[b], float(spec.link_weight_floor + rng.random()))
                    )
    # Between economies: within each region, each economy is linked to the next
    # `inter_economy_links` economies of the region (a ring); consecutive regions are
    # joined by one link, so a region is a cluster and the country is connected.
    region_of = {}
    for _, _, e, _, region in trusts:
        region_of.setdefault(e, region or "")
    regions: dict[str, list[str]] = {}
    for e in by_econ:
        regions.setdefault(region_of[e], []).append(e)
    pairs: list[tuple[str, str, float]] = []
    if spec.inter_economy_links > 0:
        for members in regions.values():
            ne = len(members)
            seen = set()
            for i in range(ne):
                for step in range(1, spec.inter_economy_links + 1):
                    j = (i + step) % ne
                    key = (min(i, j), max(i, j))
                    if i == j or key in seen:
                        continue
                    seen.add(key)
                    pairs.append((members[i], members[j], spec.inter_economy_flow))
        heads = [m[0] for m in regions.values()]
        tails = [m[-1] for m in regions.values()]
        for r in range(len(heads) - 1):
            pairs.append(
                (tails[r], heads[r + 1], spec.inter_economy_flow * spec.inter_region_flow_share)
            )
    for ea, eb, w in pairs:
        a = by_econ[ea][int(rng.integers(len(by_econ[ea])))]
        b = by_econ[eb][int(rng.integers(len(by_econ[eb])))]
        links.append((a, b, float(w * (spec.link_weight_floor + rng.random()))))
    return links


def layout(g: nx.Graph, econ_ids, trust_ids, trust_econ) -> dict[str, tuple[float, float]]:
    """Economies on a large circle (or a grid), each economy's trusts on a small circle
    around its commissioner; social care just outside. Deterministic and cheap."""
    ne = len(econ_ids)
    pos: dict[str, tuple[float, float]] = {}
    cols = max(1, math.ceil(math.sqrt(ne)))
    for ei, e in enumerate(econ_ids):
        if ne == 1:
            cx, cy = 0.0, 0.0
        else:
            cx, cy = (ei % cols) * 3.0, -(ei // cols) * 3.0
        pos[commissioner_node(e)] = (cx, cy)
        pos[social_care_node(e)] = (cx + 0.35, cy - 0.35)
        members = [t for t, te in zip(trust_ids, trust_econ, strict=True) if te == e]
        k = len(members)
        for j, tid in enumerate(members):
            ang = 2 * math.pi * j / max(k, 1) + math.pi / 2
            pos[trust_node(tid)] = (cx + math.cos(ang), cy + math.sin(ang))
    return pos
