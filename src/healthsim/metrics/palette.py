"""One truth about every trust: the states a trust is shown in, each with one colour and
one wording, shared by the run's figures and tables, the summary, the network figure,
the animation (GIF, MP4 and poster) and the workshop app.

**Ladder states.** A trust is shown on the rung of the failure ladder it is on (no
action, advice, warning or conditions, special measures, administration or merger), with
one state added that the model has no rung for:

*Out of administration, still inadequate*: the trust has been in administration (or
merged) earlier in the run, is now below special measures, and its latest overall rating
is still inadequate. The model moves a trust that leaves administration to a warning
(graduated ladder) or to no rung (binary ladder) whatever it is like then
(``mechanisms/ladder.py``, ``review_exit``); drawn by its rung it would look like a
trust of no concern. The state is derived here from recorded variables only (each
month's ``rung`` and ``rating``), so it changes nothing in the model: it ends when an
inspection rates the trust better than inadequate, or when it goes back into special
measures. It follows the rating, not true quality (``truly_failing``), which changes
month by month and would make the state flicker; the trust card in the app shows true
quality.

**Counts.** Special measures and administration are separate states everywhere: "in
special measures" never includes a trust in administration (the recorded monthly
``in_special_measures`` does, for the model's own metrics; :func:`counts` does not).

**Colours.** The ladder runs in one hue, light to dark as the regime's grip tightens
(grey, then pinks and plums to near-black for administration); the state out of
administration is teal, outside both scales. Ratings keep the inspectorate's own
scheme (red, amber, green, blue) and no ladder colour is a rating colour, so no colour
means two things and both views share one green for "good". Every colour of this module
differs from every other (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthsim.model import Rating, Rung

if TYPE_CHECKING:
    from healthsim.model.economy import HealthEconomy


class State(IntEnum):
    """What a trust is shown as on the ladder: its rung, or the derived state."""

    no_action = int(Rung.none)
    advice = int(Rung.advice)
    warning = int(Rung.warning)
    special_measures = int(Rung.special_measures)
    administration = int(Rung.administration)
    failing_after_administration = 5


@dataclass(frozen=True)
class Look:
    """How a state is shown: its ``label`` (legends, the app), its ``name`` (tables and
    sentences, lower case), its colour and what it means."""

    label: str
    colour: str
    meaning: str

    @property
    def name(self) -> str:
        return self.label[0].lower() + self.label[1:]


#: Ladder states, mildest first (the order of stacked figures and of legends read
#: from the bottom up).
LADDER: dict[State, Look] = {
    State.no_action: Look("No action", "#c3ccd6", "on no rung of the ladder"),
    State.advice: Look(
        "Advice", "#f1c9e6", "receiving advice after a rating of requires improvement"
    ),
    State.warning: Look(
        "Warning or conditions",
        "#c75aa8",
        "under a warning notice, with the commissioner's conditions where the regime "
        "gives them powers",
    ),
    State.failing_after_administration: Look(
        "Out of administration, still inadequate",
        "#0e9aa7",
        "left administration but still rated inadequate",
    ),
    State.special_measures: Look(
        "Special measures", "#7d1663", "in special measures, with the regime's package"
    ),
    State.administration: Look(
        "Administration or merger",
        "#24082c",
        "in administration or merged: the top rung, after years in special measures",
    ),
}

#: Overall ratings in the inspectorate's colours, worst to best (light grey before the
#: first inspection).
RATINGS: dict[Rating, Look] = {
    Rating.unrated: Look("Not yet inspected", "#e6e6e6", "not inspected yet in the run"),
    Rating.inadequate: Look("Inadequate", "#c62828", "latest overall rating inadequate"),
    Rating.requires_improvement: Look(
        "Requires improvement", "#f0a202", "latest overall rating requires improvement"
    ),
    Rating.good: Look("Good", "#2e9d49", "latest overall rating good"),
    Rating.outstanding: Look("Outstanding", "#1565c0", "latest overall rating outstanding"),
}

#: The other marks of the network drawings (app, animation, network figure).
BUDDY = "#2563eb"
COMMISSIONER = "#3d4b5c"
SOCIAL_CARE = "#8a7560"
#: Ring drawn round a trust in special measures or administration.
RING = "#111111"
#: Text tones of the app's event feed: bad news in the inadequate red, good in the
#: green of "good".
BAD = RATINGS[Rating.inadequate].colour
GOOD = RATINGS[Rating.good].colour

#: Ladder states that are the regime's intervention (drawn with a black ring).
IN_REGIME = (State.special_measures, State.administration)


def worst_first(looks: dict) -> list:
    """The keys of :data:`LADDER` or :data:`RATINGS`, worst first (for legends that
    list the trusts in each state)."""
    if looks is LADDER:
        return list(LADDER)[::-1]
    return [
        Rating.inadequate,
        Rating.requires_improvement,
        Rating.good,
        Rating.outstanding,
        Rating.unrated,
    ]


def ladder_colours() -> dict[int, str]:
    return {int(k): v.colour for k, v in LADDER.items()}


def rating_colours() -> dict[int, str]:
    return {int(k): v.colour for k, v in RATINGS.items()}


def states(rung: np.ndarray, rating: np.ndarray, been_in_administration: np.ndarray) -> np.ndarray:
    """The :class:`State` of each trust (arrays of the same shape; the result is ints).

    Args:
        rung: ladder rungs (:class:`~healthsim.model.Rung` values).
        rating: latest overall ratings.
        been_in_administration: whether the trust has been in administration in this
            run, up to and including now.
    """
    rung = np.asarray(rung, dtype=int)
    out = rung.copy()
    after = (
        np.asarray(been_in_administration, dtype=bool)
        & (rung < int(Rung.special_measures))
        & (np.asarray(rating) == int(Rating.inadequate))
    )
    out[after] = int(State.failing_after_administration)
    return out


def states_of_trusts(trusts: pd.DataFrame) -> np.ndarray:
    """The state of every row of a run's per-trust table (``result.trusts``: one row a
    trust a month, with ``trust``, ``month``, ``rung`` and ``rating``), in the table's
    row order."""
    order = trusts.sort_values(["trust", "month"], kind="stable")
    admin = (order["rung"].to_numpy() == int(Rung.administration)).astype(int)
    been = pd.Series(admin, index=order.index).groupby(order["trust"].to_numpy()).cummax()
    been = been.reindex(trusts.index).to_numpy() > 0
    return states(trusts["rung"].to_numpy(), trusts["rating"].to_numpy(), been)


def states_of_model(model: HealthEconomy) -> np.ndarray:
    """Each trust's state now, in a live model (the app, the animation)."""
    s, rec = model.s, model.recorder
    rung = np.asarray(s.rung, dtype=int)
    been = rung == int(Rung.administration)
    if rec.n_rows:
        been = been | (rec.per_trust["rung"][: rec.n_rows] == int(Rung.administration)).any(0)
    return states(rung, s.rating, been)


def counts(values: np.ndarray) -> dict[State, int]:
    """How many trusts are in each ladder state (every state, zero included)."""
    values = np.asarray(values, dtype=int)
    return {k: int((values == int(k)).sum()) for k in LADDER}


def monthly_counts(trusts: pd.DataFrame) -> pd.DataFrame:
    """Trusts in each ladder state, one row a month (columns: the states)."""
    st = states_of_trusts(trusts)
    table = pd.crosstab(trusts["month"].to_numpy(), st)
    table = table.reindex(columns=[int(k) for k in LADDER], fill_value=0)
    table.columns = list(LADDER)
    table.index.name = "month"
    return table


def rating_counts(values: np.ndarray) -> dict[Rating, int]:
    values = np.asarray(values, dtype=int)
    return {k: int((values == int(k)).sum()) for k in RATINGS}
