# ruff: noqa: N803 - X and Y are SALib's names for the sample and the outputs
"""Scenario discovery: where in parameter space does the ranking of two regimes flip?

For a contrast ``a - b`` (on the same seeds), each sample point gets a winner: the
regime with the better mean over its replicates (lower harm, higher quality, ...). A
shallow classification tree (scikit-learn's CART, ``max_depth`` 3 by default, leaves of
at least ``min_leaf`` of the points) describes the winner from the parameter values;
its leaves are boxes of parameter space. The leaves where the less common winner wins
are the *flip regions*, reported the way PRIM reports boxes (Friedman & Fisher 1999;
Bryant & Lempert 2010): their **density** (share of the points in the box where it
wins) and **coverage** (share of all the points where it wins that fall in the box).
The tree's cross-validated accuracy says how well such boxes describe the space.

Trees split categorical parameters on their level index: a rule on one reads as a set
of levels, and which sets are possible depends on the order the levels are listed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthsim.sensitivity.space import Parameter, Space

#: How many parameter values the "came closest" sentence names.
CLOSEST_SHOWN = 4


@dataclass(frozen=True)
class Condition:
    """One side of a box on one parameter: ``lo < value <= hi`` (None = open)."""

    parameter: Parameter
    lo: float | None
    hi: float | None

    def text(self) -> str:
        p = self.parameter
        if p.kind == "categorical":
            first = 0 if self.lo is None else math.floor(self.lo) + 1
            last = len(p.levels) - 1 if self.hi is None else math.floor(self.hi)
            levels = [str(v).lower() for v in p.levels[first : last + 1]]
            return f"{p.label} is {' or '.join(levels)}"
        if p.kind == "integer":
            lo = None if self.lo is None else math.floor(self.lo) + 1
            hi = None if self.hi is None else math.floor(self.hi)
            if lo is not None and hi is not None:
                return f"{p.label} is {lo} to {hi}" if lo != hi else f"{p.label} is {lo}"
            return f"{p.label} is {hi} or less" if hi is not None else f"{p.label} is {lo} or more"
        lo, hi = (_nice(v, p) for v in (self.lo, self.hi))
        if lo is not None and hi is not None:
            return f"{p.label} is between {lo} and {hi}"
        return f"{p.label} is below {hi}" if hi is not None else f"{p.label} is above {lo}"


def _nice(v: float | None, p: Parameter) -> str | None:
    if v is None:
        return None
    span = max(p.high - p.low, 1e-12)
    digits = max(0, 2 - math.floor(math.log10(span)))
    return f"{round(v, digits):.{digits}f}".rstrip("0").rstrip(".") or "0"


@dataclass(frozen=True)
class Region:
    """A box of parameter space (a leaf of the tree) and who wins in it.

    Attributes:
        conditions: the box's sides, one per parameter it restricts.
        n: sample points in the box.
        winner: the regime that wins at most points in the box.
        density: share of the box's points where ``winner`` wins.
        coverage: share of all points where ``winner`` wins that lie in the box.
        mean_contrast: mean of the contrast (a - b) over the box's points.
    """

    conditions: tuple[Condition, ...]
    n: int
    winner: str
    density: float
    coverage: float
    mean_contrast: float

    def rule(self) -> str:
        if not self.conditions:
            return "anywhere in the declared bounds"
        return " and ".join(c.text() for c in self.conditions)


@dataclass
class FlipAnalysis:
    """Where the winner of a contrast changes, in plain language.

    Attributes:
        output: the per-run metric compared.
        label: its label.
        a, b: the regimes (the contrast is a - b).
        better: which way is better for the metric (``lower``, ``higher``, ``neither``).
        n_points: sample points classified.
        wins: points won by each regime (ties count for neither).
        share_clear: share of points where the replicates leave the sign in no doubt
            (the 95% interval of the mean paired difference excludes zero).
        majority, minority: the regime winning most points, and the other.
        regions: boxes where the minority wins (the flip regions), largest coverage
            first.
        leaves: every box of the tree.
        accuracy, cv_accuracy: share of points the boxes classify correctly, on the
            sample and cross-validated (5 folds); NaN when there is nothing to learn.
        importance: the tree's importance of each parameter (sums to 1, or all 0).
        closest: when no point flips, the parameter values at the point where the
            contrast came nearest to flipping, and its value there.
        tree: the fitted scikit-learn tree (None when every point has one winner).
    """

    output: str
    label: str
    a: str
    b: str
    better: str
    n_points: int
    wins: dict[str, int]
    share_clear: float
    majority: str
    minority: str
    regions: list[Region] = field(default_factory=list)
    leaves: list[Region] = field(default_factory=list)
    accuracy: float = math.nan
    cv_accuracy: float = math.nan
    importance: pd.Series | None = None
    closest: dict[str, Any] | None = None
    tree: Any = None

    @property
    def flips(self) -> bool:
        """Whether the minority wins anywhere (at any sample point)."""
        return self.wins[self.minority] > 0

    def verb(self) -> str:
        return {"lower": "beats", "higher": "beats"}.get(self.better, "is above")

    def statement(self) -> str:
        """The finding in one or two plain sentences."""
        maj, mino = self.majority, self.minority
        share = self.wins[maj] / max(self.n_points, 1)
        what = self.label.lower() if self.label else self.output
        if self.better == "neither":
            head = f"{what} is higher under {maj} than under {mino}"
        else:
            head = f"{maj} beats {mino} on {what}"
        if not self.flips:
            text = (
                f"{head} at every one of the {self.n_points} sampled "
                "points: no region inside the declared bounds flips the ranking."
            )
            if self.closest:
                items = [(k, v) for k, v in self.closest.items() if k != "contrast"]
                vals = ", ".join(f"{k} = {_plain(v)}" for k, v in items[:CLOSEST_SHOWN])
                more = (
                    f" (the {CLOSEST_SHOWN} parameters the margin moves with most; the "
                    f"other {len(items) - CLOSEST_SHOWN} as sampled there)"
                    if len(items) > CLOSEST_SHOWN
                    else ""
                )
                gap = _plain(self.closest["contrast"])
                gap = gap if gap.startswith("-") else f"+{gap}"
                text += f" It came closest ({gap}) where {vals}{more}."
            return text
        if not self.regions:
            return (
                f"{head} at {share:.0%} of the sampled points; "
                f"{mino} wins at the other {1 - share:.0%}, scattered rather than in a "
                "region a shallow tree can describe (close calls, or seed noise)."
            )
        unless = ", or ".join(r.rule() for r in self.regions)
        return f"{head} unless {unless} ({maj} wins at {share:.0%} of the sampled points)."

    def region_frame(self) -> pd.DataFrame:
        """Every box of the tree, one row each (flip regions marked)."""
        rows = []
        for i, r in enumerate(self.leaves):
            rows.append(
                {
                    "output": self.output,
                    "region": i + 1,
                    "rule": r.rule(),
                    "points": r.n,
                    "winner": r.winner,
                    "density": r.density,
                    "coverage": r.coverage,
                    "mean_contrast": r.mean_contrast,
                    "flip_region": r.winner == self.minority,
                }
            )
        return pd.DataFrame(rows)


def _a_sign(better: str) -> int:
    """+1 when a larger ``a - b`` favours a (higher is better, or no direction), else -1."""
    return -1 if better == "lower" else 1


def winner_labels(contrast: np.ndarray, better: str, a: str, b: str) -> np.ndarray:
    """Per point: the better regime's name ('' for an exact tie)."""
    c = np.asarray(contrast, dtype=float) * _a_sign(better)
    a_wins, b_wins = c > 0, c < 0
    return np.where(a_wins, a, np.where(b_wins, b, ""))


def discover(
    space: Space,
    X: np.ndarray,
    contrast: np.ndarray,
    clear: np.ndarray,
    *,
    output: str,
    label: str,
    better: str,
    a: str,
    b: str,
    max_depth: int = 3,
    min_leaf: float = 0.05,
    seed: int = 0,
) -> FlipAnalysis:
    """Describe where ``a`` or ``b`` wins, from point-level mean contrasts.

    Args:
        space: the parameters (decoded values are the tree's features).
        X: SALib's sample (points x parameters).
        contrast: mean of ``a - b`` over replicates at each point (finite).
        clear: per point, whether the replicates settle the sign.
        output, label, better: the metric and which way is better.
        a, b: the regimes' names.
        max_depth, min_leaf: the tree's depth and smallest leaf (share of points).
        seed: the tree's random state (ties between equally good splits).
    """
    win = winner_labels(contrast, better, a, b)
    wins = {a: int((win == a).sum()), b: int((win == b).sum())}
    majority = a if wins[a] >= wins[b] else b
    minority = b if majority == a else a
    fa = FlipAnalysis(
        output,
        label,
        a,
        b,
        better,
        len(contrast),
        wins,
        float(np.mean(clear)) if len(clear) else math.nan,
        majority,
        minority,
    )
    features = space.numeric(X)
    if wins[minority] == 0:
        # no flip anywhere: where did it come closest?
        margin = _a_sign(better) * contrast * (1 if majority == a else -1)
        i = int(np.argmin(margin))
        vals = space.values(X[i : i + 1])[0]
        # the parameters listed first are those the margin moves with most (rank
        # correlation over the sample), so the sentence can name only a few
        ranks = pd.DataFrame(features).rank().to_numpy()
        mr = pd.Series(margin).rank().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = [
                abs(float(np.corrcoef(ranks[:, k], mr)[0, 1])) if np.ptp(ranks[:, k]) else 0.0
                for k in range(ranks.shape[1])
            ]
        order = sorted(range(len(vals)), key=lambda k: -np.nan_to_num(corr[k]))
        params = space.parameters
        fa.closest = {params[k].label: _fmt(vals[k]) for k in order} | {
            "contrast": float(contrast[i])
        }
        fa.importance = pd.Series(0.0, index=space.names)
        return fa

    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    y = (win == minority).astype(int)
    leaf = max(2, math.ceil(min_leaf * len(y)))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=leaf, random_state=seed)
    tree.fit(features, y)
    fa.tree = tree
    fa.accuracy = float(tree.score(features, y))
    n_min = int(y.sum())
    if min(n_min, len(y) - n_min) >= 5:
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        model = DecisionTreeClassifier(
            max_depth=max_depth, min_samples_leaf=leaf, random_state=seed
        )
        fa.cv_accuracy = float(cross_val_score(model, features, y, cv=folds).mean())
    fa.importance = pd.Series(tree.feature_importances_, index=space.names)
    fa.leaves = _leaves(tree, space, features, y, contrast, majority, minority)
    fa.regions = sorted((r for r in fa.leaves if r.winner == minority), key=lambda r: -r.coverage)
    return fa


def _plain(v: Any) -> str:
    """Three significant figures in plain decimals for prose (never '4.6e-05')."""
    if isinstance(v, float) and np.isfinite(v) and v != 0:
        return np.format_float_positional(v, precision=3, unique=False, fractional=False, trim="-")
    return str(v)


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.3g}")
    return v


Bounds = dict[int, tuple[float | None, float | None]]


def _box_mask(bounds: Bounds, features: np.ndarray) -> np.ndarray:
    mask = np.ones(len(features), dtype=bool)
    for j, (lo, hi) in bounds.items():
        if lo is not None:
            mask &= features[:, j] > lo
        if hi is not None:
            mask &= features[:, j] <= hi
    return mask


class _Boxes:
    """Regions from boxes, with their statistics computed on the sample."""

    def __init__(self, space, features, y, contrast, majority, minority) -> None:
        self.space, self.features, self.y, self.contrast = space, features, y, contrast
        self.majority, self.minority = majority, minority
        self.totals = {minority: max(int(y.sum()), 1), majority: max(int(len(y) - y.sum()), 1)}

    def region(self, bounds: Bounds, mask: np.ndarray | None = None) -> Region:
        if mask is None:
            mask = _box_mask(bounds, self.features)
        n = int(mask.sum())
        k = int(self.y[mask].sum())
        winner = self.minority if k * 2 > n else self.majority
        wins = k if winner == self.minority else n - k
        conds = tuple(
            Condition(self.space.parameters[j], lo, hi) for j, (lo, hi) in sorted(bounds.items())
        )
        mean = float(np.mean(self.contrast[mask])) if n else math.nan
        return Region(conds, n, winner, wins / max(n, 1), wins / self.totals[winner], mean)

    def bounds_of(self, region: Region) -> Bounds:
        keys = self.space.names
        return {keys.index(c.parameter.key): (c.lo, c.hi) for c in region.conditions}


def _leaves(tree, space, features, y, contrast, majority, minority) -> list[Region]:
    """The tree's boxes, with sibling leaves that name the same winner merged (a split
    that changes nothing about who wins says nothing), then neighbouring flip boxes
    that together form one box (:func:`_merge_neighbours`)."""
    t = tree.tree_
    leaf_of = tree.apply(features)
    boxes = _Boxes(space, features, y, contrast, majority, minority)

    def walk(node: int, bounds: Bounds) -> tuple[list[Region], np.ndarray]:
        left, right = t.children_left[node], t.children_right[node]
        if left == right:
            mask = leaf_of == node
            return [boxes.region(bounds, mask)], mask
        j, thr = int(t.feature[node]), float(t.threshold[node])
        lo, hi = bounds.get(j, (None, None))
        lr, lm = walk(left, {**bounds, j: (lo, thr if hi is None else min(hi, thr))})
        rr, rm = walk(right, {**bounds, j: (thr if lo is None else max(lo, thr), hi)})
        mask = lm | rm
        if len(lr) == 1 and len(rr) == 1 and lr[0].winner == rr[0].winner:
            return [boxes.region(bounds, mask)], mask
        return lr + rr, mask

    leaves = walk(0, {})[0]
    flips = [r for r in leaves if r.winner == minority]
    rest = [r for r in leaves if r.winner != minority]
    return rest + _merge_neighbours(flips, boxes)


def _merge_neighbours(regions: list[Region], boxes: _Boxes, tol: float = 0.1) -> list[Region]:
    """Join flip boxes that touch along one parameter and (nearly) agree on the others,
    e.g. 'x above 1.58 and y below 0.54' with 'x between 1.18 and 1.58 and y below 0.55'
    becomes 'x above 1.18 and y below 0.54'. Where the others nearly agree the tighter
    bound is kept, so the merged box lies inside the union; its statistics are computed
    afresh, and the merge is kept only if the box still has the same winner."""
    regs = list(regions)
    space = boxes.space

    def near(a: float | None, b: float | None, j: int) -> bool:
        if a is None or b is None:
            return a is b
        p = space.parameters[j]
        return abs(a - b) <= tol * max(p.high - p.low, 1e-12)

    def merge(r1: Region, r2: Region) -> Bounds | None:
        b1, b2 = boxes.bounds_of(r1), boxes.bounds_of(r2)
        out: Bounds = {}
        joined = 0
        for j in sorted(set(b1) | set(b2)):
            lo1, hi1 = b1.get(j, (None, None))
            lo2, hi2 = b2.get(j, (None, None))
            if near(lo1, lo2, j) and near(hi1, hi2, j):
                lo = lo1 if lo2 is None else (lo2 if lo1 is None else max(lo1, lo2))
                hi = hi1 if hi2 is None else (hi2 if hi1 is None else min(hi1, hi2))
                out[j] = (lo, hi)
            elif hi1 is not None and near(hi1, lo2, j):
                out[j], joined = (lo1, hi2), joined + 1
            elif hi2 is not None and near(hi2, lo1, j):
                out[j], joined = (lo2, hi1), joined + 1
            else:
                return None
        if joined != 1:
            return None
        return {j: b for j, b in out.items() if b != (None, None)}

    changed = True
    while changed:
        changed = False
        for i in range(len(regs)):
            for k in range(i + 1, len(regs)):
                bounds = merge(regs[i], regs[k])
                if bounds is None:
                    continue
                joined = boxes.region(bounds)
                if joined.winner == regs[i].winner and joined.n:
                    regs = [r for m, r in enumerate(regs) if m not in (i, k)] + [joined]
                    changed = True
                    break
            if changed:
                break
    return regs
