"""What the workshop views show, computed from a model: no widgets, no drawing.

The app (SVG in the browser) and ``healthsim animate`` (matplotlib frames) draw the same
things from these functions: calendar labels, the network's nodes and links with their
colours and sizes, a trust's state in plain words, headline numbers and the event feed.
Everything is read from the model's arrays (``model.s``, ``model.recorder``); nothing
here changes the model. It lives below the app (in reports) so that the animation, a
report, does not import the app.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from healthsim.metrics import calendar as cal
from healthsim.metrics import palette
from healthsim.model import Rung, Support
from healthsim.model.mechanisms.support import by_code

if TYPE_CHECKING:
    from healthsim.config.schema import Scenario
    from healthsim.model.economy import HealthEconomy

ColourBy = Literal["rung", "rating"]
SizeBy = Literal["deficit", "activity"]

#: Ladder states and ratings: (label, colour), from :mod:`healthsim.metrics.palette` (the
#: one definition every output shares).
RUNGS: dict[int, tuple[str, str]] = {int(k): (v.label, v.colour) for k, v in palette.LADDER.items()}
RATINGS: dict[int, tuple[str, str]] = {
    int(k): (v.label, v.colour) for k, v in palette.RATINGS.items()
}

#: Plain titles of the shipped presets (others get their name, humanised).
TITLES = {
    "baseline": "Baseline: the 2013 regime, 2010s squeeze",
    "regime_2013": "The 2013 special-measures regime",
    "blame_focused": "Blame-focused regime",
    "board_supported": "Board-supported regime",
    "whole_system": "Whole-system regime",
    "no_regime": "No regime (nothing follows a rating)",
    "squeeze_none": "No financial squeeze",
    "squeeze_severe": "Severe financial squeeze",
    "squeeze_2010s": "The 2010s squeeze",
    "region": "A region of eight economies",
    "england": "England: 42 economies",
}

BUDDY_COLOUR = palette.BUDDY
COMMISSIONER_COLOUR = palette.COMMISSIONER
SOCIAL_CARE_COLOUR = palette.SOCIAL_CARE
#: A deficit this large (share of income over 12 months) draws a trust at full size.
FULL_DEFICIT = 0.06
#: Smallest and largest trust circle, as shares of the drawing's unit (see
#: :func:`network_view`).
R_MIN, R_MAX = 0.1, 0.3


# --------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------


def calendar(scenario: Scenario, month: int) -> str:
    """Calendar month of run month ``month`` (1 = April of ``start_year``, the NHS's
    financial year), e.g. ``"May 2014"``; month 0 is the start of the run."""
    return cal.month_name(month, scenario.start_year)


def financial_year(scenario: Scenario, month: int) -> str:
    """The NHS financial year a run month falls in, e.g. ``"2014/15"``."""
    return cal.financial_year(month, scenario.start_year)


def when(scenario: Scenario, month: int) -> str:
    """``"Month 14 (May 2014)"``; month 0 is ``"Start (April 2013)"``."""
    if month <= 0:
        return f"Start ({calendar(scenario, 1)})"
    return f"Month {month} ({calendar(scenario, month)})"


def month_axis(scenario: Scenario, months: np.ndarray) -> np.ndarray:
    """Run months as fractional calendar years (month 1 = April of start_year)."""
    return cal.decimal_time(months, scenario.start_year)


# --------------------------------------------------------------------------------------
# Per-trust numbers read from the model's arrays
# --------------------------------------------------------------------------------------


def margin_12m(model: HealthEconomy) -> np.ndarray:
    """Each trust's surplus over income for the last 12 months (negative = deficit)."""
    s = model.s
    income = s.income_ring.sum(axis=0)
    return np.divide(s.surplus_ring.sum(axis=0), income, out=np.zeros(s.n), where=income > 0)


def surplus_12m(model: HealthEconomy) -> np.ndarray:
    """Each trust's surplus (£m) over the last 12 months (negative = deficit)."""
    return model.s.surplus_ring.sum(axis=0)


def activity(model: HealthEconomy) -> np.ndarray:
    """Occupied beds per trust this month."""
    return np.asarray(model.s.occupancy) * model.s.beds


def _last(model: HealthEconomy, name: str) -> np.ndarray | None:
    rec = model.recorder
    return rec.per_trust[name][rec.n_rows - 1] if rec.n_rows else None


def short_label(model: HealthEconomy, i: int) -> str:
    """A trust's label without its economy prefix when there is one economy."""
    label = model.structure.trust_labels[i]
    if model.structure.n_economies == 1 and " " in label:
        head, rest = label.split(" ", 1)
        if head == model.structure.economy_ids[0]:
            return rest
    return label


def _letter(label: str) -> str:
    """``"E3 Trust A"`` -> ``"A"`` (the economy is labelled on its group)."""
    head, _, tail = label.rpartition(" Trust ")
    return tail if head and tail else label


def trust_state(model: HealthEconomy, i: int) -> list[tuple[str, str]]:
    """A trust's state as (what, value) rows in plain words."""
    s, st = model.s, model.structure
    rung = int(s.rung[i])
    state = int(palette.states_of_model(model)[i])
    ladder = RUNGS[state][0]
    if rung >= Rung.special_measures:
        ladder += f" for {int(s.months_in_sm[i])} months"
    elif state == palette.State.failing_after_administration:
        ladder += f" (on the rung {RUNGS[rung][0].lower()})"
    if s.named[i]:
        ladder += ", named publicly"
    rating = RATINGS[int(s.rating[i])][0]
    if s.last_inspection[i] >= 0:
        rating += f" (inspected {calendar(model.p, int(s.last_inspection[i]) + 1)})"
    q = s.quality[i]
    harm = _last(model, "harm")
    hidden = _last(model, "harm_hidden")
    rows = [
        ("Local economy", st.economy_labels[int(st.economy_of[i])]),
        ("Beds", f"{s.beds[i]:.0f}, {100 * float(model.s.occupancy[i]):.0f}% full"),
        ("Ladder", ladder),
        ("Latest rating", rating),
        ("True quality", f"{q.mean():.2f} (worst service {q.min():.2f})"),
    ]
    if harm is not None and hidden is not None:
        rows.append(("Harm this month", f"{harm[i]:.0f} events, {hidden[i]:.0f} not reported"))
    m12, sur = float(margin_12m(model)[i]), float(surplus_12m(model)[i])
    money = f"{'deficit' if sur < 0 else 'surplus'} £{abs(sur):.1f}m ({100 * m12:+.1f}% of income)"
    rows += [
        ("Last 12 months", money),
        ("Cash", f"£{s.cash[i]:.1f}m"),
        ("Staff in post", f"{100 * s.staff[i]:.0f}% of establishment"),
        ("Morale / fear", f"{s.morale[i]:.2f} / {s.fear[i]:.2f}"),
        ("Harm reported", f"{100 * s.openness[i]:.0f}% (openness)"),
        ("Board capability", f"{s.capability[i]:.2f}"),
    ]
    sup = by_code(s.support[i])
    if sup != Support.none:
        text = sup.label
        if sup.kind.partner and s.buddy_of[i] >= 0:
            text += f": {st.trust_labels[int(s.buddy_of[i])]}"
        rows.append(("Help", f"{text} ({int(s.support_left[i])} months left)"))
    if s.buddy_load[i] > 0:
        rows.append(("Buddy to", f"{int(s.buddy_load[i])} trust(s)"))
    return rows


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------


@dataclass
class NetworkView:
    """The network ready to draw: coordinates in a ``width`` x ``height`` box."""

    width: float
    height: float
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def _edges(g) -> list[tuple[str, str, dict]]:
    """The graph's links, copied. The app may draw while Mesa's play loop steps the
    model in another thread, and a step can add or drop a buddy link mid-copy."""
    for _ in range(5):
        try:
            return list(g.edges(data=True))
        except RuntimeError:  # the graph changed during the copy: copy again
            continue
    return list(g.edges(data=True))


def network_view(
    model: HealthEconomy,
    colour_by: ColourBy = "rung",
    size_by: SizeBy = "deficit",
    width: float = 1000.0,
) -> NetworkView:
    """Nodes (trusts, commissioners, social care), links and economy groups to draw.

    Trusts are coloured by ladder rung or latest rating and sized by their 12-month
    deficit (share of income) or by activity (occupied beds); buddy links are flagged.
    Node dicts carry ``tip`` (hover text) and, for trusts, ``index``.
    """
    st, s, g = model.structure, model.s, model.structure.graph
    pos = st.positions
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    pad = 0.75 if model.structure.n_economies > 1 else 0.6
    x0, x1 = xs.min() - pad, xs.max() + pad
    y0, y1 = ys.min() - pad, ys.max() + pad
    scale = width / (x1 - x0)
    height = (y1 - y0) * scale
    n_econ = st.n_economies
    detail = n_econ <= 4  # labels on the drawing; otherwise in the hover text only

    def xy(node: str) -> tuple[float, float]:
        px, py = pos[node]
        return round((px - x0) * scale, 1), round((y1 - py) * scale, 1)

    view = NetworkView(width=round(width, 1), height=round(height, 1))
    for e, (eid, elabel) in enumerate(zip(st.economy_ids, st.economy_labels, strict=True)):
        cx, cy = xy(f"commissioner:{eid}")
        members = np.flatnonzero(st.economy_of == e)
        in_sm = int((s.rung[members] >= Rung.special_measures).sum())
        view.groups.append(
            {
                "id": eid,
                "x": cx,
                "y": cy,
                "r": round(1.42 * scale, 1),
                "label": elabel,
                "alert": in_sm > 0,
            }
        )

    colours = RUNGS if colour_by == "rung" else RATINGS
    values = palette.states_of_model(model) if colour_by == "rung" else s.rating
    if size_by == "deficit":
        share = np.clip(-margin_12m(model) / FULL_DEFICIT, 0, 1)
    else:
        act = activity(model)
        share = np.sqrt(act / max(float(act.max()), 1e-9))
    r_min, r_max = R_MIN * scale, R_MAX * scale
    radius = r_min + (r_max - r_min) * share

    for i in range(s.n):
        node = f"trust:{st.trust_ids[i]}"
        x, y = xy(node)
        name, colour = colours[int(values[i])]
        rows = trust_state(model, i)
        tip = st.trust_labels[i] + "\n" + "\n".join(f"{k}: {v}" for k, v in rows)
        view.nodes.append(
            {
                "id": node,
                "kind": "trust",
                "index": i,
                "x": x,
                "y": y,
                "r": round(float(radius[i]), 1),
                "fill": colour,
                "state": name,
                "sm": bool(s.rung[i] >= Rung.special_measures),
                "ring": palette.RING,
                "named": bool(s.named[i]),
                "label": (short_label(model, i) if n_econ == 1 else _letter(st.trust_labels[i]))
                if n_econ <= 12
                else "",
                "fs": 24 if n_econ == 1 else 17,
                "tip": tip,
            }
        )
    for eid, elabel in zip(st.economy_ids, st.economy_labels, strict=True):
        for kind, colour, what in (
            ("commissioner", COMMISSIONER_COLOUR, "commissioner"),
            ("social_care", SOCIAL_CARE_COLOUR, "social care"),
        ):
            node = f"{kind}:{eid}"
            x, y = xy(node)
            view.nodes.append(
                {
                    "id": node,
                    "kind": kind,
                    "index": -1,
                    "x": x,
                    "y": y,
                    "r": round(0.09 * scale, 1),
                    "fill": colour,
                    "label": ("Commissioner" if kind == "commissioner" else "Social care")
                    if detail
                    else "",
                    "tip": f"{elabel} {what}",
                }
            )

    index = {f"trust:{tid}": i for i, tid in enumerate(st.trust_ids)}
    for a, b, data in _edges(g):
        kind = data.get("kind", "flow")
        buddy = bool(data.get("buddy")) or kind == "buddy"
        (ax, ay), (bx, by) = xy(a), xy(b)
        edge = {"x1": ax, "y1": ay, "x2": bx, "y2": by, "kind": "buddy" if buddy else kind}
        if buddy:
            edge["colour"] = BUDDY_COLOUR
        if buddy:
            ia, ib = index[a], index[b]
            helper, helped = (ia, ib) if s.buddy_of[ib] == ia else (ib, ia)
            edge["tip"] = f"{st.trust_labels[helper]} is buddy to {st.trust_labels[helped]}"
        elif kind == "flow":
            edge["w"] = round(1 + 3 * float(data.get("weight", 1.0)), 2)
            edge["tip"] = "patients flow between these trusts"
        view.edges.append(edge)
    order = {"social_care": 0, "contract": 1, "flow": 2, "buddy": 3}
    view.edges.sort(key=lambda e: order.get(e["kind"], 2))
    view.legend = [(name, colour) for name, colour in colours.values()]
    return view


def size_legend(size_by: SizeBy = "deficit") -> tuple[str, list[tuple[str, float]]]:
    """What a trust's circle size means: a title and (label, radius as a share of the
    largest circle) for a few sample circles, smallest first."""

    def r(share: float) -> float:
        return round((R_MIN + (R_MAX - R_MIN) * share) / R_MAX, 3)

    if size_by == "deficit":
        full = round(100 * FULL_DEFICIT)
        return (
            "Circle size: deficit over the last 12 months",
            [
                ("in surplus", r(0.0)),
                (f"deficit {full // 2}% of income", r(0.5)),
                (f"{full}% or more", r(1.0)),
            ],
        )
    return (
        "Circle size: beds occupied",
        [("a quarter of the busiest trust's", r(0.5)), ("the busiest trust", r(1.0))],
    )


# --------------------------------------------------------------------------------------
# Headline numbers and the event feed
# --------------------------------------------------------------------------------------


#: The headline's rows about the ladder: (row, the states it counts).
LADDER_HEADLINE = (
    ("In special measures now", (palette.State.special_measures,)),
    ("In administration now", (palette.State.administration,)),
    ("Out of administration, still inadequate", (palette.State.failing_after_administration,)),
)


def ladder_headline(model: HealthEconomy) -> dict[str, int]:
    """Trusts in special measures, in administration and out of administration but
    still rated inadequate, now (the palette's states: the three counted apart). The
    last is left out while no trust is in that state."""
    c = palette.counts(palette.states_of_model(model))
    out = {row: sum(c[k] for k in keys) for row, keys in LADDER_HEADLINE}
    if not out[LADDER_HEADLINE[-1][0]]:
        del out[LADDER_HEADLINE[-1][0]]
    return out


def headline(model: HealthEconomy) -> dict[str, str]:
    """The numbers a room asks about, as of the latest month, formatted."""
    rec, n = model.recorder, model.recorder.n_rows
    ladder = {k: str(v) for k, v in ladder_headline(model).items()}
    if n == 0:
        return {
            "Avoidable harm so far": "0",
            "of which never reported": "–",
            **ladder,
            "Trusts in deficit": f"{int((margin_12m(model) < 0).sum())} of {model.s.n}",
            "Harm reported this month": "–",
            "Staff leaving (a year)": "–",
        }
    m = rec.monthly
    harm = float(m["harm"][:n].sum())
    hidden = float(m["harm_hidden"][:n].sum())
    return {
        "Avoidable harm so far": f"{harm:,.0f}",
        "of which never reported": f"{hidden:,.0f} ({100 * hidden / harm:.0f}%)" if harm else "0",
        **ladder,
        "Trusts in deficit": f"{int(m['in_deficit'][n - 1])} of {model.s.n}",
        "Harm reported this month": f"{100 * m['reporting_rate'][n - 1]:.0f}%",
        "Staff leaving (a year)": f"{100 * 12 * m['turnover'][n - 1]:.1f}%",
    }


@dataclass(frozen=True)
class FeedItem:
    month: int
    when: str
    trust: int
    who: str
    text: str
    tone: Literal["bad", "good", "info"]


#: Events looked at for the feed (the newest); a feed shows at most a few dozen lines.
FEED_WINDOW = 600

_BAD = ("special measures", "inadequate", "administration", "board replaced", "warning")
_GOOD = ("leaves special measures", "leaves administration", "rated good", "outstanding")


def _routine(text: str) -> bool:
    return (text.startswith("inspected") and "inadequate" not in text) or text in (
        "moved to advice",
        "moved to none",
    )


def _tone(text: str) -> Literal["bad", "good", "info"]:
    if any(w in text for w in ("leaves special measures", "leaves administration")):
        return "good"
    if any(w in text for w in _BAD):
        return "bad"
    if any(w in text for w in _GOOD):
        return "good"
    return "info"


def feed(model: HealthEconomy, *, routine: bool = False, limit: int = 80) -> list[FeedItem]:
    """The event log in plain language, newest first, one line per trust and month:
    ``Month 14 (May 2014): E1 Trust C — inspected …; placed in special measures; buddy …``.

    Routine inspections with nothing inadequate are left out unless ``routine``.
    """
    grouped: dict[tuple[int, int], list[str]] = {}
    # The newest events are enough for a feed (the log grows all run long).
    for month, trust, text in model.events[-FEED_WINDOW:]:
        grouped.setdefault((month, trust), []).append(text)
    items: list[FeedItem] = []
    for (month, trust), texts in reversed(grouped.items()):
        if not routine and all(_routine(t) for t in texts):
            continue
        text = "; ".join(texts)
        items.append(
            FeedItem(
                month,
                when(model.p, month),
                trust,
                model.structure.trust_labels[trust],
                text,
                _tone(text),
            )
        )
        if len(items) >= limit:
            break
    return items


def feed_line(item: FeedItem) -> str:
    """One feed item as a sentence."""
    return f"{item.when}: {item.who} — {item.text}"


def nice_ceiling(x: float) -> float:
    """A round number at least ``x`` (for fixed chart axes)."""
    if x <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(x))
    return next(m * mag for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * mag >= x)
